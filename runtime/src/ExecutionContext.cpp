// Execution contexts: one device allocation per context (arena and workspace,
// or memory the user hands over), library handles; the steps built once;
// enqueue without device allocation; CUDA graph capture and
// replay; per-step profiling with events; independent steps on auxiliary
// streams ordered by events.
#include "EngineImpl.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace kiln::runtime {

namespace fb = kiln::fb;

namespace detail {

namespace {

// Makes the context's device (and its primary context, which driver-API
// launches need) current for the calling thread.
class DeviceGuard {
public:
  explicit DeviceGuard(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess)
      previous_ = -1;
    cudaSetDevice(device);
  }
  ~DeviceGuard() {
    int now = -1;
    if (previous_ >= 0 && cudaGetDevice(&now) == cudaSuccess && now != previous_)
      cudaSetDevice(previous_);
  }

private:
  int previous_ = -1;
};

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

} // namespace

ContextImpl::ContextImpl(Engine engine) : engine(std::move(engine)), impl(*this->engine.impl_) {}

ContextImpl::~ContextImpl() {
  DeviceGuard guard(impl.device);
  if (stream)
    cudaStreamSynchronize(stream);
  for (cudaStream_t aux : auxStreams)
    cudaStreamSynchronize(aux);
  releaseGraph();
  for (cudaEvent_t event : events)
    cudaEventDestroy(event);
  for (cudaEvent_t event : stepEvents)
    if (event)
      cudaEventDestroy(event);
  if (forkEvent)
    cudaEventDestroy(forkEvent);
  if (legacyEvent)
    cudaEventDestroy(legacyEvent);
  for (cudaStream_t aux : auxStreams)
    cudaStreamDestroy(aux);
  runners.clear(); // before the handles they use
  if (cudnn)
    cudnnDestroy(cudnn);
  if (cublasLt)
    cublasLtDestroy(cublasLt);
  if (stream)
    cudaStreamDestroy(stream);
  // cudaFree waits for work still using the memory.
  if (ownsMemory && memory)
    cudaFree(memory);
}

void ContextImpl::releaseGraph() {
  for (CapturedGraph *g : {&graph, &profiledGraph}) {
    if (g->exec)
      cudaGraphExecDestroy(g->exec);
    g->exec = nullptr;
    g->stale = true;
  }
}

