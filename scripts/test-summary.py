#!/usr/bin/env python3
"""Sums lit's and ctest's JUnit reports into one line: N passed, N failed, N skipped.

ctest runs lit as a single entry; lit's own report counts each test file, so
the ctest entry named "lit" is replaced by lit's per-test results.
"""
import sys
import xml.etree.ElementTree as ET


def lit_counts(path):
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def ctest_counts(path):
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.get("name") == "lit":
            continue
        status = case.get("status")
        if status == "run":
            passed += 1
        elif status in ("notrun", "disabled"):
            skipped += 1
        else:
            failed += 1
    return passed, failed, skipped


def main(lit_xml, ctest_xml):
    totals = [0, 0, 0]
    for counter, path in ((lit_counts, lit_xml), (ctest_counts, ctest_xml)):
        try:
            counts = counter(path)
        except (OSError, ET.ParseError) as error:
            print(f"test-summary: no usable report at {path}: {error}", file=sys.stderr)
            counts = (0, 1, 0)
        totals = [a + b for a, b in zip(totals, counts)]
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
