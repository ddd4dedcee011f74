// Engine loading: the file is verified first (no GPU), then the device, its
// architecture and the libraries are checked, the weights uploaded once and
// the kernels' module loaded (cubin for the device, else PTX JIT).
#include "EngineImpl.h"

#include "kiln/runtime/Inspect.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace kiln::runtime {

namespace fb = kiln::fb;

namespace detail {

EngineImpl::~EngineImpl() {
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess && current != device)
    cudaSetDevice(device);
  if (module) {
    if (auto api = driverApi(); api.ok())
      (*api)->moduleUnload(module);
  }
  if (weights)
    cudaFree(weights);
  if (current >= 0 && current != device)
    cudaSetDevice(current);
}

namespace {

Status loadModule(EngineImpl &engine) {
  const fb::Engine &metadata = engine.metadata();
  engine.functions.assign(metadata.steps() ? metadata.steps()->size() : 0, nullptr);
  if (engine.code.kind == CodeChoice::None)
    return Status::success();
  auto api = driverApi();
  if (!api)
    return api.takeStatus();

  if (engine.code.kind == CodeChoice::Cubin) {
    const auto *cubin = metadata.code()->Get(engine.code.codeIndex)->cubin();
    // An 8-byte aligned copy: the FlatBuffer gives no alignment to byte vectors.
    std::vector<uint64_t> image((cubin->size() + 7) / 8);
    std::memcpy(image.data(), cubin->data(), cubin->size());
    CUresult result = (*api)->moduleLoadData(&engine.module, image.data());
    if (result != CUDA_SUCCESS)
      return driverFailure(result, "cuModuleLoadData of the cubin for sm_" +
                                       std::to_string(engine.deviceArch));
  } else {
    char log[8192] = {};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(static_cast<uintptr_t>(sizeof log))};
    CUresult result = (*api)->moduleLoadDataEx(&engine.module, metadata.ptx()->c_str(), 2,
                                               options, values);
    if (result != CUDA_SUCCESS) {
      Status status = driverFailure(result, "JIT compilation of the engine's PTX for sm_" +
                                                std::to_string(engine.deviceArch));
      return Status(ErrorCode::VersionMismatch,
                    status.message() + (log[0] ? std::string(": ") + log : ""));
    }
  }

  for (unsigned i = 0; i < engine.functions.size(); ++i) {
    const fb::Step *step = metadata.steps()->Get(i);
    if (step->kind_type() != fb::StepKind::LaunchStep)
      continue;
    const fb::LaunchStep *launch = step->kind_as_LaunchStep();
    CUresult result = (*api)->moduleGetFunction(&engine.functions[i], engine.module,
                                                launch->kernel()->c_str());
    if (result != CUDA_SUCCESS)
      return driverFailure(result, "kernel '" + launch->kernel()->str() +
                                       "' of step '" + engine.stepNames[i] + "'");
    const unsigned kDefaultSharedLimit = 48 * 1024;
    if (launch->shared_mem() > kDefaultSharedLimit) {
      result = (*api)->funcSetAttribute(engine.functions[i],
                                        CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                        static_cast<int>(launch->shared_mem()));
      if (result != CUDA_SUCCESS)
        return driverFailure(result, "allowing " + std::to_string(launch->shared_mem()) +
                                         " bytes of shared memory to '" +
                                         launch->kernel()->str() + "'");
    }
  }
  return Status::success();
}

Expected<std::shared_ptr<EngineImpl>> openOnDevice(EngineFile file, const LoadOptions &options) {
  auto devices = cudaDeviceCount();
  if (!devices)
    return devices.takeStatus();
  auto impl = std::make_shared<EngineImpl>(std::move(file));
  const fb::Engine &metadata = impl->metadata();
  impl->warnings = impl->file.warnings();

  int device = options.device;
  if (device < 0)
    KILN_CUDA_TRY(cudaGetDevice(&device), "cudaGetDevice");
  if (device >= *devices)
    return Status(ErrorCode::InvalidArgument,
                  "device " + std::to_string(device) + " requested, " +
                      std::to_string(*devices) + " present");
  KILN_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice");
  KILN_CUDA_TRY(cudaFree(nullptr), "initializing the CUDA context");
  impl->device = device;
  cudaDeviceProp properties;
  KILN_CUDA_TRY(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
  impl->deviceArch = static_cast<unsigned>(properties.major * 10 + properties.minor);
  impl->deviceName = properties.name;

  for (unsigned i = 0; metadata.steps() && i < metadata.steps()->size(); ++i)
    impl->stepNames.push_back(stepDisplayName(metadata, i));

  // Compatibility before any allocation.
  auto code = selectCode(metadata, impl->deviceArch, impl->warnings);
  if (!code)
    return code.takeStatus();
  impl->code = *code;
  RuntimeVersions versions = runtimeVersions();
  LibraryVersions found{versions.cudaDriver, versions.cudnn, versions.cublasLt};
  if (Status s = checkLibraryVersions(metadata, found, impl->code.kind == CodeChoice::Ptx,
                                      impl->warnings);
      !s.ok())
    return s;

  ByteSpan weights = impl->file.weights();
  if (weights.size) {
    KILN_CUDA_TRY(cudaMalloc(&impl->weights, weights.size),
                  "allocating " + std::to_string(weights.size) + " bytes of weights");
    // On a stream of its own, waited for: a plain cudaMemcpy from pageable
    // memory may return before its DMA lands, and the caller's non-blocking
    // streams would not wait for it (nor for the legacy default stream).
    cudaStream_t upload = nullptr;
    KILN_CUDA_TRY(cudaStreamCreateWithFlags(&upload, cudaStreamNonBlocking),
                  "creating the weights' upload stream");
    cudaError_t copied = cudaMemcpyAsync(impl->weights, weights.data, weights.size,
                                         cudaMemcpyHostToDevice, upload);
    if (copied == cudaSuccess)
      copied = cudaStreamSynchronize(upload);
    cudaStreamDestroy(upload);
    KILN_CUDA_TRY(copied, "uploading the weights");
  }
  if (Status s = loadModule(*impl); !s.ok())
    return s;

  for (unsigned i = 0; metadata.bindings() && i < metadata.bindings()->size(); ++i) {
    const fb::Binding *binding = metadata.bindings()->Get(i);
    BindingInfo info;
    info.name = binding->name()->str();
    info.dtype = static_cast<DataType>(binding->dtype());
    if (binding->shape())
      info.shape.assign(binding->shape()->begin(), binding->shape()->end());
    info.isInput = binding->is_input();
    info.layout = binding->layout() ? binding->layout()->str() : "";
    info.bytes = bindingBytes(*binding);
    impl->bindingIndex[info.name] = static_cast<int>(i);
    impl->bindings.push_back(std::move(info));
  }
  return impl;
}

} // namespace

} // namespace detail