Status ContextImpl::create(bool allocate, const ContextOptions &options) {
  if (options.maxAuxStreams < 0 || options.maxAuxStreams > kMaxAuxStreamsLimit)
    return Status(ErrorCode::InvalidArgument,
                  "maxAuxStreams: expected 0 to " + std::to_string(kMaxAuxStreamsLimit) +
                      ", found " + std::to_string(options.maxAuxStreams));
  DeviceGuard guard(impl.device);
  const fb::Engine &metadata = impl.metadata();
  size_t steps = metadata.steps() ? metadata.steps()->size() : 0;
  bindings.assign(impl.bindings.size(), nullptr);

  bool needsCudnn = false, needsCublas = false;
  for (size_t i = 0; i < steps; ++i) {
    fb::StepKind kind = metadata.steps()->Get(i)->kind_type();
    needsCudnn |= kind == fb::StepKind::ConvStep || kind == fb::StepKind::AttentionStep;
    needsCublas |= kind == fb::StepKind::GemmStep;
  }
  if (needsCudnn) {
    cudnnStatus_t status = cudnnCreate(&cudnn);
    if (status != CUDNN_STATUS_SUCCESS)
      return Status(ErrorCode::CudaError,
                    std::string("cudnnCreate: ") + cudnnGetErrorString(status));
  }
  if (needsCublas) {
    cublasStatus_t status = cublasLtCreate(&cublasLt);
    if (status != CUBLAS_STATUS_SUCCESS)
      return Status(ErrorCode::CudaError,
                    "cublasLtCreate: error " + std::to_string(static_cast<int>(status)));
  }
  KILN_CUDA_TRY(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");

  for (size_t i = 0; i < steps; ++i) {
    StepContext context;
    context.step = metadata.steps()->Get(i);
    context.name = impl.stepNames[i];
    context.precision = lowerCase(context.step->precision() ? context.step->precision()->str() : "");
    context.function = impl.functions[i];
    context.cudnn = cudnn;
    context.cublasLt = cublasLt;
    context.warnings = &warnings;
    Expected<std::unique_ptr<StepRunner>> runner = Status(ErrorCode::InvalidEngine, "unknown step");
    switch (context.step->kind_type()) {
    case fb::StepKind::LaunchStep: runner = makeLaunchRunner(context); break;
    case fb::StepKind::ConvStep: runner = makeConvRunner(context); break;
    case fb::StepKind::GemmStep: runner = makeGemmRunner(context); break;
    case fb::StepKind::CopyStep: runner = makeCopyRunner(context); break;
    case fb::StepKind::AttentionStep: runner = makeAttentionRunner(context); break;
    default: break;
    }
    if (!runner)
      return runner.takeStatus().prepend("step " + std::to_string(i) + ": ");
    runners.push_back(std::move(*runner));
  }
  if (Status s = createStreams(options); !s.ok())
    return s;

  Expected<DeviceMemoryLayout> planned = planDeviceMemory(metadata.arena_size(), workspaceBytes);
  if (!planned)
    return planned.takeStatus();
  layout = *planned;
  if (!allocate || !layout.totalSize)
    return allocate ? useMemory(nullptr) : Status::success();
  // The context's only allocation: the arena, then the workspace.
  void *base = nullptr;
  KILN_CUDA_TRY(cudaMalloc(&base, layout.totalSize),
                "allocating the context's device memory (" + std::to_string(layout.totalSize) +
                    " bytes: arena " + std::to_string(layout.arenaSize) + ", workspace " +
                    std::to_string(layout.workspaceSize) + ")");
  memory = base;
  ownsMemory = true;
  return useMemory(base);
}

Status ContextImpl::createStreams(const ContextOptions &options) {
  schedule = scheduleStreams(engineStepDeps(impl.metadata()),
                             static_cast<unsigned>(options.maxAuxStreams));
  // A workspace slice per stream that runs a step needing one: steps on one
  // stream run one after another and share it.
  std::vector<size_t> perStream(schedule.numStreams, 0);
  for (size_t i = 0; i < runners.size(); ++i)
    perStream[schedule.stream[i]] =
        std::max(perStream[schedule.stream[i]], runners[i]->workspaceSize());
  // Slices start 256-byte aligned; with one stream this is the largest
  // workspace of any step, as without auxiliary streams.
  workspaceOffsets.assign(schedule.numStreams, 0);
  workspaceBytes = 0;
  for (unsigned s = 0; s < schedule.numStreams; ++s) {
    if (!perStream[s])
      continue;
    workspaceOffsets[s] = (workspaceBytes + kDeviceMemoryAlignment - 1) /
                          kDeviceMemoryAlignment * kDeviceMemoryAlignment;
    workspaceBytes = workspaceOffsets[s] + perStream[s];
  }
  if (schedule.numStreams == 1)
    return Status::success();
  auxStreams.assign(schedule.numStreams - 1, nullptr);
  for (cudaStream_t &aux : auxStreams)
    KILN_CUDA_TRY(cudaStreamCreateWithFlags(&aux, cudaStreamNonBlocking),
                  "creating an auxiliary stream");
  KILN_CUDA_TRY(cudaEventCreateWithFlags(&forkEvent, cudaEventDisableTiming),
                "cudaEventCreate");
  stepEvents.assign(runners.size(), nullptr);
  for (size_t i = 0; i < runners.size(); ++i)
    if (schedule.recordEvent[i])
      KILN_CUDA_TRY(cudaEventCreateWithFlags(&stepEvents[i], cudaEventDisableTiming),
                    "cudaEventCreate");
  return Status::success();
}

Status ContextImpl::useMemory(void *base) {
  char *bytes = static_cast<char *>(base);
  char *newArena = layout.arenaSize ? bytes + layout.arenaOffset : nullptr;
  if (newArena) {
    DeviceGuard guard(impl.device);
    KILN_CUDA_TRY(cudaMemsetAsync(newArena, 0, layout.arenaSize, stream), "clearing the arena");
    KILN_CUDA_TRY(cudaStreamSynchronize(stream), "clearing the arena");
  }
  memory = base;
  arena = newArena;
  workspace = layout.workspaceSize ? bytes + layout.workspaceOffset : nullptr;
  memorySet = true;
  markGraphsStale(); // a captured graph holds the old addresses
  return Status::success();
}

Status ContextImpl::setDeviceMemory(void *pointer, uint64_t size) {
  if (ownsMemory)
    return Status(ErrorCode::InvalidArgument,
                  "device memory: this context allocated its own; create it with "
                  "createContextWithoutDeviceMemory() to hand it memory");
  if (Status s = checkDeviceMemory(pointer, size, layout.totalSize); !s.ok())
    return s;
  return useMemory(pointer);
}

Status ContextImpl::setBinding(int index, void *pointer) {
  if (index < 0 || index >= static_cast<int>(bindings.size()))
    return Status(ErrorCode::InvalidArgument,
                  "binding index " + std::to_string(index) + " out of range (" +
                      std::to_string(bindings.size()) + " bindings)");
  const BindingInfo &info = impl.bindings[index];
  if (!pointer && info.bytes)
    return Status(ErrorCode::InvalidArgument, "binding '" + info.name + "': null pointer");
  if (reinterpret_cast<uintptr_t>(pointer) % 256)
    return Status(ErrorCode::InvalidArgument,
                  "binding '" + info.name + "': the pointer must be 256-byte aligned "
                  "(as cudaMalloc returns)");
  if (bindings[index] != pointer) {
    bindings[index] = pointer;
    markGraphsStale();
  }
  return Status::success();
}

static bool usesCudnn(const fb::Step *step) {
  return step->kind_type() == fb::StepKind::ConvStep ||
         step->kind_type() == fb::StepKind::AttentionStep;
}

// Concurrent: the auxiliary streams wait for `on` (an event recorded there,
// which also draws them into a capture of `on`), each step waits for the
// events of the steps on other streams it depends on, and `on` waits at the
// end for the last step of each auxiliary stream. One cuDNN handle, pointed
// at each cuDNN step's stream as it is enqueued (all from this thread).
Status ContextImpl::runConcurrently(cudaStream_t on) {
  const fb::Engine &metadata = impl.metadata();
  std::vector<cudaStream_t> streams{on};
  streams.insert(streams.end(), auxStreams.begin(), auxStreams.end());
  KILN_CUDA_TRY(cudaEventRecord(forkEvent, on), "cudaEventRecord");
  for (cudaStream_t aux : auxStreams)
    KILN_CUDA_TRY(cudaStreamWaitEvent(aux, forkEvent, 0), "cudaStreamWaitEvent");
  Addresses addresses{static_cast<char *>(arena), static_cast<char *>(impl.weights), &bindings};
  cudaStream_t cudnnStream = nullptr;
  bool cudnnStreamSet = false;
  for (size_t i = 0; i < runners.size(); ++i) {
    unsigned s = schedule.stream[i];
    cudaStream_t stream = streams[s];
    for (uint32_t wait : schedule.waits[i])
      KILN_CUDA_TRY(cudaStreamWaitEvent(stream, stepEvents[wait], 0), "cudaStreamWaitEvent");
    if (cudnn && usesCudnn(metadata.steps()->Get(i)) &&
        (!cudnnStreamSet || cudnnStream != stream)) {
      cudnnStatus_t status = cudnnSetStream(cudnn, stream);
      if (status != CUDNN_STATUS_SUCCESS)
        return Status(ErrorCode::CudaError,
                      std::string("cudnnSetStream: ") + cudnnGetErrorString(status));
      cudnnStream = stream;
      cudnnStreamSet = true;
    }
    char *slice = workspace ? static_cast<char *>(workspace) + workspaceOffsets[s] : nullptr;
    if (Status st = runners[i]->enqueue(addresses, slice, stream); !st.ok())
      return st.prepend("step " + std::to_string(i) + " '" + impl.stepNames[i] + "': ");
    if (schedule.recordEvent[i])
      KILN_CUDA_TRY(cudaEventRecord(stepEvents[i], stream), "cudaEventRecord");
  }
  for (int64_t join : schedule.joins)
    KILN_CUDA_TRY(cudaStreamWaitEvent(on, stepEvents[static_cast<size_t>(join)], 0),
                  "cudaStreamWaitEvent");
  return Status::success();
}

Status ContextImpl::runSteps(cudaStream_t on, bool timed, bool captured) {
  // Profiled runs stay serial, so that each step's time is its own.
  if (!timed && schedule.numStreams > 1)
    return runConcurrently(on);
  if (cudnn) {
    cudnnStatus_t status = cudnnSetStream(cudnn, on);
    if (status != CUDNN_STATUS_SUCCESS)
      return Status(ErrorCode::CudaError,
                    std::string("cudnnSetStream: ") + cudnnGetErrorString(status));
  }
  Addresses addresses{static_cast<char *>(arena), static_cast<char *>(impl.weights), &bindings};
  // In a capture, an external event node: the graph records the event.
  unsigned flags = captured ? cudaEventRecordExternal : cudaEventRecordDefault;
  for (size_t i = 0; i < runners.size(); ++i) {
    if (timed)
      KILN_CUDA_TRY(cudaEventRecordWithFlags(events[i], on, flags), "cudaEventRecord");
    if (Status s = runners[i]->enqueue(addresses, workspace, on); !s.ok())
      return s.prepend("step " + std::to_string(i) + " '" + impl.stepNames[i] + "': ");
  }
  if (timed)
    KILN_CUDA_TRY(cudaEventRecordWithFlags(events[runners.size()], on, flags),
                  "cudaEventRecord");
  return Status::success();
}

// Captures on the context's own non-blocking stream, never the caller's: a
// capture on a blocking stream fails as soon as another thread touches the
// legacy default stream (a synchronous cudaMemcpy is enough), and the caller's
// stream may be the default stream itself. Capturing runs nothing, so the
// graph needs no dependency on the caller's stream; it is launched there.
Status ContextImpl::capture(CapturedGraph &into, bool timed) {
  KILN_CUDA_TRY(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
                "cudaStreamBeginCapture");
  Status steps = runSteps(stream, timed, /*captured=*/true);
  cudaGraph_t captured = nullptr;
  cudaError_t ended = cudaStreamEndCapture(stream, &captured);
  if (!steps.ok() || ended != cudaSuccess) {
    if (captured)
      cudaGraphDestroy(captured);
    cudaGetLastError(); // a failed capture is not sticky; do not leak it to the caller
    if (!steps.ok())
      return steps.prepend("capturing a CUDA graph: ");
    return cudaFailure(ended, "cudaStreamEndCapture");
  }
  if (into.exec) {
    cudaGraphExecUpdateResultInfo info;
    if (cudaGraphExecUpdate(into.exec, captured, &info) == cudaSuccess) {
      cudaGraphDestroy(captured);
      into.stale = false;
      return Status::success();
    }
    cudaGetLastError();
    cudaGraphExecDestroy(into.exec);
    into.exec = nullptr;
  }
  cudaError_t instantiated = cudaGraphInstantiate(&into.exec, captured, 0);
  cudaGraphDestroy(captured);
  if (instantiated != cudaSuccess) {
    into.exec = nullptr;
    return cudaFailure(instantiated, "cudaGraphInstantiate");
  }
  into.stale = false;
  return Status::success();
}

Status ContextImpl::enqueue(cudaStream_t on) {
  if (!memorySet)
    return Status(ErrorCode::InvalidArgument,
                  "no device memory: the context was created without it; call "
                  "setDeviceMemory() with " + std::to_string(layout.totalSize) +
                      " bytes first");
  for (size_t i = 0; i < bindings.size(); ++i)
    if (!bindings[i] && impl.bindings[i].bytes)
      return Status(ErrorCode::InvalidArgument,
                    "binding '" + impl.bindings[i].name + "' is not set");
  DeviceGuard guard(impl.device);
  if (profiler) {
    if (Status s = reportProfile(); !s.ok())
      return s;
    // With CUDA graphs on, profiled runs are graphs too (serial, with event
    // nodes between steps): a step's time is then its GPU time as the
    // engine runs it, not the host's time to enqueue it when that is longer.
    if (graphEnabled) {
      if (!profiledGraph.exec || profiledGraph.stale)
        if (Status s = capture(profiledGraph, true); !s.ok())
          return s;
      KILN_CUDA_TRY(cudaGraphLaunch(profiledGraph.exec, on), "cudaGraphLaunch");
    } else if (Status s = runSteps(on, true); !s.ok()) {
      return s;
    }
    profilePending = true;
    return Status::success();
  }
  if (!graphEnabled || !ranDirectly) {
    // A context's first run goes directly even with graphs on, and the graph
    // is captured after it: a library's first call in the process (cuBLASLt
    // sets itself up on it) then never happens inside a capture, where it
    // fails when another thread runs the library at the same time
    // (GpuContext.TwoContextsOnTwoThreadsAgree, 5 failures in 15).
    if (Status s = runSteps(on, false); !s.ok())
      return s;
    ranDirectly = true;
    if (!graphEnabled)
      return Status::success();
    return capture(graph, false);
  }
  if (!graph.exec || graph.stale)
    if (Status s = capture(graph, false); !s.ok())
      return s;
  KILN_CUDA_TRY(cudaGraphLaunch(graph.exec, on), "cudaGraphLaunch");
  return Status::success();
}

Status ContextImpl::reportProfile() {
  if (!profilePending || !profiler)
    return Status::success();
  profilePending = false;
  DeviceGuard guard(impl.device);
  KILN_CUDA_TRY(cudaEventSynchronize(events[runners.size()]), "waiting for a profiled run");
  for (size_t i = 0; i < runners.size(); ++i) {
    float milliseconds = 0;
    KILN_CUDA_TRY(cudaEventElapsedTime(&milliseconds, events[i], events[i + 1]),
                  "cudaEventElapsedTime");
    profiler->reportStepTime(impl.stepNames[i], milliseconds);
  }
  profiler->endRun();
  return Status::success();
}

} // namespace detail

