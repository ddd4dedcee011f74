#!/usr/bin/env python3
"""Times the depthwise convolutions of MobileNetV2 and EfficientNet-B0 on
cuDNN and on Kiln's generated kernel, for setting `--depthwise-conv=auto`.

For each real shape (224×224 input, batch 1 and 64) it writes a one-layer
ONNX model (Conv with groups = channels and a bias, then relu6 as Clip for
MobileNetV2 or silu as x·Sigmoid(x) for EfficientNet-B0: the epilogues the
graph passes fuse), compiles it with kiln-compile --depthwise-conv=cudnn and
=kernel in FP32 and FP16, runs each engine once to compare its output with
ONNX Runtime (CPU), then times it with kiln-run: the whole engine replayed
from a CUDA graph (median GPU ms; it includes the NCHW <-> NHWC reformats
around the conv), and the conv step alone from the per-layer profile
(median). Prints a markdown table, also appended to OUT/depthwise.md.
Case names are NET_bBATCH_cC_SIZE_kKsS (e.g. mobilenet_v2_b1_c32_112_k3s1):
--only picks some by regex, to split the run.

Usage: bench/depthwise.py DIST OUT [--batches 1,64] [--only REGEX]
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (network, channels, input size, kernel, stride, activation); the depthwise
# convs of torchvision's mobilenet_v2 and efficientnet_b0 at 224×224.
SHAPES = [
    ("mobilenet_v2", 32, 112, 3, 1, "relu6"),
    ("mobilenet_v2", 96, 112, 3, 2, "relu6"),
    ("mobilenet_v2", 144, 56, 3, 1, "relu6"),
    ("mobilenet_v2", 144, 56, 3, 2, "relu6"),
    ("mobilenet_v2", 192, 28, 3, 1, "relu6"),
    ("mobilenet_v2", 192, 28, 3, 2, "relu6"),
    ("mobilenet_v2", 384, 14, 3, 1, "relu6"),
    ("mobilenet_v2", 576, 14, 3, 1, "relu6"),
    ("mobilenet_v2", 576, 14, 3, 2, "relu6"),
    ("mobilenet_v2", 960, 7, 3, 1, "relu6"),
    ("efficientnet_b0", 32, 112, 3, 1, "silu"),
    ("efficientnet_b0", 96, 112, 3, 2, "silu"),
    ("efficientnet_b0", 144, 56, 3, 1, "silu"),
    ("efficientnet_b0", 144, 56, 5, 2, "silu"),
    ("efficientnet_b0", 240, 28, 5, 1, "silu"),
    ("efficientnet_b0", 240, 28, 3, 2, "silu"),
    ("efficientnet_b0", 480, 14, 3, 1, "silu"),
    ("efficientnet_b0", 480, 14, 5, 1, "silu"),
    ("efficientnet_b0", 672, 14, 5, 1, "silu"),
    ("efficientnet_b0", 672, 14, 5, 2, "silu"),
    ("efficientnet_b0", 1152, 7, 5, 1, "silu"),
    ("efficientnet_b0", 1152, 7, 3, 1, "silu"),
]
PATHS = ["cudnn", "kernel"]
PRECISIONS = ["fp32", "fp16"]
# Relative L2 error vs onnxruntime that passes, per precision.
TOLERANCE = {"fp32": 1e-5, "fp16": 5e-3}


def make_model(path, batch, channels, size, kernel, stride, activation):
    rng = np.random.default_rng(channels * 1000 + size * 10 + kernel + stride)
    pad = (kernel - 1) // 2
    out = (size + 2 * pad - kernel) // stride + 1
    weight = (rng.standard_normal((channels, 1, kernel, kernel)) / kernel).astype(np.float32)
    bias = (0.1 * rng.standard_normal(channels)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="dw", group=channels,
                              kernel_shape=[kernel, kernel], strides=[stride, stride],
                              pads=[pad, pad, pad, pad])]
    initializers = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    if activation == "relu6":
        initializers += [numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
                         numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="act"))
    else:
        nodes.append(helper.make_node("Sigmoid", ["c"], ["s"], name="sigmoid"))
        nodes.append(helper.make_node("Mul", ["c", "s"], ["y"], name="act"))
    graph = helper.make_graph(
        nodes, "depthwise",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, channels, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, channels, out, out])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def run(command, log):
    result = subprocess.run(command, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(command) + "\n" + result.stdout + result.stderr + "\n")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dist")
    parser.add_argument("out")
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    compile_tool = os.path.join(args.dist, "bin", "kiln-compile")
    run_tool = os.path.join(args.dist, "bin", "kiln-run")
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(args.out, "depthwise.log")
    import onnxruntime as ort

    rows = []
    header = ("| net | N×C×H×W | k/s | act | precision | "
              "conv ms cuDNN | conv ms kernel | speedup | engine ms cuDNN (graph) | "
              "engine ms kernel (graph) | error cuDNN | error kernel |")
    rows.append(header)
    rows.append("|" + "---|" * 12)
    failures = 0
    for batch in [int(b) for b in args.batches.split(",")]:
        for net, channels, size, kernel, stride, activation in SHAPES:
            name = f"{net}_b{batch}_c{channels}_{size}_k{kernel}s{stride}"
            if args.only and not re.search(args.only, name):
                continue
            model = os.path.join(work, name + ".onnx")
            make_model(model, batch, channels, size, kernel, stride, activation)
            x = np.random.default_rng(batch).standard_normal(
                (batch, channels, size, size)).astype(np.float32)
            np.save(os.path.join(work, name + ".x.npy"), x)
            session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
            expected = session.run(None, {"x": x})[0].astype(np.float64)
            for precision in PRECISIONS:
                cells = {}
                for path in PATHS:
                    engine = os.path.join(work, f"{name}.{precision}.{path}.kiln")
                    compiled = run([compile_tool, model, "-o", engine, f"--precision={precision}",
                                    f"--depthwise-conv={path}"], log)
                    if compiled.returncode != 0:
                        cells[path] = ("compile failed", "", "")
                        failures += 1
                        continue
                    outputs = os.path.join(work, f"{name}.{precision}.{path}.out")
                    feed = ["--input", "x=" + os.path.join(work, name + ".x.npy")]
                    # The timed runs replay a CUDA graph; the output they leave
                    # is the one compared.
                    timed = run([run_tool, engine, *feed, "--cuda-graph", "--warmup", "50",
                                 "--iterations", "500", "--export-output", outputs], log)
                    if timed.returncode != 0:
                        cells[path] = ("run failed", "", "")
                        failures += 1
                        continue
                    actual = np.load(os.path.join(outputs, "y.npy")).astype(np.float64)
                    error = np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-30)
                    verdict = f"{error:.1e}" + ("" if error <= TOLERANCE[precision] else " FAIL")
                    failures += error > TOLERANCE[precision]
                    graph = re.search(r"GPU time per run.*median = ([0-9.]+) ms", timed.stdout + timed.stderr)
                    profile = os.path.join(work, f"{name}.{precision}.{path}.profile.json")
                    run([run_tool, engine, *feed, "--warmup", "20", "--iterations", "200",
                         "--export-profile", profile], log)
                    conv = ""
                    if os.path.exists(profile):
                        for step in json.load(open(profile))["steps"]:
                            if "dw" in step["name"].split(" + "):
                                conv = f"{step['median_ms']:.4f}"
                    cells[path] = (conv, graph.group(1) if graph else "", verdict)
                speedup = ""
                try:
                    speedup = f"{float(cells['cudnn'][0]) / float(cells['kernel'][0]):.2f}×"
                except (KeyError, ValueError, ZeroDivisionError):
                    pass
                rows.append(
                    f"| {net} | {batch}×{channels}×{size}×{size} | {kernel}/{stride} | {activation} | "
                    f"{precision} | {cells['cudnn'][0]} | {cells['kernel'][0]} | {speedup} | "
                    f"{cells['cudnn'][1]} | {cells['kernel'][1]} | {cells['cudnn'][2]} | "
                    f"{cells['kernel'][2]} |")
                print(rows[-1], flush=True)
    table = "\n".join(rows) + "\n"
    # Appended, so that runs split by --batches/--only (each must fit the GPU
    # machine's 10 minutes a command) gather in one file.
    with open(os.path.join(args.out, "depthwise.md"), "a") as f:
        f.write(f"\n--batches {args.batches} --only '{args.only}'\n\n" + table)
    print(table)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
