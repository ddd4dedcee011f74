//===- Runner.h - where kiln-emulate-cuda runs kernels -*- C++ -*-===//
//
// The CPU emulation (shim/, built with the host compiler) or a GPU (NVRTC and
// the CUDA driver, loaded at run time so the tool builds without CUDA).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_EMULATOR_RUNNER_H
#define KILN_TEST_EMULATOR_RUNNER_H

#include "kiln/target/cuda/KernelEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <memory>
#include <string>
#include <vector>

/// A function of the module and its kernel.
struct Kernel {
  mlir::func::FuncOp function;
  kiln::cuda::KernelSource source;
  /// What its result line is called (the function's name when empty).
  std::string label;
};

class Runner {
public:
  virtual ~Runner() = default;
  /// Compiles and loads every kernel; reports errors on stderr.
  virtual bool prepare(std::vector<Kernel> &kernels) = 0;
  /// Runs `kernel` on `buffers` (its parameters in order, in host memory;
  /// outputs are read back into theirs).
  virtual bool run(const Kernel &kernel, std::vector<std::vector<char>> &buffers,
                   std::string &error) = 0;
};

/// Kernels compiled by `compiler` against the emulation; sources kept in
/// `keep` when it is not empty. With `misalign`, every buffer is passed one
/// byte past an aligned address, so kernels take their element-by-element
/// paths instead of whole vectors.
std::unique_ptr<Runner> makeCpuRunner(const std::string &compiler, const std::string &keep,
                                      bool misalign = false);

/// Kernels compiled by NVRTC for sm_`arch` and run on GPU 0 (null, with a
/// message, when there is no NVRTC or no driver).
std::unique_ptr<Runner> makeGpuRunner(unsigned arch);

#endif // KILN_TEST_EMULATOR_RUNNER_H
