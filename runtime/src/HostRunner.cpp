// Running an engine on host data: see HostRunner.h.
#include "kiln/runtime/HostRunner.h"

#include "Cuda.h"

#include <algorithm>
#include <cstring>

namespace kiln::runtime {

Expected<DeviceDescription> describeCurrentDevice() {
  Expected<int> devices = cudaDeviceCount();
  if (!devices)
    return devices.takeStatus();
  int device = 0;
  KILN_CUDA_TRY(cudaGetDevice(&device), "cudaGetDevice");
  cudaDeviceProp properties;
  KILN_CUDA_TRY(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
  DeviceDescription description;
  description.name = properties.name;
  description.computeCapability = properties.major * 10 + properties.minor;
  return description;
}

struct HostRunner::Impl {
  explicit Impl(ExecutionContext context) : context(std::move(context)) {}
  ~Impl() {
    for (void *buffer : buffers)
      cudaFree(buffer);
  }

  ExecutionContext context;
  std::vector<void *> buffers; // one per binding
};

Expected<HostRunner> HostRunner::create(const Engine &engine) {
  Expected<ExecutionContext> context = engine.createContext();
  if (!context)
    return context.takeStatus();
  auto impl = std::make_unique<Impl>(std::move(*context));
  const std::vector<BindingInfo> &bindings = engine.bindings();
  for (size_t i = 0; i < bindings.size(); ++i) {
    void *buffer = nullptr;
    KILN_CUDA_TRY(cudaMalloc(&buffer, std::max<uint64_t>(bindings[i].bytes, 1)),
                  "allocating binding '" + bindings[i].name + "'");
    impl->buffers.push_back(buffer);
    // On the context's stream, which runs and times the engine after it.
    KILN_CUDA_TRY(cudaMemsetAsync(buffer, 0, bindings[i].bytes, impl->context.ownStream()),
                  "clearing binding '" + bindings[i].name + "'");
    Status bound = impl->context.setBinding(static_cast<int>(i), buffer);
    if (!bound)
      return bound;
  }
  return HostRunner(std::move(impl));
}

Status HostRunner::run(const std::vector<const void *> &inputs,
                       std::vector<std::vector<uint8_t>> &outputs) {
  const std::vector<BindingInfo> &bindings = impl_->context.engine().bindings();
  size_t numInputs = std::count_if(bindings.begin(), bindings.end(),
                                   [](const BindingInfo &b) { return b.isInput; });
  if (inputs.size() != numInputs)
    return Status(ErrorCode::InvalidArgument,
                  "the engine has " + std::to_string(numInputs) + " inputs, " +
                      std::to_string(inputs.size()) + " were given");
  // On the context's stream, which need not wait for the legacy default
  // stream: run() enqueues after the uploads and waits for the steps.
  cudaStream_t stream = impl_->context.ownStream();
  size_t input = 0;
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (!bindings[i].isInput)
      continue;
    const void *data = inputs[input++];
    if (bindings[i].bytes)
      KILN_CUDA_TRY(cudaMemcpyAsync(impl_->buffers[i], data, bindings[i].bytes,
                                    cudaMemcpyHostToDevice, stream),
                    "uploading input '" + bindings[i].name + "'");
  }
  Status ran = impl_->context.run();
  if (!ran)
    return ran;
  outputs.clear();
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (bindings[i].isInput)
      continue;
    std::vector<uint8_t> &bytes = outputs.emplace_back(bindings[i].bytes);
    if (!bytes.empty())
      KILN_CUDA_TRY(cudaMemcpyAsync(bytes.data(), impl_->buffers[i], bytes.size(),
                                    cudaMemcpyDeviceToHost, stream),
                    "reading output '" + bindings[i].name + "' back");
  }
  KILN_CUDA_TRY(cudaStreamSynchronize(stream), "reading the outputs back");
  return Status::success();
}

