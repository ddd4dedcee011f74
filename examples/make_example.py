#!/usr/bin/env python3
"""Writes examples/resnet-block.onnx: a ResNet basic block with its classifier
head (conv-bn-relu, conv-bn, residual add, relu, global average pool,
flatten, fully connected, softmax), batch 1, 8 channels, 16x16, opset 17,
weights from a fixed seed. Regenerate with: python3 examples/make_example.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
inits = []


def weight(name, shape, positive=False):
    value = 0.5 + rng.random(shape) if positive else rng.standard_normal(shape) * 0.2
    inits.append(numpy_helper.from_array(value.astype(np.float32), name))
    return name


def conv_bn(x, prefix):
    conv = helper.make_node("Conv", [x, weight(prefix + ".weight", [8, 8, 3, 3])],
                            [prefix + "_out"], name=prefix, kernel_shape=[3, 3],
                            pads=[1, 1, 1, 1])
    bn = helper.make_node("BatchNormalization",
                          [prefix + "_out", weight(prefix + ".bn.scale", [8], True),
                           weight(prefix + ".bn.bias", [8]), weight(prefix + ".bn.mean", [8]),
                           weight(prefix + ".bn.var", [8], True)],
                          [prefix + "_bn"], name=prefix.replace("conv", "bn"))
    return [conv, bn], prefix + "_bn"


nodes1, a = conv_bn("image", "conv1")
nodes2, b = conv_bn("relu1", "conv2")
nodes = nodes1 + [helper.make_node("Relu", [a], ["relu1"], name="relu1")] + nodes2 + [
    helper.make_node("Add", [b, "image"], ["sum"], name="add"),
    helper.make_node("Relu", ["sum"], ["relu2"], name="relu2"),
    helper.make_node("GlobalAveragePool", ["relu2"], ["pool"], name="pool"),
    helper.make_node("Flatten", ["pool"], ["flat"], name="flatten", axis=1),
    helper.make_node("Gemm", ["flat", weight("fc.weight", [10, 8]), weight("fc.bias", [10])],
                     ["logits"], name="fc", transB=1),
    helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
]
graph = helper.make_graph(
    nodes, "resnet_block",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 8, 16, 16])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
    initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="kiln examples")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)), "resnet-block.onnx"))
