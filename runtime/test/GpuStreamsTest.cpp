// Auxiliary streams on the GPU (ContextOptions::maxAuxStreams): an engine of
// independent branches (generated kernels, two cuDNN convolutions and a
// cuBLASLt GEMM, each with its own workspace slice) gives outputs
// bit-identical to the serial run with 1 to 4 auxiliary streams, directly
// and from a CUDA graph, run after run, including a tensor the planner put in
// the bytes of one an earlier branch still reads (a write after read that
// only its recorded dependency orders); the same engine without recorded
// dependencies runs on one stream; profiled runs stay serial.
#include "GpuTestUtils.h"
#include "Nvrtc.h"

#include "kiln/runtime/kiln_runtime.h"

#include <cuda_runtime_api.h>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

constexpr int kCount = 64 * 32 * 32; // one [1, 64, 32, 32] f32 tensor, also 256 x 256
constexpr uint64_t kBytes = kCount * 4;

// Each branch kernel iterates long enough that branches overlap when they
// may; the constants make every branch's result distinct.
const char *kKernels = R"(
#define N 65536
#define BRANCH(name, c)                                                     \
  extern "C" __global__ void name(const float *a, float *o) {               \
    int i = blockIdx.x * blockDim.x + threadIdx.x;                          \
    if (i >= N) return;                                                     \
    float v = a[i];                                                         \
    for (int k = 0; k < 512; ++k) v = v * (c) + 0.001f * (float)(k & 7);     \
    o[i] = v;                                                               \
  }
BRANCH(br0, 0.999f)
BRANCH(br1, 0.998f)
BRANCH(br2, 0.997f)
BRANCH(br3, 0.996f)
extern "C" __global__ void sum4(const float *a, const float *b, const float *c,
                                const float *d, float *o) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < N) o[i] = a[i] + 2.0f * b[i] + 3.0f * c[i] + 4.0f * d[i];
}
extern "C" __global__ void combine(const float *c, const float *r, const float *p,
                                   const float *q, const float *g, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < N) y[i] = c[i] + r[i] + 0.5f * p[i] + 0.25f * q[i] + 0.125f * g[i];
}
)";

std::vector<int64_t> nhwcStrides() { return {kCount, 1, 32 * 64, 64}; }

