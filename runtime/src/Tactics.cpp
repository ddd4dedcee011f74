// Tactic timing: each candidate of a step (a library's plan, a generated
// kernel's launch shape) runs on scratch memory, a few
// warm-up runs, then the median of timed runs between two CUDA events,
// each run a CUDA graph of several launches (TacticOptions). The
// runners are the execution context's own (Steps.h), built in enumeration
// mode, so the plans timed are the ones an engine later rebuilds.
#include "kiln/runtime/Tactics.h"

#include "Cuda.h"
#include "Steps.h"
#include "kiln/runtime/HostRunner.h"
#include "kiln/runtime/Runtime.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace kiln::runtime {

namespace fb = kiln::fb;
using detail::StepRunner;

namespace {
// Fastest first; among equal times, the one offered first.
void sortFastestFirst(TacticTiming &timing) {
  std::stable_sort(timing.timed.begin(), timing.timed.end(),
                   [](const TimedTactic &a, const TimedTactic &b) {
                     return a.milliseconds < b.milliseconds;
                   });
}
} // namespace

struct TacticTimer::Impl {
  TacticOptions options;
  TacticDevice device;
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t cublasLt = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  void *scratch = nullptr;
  uint64_t scratchBytes = 0;
  void *workspace = nullptr;
  uint64_t workspaceBytes = 0;
  CUmodule kernels = nullptr; // loadKernels' image

  ~Impl() {
    if (kernels)
      if (Expected<const detail::DriverApi *> api = detail::driverApi())
        (*api)->moduleUnload(kernels);
    if (scratch) cudaFree(scratch);
    if (workspace) cudaFree(workspace);
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    if (cublasLt) cublasLtDestroy(cublasLt);
    if (cudnn) cudnnDestroy(cudnn);
    if (stream) cudaStreamDestroy(stream);
  }

  // Grows `buffer` to at least `bytes`; `fill`, when given, is the byte
  // written everywhere, on `fillStream` (the timing stream, so the
  // candidates timed there read it in order). Scratch only needs finite
  // numbers: 0x3c bytes are about 1.06 in f16, 0.0115 in f32, 60 in int8.
  static Status reserve(void *&buffer, uint64_t &size, uint64_t bytes, const char *what,
                        cudaStream_t fillStream = nullptr, int fill = -1) {
    if (bytes <= size)
      return Status::success();
    if (buffer)
      cudaFree(buffer);
    buffer = nullptr;
    size = 0;
    KILN_CUDA_TRY(cudaMalloc(&buffer, bytes),
                  "allocating " + std::to_string(bytes) + " bytes of " + what);
    if (fill >= 0)
      KILN_CUDA_TRY(cudaMemsetAsync(buffer, fill, bytes, fillStream),
                    std::string("filling the ") + what);
    size = bytes;
    return Status::success();
  }

