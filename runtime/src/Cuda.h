// CUDA plumbing shared by the runtime's sources: errors as Status, and the
// driver API reached through the CUDA runtime's entry-point query, so that
// nothing links libcuda.so (tools must start on machines without a driver).
#ifndef KILN_RUNTIME_SRC_CUDA_H
#define KILN_RUNTIME_SRC_CUDA_H

#include "kiln/runtime/Status.h"

#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime_api.h>

#include <string>

namespace kiln::runtime::detail {

/// The driver functions the runtime calls.
struct DriverApi {
  PFN_cuModuleLoadData_v2000 moduleLoadData = nullptr;
  PFN_cuModuleLoadDataEx_v2010 moduleLoadDataEx = nullptr;
  PFN_cuModuleUnload_v2000 moduleUnload = nullptr;
  PFN_cuModuleGetFunction_v2000 moduleGetFunction = nullptr;
  PFN_cuLaunchKernel_v4000 launchKernel = nullptr;
  PFN_cuFuncSetAttribute_v9000 funcSetAttribute = nullptr;
  PFN_cuGetErrorString_v6000 getErrorString = nullptr;
};

/// Resolved once, on first use.
Expected<const DriverApi *> driverApi();

Status cudaFailure(cudaError_t error, const std::string &what);
Status driverFailure(CUresult result, const std::string &what);

} // namespace kiln::runtime::detail

/// Returns a Status from the enclosing function when a CUDA runtime call fails.
#define KILN_CUDA_TRY(call, what)                                              \
  do {                                                                         \
    cudaError_t kilnError_ = (call);                                           \
    if (kilnError_ != cudaSuccess)                                             \
      return ::kiln::runtime::detail::cudaFailure(kilnError_, (what));         \
  } while (0)

#endif // KILN_RUNTIME_SRC_CUDA_H
