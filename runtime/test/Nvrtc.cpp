// NVRTC compilation for the tests.
#include "Nvrtc.h"

#include <nvrtc.h>

namespace kiln::runtime::test {

const char *const kSampleKernels = R"(
extern "C" __global__ void kiln_global_avg_pool(const float *x, float *y) {
  int c = threadIdx.x;
  float sum = 0.f;
  for (int i = 0; i < 16; ++i)
    sum += x[c * 16 + i];
  y[c] = sum / 16.f;
}
)";

namespace {

std::string programLog(nvrtcProgram program) {
  size_t size = 0;
  nvrtcGetProgramLogSize(program, &size);
  std::string log(size, '\0');
  if (size)
    nvrtcGetProgramLog(program, &log[0]);
  return log;
}

// One compilation; `cubin` selects the real architecture (cubin) or the
// virtual one (PTX).
bool compile(const std::string &source, unsigned arch, bool cubin, CompiledCode &out) {
  nvrtcProgram program;
  if (nvrtcCreateProgram(&program, source.c_str(), "kernels.cu", 0, nullptr, nullptr) !=
      NVRTC_SUCCESS) {
    out.error = "nvrtcCreateProgram failed";
    return false;
  }
  std::string archOption =
      std::string("--gpu-architecture=") + (cubin ? "sm_" : "compute_") + std::to_string(arch);
  const char *options[] = {archOption.c_str(), "--std=c++17"};
  nvrtcResult result = nvrtcCompileProgram(program, 2, options);
  if (result != NVRTC_SUCCESS) {
    out.error = std::string(nvrtcGetErrorString(result)) + ": " + programLog(program);
    nvrtcDestroyProgram(&program);
    return false;
  }
  size_t size = 0;
  if (cubin) {
    nvrtcGetCUBINSize(program, &size);
    out.cubin.resize(size);
    nvrtcGetCUBIN(program, reinterpret_cast<char *>(out.cubin.data()));
  } else {
    nvrtcGetPTXSize(program, &size);
    out.ptx.resize(size);
    nvrtcGetPTX(program, &out.ptx[0]);
    while (!out.ptx.empty() && out.ptx.back() == '\0')
      out.ptx.pop_back();
  }
  nvrtcDestroyProgram(&program);
  return true;
}

} // namespace

CompiledCode compileCuda(const std::string &source, unsigned arch) {
  CompiledCode code;
  if (compile(source, arch, false, code))
    compile(source, arch, true, code);
  return code;
}

} // namespace kiln::runtime::test
