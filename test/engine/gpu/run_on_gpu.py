#!/usr/bin/env python3
"""Runs the engine GPU tests of this folder and prints one PASS/FAIL line per
case and a summary.

- Hand-written engine modules (kernel.mlir, conv.mlir, gemm.mlir,
  int8conv.mlir, attention.mlir): serialized by kiln-translate, run by
  kiln-run on the inputs of README.md, directly and replayed from a CUDA
  graph; the outputs must equal the values README.md derives by hand (all
  exact in their types; the fused INT8 convolution's within one step, ties
  and differences counted; attention's within 2e-3 of numpy's in double
  precision, its fully masked row exactly 0).
- nn modules (Inputs/nn/*.mlir), each in FP32 and FP16: compiled by the real
  pipeline (kiln-opt --kiln-graph-pipeline=precision=P --kiln-engine-pipeline,
  then kiln-translate --serialize-engine), run by kiln-run on fixed random
  inputs, directly and from a CUDA graph, and compared with kiln-interpret (the
  reference interpreter) on the same nn IR and inputs: |got - want| <= atol +
  rtol * |want| everywhere, with the tolerances of TOLERANCES (of
  CASE_TOLERANCES for the INT8 modules: one output step).
- The nn modules of CONV_GEMM also run with their pointwise convolutions as
  cuBLASLt GEMMs (kiln-select-tactics conv-gemm=always), compared the same way.
- Every case also runs with 3 auxiliary streams (kiln-run --aux-streams 3:
  independent steps concurrently), directly and from a CUDA graph, 50 runs
  each: the last output must pass the same comparison and equal the direct
  run's bit for bit (a race between branches, or a missed dependency where
  the planner reused bytes, shows as a difference).
- The nn modules of PLAN_NONE also run with their arena planned by
  kiln-plan-memory=concurrency=none (any freed bytes, across branches too,
  where the default keeps branches apart): the writer's dependencies must
  then order a branch after the readers of the bytes it reuses.

    run_on_gpu.py [--bin DIR] [--prepare-only] [--only TEXT] [--launch-variants N] WORK_DIR

--bin: where kiln-opt, kiln-translate, kiln-interpret and kiln-run are (default:
beside this build's tools, else on PATH). --prepare-only: compile every case
and compute the reference outputs, check that kiln-run's loader accepts each
engine (--inspect, no GPU needed), and run nothing. --only: cases whose name
contains TEXT. --launch-variants N: each nn module also compiled N more times,
with every generated kernel launched with its launch variant 0 ... N-1 (the
last one when it has fewer; kiln-select-tactics launch-variant), each run and
compared as above: row kernels' threads per row, depthwise convolutions'
output tiles, grid-stride block sizes.

Exit status: 0 all pass (or all prepared), 1 a mismatch or failure, 77 no GPU
(ctest: skipped).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NN_DIR = os.path.join(HERE, "Inputs", "nn")
NO_GPU = 3  # kiln-run's exit status without a GPU
# Each case runs in these modes (kiln-run options); with auxiliary streams
# (independent steps concurrently, format 1.4) for AUX_ITERATIONS runs, the
# output of the last compared with the direct run's bit for bit.
MODES = [("direct", ["--aux-streams", "0"]), ("cuda-graph", ["--cuda-graph", "--aux-streams", "0"]),
         ("aux-streams", ["--aux-streams", "3"]),
         ("aux-streams-cuda-graph", ["--aux-streams", "3", "--cuda-graph"])]
AUX_ITERATIONS = 50

# (atol, rtol) per precision: FP32 runs the same math as the interpreter up to
# summation order; FP16 rounds inputs, weights and every stored activation.
TOLERANCES = {"fp32": (1e-4, 1e-4), "fp16": (2e-2, 2e-2)}
# nn modules whose output is an int8 layer's, dequantized: within one step of
# the output's scale in either precision (cuDNN's f32 epilogue against the
# interpreter's double one, which may round the other way near a tie or a
# rounding boundary), nothing relative.
CASE_TOLERANCES = {"qconv_silu": (0.0625 * 1.001, 0.0),
                   "qconv_sigmoid_residual": (0.0078125 * 1.001, 0.0),
                   # one step, and FP16's rounding of the dequantized output
                   "quantizing_max_pool": (0.05 * 1.001, 1e-3)}
PRECISIONS = ("fp32", "fp16")
# nn modules that test FP32 arithmetic FP16 cannot represent (values near
# 30,000 have no fraction in FP16, while the reference reads the float32
# module): compiled in FP32 only.
FP32_ONLY = {"log_softmax_offset"}
# nn modules also run with kiln-plan-memory=concurrency=none (branches whose
# planner reuse adds write-after-read dependencies).
PLAN_NONE = ("inception_branches",)
# nn modules with pointwise convolutions, also run with them as GEMMs.
CONV_GEMM = ("concat_convs", "pointwise_residual")


def conv_expected():
    bias = np.arange(-4, 4, dtype=np.float32)
    y = np.zeros((1, 8, 8, 8), np.float32)
    for h in range(8):
        for w in range(8):
            taps = (3 - (h in (0, 7))) * (3 - (w in (0, 7)))
            y[0, h, w, :] = np.maximum(0.125 * 8 * taps + bias + 1, 0)
    return y.astype(np.float16)


def int8conv_expected():
    """conv1 of int8conv.mlir: relu(sum * scale[k] + bias[k] + z * 0.5) with
    x, z and the weights all ones, rounded half to even and saturated."""
    scale = np.array([0.0625, 0.125, 1.0, 0.25, 0.03125, 0.5, 0.09375, 0.015625])
    bias = np.array([0.0, -10.0, 100.0, -0.25, 0.0, 0.5, 0.0, 0.0])
    y = np.zeros((1, 8, 8, 8), np.int8)
    for h in range(8):
        for w in range(8):
            taps = (3 - (h in (0, 7))) * (3 - (w in (0, 7)))
            real = np.maximum(8 * taps * scale + bias + 0.5, 0)
            y[0, h, w, :] = np.clip(np.rint(real), -128, 127)
    return y


def attention_inputs():
    """attention.mlir: q, k, v [B=2, S=16, H=2, D=64] uniform in [-1, 1) as
    f16, and a [2, 1, 16, 16] mask of 0 and -inf: a quarter of the keys at
    random (never key i of query i) and all of batch 1's query 5."""
    rng = np.random.default_rng(11)
    q, k, v = (rng.uniform(-1, 1, (2, 16, 2, 64)).astype(np.float16) for _ in range(3))
    mask = np.where(rng.uniform(0, 1, (2, 1, 16, 16)) < 0.25, -np.inf, 0).astype(np.float16)
    for i in range(16):
        mask[:, :, i, i] = 0
    mask[1, 0, 5, :] = -np.inf
    return {"q": q, "k": k, "v": v, "mask": mask}


