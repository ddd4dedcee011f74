// Running an engine on host data: see HostRunner.h.
#include "kiln/runtime/HostRunner.h"

#include "Cuda.h"

#include <algorithm>

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

HostRunner::HostRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HostRunner::HostRunner(HostRunner &&) noexcept = default;
HostRunner &HostRunner::operator=(HostRunner &&) noexcept = default;
HostRunner::~HostRunner() = default;

} // namespace kiln::runtime
