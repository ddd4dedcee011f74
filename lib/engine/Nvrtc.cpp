//===- Nvrtc.cpp - CUDA C++ to cubin and PTX through NVRTC ----------------===//

#include "lib/engine/Nvrtc.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <nvrtc.h>

using namespace kiln::cuda;

llvm::StringRef kiln::cuda::prelude() {
  return R"cuda(// Kiln generated kernels.
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef int int32_t;
typedef long long int64_t;
)cuda";
}

llvm::Expected<unsigned> kiln::cuda::parseArch(llvm::StringRef arch) {
  llvm::StringRef digits = arch;
  unsigned value = 0;
  if (!digits.consume_front("sm_") || (digits.consume_back("a"), digits.getAsInteger(10, value)) ||
      value < 50)
    return llvm::createStringError("bad GPU architecture '" + arch +
                                   "': expected sm_<compute capability>, e.g. sm_90");
  return value;
}

namespace {
/// One NVRTC compilation; owns the program.
struct Program {
  nvrtcProgram handle = nullptr;
  ~Program() {
    if (handle)
      nvrtcDestroyProgram(&handle);
  }
  std::string log() const {
    size_t size = 0;
    nvrtcGetProgramLogSize(handle, &size);
    std::string text(size, '\0');
    nvrtcGetProgramLog(handle, text.data());
    while (!text.empty() && (text.back() == '\0' || text.back() == '\n'))
      text.pop_back();
    return text;
  }
};
} // namespace

/// Compiles `source` with `--gpu-architecture=<target>`; `getCode` fetches
/// the result (cubin or PTX).
template <typename SizeFn, typename CodeFn>
static llvm::Expected<std::string> compile(llvm::StringRef source, const std::string &target,
                                           llvm::ArrayRef<std::string> options,
                                           SizeFn getSize, CodeFn getCode) {
  Program program;
  std::string text = source.str();
  if (nvrtcResult result =
          nvrtcCreateProgram(&program.handle, text.c_str(), "kiln_kernels.cu", 0, nullptr, nullptr);
      result != NVRTC_SUCCESS)
    return llvm::createStringError(llvm::Twine("nvrtcCreateProgram: ") +
                                   nvrtcGetErrorString(result));
  std::vector<std::string> flags = {"--gpu-architecture=" + target, "--std=c++17"};
  flags.insert(flags.end(), options.begin(), options.end());
  std::vector<const char *> argv;
  for (const std::string &flag : flags)
    argv.push_back(flag.c_str());
  if (nvrtcCompileProgram(program.handle, argv.size(), argv.data()) != NVRTC_SUCCESS)
    return llvm::createStringError(llvm::formatv("NVRTC failed for {0}:\n{1}", target,
                                                 program.log())
                                       .str());
  size_t size = 0;
  if (getSize(program.handle, &size) != NVRTC_SUCCESS)
    return llvm::createStringError("NVRTC produced no code for " + target);
  std::string code(size, '\0');
  getCode(program.handle, code.data());
  return code;
}

llvm::Expected<CompiledCuda> kiln::cuda::compileCuda(llvm::StringRef source,
                                                     llvm::ArrayRef<std::string> archs,
                                                     llvm::ArrayRef<std::string> options) {
  CompiledCuda compiled;
  unsigned lowest = ~0u;
  for (const std::string &arch : archs) {
    llvm::Expected<unsigned> number = parseArch(arch);
    if (!number)
      return number.takeError();
    llvm::Expected<std::string> cubin =
        compile(source, arch, options, nvrtcGetCUBINSize, nvrtcGetCUBIN);
    if (!cubin)
      return cubin.takeError();
    compiled.cubins.push_back({*number, std::move(*cubin)});
    lowest = std::min(lowest, *number);
  }
  if (compiled.cubins.empty())
    return compiled;
  llvm::Expected<std::string> ptx = compile(source, "compute_" + std::to_string(lowest), options,
                                            nvrtcGetPTXSize, nvrtcGetPTX);
  if (!ptx)
    return ptx.takeError();
  // NVRTC counts the terminating NUL in the PTX size.
  if (!ptx->empty() && ptx->back() == '\0')
    ptx->pop_back();
  compiled.ptx = std::move(*ptx);
  return compiled;
}
