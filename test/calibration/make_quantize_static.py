#!/usr/bin/env python3
"""Makes QDQ models with ONNX Runtime's quantize_static from the float
ResNet-style classifier of make_int8_models.py:

    make_quantize_static.py DIR

DIR/resnet.onnx            the float model (batch 1)
DIR/qdq_symmetric.onnx     quantize_static, QDQ format, its default uint8
                           activations and int8 weights, with symmetric
                           activations (zero point 128), per-channel weights
DIR/qdq_asymmetric.onnx    the same with asymmetric activations (quantize_static's
                           default zero points), which INT8 layers cannot take:
                           its layers stay in float
DIR/qdq_*_per_tensor.onnx  both with per-tensor weights (quantize_static's default
                           per_channel=False)

ONNX Runtime's pre-processing (quant_pre_process) folds the batch norms
first, as its documentation asks.
"""

import os
import sys

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_int8_models as models  # noqa: E402


class Reader(CalibrationDataReader):
    def __init__(self, batches):
        self.batches = iter(batches)

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"image": batch}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    g = models.Graph(rng)
    features = models.backbone(g)
    fc_w = rng.standard_normal((models.CLASSES, models.WIDTH)) * 0.3
    model = models.make_model(g, features, fc_w, np.zeros(models.CLASSES))
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    model.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 1
    float_path = os.path.join(out, "resnet.onnx")
    onnx.save(model, float_path)
    prepared = os.path.join(out, "resnet-prepared.onnx")
    quant_pre_process(float_path, prepared, skip_symbolic_shape=True)
    batches = [rng.standard_normal((1, *models.SHAPE)).astype(np.float32) for _ in range(16)]
    for name, symmetric, per_channel in (("qdq_symmetric", True, True),
                                         ("qdq_asymmetric", False, True),
                                         ("qdq_symmetric_per_tensor", True, False),
                                         ("qdq_asymmetric_per_tensor", False, False)):
        quantize_static(prepared, os.path.join(out, name + ".onnx"), Reader(batches),
                        quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=per_channel,
                        extra_options={"ActivationSymmetric": symmetric})


if __name__ == "__main__":
    main()
