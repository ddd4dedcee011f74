"""The lit test format of the ONNX backend node tests (see lit.local.cfg): one
test per case directory of generate_node_tests.py's output, run by
kiln-interpret --onnx-test-dir, its exit status the verdict."""

import json
import os

import lit.formats
import lit.Test
import lit.util


def read_xfails(path):
    """NAME: reason lines; '#' starts a comment line."""
    xfails = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(":")
            if not reason.strip():
                raise ValueError(f"{path}:{number}: expected 'NAME: reason'")
            xfails[name.strip()] = reason.strip()
    return xfails


class NodeTests(lit.formats.base.TestFormat):
    def __init__(self, data_dir, interpreter, xfail_path, problem=None, manifest=None):
        self.data_dir = data_dir
        self.interpreter = interpreter
        self.xfail_path = xfail_path
        self.problem = problem
        self.xfails = read_xfails(xfail_path)
        self.manifest = manifest or {}
        if not problem and manifest is None:
            with open(os.path.join(data_dir, "manifest.json")) as f:
                self.manifest = json.load(f)

    def getTestsInDirectory(self, testSuite, path_in_suite, litConfig, localConfig):
        if self.problem:
            yield lit.Test.Test(testSuite, path_in_suite + ("node-tests",), localConfig)
            return
        # xfail.txt itself: every entry names a generated test.
        yield lit.Test.Test(testSuite, path_in_suite + ("xfail.txt",), localConfig)
        for name in sorted(self.manifest):
            yield lit.Test.Test(testSuite, path_in_suite + (name,), localConfig)

    def execute(self, test, litConfig):
        name = test.path_in_suite[-1]
        if self.problem:
            return lit.Test.UNSUPPORTED, self.problem
        if name == "xfail.txt":
            unknown = sorted(set(self.xfails) - set(self.manifest))
            if unknown:
                return lit.Test.FAIL, "xfail.txt names unknown tests: " + ", ".join(unknown)
            return lit.Test.PASS, ""
        entry = self.manifest[name]
        note = ""
        if "lowered_from" in entry:
            note = (f"note: made at opset {entry['lowered_from']}, written at opset "
                    f"{entry['opset']} (no semantic change in between)\n")
        command = [self.interpreter, "--onnx-test-dir", os.path.join(self.data_dir, name)]
        try:
            out, err, code = lit.util.executeCommand(command, timeout=300)
        except lit.util.ExecuteCommandTimeoutException as e:
            return lit.Test.TIMEOUT, note + e.out + e.err
        output = note + out + err
        reason = self.xfails.get(name)
        if code == 2:
            if reason:
                return lit.Test.FAIL, output + "listed in xfail.txt, but unsupported\n"
            return lit.Test.UNSUPPORTED, output
        if code == 0:
            if reason:
                return lit.Test.XPASS, output + f"listed in xfail.txt: {reason}\n"
            return lit.Test.PASS, output
        if code != 1:  # A crash is never an expected failure.
            return lit.Test.FAIL, output + f"kiln-interpret exited with {code}\n"
        if reason:
            return lit.Test.XFAIL, output + f"xfail.txt: {reason}\n"
        return lit.Test.FAIL, output
