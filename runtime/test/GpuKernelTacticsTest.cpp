// Launch shapes of generated kernels timed on the GPU (TacticTimer::
// loadKernels / timeKernel): a grid-stride kernel compiled with NVRTC under
// two launch bounds, each variant timed on scratch memory, fastest first;
// an entry the image lacks is skipped with its reason; variants with dynamic
// shared memory above 48 KiB (CUTLASS convolutions) run once allowed it.
#include "GpuTestUtils.h"
#include "Nvrtc.h"
#include "kiln/runtime/Tactics.h"
#include "kiln/runtime/engine_generated.h"

#include <cstdio>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

constexpr uint32_t kCount = 1 << 20;

// One grid-stride loop under two launch bounds, as kiln-select-tactics
// compiles a kernel's variants (each entry its own name).
const char *kVariants = R"(
#define KERNEL(NAME, BOUND)                                                    \
  extern "C" __global__ void __launch_bounds__(BOUND)                          \
      NAME(const float *__restrict__ in0, float *__restrict__ out0) {          \
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (1u << 20);   \
         i += gridDim.x * blockDim.x)                                          \
      out0[i] = in0[i] > 0.0f ? in0[i] : 0.0f;                                 \
  }
KERNEL(relu_b64, 64)
KERNEL(relu_b512, 512)
)";

// A Step holding a launch of two arguments in the scratch arena.
std::vector<uint8_t> launchStep() {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint32_t> grid{1, 1, 1}, block{256, 1, 1};
  std::vector<kiln::fb::BufferRef> args{
      kiln::fb::BufferRef(0, 0, kiln::fb::Region::Arena),
      kiln::fb::BufferRef(uint64_t(kCount) * 4, 0, kiln::fb::Region::Arena)};
  auto launch = kiln::fb::CreateLaunchStepDirect(fbb, "relu", &grid, &block, 0, &args);
  fbb.Finish(kiln::fb::CreateStepDirect(fbb, kiln::fb::StepKind::LaunchStep, launch.Union(),
                                        "relu", nullptr, "fp32", ""));
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

TEST(GpuKernelTactics, TimesEachVariantFastestFirst) {
  KILN_REQUIRE_GPU();
  CompiledCode code = compileCuda(kVariants, deviceArch());
  ASSERT_TRUE(code.ok()) << code.error;
  Expected<TacticTimer> timer = TacticTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status().message();

  std::vector<uint8_t> step = launchStep();
  std::vector<KernelVariant> variants{{"relu_b64", {4224, 1, 1}, {64, 1, 1}},
                                      {"relu_b512", {528, 1, 1}, {512, 1, 1}},
                                      {"relu_missing", {1056, 1, 1}, {256, 1, 1}}};
  uint64_t scratch = uint64_t(kCount) * 8;
  // Nothing loaded yet: an error that says so.
  Expected<TacticTiming> early = timer->timeKernel(step.data(), step.size(), scratch, variants, "relu");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("no kernels loaded"), std::string::npos)
      << early.status().message();

  ASSERT_TRUE(timer->loadKernels(code.cubin.data(), code.cubin.size()).ok());
  Expected<TacticTiming> timing =
      timer->timeKernel(step.data(), step.size(), scratch, variants, "relu");
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  EXPECT_EQ(timing->candidates, 3u);
  ASSERT_EQ(timing->timed.size(), 2u);
  for (const TimedTactic &t : timing->timed) {
    std::printf("  variant %zu (%s): %.5f ms\n", t.index, t.description.c_str(), t.milliseconds);
    EXPECT_GT(t.milliseconds, 0.0);
    EXPECT_LT(t.index, 2u);
  }
  EXPECT_LE(timing->timed[0].milliseconds, timing->timed[1].milliseconds);
  EXPECT_NE(timing->timed[0].index, timing->timed[1].index);
  ASSERT_EQ(timing->skipped.size(), 1u);
  EXPECT_NE(timing->skipped[0].find("relu_missing"), std::string::npos) << timing->skipped[0];

  // Arguments outside the scratch arena are refused.
  Expected<TacticTiming> small = timer->timeKernel(step.data(), step.size(), 1024, variants, "relu");
  EXPECT_FALSE(small.ok());
}

// A kernel that needs 64 KiB of dynamic shared memory (as the CUTLASS
// convolutions do): it stages its input through all of it.
const char *kSharedKernel = R"(
extern "C" __global__ void __launch_bounds__(256)
    staged(const float *__restrict__ in0, float *__restrict__ out0) {
  extern __shared__ float stage[];
  const unsigned n = 64 * 1024 / 4;
  for (unsigned base = blockIdx.x * n; base < (1u << 20); base += gridDim.x * n) {
    for (unsigned i = threadIdx.x; i < n; i += blockDim.x)
      stage[i] = in0[base + i];
    __syncthreads();
    for (unsigned i = threadIdx.x; i < n; i += blockDim.x)
      out0[base + i] = stage[n - 1 - i];
    __syncthreads();
  }
}
)";

TEST(GpuKernelTactics, DynamicSharedMemoryAbove48KiB) {
  KILN_REQUIRE_GPU();
  CompiledCode code = compileCuda(kSharedKernel, deviceArch());
  ASSERT_TRUE(code.ok()) << code.error;
  Expected<TacticTimer> timer = TacticTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status().message();
  ASSERT_TRUE(timer->loadKernels(code.cubin.data(), code.cubin.size()).ok());
  std::vector<uint8_t> step = launchStep();
  // More than any GPU allows is skipped with the driver's reason.
  std::vector<KernelVariant> variants{{"staged", {64, 1, 1}, {256, 1, 1}, 64 * 1024},
                                      {"staged", {64, 1, 1}, {256, 1, 1}, 1024 * 1024}};
  Expected<TacticTiming> timing =
      timer->timeKernel(step.data(), step.size(), uint64_t(kCount) * 8, variants, "staged");
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  ASSERT_EQ(timing->timed.size(), 1u);
  EXPECT_EQ(timing->timed[0].index, 0u);
  ASSERT_EQ(timing->skipped.size(), 1u);
  EXPECT_NE(timing->skipped[0].find("bytes of shared memory"), std::string::npos)
      << timing->skipped[0];
}

} // namespace
