// The Kiln runtime's C++ API, in the spirit of TensorRT's ICudaEngine and
// IExecutionContext: an Engine is loaded once (weights uploaded, kernels
// loaded); each ExecutionContext has its own device memory (activation arena
// and workspace in one allocation, or memory the user hands it), library
// handles and stream use, and runs from its own thread.
//
//   auto engine = kiln::runtime::Engine::load("model.kiln");
//   if (!engine) { puts(engine.status().message().c_str()); return 2; }
//   auto context = engine->createContext();
//   context->setBinding("input", dInput);
//   context->setBinding("output", dOutput);
//   context->enqueue(stream);             // or context->run()
#ifndef KILN_RUNTIME_RUNTIME_H
#define KILN_RUNTIME_RUNTIME_H

#include "kiln/runtime/DataType.h"
#include "kiln/runtime/Profiler.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// As cuda_runtime_api.h declares it, so that this header needs no CUDA.
typedef struct CUstream_st *cudaStream_t;

namespace kiln::runtime {

class EngineFile;

namespace detail {
struct EngineImpl;
struct ContextImpl;
} // namespace detail

/// A network input or output.
struct BindingInfo {
  std::string name;
  DataType dtype = DataType::F32;
  std::vector<int64_t> shape;
  bool isInput = false;
  std::string layout; ///< informative: "NCHW", "NHWC" or ""
  uint64_t bytes = 0;
};

struct LoadOptions {
  /// CUDA device ordinal; -1 keeps the calling thread's current device.
  int device = -1;
};

class ExecutionContext;

/// The auxiliary streams a context gets unless told otherwise (0 runs every
/// step on the caller's stream): 3, as measured in docs/runtime.md.
constexpr int kDefaultMaxAuxStreams = 3;
/// Largest number of auxiliary streams a context accepts.
constexpr int kMaxAuxStreamsLimit = 32;

struct ContextOptions {
  /// As TensorRT's IBuilderConfig::setMaxAuxStreams: at most this many
  /// streams of the context's own besides the caller's run independent steps
  /// (those no recorded dependency orders, format 1.4) concurrently; 0 runs
  /// them one after another on the caller's stream. Each stream that runs a
  /// cuDNN or cuBLASLt step has its own workspace in the context's memory.
  int maxAuxStreams = kDefaultMaxAuxStreams; // KILN_DEFAULT_MAX_AUX_STREAMS in C
};

/// A loaded engine: verified metadata, weights on the GPU, kernels loaded.
/// Cheap to copy (shared); contexts keep it alive.
class Engine {
public:
  /// Reads, verifies (before touching the GPU), then uploads.
  static Expected<Engine> load(const std::string &path,
                               const LoadOptions &options = {});
  static Expected<Engine> loadFromMemory(const void *data, size_t size,
                                         const LoadOptions &options = {});
  /// From an already verified file (moved in).
  static Expected<Engine> fromFile(EngineFile file,
                                   const LoadOptions &options = {});

  const std::vector<BindingInfo> &bindings() const;
  /// Index into bindings(), or -1.
  int bindingIndex(const std::string &name) const;
  size_t numSteps() const;
  /// The name profiles report for step `index`.
  std::string stepName(size_t index) const;
  uint64_t arenaSize() const;
  uint64_t weightsSize() const;
  int device() const;
  /// What loading accepted with a remark (newer minor version, library
  /// version mismatch, PTX JIT...).
  const std::vector<std::string> &warnings() const;
  /// "cubin sm_90", "PTX JIT for sm_100" or "none".
  std::string codeDescription() const;

  /// The engine as JSON / text (see Inspect.h).
  std::string inspectJson() const;
  std::string inspectText() const;

  /// A new context: its device memory (activation arena and workspace, one
  /// allocation) is allocated here, its cuDNN plans and cuBLASLt algorithms
  /// chosen here.
  Expected<ExecutionContext> createContext(const ContextOptions &options = {}) const;
  /// A new context that allocates no device memory: hand it memory with
  /// ExecutionContext::setDeviceMemory() before enqueueing (as TensorRT's
  /// createExecutionContextWithoutDeviceMemory).
  Expected<ExecutionContext>
  createContextWithoutDeviceMemory(const ContextOptions &options = {}) const;
  /// Bytes of device memory a context of this engine (made with `options`)
  /// needs: the arena, then at the next 256-byte boundary the workspace (the
  /// largest of its steps; with auxiliary streams, one such slice per stream
  /// that runs a workspace step). The steps are built once on this GPU to
  /// measure the workspace.
  Expected<uint64_t> deviceMemorySize(const ContextOptions &options = {}) const;

