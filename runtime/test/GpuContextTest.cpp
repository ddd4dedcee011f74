// Execution contexts on the GPU: CUDA-graph replay equals direct execution,
// two contexts on two threads agree, 10,000 runs leave device memory flat, a
// context outlives its sibling, profiles name the fused layers, the C API
// runs an engine, and a context's device memory is one allocation, its own or
// the user's.
#include "GpuTestUtils.h"

#include "kiln/runtime/kiln_runtime.h"

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <thread>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

struct Buffers {
  explicit Buffers(unsigned seed) : input(1 * 8 * 4 * 4 * 4), output(16 * 4) {
    std::vector<double> x = randomValues(128, seed, DataType::F32);
    input.upload(encode(x, DataType::F32).data(), input.bytes());
  }
  Status bind(ExecutionContext &context) {
    if (Status s = context.setBinding("input", input.get()); !s.ok())
      return s;
    return context.setBinding("output", output.get());
  }
  DeviceBuffer input, output;
};

class GpuContext : public testing::Test {
protected:
  void SetUp() override {
    KILN_REQUIRE_GPU();
    file_ = sampleEngineForThisGpu();
    auto engine = Engine::loadFromMemory(file_.data(), file_.size());
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::make_unique<Engine>(std::move(*engine));
  }
  ExecutionContext newContext() {
    auto context = engine_->createContext();
    EXPECT_TRUE(context.ok()) << context.status().message();
    return std::move(*context);
  }
  std::vector<uint8_t> file_;
  std::unique_ptr<Engine> engine_;
};

} // namespace

TEST_F(GpuContext, CudaGraphReplayEqualsDirectRun) {
  ExecutionContext context = newContext();
  Buffers buffers(1);
  ASSERT_TRUE(buffers.bind(context).ok());
  ASSERT_TRUE(context.run().ok());
  std::vector<uint8_t> direct = buffers.output.download();

  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  context.enableCudaGraph(true);
  for (int i = 0; i < 3; ++i) { // capture, then replays
    cudaMemset(buffers.output.get(), 0, buffers.output.bytes());
    Status status = context.enqueue(stream);
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    EXPECT_EQ(buffers.output.download(), direct) << "run " << i;
  }
  // A binding that changes is captured again.
  DeviceBuffer other(buffers.output.bytes());
  ASSERT_TRUE(context.setBinding("output", other.get()).ok());
  ASSERT_TRUE(context.enqueue(stream).ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  EXPECT_EQ(other.download(), direct);
  // The graph is captured on the context's own stream, so it replays on the
  // legacy default stream too.
  DeviceBuffer third(buffers.output.bytes());
  ASSERT_TRUE(context.setBinding("output", third.get()).ok());
  ASSERT_TRUE(context.enqueue(nullptr).ok());
  ASSERT_EQ(cudaStreamSynchronize(nullptr), cudaSuccess);
  EXPECT_EQ(third.download(), direct);
  cudaStreamDestroy(stream);
}

TEST_F(GpuContext, TwoContextsOnTwoThreadsAgree) {
  std::vector<uint8_t> results[2];
  Status statuses[2];
  auto work = [&](int index) {
    auto context = engine_->createContext();
    if (!context) {
      statuses[index] = context.status();
      return;
    }
    Buffers buffers(5); // the same input in both
    cudaStream_t stream;
    cudaStreamCreate(&stream);
    context->enableCudaGraph(index == 1);
    statuses[index] = buffers.bind(*context);
    for (int i = 0; i < 200 && statuses[index].ok(); ++i)
      statuses[index] = context->enqueue(stream);
    cudaStreamSynchronize(stream);
    results[index] = buffers.output.download();
    cudaStreamDestroy(stream);
  };
  std::thread first(work, 0), second(work, 1);
  first.join();
  second.join();
  ASSERT_TRUE(statuses[0].ok()) << statuses[0].message();
  ASSERT_TRUE(statuses[1].ok()) << statuses[1].message();
  EXPECT_EQ(results[0], results[1]);
}

TEST_F(GpuContext, TenThousandRunsLeaveDeviceMemoryFlat) {
  ExecutionContext context = newContext();
  Buffers buffers(2);
  ASSERT_TRUE(buffers.bind(context).ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_TRUE(context.enqueue(stream).ok()); // first use of everything
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  size_t freeBefore = 0, freeAfter = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&freeBefore, &total), cudaSuccess);
  for (int i = 0; i < 10000; ++i) {
    Status status = context.enqueue(stream);
    ASSERT_TRUE(status.ok()) << "run " << i << ": " << status.message();
    if (i % 1000 == 999)
      ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  }
  ASSERT_TRUE(context.run().ok());
  ASSERT_EQ(cudaMemGetInfo(&freeAfter, &total), cudaSuccess);
  EXPECT_EQ(freeBefore, freeAfter);
  cudaStreamDestroy(stream);
}

