#!/usr/bin/env python3
"""Kiln against PyTorch on one GPU, in one command (run it on the GPU machine).

For each model and batch size it:
  1. exports the network from PyTorch with seeded random weights
     (test/models/export_models.py; the batch is fixed in the graph),
  2. compiles it with kiln-compile in each precision asked (FP16; INT8 with
     calibration on synthetic data for the CNNs when the compiler offers
     --int8), reusing one timing cache across the whole run when the compiler
     offers --timing-cache,
  3. runs the engine once on seeded inputs and compares it with ONNX Runtime
     (FP32, CPU): relative L2 error of every output and, for the CNNs, top-1
     agreement over the batch and over --agreement-inputs extra inputs,
  4. times it with kiln-run --cuda-graph (GPU time per batch from CUDA events,
     median and p90 after warm-up),
  5. times the peers in the same run on the same GPU (bench/torch_peers.py):
     PyTorch eager, eager captured in a CUDA graph, torch.compile
     (mode reduce-overhead), all FP16, channels_last for the CNNs.
It writes OUT/results.json (one record per measurement, rewritten after each)
and OUT/results.md (the table). Batch "large" is 64 for the CNNs, 32 for BERT.

    bench/run.py --dist dist --out OUT [--models resnet50,bert] [--batches 1,large]
    bench/run.py --merge OUT/results.md A/results.json B/results.json

Exit status: 0 when every step ran, 1 when any failed (the table says which).
"""
import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "models"))

