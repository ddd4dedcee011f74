# lit configuration for Kiln's FileCheck tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "Inputs", "emulator"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

config.substitutions.append(("%kiln_src_root", config.kiln_src_root))
config.substitutions.append(("%kiln_obj_root", config.kiln_obj_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    [
        "kiln-opt",
        "kiln-compile",
        "kiln-interpret",
        "kiln-check-numerics",
        "kiln-translate",
        "kiln-run",
        "kiln-runtime-make-test-engine",
        "kiln-emulate-cuda",
        "kiln-refit",
    ],
    [config.kiln_tools_dir],
)

# Tests that compile generated kernels need NVRTC (a CUDA toolkit at build
# time); without it they are unsupported, which counts as skipped.
if config.kiln_have_nvrtc:
    config.available_features.add("nvrtc")
# CUTLASS kernels also need its headers (pip package nvidia-cutlass).
if getattr(config, "kiln_have_cutlass", False):
    config.available_features.add("cutlass")

# Where a CUDA GPU is usable (the GPU machine), expectations of "no GPU"
# cannot hold: tests with `UNSUPPORTED: cuda-gpu` are skipped there.
import shutil
import subprocess


def cuda_gpu_present():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if cuda_gpu_present():
    config.available_features.add("cuda-gpu")
