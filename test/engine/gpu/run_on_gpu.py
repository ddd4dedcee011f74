#!/usr/bin/env python3
"""Runs the three hand-written engine modules of this folder on the GPU: each is
serialized by kiln-translate, run by kiln-run on the inputs of README.md,
directly and replayed from a CUDA graph, and its output compared with the
values README.md derives by hand (all exact in their types).

    run_on_gpu.py KILN_TRANSLATE KILN_RUN WORK_DIR

Exit status: 0 all match, 1 a mismatch or failure, 77 no GPU (ctest: skipped).
"""
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def conv_expected():
    bias = np.arange(-4, 4, dtype=np.float32)
    y = np.zeros((1, 8, 8, 8), np.float32)
    for h in range(8):
        for w in range(8):
            taps = (3 - (h in (0, 7))) * (3 - (w in (0, 7)))
            y[0, h, w, :] = np.maximum(0.125 * 8 * taps + bias + 1, 0)
    return y.astype(np.float16)


CASES = {
    "kernel": ({"x": np.arange(256, dtype=np.float32)},
               {"y": 2 * np.arange(256, dtype=np.float32) + 1}),
    "conv": ({"x": np.ones((1, 8, 8, 8), np.float16)}, {"y": conv_expected()}),
    "gemm": ({"a": np.broadcast_to(np.arange(8, dtype=np.float32), (2, 4, 8)).copy()},
             {"d": np.full((2, 4, 16), 13, np.float32)}),
}


def main(translate, run, work):
    os.makedirs(work, exist_ok=True)
    failures = 0
    for name, (inputs, expected) in CASES.items():
        engine = os.path.join(work, name + ".kiln")
        subprocess.run([translate, "--serialize-engine", os.path.join(HERE, name + ".mlir"),
                        "-o", engine], check=True)
        command = [run, engine, "--warmup", "0", "--iterations", "3"]
        for binding, array in inputs.items():
            path = os.path.join(work, f"{name}.{binding}.npy")
            np.save(path, array)
            command += ["--input", f"{binding}={path}"]
        for mode in ("direct", "cuda-graph"):
            out = os.path.join(work, f"{name}.{mode}")
            os.makedirs(out, exist_ok=True)
            extra = ["--cuda-graph"] if mode == "cuda-graph" else []
            done = subprocess.run(command + extra + ["--export-output", out],
                                  capture_output=True, text=True)
            if done.returncode == 3:
                print("no GPU: " + done.stderr.strip())
                return 77
            if done.returncode != 0:
                print(f"{name} ({mode}): kiln-run exited {done.returncode}\n{done.stderr}")
                failures += 1
                continue
            for binding, want in expected.items():
                got = np.load(os.path.join(out, binding + ".npy"))
                ok = got.shape == want.shape and np.array_equal(got, want)
                print(f"{name} ({mode}): {binding} {'matches' if ok else 'DIFFERS'}")
                failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