namespace {

float median(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// Each run's step times in the order the context reports them (step
/// order); names may repeat, so they are not the key.
class StepRecorder : public Profiler {
public:
  void reportStepTime(const std::string &, float milliseconds) override {
    current_.push_back(milliseconds);
  }
  void endRun() override {
    Profiler::endRun();
    perRun.push_back(std::move(current_));
    current_.clear();
  }
  std::vector<std::vector<float>> perRun;

private:
  std::vector<float> current_;
};

/// The profiler is detached however the caller returns.
struct ProfilerScope {
  ExecutionContext &context;
  ~ProfilerScope() { (void)context.setProfiler(nullptr); }
};

/// CUDA graphs on for a scope, then as they were.
struct GraphMode {
  explicit GraphMode(ExecutionContext &context)
      : context(context), wasEnabled(context.cudaGraphEnabled()) {
    context.enableCudaGraph(true);
  }
  ~GraphMode() { context.enableCudaGraph(wasEnabled); }
  ExecutionContext &context;
  bool wasEnabled;
};
} // namespace

Expected<std::vector<float>> HostRunner::timeSteps(int runs) {
  if (runs < 1)
    return Status(ErrorCode::InvalidArgument, "timeSteps needs at least one run");
  ExecutionContext &context = impl_->context;
  // As a graph, as engines run: a step's time is the GPU's, never the
  // host's time to enqueue it.
  GraphMode graph(context);
  StepRecorder recorder;
  if (Status s = context.setProfiler(&recorder); !s)
    return s;
  ProfilerScope scope{context};
  for (int i = 0; i <= runs; ++i)
    if (Status s = context.run(); !s)
      return s;
  size_t steps = context.engine().numSteps();
  std::vector<float> medians(steps);
  for (size_t step = 0; step < steps; ++step) {
    std::vector<float> times;
    // The first run warms up (module loads, cuDNN plan caches).
    for (size_t run = 1; run < recorder.perRun.size(); ++run) {
      if (recorder.perRun[run].size() != steps)
        return Status(ErrorCode::InvalidEngine, "a profiled run reported " +
                                               std::to_string(recorder.perRun[run].size()) +
                                               " step times for " + std::to_string(steps) +
                                               " steps");
      times.push_back(recorder.perRun[run][step]);
    }
    medians[step] = median(std::move(times));
  }
  return medians;
}

Expected<float> HostRunner::timeGraph(int runs) {
  if (runs < 1)
    return Status(ErrorCode::InvalidArgument, "timeGraph needs at least one run");
  ExecutionContext &context = impl_->context;
  GraphMode graph(context);
  cudaStream_t stream = context.ownStream();
  cudaEvent_t start = nullptr, stop = nullptr;
  KILN_CUDA_TRY(cudaEventCreate(&start), "cudaEventCreate");
  struct Events {
    cudaEvent_t &start, &stop;
    ~Events() {
      if (start)
        cudaEventDestroy(start);
      if (stop)
        cudaEventDestroy(stop);
    }
  } events{start, stop};
  KILN_CUDA_TRY(cudaEventCreate(&stop), "cudaEventCreate");
  constexpr int kWarmUp = 5;
  std::vector<float> times;
  for (int i = 0; i < kWarmUp + runs; ++i) {
    KILN_CUDA_TRY(cudaEventRecord(start, stream), "cudaEventRecord");
    if (Status s = context.enqueue(stream); !s)
      return s;
    KILN_CUDA_TRY(cudaEventRecord(stop, stream), "cudaEventRecord");
    KILN_CUDA_TRY(cudaEventSynchronize(stop), "waiting for a timed run");
    float milliseconds = 0;
    KILN_CUDA_TRY(cudaEventElapsedTime(&milliseconds, start, stop), "cudaEventElapsedTime");
    if (i >= kWarmUp)
      times.push_back(milliseconds);
  }
  return median(std::move(times));
}

HostRunner::HostRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HostRunner::HostRunner(HostRunner &&) noexcept = default;
HostRunner &HostRunner::operator=(HostRunner &&) noexcept = default;
HostRunner::~HostRunner() = default;

} // namespace kiln::runtime
