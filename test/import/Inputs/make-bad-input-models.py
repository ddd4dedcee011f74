#!/usr/bin/env python3
"""Models that once crashed, hung or were wrongly accepted by kiln-compile
(found by fuzzing the importer): each must now be refused with an error
naming the input or the node. Writes OUT/NAME.onnx.

    make-bad-input-models.py OUT
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

OPSET = 17


def model(name, nodes, inputs, inits=(), opset=OPSET, outputs=("y",)):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    save(m, os.path.join(sys.argv[1], name + ".onnx"))


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def main():
    os.makedirs(sys.argv[1], exist_ok=True)
    f = TensorProto.FLOAT
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    # Input shapes: a negative dimension; more bytes than int64 counts.
    model("negative_dim", relu, [("x", f, [1, -3])])
    model("huge_input", relu, [("x", f, [2**62 + 1])])
    # Shapes computed by a node: past the 1 TiB a tensor may hold, and a
    # splat constant that would become 8 GiB of engine weights.
    for name, shape in [("huge_constant", [2**40, 2**40]), ("big_splat", [2**31])]:
        model(name, [helper.make_node("ConstantOfShape", ["shape"], ["c"],
                                      value=helper.make_tensor("v", f, [1], [1.0])),
                     helper.make_node("Add", ["c", "x"], ["y"])],
              [("x", f, [1])], [const("shape", np.array(shape, np.int64))])
    # Graph inputs without a name, or with one listed twice: no binding.
    model("unnamed_input", relu, [("", f, [1]), ("x", f, [1])])
    model("duplicate_input", relu, [("x", f, [1]), ("x", f, [1])])
    # Before opset 13, Softmax's axis goes up to rank - 1 as since.
    model("softmax11_axis", [helper.make_node("Softmax", ["x"], ["y"], axis=2)],
          [("x", f, [2, 3])], opset=11)
    # Hardmax builds a table of the axis' indices.
    model("hardmax_axis", [helper.make_node("Hardmax", ["x"], ["y"], axis=1)],
          [("x", f, [1, 2**25])])
    # Range whose element count is NaN or far too large.
    for name, delta in [("range_nan", np.nan), ("range_huge", 1e-30)]:
        model(name, [helper.make_node("Range", ["s", "l", "d"], ["r"]),
                     helper.make_node("Add", ["r", "x"], ["y"])],
              [("x", f, [1])],
              [const("s", np.float32(0)), const("l", np.float32(1)),
               const("d", np.float32(delta))])
    # Constant indices out of range on data known only at run time.
    model("gather_oob", [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)],
          [("x", f, [2, 2])], [const("i", np.array([5], np.int64))])
    model("gather_elements_oob",
          [helper.make_node("GatherElements", ["x", "i"], ["y"], axis=1)],
          [("x", f, [2, 3])], [const("i", np.array([[0, 5], [1, 2]], np.int64))])
    # A binary op and Where with a constant first input and the rest left out:
    # at opset 17 ONNX's schema check refuses them (the library knows opsets
    # up to 17), at opset 18 the importer's own checks must.
    for opset in (17, 18):
        c = const("c", np.ones([2], np.float32))
        model(f"mul_one_input_{opset}", [helper.make_node("Mul", ["c", ""], ["m"]),
                                         helper.make_node("Add", ["m", "x"], ["y"])],
              [("x", f, [2])], [c], opset=opset)
        model(f"where_one_input_{opset}", [helper.make_node("Where", ["b", "", ""], ["m"]),
                                           helper.make_node("Add", ["m", "x"], ["y"])],
              [("x", f, [2])], [const("b", np.array([True, False]))], opset=opset)
    # More inputs than the op takes.
    model("extra_inputs", [helper.make_node("Relu", ["x", "x"], ["y"])], [("x", f, [2])])
    # A graph without outputs.
    model("no_outputs", relu, [("x", f, [2])], outputs=())
    # A product over an empty inner dimension.
    model("matmul_k0", [helper.make_node("MatMul", ["x", "w"], ["y"])],
          [("x", f, [2, 0])], [const("w", np.zeros([0, 5], np.float32))])


if __name__ == "__main__":
    main()
