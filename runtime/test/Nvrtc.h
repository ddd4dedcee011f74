// CUDA C++ compiled with NVRTC for the tests: PTX, and a cubin for one
// architecture. Needs no GPU.
#ifndef KILN_RUNTIME_TEST_NVRTC_H
#define KILN_RUNTIME_TEST_NVRTC_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime::test {

struct CompiledCode {
  std::string ptx;            ///< for compute_<arch>
  std::vector<uint8_t> cubin; ///< for sm_<arch>
  std::string error;          ///< the log when compilation failed
  bool ok() const { return error.empty(); }
};

CompiledCode compileCuda(const std::string &source, unsigned arch);

/// The kernels of the sample engine (see makeSampleEngine).
extern const char *const kSampleKernels;

} // namespace kiln::runtime::test

#endif // KILN_RUNTIME_TEST_NVRTC_H
