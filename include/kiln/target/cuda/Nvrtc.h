//===- Nvrtc.h - compiling generated CUDA C++ with NVRTC -*- C++ -*-===//
//
// Generated kernels are compiled at engine build time with NVRTC into one
// cubin per GPU architecture asked for, plus PTX of the lowest one so that a
// newer GPU can JIT it. Compilation is exact: no fast math.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TARGET_CUDA_NVRTC_H
#define KILN_TARGET_CUDA_NVRTC_H

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
  /// PTX of the lowest architecture (`.target sm_<arch>`, as compute_<arch>).
  std::string ptx;
  unsigned ptxArch = 0;
  /// NVRTC's log (warnings), possibly empty.
  std::string log;
};

/// Compiles `source` for each architecture in `archs` (e.g. {90}) with
/// `-default-device -std=c++17`, the CUDA include directory, and `options`
/// (extra NVRTC flags such as `-lineinfo`). Fails with a message holding
/// NVRTC's log when the source does not compile, or when Kiln was built
/// without NVRTC.
llvm::Expected<CompiledCuda> compileCuda(llvm::StringRef source,
                                         llvm::ArrayRef<unsigned> archs,
                                         llvm::ArrayRef<std::string> options = {});

/// Whether this build links NVRTC (else compileCuda always fails).
bool haveNvrtc();

/// NVRTC's version as "major.minor", or "none".
std::string nvrtcVersionString();

/// NVRTC's version as CUDA numbers it (13000 for 13.0), or 0 without NVRTC.
int nvrtcVersion();

} // namespace kiln::cuda

#endif // KILN_TARGET_CUDA_NVRTC_H
