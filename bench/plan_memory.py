#!/usr/bin/env python3
"""What kiln-plan-memory's `concurrency` costs in arena size and gains in
concurrency, on networks (CPU only, no GPU needed).

For each ONNX model: `kiln-compile --emit=engine-ir` (FP16 unless
--precision), then `kiln-opt --kiln-plan-memory="report concurrency=MODE"`
for each mode; the report's arena size, width (as planned and in the
dataflow) and steps serialized by reuse go into a markdown table.

Usage:
  plan_memory.py --bin build/bin --work DIR [--googlenet] NAME=MODEL.onnx[@INPUT=SHAPE] ...

`--googlenet` first builds DIR/googlenet.onnx (torchvision's GoogLeNet
topology, random weights, batch 1) with the onnx helpers, for machines
without torch, and adds it to the models.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

MODES = ["none", "branches"]
REMARK = re.compile(
    r"arena (\d+) bytes for (\d+) bytes of tensors \(peak live (\d+) bytes\), (\d+) written in "
    r"place; width (\d+) of the dataflow's (\d+), (\d+) steps wait only because of reused bytes")


def build_googlenet(path, batch=1):
    """torchvision's GoogLeNet (inference graph: BasicConv2d = conv + BN + relu,
    a 3x3 conv in the third branch, ceil-mode max pools) with random weights."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes, inits = [], []
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def const(array):
        name = fresh("w")
        inits.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def basic(x, cin, cout, k, stride=1, pad=0):
        w = const(rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k)))
        conv, bn, relu = fresh("conv"), fresh("bn"), fresh("relu")
        nodes.append(helper.make_node("Conv", [x, w], [conv], kernel_shape=[k, k],
                                      strides=[stride] * 2, pads=[pad] * 4))
        nodes.append(helper.make_node(
            "BatchNormalization",
            [conv, const(rng.uniform(0.5, 1.5, cout)), const(rng.standard_normal(cout) * 0.1),
             const(rng.standard_normal(cout) * 0.1), const(rng.uniform(0.5, 1.5, cout))],
            [bn], epsilon=0.001))
        nodes.append(helper.make_node("Relu", [bn], [relu]))
        return relu

    def maxpool(x, k, stride, pad=0):
        out = fresh("pool")
        nodes.append(helper.make_node("MaxPool", [x], [out], kernel_shape=[k, k],
                                      strides=[stride] * 2, pads=[pad] * 4, ceil_mode=1))
        return out

    def inception(x, cin, c1, c3r, c3, c5r, c5, pool):
        branches = [basic(x, cin, c1, 1),
                    basic(basic(x, cin, c3r, 1), c3r, c3, 3, pad=1),
                    basic(basic(x, cin, c5r, 1), c5r, c5, 3, pad=1),
                    basic(maxpool(x, 3, 1, 1), cin, pool, 1)]
        out = fresh("cat")
        nodes.append(helper.make_node("Concat", branches, [out], axis=1))
        return out, c1 + c3 + c5 + pool

    x = maxpool(basic("input", 3, 64, 7, 2, 3), 3, 2)
    x = maxpool(basic(basic(x, 64, 64, 1), 64, 192, 3, pad=1), 3, 2)
    channels = 192
    for config in [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64)]:
        x, channels = inception(x, channels, *config)
    x = maxpool(x, 3, 2)
    for config in [(192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64),
                   (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
                   (256, 160, 320, 32, 128, 128)]:
        x, channels = inception(x, channels, *config)
    x = maxpool(x, 2, 2)
    for config in [(256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]:
        x, channels = inception(x, channels, *config)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"]))
    nodes.append(helper.make_node(
        "Gemm", ["flat", const(rng.standard_normal((1000, channels)) * 0.01),
                 const(np.zeros(1000))], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, "googlenet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, 1000])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory of kiln-compile and kiln-opt")
    parser.add_argument("--work", required=True, help="directory for the engine IR")
    parser.add_argument("--precision", default="fp16")
    parser.add_argument("--googlenet", action="store_true",
                        help="build and add GoogLeNet (batch 1) with the onnx helpers")
    parser.add_argument("models", nargs="*", help="NAME=MODEL.onnx[@INPUT=SHAPE]")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    models = []
    if args.googlenet:
        path = os.path.join(args.work, "googlenet.onnx")
        build_googlenet(path)
        models.append(("googlenet", path, None))
    for spec in args.models:
        name, _, rest = spec.partition("=")
        path, _, shape = rest.partition("@")
        if not name or not path:
            sys.exit(f"expected NAME=MODEL.onnx[@INPUT=SHAPE], got '{spec}'")
        models.append((name, path, shape or None))
    if not models:
        sys.exit("no model given (NAME=MODEL.onnx, or --googlenet)")

    print("| network | " + " | ".join(f"arena, `{m}`" for m in MODES) +
          " | steps serialized by reuse | width (dataflow) |")
    print("|---|" + "---|" * (len(MODES) + 2))
    for name, path, shape in models:
        ir = os.path.join(args.work, f"{name}.engine.mlir")
        command = [os.path.join(args.bin, "kiln-compile"), path, f"--precision={args.precision}",
                   "--emit=engine-ir", "-o", ir]
        if shape:
            command.append(f"--input-shape={shape}")
        run(command)
        plans = {}
        for mode in MODES:
            remark = run([os.path.join(args.bin, "kiln-opt"), ir,
                          f"--kiln-plan-memory=report concurrency={mode}", "-o", os.devnull])
            match = REMARK.search(remark)
            if not match:
                sys.exit(f"no plan report for {name} ({mode}):\n{remark}")
            arena, _, _, _, width, dataflow, serialized = map(int, match.groups())
            plans[mode] = (arena, width, dataflow, serialized)
        arenas = " | ".join(f"{plans[m][0]:,}" for m in MODES)
        serialized = " → ".join(str(plans[m][3]) for m in MODES)
        widths = " → ".join(str(plans[m][1]) for m in MODES)
        print(f"| {name} | {arenas} | {serialized} | {widths} ({plans[MODES[0]][2]}) |",
              flush=True)


if __name__ == "__main__":
    main()
