#!/usr/bin/env python3
"""Builds MobileNetV2's features.3 block as an ONNX model, with a
calibration set, from fixed seeds (onnx.helper and numpy only):

    make_depthwise_layer.py DIR [BATCH]

DIR/block.onnx   input 'image' BATCH x 24 x 56 x 56 (default 64): 1x1 expand
                 to 144 channels + BN + ReLU6, the 3x3 depthwise conv
                 (node 'dw', stride 1, pad 1, 144 groups) + BN + ReLU6, 1x1
                 project to 24 + BN, the residual add; under implicit INT8
                 the depthwise conv reads and writes int8, as in the network.
DIR/calib/image.K.npy  4 calibration batches of BATCH images
DIR/image.npy    one more batch (the input kiln-run times)

Random He-initialised weights and batch norms with random statistics; the
inputs are standard normal.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHANNELS, EXPANDED, SIZE = 24, 144, 56


def main():
    out = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    rng = np.random.default_rng(3)
    nodes, inits = [], []

    def init(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def conv_bn(name, x, cin, cout, k, groups=1, relu6=True):
        w = rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2.0 / (cin // groups * k * k))
        nodes.append(helper.make_node("Conv", [x, init(f"{name}.weight", w)], [name], name=name,
                                      kernel_shape=[k, k], pads=[k // 2] * 4, group=groups))
        bn = f"{name}_bn"
        nodes.append(helper.make_node(
            "BatchNormalization",
            [name, init(f"{bn}.scale", 0.5 + rng.random(cout)),
             init(f"{bn}.bias", rng.standard_normal(cout) * 0.1),
             init(f"{bn}.mean", rng.standard_normal(cout) * 0.1),
             init(f"{bn}.var", 0.5 + rng.random(cout))], [bn], name=bn, epsilon=1e-5))
        if not relu6:
            return bn
        relu = f"{name}_relu6"
        nodes.append(helper.make_node("Clip", [bn, init(f"{relu}.min", np.float32(0.0)),
                                               init(f"{relu}.max", np.float32(6.0))],
                                      [relu], name=relu))
        return relu

    y = conv_bn("expand", "image", CHANNELS, EXPANDED, 1)
    y = conv_bn("dw", y, EXPANDED, EXPANDED, 3, groups=EXPANDED)
    y = conv_bn("project", y, EXPANDED, CHANNELS, 1, relu6=False)
    nodes.append(helper.make_node("Add", [y, "image"], ["output"], name="residual"))
    shape = [batch, CHANNELS, SIZE, SIZE]
    graph = helper.make_graph(nodes, "features3",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "block.onnx"))
    for k in range(4):
        np.save(os.path.join(out, "calib", f"image.{k}.npy"),
                rng.standard_normal(shape).astype(np.float32))
    np.save(os.path.join(out, "image.npy"), rng.standard_normal(shape).astype(np.float32))


if __name__ == "__main__":
    main()
