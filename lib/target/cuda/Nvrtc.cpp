//===- Nvrtc.cpp - compiling generated CUDA C++ with NVRTC ----------------===//

#include "kiln/target/cuda/Nvrtc.h"
#include "kiln/target/cuda/ImplicitGemm.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>

#ifdef KILN_HAVE_NVRTC
#include <nvrtc.h>
#endif

using namespace kiln::cuda;

#ifdef KILN_HAVE_NVRTC

/// Directories holding cuda_fp16.h, which NVRTC 13 does not find by itself:
/// the toolkit's found at configure time, and the usual install path of the
/// machine it runs on (the GPU machine's may differ from the build's).
static std::vector<std::string> cudaIncludeDirs() {
  std::vector<std::string> dirs;
  auto add = [&](llvm::StringRef dir) {
    llvm::SmallString<256> header(dir);
    llvm::sys::path::append(header, "cuda_fp16.h");
    if (!dir.empty() && llvm::sys::fs::exists(header) && !llvm::is_contained(dirs, dir))
      dirs.push_back(dir.str());
  };
#ifdef KILN_CUDA_INCLUDE_DIR
  add(KILN_CUDA_INCLUDE_DIR);
#endif
  add("/usr/local/cuda/include");
  return dirs;
}

namespace {
/// An nvrtcProgram destroyed on every path.
struct Program {
  nvrtcProgram handle = nullptr;
  ~Program() {
    if (handle)
      nvrtcDestroyProgram(&handle);
  }
  std::string log() const {
    size_t size = 0;
    if (nvrtcGetProgramLogSize(handle, &size) != NVRTC_SUCCESS || size <= 1)
      return "";
    std::string text(size, '\0');
    nvrtcGetProgramLog(handle, text.data());
    text.resize(size - 1);
    return text;
  }
};
} // namespace

static llvm::Error nvrtcError(const llvm::Twine &what, nvrtcResult result,
                              const std::string &log = "") {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      what + ": " + nvrtcGetErrorString(result) + (log.empty() ? "" : "\n" + log));
}

llvm::Expected<CompiledCuda> kiln::cuda::compileCuda(llvm::StringRef source,
                                                     llvm::ArrayRef<unsigned> archs,
                                                     llvm::ArrayRef<std::string> options) {
  if (archs.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no GPU architecture to compile for");
  std::string text = source.str();
  std::vector<std::string> common = {"-default-device", "-std=c++17"};
  for (const std::string &dir : cudaIncludeDirs())
    common.push_back("--include-path=" + dir);
  // CUTLASS kernels (ImplicitGemm.cpp) need its headers and the toolkit's
  // libcu++ (cuda/std), which CUDA 13 keeps under include/cccl.
  if (needsCutlass(source)) {
    llvm::Expected<std::string> cutlass = cutlassIncludeDir();
    if (!cutlass)
      return cutlass.takeError();
    common.push_back("--include-path=" + *cutlass);
    for (const std::string &dir : cudaIncludeDirs()) {
      llvm::SmallString<256> cccl(dir);
      llvm::sys::path::append(cccl, "cccl");
      if (llvm::sys::fs::is_directory(cccl))
        common.push_back("--include-path=" + std::string(cccl));
    }
  }
  llvm::append_range(common, options);

  CompiledCuda compiled;
  unsigned lowest = *std::min_element(archs.begin(), archs.end());
  for (unsigned arch : archs) {
    Program program;
    nvrtcResult result =
        nvrtcCreateProgram(&program.handle, text.c_str(), "kiln_kernels.cu", 0, nullptr,
                           nullptr);
    if (result != NVRTC_SUCCESS)
      return nvrtcError("nvrtcCreateProgram", result);
    std::vector<std::string> flags = common;
    flags.push_back("--gpu-architecture=sm_" + std::to_string(arch));
    std::vector<const char *> argv;
    for (const std::string &flag : flags)
      argv.push_back(flag.c_str());
    result = nvrtcCompileProgram(program.handle, static_cast<int>(argv.size()), argv.data());
    std::string log = program.log();
    if (result != NVRTC_SUCCESS)
      return nvrtcError("NVRTC failed to compile for sm_" + llvm::Twine(arch), result, log);
    if (!log.empty())
      compiled.log += log;

    size_t size = 0;
    if ((result = nvrtcGetCUBINSize(program.handle, &size)) != NVRTC_SUCCESS)
      return nvrtcError("nvrtcGetCUBINSize", result);
    CompiledCuda::Cubin &cubin = compiled.cubins.emplace_back();
    cubin.arch = arch;
    cubin.image.resize(size);
    if ((result = nvrtcGetCUBIN(program.handle, cubin.image.data())) != NVRTC_SUCCESS)
      return nvrtcError("nvrtcGetCUBIN", result);

    // A real architecture's compile keeps the PTX it went through, which is
    // the same text as a compute_<arch> compile: no second compilation.
    if (arch != lowest || !compiled.ptx.empty())
      continue;
    if ((result = nvrtcGetPTXSize(program.handle, &size)) != NVRTC_SUCCESS)
      return nvrtcError("nvrtcGetPTXSize", result);
    compiled.ptx.resize(size);
    if ((result = nvrtcGetPTX(program.handle, compiled.ptx.data())) != NVRTC_SUCCESS)
      return nvrtcError("nvrtcGetPTX", result);
    if (!compiled.ptx.empty() && compiled.ptx.back() == '\0')
      compiled.ptx.pop_back();
    compiled.ptxArch = arch;
  }
  return compiled;
}

bool kiln::cuda::haveNvrtc() { return true; }

std::string kiln::cuda::nvrtcVersionString() {
  int major = 0, minor = 0;
  if (::nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return "unknown";
  return std::to_string(major) + "." + std::to_string(minor);
}

int kiln::cuda::nvrtcVersion() {
  int major = 0, minor = 0;
  if (::nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return 0;
  return major * 1000 + minor * 10;
}

#else // !KILN_HAVE_NVRTC

llvm::Expected<CompiledCuda> kiln::cuda::compileCuda(llvm::StringRef,
                                                     llvm::ArrayRef<unsigned>,
                                                     llvm::ArrayRef<std::string>) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "Kiln was built without NVRTC (no CUDA toolkit found)");
}

bool kiln::cuda::haveNvrtc() { return false; }

std::string kiln::cuda::nvrtcVersionString() { return "none"; }

int kiln::cuda::nvrtcVersion() { return 0; }

#endif // KILN_HAVE_NVRTC
