//===- Nvrtc.h - CUDA C++ to cubin and PTX through NVRTC ---------*- C++ -*-===//
//
// Stand-in for include/kiln/target/cuda/Nvrtc.h (and KernelEmitter.h's
// prelude) of the `cuda` branch, with their shape, until that branch lands;
// then this file goes.
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

/// The output of compiling one translation unit.
struct CompiledCuda {
  struct Cubin {
    unsigned arch; // 90 for sm_90
    std::vector<char> image;
  };
  /// One cubin per architecture, in the order asked.
  std::vector<Cubin> cubins;
  /// PTX of the lowest architecture.
  std::string ptx;
  unsigned ptxArch = 0;
  /// NVRTC's log (warnings), possibly empty.
  std::string log;
};

/// Compiles `source` for each architecture in `archs` (e.g. {90}). Errors
/// carry NVRTC's log.
llvm::Expected<CompiledCuda> compileCuda(llvm::StringRef source,
                                         llvm::ArrayRef<unsigned> archs,
                                         llvm::ArrayRef<std::string> options = {});

/// The header every translation unit of generated kernels starts with
/// (KernelEmitter.h's in the `cuda` branch).
llvm::StringRef prelude();

} // namespace kiln::cuda

#endif // KILN_LIB_ENGINE_NVRTC_H
