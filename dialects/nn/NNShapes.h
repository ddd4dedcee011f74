//===- NNShapes.h - shape arithmetic shared by nn ops -*- C++ -*-===//
//
// Plain functions on shapes and element types, used by the ops' type
// inference and verifiers (and, later, by the reference interpreter).
// Dynamic sizes (ShapedType::kDynamic) propagate.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_NN_NNSHAPES_H
#define KILN_DIALECTS_NN_NNSHAPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace kiln::nn {

using Shape = llvm::SmallVector<int64_t, 6>;

/// Emits `message` as an error at `location` when there is one; returns
/// failure either way, so inference can `return shapeError(...)`.
llvm::LogicalResult shapeError(std::optional<mlir::Location> location,
                               const llvm::Twine &message);

/// The float type a (possibly quantized) element type stands for.
mlir::Type getExpressedType(mlir::Type elementType);
bool isQuantized(mlir::Type elementType);

/// Numpy broadcasting of several shapes.
llvm::FailureOr<Shape> broadcastShapes(std::optional<mlir::Location> location,
                                       llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// Whether `from` broadcasts to `to` without changing `to` (unidirectional).
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Whether transposing `shape` by `permutation` moves only dimensions of
/// size 1: the elements keep their order, so the transpose is a reshape.
bool transposeKeepsOrder(llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<int64_t> permutation);

/// A sliding window over the spatial dimensions of a tensor.
struct Window {
  llvm::ArrayRef<int64_t> kernel, strides, pads, dilations;
  bool ceilMode = false;
};

/// Checks that the window's attributes fit `spatialRank` dimensions and hold
/// sane values (positive strides, dilations and kernel sizes).
llvm::LogicalResult verifyWindow(std::optional<mlir::Location> location,
                                 const Window &window, size_t spatialRank);

/// Output sizes of a convolution or pooling window over `spatial`.
llvm::FailureOr<Shape> windowOutputShape(std::optional<mlir::Location> location,
                                         llvm::ArrayRef<int64_t> spatial,
                                         const Window &window);

/// Checks `axes` are sorted, unique and in [0, rank).
llvm::LogicalResult verifyAxes(std::optional<mlir::Location> location,
                               llvm::ArrayRef<int64_t> axes, int64_t rank,
                               llvm::StringRef name);

/// Checks `axis` is in [0, rank).
llvm::LogicalResult verifyAxis(std::optional<mlir::Location> location, int64_t axis,
                               int64_t rank);

/// Whether two sizes may be equal (either dynamic, or the same).
inline bool sizesCompatible(int64_t a, int64_t b) {
  return mlir::ShapedType::isDynamic(a) || mlir::ShapedType::isDynamic(b) || a == b;
}

} // namespace kiln::nn

#endif // KILN_DIALECTS_NN_NNSHAPES_H
