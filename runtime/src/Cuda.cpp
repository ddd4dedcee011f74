// CUDA errors as Status, the driver entry points, device and library queries.
#include "Cuda.h"

#include "kiln/runtime/Runtime.h"

#include <cublasLt.h>
#include <cudnn.h>
#include <mutex>

namespace kiln::runtime {

namespace detail {

Status cudaFailure(cudaError_t error, const std::string &what) {
  ErrorCode code = ErrorCode::CudaError;
  if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver ||
      error == cudaErrorInitializationError || error == cudaErrorStubLibrary ||
      error == cudaErrorDevicesUnavailable || error == cudaErrorSystemDriverMismatch ||
      error == cudaErrorCompatNotSupportedOnDevice)
    code = ErrorCode::NoDevice;
  return Status(code, what + ": " + cudaGetErrorName(error) + " (" +
                          cudaGetErrorString(error) + ")");
}

Status driverFailure(CUresult result, const std::string &what) {
  const char *text = nullptr;
  auto api = driverApi();
  if (api.ok() && (*api)->getErrorString)
    (*api)->getErrorString(result, &text);
  return Status(ErrorCode::CudaError, what + ": CUDA driver error " +
                                          std::to_string(static_cast<int>(result)) +
                                          (text ? std::string(" (") + text + ")" : ""));
}

Expected<const DriverApi *> driverApi() {
  static DriverApi api;
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
    auto resolve = [](const char *symbol, auto &function) -> Status {
      void *pointer = nullptr;
      cudaDriverEntryPointQueryResult result;
      cudaError_t error = cudaGetDriverEntryPointByVersion(symbol, &pointer, 12000,
                                                           cudaEnableDefault, &result);
      if (error != cudaSuccess)
        return cudaFailure(error, std::string("resolving ") + symbol);
      if (result != cudaDriverEntryPointSuccess || !pointer)
        return Status(ErrorCode::NoDevice,
                      std::string("the CUDA driver does not provide ") + symbol);
      function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(pointer);
      return Status::success();
    };
    for (Status s : {resolve("cuModuleLoadData", api.moduleLoadData),
                     resolve("cuModuleLoadDataEx", api.moduleLoadDataEx),
                     resolve("cuModuleUnload", api.moduleUnload),
                     resolve("cuModuleGetFunction", api.moduleGetFunction),
                     resolve("cuLaunchKernel", api.launchKernel),
                     resolve("cuFuncSetAttribute", api.funcSetAttribute),
                     resolve("cuGetErrorString", api.getErrorString)})
      if (!s.ok() && status.ok())
        status = s;
  });
  if (!status.ok())
    return status;
  return static_cast<const DriverApi *>(&api);
}

} // namespace detail

Expected<int> cudaDeviceCount() {
  int devices = 0, driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0)
    return Status(ErrorCode::NoDevice,
                  "no CUDA driver is installed (libcuda.so.1 cannot be loaded)");
  cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess) {
    Status status = detail::cudaFailure(error, "no usable CUDA GPU");
    return Status(ErrorCode::NoDevice, status.message());
  }
  if (devices == 0)
    return Status(ErrorCode::NoDevice, "no CUDA GPU found");
  return devices;
}

RuntimeVersions runtimeVersions() {
  RuntimeVersions versions;
  if (cudaDriverGetVersion(&versions.cudaDriver) != cudaSuccess)
    versions.cudaDriver = 0;
  if (cudaRuntimeGetVersion(&versions.cudaRuntime) != cudaSuccess)
    versions.cudaRuntime = 0;
  versions.cudnn = static_cast<int>(cudnnGetVersion());
  versions.cublasLt = static_cast<int>(cublasLtGetVersion());
  return versions;
}

} // namespace kiln::runtime