def attention_expected(inputs):
    """softmax(0.125 q kᵀ + mask) v per batch and head, in double precision;
    a fully masked row gives 0."""
    q, k, v = (inputs[n].astype(np.float64).transpose(0, 2, 1, 3) for n in "qkv")
    scores = 0.125 * q @ k.transpose(0, 1, 3, 2) + inputs["mask"].astype(np.float64)
    most = scores.max(axis=-1, keepdims=True)
    alive = np.isfinite(most)
    weights = np.where(alive, np.exp(scores - np.where(alive, most, 0)), 0)
    sums = weights.sum(axis=-1, keepdims=True)
    o = (weights / np.where(sums > 0, sums, 1)) @ v
    return o.transpose(0, 2, 1, 3)


# Hand-written engine IR: inputs, outputs derived by hand (README.md).
ENGINE_CASES = {
    "kernel": ({"x": np.arange(256, dtype=np.float32)},
               {"y": 2 * np.arange(256, dtype=np.float32) + 1}),
    "conv": ({"x": np.ones((1, 8, 8, 8), np.float16)}, {"y": conv_expected()}),
    "gemm": ({"a": np.broadcast_to(np.arange(8, dtype=np.float32), (2, 4, 8)).copy()},
             {"d": np.full((2, 4, 16), 13, np.float32)}),
    "int8conv": ({"x": np.ones((1, 8, 8, 8), np.int8), "z": np.ones((1, 8, 8, 8), np.int8)},
                 {"y": int8conv_expected()}),
    "attention": (attention_inputs(), {"o": attention_expected(attention_inputs())}),
}
# Cases whose int8 outputs may differ from the expected ones by one step
# (cuDNN's rounding of ties, docs/codegen.md "INT8 layers").
ONE_STEP = {"int8conv"}
# Cases compared within an absolute tolerance (f16 outputs of magnitude <= 1).
CLOSE = {"attention": 2e-3}


class Failure(Exception):
    pass


def tool(bin_dir, name):
    path = os.path.join(bin_dir, name) if bin_dir else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise SystemExit(f"run_on_gpu: {name} not found" + (f" in {bin_dir}" if bin_dir else ""))
    return path


def run(command, what):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"{what} exited {done.returncode}: "
                      + (done.stderr.strip() or done.stdout.strip())[-2000:])
    return done


