#!/usr/bin/env python3
"""Where INT8 top-1 agreement with FP32 is lost on a random-weight ResNet-50:
a CPU simulation with Kiln's own calibration scales.

    int8_agreement.py WORK [--kiln-bin build/bin] [--images 256] [--calib-batches 8]
                      [--calib-batch 1] [--calibrators entropy,percentile,minmax]
                      [--json OUT.json] [--interpret N] [--divergence N]
                      [--engine-bin dist/bin] [--skip-simulation] [--only TEXT]

1. Builds torchvision's ResNet-50 (v1.5: stride in the 3x3 conv) with onnx.helper
   and numpy, initialised as torchvision does (convs Kaiming-normal, fan_out,
   ReLU gain; the FC uniform(+-1/sqrt(2048))) with the batch norms randomized
   as test/models/export_models.py does for the benchmark (weight 0.5+U(0,1),
   bias 0.2 N(0,1), mean 0.2 N(0,1), variance 0.5+U(0,1)), seeded (numpy's
   generator, so not the benchmark's exact weights): WORK/resnet50.onnx.
2. Writes a synthetic calibration set as bench/run.py does (seeded N(0,1)
   batches, <input>.<k>.npy) and runs Kiln's calibration on it with each
   calibrator on the reference interpreter (kiln-compile --int8 --calib
   --calib-device=cpu --int8-min-channels=0, so every quantizable layer gets a
   scale), keeping the calibration caches.
3. Simulates INT8 the way Kiln quantizes (kiln-calibrate's pairs): a
   quantize/dequantize pair (symmetric int8, Kiln's scale) on every activation
   an INT8 layer reads (a conv's input and fused residual, the global pool's
   input, the classifier's input), conv and FC weights int8 per output channel
   (max|w|/127, after folding the batch norms as Kiln does), and runs the
   fake-quantized model in ONNX Runtime with its graph optimisations off (the
   Q/DQ run as written, in FP32).
4. Measures top-1 agreement with the FP32 model over --images other N(0,1)
   inputs for: all layers INT8, the stem conv kept float, the classifier kept
   float, both, each calibrator, and each stage alone in INT8.

5. Optionally runs Kiln's own INT8 on the same images and compares it with
   FP32 and with the simulation: the fused INT8 graph on the reference
   interpreter (--interpret N), or on the GPU machine the INT8 engines
   (--engine-bin dist/bin; kiln-compile there calibrates nothing: it reads
   the caches written in step 2).

Fake quantization differs from Kiln's fused INT8 kernels by at most about one
quantization step per layer output (test/calibration/int8-resnet.test checks
that bound on the test ResNet); it is a simulation, not the GPU engine.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT = "input"
EPS = 1e-5


class Builder:
    """ResNet-50 in ONNX with node names as torchvision's modules, each node's
    output named as the node (so Kiln's cache names map back to tensors)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.bn_rng = np.random.default_rng(seed + 1)
        self.nodes, self.inits = [], []
        self.convs = {}  # conv name -> dict(stage, input, weight, bias, bn)

    def init(self, name, value):
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def node(self, op, name, inputs, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv_bn(self, x, name, bn, cin, cout, k, stride, stage, relu=None):
        std = np.sqrt(2.0 / (cout * k * k))  # kaiming_normal_, fan_out, relu
        w = self.rng.standard_normal((cout, cin, k, k)) * std
        self.init(name + ".weight", w)
        y = self.node("Conv", name, [x, name + ".weight"], kernel_shape=[k, k],
                      strides=[stride, stride], pads=[k // 2] * 4)
        # Batch norms with non-trivial statistics, as test/models/export_models.py
        # gives the benchmark's models (randomize_batch_norms; fresh ones are
        # the identity, and the network then predicts one class for every input).
        bn_rng = self.bn_rng
        self.init(f"{bn}.weight", 0.5 + bn_rng.random(cout))
        self.init(f"{bn}.bias", 0.2 * bn_rng.standard_normal(cout))
        self.init(f"{bn}.mean", 0.2 * bn_rng.standard_normal(cout))
        self.init(f"{bn}.var", 0.5 + bn_rng.random(cout))
        y = self.node("BatchNormalization", bn, [y] + [f"{bn}.{p}" for p in
                                                       ("weight", "bias", "mean", "var")],
                      epsilon=EPS)
        self.convs[name] = dict(stage=stage, input=x, weight=w, bn_out=y)
        if relu:
            y = self.node("Relu", relu, [y])
        return y

    def build(self):
        x = self.conv_bn(INPUT, "conv1", "bn1", 3, 64, 7, 2, "stem", relu="relu")
        x = self.node("MaxPool", "maxpool", [x], kernel_shape=[3, 3], strides=[2, 2],
                      pads=[1, 1, 1, 1])
        cin = 64
        self.adds = {}  # add name -> (stage, residual tensor)
        for stage, (width, blocks, stride) in enumerate(
                [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
            layer = f"layer{stage}"
            for b in range(blocks):
                p = f"{layer}.{b}"
                s = stride if b == 0 else 1
                y = self.conv_bn(x, p + ".conv1", p + ".bn1", cin, width, 1, 1, layer,
                                 relu=p + ".relu1")
                y = self.conv_bn(y, p + ".conv2", p + ".bn2", width, width, 3, s, layer,
                                 relu=p + ".relu2")
                y = self.conv_bn(y, p + ".conv3", p + ".bn3", width, width * 4, 1, 1, layer)
                if b == 0:
                    residual = self.conv_bn(x, p + ".downsample.0", p + ".downsample.1",
                                            cin, width * 4, 1, s, layer)
                else:
                    residual = x
                y = self.node("Add", p + ".add", [y, residual])
                self.adds[p + ".add"] = (layer, residual)
                x = self.node("Relu", p + ".relu", [y])
                cin = width * 4
        self.last = x
        pooled = self.node("GlobalAveragePool", "avgpool", [x])
        flat = self.node("Flatten", "flatten", [pooled], axis=1)
        bound = 1.0 / np.sqrt(2048)
        self.fc_w = self.rng.uniform(-bound, bound, (1000, 2048))
        self.init("fc.weight", self.fc_w)
        self.init("fc.bias", self.rng.uniform(-bound, bound, 1000))
        self.node("Gemm", "fc", [flat, "fc.weight", "fc.bias"], transB=1)
        graph = helper.make_graph(
            self.nodes, "resnet50",
            [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, 224, 224])],
            [helper.make_tensor_value_info("fc", TensorProto.FLOAT, ["N", 1000])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8  # what ONNX Runtime and Kiln's importer both read
        return model


def read_cache(path):
    scales = {}
    with open(path) as f:
        next(f)
        for line in f:
            name, _, scale = line.rpartition(": ")
            scales[name] = float(scale)
    return scales


def tensor_of(cache_name):
    """The ONNX tensor a cache entry measures: the last layer of a fused name."""
    return cache_name.split(" + ")[-1]


def fake_quant_model(model, builder, scales, int8_layers, float_residuals=False):
    """The model with Kiln's Q/DQ pairs for the layers in `int8_layers` (names
    of convs, adds, 'avgpool', 'fc'): activations they read get a pair at the
    tensor (every reader then reads the dequantized value, as kiln-calibrate
    makes float readers of an INT8 tensor do); their weights int8 per output
    channel."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    by_tensor = {tensor_of(name): s for name, s in scales.items()}
    producer = {n.output[0]: n for n in graph.node}

    def root(tensor):
        # Kiln measures through max pools and reshapes, back to the layer
        # computing the tensor; a pair there is the same as a pair here.
        while tensor in producer and producer[tensor].op_type in ("MaxPool", "Flatten"):
            tensor = producer[tensor].input[0]
        return tensor

    quantized = set()
    for name in int8_layers:
        if name in builder.convs:
            quantized.add(root(builder.convs[name]["input"]))
        elif name in builder.adds:
            quantized.add(root(builder.adds[name][1]))
        elif name == "avgpool":
            quantized.add(builder.last)
        elif name == "fc":
            quantized.add("avgpool")
    missing = [t for t in quantized if t not in by_tensor]
    if missing:
        sys.exit(f"int8_agreement.py: no scale in the cache for {missing}")

    inits = {i.name: i for i in graph.initializer}
    # Weights: BN folded (as kiln-fold-batchnorm does), then per-channel int8.
    def quantize_weight(name, w, axis0_scale=None):
        flat = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
        scale = np.where(flat > 0, flat / 127.0, 1.0).astype(np.float32)
        shape = (-1,) + (1,) * (w.ndim - 1)
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127)
        return (q * scale.reshape(shape)).astype(np.float32)

    for name, conv in builder.convs.items():
        if name not in int8_layers:
            continue
        bn = name.replace("conv", "bn") if "downsample" not in name else \
            name[:-1] + "1"
        gamma = numpy_helper.to_array(inits[f"{bn}.weight"])
        var = numpy_helper.to_array(inits[f"{bn}.var"])
        factor = gamma / np.sqrt(var + EPS)
        folded = conv["weight"] * factor.reshape(-1, 1, 1, 1)
        # The model keeps its BN: store w_q / factor so that conv then BN is
        # the int8 folded filter exactly.
        wq = quantize_weight(name, folded) / factor.reshape(-1, 1, 1, 1)
        inits[name + ".weight"].CopyFrom(numpy_helper.from_array(wq.astype(np.float32),
                                                                 name + ".weight"))
    if "fc" in int8_layers:
        wq = quantize_weight("fc", builder.fc_w)
        inits["fc.weight"].CopyFrom(numpy_helper.from_array(wq, "fc.weight"))

    renamed = {}
    for tensor in sorted(quantized):
        scale = np.float32(by_tensor[tensor])
        s, z = tensor + ".qscale", tensor + ".qzero"
        graph.initializer.append(numpy_helper.from_array(np.array(scale, np.float32), s))
        graph.initializer.append(numpy_helper.from_array(np.array(0, np.int8), z))
        renamed[tensor] = tensor + ".dq"
    for n in graph.node:
        for i, name in enumerate(n.input):
            # float_residuals: the residual adds read the float tensor (the
            # residual stream is not requantized at every block), the convs
            # reading it still read it quantized.
            if name in renamed and not (float_residuals and n.name in builder.adds and i == 1):
                n.input[i] = renamed[name]
    nodes = list(graph.node)
    new_nodes = []
    inputs_q = [t for t in quantized if t == INPUT]
    for t in inputs_q:
        new_nodes += [helper.make_node("QuantizeLinear", [t, t + ".qscale", t + ".qzero"],
                                       [t + ".q"]),
                      helper.make_node("DequantizeLinear", [t + ".q", t + ".qscale",
                                                            t + ".qzero"], [t + ".dq"])]
    for n in nodes:
        new_nodes.append(n)
        t = n.output[0]
        if t in quantized:
            new_nodes += [helper.make_node("QuantizeLinear", [t, t + ".qscale", t + ".qzero"],
                                           [t + ".q"]),
                          helper.make_node("DequantizeLinear", [t + ".q", t + ".qscale",
                                                                t + ".qzero"], [t + ".dq"])]
    del graph.node[:]
    graph.node.extend(new_nodes)
    return model


def fake_quantize(x, scale):
    return (np.clip(np.round(x / np.float32(scale)), -128, 127) * np.float32(scale)).astype(
        np.float32)


def quantize_per_channel(w):
    """int8 per output channel, max|w|/127, as kiln-calibrate quantizes weights."""
    flat = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(flat > 0, flat / 127.0, 1.0).astype(np.float32)
    shape = (-1,) + (1,) * (w.ndim - 1)
    return (np.clip(np.round(w / scale.reshape(shape)), -127, 127) *
            scale.reshape(shape)).astype(np.float32)


def classify(features, w, b):
    return features.reshape(len(features), -1) @ np.asarray(w, np.float32).T + \
        np.asarray(b, np.float32)


def with_output(model, name):
    """The model with `name` (a node's output) as its only output."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    return model


def fp16_rounded_model(model, builder):
    """FP16 storage rounding: weights and every fused layer's output (conv +
    BN + ReLU, the residual adds, the global pool) rounded to FP16, sums in
    FP32, as FP16 tensor-core layers compute."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for init in graph.initializer:
        if init.name.endswith(".weight") and init.name != "fc.weight":
            w = numpy_helper.to_array(init).astype(np.float16).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(w, init.name))
    rounded = {n.output[0] for n in graph.node if n.op_type in ("Relu", "GlobalAveragePool")}
    rounded |= {root for _, root in builder.adds.values()}
    nodes = []
    for n in graph.node:
        n.input[:] = [i + ".h" if i in rounded else i for i in n.input]
        nodes.append(n)
        t = n.output[0]
        if t in rounded:
            nodes += [helper.make_node("Cast", [t], [t + ".f16"], to=TensorProto.FLOAT16),
                      helper.make_node("Cast", [t + ".f16"], [t + ".h"], to=TensorProto.FLOAT)]
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def run_ort(model, images, batch=32, outputs=None):
    if outputs:
        model = with_output(model, outputs[0])
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    out = [session.run(None, {INPUT: images[i:i + batch]})[0]
           for i in range(0, len(images), batch)]
    return np.concatenate(out)


def run_kiln(args, path, cache, images, min_channels, where, tag):
    """Kiln's own INT8 on the same images: the fused INT8 graph on the
    reference interpreter (kiln-interpret), or with --engine-bin the INT8
    engine on the GPU (kiln-run). Returns the logits."""
    batch = min(len(images), 64) if args.engine_bin else len(images)
    common = [path, "--input-shape", f"{INPUT}={batch}x3x224x224", "--precision=int8",
              "--int8", "--calib-cache", cache, f"--int8-min-channels={min_channels}"]
    folder = os.path.join(where, tag)
    os.makedirs(folder, exist_ok=True)
    out = []
    if args.engine_bin:
        engine = os.path.join(folder, "int8.kiln")
        subprocess.run([os.path.join(args.engine_bin, "kiln-compile"), *common, "-o", engine,
                        "--quiet"], check=True, stdout=subprocess.DEVNULL)
        for i in range(0, len(images) - batch + 1, batch):
            np.save(os.path.join(folder, "input.npy"), images[i:i + batch])
            subprocess.run([os.path.join(args.engine_bin, "kiln-run"), engine, "--input",
                            f"{INPUT}={os.path.join(folder, 'input.npy')}", "--iterations", "1",
                            "--warmup", "0", "--export-output", folder], check=True,
                           stdout=subprocess.DEVNULL)
            out.append(np.load(os.path.join(folder, "fc.npy")))
    else:
        graph = os.path.join(folder, "int8.mlir")
        subprocess.run([os.path.join(args.kiln_bin, "kiln-compile"), *common, "--emit=nn-opt",
                        "-o", graph], check=True)
        np.save(os.path.join(folder, "input.npy"), images)
        subprocess.run([os.path.join(args.kiln_bin, "kiln-interpret"), graph, "--input",
                        f"{INPUT}={os.path.join(folder, 'input.npy')}", "--output-dir", folder],
                       check=True, stdout=subprocess.DEVNULL)
        out.append(np.load(os.path.join(folder, "fc.npy")))
    return np.concatenate(out)


def cut_at(model, tensor):
    """The part of the model that computes `tensor`, with it as the output."""
    model = with_output(model, tensor)
    keep, need = [], {tensor}
    for node in reversed(model.graph.node):
        if node.output[0] in need:
            keep.append(node)
            need |= set(node.input)
    del model.graph.node[:]
    model.graph.node.extend(reversed(keep))
    used = {i for n in keep for i in n.input}
    inits = [i for i in model.graph.initializer if i.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(inits)
    model.graph.output[0].type.tensor_type.elem_type = TensorProto.FLOAT
    return model


def divergence(args, model, builder, cache, images, where):
    """Along the network: Kiln's fused INT8 graph (reference interpreter)
    against the simulation and both against FP32, at block outputs. Two
    implementations of the same quantization that differ only in rounding
    order (integer sums and int32 bias in Kiln, FP32 sums here) drift apart
    as far as each drifts from FP32 when the network amplifies one-step
    differences."""
    scales = read_cache(cache)
    every = set(builder.convs) | set(builder.adds) | {"avgpool", "fc"}
    rows = []
    for tensor in ("relu", "layer1.0.relu", "layer1.1.relu", "layer1.2.relu", "layer2.3.relu",
                   "layer3.5.relu", "layer4.2.relu"):
        part = cut_at(model, tensor)
        folder = os.path.join(where, "divergence")
        os.makedirs(folder, exist_ok=True)
        onnx.save(part, os.path.join(folder, "part.onnx"))
        np.save(os.path.join(folder, "input.npy"), images)
        subprocess.run([os.path.join(args.kiln_bin, "kiln-compile"),
                        os.path.join(folder, "part.onnx"), "--input-shape",
                        f"{INPUT}={len(images)}x3x224x224", "--emit=nn-opt", "--int8",
                        "--int8-min-channels=0", "--calib-cache", cache, "-o",
                        os.path.join(folder, "part.mlir")], check=True)
        subprocess.run([os.path.join(args.kiln_bin, "kiln-interpret"),
                        os.path.join(folder, "part.mlir"), "--input",
                        f"{INPUT}={os.path.join(folder, 'input.npy')}", "--output-dir", folder],
                       check=True, stdout=subprocess.DEVNULL)
        kiln = np.load(os.path.join(folder, tensor + ".npy"))
        layers = {n.name for n in part.graph.node} & every
        simulated = run_ort(fake_quant_model(part, builder, scales, layers), images)
        fp32 = run_ort(part, images)
        # The same simulation with every scale 1e-5 larger: a handful of
        # values round the other way; how far does that alone carry?
        nudged = run_ort(fake_quant_model(part, builder, {k: v * (1 + 1e-5) for k, v in
                                                          scales.items()}, layers), images)
        row = dict(tensor=tensor, kiln_vs_simulation=float(np.abs(kiln - simulated).mean()),
                   nudged_vs_simulation=float(np.abs(nudged - simulated).mean()),
                   simulation_vs_fp32=float(np.abs(simulated - fp32).mean()),
                   kiln_vs_fp32=float(np.abs(kiln - fp32).mean()),
                   fp32_max=float(np.abs(fp32).max()))
        rows.append(row)
        print(f"{tensor:14s} mean |Kiln INT8 - simulated| {row['kiln_vs_simulation']:.4g}  "
              f"mean |simulated, scales x(1+1e-5) - simulated| "
              f"{row['nudged_vs_simulation']:.4g}  "
              f"mean |simulated - FP32| {row['simulation_vs_fp32']:.4g}  mean |Kiln INT8 - "
              f"FP32| {row['kiln_vs_fp32']:.4g}  max |FP32| {row['fp32_max']:.4g}", flush=True)
    return rows


def agreement(fp32, int8):
    top1 = float(np.mean(fp32.argmax(1) == int8.argmax(1)))
    return top1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work")
    parser.add_argument("--kiln-bin", default="build/bin")
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--calib-batches", type=int, default=8)
    parser.add_argument("--calib-batch", type=int, default=1)
    parser.add_argument("--calibrators", default="entropy,percentile,minmax")
    parser.add_argument("--json")
    parser.add_argument("--only", help="only the configurations whose label contains this")
    parser.add_argument("--heads", type=int, default=100,
                        help="other random FC layers to classify the same features with")
    parser.add_argument("--skip-simulation", action="store_true",
                        help="only the Kiln runs (--interpret, --engine-bin), not the table")
    parser.add_argument("--interpret", type=int, default=0,
                        help="also run Kiln's fused INT8 graph on the reference interpreter "
                             "on the first N images (about 5 s per image)")
    parser.add_argument("--divergence", type=int, default=0,
                        help="on the first N images, Kiln's INT8 (interpreter) against the "
                             "simulation and FP32 at six points along the network")
    parser.add_argument("--engine-bin",
                        help="on the GPU machine: Kiln's binaries (dist/bin); also build "
                             "the INT8 engines and run them with kiln-run on all images")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    builder = Builder(seed=0)
    model = builder.build()
    path = os.path.join(args.work, "resnet50.onnx")
    onnx.save(model, path)

    # Calibration set as bench/run.py writes it.
    calib = os.path.join(args.work, "calib")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(99)
    for k in range(args.calib_batches):
        np.save(os.path.join(calib, f"{INPUT}.{k}.npy"),
                rng.standard_normal((args.calib_batch, 3, 224, 224)).astype(np.float32))
    images = np.random.default_rng(7).standard_normal(
        (args.images, 3, 224, 224)).astype(np.float32)

    caches = {}
    for calibrator in args.calibrators.split(","):
        cache = os.path.join(args.work, f"{calibrator}.cache")
        caches[calibrator] = cache
        if os.path.exists(cache):
            continue
        started = time.time()
        subprocess.run([os.path.join(args.kiln_bin, "kiln-compile"), path,
                        "--input-shape", f"{INPUT}={args.calib_batch}x3x224x224",
                        "--emit=nn-opt", "--int8", "--calib", calib,
                        f"--calibrator={calibrator}", "--calib-cache", cache,
                        "--calib-device=cpu", "--int8-min-channels=0", "-o", os.devnull],
                       check=True, stderr=subprocess.DEVNULL)
        print(f"calibrated with {calibrator} in {time.time() - started:.0f} s", flush=True)

    # The backbone once per configuration (its global-pool features), the
    # classifier in numpy: the network's own FC, and --heads other random FC
    # layers drawn the same way. A random network's logits are dominated by
    # an input-independent part (the FC applied to the mean feature); whether
    # INT8 keeps top-1 then depends on how close that part's top two classes
    # are, a property of the FC draw, so one network says little.
    started = time.time()
    fp32_features = run_ort(model, images, outputs=["avgpool"])
    print(f"FP32 over {len(images)} images in {time.time() - started:.0f} s", flush=True)
    bound = 1.0 / np.sqrt(2048)
    heads = [(builder.fc_w, numpy_helper.to_array(
        [i for i in model.graph.initializer if i.name == "fc.bias"][0]))]
    for k in range(args.heads):
        head_rng = np.random.default_rng(1000 + k)
        heads.append((head_rng.uniform(-bound, bound, (1000, 2048)),
                      head_rng.uniform(-bound, bound, 1000)))
    fp32_logits = [classify(fp32_features, w, b) for w, b in heads]
    margins = [np.diff(np.sort(l, axis=1)[:, -2:], axis=1)[:, 0] for l in fp32_logits]
    spread = fp32_features - fp32_features.mean(axis=0)

    convs = list(builder.convs)
    adds = list(builder.adds)
    every = convs + adds + ["avgpool", "fc"]
    stages = ["stem", "layer1", "layer2", "layer3", "layer4"]

    def stage_of(name):
        if name in builder.convs:
            return builder.convs[name]["stage"]
        if name in builder.adds:
            return builder.adds[name][0]
        return "head"

    configs = []
    for calibrator in args.calibrators.split(","):
        configs += [
            (calibrator, "all INT8", every),
            (calibrator, "stem kept float", [n for n in every if n != "conv1"]),
            (calibrator, "classifier kept float", [n for n in every if n != "fc"]),
            (calibrator, "stem and classifier kept float",
             [n for n in every if n not in ("conv1", "fc")]),
        ]
    first = args.calibrators.split(",")[0]
    configs.append((first, "all INT8, residual adds read float", every, True))
    for stage in stages + ["head"]:
        configs.append((first, f"only {stage} INT8" + (" (global pool + FC)" if stage == "head"
                                                       else ""),
                        [n for n in every if stage_of(n) == stage]))

    def measure(label, calibrator, features, head_fn):
        agree = [agreement(f32, head_fn(features, w, b)) for f32, (w, b) in
                 zip(fp32_logits, heads)]
        error = float(np.linalg.norm(features - fp32_features) / np.linalg.norm(spread))
        others = np.array(agree[1:]) if len(agree) > 1 else np.array(agree)
        entry = dict(calibrator=calibrator, config=label, top1_own_head=agree[0],
                     top1_heads_mean=float(others.mean()),
                     top1_heads_p10=float(np.percentile(others, 10)),
                     top1_heads_min=float(others.min()),
                     heads_at_least_99=float(np.mean(others >= 0.99)),
                     feature_error=error)
        print(f"{calibrator:10s} {label:38s} own FC {100 * agree[0]:5.1f}%  {len(others)} FCs: "
              f"mean {100 * entry['top1_heads_mean']:5.1f}% p10 "
              f"{100 * entry['top1_heads_p10']:5.1f}% min {100 * entry['top1_heads_min']:5.1f}% "
              f">=99%: {100 * entry['heads_at_least_99']:3.0f}% of FCs  feature error "
              f"{error:.3f}", flush=True)
        return entry

    results = []
    if not args.skip_simulation and (not args.only or args.only in "FP16"):
        features = run_ort(fp16_rounded_model(model, builder), images, outputs=["avgpool"])
        results.append(measure("FP16 (rounded weights and layer outputs)", "-", features,
                               lambda f, w, b: classify(f.astype(np.float16).astype(np.float32),
                                                        w.astype(np.float16).astype(np.float32),
                                                        b)))
    for calibrator, label, layers, *float_residuals in ([] if args.skip_simulation
                                                        else configs):
        if args.only and args.only not in label:
            continue
        scales = read_cache(caches[calibrator])
        features = run_ort(fake_quant_model(model, builder, scales, set(layers) - {"fc"},
                                            float_residuals=bool(float_residuals)),
                           images, outputs=["avgpool"])
        if "fc" in layers:
            gap = scales[[n for n in scales if tensor_of(n) == "avgpool"][0]]
            head = lambda f, w, b, gap=gap: classify(fake_quantize(f, gap),
                                                     quantize_per_channel(w), b)
        else:
            head = classify
        results.append(measure(label, calibrator, features, head))
    summary = dict(images=len(images), calib_batches=args.calib_batches,
                   calib_batch=args.calib_batch, heads=args.heads,
                   fp32_own_head_top2_margin_median=float(np.median(margins[0])),
                   fp32_own_head_classes_predicted=int(len(np.unique(
                       fp32_logits[0].argmax(1)))),
                   fp32_heads_classes_predicted_median=float(np.median(
                       [len(np.unique(l.argmax(1))) for l in fp32_logits[1:]] or [0])),
                   fp32_feature_mean_over_spread=float(
                       np.linalg.norm(fp32_features.mean(0)) * np.sqrt(len(images)) /
                       np.linalg.norm(spread)),
                   results=results)
    print(f"FP32, own FC: {summary['fp32_own_head_classes_predicted']} classes predicted, "
          f"top-2 margin median {summary['fp32_own_head_top2_margin_median']:.4g}; other FCs: "
          f"median {summary['fp32_heads_classes_predicted_median']:g} classes predicted; "
          f"|mean feature| / input-dependent spread "
          f"{summary['fp32_feature_mean_over_spread']:.3g}", flush=True)
    fp32 = fp32_logits[0]
    model = with_output(model, "fc")

    # Kiln's own INT8 (interpreter or GPU engine) against FP32 and against the
    # simulation with the same scales: does the implementation lose more
    # than quantization does?
    kiln_runs = []
    if args.interpret or args.engine_bin:
        count = len(images) if args.engine_bin else args.interpret
        device = "GPU engine (kiln-run)" if args.engine_bin else "reference interpreter"
        scales = read_cache(caches[first])
        for label, min_channels, layers in (
                ("all INT8", 0, every),
                ("default rule (stem kept float)", 16, [n for n in every if n != "conv1"])):
            started = time.time()
            logits = run_kiln(args, path, caches[first], images[:count], min_channels, args.work,
                              f"kiln-{min_channels}")
            count = len(logits)
            simulated = run_ort(fake_quant_model(model, builder, scales, set(layers)),
                                images[:count])
            entry = dict(device=device, calibrator=first, config=label, images=count,
                         top1_vs_fp32=agreement(fp32[:count], logits),
                         top1_vs_simulation=agreement(simulated, logits),
                         simulation_top1_vs_fp32=agreement(fp32[:count], simulated),
                         max_abs_vs_simulation=float(np.abs(logits - simulated).max()))
            kiln_runs.append(entry)
            print(f"Kiln {device}, {label}: top-1 vs FP32 {100 * entry['top1_vs_fp32']:.1f}%, "
                  f"vs the simulation {100 * entry['top1_vs_simulation']:.1f}% (simulation vs "
                  f"FP32 {100 * entry['simulation_top1_vs_fp32']:.1f}%) over {count} images; "
                  f"max |logit - simulated| {entry['max_abs_vs_simulation']:.3g} "
                  f"({time.time() - started:.0f} s)", flush=True)
    summary["kiln"] = kiln_runs
    if args.divergence:
        summary["divergence"] = divergence(args, model, builder, caches[first],
                                           images[:args.divergence], args.work)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
