#!/usr/bin/env python3
"""Builds the implicit-INT8 acceptance model and its data with onnx.helper,
numpy and ONNX Runtime, from fixed seeds:

    make_int8_models.py DIR

DIR/resnet.onnx      a ResNet-style classifier on 3x16x16 images (batch N):
                     conv-BN-ReLU stem, a basic block, a strided basic block
                     with a 1x1 projection, global average pool, flatten, FC
                     to 10 classes.
DIR/calib/image.K.npy  8 calibration batches of 16 images
DIR/eval.npy         500 other images (the agreement set)
DIR/float_layer.onnx conv-ReLU, sigmoid, conv, global pool, FC on 3x8x8
                     (the sigmoid has no INT8 implementation), with
                     DIR/calib-small/image.K.npy (4 batches of 2)

The images are ten random prototypes plus noise. The backbone's weights are
random (He init, batch norms with random statistics); the classifier is the
nearest class mean of the backbone's features (FC weights = centred mean
features, computed with ONNX Runtime), so predictions spread over the ten
classes instead of collapsing onto one, as an untrained head's would.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
CLASSES = 10
SHAPE = (3, 16, 16)
WIDTH = 32  # channels of the last stage: the features the classifier reads
NOISE = 0.3


class Graph:
    def __init__(self, rng):
        self.rng, self.nodes, self.inits, self.count = rng, [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def init(self, value, prefix="w"):
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower() + "_")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def conv_bn(self, x, cin, cout, k, stride=1, relu=True):
        rng = self.rng
        w = rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        y = self.op("Conv", [x, self.init(w)], kernel_shape=[k, k], pads=[k // 2] * 4,
                    strides=[stride, stride])
        y = self.op("BatchNormalization",
                    [y, self.init(0.5 + rng.random(cout)), self.init(rng.standard_normal(cout) * 0.1),
                     self.init(rng.standard_normal(cout) * 0.1), self.init(0.5 + rng.random(cout))],
                    epsilon=1e-5)
        return self.op("Relu", [y]) if relu else y


def backbone(g):
    x = g.conv_bn("image", 3, 8, 3)
    y = g.conv_bn(g.conv_bn(x, 8, 8, 3), 8, 8, 3, relu=False)
    x = g.op("Relu", [g.op("Add", [y, x])])
    y = g.conv_bn(g.conv_bn(x, 8, WIDTH, 3, stride=2), WIDTH, WIDTH, 3, relu=False)
    skip = g.conv_bn(x, 8, WIDTH, 1, stride=2, relu=False)
    x = g.op("Relu", [g.op("Add", [y, skip])])
    return g.op("Flatten", [g.op("GlobalAveragePool", [x])])


def make_model(g, output, fc_w, fc_b, name="resnet_int8"):
    nodes = list(g.nodes)
    inits = list(g.inits)
    if fc_w is not None:
        inits += [numpy_helper.from_array(fc_w.astype(np.float32), "fc.weight"),
                  numpy_helper.from_array(fc_b.astype(np.float32), "fc.bias")]
        nodes.append(helper.make_node("Gemm", [output, "fc.weight", "fc.bias"], ["logits"],
                                      name="fc", transB=1))
        output, width = "logits", CLASSES
    else:
        width = WIDTH
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", *SHAPE])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", width])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def float_layer(rng):
    g = Graph(rng)
    x = g.op("Relu", [g.op("Conv", ["image", g.init(rng.standard_normal((4, 3, 3, 3)) * 0.3)],
                           kernel_shape=[3, 3], pads=[1] * 4)])
    x = g.op("Sigmoid", [x])
    x = g.op("Conv", [x, g.init(rng.standard_normal((4, 4, 1, 1)))], kernel_shape=[1, 1])
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    g.nodes.append(helper.make_node("Gemm", [x, g.init(rng.standard_normal((3, 4))),
                                             g.init(np.zeros(3))], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        g.nodes, "float_layer",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [2, 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 3])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def images(rng, prototypes, count):
    labels = rng.integers(0, CLASSES, count)
    return (prototypes[labels] + NOISE * rng.standard_normal((count, *SHAPE))).astype(np.float32)


def class_mean_head(body, rng, prototypes):
    """The classifier's FC weights and bias: nearest class mean of the
    features `body` (an ONNX model from image to features) computes."""
    import onnxruntime as ort

    session = ort.InferenceSession(body.SerializeToString(), providers=["CPUExecutionProvider"])
    means = np.stack([session.run(None, {"image": images(rng, prototypes[[c] * CLASSES], 64)})[0]
                      .mean(axis=0) for c in range(CLASSES)])
    centre = means.mean(axis=0)
    fc_w = means - centre
    fc_b = -0.5 * (means ** 2).sum(axis=1)  # f·centre is the same for every class
    fc_b -= fc_b.mean()
    return fc_w, fc_b


def save_images(out, rng, prototypes):
    """8 calibration batches of 16 images and 500 evaluation images."""
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    for k in range(8):
        np.save(os.path.join(out, "calib", f"image.{k}.npy"), images(rng, prototypes, 16))
    np.save(os.path.join(out, "eval.npy"), images(rng, prototypes, 500))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    g = Graph(rng)
    features = backbone(g)
    prototypes = rng.standard_normal((CLASSES, *SHAPE)).astype(np.float32)

    fc_w, fc_b = class_mean_head(make_model(g, features, None, None), rng, prototypes)
    onnx.save(make_model(g, features, fc_w, fc_b), os.path.join(out, "resnet.onnx"))
    save_images(out, rng, prototypes)

    onnx.save(float_layer(rng), os.path.join(out, "float_layer.onnx"))
    os.makedirs(os.path.join(out, "calib-small"), exist_ok=True)
    for k in range(4):
        np.save(os.path.join(out, "calib-small", f"image.{k}.npy"),
                rng.standard_normal((2, 3, 8, 8)).astype(np.float32))


if __name__ == "__main__":
    main()