TEST_F(GpuContext, ContextUsableAfterAnotherIsDestroyed) {
  Buffers reference(3);
  {
    ExecutionContext context = newContext();
    ASSERT_TRUE(reference.bind(context).ok());
    ASSERT_TRUE(context.run().ok());
  }
  std::vector<uint8_t> expected = reference.output.download();
  auto first = std::make_unique<ExecutionContext>(newContext());
  ExecutionContext second = newContext();
  Buffers buffers(3);
  ASSERT_TRUE(buffers.bind(*first).ok());
  ASSERT_TRUE(first->run().ok());
  first.reset();
  engine_.reset(); // the context keeps the engine's GPU state alive
  ASSERT_TRUE(buffers.bind(second).ok());
  cudaMemset(buffers.output.get(), 0, buffers.output.bytes());
  Status status = second.run();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(buffers.output.download(), expected);
}

TEST_F(GpuContext, ProfileNamesTheFusedLayers) {
  ExecutionContext context = newContext();
  Buffers buffers(4);
  ASSERT_TRUE(buffers.bind(context).ok());
  Profiler profiler;
  ASSERT_TRUE(context.setProfiler(&profiler).ok());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(context.run().ok());
  auto stats = profiler.summary();
  ASSERT_EQ(stats.size(), 4u);
  EXPECT_EQ(stats[0].name, "conv1 + bn1 + relu1");
  EXPECT_EQ(stats[1].name, "pool");
  EXPECT_EQ(stats[2].name, "fc");
  EXPECT_EQ(stats[3].name, "output copy");
  for (const auto &entry : stats) {
    EXPECT_EQ(entry.count, 5u);
    EXPECT_GT(entry.totalMs, 0.0);
  }
  EXPECT_EQ(profiler.runs(), 5u);
  std::printf("%s", profiler.toText().c_str());
  for (size_t i = 0; i < engine_->numSteps(); ++i)
    std::printf("tactic %zu: %s\n", i, context.stepTactic(i).c_str());
}

// Tests that with CUDA graphs on, profiled runs are a graph of their own
// (event nodes between the steps): every step reports a time each run, the
// outputs are those of a plain run, new bindings reach the profiled graph,
// and the plain graph runs again once the profiler is gone.
TEST_F(GpuContext, ProfilesInACudaGraph) {
  ExecutionContext context = newContext();
  Buffers buffers(5);
  ASSERT_TRUE(buffers.bind(context).ok());
  ASSERT_TRUE(context.run().ok());
  std::vector<uint8_t> expected = buffers.output.download();

  context.enableCudaGraph(true);
  Profiler profiler;
  ASSERT_TRUE(context.setProfiler(&profiler).ok());
  cudaMemset(buffers.output.get(), 0, buffers.output.bytes());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(context.run().ok());
  EXPECT_EQ(buffers.output.download(), expected);
  // Another output buffer: the profiled graph is captured again.
  DeviceBuffer other(buffers.output.bytes());
  cudaMemset(other.get(), 0, other.bytes());
  ASSERT_TRUE(context.setBinding("output", other.get()).ok());
  ASSERT_TRUE(context.run().ok());
  ASSERT_TRUE(context.setProfiler(nullptr).ok());
  EXPECT_EQ(other.download(), expected);

  auto stats = profiler.summary();
  ASSERT_EQ(stats.size(), engine_->numSteps());
  for (const auto &entry : stats) {
    EXPECT_EQ(entry.count, 6u) << entry.name;
    EXPECT_GT(entry.totalMs, 0.0) << entry.name;
  }
  EXPECT_EQ(profiler.runs(), 6u);

  cudaMemset(other.get(), 0, other.bytes());
  ASSERT_TRUE(context.run().ok());
  EXPECT_EQ(other.download(), expected);
}

