// The shared state behind Engine and ExecutionContext.
#ifndef KILN_RUNTIME_SRC_ENGINEIMPL_H
#define KILN_RUNTIME_SRC_ENGINEIMPL_H

#include "Cuda.h"
#include "Steps.h"
#include "kiln/runtime/DeviceMemory.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/StreamSchedule.h"

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kiln::runtime::detail {

/// What every context of an engine shares: the verified file, the weights on
/// the GPU (uploaded once) and the kernels' module.
struct EngineImpl {
  explicit EngineImpl(EngineFile file) : file(std::move(file)) {}
  ~EngineImpl();
  EngineImpl(const EngineImpl &) = delete;
  EngineImpl &operator=(const EngineImpl &) = delete;

  const kiln::fb::Engine &metadata() const { return file.metadata(); }

  EngineFile file;
  int device = 0;
  unsigned deviceArch = 0;
  std::string deviceName;
  CodeChoice code;
  CUmodule module = nullptr;
  std::vector<CUfunction> functions; ///< per step; null unless a launch
  void *weights = nullptr;
  std::vector<BindingInfo> bindings;
  std::unordered_map<std::string, int> bindingIndex;
  std::vector<std::string> stepNames;
  std::vector<std::string> warnings;

  /// Engine::deviceMemorySize() per number of auxiliary streams, measured
  /// once on a context without memory.
  std::mutex deviceMemoryMutex;
  std::map<int, uint64_t> deviceMemoryBytes;
};

/// One execution context: its device memory (arena and workspace carved from
/// one allocation, its own or the user's), handles, built steps, bindings,
/// CUDA graph and profiling state.
struct ContextImpl {
  explicit ContextImpl(Engine engine);
  ~ContextImpl();

  /// Builds the steps and their stream schedule; with `allocate`, also the
  /// context's one allocation.
  Status create(bool allocate, const ContextOptions &options);
  /// The auxiliary streams and events the schedule needs, and each stream's
  /// workspace slice (after the runners are built).
  Status createStreams(const ContextOptions &options);
  /// Points the arena and workspace into `base` (layout.totalSize bytes) and
  /// clears the arena.
  Status useMemory(void *base);
  Status setDeviceMemory(void *pointer, uint64_t size);
  Status enqueue(cudaStream_t stream);
  /// `timed`: serially, with profiling events around each step (recorded
  /// by the graph itself when `captured`).
  Status runSteps(cudaStream_t stream, bool timed, bool captured = false);
  Status runConcurrently(cudaStream_t stream);
  /// Captures the steps into `graph` (see ExecutionContext.cpp); `timed`:
  /// the profiled runs' graph.
  struct CapturedGraph;
  Status capture(CapturedGraph &graph, bool timed);
  Status reportProfile();
  Status setBinding(int index, void *pointer);
  void releaseGraph();

  Engine engine;
  EngineImpl &impl;
  DeviceMemoryLayout layout;
  void *memory = nullptr; ///< the base of the layout; null until set
  bool ownsMemory = false;
  bool memorySet = false; ///< enqueue refuses to run before

  void *arena = nullptr;
  void *workspace = nullptr;
  size_t workspaceBytes = 0;
  cudaStream_t stream = nullptr;
  /// run(): recorded on the legacy default stream for `stream` to wait for
  /// (created on first use).
  cudaEvent_t legacyEvent = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t cublasLt = nullptr;
  std::vector<std::unique_ptr<StepRunner>> runners;
  /// Concurrency: which stream runs each step (stream 0 is the caller's),
  /// the context's auxiliary streams (non-blocking), the event recorded on
  /// the caller's stream that they wait for first, the events recorded after
  /// steps that another stream waits for (null elsewhere), and each
  /// stream's offset into the workspace.
  StreamSchedule schedule;
  std::vector<cudaStream_t> auxStreams;
  cudaEvent_t forkEvent = nullptr;
  std::vector<cudaEvent_t> stepEvents;
  std::vector<size_t> workspaceOffsets;
  std::vector<void *> bindings;
  /// Remarks made while building the steps (kept per context: contexts may
  /// be created on several threads at once).
  std::vector<std::string> warnings;

  bool graphEnabled = false;
  /// The graph of the steps, and the profiled runs' (serial, with events).
  struct CapturedGraph {
    cudaGraphExec_t exec = nullptr;
    bool stale = true;
  };
  CapturedGraph graph, profiledGraph;
  /// After a change of addresses: the graphs are captured again.
  void markGraphsStale() { graph.stale = profiledGraph.stale = true; }

  Profiler *profiler = nullptr;
  std::vector<cudaEvent_t> events;
  bool profilePending = false;
  /// Whether the steps ever ran outside a capture (the first graph-enabled
  /// run goes directly, then captures: see enqueue).
  bool ranDirectly = false;
};

} // namespace kiln::runtime::detail

#endif // KILN_RUNTIME_SRC_ENGINEIMPL_H
