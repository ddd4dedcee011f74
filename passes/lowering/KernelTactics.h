//===- KernelTactics.h - launch shapes of generated kernels -*- C++ -*-===//
//
// The generated-kernel half of kiln-select-tactics: each engine.launch that
// lists `variants` takes its launch shape from the timing cache, or from
// timing every variant on the GPU, or keeps the emitter's.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_LOWERING_KERNELTACTICS_H
#define KILN_PASSES_LOWERING_KERNELTACTICS_H

#include "kiln/runtime/Tactics.h"
#include "kiln/target/tactics/TimingCache.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace kiln {

/// What kernel cache entries must match.
struct KernelTacticsTarget {
  std::string gpu;           ///< empty: any name (no GPU)
  int computeCapability = 0; ///< 90
  int nvrtcVersion = 0;      ///< 13000; 0: no NVRTC, nothing matches
  /// The oldest compute capability the engine's kernels are compiled for
  /// (0: computeCapability's): kernels that need a newer one are not chosen.
  int minComputeCapability = 0;
};

/// How the launches with variants were settled.
struct KernelTacticsCounts {
  int64_t timed = 0, cached = 0, heuristic = 0;
  /// Whether timing added entries to the cache.
  bool updated = false;
};

/// Chooses the launch shape of every engine.launch with `variants`: a cache
/// entry, else (with `timer`) the fastest variant, else the emitter's.
/// Timing needs NVRTC; when a step cannot be timed, a warning says why and
/// it keeps the emitter's shape. Fails only on malformed IR.
mlir::FailureOr<KernelTacticsCounts>
selectKernelTactics(mlir::ModuleOp module, tactics::TimingCache &cache,
                    runtime::TacticTimer *timer, const KernelTacticsTarget &target,
                    bool progress);

/// Sets the launch bound of each kernel with a tuned launch to the largest
/// block it is launched with (the bound the variant was timed with; a lower
/// one would make the launch fail).
mlir::LogicalResult fitLaunchBounds(mlir::ModuleOp module);

/// Keeps, of each kernel with a body per launch variant (row kernels,
/// depthwise convolutions), the body of the block its launches use; their
/// `variants` stay (what was chosen among), though the kernel can no longer
/// be launched with another. Kernels whose launches use different blocks
/// keep every body. Fails when a kernel lacks the body its launch needs.
mlir::LogicalResult keepLaunchedVariants(mlir::ModuleOp module);

/// For tests: every launch with variants takes variant `index` (the last
/// when it has fewer), as if from the timing cache; launch bounds follow.
mlir::LogicalResult forceLaunchVariant(mlir::ModuleOp module, int64_t index);

/// Compiles `unit` with NVRTC for the timer's GPU and loads it into `timer`
/// for timeKernel; "" on success, else why not.
std::string loadForTiming(runtime::TacticTimer &timer, llvm::StringRef unit);

/// Whether `module` has a launch with variants to choose from.
bool hasKernelVariants(mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_PASSES_LOWERING_KERNELTACTICS_H