def nn_inputs(name, module):
    """Inputs of an nn module: each @main argument's kiln.name and shape, filled
    with uniform values in [-1, 1) from a seed fixed by the case's name."""
    text = open(module).read()
    header = text[text.index("func.func @main("):]
    header = header[:header.index(") ->")]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputs = {}
    for arg in header.split("%")[1:]:
        shape = arg[arg.index("tensor<") + 7:arg.index("xf32>")]
        binding = arg[arg.index('kiln.name = "') + 13:].split('"')[0]
        dims = tuple(int(d) for d in shape.split("x"))
        inputs[binding] = rng.uniform(-1, 1, dims).astype(np.float32)
    return inputs


def save_inputs(inputs, prefix):
    args = []
    for binding, array in inputs.items():
        path = f"{prefix}.{binding}.npy"
        np.save(path, array)
        args += ["--input", f"{binding}={path}"]
    return args


class Runner:
    def __init__(self, bin_dir, work, prepare_only):
        self.opt = tool(bin_dir, "kiln-opt")
        self.translate = tool(bin_dir, "kiln-translate")
        self.interpret = tool(bin_dir, "kiln-interpret")
        self.run = tool(bin_dir, "kiln-run")
        self.work = work
        self.prepare_only = prepare_only
        self.passed = self.failed = 0

    def report(self, ok, case, detail):
        print(f"{'PASS' if ok else 'FAIL'} {case}: {detail}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def inspect(self, engine):
        out = run([self.run, engine, "--inspect"], "kiln-run --inspect").stdout
        steps = [line.split()[1] for line in out.splitlines()
                 if line.startswith("    ") and line.split()[0].isdigit()]
        return f"{len(steps)} steps ({' '.join(steps)})"

    def execute(self, case, engine, input_args, expected, compare):
        """Runs `engine` directly and from a CUDA graph, on one stream and with
        auxiliary streams; compare(binding, got, want) gives (ok, detail), and
        every run with auxiliary streams must equal the direct run bit for bit.
        Returns False when there is no GPU."""
        serial = {}
        for mode, extra in MODES:
            out = os.path.join(self.work, f"{case.replace('/', '.')}.{mode}")
            os.makedirs(out, exist_ok=True)
            iterations = "3" if "aux" not in mode else str(AUX_ITERATIONS)
            done = subprocess.run([self.run, engine, "--warmup", "0", "--iterations", iterations,
                                   *input_args, *extra, "--export-output", out],
                                  capture_output=True, text=True)
            if done.returncode == NO_GPU:
                print("no GPU: " + done.stderr.strip())
                return False
            if done.returncode != 0:
                self.report(False, f"{case} ({mode})",
                            f"kiln-run exited {done.returncode}: {done.stderr.strip()[-2000:]}")
                continue
            for binding, want in expected.items():
                got = np.load(os.path.join(out, binding + ".npy"))
                if got.shape != want.shape:
                    self.report(False, f"{case} ({mode})",
                                f"{binding} has shape {got.shape}, expected {want.shape}")
                    continue
                ok, detail = compare(got, want)
                if mode == "direct":
                    serial[binding] = got
                elif binding in serial:
                    same = np.array_equal(got, serial[binding], equal_nan=True)
                    ok = ok and same
                    detail += ("; bit-identical to the direct run" if same else
                               f"; differs from the direct run at "
                               f"{np.count_nonzero(got != serial[binding])} elements")
                self.report(ok, f"{case} ({mode})", f"{binding} {detail}")
        return True

    def engine_case(self, name):
        inputs, expected = ENGINE_CASES[name]
        case = f"engine/{name}"
        engine = os.path.join(self.work, name + ".kiln")
        run([self.translate, "--serialize-engine", os.path.join(HERE, name + ".mlir"),
             "-o", engine], "kiln-translate")
        args = save_inputs(inputs, os.path.join(self.work, name))
        if self.prepare_only:
            self.report(True, case, "prepared: " + self.inspect(engine))
            return True

        def exact(got, want):
            return np.array_equal(got, want), "matches exactly" if np.array_equal(
                got, want) else f"differs at {np.count_nonzero(got != want)} elements"

        def one_step(got, want):
            diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
            return bool(diff.max() <= 1), (f"{np.count_nonzero(diff == 0)} exact, "
                                           f"{np.count_nonzero(diff == 1)} one step off, "
                                           f"{np.count_nonzero(diff > 1)} further")
        def close(got, want):
            error = np.abs(got.astype(np.float64) - want)
            ok = bool(np.all(np.isfinite(got))) and float(error.max()) <= CLOSE[name]
            return ok, (f"max abs error {float(error.max()):.3g} (tolerance {CLOSE[name]:g}), "
                        f"{np.count_nonzero(~np.isfinite(got))} not finite")
        compare = close if name in CLOSE else one_step if name in ONE_STEP else exact
        return self.execute(case, engine, args, expected, compare)

    def nn_case(self, module, precision, variant=None, plan_none=False, conv_gemm=False):
        name = os.path.splitext(os.path.basename(module))[0]
        case = f"nn/{name} {precision}"
        stem = os.path.join(self.work, f"{name}.{precision}")
        # The engine pipeline, or its passes with every kernel launched with
        # its `variant`-th launch variant (kiln-select-tactics launch-variant).
        engine_passes = ["--kiln-engine-pipeline"]
        if variant is not None:
            case += f" variant {variant}"
            stem += f".v{variant}"
            engine_passes = ["--kiln-convert-nn-to-engine", "--kiln-outline-kernels",
                             f"--kiln-select-tactics=launch-variant={variant}",
                             "--kiln-plan-memory"]
        if conv_gemm:
            # Every pointwise convolution a cuBLASLt GEMM on views of its buffers.
            case += " conv-gemm"
            stem += ".conv-gemm"
            engine_passes = ["--kiln-convert-nn-to-engine", "--kiln-outline-kernels",
                             "--kiln-select-tactics=conv-gemm=always", "--kiln-plan-memory"]
        if plan_none:
            # The arena planned again, reusing bytes across branches.
            case += " concurrency=none"
            stem += ".plan-none"
            engine_passes.append("--kiln-plan-memory=concurrency=none")
        engine_ir, engine = stem + ".engine.mlir", stem + ".kiln"
        run([self.opt, module, f"--kiln-graph-pipeline=precision={precision}",
             *engine_passes, "-o", engine_ir], "kiln-opt")
        run([self.translate, "--serialize-engine", engine_ir, "-o", engine], "kiln-translate")
        inputs = nn_inputs(name, module)
        args = save_inputs(inputs, os.path.join(self.work, name))
        reference = os.path.join(self.work, name + ".reference")
        if not os.path.isdir(reference):
            run([self.interpret, module, *args, "--output-dir", reference], "kiln-interpret")
        expected = {os.path.splitext(f)[0]: np.load(os.path.join(reference, f))
                    for f in sorted(os.listdir(reference)) if f.endswith(".npy")}
        if not expected:
            raise Failure("kiln-interpret wrote no output")
        if self.prepare_only:
            shapes = ", ".join(f"{b} {list(a.shape)}" for b, a in expected.items())
            self.report(True, case, f"prepared: {self.inspect(engine)}; reference {shapes}")
            return True
        atol, rtol = CASE_TOLERANCES.get(name, TOLERANCES[precision])

        def close(got, want):
            got64, want64 = got.astype(np.float64), want.astype(np.float64)
            error = np.abs(got64 - want64)
            worst = float(np.max(error / (atol + rtol * np.abs(want64)))) if error.size else 0.0
            ok = bool(np.all(np.isfinite(got64))) and worst <= 1.0
            return ok, (f"max abs error {float(error.max()):.3g}, {worst:.3g} of the tolerance "
                        f"(atol {atol:g}, rtol {rtol:g})")
        return self.execute(case, engine, args, expected, close)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="folder of the Kiln tools")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--launch-variants", type=int, default=0,
                        help="also run each nn module with every kernel launched "
                             "with its launch variant 0, 1, ... N-1")
    parser.add_argument("work")
    options = parser.parse_args()
    os.makedirs(options.work, exist_ok=True)
    runner = Runner(options.bin, options.work, options.prepare_only)

    cases = [(f"engine/{name}", lambda name=name: runner.engine_case(name))
             for name in ENGINE_CASES]
    for module in sorted(glob.glob(os.path.join(NN_DIR, "*.mlir"))):
        for precision in PRECISIONS:
            name = os.path.splitext(os.path.basename(module))[0]
            if precision != "fp32" and name in FP32_ONLY:
                continue
            cases.append((f"nn/{name} {precision}",
                          lambda module=module, precision=precision:
                          runner.nn_case(module, precision)))
            if name in PLAN_NONE:
                cases.append((f"nn/{name} {precision} concurrency=none",
                              lambda module=module, precision=precision:
                              runner.nn_case(module, precision, plan_none=True)))
            if name in CONV_GEMM:
                cases.append((f"nn/{name} {precision} conv-gemm",
                              lambda module=module, precision=precision:
                              runner.nn_case(module, precision, conv_gemm=True)))
            for variant in range(options.launch_variants):
                cases.append((f"nn/{name} {precision} variant {variant}",
                              lambda module=module, precision=precision, variant=variant:
                              runner.nn_case(module, precision, variant)))
    for case, body in cases:
        if options.only not in case:
            continue
        try:
            if not body():
                return 77
        except Failure as failure:
            runner.report(False, case, str(failure))
    verb = "prepared" if options.prepare_only else "passed"
    print(f"engine GPU tests: {runner.passed} {verb}, {runner.failed} failed")
    return 1 if runner.failed or not runner.passed else 0


if __name__ == "__main__":
    sys.exit(main())
