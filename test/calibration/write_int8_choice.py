"""Writes a timing cache holding one timed INT8 choice (library "kiln").

    write_int8_choice.py LOG CACHE ENGINE [NAME:PRECISION ...] [--cc N]

LOG is kiln-compile's output for the network without a GPU, whose summary
names the signature the choice is kept under ("the timing cache holds no
choice for this network (SIGNATURE)"); ENGINE is int8, float or mixed, and
the constraints are the mixed engine's. The entry is for an H100 (compute
capability 9.0, or N), as a build there would have written it.
"""

import json
import re
import sys

args = sys.argv[1:]
cc = 90
if "--cc" in args:
    at = args.index("--cc")
    cc = int(args[at + 1])
    del args[at:at + 2]
log_path, cache_path, engine = args[:3]
constraints = args[3:]
with open(log_path) as log:
    match = re.search(r"holds no choice for this network \((int8-layers [^)]*)\)", log.read())
if not match:
    sys.exit(f"{log_path}: no signature in kiln-compile's summary")
entry = {
    "signature": match.group(1),
    "gpu": "NVIDIA H100 80GB HBM3",
    "compute_capability": cc,
    "library": "kiln",
    "library_version": 5,  # kInt8ChoiceVersion (passes/PrecisionChoice.h)
    "tactic": f"timed on NVIDIA H100 80GB HBM3: {engine} engine written (as a test wrote it)",
    "engine": engine,
    "layer_precision": constraints,
    "time_ms": 0.4,
    "candidates": 3,
    "timing": "cuda-graph",
}
with open(cache_path, "w") as cache:
    json.dump({"format": "kiln-timing-cache", "version": 1, "entries": [], "choices": [entry]},
              cache, indent=2)
