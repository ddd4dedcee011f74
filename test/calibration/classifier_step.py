#!/usr/bin/env python3
"""Prints the absolute tolerance on the logits that corresponds to one
quantization step at the classifier's INT8 input:

    classifier_step.py MODEL.onnx CACHE TENSOR

One step s of the classifier's input (TENSOR's scale in the calibration
cache) moves logit c by at most s * sum_k |W[c, k]| (the Gemm `fc`), so a
fused INT8 graph whose classifier input is within one step of the
fake-quantized graph's has logits within the largest of those.
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    model, cache, tensor = sys.argv[1:4]
    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
    scale = None
    with open(cache) as f:
        for line in f.readlines()[1:]:
            name, value = line.rstrip("\n").rsplit(": ", 1)
            if name == tensor:
                scale = float(value)
    if scale is None:
        sys.exit(f"{cache}: no scale for '{tensor}'")
    w = weights["fc.weight"].astype(np.float64)
    print(f"{scale * np.abs(w).sum(axis=1).max():.6g}")


if __name__ == "__main__":
    main()