TEST_F(GpuContext, UnsetBindingIsAnError) {
  ExecutionContext context = newContext();
  Status status = context.run();
  EXPECT_EQ(status.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(status.message().find("binding 'input' is not set"), std::string::npos);
  EXPECT_EQ(context.setBinding("nope", nullptr).code(), ErrorCode::InvalidArgument);
}

TEST_F(GpuContext, CApiRunsTheEngine) {
  kiln_engine *engine = nullptr;
  ASSERT_EQ(kiln_engine_load_from_memory(file_.data(), file_.size(), -1, &engine), KILN_OK)
      << kiln_last_error();
  ASSERT_EQ(kiln_engine_num_bindings(engine), 2);
  kiln_binding_info info;
  ASSERT_EQ(kiln_engine_binding(engine, 0, &info), KILN_OK);
  EXPECT_STREQ(info.name, "input");
  EXPECT_EQ(info.rank, 4);
  kiln_context *context = nullptr;
  ASSERT_EQ(kiln_context_create(engine, &context), KILN_OK) << kiln_last_error();
  Buffers buffers(6);
  ASSERT_EQ(kiln_context_set_binding(context, "input", buffers.input.get()), KILN_OK);
  ASSERT_EQ(kiln_context_set_binding(context, "output", buffers.output.get()), KILN_OK);
  ASSERT_EQ(kiln_context_run(context), KILN_OK) << kiln_last_error();
  EXPECT_EQ(kiln_context_set_binding(context, "missing", buffers.input.get()),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_last_error()).find("no binding named 'missing'"), std::string::npos);
  kiln_context_destroy(context);
  kiln_engine_destroy(engine);
}

namespace {

// The allocation that holds `pointer`, as the driver sees it.
struct AllocationRange {
  uintptr_t base = 0;
  size_t size = 0;
};

AllocationRange allocationOf(const void *pointer) {
  using GetAddressRange = CUresult (*)(CUdeviceptr *, size_t *, CUdeviceptr);
  void *function = nullptr;
  cudaDriverEntryPointQueryResult found;
  AllocationRange range;
  if (cudaGetDriverEntryPointByVersion("cuMemGetAddressRange", &function, 12000,
                                       cudaEnableDefault, &found) != cudaSuccess ||
      found != cudaDriverEntryPointSuccess)
    return range;
  CUdeviceptr base = 0;
  if (reinterpret_cast<GetAddressRange>(function)(&base, &range.size,
                                                  reinterpret_cast<CUdeviceptr>(pointer)) ==
      CUDA_SUCCESS)
    range.base = static_cast<uintptr_t>(base);
  return range;
}

} // namespace

TEST_F(GpuContext, ContextMemoryIsOneAllocation) {
  auto bare = engine_->createContextWithoutDeviceMemory();
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  ExecutionContext context = newContext();

  uint64_t size = context.deviceMemorySize();
  ASSERT_GT(engine_->arenaSize(), 0u);
  auto engineSize = engine_->deviceMemorySize();
  ASSERT_TRUE(engineSize.ok()) << engineSize.status().message();
  EXPECT_EQ(*engineSize, size);
  EXPECT_EQ(bare->deviceMemorySize(), size);
  EXPECT_GE(size, engine_->arenaSize() + context.workspaceSize());
  std::printf("arena %llu, workspace %llu, one block of %llu bytes\n",
              static_cast<unsigned long long>(engine_->arenaSize()),
              static_cast<unsigned long long>(context.workspaceSize()),
              static_cast<unsigned long long>(size));

  // The arena and the workspace lie in the one allocation that starts at
  // deviceMemory(): the driver's own record of it.
  ASSERT_TRUE(context.ownsDeviceMemory());
  ASSERT_NE(context.deviceMemory(), nullptr);
  AllocationRange range = allocationOf(context.deviceMemory());
  EXPECT_EQ(range.base, reinterpret_cast<uintptr_t>(context.deviceMemory()));
  EXPECT_GE(range.size, size);
}