Engine::Engine(std::shared_ptr<detail::EngineImpl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Expected<Engine> Engine::load(const std::string &path, const LoadOptions &options) {
  auto file = EngineFile::open(path);
  if (!file)
    return file.takeStatus();
  auto engine = fromFile(std::move(*file), options);
  if (!engine)
    return engine.takeStatus().prepend("'" + path + "': ");
  return engine;
}

Expected<Engine> Engine::loadFromMemory(const void *data, size_t size,
                                        const LoadOptions &options) {
  auto file = EngineFile::fromMemory(data, size);
  if (!file)
    return file.takeStatus();
  return fromFile(std::move(*file), options);
}

Expected<Engine> Engine::fromFile(EngineFile file, const LoadOptions &options) {
  auto impl = detail::openOnDevice(std::move(file), options);
  if (!impl)
    return impl.takeStatus();
  return Engine(std::move(*impl));
}

const std::vector<BindingInfo> &Engine::bindings() const { return impl_->bindings; }

int Engine::bindingIndex(const std::string &name) const {
  auto found = impl_->bindingIndex.find(name);
  return found == impl_->bindingIndex.end() ? -1 : found->second;
}

size_t Engine::numSteps() const { return impl_->stepNames.size(); }
std::string Engine::stepName(size_t index) const { return impl_->stepNames.at(index); }
uint64_t Engine::arenaSize() const { return impl_->metadata().arena_size(); }
uint64_t Engine::weightsSize() const { return impl_->metadata().weights_size(); }
int Engine::device() const { return impl_->device; }
const std::vector<std::string> &Engine::warnings() const { return impl_->warnings; }

std::string Engine::codeDescription() const {
  switch (impl_->code.kind) {
  case CodeChoice::Cubin: return "cubin sm_" + std::to_string(impl_->deviceArch);
  case CodeChoice::Ptx: return "PTX JIT for sm_" + std::to_string(impl_->deviceArch);
  case CodeChoice::None: return "none";
  }
  return "none";
}

std::string Engine::inspectJson() const { return inspectEngineJson(impl_->file); }
std::string Engine::inspectText() const { return inspectEngineText(impl_->file); }

Expected<ExecutionContext> Engine::createContext(const ContextOptions &options) const {
  auto impl = std::make_unique<detail::ContextImpl>(*this);
  if (Status status = impl->create(/*allocate=*/true, options); !status.ok())
    return status;
  return ExecutionContext(std::move(impl));
}

Expected<ExecutionContext>
Engine::createContextWithoutDeviceMemory(const ContextOptions &options) const {
  auto impl = std::make_unique<detail::ContextImpl>(*this);
  if (Status status = impl->create(/*allocate=*/false, options); !status.ok())
    return status;
  return ExecutionContext(std::move(impl));
}

Expected<uint64_t> Engine::deviceMemorySize(const ContextOptions &options) const {
  // The workspace is what the steps built on this GPU need, so it is measured
  // on a context (without memory) once per number of auxiliary streams.
  std::lock_guard<std::mutex> lock(impl_->deviceMemoryMutex);
  auto known = impl_->deviceMemoryBytes.find(options.maxAuxStreams);
  if (known != impl_->deviceMemoryBytes.end())
    return known->second;
  Expected<ExecutionContext> probe = createContextWithoutDeviceMemory(options);
  if (!probe)
    return probe.takeStatus();
  uint64_t bytes = probe->deviceMemorySize();
  impl_->deviceMemoryBytes[options.maxAuxStreams] = bytes;
  return bytes;
}

} // namespace kiln::runtime
