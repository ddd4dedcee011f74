//===- Nvrtc.h - CUDA C++ to cubin and PTX through NVRTC ---------*- C++ -*-===//
//
// Stand-in for include/kiln/target/cuda/Nvrtc.h of the `cuda` branch, with its
// shape, until that branch lands; then this file goes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_ENGINE_NVRTC_H
#define KILN_LIB_ENGINE_NVRTC_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace kiln::cuda {

/// Machine code for one architecture.
struct Cubin {
  unsigned arch; ///< 90 for sm_90
  std::string image;
};

struct CompiledCuda {
  std::vector<Cubin> cubins; ///< one per requested architecture, in order
  std::string ptx;           ///< for the lowest architecture
};

/// Compiles one translation unit for each of `archs` ("sm_90"). Errors carry
/// NVRTC's log.
llvm::Expected<CompiledCuda> compileCuda(llvm::StringRef source,
                                         llvm::ArrayRef<std::string> archs,
                                         llvm::ArrayRef<std::string> options = {});

/// The header every translation unit of generated kernels starts with.
llvm::StringRef prelude();

/// 90 for "sm_90" (or "sm_90a"), or an error naming the bad spelling.
llvm::Expected<unsigned> parseArch(llvm::StringRef arch);

} // namespace kiln::cuda

#endif // KILN_LIB_ENGINE_NVRTC_H
