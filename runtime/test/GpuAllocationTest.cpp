// The runtime's memory claims, counted at the CUDA API with CUPTI: loading
// an engine makes one device allocation (its weights), creating a context one
// (arena and workspace) and its cuDNN/cuBLASLt handles, and enqueue, CUDA-graph
// replay and profiled runs make no allocation, free or handle at all. Every
// allocation and free of the process is seen, whoever makes it (Kiln, cuDNN,
// cuBLASLt; runtime or driver API; device or pinned host memory).
#include "CuptiRecorder.h"
#include "GpuTestUtils.h"

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <cstdio>
#include <memory>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

using Kind = MemoryEvent::Kind;

class GpuAllocations : public testing::Test {
protected:
  void SetUp() override {
    KILN_REQUIRE_GPU();
    file_ = sampleEngineForThisGpu();
    std::string error = startRecording();
    ASSERT_TRUE(error.empty()) << "CUPTI: " << error
                               << " (the allocation tests run without profilers or sanitizers)";
  }
  void TearDown() override { stopRecording(); }

  std::unique_ptr<Engine> load() {
    auto engine = Engine::loadFromMemory(file_.data(), file_.size());
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    return engine ? std::make_unique<Engine>(std::move(*engine)) : nullptr;
  }

  // Prints what a phase made, so that a passing run still shows the evidence.
  static Recording take(const char *phase) {
    Recording recording = takeRecording();
    std::printf("[%s] %s\n", phase, recording.describe().c_str());
    return recording;
  }

  std::vector<uint8_t> file_;
};

std::vector<uint8_t> randomInput() {
  return encode(randomValues(1 * 8 * 4 * 4, 11, DataType::F32), DataType::F32);
}

} // namespace

