//===- Kernels.h - the reference interpreter's kernel table -*- C++ -*-===//
//
// Private to lib/reference: each op family's file registers one kernel per op
// in a table keyed by the op's TypeID, so supporting an op is one line in its
// family's register function, and "is this op supported" is a table lookup.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_REFERENCE_KERNELS_H
#define KILN_LIB_REFERENCE_KERNELS_H

#include "kiln/reference/Tensor.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>

namespace kiln::reference::detail {

using KernelResult = mlir::FailureOr<llvm::SmallVector<Tensor>>;
using Kernel = std::function<KernelResult(mlir::Operation *, llvm::ArrayRef<Tensor>)>;

class KernelTable {
public:
  /// Registers `fn(OpT, ArrayRef<Tensor>)`, which returns either one tensor
  /// (FailureOr<Tensor>) or all the results (KernelResult).
  template <typename OpT, typename Fn> void add(Fn fn) {
    kernels[mlir::TypeID::get<OpT>()] = [fn](mlir::Operation *op,
                                             llvm::ArrayRef<Tensor> operands) {
      return toResults(fn(llvm::cast<OpT>(op), operands));
    };
  }

  const Kernel *lookup(mlir::Operation *op) const {
    std::optional<mlir::RegisteredOperationName> name = op->getRegisteredInfo();
    if (!name)
      return nullptr;
    auto it = kernels.find(name->getTypeID());
    return it == kernels.end() ? nullptr : &it->second;
  }

private:
  static KernelResult toResults(mlir::FailureOr<Tensor> result) {
    if (mlir::failed(result))
      return mlir::failure();
    llvm::SmallVector<Tensor> results;
    results.push_back(std::move(*result));
    return results;
  }
  static KernelResult toResults(KernelResult results) { return results; }

  llvm::DenseMap<mlir::TypeID, Kernel> kernels;
};

void registerElementwiseKernels(KernelTable &table);
void registerLinearKernels(KernelTable &table);
void registerNormKernels(KernelTable &table);
void registerPoolReduceKernels(KernelTable &table);
void registerShapeKernels(KernelTable &table);
void registerResizeKernels(KernelTable &table);

//===----------------------------------------------------------------------===//
// Helpers shared by the families
//===----------------------------------------------------------------------===//

/// Element type of result `index` of `op`.
inline mlir::Type resultElementType(mlir::Operation *op, unsigned index = 0) {
  return mlir::getElementTypeOrSelf(op->getResult(index).getType());
}

/// The real values of `tensor` as an f64 tensor of the same shape: the form
/// float kernels compute on, whatever the operand's float or quantized type
/// (dequantizing first keeps per-axis scales with their elements when the
/// kernel then permutes dimensions).
inline Tensor asReals(const Tensor &tensor) {
  if (tensor.getElementType().isF64())
    return tensor;
  return Tensor(mlir::Float64Type::get(tensor.getElementType().getContext()),
                tensor.getShape(), tensor.toReals());
}

/// The permuted tensor: result dimension i is input dimension perm[i]. The
/// element type is `elementType` when given (a per-axis type whose axis
/// moved), else the input's.
Tensor transposeTensor(const Tensor &input, llvm::ArrayRef<int64_t> perm,
                       mlir::Type elementType = {});

/// Permutations between `N × D… × C` and `N × C × D…` for rank `rank`.
llvm::SmallVector<int64_t, 6> channelsLastToFirst(int64_t rank);
llvm::SmallVector<int64_t, 6> channelsFirstToLast(int64_t rank);

/// Real values of a tensor in channels-first order, whatever its layout.
inline Tensor toChannelsFirst(const Tensor &tensor, kiln::nn::Layout layout) {
  if (layout == kiln::nn::Layout::channels_first)
    return tensor;
  return transposeTensor(tensor, channelsLastToFirst(tensor.getRank()));
}

/// A tensor computed channels-first, returned in `layout`.
inline Tensor fromChannelsFirst(const Tensor &tensor, kiln::nn::Layout layout) {
  if (layout == kiln::nn::Layout::channels_first)
    return tensor;
  return transposeTensor(tensor, channelsFirstToLast(tensor.getRank()));
}

/// Calls `fn(outer, inner)` for every line along `axis` of a tensor of
/// `shape`: the line's elements are at `base + k * stride` for k < size,
/// where base = outer * size * stride + inner.
struct AxisLines {
  int64_t outer = 1, size = 1, stride = 1;
  AxisLines(llvm::ArrayRef<int64_t> shape, int64_t axis) {
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    size = shape[axis];
    for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
      stride *= shape[d];
  }
  int64_t base(int64_t o, int64_t i) const { return o * size * stride + i; }
  int64_t count() const { return outer * stride; }
  /// Base of line number `line` in [0, count()).
  int64_t lineBase(int64_t line) const { return base(line / stride, line % stride); }
};

/// Calls fn(position, coordinates) for every position of `sizes` in
/// row-major order.
template <typename Fn> void forEachPosition(llvm::ArrayRef<int64_t> sizes, Fn fn) {
  size_t rank = sizes.size();
  llvm::SmallVector<int64_t, 4> coords(rank, 0);
  int64_t count = numElementsOf(sizes);
  for (int64_t p = 0; p < count; ++p) {
    fn(p, llvm::ArrayRef<int64_t>(coords));
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      if (++coords[d] < sizes[d])
        break;
      coords[d] = 0;
    }
  }
}

} // namespace kiln::reference::detail

#endif // KILN_LIB_REFERENCE_KERNELS_H
