//===- ImplicitGemm.h - INT8 convolutions as CUTLASS implicit GEMMs -*- C++ -*-===//
//
// A fused INT8 convolution (engine.conv with a scale: i8 NHWC input and
// KRSC filter, int32 sums, f32 per-channel scale and bias, optional i8
// residual, relu or none, i8 output) as a CUTLASS 2.x implicit-GEMM fprop
// kernel on the tensor cores (Sm80 int8 MMA, 16x8x32), with Kiln's own
// epilogue on CUTLASS's visitor. The problem is compiled into the kernel, so
// the runtime launches it like any generated kernel: pointer arguments and a
// dynamic shared memory size. docs/codegen.md#int8-convolutions-on-cutlass.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TARGET_CUDA_IMPLICITGEMM_H
#define KILN_TARGET_CUDA_IMPLICITGEMM_H

#include "kiln/target/cuda/KernelEmitter.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::cuda {

/// One CUTLASS kernel configuration: threadblock and warp tiles (M = output
/// pixels, N = output channels, K = reduction) and pipeline stages.
struct CutlassConvConfig {
  const char *name; ///< "128x128x64_s4", what tactics and options call it
  int tileM, tileN, tileK;
  int warpM, warpN, warpK;
  int stages;
  /// Output channels each epilogue access covers (16 bytes of int8 where
  /// the warp tile is 64 channels wide, 8 where it is 32).
  int elementsPerAccess;
  /// Slices of the reduction (split-K): a cluster of `splitK` blocks along
  /// the grid's z shares each output tile, block z summing the channel
  /// blocks z, z + splitK, ... (CUTLASS's split_k_slices); block 0 adds the
  /// others' int32 sums from their shared memory (sm_90 distributed shared
  /// memory) and runs the epilogue. 1: no split.
  int splitK = 1;

  int threads() const { return (tileM / warpM) * (tileN / warpN) * 32; }
  /// The main loop's shared memory: every stage holds a tile of x and of w
  /// (the kernel asserts that it covers CUTLASS's SharedStorage); a split
  /// kernel's int32 sums of one tile must fit there too.
  uint32_t sharedMemBytes() const {
    uint32_t mainLoop = uint32_t(stages * (tileM + tileN) * tileK);
    uint32_t sums = splitK > 1 ? uint32_t(tileM * tileN * 4) : 0;
    return mainLoop > sums ? mainLoop : sums;
  }
  /// "cutlass 128x128x64 s4" ("cutlass 64x64x64 s4 split-k 4"), for reports.
  std::string describe() const;
};

/// Every configuration, those without split-K first (the fastest first on
/// the H100 at ResNet-50 batch-64 shapes), then the split-K ones.
llvm::ArrayRef<CutlassConvConfig> cutlassInt8ConvConfigs();

/// The configuration called `name`, or null.
const CutlassConvConfig *findCutlassInt8ConvConfig(llvm::StringRef name);

/// "128x256x64_s3, 256x128x64_s3, ...", for messages.
std::string cutlassInt8ConvConfigNames();

/// A 2-D INT8 convolution, NHWC: y[n, p, q, k] from x[n, h, w, c] and
/// w[k, r, s, c].
struct Int8ConvProblem {
  int64_t n = 0, h = 0, w = 0, c = 0, k = 0, r = 0, s = 0, p = 0, q = 0;
  int64_t padTop = 0, padLeft = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  bool residual = false;
  bool relu = false;
  float residualScale = 1.0f;
};

/// The oldest compute capability split-K kernels run on (thread-block
/// clusters).
constexpr int kClusterComputeCapability = 90;

/// The configurations worth timing for `problem` on kernels compiled for
/// compute capabilities `oldest` and up: every one without split-K, and,
/// from sm_90, a split-K one where its slices get equal shares of the
/// channel blocks (64 channels), the unsplit grid of 64x64 tiles is too
/// small to fill a large GPU (at most 256 blocks; batch-1 shapes) and no
/// int32 sum can saturate (R*S*C below 2^17).
std::vector<CutlassConvConfig> cutlassInt8ConvConfigsFor(const Int8ConvProblem &problem,
                                                         int oldest);

/// Why the kernels cannot run `problem` (C and K multiples of 16, filters
/// of at most 32x32, sizes within 32-bit indexing), or "" when they can.
std::string whyNotCutlassInt8Conv(const Int8ConvProblem &problem);

/// The kernel of `problem` with `config`, entry `entry`. Parameters, in
/// order: x, w, scale, bias, residual (only when `problem.residual`), y.
/// The source includes CUTLASS's headers (compileCuda adds their folder).
KernelSource emitCutlassInt8Conv(const Int8ConvProblem &problem,
                                 const CutlassConvConfig &config, llvm::StringRef entry);

/// Whether `source` needs the CUTLASS headers.
bool needsCutlass(llvm::StringRef source);

/// The folder holding `cutlass/cutlass.h` and `cute/`: $KILN_CUTLASS_INCLUDE_DIR
/// when set (it must hold them), else `cutlass/include` beside the running
/// tool's `bin/` (what scripts/package-gpu.sh ships), else the pip package
/// found at configure time. Fails with a message saying where it looked and
/// how to install them.
llvm::Expected<std::string> cutlassIncludeDir();

} // namespace kiln::cuda

#endif // KILN_TARGET_CUDA_IMPLICITGEMM_H
