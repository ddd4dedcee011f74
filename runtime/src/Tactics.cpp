// Tactic timing: each candidate of a step runs on scratch memory, a few
// warm-up runs, then the median of timed runs between two CUDA events. The
// runners are the execution context's own (Steps.h), built in enumeration
// mode, so the plans timed are the ones an engine later rebuilds.
#include "kiln/runtime/Tactics.h"

#include "Cuda.h"
#include "Steps.h"
#include "kiln/runtime/Runtime.h"

#include <algorithm>
#include <cctype>

namespace kiln::runtime {

namespace fb = kiln::fb;
using detail::StepRunner;

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

  ~Impl() {
    if (scratch) cudaFree(scratch);
    if (workspace) cudaFree(workspace);
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    if (cublasLt) cublasLtDestroy(cublasLt);
    if (cudnn) cudnnDestroy(cudnn);
    if (stream) cudaStreamDestroy(stream);
  }

  // Grows `buffer` to at least `bytes`; `fill`, when given, is the byte
  // written everywhere. Scratch only needs finite numbers: 0x3c bytes are
  // about 1.06 in f16, 0.0115 in f32, 60 in int8.
  static Status reserve(void *&buffer, uint64_t &size, uint64_t bytes, const char *what,
                        int fill = -1) {
    if (bytes <= size)
      return Status::success();
    if (buffer)
      cudaFree(buffer);
    buffer = nullptr;
    size = 0;
    KILN_CUDA_TRY(cudaMalloc(&buffer, bytes),
                  "allocating " + std::to_string(bytes) + " bytes of " + what);
    if (fill >= 0)
      KILN_CUDA_TRY(cudaMemset(buffer, fill, bytes), std::string("filling the ") + what);
    size = bytes;
    return Status::success();
  }

  // The median time of one candidate in milliseconds.
  Expected<double> timeCandidate(StepRunner &runner, const detail::Addresses &addresses) {
    void *ws = runner.workspaceSize() ? workspace : nullptr;
    for (int i = 0; i < options.warmupRuns; ++i)
      if (Status s = runner.enqueue(addresses, ws, stream); !s.ok())
        return s;
    KILN_CUDA_TRY(cudaStreamSynchronize(stream), "running a candidate");
    std::vector<float> times;
    for (int i = 0; i < std::max(1, options.timedRuns); ++i) {
      KILN_CUDA_TRY(cudaEventRecord(start, stream), "cudaEventRecord");
      if (Status s = runner.enqueue(addresses, ws, stream); !s.ok())
        return s;
      KILN_CUDA_TRY(cudaEventRecord(stop, stream), "cudaEventRecord");
      KILN_CUDA_TRY(cudaEventSynchronize(stop), "running a candidate");
      float ms = 0;
      KILN_CUDA_TRY(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
      times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    return double(times[times.size() / 2]);
  }
};

Expected<TacticTimer> TacticTimer::create(const TacticOptions &options) {
  Expected<int> devices = cudaDeviceCount();
  if (!devices)
    return devices.takeStatus();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  int device = 0;
  KILN_CUDA_TRY(cudaGetDevice(&device), "cudaGetDevice");
  cudaDeviceProp properties;
  KILN_CUDA_TRY(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
  impl->device.name = properties.name;
  impl->device.computeCapability = properties.major * 10 + properties.minor;
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
      step->kind_type() != fb::StepKind::GemmStep)
    return Status(ErrorCode::InvalidArgument,
                  "'" + name + "': only conv and GEMM steps have tactics to time");
  Impl &impl = *impl_;
  if (Status s = Impl::reserve(impl.scratch, impl.scratchBytes,
                               std::max<uint64_t>(scratchBytes, 256), "scratch memory", 0x3c);
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
      step->kind_type() == fb::StepKind::ConvStep ? detail::makeConvRunner(context)
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
    timed.description = candidate.description;
    timed.engineId = candidate.choice.engineId;
    timed.knobs = candidate.choice.knobs;
    timed.algo = candidate.choice.algo;
    timed.workspace = candidate.workspace;
    timed.milliseconds = *ms;
    result.timed.push_back(std::move(timed));
  }
  std::stable_sort(result.timed.begin(), result.timed.end(),
                   [](const TimedTactic &a, const TimedTactic &b) {
                     return a.milliseconds < b.milliseconds;
                   });
  return result;
}

} // namespace kiln::runtime
