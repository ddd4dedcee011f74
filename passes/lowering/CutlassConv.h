//===- CutlassConv.h - INT8 convolutions on CUTLASS kernels -*- C++ -*-===//
//
// The CUTLASS half of kiln-select-tactics: a fused INT8 engine.conv that the
// CUTLASS implicit-GEMM kernels can run (lib/target/cuda/ImplicitGemm.h) is
// timed with each of their configurations against cuDNN's best engine, and
// becomes an engine.launch of an engine.kernel when one is faster (or when
// the option int8-conv-kernel forces a configuration).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_LOWERING_CUTLASSCONV_H
#define KILN_PASSES_LOWERING_CUTLASSCONV_H

#include "KernelTactics.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/target/cuda/ImplicitGemm.h"

#include "llvm/ADT/DenseMap.h"

#include <string>

namespace kiln {

/// The CUTLASS problem of `conv`, or failure with the reason in `why`: a
/// 2-D fused INT8 convolution (a scale), channels-last, contiguous buffers,
/// groups 1, i8 output, relu or none, C and K multiples of 16.
mlir::FailureOr<cuda::Int8ConvProblem> getCutlassInt8Problem(engine::ConvOp conv,
                                                             std::string &why);

/// Replaces `conv` by a launch of a new kernel running `config` on the same
/// buffers; `tactic` and `source` become the launch's `tactic` and
/// `engine.tactic_source` (none when empty).
engine::LaunchOp replaceWithCutlassKernel(engine::ConvOp conv,
                                          const cuda::Int8ConvProblem &problem,
                                          const cuda::CutlassConvConfig &config,
                                          llvm::StringRef tactic, llvm::StringRef source);

/// How the eligible convolutions were settled.
struct CutlassConvCounts {
  int64_t timed = 0, cached = 0, kept = 0, replaced = 0;
  bool updated = false;
};

/// `option` is int8-conv-kernel: "cudnn" does nothing; "cutlass:<config>"
/// replaces every eligible convolution by that kernel; "auto" compares, per
/// eligible convolution whose cuDNN time is in `cudnnTimes`, the CUTLASS
/// configurations (from `cache`, else timed with `timer`) with it and
/// replaces the convolution when one is faster. Fails on a bad option.
mlir::FailureOr<CutlassConvCounts>
selectCutlassConvs(mlir::ModuleOp module, llvm::StringRef option,
                   const llvm::DenseMap<mlir::Operation *, double> &cudnnTimes,
                   tactics::TimingCache &cache, runtime::TacticTimer *timer,
                   const KernelTacticsTarget &target, bool progress);

} // namespace kiln

#endif // KILN_PASSES_LOWERING_CUTLASSCONV_H
