#!/usr/bin/env python3
"""Runs a command and succeeds only if it exits with the given status.

    expect_exit.py STATUS COMMAND ARGS...

lit's `not` accepts any failure; kiln-interpret's statuses (1 failure,
2 unsupported) are part of its interface, so tests check them exactly. The
command's output passes through for FileCheck.
"""

import subprocess
import sys

status = int(sys.argv[1])
result = subprocess.run(sys.argv[2:])
if result.returncode != status:
    print(f"expected exit status {status}, got {result.returncode}", file=sys.stderr)
    sys.exit(1)
