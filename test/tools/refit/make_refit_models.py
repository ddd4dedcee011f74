#!/usr/bin/env python3
"""Models for the kiln-refit tests, built with onnx.helper from fixed seeds:

    make_refit_models.py DIR

DIR/fp32-old.onnx, fp32-new.onnx   the ResNet-style classifier of the INT8 tests
                                   (two residual stages, 8 convs, a Gemm) at
                                   batch 1 with two sets of weights: the same
                                   network
DIR/fp32-extra.onnx                the new weights and one more node (a Relu
                                   after the classifier): another network
DIR/fp32-shape.onnx                the new weights on a 1x3x20x20 input
DIR/dynamic-old.onnx, dynamic-new.onnx  the same with a symbolic batch size
DIR/qdq-old.onnx, qdq-new.onnx     a Q/DQ network (int8 weights per output
                                   channel): two conv + relu, their concat
                                   quantized by "q_cat", the first relu's output
                                   also by "q_side", of the same scale. The
                                   build moves q_cat before the concat and
                                   records scale(relu1.output) ==
                                   scale(concat.output). The new model has new
                                   weights and a new common scale
DIR/qdq-broken.onnx                the new model with q_side's scale changed alone
DIR/image.npy                      an input for the fp32 models
DIR/x.npy                          an input for the Q/DQ models
DIR/calib/image.N.npy              a calibration set for --int8
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "calibration"))
import make_int8_models as models  # noqa: E402


def fp32_model(seed, size=16, extra=False, batch=1):
    """The ResNet-style classifier of test/calibration/make_int8_models.py."""
    rng = np.random.default_rng(seed)
    g = models.Graph(rng)
    features = models.backbone(g)
    model = models.make_model(g, features, rng.standard_normal((models.CLASSES, models.WIDTH)) * 0.3,
                              rng.standard_normal(models.CLASSES) * 0.1)
    graph = model.graph
    dims = graph.input[0].type.tensor_type.shape.dim
    if batch:
        dims[0].dim_value = batch
        graph.output[0].type.tensor_type.shape.dim[0].dim_value = batch
    dims[2].dim_value = dims[3].dim_value = size
    if extra:
        graph.node.append(helper.make_node("Relu", ["logits"], ["logits_relu"], name="extra_relu"))
        graph.output[0].name = "logits_relu"
    return model


def stem_model(seed):
    """An RGB image's 7x7 stride-2 stem (kiln-space-to-depth blocks it in
    FP16), global pooled."""
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array((rng.standard_normal((8, 3, 7, 7)) * 0.1).astype(np.float32), "stem.weight")
    b = numpy_helper.from_array((rng.standard_normal(8) * 0.1).astype(np.float32), "stem.bias")
    nodes = [helper.make_node("Conv", ["image", "stem.weight", "stem.bias"], ["stem"], name="stem",
                              kernel_shape=[7, 7], strides=[2, 2], pads=[3, 3, 3, 3]),
             helper.make_node("Relu", ["stem"], ["stem_relu"], name="stem_relu"),
             helper.make_node("GlobalAveragePool", ["stem_relu"], ["pooled"], name="pool"),
             helper.make_node("Flatten", ["pooled"], ["features"], name="flatten")]
    graph = helper.make_graph(
        nodes, "stem", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 8])], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def qdq_model(seed, scale_cat, scale_side):
    """x → Q/DQ → two convs (int8 weights) with relus → concat → Q/DQ → conv; the
    first relu's output also → Q/DQ → conv."""
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(value, name))
        return name

    def int8_weight(name, shape):
        w = rng.standard_normal(shape).astype(np.float32) * 0.3
        scales = (np.abs(w).reshape(shape[0], -1).max(axis=1) / 127).astype(np.float32)
        q = np.clip(np.round(w / scales.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
        nodes.append(helper.make_node(
            "DequantizeLinear", [const(name + "_q", q), const(name + "_scale", scales),
                                 const(name + "_zero", np.zeros(shape[0], np.int8))],
            [name], name=name + "_DequantizeLinear", axis=0))
        return name

    def qdq(x, name, scale):
        s = const(name + "_scale", np.array(scale, np.float32))
        z = const(name + "_zero", np.array(0, np.int8))
        nodes.append(helper.make_node("QuantizeLinear", [x, s, z], [name + "_q"], name=name))
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", s, z], [name + "_dq"],
                                      name=name + "_dq"))
        return name + "_dq"

    def conv(x, name, w, shape):
        nodes.append(helper.make_node("Conv", [x, int8_weight(w, shape)], [name + "_out"],
                                      name=name, kernel_shape=shape[2:],
                                      pads=[shape[2] // 2] * 4))
        return name + "_out"

    def relu(x, name):
        nodes.append(helper.make_node("Relu", [x], [name], name=name))
        return name

    x = qdq("x", "q_in", 0.02)
    r1 = relu(conv(x, "conv1", "w1", [8, 4, 3, 3]), "relu1")
    r2 = relu(conv(x, "conv2", "w2", [8, 4, 3, 3]), "relu2")
    nodes.append(helper.make_node("Concat", [r1, r2], ["cat"], name="concat", axis=1))
    y1 = conv(qdq("cat", "q_cat", scale_cat), "conv3", "w3", [8, 16, 1, 1])
    y2 = conv(qdq(r1, "q_side", scale_side), "conv4", "w4", [8, 8, 1, 1])
    graph = helper.make_graph(
        nodes, "refit_qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info(y1, TensorProto.FLOAT, [1, 8, 8, 8]),
         helper.make_tensor_value_info(y2, TensorProto.FLOAT, [1, 8, 8, 8])],
        initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    onnx.save(fp32_model(7), os.path.join(out, "fp32-old.onnx"))
    onnx.save(fp32_model(8), os.path.join(out, "fp32-new.onnx"))
    onnx.save(fp32_model(8, extra=True), os.path.join(out, "fp32-extra.onnx"))
    onnx.save(fp32_model(8, size=20), os.path.join(out, "fp32-shape.onnx"))
    onnx.save(fp32_model(7, batch=0), os.path.join(out, "dynamic-old.onnx"))
    onnx.save(fp32_model(8, batch=0), os.path.join(out, "dynamic-new.onnx"))
    onnx.save(stem_model(7), os.path.join(out, "stem-old.onnx"))
    onnx.save(stem_model(8), os.path.join(out, "stem-new.onnx"))
    onnx.save(qdq_model(1, 0.03, 0.03), os.path.join(out, "qdq-old.onnx"))
    onnx.save(qdq_model(2, 0.05, 0.05), os.path.join(out, "qdq-new.onnx"))
    onnx.save(qdq_model(2, 0.05, 0.04), os.path.join(out, "qdq-broken.onnx"))
    rng = np.random.default_rng(3)
    np.save(os.path.join(out, "image.npy"), rng.standard_normal((1, 3, 16, 16)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 4, 8, 8)).astype(np.float32))
    for i in range(4):
        np.save(os.path.join(out, "calib", "image.%d.npy" % i),
                rng.standard_normal((1, 3, 16, 16)).astype(np.float32))


if __name__ == "__main__":
    main()
