// Generated kernels on the GPU: cuLaunchKernel of NVRTC-compiled code loaded
// from the engine's cubin or JIT-compiled from its PTX, arena, weights,
// bindings and a copy step, against CPU loops.
#include "GpuTestUtils.h"
#include "Nvrtc.h"

#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/HostRunner.h"

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

constexpr int kSize = 1000;

const char *kKernels = R"(
#define N 1000
extern "C" __global__ void scale_add(const float *a, const float *b, float *out) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < N) out[i] = 2.0f * a[i] + b[i];
}
extern "C" __global__ void square(const float *a, float *out) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < N) out[i] = a[i] * a[i];
}
)";

// y = (2x + w)^2 through an arena temporary; y2 = a copy of y.
std::vector<uint8_t> kernelEngine(const CompiledCode &code, unsigned arch, bool withCubin,
                                  const std::vector<float> &weights) {
  EngineBuilder builder;
  useRuntimeVersions(builder);
  builder.archs = {arch};
  builder.ptx = code.ptx;
  if (withCubin)
    builder.addCode(arch, code.cubin);
  uint32_t x = builder.addBinding("x", fb::DType::F32, {kSize}, true);
  uint32_t y = builder.addBinding("y", fb::DType::F32, {kSize}, false);
  uint32_t y2 = builder.addBinding("y2", fb::DType::F32, {kSize}, false);
  uint64_t w = builder.addWeights(weights.data(), kSize * 4);
  uint64_t t = builder.allocateArena(kSize * 4);
  builder.addLaunch("scale_add", "scale_add", {(kSize + 255) / 256}, {256},
                    {EngineBuilder::binding(x), EngineBuilder::weights(w), EngineBuilder::arena(t)});
  builder.addLaunch("square", "square", {(kSize + 255) / 256}, {256},
                    {EngineBuilder::arena(t), EngineBuilder::binding(y)});
  builder.addCopy("copy", EngineBuilder::binding(y), EngineBuilder::binding(y2), kSize * 4);
  return builder.file();
}

void runAndCheck(const std::vector<uint8_t> &file, const std::vector<float> &weights,
                 const std::string &expectedCode) {
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  EXPECT_EQ(engine->codeDescription(), expectedCode);
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();

  std::vector<double> input = randomValues(kSize, 1, DataType::F32);
  std::vector<float> x(input.begin(), input.end());
  DeviceBuffer dx(kSize * 4), dy(kSize * 4), dy2(kSize * 4);
  dx.upload(x.data(), kSize * 4);
  ASSERT_TRUE(context->setBinding("x", dx.get()).ok());
  ASSERT_TRUE(context->setBinding("y", dy.get()).ok());
  ASSERT_TRUE(context->setBinding("y2", dy2.get()).ok());
  Status status = context->run();
  ASSERT_TRUE(status.ok()) << status.message();

  std::vector<double> expected(kSize);
  for (int i = 0; i < kSize; ++i) {
    float t = 2.0f * x[i] + weights[i];
    expected[i] = t * t;
  }
  size_t where = 0;
  EXPECT_LE(worstError(decode(dy.download(), DataType::F32), expected, 1e-6, 1e-6, &where), 1.0)
      << "at " << where;
  EXPECT_EQ(dy.download(), dy2.download());
}

} // namespace

TEST(GpuKernel, CubinForTheDeviceArchitecture) {
  KILN_REQUIRE_GPU();
  unsigned arch = deviceArch();
  CompiledCode code = compileCuda(kKernels, arch);
  ASSERT_TRUE(code.ok()) << code.error;
  std::vector<double> w = randomValues(kSize, 2, DataType::F32);
  std::vector<float> weights(w.begin(), w.end());
  runAndCheck(kernelEngine(code, arch, true, weights), weights,
              "cubin sm_" + std::to_string(arch));
}

TEST(GpuKernel, PtxJitForANewerDevice) {
  KILN_REQUIRE_GPU();
  unsigned arch = deviceArch();
  if (arch <= 75)
    GTEST_SKIP() << "needs a GPU newer than sm_75";
  CompiledCode code = compileCuda(kKernels, 75); // PTX for compute_75 only
  ASSERT_TRUE(code.ok()) << code.error;
  std::vector<double> w = randomValues(kSize, 3, DataType::F32);
  std::vector<float> weights(w.begin(), w.end());
  std::vector<uint8_t> file = kernelEngine(code, 75, false, weights);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  bool warned = false;
  for (const std::string &warning : engine->warnings())
    warned |= warning.find("JIT-compiled") != std::string::npos;
  EXPECT_TRUE(warned);
  runAndCheck(file, weights, "PTX JIT for sm_" + std::to_string(arch));
}

