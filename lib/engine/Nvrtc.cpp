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
static llvm::Expected<std::vector<char>> compile(llvm::StringRef source, const std::string &target,
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
  std::vector<char> code(size, '\0');
  getCode(program.handle, code.data());
  return code;
}

llvm::Expected<CompiledCuda> kiln::cuda::compileCuda(llvm::StringRef source,
                                                     llvm::ArrayRef<unsigned> archs,
                                                     llvm::ArrayRef<std::string> options) {
  CompiledCuda compiled;
  if (archs.empty())
    return compiled;
  for (unsigned arch : archs) {
    llvm::Expected<std::vector<char>> cubin =
        compile(source, "sm_" + std::to_string(arch), options, nvrtcGetCUBINSize, nvrtcGetCUBIN);
    if (!cubin)
      return cubin.takeError();
    compiled.cubins.push_back({arch, std::move(*cubin)});
  }
  compiled.ptxArch = *llvm::min_element(archs);
  llvm::Expected<std::vector<char>> ptx =
      compile(source, "compute_" + std::to_string(compiled.ptxArch), options, nvrtcGetPTXSize,
              nvrtcGetPTX);
  if (!ptx)
    return ptx.takeError();
  // NVRTC counts the terminating NUL in the PTX size.
  compiled.ptx.assign(ptx->begin(), llvm::find(*ptx, '\0'));
  return compiled;
}
