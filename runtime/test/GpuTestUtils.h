// Helpers of the GPU tests: skipping without a GPU, device buffers, random
// data, and the CPU reference loops the GPU results are compared with.
#ifndef KILN_RUNTIME_TEST_GPUTESTUTILS_H
#define KILN_RUNTIME_TEST_GPUTESTUTILS_H

#include "TestEngines.h"

#include "kiln/runtime/DataType.h"
#include "kiln/runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime::test {

/// Empty when a GPU is usable, else why not.
std::string gpuUnavailableReason();

/// GTEST_SKIP() (reported as skipped by ctest) when no GPU is usable.
#define KILN_REQUIRE_GPU()                                                     \
  do {                                                                         \
    std::string kilnReason_ = ::kiln::runtime::test::gpuUnavailableReason();   \
    if (!kilnReason_.empty())                                                  \
      GTEST_SKIP() << "no GPU: " << kilnReason_;                               \
  } while (0)

/// The device's compute capability, e.g. 90.
unsigned deviceArch();

/// The sample engine (conv + bias + relu, a pooling kernel, a GEMM, a copy;
/// TestEngines.h) with its kernel compiled for this GPU.
std::vector<uint8_t> sampleEngineForThisGpu();

/// The library versions of this process, to build engines that pass the
/// loader's version check.
void useRuntimeVersions(EngineBuilder &builder);

/// cudaMalloc'ed memory, freed on destruction.
class DeviceBuffer {
public:
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  void *get() const { return pointer_; }
  size_t bytes() const { return bytes_; }
  void upload(const void *data, size_t bytes);
  std::vector<uint8_t> download() const;

private:
  void *pointer_ = nullptr;
  size_t bytes_ = 0;
};

/// `count` values uniform in [-1, 1], rounded to `type`, as doubles.
std::vector<double> randomValues(size_t count, unsigned seed, DataType type);
/// Encodes doubles as `type` elements.
std::vector<uint8_t> encode(const std::vector<double> &values, DataType type);
/// Decodes `type` elements.
std::vector<double> decode(const std::vector<uint8_t> &bytes, DataType type);

/// max |a - b| / (atol + rtol * |b|) over the elements; <= 1 passes.
double worstError(const std::vector<double> &actual, const std::vector<double> &expected,
                  double atol, double rtol, size_t *where = nullptr);

/// What one run of a one-input, one-output engine gave.
struct SingleRun {
  std::vector<uint8_t> output;
  ExecutionContext::StepChoice choice; ///< of step 0
  std::string tactic;                  ///< of step 0
  std::vector<std::string> warnings;
};
/// Loads `file`, fills binding `input` with random values (`seed`), runs
/// once and returns binding `output`.
SingleRun runOnce(const std::vector<uint8_t> &file, const std::string &input,
                  const std::string &output, unsigned seed);

/// Element strides of an NCHW-logical 4-D tensor stored NCHW or NHWC.
std::vector<int64_t> stridesFor(const std::vector<int64_t> &shape, bool channelsLast);

} // namespace kiln::runtime::test

#endif // KILN_RUNTIME_TEST_GPUTESTUTILS_H
