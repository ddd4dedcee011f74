"""Writes the binary ONNX models of binary-models.test into a folder.

Usage: make-binary-models.py OUTPUT_DIR

Binary protobuf is what users have; the textual syntax of the other tests
cannot express node names, float16 data or external data files.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def save(model, name, **kwargs):
    onnx.save_model(model, os.path.join(out, name), **kwargs)


def opset(version):
    return [helper.make_opsetid("", version)]


# Named layers as PyTorch exports them, a weight large enough for a blob, an
# initializer also listed as an input (old exporters), and float16.
weight = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32),
                                 "conv1.weight")
bias = numpy_helper.from_array(np.arange(8, dtype=np.float32), "conv1.bias")
half = numpy_helper.from_array(np.full((8,), 0.5, dtype=np.float16), "onnx::Mul_7")
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c"],
                         name="/layer1/conv1/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="/layer1/relu/Relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["p"], ["f"], name="/Flatten"),
        helper.make_node("Cast", ["f"], ["h"], name="/Cast", to=TensorProto.FLOAT16),
        helper.make_node("Mul", ["h", "onnx::Mul_7"], ["output"], name="/Mul"),
    ],
    "named",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 16, 16]),
     helper.make_tensor_value_info("conv1.bias", TensorProto.FLOAT, [8])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT16, ["batch", 8])],
    [weight, bias, half],
)
save(helper.make_model(graph, opset_imports=opset(17)), "named.onnx")

# Weights in an external data file beside the model.
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")],
    "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 100])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
    [numpy_helper.from_array(np.arange(400, dtype=np.float32).reshape(100, 4), "w")],
)
save(helper.make_model(graph, opset_imports=opset(13)), "external.onnx",
     save_as_external_data=True, location="external.bin", size_threshold=0)

# The same model cut short, as a failed download leaves it.
data = helper.make_model(graph, opset_imports=opset(13)).SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])

# Unsupported nodes named as exporters name them, all reported at once.
graph = helper.make_graph(
    [
        helper.make_node("NonMaxSuppression", ["b", "s"], ["n"], name="/detect/nms"),
        helper.make_node("Relu", ["b"], ["r"], name="/relu"),
        helper.make_node("Attention", ["r"], ["a"], name="/attn", domain="com.microsoft"),
    ],
    "unsupported",
    [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4, 4]),
     helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, 1, 4])],
    [helper.make_tensor_value_info("n", TensorProto.INT64, [None, 3])],
)
save(helper.make_model(graph, opset_imports=opset(13) + [helper.make_opsetid("com.microsoft", 1)]),
     "unsupported.onnx")

# An initializer of complex numbers.
graph = helper.make_graph(
    [helper.make_node("Identity", ["c"], ["y"], name="copy")],
    "complex",
    [],
    [helper.make_tensor_value_info("y", TensorProto.COMPLEX64, [2])],
    [numpy_helper.from_array(np.array([1 + 2j, 3 - 4j], dtype=np.complex64), "c")],
)
save(helper.make_model(graph, opset_imports=opset(13)), "complex.onnx")

# A shape fed as an input, as ONNX's backend tests do: --input-value gives
# it at import.
graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
    "shapeinput",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6]),
     helper.make_tensor_value_info("shape", TensorProto.INT64, [3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2, 2])],
)
save(helper.make_model(graph, opset_imports=opset(13)), "shape-input.onnx")
with open(os.path.join(out, "shape.pb"), "wb") as f:
    f.write(numpy_helper.from_array(np.array([3, 2, 2], dtype=np.int64)).SerializeToString())
with open(os.path.join(out, "wrong-shape.pb"), "wb") as f:
    f.write(numpy_helper.from_array(np.array([[3, 4]], dtype=np.int64)).SerializeToString())