ExecutionContext::ExecutionContext(std::unique_ptr<detail::ContextImpl> impl)
    : impl_(std::move(impl)) {}
ExecutionContext::ExecutionContext(ExecutionContext &&) noexcept = default;
ExecutionContext &ExecutionContext::operator=(ExecutionContext &&) noexcept = default;
ExecutionContext::~ExecutionContext() = default;

Status ExecutionContext::setBinding(const std::string &name, void *devicePointer) {
  int index = impl_->engine.bindingIndex(name);
  if (index < 0) {
    std::string known;
    for (const BindingInfo &binding : impl_->impl.bindings)
      known += (known.empty() ? "" : ", ") + binding.name;
    return Status(ErrorCode::InvalidArgument,
                  "no binding named '" + name + "' (the engine has: " + known + ")");
  }
  return impl_->setBinding(index, devicePointer);
}

Status ExecutionContext::setBinding(int index, void *devicePointer) {
  return impl_->setBinding(index, devicePointer);
}

void *ExecutionContext::binding(int index) const {
  return index >= 0 && index < static_cast<int>(impl_->bindings.size()) ? impl_->bindings[index]
                                                                        : nullptr;
}

Status ExecutionContext::enqueue(cudaStream_t stream) { return impl_->enqueue(stream); }

Status ExecutionContext::run() {
  detail::DeviceGuard guard(impl_->impl.device);
  // The own stream is non-blocking: it would not wait for bindings filled
  // with a plain cudaMemcpy or cudaMemset (the legacy default stream), which
  // a synchronous-style caller of run() is likely to use.
  if (!impl_->legacyEvent)
    KILN_CUDA_TRY(cudaEventCreateWithFlags(&impl_->legacyEvent, cudaEventDisableTiming),
                  "cudaEventCreate");
  KILN_CUDA_TRY(cudaEventRecord(impl_->legacyEvent, cudaStreamLegacy), "cudaEventRecord");
  KILN_CUDA_TRY(cudaStreamWaitEvent(impl_->stream, impl_->legacyEvent, 0),
                "cudaStreamWaitEvent");
  if (Status s = impl_->enqueue(impl_->stream); !s.ok())
    return s;
  KILN_CUDA_TRY(cudaStreamSynchronize(impl_->stream), "running the engine");
  return impl_->reportProfile();
}

