#!/usr/bin/env python3
"""Compares two .npy files for the reference-interpreter lit tests.

    compare.py ACTUAL.npy EXPECTED.npy [--rtol R] [--atol A] [--exact]

Shapes must match; elements must satisfy |a - e| <= atol + rtol * |e|
(numpy.isclose, NaN equal to NaN), or be identical with --exact (the default
for integer and boolean arrays). Prints the first mismatches and exits 1.
"""

import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--exact", action="store_true")
    args = parser.parse_args()

    actual = np.load(args.actual)
    expected = np.load(args.expected)
    if actual.shape != expected.shape:
        print(f"shape mismatch: {actual.shape} vs expected {expected.shape}")
        return 1
    if actual.dtype != expected.dtype:
        print(f"dtype mismatch: {actual.dtype} vs expected {expected.dtype}")
        return 1
    exact = args.exact or not np.issubdtype(expected.dtype, np.floating)
    if exact:
        close = (actual == expected) | (
            np.issubdtype(expected.dtype, np.floating)
            & np.isnan(actual.astype(np.float64))
            & np.isnan(expected.astype(np.float64)))
    else:
        close = np.isclose(actual.astype(np.float64), expected.astype(np.float64),
                           rtol=args.rtol, atol=args.atol, equal_nan=True)
    if close.all():
        return 0
    bad = np.argwhere(~close)
    print(f"{len(bad)} of {actual.size} elements differ ({args.actual} vs {args.expected})")
    for index in bad[:10]:
        index = tuple(index)
        print(f"  at {list(index)}: got {actual[index]!r}, expected {expected[index]!r}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