// x -> {br0 -> br1, br1 -> br2, br2, br3} -> sum4 -> c; conv0(x), conv1(x),
// gemm(x as 256x256); r = br3(x) into the bytes of br0's output (read by
// step 4 only); y = combine(c, r, conv0, conv1, gemm). With `deps` false
// the steps record none (an engine before format 1.4).
std::vector<uint8_t> branchesEngine(const CompiledCode &code, unsigned arch, bool deps) {
  EngineBuilder b;
  useRuntimeVersions(b);
  b.archs = {arch};
  b.ptx = code.ptx;
  b.addCode(arch, code.cubin);
  uint32_t x = b.addBinding("x", fb::DType::F32, {1, 32, 32, 64}, true, "NHWC");
  uint32_t y = b.addBinding("y", fb::DType::F32, {1, 32, 32, 64}, false, "NHWC");
  std::vector<uint64_t> t;
  for (int i = 0; i < 10; ++i)
    t.push_back(b.allocateArena(kBytes));
  enum { A0, A1, A2, A3, B0, B1, C, P, Q, G };
  auto arena = [&](int i) { return EngineBuilder::arena(t[i]); };
  fb::BufferRef in = EngineBuilder::binding(x);
  std::vector<double> w0 = randomValues(64 * 64 * 9, 21, DataType::F32);
  std::vector<double> w1 = randomValues(64 * 64 * 9, 22, DataType::F32);
  std::vector<double> wg = randomValues(256 * 256, 23, DataType::F32);
  auto upload = [&](const std::vector<double> &values) {
    std::vector<float> f(values.begin(), values.end());
    return b.addWeights(f.data(), f.size() * 4);
  };
  uint64_t w0At = upload(w0), w1At = upload(w1), wgAt = upload(wg);

  auto step = [&](std::vector<uint32_t> list) {
    if (deps)
      b.nextDeps = std::move(list);
  };
  auto launch = [&](const std::string &name, const std::string &kernel,
                    std::vector<fb::BufferRef> args, std::vector<uint32_t> list) {
    step(std::move(list));
    b.addLaunch(name, kernel, {kCount / 256}, {256}, args);
  };
  launch("br0", "br0", {in, arena(A0)}, {});                      // 0
  launch("br1", "br1", {in, arena(A1)}, {});                      // 1
  launch("br2", "br2", {in, arena(A2)}, {});                      // 2
  launch("br3", "br3", {in, arena(A3)}, {});                      // 3
  launch("br0.next", "br1", {arena(A0), arena(B0)}, {0});         // 4
  launch("br1.next", "br2", {arena(A1), arena(B1)}, {1});         // 5
  launch("sum", "sum4", {arena(B0), arena(B1), arena(A2), arena(A3), arena(C)},
         {2, 3, 4, 5});                                           // 6
  for (int i = 0; i < 2; ++i) {                                   // 7, 8
    ConvSpec conv;
    conv.x = {fb::DType::F32, {1, 64, 32, 32}, nhwcStrides(), in};
    conv.w = {fb::DType::F32, {64, 64, 3, 3}, {576, 1, 192, 64},
              EngineBuilder::weights(i ? w1At : w0At)};
    conv.y = {fb::DType::F32, {1, 64, 32, 32}, nhwcStrides(), arena(i ? Q : P)};
    conv.padsBegin = conv.padsEnd = {1, 1};
    step({});
    b.addConv(i ? "conv1" : "conv0", conv, "fp32");
  }
  GemmSpec gemm;                                                  // 9
  gemm.a = in;
  gemm.b = EngineBuilder::weights(wgAt);
  gemm.c = gemm.d = arena(G);
  gemm.m = gemm.n = gemm.k = 256;
  gemm.lda = gemm.ldb = gemm.ldc = gemm.ldd = 256;
  step({});
  b.addGemm("gemm", gemm, "fp32");
  // The planner's reuse: r takes br0's bytes, which step 4 reads.
  launch("r", "br3", {in, arena(A0)}, {4});                       // 10
  launch("combine", "combine",
         {arena(C), arena(A0), arena(P), arena(Q), arena(G), EngineBuilder::binding(y)},
         {6, 7, 8, 9, 10});                                       // 11
  b.arenaSize = 10 * kBytes;
  return b.file();
}

// x: the seeded input, uploaded; y: the output.
void bindSeededInput(ExecutionContext &context, DeviceBuffer &dx, DeviceBuffer &dy) {
  dx.upload(encode(randomValues(kCount, 5, DataType::F32), DataType::F32).data(), kBytes);
  ASSERT_TRUE(context.setBinding("x", dx.get()).ok());
  ASSERT_TRUE(context.setBinding("y", dy.get()).ok());
}

struct RunResult {
  std::vector<uint8_t> output;
  unsigned streams = 0;
  uint64_t workspace = 0;
};

// `runs` enqueues on one stream, each output compared with `expected` (when
// given) before the next run overwrites it.
void runMany(const std::vector<uint8_t> &file, int auxStreams, bool graph, int runs,
             const std::vector<uint8_t> *expected, RunResult &result) {
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  ContextOptions options;
  options.maxAuxStreams = auxStreams;
  auto context = engine->createContext(options);
  ASSERT_TRUE(context.ok()) << context.status().message();
  DeviceBuffer dx(kBytes), dy(kBytes);
  ASSERT_NO_FATAL_FAILURE(bindSeededInput(*context, dx, dy));
  context->enableCudaGraph(graph);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  int mismatches = 0;
  for (int i = 0; i < runs; ++i) {
    ASSERT_EQ(cudaMemsetAsync(dy.get(), 0xff, kBytes, stream), cudaSuccess);
    Status status = context->enqueue(stream);
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    result.output = dy.download();
    if (expected && result.output != *expected && ++mismatches <= 3)
      ADD_FAILURE() << auxStreams << " auxiliary streams, CUDA graph " << graph << ": run " << i
                    << " differs from the serial run";
  }
  EXPECT_EQ(mismatches, 0) << "of " << runs << " runs";
  cudaStreamDestroy(stream);
  result.streams = context->numStreams();
  result.workspace = context->workspaceSize();
}

class GpuStreams : public testing::Test {
protected:
  void SetUp() override {
    KILN_REQUIRE_GPU();
    arch_ = deviceArch();
    code_ = compileCuda(kKernels, arch_);
    ASSERT_TRUE(code_.ok()) << code_.error;
    file_ = branchesEngine(code_, arch_, true);
    runMany(file_, 0, false, 1, nullptr, serial_);
    ASSERT_EQ(serial_.streams, 1u);
  }
  unsigned arch_ = 0;
  CompiledCode code_;
  std::vector<uint8_t> file_;
  RunResult serial_;
};

} // namespace

