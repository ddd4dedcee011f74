// Records allocations and frees at the CUDA runtime and driver APIs with
// CUPTI's callback API, and counts cuDNN/cuBLASLt handle calls through the
// linker's --wrap (see runtime/test/CMakeLists.txt). Only the test binary
// links CUPTI; the runtime library does not.
#include "CuptiRecorder.h"

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <cupti.h> // with the parameter structs of every call (generated_*_meta.h)
#include <dlfcn.h>
#include <execinfo.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>

namespace kiln::runtime::test {

namespace {

using Kind = MemoryEvent::Kind;

struct RecorderState {
  std::mutex mutex;
  Recording recording;
  CUpti_SubscriberHandle subscriber = nullptr;
};

// Never destroyed: CUPTI may call back while the process exits.
RecorderState &state() {
  static RecorderState *instance = new RecorderState;
  return *instance;
}

// Depth of runtime allocation or free calls on this thread: the driver calls
// that implement them are not counted a second time.
thread_local int runtimeMemoryDepth = 0;
// The wrapped handle call this thread is in, if any.
thread_local const char *insideHandleCall = nullptr;

bool startsWith(const char *text, const char *prefix) {
  return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

// By name, so that every variant (_v2, _ptsz, Async, FromPool, Pitch, 3D,
// Managed, arrays) counts. Pinned host names first: they share prefixes.
std::optional<Kind> classify(const char *name) {
  static const char *const pinnedHost[] = {"cudaMallocHost", "cudaHostAlloc",  "cudaHostRegister",
                                           "cuMemAllocHost", "cuMemHostAlloc", "cuMemHostRegister"};
  static const char *const device[] = {"cudaMalloc",    "cuMemAlloc",      "cuMemCreate",
                                       "cuArrayCreate", "cuArray3DCreate", "cuMipmappedArrayCreate"};
  static const char *const frees[] = {"cudaFree",       "cudaHostUnregister",     "cuMemFree",
                                      "cuMemRelease",   "cuArrayDestroy",         "cuMipmappedArrayDestroy",
                                      "cuMemHostUnregister"};
  for (const char *prefix : pinnedHost)
    if (startsWith(name, prefix))
      return Kind::PinnedHostAllocation;
  for (const char *prefix : device)
    if (startsWith(name, prefix))
      return Kind::DeviceAllocation;
  for (const char *prefix : frees)
    if (startsWith(name, prefix))
      return Kind::Free;
  return std::nullopt;
}

struct Decoded {
  uint64_t bytes = 0;
  uintptr_t address = 0;
  bool addressKnown = false;
};

template <typename Params, typename Out>
Decoded allocation(const void *params, Out Params::*out, size_t Params::*size) {
  const auto &p = *static_cast<const Params *>(params);
  Decoded d;
  d.bytes = p.*size;
  if (p.*out) {
    d.address = (uintptr_t)(*(p.*out)); // void * or CUdeviceptr
    d.addressKnown = true;
  }
  return d;
}

template <typename Params, typename Pointer>
Decoded release(const void *params, Pointer Params::*pointer) {
  Decoded d;
  d.address = (uintptr_t)(static_cast<const Params *>(params)->*pointer);
  d.addressKnown = true;
  return d;
}

// Sizes and addresses of the common calls (at exit, where the out-pointer is
// filled in); the others count without them.
Decoded decodeRuntime(CUpti_CallbackId id, const void *p) {
  switch (id) {
  case CUPTI_RUNTIME_TRACE_CBID_cudaMalloc_v3020:
    return allocation(p, &cudaMalloc_v3020_params::devPtr, &cudaMalloc_v3020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocManaged_v6000:
    return allocation(p, &cudaMallocManaged_v6000_params::devPtr,
                      &cudaMallocManaged_v6000_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocAsync_v11020:
    return allocation(p, &cudaMallocAsync_v11020_params::devPtr,
                      &cudaMallocAsync_v11020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocAsync_ptsz_v11020:
    return allocation(p, &cudaMallocAsync_ptsz_v11020_params::devPtr,
                      &cudaMallocAsync_ptsz_v11020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocFromPoolAsync_v11020:
    return allocation(p, &cudaMallocFromPoolAsync_v11020_params::ptr,
                      &cudaMallocFromPoolAsync_v11020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocFromPoolAsync_ptsz_v11020:
    return allocation(p, &cudaMallocFromPoolAsync_ptsz_v11020_params::ptr,
                      &cudaMallocFromPoolAsync_ptsz_v11020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaMallocHost_v3020:
    return allocation(p, &cudaMallocHost_v3020_params::ptr, &cudaMallocHost_v3020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaHostAlloc_v3020:
    return allocation(p, &cudaHostAlloc_v3020_params::pHost, &cudaHostAlloc_v3020_params::size);
  case CUPTI_RUNTIME_TRACE_CBID_cudaFree_v3020:
    return release(p, &cudaFree_v3020_params::devPtr);
  case CUPTI_RUNTIME_TRACE_CBID_cudaFreeHost_v3020:
    return release(p, &cudaFreeHost_v3020_params::ptr);
  case CUPTI_RUNTIME_TRACE_CBID_cudaFreeAsync_v11020:
    return release(p, &cudaFreeAsync_v11020_params::devPtr);
  case CUPTI_RUNTIME_TRACE_CBID_cudaFreeAsync_ptsz_v11020:
    return release(p, &cudaFreeAsync_ptsz_v11020_params::devPtr);
  default: return {};
  }
}

Decoded decodeDriver(CUpti_CallbackId id, const void *p) {
  switch (id) {
  case CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2:
    return allocation(p, &cuMemAlloc_v2_params::dptr, &cuMemAlloc_v2_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged:
    return allocation(p, &cuMemAllocManaged_params::dptr, &cuMemAllocManaged_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync:
    return allocation(p, &cuMemAllocAsync_params::dptr, &cuMemAllocAsync_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync_ptsz:
    return allocation(p, &cuMemAllocAsync_ptsz_params::dptr,
                      &cuMemAllocAsync_ptsz_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync:
    return allocation(p, &cuMemAllocFromPoolAsync_params::dptr,
                      &cuMemAllocFromPoolAsync_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync_ptsz:
    return allocation(p, &cuMemAllocFromPoolAsync_ptsz_params::dptr,
                      &cuMemAllocFromPoolAsync_ptsz_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost_v2:
    return allocation(p, &cuMemAllocHost_v2_params::pp, &cuMemAllocHost_v2_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc:
    return allocation(p, &cuMemHostAlloc_params::pp, &cuMemHostAlloc_params::bytesize);
  case CUPTI_DRIVER_TRACE_CBID_cuMemCreate: {
    Decoded d;
    d.bytes = static_cast<const cuMemCreate_params *>(p)->size;
    return d;
  }
  case CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2: return release(p, &cuMemFree_v2_params::dptr);
  case CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost: return release(p, &cuMemFreeHost_params::p);
  case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync: return release(p, &cuMemFreeAsync_params::dptr);
  case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync_ptsz:
    return release(p, &cuMemFreeAsync_ptsz_params::dptr);
  default: return {};
  }
}

// The shared object that made the call: the first frame, past this
// executable's callback, that is neither CUPTI nor the driver. Static cudart
// lives in its caller (Kiln and the tests in this executable; cuDNN and
// cuBLASLt in their own libraries).
std::string callerLibrary() {
  void *frames[64];
  int count = backtrace(frames, 64);
  Dl_info self{};
  if (!dladdr(reinterpret_cast<void *>(&callerLibrary), &self))
    return "unknown";
  int i = 0;
  for (Dl_info info{}; i < count; ++i)
    if (!dladdr(frames[i], &info) || info.dli_fbase != self.dli_fbase)
      break;
  for (; i < count; ++i) {
    Dl_info info{};
    if (!dladdr(frames[i], &info) || !info.dli_fname)
      return "unknown";
    if (info.dli_fbase == self.dli_fbase)
      return "this executable";
    const char *slash = std::strrchr(info.dli_fname, '/');
    const char *file = slash ? slash + 1 : info.dli_fname;
    if (!startsWith(file, "libcupti") && !startsWith(file, "libcuda.so"))
      return file;
  }
  return "unknown";
}

void CUPTIAPI onApiCall(void *, CUpti_CallbackDomain domain, CUpti_CallbackId id,
                        const void *data) {
  if (domain == CUPTI_CB_DOMAIN_RESOURCE) {
    if (id == CUPTI_CBID_RESOURCE_MODULE_LOADED) {
      std::lock_guard<std::mutex> lock(state().mutex);
      ++state().recording.modulesLoaded;
    }
    return;
  }
  if (domain != CUPTI_CB_DOMAIN_RUNTIME_API && domain != CUPTI_CB_DOMAIN_DRIVER_API)
    return;
  const auto *info = static_cast<const CUpti_CallbackData *>(data);
  const char *name = info->functionName ? info->functionName : "?";
  std::optional<Kind> kind = classify(name);
  bool runtime = domain == CUPTI_CB_DOMAIN_RUNTIME_API;
  if (info->callbackSite == CUPTI_API_ENTER) {
    {
      std::lock_guard<std::mutex> lock(state().mutex);
      ++state().recording.calls[name];
    }
    if (runtime && kind)
      ++runtimeMemoryDepth;
    return;
  }
  if (!kind)
    return;
  if (runtime)
    runtimeMemoryDepth -= runtimeMemoryDepth > 0; // 0 when subscribed mid-call
  else if (runtimeMemoryDepth > 0)
    return; // the driver's half of a runtime call already counted
  bool succeeded =
      info->functionReturnValue &&
      (runtime ? *static_cast<const cudaError_t *>(info->functionReturnValue) == cudaSuccess
               : *static_cast<const CUresult *>(info->functionReturnValue) == CUDA_SUCCESS);
  if (!succeeded)
    return;
  Decoded decoded = runtime ? decodeRuntime(id, info->functionParams)
                            : decodeDriver(id, info->functionParams);
  if (*kind == Kind::Free && decoded.addressKnown && decoded.address == 0)
    return; // cudaFree(nullptr) initialises CUDA and frees nothing
  MemoryEvent event;
  event.kind = *kind;
  event.function = name;
  event.bytes = decoded.bytes;
  event.address = decoded.address;
  event.library = callerLibrary();
  event.inside = insideHandleCall ? insideHandleCall : "";
  std::lock_guard<std::mutex> lock(state().mutex);
  state().recording.events.push_back(std::move(event));
}

std::string cuptiMessage(CUptiResult result) {
  const char *text = nullptr;
  cuptiGetResultString(result, &text);
  return text ? text : "CUPTI error " + std::to_string(static_cast<int>(result));
}

// Marks the wrapped handle call this thread is in.
class HandleCall {
public:
  explicit HandleCall(const char *name) : previous_(insideHandleCall) { insideHandleCall = name; }
  ~HandleCall() { insideHandleCall = previous_; }

private:
  const char *previous_;
};

void countHandleCall(int Recording::*counter) {
  std::lock_guard<std::mutex> lock(state().mutex);
  ++(state().recording.*counter);
}

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::DeviceAllocation: return "device allocation";
  case Kind::PinnedHostAllocation: return "pinned host allocation";
  case Kind::Free: return "free";
  }
  return "?";
}

} // namespace

std::vector<MemoryEvent> Recording::of(MemoryEvent::Kind kind) const {
  std::vector<MemoryEvent> found;
  for (const MemoryEvent &event : events)
    if (event.kind == kind)
      found.push_back(event);
  return found;
}

uint64_t Recording::callsTo(const std::string &function) const {
  uint64_t count = 0;
  for (const auto &[name, made] : calls)
    if (name == function || name.rfind(function + "_", 0) == 0)
      count += made;
  return count;
}

std::string Recording::describe() const {
  std::ostringstream out;
  out << events.size() << " allocation/free call(s)";
  for (const MemoryEvent &e : events) {
    out << "\n  " << kindName(e.kind) << ": " << e.function;
    if (e.bytes)
      out << " " << e.bytes << " bytes";
    if (e.address)
      out << " at 0x" << std::hex << e.address << std::dec;
    out << " from " << e.library;
    if (!e.inside.empty())
      out << " inside " << e.inside;
  }
  out << "\n  handles: cudnnCreate " << cudnnCreates << ", cudnnDestroy " << cudnnDestroys
      << ", cublasLtCreate " << cublasLtCreates << ", cublasLtDestroy " << cublasLtDestroys
      << "; modules loaded by the driver: " << modulesLoaded;
  return out.str();
}

std::string startRecording() {
  RecorderState &s = state();
  if (s.subscriber)
    return "";
  callerLibrary(); // backtrace() loads its unwinder on first use: not inside a callback
  CUptiResult result = cuptiSubscribe(&s.subscriber, onApiCall, nullptr);
  if (result != CUPTI_SUCCESS) {
    s.subscriber = nullptr;
    return "cuptiSubscribe: " + cuptiMessage(result);
  }
  for (CUpti_CallbackDomain domain : {CUPTI_CB_DOMAIN_RUNTIME_API, CUPTI_CB_DOMAIN_DRIVER_API}) {
    result = cuptiEnableDomain(1, s.subscriber, domain);
    if (result != CUPTI_SUCCESS) {
      stopRecording();
      return "cuptiEnableDomain: " + cuptiMessage(result);
    }
  }
  result = cuptiEnableCallback(1, s.subscriber, CUPTI_CB_DOMAIN_RESOURCE,
                               CUPTI_CBID_RESOURCE_MODULE_LOADED);
  if (result != CUPTI_SUCCESS) {
    stopRecording();
    return "cuptiEnableCallback(module loaded): " + cuptiMessage(result);
  }
  takeRecording();
  return "";
}

void stopRecording() {
  RecorderState &s = state();
  if (s.subscriber)
    cuptiUnsubscribe(s.subscriber);
  s.subscriber = nullptr;
}

Recording takeRecording() {
  std::lock_guard<std::mutex> lock(state().mutex);
  Recording taken = std::move(state().recording);
  state().recording = Recording();
  return taken;
}

} // namespace kiln::runtime::test

// Kiln's calls that make and release library handles, counted. The linker
// sends the runtime's references to these names here (-Wl,--wrap=NAME) and
// __real_NAME to the library.
using kiln::runtime::test::Recording;

extern "C" {
cudnnStatus_t __real_cudnnCreate(cudnnHandle_t *handle);
cudnnStatus_t __real_cudnnDestroy(cudnnHandle_t handle);
cublasStatus_t __real_cublasLtCreate(cublasLtHandle_t *handle);
cublasStatus_t __real_cublasLtDestroy(cublasLtHandle_t handle);

cudnnStatus_t __wrap_cudnnCreate(cudnnHandle_t *handle) {
  kiln::runtime::test::HandleCall scope("cudnnCreate");
  cudnnStatus_t status = __real_cudnnCreate(handle);
  if (status == CUDNN_STATUS_SUCCESS)
    kiln::runtime::test::countHandleCall(&Recording::cudnnCreates);
  return status;
}

cudnnStatus_t __wrap_cudnnDestroy(cudnnHandle_t handle) {
  kiln::runtime::test::HandleCall scope("cudnnDestroy");
  cudnnStatus_t status = __real_cudnnDestroy(handle);
  if (status == CUDNN_STATUS_SUCCESS)
    kiln::runtime::test::countHandleCall(&Recording::cudnnDestroys);
  return status;
}

cublasStatus_t __wrap_cublasLtCreate(cublasLtHandle_t *handle) {
  kiln::runtime::test::HandleCall scope("cublasLtCreate");
  cublasStatus_t status = __real_cublasLtCreate(handle);
  if (status == CUBLAS_STATUS_SUCCESS)
    kiln::runtime::test::countHandleCall(&Recording::cublasLtCreates);
  return status;
}

cublasStatus_t __wrap_cublasLtDestroy(cublasLtHandle_t handle) {
  kiln::runtime::test::HandleCall scope("cublasLtDestroy");
  cublasStatus_t status = __real_cublasLtDestroy(handle);
  if (status == CUBLAS_STATUS_SUCCESS)
    kiln::runtime::test::countHandleCall(&Recording::cublasLtDestroys);
  return status;
}
}