void ExecutionContext::enableCudaGraph(bool enable) {
  if (impl_->graphEnabled == enable)
    return;
  impl_->graphEnabled = enable;
  if (!enable) {
    detail::DeviceGuard guard(impl_->impl.device);
    impl_->releaseGraph();
  }
}

bool ExecutionContext::cudaGraphEnabled() const { return impl_->graphEnabled; }

Status ExecutionContext::setProfiler(Profiler *profiler) {
  if (Status s = impl_->reportProfile(); !s.ok())
    return s;
  impl_->profiler = profiler;
  if (profiler && impl_->events.empty()) {
    detail::DeviceGuard guard(impl_->impl.device);
    impl_->events.resize(impl_->runners.size() + 1, nullptr);
    for (cudaEvent_t &event : impl_->events)
      KILN_CUDA_TRY(cudaEventCreate(&event), "cudaEventCreate");
  }
  return Status::success();
}

Status ExecutionContext::reportProfile() { return impl_->reportProfile(); }

uint64_t ExecutionContext::workspaceSize() const { return impl_->workspaceBytes; }

unsigned ExecutionContext::numStreams() const { return impl_->schedule.numStreams; }

uint64_t ExecutionContext::deviceMemorySize() const { return impl_->layout.totalSize; }

Status ExecutionContext::setDeviceMemory(void *devicePointer, uint64_t size) {
  return impl_->setDeviceMemory(devicePointer, size);
}

void *ExecutionContext::deviceMemory() const { return impl_->memory; }

bool ExecutionContext::ownsDeviceMemory() const { return impl_->ownsMemory; }

const std::vector<std::string> &ExecutionContext::warnings() const { return impl_->warnings; }

std::string ExecutionContext::stepTactic(size_t index) const {
  return index < impl_->runners.size() ? impl_->runners[index]->tactic() : "";
}

ExecutionContext::StepChoice ExecutionContext::stepChoice(size_t index) const {
  return index < impl_->runners.size() ? impl_->runners[index]->choice() : StepChoice();
}

cudaStream_t ExecutionContext::ownStream() const { return impl_->stream; }
const Engine &ExecutionContext::engine() const { return impl_->engine; }

} // namespace kiln::runtime
