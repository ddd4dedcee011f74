#!/usr/bin/env python3
"""Top-1 agreement of INT8 logits with FP32 logits:

    agreement.py FP32.npy INT8.npy NAME [MINIMUM]

prints `NAME: top-1 agreement with FP32 P% (k/n), ...` and exits 1 when
the agreement is below MINIMUM (default 0.99).
"""

import sys

import numpy as np


def main():
    fp32, int8 = np.load(sys.argv[1]), np.load(sys.argv[2])
    name = sys.argv[3]
    minimum = float(sys.argv[4]) if len(sys.argv) > 4 else 0.99
    same = int((fp32.argmax(axis=1) == int8.argmax(axis=1)).sum())
    count = fp32.shape[0]
    classes = len(np.unique(fp32.argmax(axis=1)))
    print(f"{name}: top-1 agreement with FP32 {100.0 * same / count:.1f}% ({same}/{count}); "
          f"FP32 predicts {classes} classes; max |logit difference| "
          f"{np.abs(fp32 - int8).max():.4g}")
    if same < minimum * count:
        print(f"{name}: below {100 * minimum:g}%")
        sys.exit(1)


if __name__ == "__main__":
    main()
