//===- GpuRunner.cpp - kernels on a GPU, through NVRTC and the driver -----===//
//
// For the GPU machine: the prelude and all kernels compile with compileCuda
// into one cubin, loaded with the CUDA driver API, which is opened at run
// time (libcuda.so.1) so the tool builds and runs elsewhere without it.
// Buffers are copied in, the kernel launched with the grid and block the
// emitter chose, and outputs copied back.
//
//===----------------------------------------------------------------------===//

#include "Runner.h"

#include "kiln/target/cuda/Nvrtc.h"

#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

namespace {
// The few driver API declarations needed (cuda.h is not required).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuGetErrorString)(CUresult, const char **);
};

class GpuRunner : public Runner {
public:
  explicit GpuRunner(unsigned arch) : arch(arch) {}
  bool load();
  bool prepare(std::vector<Kernel> &kernels) override;
  bool run(const Kernel &kernel, std::vector<std::vector<char>> &buffers,
           std::string &error) override;

private:
  /// False, with `error` naming the call and the driver's message, on failure.
  bool check(CUresult result, const char *what, std::string &error) {
    if (result == 0)
      return true;
    const char *text = "unknown error";
    driver.cuGetErrorString(result, &text);
    error = std::string(what) + ": " + text;
    return false;
  }

  unsigned arch;
  Driver driver{};
  CUmodule module = nullptr;
  std::vector<char> cubin;
};
} // namespace

bool GpuRunner::load() {
  void *library = dlopen("libcuda.so.1", RTLD_NOW);
  if (!library) {
    llvm::errs() << "no CUDA driver (libcuda.so.1): " << dlerror() << "\n";
    return false;
  }
  auto bind = [&](auto &slot, const char *name) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(dlsym(library, name));
    if (!slot)
      llvm::errs() << "the CUDA driver lacks " << name << "\n";
    return slot != nullptr;
  };
  return bind(driver.cuInit, "cuInit") && bind(driver.cuDeviceGet, "cuDeviceGet") &&
         bind(driver.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
         bind(driver.cuCtxSetCurrent, "cuCtxSetCurrent") &&
         bind(driver.cuModuleLoadData, "cuModuleLoadData") &&
         bind(driver.cuModuleGetFunction, "cuModuleGetFunction") &&
         bind(driver.cuMemAlloc, "cuMemAlloc_v2") && bind(driver.cuMemFree, "cuMemFree_v2") &&
         bind(driver.cuMemcpyHtoD, "cuMemcpyHtoD_v2") &&
         bind(driver.cuMemcpyDtoH, "cuMemcpyDtoH_v2") &&
         bind(driver.cuLaunchKernel, "cuLaunchKernel") &&
         bind(driver.cuCtxSynchronize, "cuCtxSynchronize") &&
         bind(driver.cuGetErrorString, "cuGetErrorString");
}

bool GpuRunner::prepare(std::vector<Kernel> &kernels) {
  std::string unit = kiln::cuda::prelude().str();
  for (const Kernel &kernel : kernels)
    unit += kernel.source.source;
  llvm::Expected<kiln::cuda::CompiledCuda> compiled = kiln::cuda::compileCuda(unit, {arch});
  if (!compiled) {
    llvm::errs() << llvm::toString(compiled.takeError()) << "\n";
    return false;
  }
  cubin = std::move(compiled->cubins.front().image);
  std::string error;
  CUdevice device;
  CUcontext context;
  if (!check(driver.cuInit(0), "cuInit", error) ||
      !check(driver.cuDeviceGet(&device, 0), "cuDeviceGet", error) ||
      !check(driver.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain",
             error) ||
      !check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent", error) ||
      !check(driver.cuModuleLoadData(&module, cubin.data()), "cuModuleLoadData", error)) {
    llvm::errs() << error << "\n";
    return false;
  }
  return true;
}

bool GpuRunner::run(const Kernel &kernel, std::vector<std::vector<char>> &buffers,
                    std::string &error) {
  CUfunction function;
  if (!check(driver.cuModuleGetFunction(&function, module, kernel.source.entry.c_str()),
             "cuModuleGetFunction", error))
    return false;
  std::vector<CUdeviceptr> pointers(buffers.size(), 0);
  bool ok = true;
  for (size_t i = 0; ok && i < buffers.size(); ++i)
    ok = check(driver.cuMemAlloc(&pointers[i], buffers[i].size()), "cuMemAlloc", error) &&
         check(driver.cuMemcpyHtoD(pointers[i], buffers[i].data(), buffers[i].size()),
               "cuMemcpyHtoD", error);
  std::vector<void *> params;
  for (CUdeviceptr &pointer : pointers)
    params.push_back(&pointer);
  const kiln::cuda::KernelSource &source = kernel.source;
  ok = ok &&
       check(driver.cuLaunchKernel(function, source.grid[0], source.grid[1], source.grid[2],
                                   source.block[0], source.block[1], source.block[2],
                                   source.sharedMemBytes, nullptr, params.data(), nullptr),
             "cuLaunchKernel", error) &&
       check(driver.cuCtxSynchronize(), "the kernel", error);
  for (size_t i = 0; ok && i < buffers.size(); ++i)
    ok = check(driver.cuMemcpyDtoH(buffers[i].data(), pointers[i], buffers[i].size()),
               "cuMemcpyDtoH", error);
  for (CUdeviceptr pointer : pointers)
    if (pointer)
      driver.cuMemFree(pointer);
  return ok;
}

std::unique_ptr<Runner> makeGpuRunner(unsigned arch) {
  if (!kiln::cuda::haveNvrtc()) {
    llvm::errs() << "--device=gpu needs NVRTC, which this build lacks\n";
    return nullptr;
  }
  auto runner = std::make_unique<GpuRunner>(arch);
  if (!runner->load())
    return nullptr;
  return runner;
}