// 1 to 4 auxiliary streams, directly and from a CUDA graph, 300 runs each:
// every output equals the serial one bit for bit; the streams used follow
// the cap (the engine's width is 7), and the workspace grows with the
// streams that run the convolutions and the GEMM.
TEST_F(GpuStreams, BitIdenticalToSerialRunAfterRun) {
  for (int aux : {1, 2, 3, 4})
    for (bool graph : {false, true}) {
      RunResult run;
      runMany(file_, aux, graph, 300, &serial_.output, run);
      EXPECT_EQ(run.streams, static_cast<unsigned>(aux + 1)) << aux;
      EXPECT_GE(run.workspace, serial_.workspace) << aux;
      std::printf("%d auxiliary streams, CUDA graph %s: %u streams, workspace %llu bytes "
                  "(serial %llu)\n",
                  aux, graph ? "on" : "off", run.streams,
                  static_cast<unsigned long long>(run.workspace),
                  static_cast<unsigned long long>(serial_.workspace));
    }
  // Serial again, many runs: the reference itself is deterministic.
  RunResult again;
  runMany(file_, 0, false, 50, &serial_.output, again);
}

// Without recorded dependencies (format 1.3) the engine runs on one stream
// whatever the cap, with the same outputs.
TEST_F(GpuStreams, EngineWithoutDepsRunsSerially) {
  std::vector<uint8_t> old = branchesEngine(code_, arch_, false);
  RunResult run;
  runMany(old, 4, true, 20, &serial_.output, run);
  EXPECT_EQ(run.streams, 1u);
}

// Profiled runs go step by step on the caller's stream (each step's time its
// own) and give the same outputs; the C API creates a context with
// auxiliary streams and reports them.
TEST_F(GpuStreams, ProfiledRunsAndCApi) {
  auto engine = Engine::loadFromMemory(file_.data(), file_.size());
  ASSERT_TRUE(engine.ok());
  ContextOptions options;
  options.maxAuxStreams = 3;
  auto context = engine->createContext(options);
  ASSERT_TRUE(context.ok()) << context.status().message();
  DeviceBuffer dx(kBytes), dy(kBytes);
  ASSERT_NO_FATAL_FAILURE(bindSeededInput(*context, dx, dy));
  Profiler profiler;
  ASSERT_TRUE(context->setProfiler(&profiler).ok());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(context->run().ok());
  EXPECT_EQ(dy.download(), serial_.output);
  EXPECT_NE(profiler.toText().find("combine"), std::string::npos);

  kiln_engine *cEngine = nullptr;
  ASSERT_EQ(kiln_engine_load_from_memory(file_.data(), file_.size(), -1, &cEngine), KILN_OK);
  kiln_context *cContext = nullptr;
  ASSERT_EQ(kiln_context_create_with_aux_streams(cEngine, 2, &cContext), KILN_OK)
      << kiln_last_error();
  unsigned streams = 0;
  ASSERT_EQ(kiln_context_num_streams(cContext, &streams), KILN_OK);
  EXPECT_EQ(streams, 3u);
  uint64_t size = 0, contextSize = 0;
  ASSERT_EQ(kiln_engine_device_memory_size_with_aux_streams(cEngine, 2, &size), KILN_OK);
  ASSERT_EQ(kiln_context_device_memory_size(cContext, &contextSize), KILN_OK);
  EXPECT_EQ(size, contextSize);
  ASSERT_EQ(kiln_context_set_binding(cContext, "x", dx.get()), KILN_OK);
  ASSERT_EQ(kiln_context_set_binding(cContext, "y", dy.get()), KILN_OK);
  cudaMemset(dy.get(), 0, kBytes);
  ASSERT_EQ(kiln_context_run(cContext), KILN_OK) << kiln_last_error();
  EXPECT_EQ(dy.download(), serial_.output);
  kiln_context *refused = nullptr;
  EXPECT_EQ(kiln_context_create_with_aux_streams(cEngine, -1, &refused),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(refused, nullptr);
  kiln_context_destroy(cContext);
  kiln_engine_destroy(cEngine);
}
