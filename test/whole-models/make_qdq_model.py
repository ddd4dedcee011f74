#!/usr/bin/env python3
"""Builds a small ResNet-style float network with onnx.helper (seeded random
weights) and quantizes it with ONNX Runtime's quantize_static in QDQ format,
as users hand Kiln pre-quantized models: int8 activations (symmetric, zero
point 0), int8 weights per output channel, calibrated on random inputs.

    make_qdq_model.py DIR

Writes DIR/model.onnx (the QDQ model), DIR/input.npy (one input, not from
the calibration set) and DIR/step.txt (the quantization step of the output:
the scale of its last DequantizeLinear).

Network: an RGB stem conv (3 channels: the INT8 lowering pads them to 4)
with relu, a basic residual block (conv-relu-conv, add, relu), a global
average pool, flatten, and a Gemm classifier with trans_b.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

rng = np.random.default_rng(2027)
SHAPE = [1, 3, 16, 16]


def build(path):
    inits, nodes = [], []

    def weight(name, shape):
        fan_in = int(np.prod(shape[1:]))
        value = rng.standard_normal(shape) / np.sqrt(fan_in)
        inits.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def conv(name, x, cin, cout, relu=True):
        w = weight(name + "_w", [cout, cin, 3, 3])
        b = weight(name + "_b", [cout, 1])
        inits[-1] = numpy_helper.from_array(
            (rng.standard_normal(cout) * 0.1).astype(np.float32), name + "_b")
        nodes.append(helper.make_node("Conv", [x, w, b], [name], name=name,
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        if not relu:
            return name
        nodes.append(helper.make_node("Relu", [name], [name + "_relu"], name=name + "_relu"))
        return name + "_relu"

    stem = conv("stem", "image", 3, 16)
    a = conv("block_conv1", stem, 16, 16)
    b = conv("block_conv2", a, 16, 16, relu=False)
    nodes.append(helper.make_node("Add", [b, stem], ["block_add"], name="block_add"))
    nodes.append(helper.make_node("Relu", ["block_add"], ["block_relu"], name="block_relu"))
    nodes.append(helper.make_node("GlobalAveragePool", ["block_relu"], ["pool"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], name="flat"))
    fc_w = weight("fc_w", [12, 16])
    inits.append(numpy_helper.from_array((rng.standard_normal(12) * 0.1).astype(np.float32),
                                         "fc_b"))
    nodes.append(helper.make_node("Gemm", ["flat", fc_w, "fc_b"], ["logits"], name="fc",
                                  transB=1))
    graph = helper.make_graph(
        nodes, "qdq_resnet", [helper.make_tensor_value_info("image", TensorProto.FLOAT, SHAPE)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 12])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


class RandomImages(CalibrationDataReader):
    def __init__(self, count):
        self.batches = iter([{"image": rng.standard_normal(SHAPE).astype(np.float32)}
                             for _ in range(count)])

    def get_next(self):
        return next(self.batches, None)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    float_path = os.path.join(out, "float.onnx")
    build(float_path)
    quantize_static(float_path, os.path.join(out, "model.onnx"), RandomImages(16),
                    quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, per_channel=True,
                    extra_options={"ActivationSymmetric": True, "WeightSymmetric": True})
    np.save(os.path.join(out, "input.npy"), rng.standard_normal(SHAPE).astype(np.float32))
    model = onnx.load(os.path.join(out, "model.onnx"))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    last = [n for n in model.graph.node if n.op_type == "DequantizeLinear" and
            n.output[0] == "logits"]
    step = float(inits[last[0].input[1]]) if last else 0.0
    with open(os.path.join(out, "step.txt"), "w") as f:
        f.write(f"{step}\n")


if __name__ == "__main__":
    main()
