#!/usr/bin/env python3
"""Builds a MobileNetV2/EfficientNet-style INT8 acceptance model and its data
with onnx.helper, numpy and ONNX Runtime, from fixed seeds:

    make_mobilenet_block.py DIR

DIR/mobilenet.onnx   a classifier on 3x16x16 images (batch N): a 3x3/2 stem
                     conv-BN-ReLU6 (32 channels); an inverted residual block
                     (1x1 expand to 96 + ReLU6, 3x3 depthwise + ReLU6, 1x1
                     project, residual add); a strided block with a 5x5
                     depthwise (EfficientNet's) and no residual; global
                     average pool, flatten, FC to 10 classes.
DIR/calib/image.K.npy  8 calibration batches of 16 images
DIR/eval.npy         500 other images (the agreement set)

As make_int8_models.py: random backbone weights, the classifier the nearest
class mean of the backbone's features (computed with ONNX Runtime).
"""

import os
import sys

import numpy as np
import onnx

from make_int8_models import CLASSES, SHAPE, WIDTH, Graph, class_mean_head, make_model, save_images


class MobileGraph(Graph):
    def conv_bn6(self, x, cin, cout, k, stride=1, groups=1, relu6=True):
        rng = self.rng
        fan_in = cin // groups * k * k
        w = rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2.0 / fan_in)
        y = self.op("Conv", [x, self.init(w)], kernel_shape=[k, k], pads=[k // 2] * 4,
                    strides=[stride, stride], group=groups)
        y = self.op("BatchNormalization",
                    [y, self.init(0.5 + rng.random(cout)), self.init(rng.standard_normal(cout) * 0.1),
                     self.init(rng.standard_normal(cout) * 0.1), self.init(0.5 + rng.random(cout))],
                    epsilon=1e-5)
        if not relu6:
            return y
        return self.op("Clip", [y, self.init(np.float32(0.0), "lo"), self.init(np.float32(6.0), "hi")])

    def inverted_residual(self, x, channels, expand, k, stride):
        hidden = channels * expand
        y = self.conv_bn6(x, channels, hidden, 1)
        y = self.conv_bn6(y, hidden, hidden, k, stride=stride, groups=hidden)
        y = self.conv_bn6(y, hidden, channels, 1, relu6=False)
        return self.op("Add", [y, x]) if stride == 1 else y


def backbone(g):
    x = g.conv_bn6("image", 3, WIDTH, 3, stride=2)
    x = g.inverted_residual(x, WIDTH, 3, 3, 1)
    x = g.inverted_residual(x, WIDTH, 3, 5, 2)
    return g.op("Flatten", [g.op("GlobalAveragePool", [x])])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    g = MobileGraph(rng)
    features = backbone(g)
    prototypes = rng.standard_normal((CLASSES, *SHAPE)).astype(np.float32)

    fc_w, fc_b = class_mean_head(make_model(g, features, None, None, "mobilenet_int8"), rng,
                                 prototypes)
    onnx.save(make_model(g, features, fc_w, fc_b, "mobilenet_int8"),
              os.path.join(out, "mobilenet.onnx"))
    save_images(out, rng, prototypes)


if __name__ == "__main__":
    main()