  Engine(const Engine &) = default;
  Engine &operator=(const Engine &) = default;
  Engine(Engine &&) = default;
  Engine &operator=(Engine &&) = default;
  ~Engine();

private:
  explicit Engine(std::shared_ptr<detail::EngineImpl> impl);
  std::shared_ptr<detail::EngineImpl> impl_;
  friend class ExecutionContext;
  friend struct detail::ContextImpl;
};

/// One execution of an engine at a time, on the caller's stream. Use it from
/// one thread at a time; different contexts may run concurrently.
class ExecutionContext {
public:
  /// Binds an input or output to device memory (256-byte aligned, as
  /// cudaMalloc returns, and at least the binding's bytes).
  Status setBinding(const std::string &name, void *devicePointer);
  Status setBinding(int index, void *devicePointer);
  void *binding(int index) const;

  /// Enqueues every step on `stream` (independent steps on the context's
  /// auxiliary streams, which wait for `stream` first and which `stream`
  /// waits for at the end). Allocates no device memory; refuses a
  /// context without memory before setDeviceMemory(). With CUDA
  /// graphs on, the first enqueue runs the steps directly and then captures
  /// them into a graph (captured again after a binding changed); later ones
  /// replay it.
  Status enqueue(cudaStream_t stream);
  /// enqueue() on the context's own stream, then waits for it. The own
  /// stream first waits for the legacy default stream, so bindings filled
  /// with a plain cudaMemcpy or cudaMemset are complete (with enqueue(),
  /// copy on the stream given, or wait for the copy).
  Status run();

  /// Capture once (on the context's own stream), replay later on any stream,
  /// the default stream included.
  void enableCudaGraph(bool enable);
  bool cudaGraphEnabled() const;

  /// Per-step GPU times of the following runs go to `profiler` (not owned;
  /// nullptr stops). Profiled runs execute step by step on one stream; with
  /// CUDA graphs on, as a graph of their own with event nodes between steps.
  Status setProfiler(Profiler *profiler);
  /// Waits for the last profiled enqueue and reports its times (enqueue() and
  /// run() do this themselves for the previous one).
  Status reportProfile();

  /// The workspace part of deviceMemorySize(): per stream that runs a cuDNN
  /// or cuBLASLt step, the largest workspace of its steps (256-byte aligned).
  uint64_t workspaceSize() const;
  /// Streams enqueue() uses: 1 (the caller's) plus the auxiliary streams the
  /// steps were assigned to (at most ContextOptions::maxAuxStreams; fewer
  /// when the engine has fewer independent steps or records no
  /// dependencies). Profiled runs use the caller's stream only.
  unsigned numStreams() const;
  /// Bytes of device memory this context needs (arena, then workspace).
  uint64_t deviceMemorySize() const;
  /// For a context made by createContextWithoutDeviceMemory(): runs it in
  /// `size` bytes at `devicePointer`, which stay the caller's (freed by the
  /// caller after the context's last run). Refuses a null or misaligned
  /// (not 256-byte) pointer, fewer than deviceMemorySize() bytes, and a
  /// context that allocated its own. The arena is cleared here; the memory
  /// may be handed to several contexts that never run at the same time.
  Status setDeviceMemory(void *devicePointer, uint64_t size);
  /// The start of the context's memory (its own or the user's), or null.
  void *deviceMemory() const;
  bool ownsDeviceMemory() const;
  /// What building the steps accepted with a remark (a stored cuDNN engine or
  /// cuBLASLt algorithm that does not run here, TF32 where fp32 was asked).
  const std::vector<std::string> &warnings() const;
  /// The tactic a step runs with ("cudnn engine 12 ...", "cublasLt algo ...").
  std::string stepTactic(size_t index) const;
  /// The same in the schema's terms, for a build that records its tactics:
  /// ConvStep.engine_id and knobs (cuDNN backend knob numbers), or
  /// GemmStep.algo (the 8 words of a cublasLtMatmulAlgo_t).
  struct StepChoice {
    int64_t engineId = -1;
    std::vector<int64_t> knobs;
    std::vector<uint64_t> algo;
  };
  StepChoice stepChoice(size_t index) const;
  cudaStream_t ownStream() const;
  const Engine &engine() const;

  ExecutionContext(ExecutionContext &&) noexcept;
  ExecutionContext &operator=(ExecutionContext &&) noexcept;
  ~ExecutionContext();

private:
  explicit ExecutionContext(std::unique_ptr<detail::ContextImpl> impl);
  std::unique_ptr<detail::ContextImpl> impl_;
  friend class Engine;
};

/// The CUDA device count, or an error with code NoDevice that says why
/// (no driver, no GPU).
Expected<int> cudaDeviceCount();

/// Versions of what this process loaded: the driver, cuDNN, cuBLASLt.
struct RuntimeVersions {
  int cudaDriver = 0;
  int cudaRuntime = 0;
  int cudnn = 0;
  int cublasLt = 0;
};
RuntimeVersions runtimeVersions();

} // namespace kiln::runtime

#endif // KILN_RUNTIME_RUNTIME_H
