#!/usr/bin/env python3
"""An independent numpy implementation of the calibrators, to check
kiln-calibrate's scales against:

    entropy_reference.py CALIBRATOR [PERCENTILE] FILE.npy...

prints the scale of the values of all the files together. TensorRT's
entropy method: 2048-bin histogram of the non-zero |x| over [0, max]; for
each candidate i in 128..2048, P = the first i bins with the outliers added
to the last, Q = those bins merged into 128 levels (spread over each level's
non-empty bins), KL(P||Q); threshold = (best i + 0.5) bin widths. The
mse method: for each candidate threshold i bin widths (i in 128..2048), the
count-weighted squared error of quantizing each bin's centre (step =
threshold / 127, rounded half to even, clipped at 127); the least wins.
"""

import sys

import numpy as np


def histogram(values):
    a = np.abs(values.astype(np.float64).ravel())
    top = a.max()
    a = a[a != 0]
    bins = np.minimum((a / (top / 2048)).astype(np.int64), 2047)
    return np.bincount(bins, minlength=2048).astype(np.float64), top


def entropy_threshold(hist, top):
    best, best_i = np.inf, 2048
    for i in range(128, 2049):
        p = hist[:i].copy()
        p[i - 1] += hist[i:].sum()
        level = (np.arange(i) * 128) // i
        sums = np.bincount(level, weights=hist[:i], minlength=128)
        nonzero = np.bincount(level, weights=(hist[:i] != 0).astype(np.float64), minlength=128)
        q = np.where(hist[:i] != 0, sums[level] / np.maximum(nonzero[level], 1), 0.0)
        if q.sum() == 0:
            continue
        p, q = p / p.sum(), q / q.sum()
        mask = p > 0
        if np.any(q[mask] == 0):
            continue
        d = float(np.sum(p[mask] * np.log(p[mask] / q[mask])))
        if d < best:
            best, best_i = d, i
    return (best_i + 0.5) * top / 2048


def mse_threshold(hist, top):
    width = top / 2048
    centres = (np.arange(2048) + 0.5) * width
    best, best_i = np.inf, 2048
    for i in range(128, 2049):
        step = i * width / 127
        quantized = np.minimum(np.round(centres / step), 127) * step
        error = float(np.sum(hist * (centres - quantized) ** 2))
        if error < best:
            best, best_i = error, i
    return best_i * width


def main():
    calibrator = sys.argv[1]
    args = sys.argv[2:]
    percentile = float(args.pop(0)) if calibrator == "percentile" else None
    values = np.concatenate([np.load(f).ravel() for f in args])
    hist, top = histogram(values)
    if calibrator == "minmax":
        threshold = top
    elif calibrator == "percentile":
        cdf = np.cumsum(hist) / hist.sum()
        threshold = (np.argmax(cdf >= percentile / 100) + 1) * top / 2048
    elif calibrator == "mse":
        threshold = mse_threshold(hist, top)
    else:
        threshold = entropy_threshold(hist, top)
    print(f"{threshold / 127:.9e}")


if __name__ == "__main__":
    main()