CNNS = ["resnet50", "googlenet", "mobilenet_v2", "efficientnet_b0"]
MODELS = CNNS + ["bert"]
LARGE = {"bert": 32}
CUDNN_LIB = "/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib"


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, env=None, timeout=None):
    """Runs a command; returns (ok, seconds, combined output)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)
        ok, output = done.returncode == 0, done.stdout
    except subprocess.TimeoutExpired as e:
        ok, output = False, f"timed out after {timeout} s\n{e.stdout or ''}"
    except OSError as e:
        ok, output = False, f"cannot run {command[0]}: {e}"
    return ok, time.perf_counter() - start, output


class Bench:
    def __init__(self, args):
        self.args = args
        self.dist = os.path.realpath(args.dist)
        self.out = os.path.realpath(args.out)
        self.work = os.path.realpath(args.work)
        os.makedirs(self.out, exist_ok=True)
        os.makedirs(self.work, exist_ok=True)
        self.env = dict(os.environ)
        self.env["LD_LIBRARY_PATH"] = ":".join(
            p for p in [os.path.join(self.dist, "lib"), CUDNN_LIB, "/usr/local/cuda/lib64",
                        os.environ.get("LD_LIBRARY_PATH", "")] if p)
        self.compile_help = run([self.tool("kiln-compile"), "--help"], self.env)[2]
        self.cache = os.path.realpath(args.timing_cache) if args.timing_cache else None
        self.records = []
        self.failed = False
        self.log = open(os.path.join(self.out, "log.txt"), "a")
        self.save()

    def tool(self, name):
        return os.path.join(self.dist, "bin", name)

    def offers(self, option):
        return option in self.compile_help

    def note(self, text):
        self.log.write(text.rstrip() + "\n")
        self.log.flush()

    def save(self):
        if not hasattr(self, "machine"):
            self.machine = machine(self.env)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump({"machine": self.machine, "command": " ".join(sys.argv),
                       "records": self.records}, f, indent=1)

    def record(self, **fields):
        self.records.append(fields)
        self.save()
        if "error" in fields:
            self.failed = True
            log(f"  FAILED: {fields['error']}")

    # -- one model at one batch ---------------------------------------------

    def model(self, name, batch):
        import numpy as np
        import onnx
        from compare_with_ort import inputs_of

        where = os.path.join(self.work, f"{name}-b{batch}")
        os.makedirs(where, exist_ok=True)
        onnx_path = os.path.join(where, name + ".onnx")
        log(f"== {name}, batch {batch}")
        if not os.path.exists(onnx_path):
            ok, _, output = run([sys.executable, os.path.join(ROOT, "test/models/export_models.py"),
                                 "--batch", str(batch), where, name])
            self.note(output)
            if not ok:
                return self.record(model=name, batch=batch, what="export", error=output[-400:])
        model = onnx.load(onnx_path, load_external_data=False)
        feeds = inputs_of(model)
        input_args = []
        for key, array in feeds.items():
            path = os.path.join(where, key + ".npy")
            np.save(path, array)
            input_args += ["--input", f"{key}={path}"]
        reference = ort_run(onnx_path, [feeds])[0]

        for precision in self.args.precisions:
            self.engine(name, batch, precision, onnx_path, model, feeds, input_args, reference, where)
        if not self.args.skip_peers:
            self.peers(name, batch)

    def engine(self, name, batch, precision, onnx_path, model, feeds, input_args, reference, where):
        common = dict(model=name, batch=batch, what="kiln", precision=precision)
        # Options for every kiln-run that checks or times the engine
        # (--kiln-run-args "--aux-streams 3"), recorded with the result.
        run_args = shlex.split(self.args.kiln_run_args)
        if run_args:
            common["kiln_run_args"] = self.args.kiln_run_args
        if precision == "int8" and self.args.int8_args:
            common["int8_args"] = self.args.int8_args
        if self.args.compile_args:
            common["compile_args"] = self.args.compile_args
        engine = os.path.join(where, f"{name}.{precision}.kiln")
        command = [self.tool("kiln-compile"), onnx_path, "-o", engine]
        if precision == "int8":
            if name not in CNNS:
                return
            if not self.offers("--calib"):
                return self.record(**common, skipped="kiln-compile has no --int8 --calib yet")
            # One calibration per model: the first batch size calibrates on
            # the reference interpreter, later ones reuse its cache (scales
            # are per tensor, whatever the batch).
            calib = os.path.join(where, "calib")
            write_calibration_set(model, calib, batches=self.args.calibration_batches)
            command += ["--precision=int8", "--int8", "--calib", calib,
                        "--calib-cache", os.path.join(self.out, f"{name}.calibration-cache"),
                        *shlex.split(self.args.int8_args)]
        else:
            command.append(f"--precision={precision}")
        if self.cache and self.offers("--timing-cache"):
            command += ["--timing-cache", self.cache]
        command += shlex.split(self.args.compile_args)
        ok, seconds, output = run(command, self.env)
        self.note(" ".join(command) + "\n" + output)
        if not ok:
            return self.record(**common, error="compile: " + output[-400:])
        summary = parse_summary(output)
        if "kiln" not in self.machine:
            ok, _, text = run([self.tool("kiln-run"), engine, "--inspect-json"], self.env)
            if ok:
                self.machine["kiln"] = json.loads(text)["build"].get("kiln_version", "unknown")

        outputs = os.path.join(where, f"out-{precision}")
        os.makedirs(outputs, exist_ok=True)
        ok, _, output = run([self.tool("kiln-run"), engine, *input_args, *run_args,
                             "--iterations", "1", "--warmup", "0", "--export-output", outputs],
                            self.env)
        self.note(output)
        if not ok:
            return self.record(**common, error="run: " + output[-400:])
        accuracy = compare(model, outputs, reference)
        if name in CNNS and self.args.agreement_inputs > 0 and batch > 1:
            accuracy.update(self.agreement(engine, onnx_path, model, batch, where, precision))

        ok, _, output = run([self.tool("kiln-run"), engine, *input_args, *run_args, "--cuda-graph",
                             "--warmup", "50", "--iterations", str(self.args.iterations)], self.env)
        streams = re.search(r"^Streams: (\d+)", output, re.M)
        if streams:
            common["streams"] = int(streams.group(1))
        self.note(output)
        timing = re.search(r"GPU time per run.*median = ([0-9.]+) ms, percentile\(90%\) = ([0-9.]+) ms",
                           output)
        if not ok or not timing:
            return self.record(**common, error="timing: " + output[-400:])
        self.record(**common, median_ms=float(timing.group(1)), p90_ms=float(timing.group(2)),
                    compile_s=round(seconds, 2), **summary, **accuracy)
        if f"{name}:{batch}" in self.args.profile:
            self.profile(engine, input_args, f"{name}-b{batch}-{precision}")
        log(f"  kiln {precision}: {timing.group(1)} ms (compile {seconds:.1f} s) {accuracy}")

    def profile(self, engine, input_args, stem):
        """Per-layer profile (steps one by one in a CUDA graph, events between)
        and the table of the top layers with their achieved rates."""
        inspect = os.path.join(self.out, f"{stem}-inspect.json")
        profile = os.path.join(self.out, f"{stem}-profile.json")
        ok, _, output = run([self.tool("kiln-run"), engine, "--inspect-json"], self.env)
        if ok:
            open(inspect, "w").write(output)
        ok2, _, output2 = run([self.tool("kiln-run"), engine, *input_args, "--warmup", "20",
                               "--iterations", "200", "--cuda-graph",
                               "--export-profile", profile], self.env)
        if not ok or not ok2:
            return self.record(model=stem, batch=0, what="profile", error=(output + output2)[-400:])
        ok, _, table_text = run([sys.executable, os.path.join(HERE, "profile_table.py"), inspect,
                                 profile, "--top", "10"])
        open(os.path.join(self.out, f"{stem}-top-layers.md"), "w").write(table_text)
        log(table_text)

    def agreement(self, engine, onnx_path, model, batch, where, precision):
        """Top-1 agreement with ONNX Runtime over at least --agreement-inputs
        seeded random inputs (whole batches)."""
        import numpy as np

        rng = np.random.default_rng(1234)
        name = model.graph.input[0].name
        shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        batches = -(-self.args.agreement_inputs // batch)
        feeds = [{name: rng.standard_normal(shape).astype(np.float32)} for _ in range(batches)]
        expected = ort_run(onnx_path, feeds)
        agree = total = 0
        folder = os.path.join(where, f"agreement-{precision}")
        os.makedirs(folder, exist_ok=True)
        for i, feed in enumerate(feeds):
            path = os.path.join(folder, "input.npy")
            np.save(path, feed[name])
            ok, _, output = run([self.tool("kiln-run"), engine, "--input", f"{name}={path}",
                                 "--iterations", "1", "--warmup", "0", "--export-output", folder],
                                self.env)
            if not ok:
                self.note(output)
                return {"agreement_error": output[-200:]}
            actual = np.load(os.path.join(folder, model.graph.output[0].name + ".npy"))
            agree += int(np.sum(actual.argmax(-1) == expected[i][0].argmax(-1)))
            total += batch
        # How many classes the FP32 network predicts over these inputs: a few
        # mean the logits barely depend on the input (near ties decide top-1).
        classes = len({int(c) for e in expected for c in e[0].argmax(-1)})
        result = {"top1_agreement": agree / total, "agreement_inputs": total,
                  "reference_classes": classes}
        if precision == "fp16":
            result.update(torch_agreement(os.path.basename(engine).split(".")[0],
                                          batch, [f[name] for f in feeds], [e[0] for e in expected]))
        return result

    def peers(self, name, batch):
        ok, _, output = run([sys.executable, os.path.join(HERE, "torch_peers.py"), name, str(batch),
                             "--iterations", str(self.args.peer_iterations)], timeout=900)
        self.note(output)
        lines = [json.loads(l) for l in output.splitlines() if l.startswith("{")]
        if not ok or not lines:
            return self.record(model=name, batch=batch, what="peers", error=output[-400:])
        for line in lines:
            self.record(model=name, batch=batch, what="peer", precision="fp16", peer=line["peer"],
                        median_ms=line["median_ms"], p90_ms=line["p90_ms"], torch=line["torch"])
            log(f"  {line['peer']}: {line['median_ms']} ms")


def torch_agreement(name, batch, inputs, expected):
    """The same top-1 agreement for PyTorch's own FP16 (channels_last, cuDNN)
    on the same inputs: the network rebuilt exactly as export_models.py
    builds it (same seed, same batch-norm statistics), so a peer shows how
    much of the disagreement FP16 itself causes on random-weight networks."""
    try:
        import numpy as np
        import torch
        import export_models
    except ImportError as e:
        return {"torch_agreement_error": str(e)}
    torch.manual_seed(0)
    net = export_models.vision(name, batch)[0].eval()
    export_models.randomize_batch_norms(net)
    net = net.cuda().half().to(memory_format=torch.channels_last)
    agree = 0
    with torch.inference_mode():
        for x, reference in zip(inputs, expected):
            x = torch.from_numpy(x).cuda().half().to(memory_format=torch.channels_last)
            logits = net(x).float().cpu().numpy()
            agree += int(np.sum(logits.argmax(-1) == reference.argmax(-1)))
    return {"torch_fp16_top1_agreement": agree / (len(inputs) * batch)}


def ort_run(onnx_path, feeds_list):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    return [session.run(None, feeds) for feeds in feeds_list]


def compare(model, outputs, reference):
    import numpy as np

    worst, agree = 0.0, None
    for i, output in enumerate(model.graph.output):
        actual = np.load(os.path.join(outputs, output.name + ".npy")).astype(np.float64)
        expected = reference[i].astype(np.float64)
        error = np.linalg.norm((actual - expected).ravel()) / max(np.linalg.norm(expected.ravel()), 1e-30)
        worst = max(worst, float(error))
        if i == 0 and actual.ndim == 2:
            agree = float(np.mean(actual.argmax(-1) == expected.argmax(-1)))
    result = {"rel_error": worst}
    if agree is not None:
        result["top1_batch"] = agree
    return result


def write_calibration_set(model, folder, batches):
    """Synthetic calibration data: seeded standard-normal batches, one .npy
    per input and batch, named <input>.<index>.npy."""
    import numpy as np

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(99)
    for value in model.graph.input:
        shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
        for i in range(batches):
            np.save(os.path.join(folder, f"{value.name}.{i}.npy"),
                    rng.standard_normal(shape).astype(np.float32))


def parse_summary(output):
    fields = {}
    if m := re.search(r"(\d+) steps after fusion", output):
        fields["steps"] = int(m.group(1))
    if m := re.search(r"memory: arena (\d+) bytes", output):
        fields["arena_bytes"] = int(m.group(1))
    if m := re.search(r"tactics: ([^\n]*)", output):
        fields["tactics"] = m.group(1).strip()
    return fields


def machine(env):
    info = {"host": platform.node()}
    ok, _, output = run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"])
    if ok:
        info["gpu"] = output.strip()
    try:
        import torch
        info["torch"] = torch.__version__
        info["cuda"] = torch.version.cuda
        info["cudnn (torch)"] = torch.backends.cudnn.version()
    except ImportError:
        pass
    try:
        import onnxruntime
        info["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    return info


def table(records):
    """The markdown table: one row per model and batch."""
    rows = {}
    for r in records:
        rows.setdefault((r["model"], r["batch"]), []).append(r)

    def cell(r):
        if r is None:
            return ""
        if "error" in r:
            return "failed"
        if "skipped" in r:
            return "n/a"
        return f"{r['median_ms']:.3f} / {r['p90_ms']:.3f}"

    lines = ["| model | batch | Kiln FP16 | Kiln INT8 | eager | eager + CUDA graph | torch.compile | "
             "Kiln FP16 vs torch.compile | FP16 vs ORT (rel. error, top-1) | INT8 vs ORT (top-1) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    order = {m: i for i, m in enumerate(MODELS)}
    for (model, batch), rs in sorted(rows.items(), key=lambda k: (order.get(k[0][0], 99), k[0][1])):
        def find(what, precision=None, peer=None):
            for r in rs:
                if r["what"] == what and (precision is None or r.get("precision") == precision) \
                        and (peer is None or r.get("peer") == peer):
                    return r
            return None
        fp16, int8 = find("kiln", "fp16"), find("kiln", "int8")
        compiled = find("peer", peer="torch.compile")
        speedup = ""
        if fp16 and compiled and "median_ms" in fp16:
            speedup = f"{compiled['median_ms'] / fp16['median_ms']:.2f}×"

        def accuracy(r):
            if not r or "median_ms" not in r:
                return ""
            parts = [f"{r['rel_error']:.1e}"] if "rel_error" in r and r["precision"] != "int8" else []
            if "top1_agreement" in r:
                parts.append(f"{100 * r['top1_agreement']:.1f}% of {r['agreement_inputs']}"
                             + (f" ({r['reference_classes']} classes)"
                                if "reference_classes" in r else ""))
                if "torch_fp16_top1_agreement" in r:
                    parts.append(f"PyTorch FP16 {100 * r['torch_fp16_top1_agreement']:.1f}%")
            elif "top1_batch" in r and batch > 1:
                parts.append(f"{100 * r['top1_batch']:.1f}% of {batch}")
            return ", ".join(parts)
        lines.append(f"| {model} | {batch} | {cell(fp16)} | {cell(int8)} | "
                     f"{cell(find('peer', peer='eager'))} | {cell(find('peer', peer='cuda graph'))} | "
                     f"{cell(compiled)} | {speedup} | {accuracy(fp16)} | {accuracy(int8)} |")
    return "\n".join(lines) + "\n"


def write_markdown(path, results):
    records = [r for result in results for r in result["records"]]
    with open(path, "w") as f:
        f.write("GPU ms per batch, median / p90 (CUDA events, after warm-up); "
                "Kiln engines run with CUDA graphs.\n\n")
        f.write(table(records))
        f.write("\nMachine: " + json.dumps(results[0]["machine"]) + "\n")
        for result in results:
            f.write(f"\nCommand: `{result['command']}`\n")
        failures = [r for r in records if "error" in r]
        for r in failures:
            f.write(f"\n- {r['model']} b{r['batch']} {r['what']} {r.get('precision', '')}: "
                    f"{r['error'].strip().splitlines()[-1] if r['error'].strip() else ''}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", default="dist", help="packaged Kiln binaries (scripts/package-gpu.sh)")
    parser.add_argument("--out", default="bench/out")
    parser.add_argument("--work", default="/tmp/kiln-bench", help="exported models and engines")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batches", default="1,large", help="comma-separated; 'large' is 64 (32 for BERT)")
    parser.add_argument("--precisions", default="fp16,int8")
    parser.add_argument("--timing-cache", default=None, help="default: OUT/timing-cache")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--peer-iterations", type=int, default=200)
    parser.add_argument("--agreement-inputs", type=int, default=0,
                        help="top-1 agreement with ONNX Runtime over this many extra inputs "
                             "(CNNs, at batch sizes above 1)")
    parser.add_argument("--calibration-batches", type=int, default=8)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--kiln-run-args", default="",
                        help="extra kiln-run options for the accuracy and timing runs, "
                             "e.g. '--aux-streams 3'")
    parser.add_argument("--int8-args", default="",
                        help="extra kiln-compile options for the INT8 builds, e.g. "
                             "--int8-args='--calibrator=entropy --int8-layers=all' (with '=': "
                             "a value that starts with '-' is otherwise taken for an option)")
    parser.add_argument("--compile-args", default="",
                        help="extra kiln-compile options for every build, e.g. "
                             "--compile-args=--conv-gemm=never")
    parser.add_argument("--profile", default="resnet50:64",
                        help="MODEL:BATCH,... whose engines also get a per-layer profile table")
    parser.add_argument("--merge", nargs="+", metavar="FILE",
                        help="write the table of several results.json: --merge OUT.md A.json B.json")
    args = parser.parse_args()
    if args.merge:
        write_markdown(args.merge[0], [json.load(open(p)) for p in args.merge[1:]])
        print(open(args.merge[0]).read())
        return 0
    args.models = [m for m in args.models.split(",") if m]
    args.precisions = [p for p in args.precisions.split(",") if p]
    args.profile = [p for p in args.profile.split(",") if p]
    if unknown := [m for m in args.models if m not in MODELS]:
        parser.error(f"unknown model(s) {unknown}; known: {MODELS}")
    if args.timing_cache is None:
        args.timing_cache = os.path.join(args.out, "timing-cache")
    bench = Bench(args)
    for name in args.models:
        for batch in args.batches.split(","):
            bench.model(name, LARGE.get(name, 64) if batch == "large" else int(batch))
    results = json.load(open(os.path.join(bench.out, "results.json")))
    write_markdown(os.path.join(bench.out, "results.md"), [results])
    print(open(os.path.join(bench.out, "results.md")).read())
    return 1 if bench.failed else 0


if __name__ == "__main__":
    sys.exit(main())
