"""The lit test format of the ONNX backend node tests (see lit.local.cfg): one
test per case directory of generate_node_tests.py's output, run by
kiln-interpret --onnx-test-dir, its exit status the verdict.

Besides lit's verdicts, a case listed in the suite's exceptions.txt is
EXCEPTION ("Documented exception"): its ops are in Kiln's scope, but what it
asks is not something an inference compiler computes (a random mask), so
Kiln refuses it on purpose. The refusal must be the documented one: the
listed text must appear in kiln-interpret's message, or the case fails."""

import json
import os

import lit.formats
import lit.Test
import lit.util


# Not a failure (lit's exit status and JUnit count it with the passes, as
# XFAIL), but reported apart in lit's summary.
EXCEPTION = lit.Test.ResultCode("EXCEPTION", "Documented exception", False)


def read_reasons(path):
    """NAME: reason lines; '#' starts a comment line. A missing file is empty."""
    if path is None or not os.path.exists(path):
        return {}
    reasons = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(":")
            if not reason.strip():
                raise ValueError(f"{path}:{number}: expected 'NAME: reason'")
            reasons[name.strip()] = reason.strip()
    return reasons


class NodeTests(lit.formats.base.TestFormat):
    def __init__(self, data_dir, interpreter, xfail_path, problem=None, manifest=None,
                 exceptions_path=None):
        self.data_dir = data_dir
        self.interpreter = interpreter
        self.xfail_path = xfail_path
        self.problem = problem
        self.xfails = read_reasons(xfail_path)
        self.exceptions = read_reasons(exceptions_path)
        self.manifest = manifest or {}
        if not problem and manifest is None:
            with open(os.path.join(data_dir, "manifest.json")) as f:
                self.manifest = json.load(f)

    def getTestsInDirectory(self, testSuite, path_in_suite, litConfig, localConfig):
        if self.problem:
            yield lit.Test.Test(testSuite, path_in_suite + ("node-tests",), localConfig)
            return
        # xfail.txt and exceptions.txt: every entry names a generated test.
        yield lit.Test.Test(testSuite, path_in_suite + ("xfail.txt",), localConfig)
        if self.exceptions:
            yield lit.Test.Test(testSuite, path_in_suite + ("exceptions.txt",), localConfig)
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
        if name == "exceptions.txt":
            unknown = sorted(set(self.exceptions) - set(self.manifest))
            if unknown:
                return lit.Test.FAIL, "exceptions.txt names unknown tests: " + ", ".join(unknown)
            both = sorted(set(self.exceptions) & set(self.xfails))
            if both:
                return lit.Test.FAIL, "listed in both xfail.txt and exceptions.txt: " + ", ".join(both)
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
        if name in self.exceptions:
            return self.documented_exception(self.exceptions[name], code, output)
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

    @staticmethod
    def documented_exception(reason, code, output):
        """The verdict of a case exceptions.txt lists: refused (exit status 2)
        with the documented reason, or a failure."""
        listed = f"exceptions.txt: {reason}\n"
        if code == 2 and reason in output:
            return EXCEPTION, output + listed
        if code == 2:
            return lit.Test.FAIL, output + listed + "refused, but not for the documented reason\n"
        if code == 0:
            return lit.Test.FAIL, output + listed + "listed as an exception, but passes\n"
        return lit.Test.FAIL, output + listed + f"expected a refusal (exit status 2), got {code}\n"
