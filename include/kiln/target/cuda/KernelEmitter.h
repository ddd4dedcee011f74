//===- KernelEmitter.h - CUDA C++ kernels for groups of nn ops -*- C++ -*-===//
//
// Every nn op that does not go to cuDNN or cuBLASLt runs in a kernel Kiln
// generates. Lowering puts such ops into groups: a block whose arguments are
// the group's inputs and whose terminator's operands are its outputs, holding
// either one op or a chain of pointwise ops (plus small nn.constants, which
// become literals). emitKernel turns one group into one CUDA C++ kernel that
// reproduces the reference interpreter's semantics; docs/codegen.md describes
// the strategies.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TARGET_CUDA_KERNELEMITTER_H
#define KILN_TARGET_CUDA_KERNELEMITTER_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace kiln::cuda {

/// Memory layout of a group input or output: element strides, one per
/// dimension (row-major when empty). Outputs may be strided views: an
/// in-place concat's producer writes into a slice of a bigger buffer.
struct BufferLayout {
  llvm::SmallVector<int64_t> strides;
};

/// A grid of blocks of threads.
struct LaunchShape {
  std::array<uint32_t, 3> grid{1, 1, 1}, block{1, 1, 1};

  bool operator==(const LaunchShape &other) const {
    return grid == other.grid && block == other.block;
  }
};

/// One generated kernel.
struct KernelSource {
  /// The `extern "C" __global__` function's name (the `entry` asked for).
  std::string entry;
  /// The kernel and its helpers. Helpers are `static` or named with `entry`
  /// as prefix, so many kernels concatenate into one translation unit after
  /// prelude().
  std::string source;
  std::array<uint32_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  /// Dynamic shared memory; kernels use static shared memory, so this is 0.
  uint32_t sharedMemBytes = 0;
  /// The launch shapes tactic timing may choose from, grid/block among them,
  /// each correct once the source's launch bound is its block
  /// (withLaunchBound): grid-stride kernels run any block size; row kernels
  /// and depthwise convolutions hold a body per variant (withLaunchVariant).
  /// Empty when the strategy fixes the shape (tiled transpose, scans).
  llvm::SmallVector<LaunchShape> variants;
};

/// Emits the kernel of `group`. Its parameters, in order: one device pointer
/// per block argument, then one per terminator operand. `inputLayouts` and
/// `outputLayouts` may be empty (all contiguous, row-major). Inputs and
/// outputs must not overlap. On failure, emits a diagnostic at the offending
/// op (naming the op and why) and returns failure.
mlir::FailureOr<KernelSource>
emitKernel(mlir::Block &group, llvm::StringRef entry,
           llvm::ArrayRef<BufferLayout> inputLayouts = {},
           llvm::ArrayRef<BufferLayout> outputLayouts = {});

/// `source` (one kernel of emitKernel) with its `__launch_bounds__` set to
/// `threads`; nullopt unless the source declares exactly one launch bound.
std::optional<std::string> withLaunchBound(llvm::StringRef source, uint32_t threads);

/// Some kernels bake their launch shape into their code (row kernels: the
/// threads per row size register arrays and reductions). Their variants are
/// separate bodies of the one entry, each guarded by the block it runs with
/// and marked by a comment `// kiln launch variant XxYxZ` on the line that
/// opens it and the line that closes it.
std::string launchVariantMarker(const std::array<uint32_t, 3> &block);

/// Whether `source` holds a body per launch variant.
bool hasLaunchVariantBodies(llvm::StringRef source);

/// `source` with only the body of the variant for blocks of `block` (others
/// cost compile time and registers: a kernel's register count is its
/// largest body's); `source` itself when it has no variant bodies; nullopt
/// when it has some but none for `block`.
std::optional<std::string> withLaunchVariant(llvm::StringRef source,
                                             const std::array<uint32_t, 3> &block);

/// Whether emitKernel supports `op` (with its element types, static shapes
/// and attributes), so lowering can refuse early, naming the layer.
bool canEmit(mlir::Operation *op);

/// The common header prepended once to the translation unit: fp16/bf16
/// types, vector types, conversions and math helpers the kernels call.
llvm::StringRef prelude();

} // namespace kiln::cuda

#endif // KILN_TARGET_CUDA_KERNELEMITTER_H