TEST_F(GpuContext, UserMemoryGivesTheSameResultsAsOwnedMemory) {
  ExecutionContext owned = newContext();
  Buffers reference(7);
  ASSERT_TRUE(reference.bind(owned).ok());
  ASSERT_TRUE(owned.run().ok());
  std::vector<uint8_t> expected = reference.output.download();

  auto created = engine_->createContextWithoutDeviceMemory();
  ASSERT_TRUE(created.ok()) << created.status().message();
  ExecutionContext context = std::move(*created);
  EXPECT_FALSE(context.ownsDeviceMemory());
  EXPECT_EQ(context.deviceMemory(), nullptr);
  Buffers buffers(7);
  ASSERT_TRUE(buffers.bind(context).ok());

  // Refused before memory is set, with the size it needs.
  Status early = context.run();
  EXPECT_EQ(early.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(early.message().find("no device memory"), std::string::npos) << early.message();

  uint64_t size = context.deviceMemorySize();
  DeviceBuffer memory(size + 256);
  // Garbage in the user's memory must not matter: the arena is cleared.
  cudaMemset(memory.get(), 0xA5, memory.bytes());
  // Landed before setDeviceMemory clears the arena on the context's
  // non-blocking stream, which does not wait for the legacy default stream.
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(context.setDeviceMemory(static_cast<char *>(memory.get()) + 1, size).code(),
            ErrorCode::InvalidArgument);
  EXPECT_EQ(context.setDeviceMemory(memory.get(), size - 1).code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(context.setDeviceMemory(nullptr, size).code(), ErrorCode::InvalidArgument);
  Status set = context.setDeviceMemory(memory.get(), size);
  ASSERT_TRUE(set.ok()) << set.message();
  EXPECT_EQ(context.deviceMemory(), memory.get());
  Status status = context.run();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(buffers.output.download(), expected);

  // From a CUDA graph, and after moving to other memory (the graph is
  // captured again on the new addresses).
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  context.enableCudaGraph(true);
  DeviceBuffer other(size + 256);
  for (void *where : {memory.get(), other.get()}) {
    ASSERT_TRUE(context.setDeviceMemory(where, size).ok());
    cudaMemset(buffers.output.get(), 0, buffers.output.bytes());
    ASSERT_TRUE(context.enqueue(stream).ok());
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    EXPECT_EQ(buffers.output.download(), expected);
  }
  cudaStreamDestroy(stream);

  // A context that owns its memory takes no other.
  Status refused = owned.setDeviceMemory(memory.get(), size);
  EXPECT_EQ(refused.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(refused.message().find("allocated its own"), std::string::npos) << refused.message();
}

TEST_F(GpuContext, CApiRunsInUserMemory) {
  kiln_engine *engine = nullptr;
  ASSERT_EQ(kiln_engine_load_from_memory(file_.data(), file_.size(), -1, &engine), KILN_OK)
      << kiln_last_error();
  uint64_t engineSize = 0, contextSize = 0;
  ASSERT_EQ(kiln_engine_device_memory_size(engine, &engineSize), KILN_OK) << kiln_last_error();
  kiln_context *context = nullptr;
  ASSERT_EQ(kiln_context_create_without_device_memory(engine, &context), KILN_OK)
      << kiln_last_error();
  ASSERT_EQ(kiln_context_device_memory_size(context, &contextSize), KILN_OK);
  EXPECT_EQ(engineSize, contextSize);
  Buffers buffers(8);
  ASSERT_EQ(kiln_context_set_binding(context, "input", buffers.input.get()), KILN_OK);
  ASSERT_EQ(kiln_context_set_binding(context, "output", buffers.output.get()), KILN_OK);
  EXPECT_EQ(kiln_context_run(context), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_last_error()).find("no device memory"), std::string::npos);
  DeviceBuffer memory(contextSize);
  EXPECT_EQ(kiln_context_set_device_memory(context, static_cast<char *>(memory.get()) + 64,
                                           contextSize),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_last_error()).find("256-byte aligned"), std::string::npos);
  ASSERT_EQ(kiln_context_set_device_memory(context, memory.get(), contextSize), KILN_OK)
      << kiln_last_error();
  ASSERT_EQ(kiln_context_run(context), KILN_OK) << kiln_last_error();

  ExecutionContext owned = newContext();
  Buffers reference(8);
  ASSERT_TRUE(reference.bind(owned).ok());
  ASSERT_TRUE(owned.run().ok());
  EXPECT_EQ(buffers.output.download(), reference.output.download());
  kiln_context_destroy(context);
  kiln_engine_destroy(engine);
}