  // The median time of one run of `enqueueOnce` in milliseconds, over
  // `timedRuns` timings of up to `perRun` runs back to back.
  //
  // Engines run as CUDA graphs, where nothing waits for the host between
  // kernels, so candidates are timed so too: the runs are captured into one
  // graph, after one more run that takes the graph's launch latency, between
  // events recorded by the graph itself. Timed as enqueued, a candidate's
  // time would include the host's time to enqueue it whenever the GPU is
  // faster than the host: a cuDNN execution costs the host about as long as
  // a small convolution takes the GPU, which made cuDNN's plans look twice
  // as slow as their kernels at batch 1. A candidate that cannot be
  // captured fails (it could not run in an engine's graph either); with
  // options.cudaGraph off, runs are timed as enqueued.
  template <typename Enqueue>
  Expected<double> timeRuns(Enqueue enqueueOnce, int perRun, int timedRuns) {
    KILN_CUDA_TRY(cudaEventRecord(start, stream), "cudaEventRecord");
    for (int i = 0; i < options.warmupRuns; ++i)
      if (Status s = enqueueOnce(); !s.ok())
        return s;
    KILN_CUDA_TRY(cudaEventRecord(stop, stream), "cudaEventRecord");
    KILN_CUDA_TRY(cudaEventSynchronize(stop), "running a candidate");
    timedRuns = std::max(1, timedRuns);
    // Many runs a timing only where one is short (host time in the
    // warm-up's included): a slow candidate would take long for nothing.
    float warmMs = 0;
    KILN_CUDA_TRY(cudaEventElapsedTime(&warmMs, start, stop), "cudaEventElapsedTime");
    double each = options.warmupRuns > 0 ? warmMs / options.warmupRuns : 0.0;
    constexpr double kTimingMs = 0.1; // what a timing should last at least
    if (each > 0)
      perRun = std::min(perRun, int(std::ceil(kTimingMs / each)));
    perRun = std::max(1, perRun);
    if (options.cudaGraph)
      return timeAsGraph(enqueueOnce, perRun, timedRuns);
    std::vector<float> times;
    for (int i = 0; i < timedRuns; ++i) {
      KILN_CUDA_TRY(cudaEventRecord(start, stream), "cudaEventRecord");
      for (int j = 0; j < perRun; ++j)
        if (Status s = enqueueOnce(); !s.ok())
          return s;
      KILN_CUDA_TRY(cudaEventRecord(stop, stream), "cudaEventRecord");
      KILN_CUDA_TRY(cudaEventSynchronize(stop), "running a candidate");
      float ms = 0;
      KILN_CUDA_TRY(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
      times.push_back(ms / perRun);
    }
    return median(std::move(times));
  }

  // timeRuns as a graph.
  template <typename Enqueue>
  Expected<double> timeAsGraph(Enqueue enqueueOnce, int perRun, int timedRuns) {
    struct Graph {
      cudaGraph_t graph = nullptr;
      cudaGraphExec_t exec = nullptr;
      ~Graph() {
        if (exec) cudaGraphExecDestroy(exec);
        if (graph) cudaGraphDestroy(graph);
      }
    } g;
    // An event node of the graph, which records when the graph reaches it.
    auto recordInGraph = [&](cudaEvent_t event) {
      cudaError_t e = cudaEventRecordWithFlags(event, stream, cudaEventRecordExternal);
      return e == cudaSuccess ? Status::success()
                              : detail::cudaFailure(e, "cudaEventRecordWithFlags");
    };
    KILN_CUDA_TRY(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
                  "cudaStreamBeginCapture");
    Status captured = enqueueOnce();
    if (captured.ok())
      captured = recordInGraph(start);
    for (int j = 0; j < perRun && captured.ok(); ++j)
      captured = enqueueOnce();
    if (captured.ok())
      captured = recordInGraph(stop);
    cudaError_t ended = cudaStreamEndCapture(stream, &g.graph);
    if (captured.ok() && ended != cudaSuccess)
      captured = detail::cudaFailure(ended, "cudaStreamEndCapture");
    if (captured.ok())
      if (cudaError_t e = cudaGraphInstantiate(&g.exec, g.graph, 0); e != cudaSuccess) {
        g.exec = nullptr;
        captured = detail::cudaFailure(e, "cudaGraphInstantiate");
      }
    if (!captured.ok()) {
      cudaGetLastError(); // a failed capture is not sticky
      return captured.prepend("cannot be captured into a CUDA graph: ");
    }
    std::vector<float> times;
    for (int i = 0; i <= timedRuns; ++i) { // the first launch uploads the graph
      KILN_CUDA_TRY(cudaGraphLaunch(g.exec, stream), "cudaGraphLaunch");
      KILN_CUDA_TRY(cudaEventSynchronize(stop), "running a candidate");
      float ms = 0;
      KILN_CUDA_TRY(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
      if (i > 0)
        times.push_back(ms / perRun);
    }
    return median(std::move(times));
  }

  static double median(std::vector<float> times) {
    std::sort(times.begin(), times.end());
    return double(times[times.size() / 2]);
  }

  // One candidate of a library step.
  Expected<double> timeCandidate(StepRunner &runner, const detail::Addresses &addresses) {
    void *ws = runner.workspaceSize() ? workspace : nullptr;
    return timeRuns([&]() { return runner.enqueue(addresses, ws, stream); },
                    options.launchesPerRun, options.timedRuns);
  }
};

Expected<TacticTimer> TacticTimer::create(const TacticOptions &options) {
  Expected<DeviceDescription> device = describeCurrentDevice();
  if (!device)
    return device.takeStatus();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->device.name = device->name;
  impl->device.computeCapability = device->computeCapability;
  RuntimeVersions versions = runtimeVersions();
  impl->device.cudnnVersion = versions.cudnn;
  impl->device.cublasLtVersion = versions.cublasLt;
  KILN_CUDA_TRY(cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking),
                "cudaStreamCreate");
  KILN_CUDA_TRY(cudaEventCreate(&impl->start), "cudaEventCreate");
  KILN_CUDA_TRY(cudaEventCreate(&impl->stop), "cudaEventCreate");
  if (cudnnStatus_t status = cudnnCreate(&impl->cudnn); status != CUDNN_STATUS_SUCCESS)
    return Status(ErrorCode::CudaError,
                  std::string("cudnnCreate: ") + cudnnGetErrorString(status));
  if (cudnnStatus_t status = cudnnSetStream(impl->cudnn, impl->stream);
      status != CUDNN_STATUS_SUCCESS)
    return Status(ErrorCode::CudaError,
                  std::string("cudnnSetStream: ") + cudnnGetErrorString(status));
  if (cublasStatus_t status = cublasLtCreate(&impl->cublasLt); status != CUBLAS_STATUS_SUCCESS)
    return Status(ErrorCode::CudaError,
                  "cublasLtCreate: error " + std::to_string(static_cast<int>(status)));
  return TacticTimer(std::move(impl));
}

TacticTimer::TacticTimer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TacticTimer::TacticTimer(TacticTimer &&) noexcept = default;
TacticTimer &TacticTimer::operator=(TacticTimer &&) noexcept = default;
TacticTimer::~TacticTimer() = default;

const TacticDevice &TacticTimer::device() const { return impl_->device; }

Expected<TacticTiming> TacticTimer::time(const uint8_t *data, size_t size,
                                         uint64_t scratchBytes, const std::string &name) {
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<fb::Step>(nullptr))
    return Status(ErrorCode::InvalidArgument, "'" + name + "': not a valid Step FlatBuffer");
  const fb::Step *step = flatbuffers::GetRoot<fb::Step>(data);
  if (step->kind_type() != fb::StepKind::ConvStep &&
      step->kind_type() != fb::StepKind::GemmStep &&
      step->kind_type() != fb::StepKind::AttentionStep)
    return Status(ErrorCode::InvalidArgument,
                  "'" + name + "': only conv, GEMM and attention steps have tactics to time");
  Impl &impl = *impl_;
  if (Status s = Impl::reserve(impl.scratch, impl.scratchBytes,
                               std::max<uint64_t>(scratchBytes, 256), "scratch memory",
                               impl.stream, 0x3c);
      !s.ok())
    return s;

