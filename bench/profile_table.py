#!/usr/bin/env python3
"""The top layers of a kiln-run profile, with the rate each one achieves.

    profile_table.py INSPECT.json PROFILE.json [--top 10] [--precision fp16]

INSPECT.json is `kiln-run ENGINE --inspect-json` (the engine's steps and
shapes) and PROFILE.json is `kiln-run ENGINE --export-profile FILE` (time per
step under the fused layers' names). For convolutions and GEMMs the table
gives TFLOP/s (2 multiply-adds per MAC) against the H100's dense tensor-core
peak for the precision; for generated kernels and copies it gives GB/s of the
activation bytes they read and write (arena and bindings; weights are not
counted, so the figure is a lower bound) against the HBM3 peak.
"""
import argparse
import json
import math

# H100 SXM5 (80 GB HBM3): dense tensor-core peaks and memory bandwidth.
PEAK_TFLOPS = {"fp32": 67.0, "tf32": 494.7, "fp16": 989.4, "bf16": 989.4, "int8": 1978.9}
PEAK_GBS = 3350.0


def conv_flops(step):
    x, w, y = step["x"]["shape"], step["w"]["shape"], step["y"]["shape"]
    # Shapes are N, C, spatial... (strides carry the layout).
    n, k = y[0], y[1]
    c_per_group = w[1]
    if step.get("transposed"):
        # A transposed conv does the MACs of the forward conv it is the
        # gradient of: per input pixel, K*R*S.
        return 2 * n * x[1] * math.prod(x[2:]) * w[1] * math.prod(w[2:])
    return 2 * n * k * c_per_group * math.prod(w[2:]) * math.prod(y[2:])


def gemm_flops(step):
    return 2 * step["batch"] * step["m"] * step["n"] * step["k"]


def region_bytes(text, inspect, index):
    """Bytes of the activation (arena tensor live at step INDEX, or binding)
    that an argument names."""
    if text.startswith("weights") or text == "-":
        return 0
    if text.startswith("arena+"):
        offset = int(text.split("+")[1])
        for tensor in inspect["memory"]["arena_tensors"]:
            if tensor["offset"] == offset and tensor["first_step"] <= index <= tensor["last_step"]:
                return tensor["size"]
        return 0
    name = text.split("+")[0]
    for binding in inspect["bindings"]:
        if binding["name"] == name:
            return binding["bytes"]
    return 0


def work_of(step, inspect):
    """(flops, bytes) of one step."""
    kind = step["kind"]
    if kind == "conv":
        return conv_flops(step), 0
    if kind == "gemm":
        return gemm_flops(step), 0
    if kind == "launch":
        return 0, sum(region_bytes(a, inspect, step["index"]) for a in step["args"])
    if kind == "copy":
        return 0, 2 * step["size"]
    return 0, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inspect")
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    inspect = json.load(open(args.inspect))
    profile = json.load(open(args.profile))
    total = profile["total_ms"] / max(profile["runs"], 1)
    rows = []
    for entry in profile["steps"]:
        steps = [s for s in inspect["steps"] if s["name"] == entry["name"]]
        flops = bytes_ = 0
        for step in steps:
            f, b = work_of(step, inspect)
            flops, bytes_ = flops + f, bytes_ + b
        precision = steps[0]["precision"] if steps else ""
        kind = "/".join(sorted({s["kind"] for s in steps})) or "?"
        rows.append((entry["median_ms"], entry["name"], kind, precision, flops, bytes_))
    rows.sort(reverse=True)
    print(f"| layer | step | precision | ms (median) | % of total | achieved | % of peak |")
    print("|---|---|---|---|---|---|---|")
    for ms, name, kind, precision, flops, bytes_ in rows[:args.top]:
        seconds = ms / 1e3
        if flops:
            rate = flops / seconds / 1e12
            peak = PEAK_TFLOPS.get(precision, PEAK_TFLOPS["fp32"])
            achieved, share = f"{rate:.1f} TFLOP/s", f"{100 * rate / peak:.0f}% of {peak:g}"
        elif bytes_:
            rate = bytes_ / seconds / 1e9
            achieved, share = f"≥ {rate:.0f} GB/s", f"{100 * rate / PEAK_GBS:.0f}% of {PEAK_GBS:g}"
        else:
            achieved = share = ""
        print(f"| {name} | {kind} | {precision} | {ms:.4f} | {100 * ms / total:.1f} | {achieved} | {share} |")
    covered = sum(r[0] for r in rows[:args.top])
    print(f"\nTotal {total:.3f} ms per run over {len(rows)} named steps; "
          f"the top {min(args.top, len(rows))} take {100 * covered / total:.0f}%.")


if __name__ == "__main__":
    main()
