#!/usr/bin/env python3
"""Writes small ONNX backend-style node tests for kiln-interpret's
--onnx-test-dir mode: DIR/NAME/model.onnx and test_data_set_0/{input,output}_N.pb.

    make_onnx_tests.py DIR

conv_relu, two_outputs, clip_bound_inputs (Clip's min and max as graph
inputs) and computed_bound_input (a Range limit computed from one) hold onnxruntime's outputs (they must pass), wrong
holds a perturbed output (it must fail), custom_domain uses an op no importer
knows (it must be unsupported).
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper


def write_test(directory, name, nodes, inputs, outputs, initializers=(), perturb=False):
    path = os.path.join(directory, name)
    os.makedirs(os.path.join(path, "test_data_set_0"), exist_ok=True)
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for k, v in inputs.items()],
        [helper.make_tensor_value_info(k, t, None) for k, t in outputs],
        initializer=list(initializers))
    opsets = [helper.make_opsetid("", 17)]
    if any(n.domain for n in nodes):
        opsets.append(helper.make_opsetid("com.example", 1))
    model = helper.make_model(graph, opset_imports=opsets, ir_version=8)
    onnx.save(model, os.path.join(path, "model.onnx"))
    for i, (k, v) in enumerate(inputs.items()):
        onnx.save_tensor(numpy_helper.from_array(v, k),
                         os.path.join(path, "test_data_set_0", f"input_{i}.pb"))
    if any(n.domain for n in nodes):
        results = [np.zeros(1, np.float32)]
    else:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        results = session.run(None, inputs)
    for i, ((k, _), v) in enumerate(zip(outputs, results)):
        if perturb and i == 0:
            v = v.copy()
            v.flat[3] += 0.5
        onnx.save_tensor(numpy_helper.from_array(v, k),
                         os.path.join(path, "test_data_set_0", f"output_{i}.pb"))


def main():
    directory = sys.argv[1]
    r = np.random.default_rng(0)
    x = r.standard_normal((1, 3, 6, 6)).astype(np.float32)
    w = numpy_helper.from_array(r.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(r.standard_normal(4).astype(np.float32), "b")
    conv = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["y"])]
    for name, perturb in (("conv_relu", False), ("wrong", True)):
        write_test(directory, name, conv, {"x": x}, [("y", onnx.TensorProto.FLOAT)], [w, b],
                   perturb)
    a = r.standard_normal((2, 5)).astype(np.float32)
    write_test(directory, "two_outputs",
               [helper.make_node("Softmax", ["a"], ["s"], axis=1),
                helper.make_node("ArgMax", ["a"], ["i"], axis=1, keepdims=0)],
               {"a": a}, [("s", onnx.TensorProto.FLOAT), ("i", onnx.TensorProto.INT64)])
    # Clip's bounds fed as graph inputs, as ONNX's backend tests do: the
    # importer needs them as constants, one after the other.
    write_test(directory, "clip_bound_inputs",
               [helper.make_node("Clip", ["a", "lo", "hi"], ["y"])],
               {"a": a, "lo": np.array(-0.5, np.float32), "hi": np.array(0.25, np.float32)},
               [("y", onnx.TensorProto.FLOAT)])
    # A Range whose limit is computed from a graph input (as the expanded
    # window functions do): the importer reports the input it comes from.
    write_test(directory, "computed_bound_input",
               [helper.make_node("Cast", ["n"], ["nf"], to=onnx.TensorProto.FLOAT),
                helper.make_node("Add", ["nf", "one"], ["limit"]),
                helper.make_node("Range", ["zero", "limit", "one"], ["r"]),
                helper.make_node("Mul", ["r", "b"], ["y"])],
               {"n": np.array(4, np.int32), "b": np.arange(5, dtype=np.float32) - 2},
               [("y", onnx.TensorProto.FLOAT)],
               initializers=[numpy_helper.from_array(np.array(0, np.float32), "zero"),
                             numpy_helper.from_array(np.array(1, np.float32), "one")])
    write_test(directory, "custom_domain",
               [helper.make_node("Frobnicate", ["a"], ["y"], domain="com.example")],
               {"a": a}, [("y", onnx.TensorProto.FLOAT)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