  detail::StepContext context;
  context.step = step;
  context.name = name;
  context.precision = step->precision() ? step->precision()->str() : "";
  std::transform(context.precision.begin(), context.precision.end(),
                 context.precision.begin(), [](unsigned char c) { return std::tolower(c); });
  context.cudnn = impl.cudnn;
  context.cublasLt = impl.cublasLt;
  std::vector<std::string> warnings;
  context.warnings = &warnings;
  context.enumerate = true;
  context.maxWorkspace = impl.options.maxWorkspace;
  context.maxCandidates = impl.options.maxGemmCandidates;
  Expected<std::unique_ptr<StepRunner>> runner =
      step->kind_type() == fb::StepKind::ConvStep        ? detail::makeConvRunner(context)
      : step->kind_type() == fb::StepKind::AttentionStep ? detail::makeAttentionRunner(context)
                                                         : detail::makeGemmRunner(context);
  if (!runner)
    return runner.takeStatus();

  detail::Addresses addresses;
  addresses.arena = static_cast<char *>(impl.scratch);
  TacticTiming result;
  result.candidates = (*runner)->numCandidates();
  for (size_t i = 0; i < result.candidates; ++i) {
    const StepRunner::Candidate &candidate = (*runner)->candidate(i);
    auto skip = [&](const std::string &why) {
      result.skipped.push_back(candidate.description + ": " + why);
    };
    if (candidate.workspace > impl.options.maxWorkspace) {
      skip("needs " + std::to_string(candidate.workspace) + " bytes of workspace");
      continue;
    }
    if (Status s = (*runner)->selectCandidate(i); !s.ok()) {
      skip(s.message());
      continue;
    }
    if (Status s = Impl::reserve(impl.workspace, impl.workspaceBytes, candidate.workspace,
                                 "workspace");
        !s.ok()) {
      skip(s.message());
      continue;
    }
    Expected<double> ms = impl.timeCandidate(**runner, addresses);
    if (!ms) {
      // A failed launch may leave an error behind; it must not fail the next.
      cudaGetLastError();
      cudaStreamSynchronize(impl.stream);
      skip(ms.status().message());
      continue;
    }
    TimedTactic timed;
    timed.index = i;
    timed.description = candidate.description;
    timed.engineId = candidate.choice.engineId;
    timed.knobs = candidate.choice.knobs;
    timed.algo = candidate.choice.algo;
    timed.workspace = candidate.workspace;
    timed.milliseconds = *ms;
    result.timed.push_back(std::move(timed));
  }
  sortFastestFirst(result);
  return result;
}

Status TacticTimer::loadKernels(const void *image, size_t size) {
  Expected<const detail::DriverApi *> api = detail::driverApi();
  if (!api)
    return api.takeStatus();
  Impl &impl = *impl_;
  if (impl.kernels) {
    (*api)->moduleUnload(impl.kernels);
    impl.kernels = nullptr;
  }
  // The driver wants the image 8-byte aligned.
  std::vector<uint64_t> aligned((size + 7) / 8);
  std::memcpy(aligned.data(), image, size);
  if (CUresult result = (*api)->moduleLoadData(&impl.kernels, aligned.data());
      result != CUDA_SUCCESS)
    return detail::driverFailure(result, "cuModuleLoadData of the kernels to time");
  return Status::success();
}

