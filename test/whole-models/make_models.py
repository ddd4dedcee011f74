#!/usr/bin/env python3
"""Builds networks shaped like real ones with onnx.helper and seeded random
weights, and writes each in the ONNX backend-test layout with ONNX Runtime's
outputs as the expected ones: DIR/NAME/model.onnx, test_data_set_0/*.pb.

    make_models.py DIR

resnet_bottleneck: 1x1-3x3-1x1 convs with batch norms and relus, residual.
inception: four branches (1x1; 1x1-3x3; 1x1-5x5; maxpool-1x1), LRN, concat.
mobilenet_v2: 1x1 expand, depthwise 3x3, 1x1 project, each with batch norm,
ReLU6 (Clip) after the first two, residual.
efficientnet_mbconv: EfficientNet-B0's MBConv as PyTorch exports it: 1x1
expand and depthwise 3x3 with batch norm and SiLU (x * Sigmoid(x)), squeeze
and excitation (GlobalAveragePool, 1x1 conv + SiLU, 1x1 conv + Sigmoid, Mul),
1x1 project with batch norm, residual.
bert_layer: self-attention (Q/K/V matmuls, heads by reshape/transpose,
scaled scores, additive mask, softmax), dense + residual + LayerNorm, and a
GELU (erf form, as PyTorch exports it) feed-forward with residual + LayerNorm.
softmax_formulas: softmax and log-softmax written out as ONNX's function
bodies define them (ReduceMax, Sub, Exp, ReduceSum, Div; Log and Sub), on
scores large enough that subtracting the max in half precision would show.
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(2026)
OPSET = 17


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def weight(self, shape, scale=None, positive=False):
        name = self.name("w")
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        scale = scale if scale is not None else 1.0 / np.sqrt(max(fan_in, 1))
        value = rng.standard_normal(shape) * scale
        if positive:
            value = 0.5 + rng.random(shape)
        self.inits.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def const(self, value, dtype=np.float32):
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.array(value, dtype), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower() + "_")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def conv_bn(self, x, cin, cout, k, relu=None, groups=1, stride=1):
        w = self.weight([cout, cin // groups, k, k])
        y = self.op("Conv", [x, w], kernel_shape=[k, k], pads=[k // 2] * 4,
                    strides=[stride, stride], group=groups)
        y = self.op("BatchNormalization", [y, self.weight([cout], positive=True),
                                           self.weight([cout], 0.1), self.weight([cout], 0.1),
                                           self.weight([cout], positive=True)], epsilon=1e-5)
        if relu == "relu":
            y = self.op("Relu", [y])
        elif relu == "relu6":
            y = self.op("Clip", [y, self.const(0.0), self.const(6.0)])
        elif relu == "silu":
            y = self.op("Mul", [y, self.op("Sigmoid", [y])])
        return y


def resnet_bottleneck():
    g = Graph()
    a = g.conv_bn("x", 32, 8, 1, "relu")
    b = g.conv_bn(a, 8, 8, 3, "relu")
    c = g.conv_bn(b, 8, 32, 1)
    y = g.op("Relu", [g.op("Add", [c, "x"])])
    return g, {"x": (1, 32, 14, 14)}, y


def inception():
    g = Graph()
    x = g.op("LRN", ["x"], size=5, alpha=1e-4, beta=0.75, bias=1.0)
    b1 = g.conv_bn(x, 16, 8, 1, "relu")
    b2 = g.conv_bn(g.conv_bn(x, 16, 6, 1, "relu"), 6, 12, 3, "relu")
    b3 = g.conv_bn(g.conv_bn(x, 16, 4, 1, "relu"), 4, 6, 5, "relu")
    p = g.op("MaxPool", [x], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    b4 = g.conv_bn(p, 16, 6, 1, "relu")
    y = g.op("Concat", [b1, b2, b3, b4], axis=1)  # 8 + 12 + 6 + 6 = 32 channels
    y = g.conv_bn(y, 32, 16, 1, "relu")
    return g, {"x": (1, 16, 12, 12)}, y


def mobilenet_v2():
    g = Graph()
    e = g.conv_bn("x", 16, 96, 1, "relu6")
    d = g.conv_bn(e, 96, 96, 3, "relu6", groups=96)
    p = g.conv_bn(d, 96, 16, 1)
    y = g.op("Add", [p, "x"])
    return g, {"x": (1, 16, 14, 14)}, y


def efficientnet_mbconv():
    g = Graph()
    e = g.conv_bn("x", 16, 96, 1, "silu")
    d = g.conv_bn(e, 96, 96, 3, "silu", groups=96)
    s = g.op("GlobalAveragePool", [d])
    s = g.op("Conv", [s, g.weight([4, 96, 1, 1]), g.weight([4], 0.1)], kernel_shape=[1, 1])
    s = g.op("Mul", [s, g.op("Sigmoid", [s])])
    s = g.op("Conv", [s, g.weight([96, 4, 1, 1]), g.weight([96], 0.1)], kernel_shape=[1, 1])
    d = g.op("Mul", [d, g.op("Sigmoid", [s])])
    p = g.conv_bn(d, 96, 16, 1)
    y = g.op("Add", [p, "x"])
    return g, {"x": (1, 16, 14, 14)}, y


def bert_layer():
    g = Graph()
    seq, hidden, heads = 16, 64, 4
    head = hidden // heads

    def dense(x, n_in, n_out):
        return g.op("Add", [g.op("MatMul", [x, g.weight([n_in, n_out])]),
                            g.weight([n_out], 0.1)])

    def split_heads(x, perm):
        r = g.op("Reshape", [x, g.const([1, seq, heads, head], np.int64)])
        return g.op("Transpose", [r], perm=perm)

    def layer_norm(x):
        return g.op("LayerNormalization", [x, g.weight([hidden], positive=True),
                                           g.weight([hidden], 0.1)], axis=-1, epsilon=1e-12)

    q = split_heads(dense("x", hidden, hidden), [0, 2, 1, 3])
    k = split_heads(dense("x", hidden, hidden), [0, 2, 3, 1])
    v = split_heads(dense("x", hidden, hidden), [0, 2, 1, 3])
    scores = g.op("Div", [g.op("MatMul", [q, k]), g.const(np.sqrt(head))])
    mask = g.op("Mul", [g.op("Sub", [g.const(1.0), "mask"]), g.const(-10000.0)])
    probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.const([1, seq, hidden], np.int64)])
    h = layer_norm(g.op("Add", [dense(ctx, hidden, hidden), "x"]))
    f = dense(h, hidden, 4 * hidden)
    erf = g.op("Erf", [g.op("Div", [f, g.const(np.sqrt(2.0))])])
    gelu = g.op("Mul", [g.op("Mul", [f, g.op("Add", [erf, g.const(1.0)])]), g.const(0.5)])
    y = layer_norm(g.op("Add", [dense(gelu, 4 * hidden, hidden), h]))
    return g, {"x": (1, seq, hidden), "mask": (1, 1, 1, seq)}, y


def softmax_formulas():
    g = Graph()
    seq, hidden = 16, 64

    def shifted_exp(x, axis):
        shifted = g.op("Sub", [x, g.op("ReduceMax", [x], axes=[axis], keepdims=1)])
        e = g.op("Exp", [shifted])
        return shifted, e, g.op("ReduceSum", [e, g.const([axis], np.int64)], keepdims=1)

    scores = g.op("Mul", [g.op("MatMul", ["x", g.weight([hidden, hidden])]), g.const(40.0)])
    _, e, total = shifted_exp(g.op("Add", [scores, g.const(1000.0)]), -1)
    probs = g.op("Div", [e, total])
    shifted, _, total = shifted_exp(g.op("MatMul", [probs, g.weight([hidden, hidden])]), 1)
    y = g.op("Sub", [shifted, g.op("Log", [total])])
    return g, {"x": (1, seq, hidden)}, y


def write(directory, name, build):
    g, inputs, output = build()
    shape = inputs["x"]  # every model keeps its input's shape
    graph = helper.make_graph(
        g.nodes, name,
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, s) for k, s in inputs.items()],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, shape)],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    feeds = {}
    for k, shape in inputs.items():
        value = rng.standard_normal(shape).astype(np.float32)
        if k == "mask":
            value = (rng.random(shape) > 0.25).astype(np.float32)
        feeds[k] = value
    save_case(directory, name, model, feeds, output)


def save_case(directory, name, model, feeds, output):
    """Writes DIR/NAME/model.onnx, the inputs `feeds` and ONNX Runtime's
    outputs (unoptimized, on the CPU) as test_data_set_0; returns those."""
    path = os.path.join(directory, name)
    data = os.path.join(path, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(path, "model.onnx"))
    for i, (k, value) in enumerate(feeds.items()):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, k).SerializeToString())
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    results = session.run(None, feeds)
    for i, value in enumerate(results):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, output).SerializeToString())
    return results

if __name__ == "__main__":
    for name, build in [("resnet_bottleneck", resnet_bottleneck), ("inception", inception),
                        ("mobilenet_v2", mobilenet_v2), ("bert_layer", bert_layer),
                        ("efficientnet_mbconv", efficientnet_mbconv),
                        ("softmax_formulas", softmax_formulas)]:
        write(sys.argv[1], name, build)