TEST(GpuKernel, OlderDeviceIsRefused) {
  KILN_REQUIRE_GPU();
  unsigned arch = deviceArch();
  unsigned newer = 0;
  for (unsigned known : knownArchitectures())
    if (known > arch && known != 101 && known != 110) { // ones NVRTC 13 compiles for
      newer = known;
      break;
    }
  if (!newer)
    GTEST_SKIP() << "no architecture newer than sm_" << arch;
  CompiledCode code = compileCuda(kKernels, newer);
  ASSERT_TRUE(code.ok()) << code.error;
  std::vector<float> weights(kSize, 0.f);
  std::vector<uint8_t> file = kernelEngine(code, newer, true, weights);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  EXPECT_EQ(engine.status().code(), ErrorCode::VersionMismatch);
  EXPECT_NE(engine.status().message().find("this GPU is sm_" + std::to_string(arch)),
            std::string::npos)
      << engine.status().message();
}

// HostRunner (the compiler's calibration on the GPU): host inputs in, every
// output back, run after run on the same buffers.
TEST(GpuKernel, HostRunnerRunsOnHostData) {
  KILN_REQUIRE_GPU();
  Expected<DeviceDescription> device = describeCurrentDevice();
  ASSERT_TRUE(device.ok()) << device.status().message();
  EXPECT_EQ(static_cast<unsigned>(device->computeCapability), deviceArch());
  EXPECT_FALSE(device->name.empty());

  unsigned arch = deviceArch();
  CompiledCode code = compileCuda(kKernels, arch);
  ASSERT_TRUE(code.ok()) << code.error;
  std::vector<double> w = randomValues(kSize, 4, DataType::F32);
  std::vector<float> weights(w.begin(), w.end());
  std::vector<uint8_t> file = kernelEngine(code, arch, true, weights);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Expected<HostRunner> runner = HostRunner::create(*engine);
  ASSERT_TRUE(runner.ok()) << runner.status().message();

  std::vector<std::vector<uint8_t>> outputs;
  Status refused = runner->run({}, outputs);
  EXPECT_EQ(refused.code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(refused.message(), "the engine has 1 inputs, 0 were given");

  for (unsigned seed : {5u, 6u}) {
    std::vector<double> input = randomValues(kSize, seed, DataType::F32);
    std::vector<float> x(input.begin(), input.end());
    Status status = runner->run({x.data()}, outputs);
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(outputs.size(), 2u);
    std::vector<double> expected(kSize);
    for (int i = 0; i < kSize; ++i) {
      float t = 2.0f * x[i] + weights[i];
      expected[i] = t * t;
    }
    size_t where = 0;
    EXPECT_LE(worstError(decode(outputs[0], DataType::F32), expected, 1e-6, 1e-6, &where), 1.0)
        << "seed " << seed << ", at " << where;
    EXPECT_EQ(outputs[0], outputs[1]);
  }
}

// HostRunner's timing (kiln-compile --int8-layers=timed): one time per step,
// positive, and a whole CUDA-graph run; the run's results are unchanged by
// timing (the same buffers, the last inputs uploaded).
TEST(GpuKernel, HostRunnerTimesStepsAndGraphs) {
  KILN_REQUIRE_GPU();
  unsigned arch = deviceArch();
  CompiledCode code = compileCuda(kKernels, arch);
  ASSERT_TRUE(code.ok()) << code.error;
  std::vector<float> weights(kSize, 1.0f);
  std::vector<uint8_t> file = kernelEngine(code, arch, true, weights);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Expected<HostRunner> runner = HostRunner::create(*engine);
  ASSERT_TRUE(runner.ok()) << runner.status().message();

  EXPECT_EQ(runner->timeSteps(0).status().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(runner->timeGraph(0).status().code(), ErrorCode::InvalidArgument);
  Expected<std::vector<float>> steps = runner->timeSteps(5);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->size(), engine->numSteps());
  for (float ms : *steps) {
    EXPECT_GT(ms, 0.0f);
    EXPECT_LT(ms, 100.0f);
  }
  Expected<float> graph = runner->timeGraph(20);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_GT(*graph, 0.0f);
  EXPECT_LT(*graph, 100.0f);

  // Still a working runner: zeros timed, now real inputs.
  std::vector<float> x(kSize, 1.5f);
  std::vector<std::vector<uint8_t>> outputs;
  Status status = runner->run({x.data()}, outputs);
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<double> expected(kSize, (2.0 * 1.5 + 1.0) * (2.0 * 1.5 + 1.0));
  EXPECT_LE(worstError(decode(outputs[0], DataType::F32), expected, 1e-6, 1e-6), 1.0);
}