Expected<TacticTiming> TacticTimer::timeKernel(const uint8_t *data, size_t size,
                                               uint64_t scratchBytes,
                                               const std::vector<KernelVariant> &variants,
                                               const std::string &name) {
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<fb::Step>(nullptr))
    return Status(ErrorCode::InvalidArgument, "'" + name + "': not a valid Step FlatBuffer");
  const fb::LaunchStep *launch = flatbuffers::GetRoot<fb::Step>(data)->kind_as_LaunchStep();
  if (!launch)
    return Status(ErrorCode::InvalidArgument, "'" + name + "': not a kernel launch step");
  Impl &impl = *impl_;
  if (!impl.kernels)
    return Status(ErrorCode::InvalidArgument,
                  "'" + name + "': no kernels loaded (TacticTimer::loadKernels)");
  Expected<const detail::DriverApi *> api = detail::driverApi();
  if (!api)
    return api.takeStatus();
  scratchBytes = std::max<uint64_t>(scratchBytes, 256);
  if (Status s = Impl::reserve(impl.scratch, impl.scratchBytes, scratchBytes, "scratch memory");
      !s.ok())
    return s;
  // Earlier timings wrote anything into the scratch; start from finite values.
  KILN_CUDA_TRY(cudaMemsetAsync(impl.scratch, 0x3c, scratchBytes, impl.stream),
                "filling the scratch memory");

  detail::Addresses addresses;
  addresses.arena = static_cast<char *>(impl.scratch);
  size_t numArgs = launch->args() ? launch->args()->size() : 0;
  std::vector<CUdeviceptr> values(numArgs);
  std::vector<void *> params(numArgs);
  for (size_t i = 0; i < numArgs; ++i) {
    const fb::BufferRef *ref = launch->args()->Get(i);
    if (ref->region() != fb::Region::Arena || ref->offset() >= scratchBytes)
      return Status(ErrorCode::InvalidArgument, "'" + name + "': argument " +
                                                    std::to_string(i) +
                                                    " is not in the scratch arena");
    values[i] = reinterpret_cast<CUdeviceptr>(addresses.resolve(ref));
    params[i] = &values[i];
  }

  TacticTiming result;
  result.candidates = variants.size();
  for (size_t i = 0; i < variants.size(); ++i) {
    const KernelVariant &variant = variants[i];
    std::string description = "block " + std::to_string(variant.block[0]) + "x" +
                              std::to_string(variant.block[1]) + "x" +
                              std::to_string(variant.block[2]);
    CUfunction function = nullptr;
    if (CUresult r = (*api)->moduleGetFunction(&function, impl.kernels, variant.entry.c_str());
        r != CUDA_SUCCESS) {
      result.skipped.push_back(description + ": " +
                               detail::driverFailure(r, "kernel '" + variant.entry + "'")
                                   .message());
      continue;
    }
    const unsigned kDefaultSharedLimit = 48 * 1024;
    if (variant.sharedMemBytes > kDefaultSharedLimit) {
      if (CUresult r = (*api)->funcSetAttribute(function,
                                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                                static_cast<int>(variant.sharedMemBytes));
          r != CUDA_SUCCESS) {
        result.skipped.push_back(
            description + ": " +
            detail::driverFailure(r, "allowing " + std::to_string(variant.sharedMemBytes) +
                                         " bytes of shared memory to '" + variant.entry + "'")
                .message());
        continue;
      }
    }
    auto launchOnce = [&]() -> Status {
      CUresult r = (*api)->launchKernel(
          function, variant.grid[0], variant.grid[1], variant.grid[2], variant.block[0],
          variant.block[1], variant.block[2], variant.sharedMemBytes,
          reinterpret_cast<CUstream>(impl.stream),
          params.empty() ? nullptr : params.data(), nullptr);
      return r == CUDA_SUCCESS ? Status::success()
                               : detail::driverFailure(r, "cuLaunchKernel of '" +
                                                              variant.entry + "'");
    };
    Expected<double> ms =
        impl.timeRuns(launchOnce, impl.options.launchesPerRun, impl.options.timedRuns);
    if (!ms) {
      cudaGetLastError();
      cudaStreamSynchronize(impl.stream);
      result.skipped.push_back(description + ": " + ms.status().message());
      continue;
    }
    TimedTactic timed;
    timed.index = i;
    timed.description = description;
    timed.milliseconds = *ms;
    result.timed.push_back(std::move(timed));
  }
  sortFastestFirst(result);
  return result;
}

} // namespace kiln::runtime
