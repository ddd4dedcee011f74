#!/usr/bin/env python3
"""Compares two engine files for the kiln-refit tests:

    compare_engines.py A.kiln A.json B.kiln B.json --weights same|different

A.json and B.json are `kiln-run --inspect-json` of each. Everything the
inspection shows must be equal but the file's size and checksum and the
recorded command line (build_options): bindings, steps with their shapes,
buffers and tactics, the memory plan, the assumptions, the build config.
The weights sections (the bytes after the header's weights_offset) must be
byte-identical (`same`) or differ (`different`). Prints what it found; exit
status 1 on a mismatch.
"""

import argparse
import json
import struct
import sys


def weights(path):
    with open(path, "rb") as f:
        data = f.read()
    offset, size = struct.unpack_from("<QQ", data, 32)
    return data[offset:offset + size]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a_kiln")
    parser.add_argument("a_json")
    parser.add_argument("b_kiln")
    parser.add_argument("b_json")
    parser.add_argument("--weights", choices=["same", "different"], required=True)
    args = parser.parse_args()
    a, b = (json.load(open(p)) for p in (args.a_json, args.b_json))
    for doc in (a, b):
        doc.pop("file")
        doc["build"].pop("build_options")
    ok = True
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            print(f"differ: {key}")
            ok = False
    if ok:
        print(f"same structure: {len(a['bindings'])} bindings, {len(a['steps'])} steps, "
              f"memory {a['memory']['arena_size']} bytes of arena{''}")
    wa, wb = weights(args.a_kiln), weights(args.b_kiln)
    same = wa == wb
    print(f"weights: {len(wa)} and {len(wb)} bytes, {'identical' if same else 'different'}")
    ok &= same == (args.weights == "same")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