// The recorder itself: each kind of call is seen once, with its size and
// address, through the runtime and through the driver; a runtime call is not
// counted again for the driver call that implements it.
TEST_F(GpuAllocations, RecorderSeesRuntimeAndDriverCalls) {
  takeRecording();
  void *device = nullptr, *host = nullptr, *async = nullptr;
  ASSERT_EQ(cudaMalloc(&device, 1 << 20), cudaSuccess);
  ASSERT_EQ(cudaFree(device), cudaSuccess);
  ASSERT_EQ(cudaMallocHost(&host, 4096), cudaSuccess);
  ASSERT_EQ(cudaFreeHost(host), cudaSuccess);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_EQ(cudaMallocAsync(&async, 8192, stream), cudaSuccess);
  ASSERT_EQ(cudaFreeAsync(async, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  ASSERT_EQ(cudaStreamDestroy(stream), cudaSuccess);
  ASSERT_EQ(cudaFree(nullptr), cudaSuccess); // frees nothing: not counted

  // The driver API, as Kiln reaches it (no libcuda link).
  void *alloc = nullptr, *release = nullptr;
  cudaDriverEntryPointQueryResult found;
  ASSERT_EQ(cudaGetDriverEntryPointByVersion("cuMemAlloc", &alloc, 12000, cudaEnableDefault, &found),
            cudaSuccess);
  ASSERT_EQ(cudaGetDriverEntryPointByVersion("cuMemFree", &release, 12000, cudaEnableDefault, &found),
            cudaSuccess);
  CUdeviceptr driverPointer = 0;
  ASSERT_EQ(reinterpret_cast<CUresult (*)(CUdeviceptr *, size_t)>(alloc)(&driverPointer, 65536),
            CUDA_SUCCESS);
  ASSERT_EQ(reinterpret_cast<CUresult (*)(CUdeviceptr)>(release)(driverPointer), CUDA_SUCCESS);

  Recording r = take("recorder");
  auto deviceAllocations = r.of(Kind::DeviceAllocation);
  auto hostAllocations = r.of(Kind::PinnedHostAllocation);
  auto frees = r.of(Kind::Free);
  ASSERT_EQ(deviceAllocations.size(), 3u) << r.describe();
  ASSERT_EQ(hostAllocations.size(), 1u) << r.describe();
  ASSERT_EQ(frees.size(), 4u) << r.describe();

  EXPECT_EQ(deviceAllocations[0].function.rfind("cudaMalloc", 0), 0u);
  EXPECT_EQ(deviceAllocations[0].bytes, 1u << 20);
  EXPECT_EQ(deviceAllocations[0].address, reinterpret_cast<uintptr_t>(device));
  EXPECT_EQ(deviceAllocations[0].library, "this executable");
  EXPECT_EQ(frees[0].address, reinterpret_cast<uintptr_t>(device));
  EXPECT_EQ(hostAllocations[0].bytes, 4096u);
  EXPECT_EQ(hostAllocations[0].address, reinterpret_cast<uintptr_t>(host));
  EXPECT_EQ(frees[1].address, reinterpret_cast<uintptr_t>(host));
  EXPECT_EQ(deviceAllocations[1].function.rfind("cudaMallocAsync", 0), 0u);
  EXPECT_EQ(deviceAllocations[1].bytes, 8192u);
  EXPECT_EQ(frees[2].address, reinterpret_cast<uintptr_t>(async));
  EXPECT_EQ(deviceAllocations[2].function.rfind("cuMemAlloc", 0), 0u);
  EXPECT_EQ(deviceAllocations[2].bytes, 65536u);
  EXPECT_EQ(deviceAllocations[2].address, static_cast<uintptr_t>(driverPointer));
  EXPECT_EQ(frees[3].address, static_cast<uintptr_t>(driverPointer));
  EXPECT_EQ(r.callsTo("cudaStreamCreate"), 1u);
}

// One allocation at load: the engine's weights are one aligned blob in the
// file, uploaded once into one allocation that all contexts share. Kernel
// modules take driver memory through cuModuleLoadData, not an allocation call.
// Destroying the engine frees exactly that allocation.
TEST_F(GpuAllocations, LoadingAnEngineAllocatesItsWeightsOnce) {
  takeRecording();
  std::unique_ptr<Engine> engine = load();
  ASSERT_TRUE(engine);
  Recording loaded = take("engine load");
  ASSERT_GT(engine->weightsSize(), 0u);
  auto device = loaded.of(Kind::DeviceAllocation);
  ASSERT_EQ(device.size(), 1u) << loaded.describe();
  EXPECT_EQ(device[0].bytes, engine->weightsSize()) << loaded.describe();
  EXPECT_TRUE(loaded.of(Kind::PinnedHostAllocation).empty()) << loaded.describe();
  EXPECT_TRUE(loaded.of(Kind::Free).empty()) << loaded.describe();
  EXPECT_EQ(loaded.cudnnCreates + loaded.cublasLtCreates, 0) << loaded.describe();

  engine.reset();
  Recording destroyed = take("engine destroyed");
  auto frees = destroyed.of(Kind::Free);
  ASSERT_EQ(frees.size(), 1u) << destroyed.describe();
  EXPECT_EQ(frees[0].address, device[0].address) << destroyed.describe();
  EXPECT_TRUE(destroyed.of(Kind::DeviceAllocation).empty()) << destroyed.describe();
}

/// What cuDNN's handle may allocate for itself in cudnnCreate (measured:
/// 25,352 bytes in all with cuDNN 9.19), with room for other versions.
constexpr uint64_t kCudnnHandleBytes = 64 << 10;

/// `events` split into those made outside cuDNN's handle calls (Kiln's own,
/// or another library's) and those made inside cudnnCreate/cudnnDestroy.
std::pair<std::vector<MemoryEvent>, std::vector<MemoryEvent>>
splitCudnnHandle(const std::vector<MemoryEvent> &events) {
  std::pair<std::vector<MemoryEvent>, std::vector<MemoryEvent>> parts;
  for (const MemoryEvent &event : events)
    (event.inside.rfind("cudnn", 0) == 0 ? parts.second : parts.first).push_back(event);
  return parts;
}

uint64_t bytesOf(const std::vector<MemoryEvent> &events) {
  uint64_t bytes = 0;
  for (const MemoryEvent &event : events)
    bytes += event.bytes;
  return bytes;
}

// Each context makes one device allocation of Kiln's, the arena and the
// workspace at deviceMemory(), of deviceMemorySize() bytes. The only other
// allocations are cuDNN's own, inside cudnnCreate: its handle keeps two tiny
// device buffers and a pinned word (25,348 bytes and 4 on the H100 with
// cuDNN 9.19); they are bounded here and freed by cudnnDestroy. cuBLASLt's
// handle and every plan allocate nothing. Its handles are made here, one of
// each library its steps use. Without device memory Kiln allocates nothing,
// and memory handed over is not copied. Destroying the context frees its
// allocation and its handles'.
TEST_F(GpuAllocations, CreatingAContextMakesOneAllocation) {
  std::unique_ptr<Engine> engine = load();
  ASSERT_TRUE(engine);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("context " + std::to_string(round));
    takeRecording();
    auto created = engine->createContext();
    ASSERT_TRUE(created.ok()) << created.status().message();
    auto context = std::make_unique<ExecutionContext>(std::move(*created));
    Recording r = take(round == 0 ? "first context" : "second context");
    auto [device, byCudnn] = splitCudnnHandle(r.of(Kind::DeviceAllocation));
    auto [pinned, pinnedByCudnn] = splitCudnnHandle(r.of(Kind::PinnedHostAllocation));
    ASSERT_EQ(device.size(), 1u) << r.describe();
    EXPECT_EQ(device[0].address, reinterpret_cast<uintptr_t>(context->deviceMemory()));
    EXPECT_EQ(device[0].bytes, context->deviceMemorySize());
    EXPECT_TRUE(pinned.empty()) << r.describe();
    EXPECT_LE(bytesOf(byCudnn) + bytesOf(pinnedByCudnn), kCudnnHandleBytes) << r.describe();
    EXPECT_TRUE(r.of(Kind::Free).empty()) << r.describe();
    EXPECT_EQ(r.cudnnCreates, 1) << r.describe(); // the conv step
    EXPECT_EQ(r.cublasLtCreates, 1) << r.describe(); // the GEMM step

    context.reset();
    Recording gone = take("context destroyed");
    auto [frees, freedByCudnn] = splitCudnnHandle(gone.of(Kind::Free));
    ASSERT_EQ(frees.size(), 1u) << gone.describe();
    EXPECT_EQ(frees[0].address, device[0].address);
    EXPECT_EQ(freedByCudnn.size(), byCudnn.size() + pinnedByCudnn.size()) << gone.describe();
    EXPECT_TRUE(gone.of(Kind::DeviceAllocation).empty()) << gone.describe();
    EXPECT_EQ(gone.cudnnDestroys, 1) << gone.describe();
    EXPECT_EQ(gone.cublasLtDestroys, 1) << gone.describe();
  }

  // Without device memory: handles and plans, no allocation.
  uint64_t size = 0;
  {
    auto sized = engine->deviceMemorySize(); // builds a probe context once
    ASSERT_TRUE(sized.ok()) << sized.status().message();
    size = *sized;
  }
  DeviceBuffer memory(size);
  takeRecording();
  auto bare = engine->createContextWithoutDeviceMemory();
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  ASSERT_TRUE(bare->setDeviceMemory(memory.get(), size).ok());
  Recording r = take("context without memory");
  auto [own, byCudnn] = splitCudnnHandle(r.events);
  EXPECT_TRUE(own.empty()) << r.describe();
  EXPECT_LE(bytesOf(byCudnn), kCudnnHandleBytes) << r.describe();
  EXPECT_EQ(r.cudnnCreates, 1) << r.describe();
  EXPECT_EQ(r.cublasLtCreates, 1) << r.describe();
}

// 1000 direct enqueues, 1010 through a CUDA graph (the first captures it; a
// changed binding captures again), and profiled runs: no allocation or free
// of any kind, no handle made or destroyed, and after the first run no code
// module loaded. The calls that do the work are counted too, so that the
// zeros are not those of a silent recorder.
TEST_F(GpuAllocations, EnqueueAndGraphReplayAllocateNothing) {
  std::unique_ptr<Engine> engine = load();
  ASSERT_TRUE(engine);
  auto created = engine->createContext();
  ASSERT_TRUE(created.ok()) << created.status().message();
  ExecutionContext &context = *created;
  DeviceBuffer input(128 * 4), output(16 * 4), otherOutput(16 * 4);
  input.upload(randomInput().data(), input.bytes());
  ASSERT_TRUE(context.setBinding("input", input.get()).ok());
  ASSERT_TRUE(context.setBinding("output", output.get()).ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  Profiler profiler;

  takeRecording();
  ASSERT_TRUE(context.enqueue(stream).ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording first = take("first direct enqueue");
  for (int i = 1; i < 1000; ++i) {
    Status status = context.enqueue(stream);
    ASSERT_TRUE(status.ok()) << "direct run " << i << ": " << status.message();
  }
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording direct = take("999 more direct enqueues");
  std::vector<uint8_t> expected = output.download();

  context.enableCudaGraph(true);
  for (int i = 0; i < 1000; ++i) {
    Status status = context.enqueue(stream);
    ASSERT_TRUE(status.ok()) << "graph run " << i << ": " << status.message();
  }
  ASSERT_TRUE(context.setBinding("output", otherOutput.get()).ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(context.enqueue(stream).ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording graph = take("1010 graph enqueues");

  ASSERT_TRUE(context.setProfiler(&profiler).ok()); // creates its events
  takeRecording();
  // With graphs on, profiled runs are a graph of their own (captured once).
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(context.run().ok());
  Recording profiledGraph = take("100 profiled graph runs");
  context.enableCudaGraph(false);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(context.run().ok());
  Recording profiled = take("100 profiled runs");

  for (const Recording *r : {&first, &direct, &graph, &profiledGraph, &profiled}) {
    EXPECT_TRUE(r->events.empty()) << r->describe();
    EXPECT_EQ(r->cudnnCreates + r->cudnnDestroys + r->cublasLtCreates + r->cublasLtDestroys, 0)
        << r->describe();
  }
  // With lazy loading the first run may load the libraries' kernels (driver
  // memory without an allocation call); after it, nothing more is loaded.
  for (const Recording *r : {&direct, &graph, &profiledGraph, &profiled})
    EXPECT_EQ(r->modulesLoaded, 0) << r->describe();
  // The work was seen: the pooling kernel is Kiln's cuLaunchKernel, once per run.
  EXPECT_GE(first.callsTo("cuLaunchKernel"), 1u);
  EXPECT_GE(direct.callsTo("cuLaunchKernel"), 999u);
  EXPECT_EQ(graph.callsTo("cudaGraphLaunch"), 1010u);
  EXPECT_EQ(profiledGraph.callsTo("cudaGraphLaunch"), 100u);
  EXPECT_GE(profiled.callsTo("cuLaunchKernel"), 100u);
  EXPECT_EQ(output.download(), expected);
  EXPECT_EQ(otherOutput.download(), expected);
  cudaStreamDestroy(stream);
}

// A cuDNN fused attention step (format 1.3) allocates nothing at enqueue
// either, directly or captured into a CUDA graph: its workspace is the
// context's, its variant pack made at creation.
TEST_F(GpuAllocations, AttentionEnqueueAllocatesNothing) {
  const int64_t B = 2, H = 3, S = 128, D = 64;
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t q = builder.addBinding("qkv", fb::DType::F16, {B, S, 3, H, D}, true);
  uint32_t o = builder.addBinding("o", fb::DType::F16, {B, S, H, D}, false);
  // q, k and v: [B, H, S, D] windows of one [B, S, 3, H, D] projection.
  std::vector<int64_t> strides = {S * 3 * H * D, D, 3 * H * D, 1};
  AttentionSpec a;
  a.q = {fb::DType::F16, {B, H, S, D}, strides, EngineBuilder::binding(q)};
  a.k = {fb::DType::F16, {B, H, S, D}, strides, EngineBuilder::binding(q, H * D * 2)};
  a.v = {fb::DType::F16, {B, H, S, D}, strides, EngineBuilder::binding(q, 2 * H * D * 2)};
  a.o = {fb::DType::F16, {B, H, S, D}, {S * H * D, D, H * D, 1}, EngineBuilder::binding(o)};
  a.scale = 0.125f;
  builder.addAttention("attention0", a, "fp16");
  file_ = builder.file();
  std::unique_ptr<Engine> engine = load();
  ASSERT_TRUE(engine);
  auto created = engine->createContext();
  ASSERT_TRUE(created.ok()) << created.status().message();
  ExecutionContext &context = *created;
  DeviceBuffer input(B * S * 3 * H * D * 2), output(B * S * H * D * 2);
  input.upload(encode(randomValues(B * S * 3 * H * D, 12, DataType::F16), DataType::F16).data(),
               input.bytes());
  ASSERT_TRUE(context.setBinding("qkv", input.get()).ok());
  ASSERT_TRUE(context.setBinding("o", output.get()).ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);

  takeRecording();
  ASSERT_TRUE(context.enqueue(stream).ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording first = take("first attention enqueue");
  for (int i = 1; i < 100; ++i)
    ASSERT_TRUE(context.enqueue(stream).ok()) << "direct run " << i;
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording direct = take("99 more attention enqueues");
  std::vector<uint8_t> expected = output.download();
  context.enableCudaGraph(true);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(context.enqueue(stream).ok()) << "graph run " << i;
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording graph = take("100 attention graph enqueues");

  for (const Recording *r : {&first, &direct, &graph}) {
    EXPECT_TRUE(r->events.empty()) << r->describe();
    EXPECT_EQ(r->cudnnCreates + r->cudnnDestroys, 0) << r->describe();
  }
  EXPECT_EQ(graph.callsTo("cudaGraphLaunch"), 100u);
  EXPECT_EQ(output.download(), expected);
  cudaStreamDestroy(stream);
}

// A context with auxiliary streams (format 1.4 deps): creating it still makes
// one device allocation (its streams and events are no allocation), and its
// enqueues, direct and through a CUDA graph whose capture forks onto the
// auxiliary streams and joins them back, make none.
TEST_F(GpuAllocations, AuxStreamsAllocateNothingAtEnqueue) {
  constexpr uint64_t kBytes = 4096;
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t x = builder.addBinding("x", fb::DType::F32, {1024}, true);
  uint32_t y1 = builder.addBinding("y1", fb::DType::F32, {1024}, false);
  uint32_t y2 = builder.addBinding("y2", fb::DType::F32, {1024}, false);
  uint64_t t = builder.allocateArena(kBytes);
  builder.arenaSize = kBytes;
  builder.nextDeps = std::vector<uint32_t>{};
  builder.addCopy("to arena", EngineBuilder::binding(x), EngineBuilder::arena(t), kBytes);
  builder.nextDeps = std::vector<uint32_t>{0};
  builder.addCopy("to y1", EngineBuilder::arena(t), EngineBuilder::binding(y1), kBytes);
  builder.nextDeps = std::vector<uint32_t>{};
  builder.addCopy("to y2", EngineBuilder::binding(x), EngineBuilder::binding(y2), kBytes);
  file_ = builder.file();
  std::unique_ptr<Engine> engine = load();
  ASSERT_TRUE(engine);
  takeRecording();
  ContextOptions options;
  options.maxAuxStreams = 2;
  auto created = engine->createContext(options);
  ASSERT_TRUE(created.ok()) << created.status().message();
  Recording creation = take("context with auxiliary streams");
  ExecutionContext &context = *created;
  EXPECT_EQ(context.numStreams(), 2u);
  EXPECT_EQ(creation.events.size(), 1u) << creation.describe();
  DeviceBuffer input(kBytes), out1(kBytes), out2(kBytes);
  input.upload(encode(randomValues(1024, 13, DataType::F32), DataType::F32).data(), kBytes);
  for (auto [name, buffer] : {std::pair<const char *, void *>{"x", input.get()},
                              {"y1", out1.get()}, {"y2", out2.get()}})
    ASSERT_TRUE(context.setBinding(name, buffer).ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  takeRecording();
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(context.enqueue(stream).ok()) << "direct run " << i;
  context.enableCudaGraph(true);
  for (int i = 0; i < 100; ++i) {
    Status status = context.enqueue(stream);
    ASSERT_TRUE(status.ok()) << "graph run " << i << ": " << status.message();
  }
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  Recording runs = take("100 direct and 100 graph enqueues on 2 streams");
  EXPECT_TRUE(runs.events.empty()) << runs.describe();
  EXPECT_EQ(runs.callsTo("cudaGraphLaunch"), 100u);
  EXPECT_EQ(out1.download(), input.download());
  EXPECT_EQ(out2.download(), input.download());
  cudaStreamDestroy(stream);
}
