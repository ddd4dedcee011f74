//===- Families.h - the kernel strategies of each op family -*- C++ -*-===//
//
// Private to lib/target/cuda. KernelEmitter.cpp reads a group and hands it to
// one of these: the pointwise engine (pointwise chains and every op that is
// a strided copy or a per-channel map), row kernels (reductions, softmax,
// normalizations), window kernels (pools, LRN), gathers (pad, gather, tile,
// ...), the tiled transpose, resize, scan and top-k.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_TARGET_CUDA_FAMILIES_H
#define KILN_LIB_TARGET_CUDA_FAMILIES_H

#include "Emitter.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

namespace kiln::cuda::detail {

/// One non-pointwise op of a group, with views of its operands and of the
/// results the group writes (nullopt for a result nothing reads; the only
/// result of a single-result op is always written, since a group outputs
/// something and only the op's results).
struct OpKernel {
  mlir::Operation *op;
  llvm::SmallVector<TensorView> operands;
  llvm::SmallVector<std::optional<TensorView>> results;
  /// A float cast fused before or after `op`: a pad or a transpose moves
  /// operand 0's elements and stores them converted to the result's type
  /// (one reformat kernel for a layout change and a type change, as
  /// TensorRT's reformat layers do); softmax and the normalizations round
  /// their result to its type and store it converted. Null otherwise.
  mlir::Operation *convert = nullptr;
};

//===----------------------------------------------------------------------===//
// Element computations (Elementwise.cpp)
//===----------------------------------------------------------------------===//

/// One element of a pointwise computation: the value-form variable of every
/// value computed so far, and the element's coordinates.
struct ElementScope {
  KernelWriter &w;
  llvm::DenseMap<mlir::Value, std::string> vars;
  /// Coordinate along dimension `dim` of value `value`'s element (read for
  /// per-axis quantized values).
  std::function<std::string(mlir::Value value, int64_t dim)> coordinate;
};

/// Whether emitElementOp computes `op` (pointwise ops and batch_norm).
bool isElementOp(mlir::Operation *op);

/// Emits the computation of `op`'s result for one element from its
/// operands' variables in `scope`, and records the result's variable.
llvm::LogicalResult emitElementOp(ElementScope &scope, mlir::Operation *op);

/// Emits float cast `cast` (an OpKernel's `convert`) of `value`, a value-form
/// element of the cast's input type, and returns the value form of its
/// result.
std::string emitFusedCast(KernelWriter &w, mlir::Operation *cast, const std::string &value);

//===----------------------------------------------------------------------===//
// The pointwise engine (Pointwise.cpp)
//===----------------------------------------------------------------------===//

/// A tensor a pointwise phase reads, through `strides` over the phase's
/// iteration shape (0 where it broadcasts).
struct PointwiseLeaf {
  mlir::Value value;
  TensorView view;
  llvm::SmallVector<int64_t> strides;
};

/// A tensor a pointwise phase writes: `value` at every position, through
/// `strides` over the iteration shape.
struct PointwiseOutput {
  mlir::Value value;
  TensorView view;
  llvm::SmallVector<int64_t> strides;
};

/// One loop over an iteration shape: read the leaves, run `ops` in order,
/// write the outputs.
struct PointwisePhase {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<PointwiseLeaf> leaves;
  llvm::SmallVector<mlir::Operation *> ops;
  llvm::SmallVector<PointwiseOutput> outputs;
};

/// Emits one grid-stride loop per phase (vectorized where the layouts allow)
/// into one kernel.
Launch emitPointwise(KernelWriter &w, llvm::ArrayRef<PointwisePhase> phases);

/// A phase copying `from` (read through `strides` over `to`'s shape) to
/// `to`; `value` names what is copied.
PointwisePhase copyPhase(mlir::Value value, const TensorView &from,
                         llvm::SmallVector<int64_t> strides, const TensorView &to);

/// `view` seen from `offset` elements further, as a tensor of `shape` with
/// `strides` (a slice, a piece of a concat's result).
TensorView shiftedView(TensorView view, int64_t offset, llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<int64_t> strides);

/// One thread per element of `output` (a grid-stride loop): `source(o)`
/// emits what it needs for output coordinates `o` and returns the storage
/// expression to store. `bound` is the largest offset read.
Launch emitGather(KernelWriter &w, const TensorView &output, int64_t bound,
                  llvm::function_ref<std::string(llvm::ArrayRef<std::string>)> source);

//===----------------------------------------------------------------------===//
// Families
//===----------------------------------------------------------------------===//

/// batch_norm: a per-channel map through the pointwise engine.
mlir::FailureOr<Launch> emitBatchNorm(KernelWriter &w, OpKernel &kernel);
/// reduce, global_pool, arg_max, arg_min (Reductions.cpp).
mlir::FailureOr<Launch> emitReductionOp(KernelWriter &w, OpKernel &kernel);
/// softmax, log_softmax, layer/instance/group norm (Norms.cpp).
mlir::FailureOr<Launch> emitNormOp(KernelWriter &w, OpKernel &kernel);
/// Pools and LRN (Windows.cpp).
mlir::FailureOr<Launch> emitWindowOp(KernelWriter &w, OpKernel &kernel);
/// Data movement: concat, split, slice, reshape, flatten, transpose, pad,
/// gather, gather_elements, expand, tile (Shuffles.cpp).
mlir::FailureOr<Launch> emitShuffle(KernelWriter &w, OpKernel &kernel);
/// resize (Resize.cpp).
mlir::FailureOr<Launch> emitResize(KernelWriter &w, OpKernel &kernel);
/// cumsum and top_k (Scans.cpp).
mlir::FailureOr<Launch> emitScanOp(KernelWriter &w, OpKernel &kernel);
/// conv with its fused epilogue (Conv.cpp).
mlir::FailureOr<Launch> emitConv(KernelWriter &w, OpKernel &kernel);

} // namespace kiln::cuda::detail

#endif // KILN_LIB_TARGET_CUDA_FAMILIES_H
