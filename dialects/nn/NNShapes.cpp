//===- NNShapes.cpp - shape arithmetic shared by nn ops -------------------===//

#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace kiln::nn {

LogicalResult shapeError(std::optional<Location> location, const Twine &message) {
  return emitOptionalError(location, message);
}

Type getExpressedType(Type elementType) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(elementType))
    return quantized.getExpressedType();
  return elementType;
}

bool isQuantized(Type elementType) {
  return llvm::isa<quant::QuantizedType>(elementType);
}

FailureOr<Shape> broadcastShapes(std::optional<Location> location,
                                 ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> shape : shapes)
    rank = std::max(rank, shape.size());
  Shape result(rank, 1);
  for (ArrayRef<int64_t> shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, size] : llvm::enumerate(shape)) {
      int64_t &out = result[offset + i];
      if (size == 1)
        continue;
      if (out == 1 || ShapedType::isDynamic(out)) {
        // A dynamic size against a static one: the static one must win.
        out = ShapedType::isDynamic(out) && ShapedType::isDynamic(size) ? out : size;
        continue;
      }
      if (!ShapedType::isDynamic(size) && size != out) {
        return shapeError(location, "operands do not broadcast: dimension " +
                                        Twine(offset + i) + " is " + Twine(out) +
                                        " in one operand and " + Twine(size) +
                                        " in another");
      }
    }
  }
  return result;
}

bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  size_t offset = to.size() - from.size();
  return llvm::all_of(llvm::enumerate(from), [&](auto entry) {
    auto [i, size] = entry;
    return size == 1 || sizesCompatible(size, to[offset + i]);
  });
}

bool transposeKeepsOrder(ArrayRef<int64_t> shape, ArrayRef<int64_t> permutation) {
  int64_t last = -1;
  for (int64_t dim : permutation) {
    if (shape[dim] == 1)
      continue;
    if (dim < last)
      return false;
    last = dim;
  }
  return true;
}

LogicalResult verifyWindow(std::optional<Location> location, const Window &window,
                           size_t spatialRank) {
  if (window.strides.size() != spatialRank)
    return shapeError(location, "expected " + Twine(spatialRank) +
                                    " strides (one per spatial dimension), got " +
                                    Twine(window.strides.size()));
  if (window.dilations.size() != spatialRank)
    return shapeError(location, "expected " + Twine(spatialRank) +
                                    " dilations (one per spatial dimension), got " +
                                    Twine(window.dilations.size()));
  if (window.pads.size() != 2 * spatialRank)
    return shapeError(location, "expected " + Twine(2 * spatialRank) +
                                    " pads (begins then ends), got " +
                                    Twine(window.pads.size()));
  if (window.kernel.size() != spatialRank)
    return shapeError(location, "expected a kernel of " + Twine(spatialRank) +
                                    " dimensions, got " + Twine(window.kernel.size()));
  auto positive = [](int64_t v) { return v > 0; };
  if (!llvm::all_of(window.strides, positive))
    return shapeError(location, "strides must be positive");
  if (!llvm::all_of(window.dilations, positive))
    return shapeError(location, "dilations must be positive");
  if (!llvm::all_of(window.pads, [](int64_t v) { return v >= 0; }))
    return shapeError(location, "pads must be non-negative");
  if (!llvm::all_of(window.kernel,
                    [](int64_t v) { return v > 0 || ShapedType::isDynamic(v); }))
    return shapeError(location, "kernel sizes must be positive");
  return success();
}

FailureOr<Shape> windowOutputShape(std::optional<Location> location,
                                   ArrayRef<int64_t> spatial, const Window &window) {
  size_t rank = spatial.size();
  Shape result;
  for (size_t i = 0; i < rank; ++i) {
    int64_t in = spatial[i], k = window.kernel[i];
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k)) {
      result.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t padBegin = window.pads[i], padEnd = window.pads[rank + i];
    int64_t stride = window.strides[i];
    int64_t extent = (k - 1) * window.dilations[i] + 1;
    int64_t span = in + padBegin + padEnd - extent;
    if (span < 0)
      return shapeError(location, "window of extent " + Twine(extent) +
                                      " does not fit spatial dimension " + Twine(i) +
                                      " of size " + Twine(in) + " with its padding");
    int64_t out = (window.ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
    // A window must start inside the input or its leading padding.
    if (window.ceilMode && (out - 1) * stride >= in + padBegin)
      --out;
    result.push_back(out);
  }
  return result;
}

LogicalResult verifyAxes(std::optional<Location> location, ArrayRef<int64_t> axes,
                         int64_t rank, StringRef name) {
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= rank)
      return shapeError(location, Twine(name) + " entry " + Twine(axis) +
                                      " is out of range for rank " + Twine(rank));
    if (i > 0 && axes[i - 1] >= axis)
      return shapeError(location, Twine(name) + " must be sorted and unique");
  }
  return success();
}

LogicalResult verifyAxis(std::optional<Location> location, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return shapeError(location,
                      "axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
  return success();
}

} // namespace kiln::nn
