//===- NNShapeOps.cpp - data movement and shape manipulation --------------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNOpUtils.h"
#include "dialects/nn/NNShapes.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::nn::detail;

static RankedTensorType tensorOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}

static int64_t addDynamic(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic
                                                              : a + b;
}

/// Checks that an attribute has one entry per dimension.
static LogicalResult verifyPerDimension(std::optional<Location> location,
                                        ArrayRef<int64_t> values, int64_t rank,
                                        StringRef name) {
  if (static_cast<int64_t>(values.size()) != rank)
    return shapeError(location, "expected " + Twine(rank) + " " + name +
                                    " (one per dimension), got " + Twine(values.size()));
  return success();
}

//===----------------------------------------------------------------------===//
// ConcatOp / SplitOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return shapeError(location, "expected at least one input");
  RankedTensorType first = tensorOf(inputs.front());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(location, axis, first.getRank())))
    return failure();
  Shape shape(first.getShape());
  for (Value input : inputs.drop_front()) {
    RankedTensorType type = tensorOf(input);
    if (type.getElementType() != first.getElementType())
      return shapeError(location, "inputs have different element types (quantized "
                                  "inputs must share one scale)");
    if (type.getRank() != first.getRank())
      return shapeError(location, "inputs have different ranks");
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t size = type.getDimSize(i);
      if (i == axis) {
        shape[i] = addDynamic(shape[i], size);
      } else if (!sizesCompatible(shape[i], size)) {
        return shapeError(location, "inputs differ in dimension " + Twine(i) +
                                        ", which is not the concatenation axis");
      } else if (ShapedType::isDynamic(shape[i])) {
        shape[i] = size; // A static size from any input is the size.
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

const char *ConcatOp::whyNotInPlace(Value input) {
  Operation *producer = input.getDefiningOp();
  if (!producer)
    return "it is a function argument";
  if (producer->hasTrait<mlir::OpTrait::ConstantLike>())
    return "it is a constant";
  if (!input.hasOneUse())
    return "it has other users";
  if (llvm::count(getInputs(), input) > 1)
    return "it appears more than once";
  return nullptr;
}

LogicalResult ConcatOp::verify() {
  if (!getInPlace())
    return success();
  for (auto [i, input] : llvm::enumerate(getInputs()))
    if (const char *why = whyNotInPlace(input))
      return emitOpError("in_place input #") << i << " cannot be written in place: "
                                              << why;
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(location, axis, input.getRank())))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (sizes.empty())
    return shapeError(location, "expected at least one size");
  if (llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return shapeError(location, "sizes must be non-negative");
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  int64_t dim = input.getDimSize(axis);
  if (!sizesCompatible(total, dim))
    return shapeError(location, "sizes add up to " + Twine(total) + " but axis " +
                                    Twine(axis) + " has " + Twine(dim));
  for (int64_t size : sizes) {
    Shape shape(input.getShape());
    shape[axis] = size;
    inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  int64_t rank = input.getRank();
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  if (failed(verifyPerDimension(location, starts, rank, "starts")) ||
      failed(verifyPerDimension(location, ends, rank, "ends")) ||
      failed(verifyPerDimension(location, steps, rank, "steps")))
    return failure();
  Shape shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = input.getDimSize(i), start = starts[i], end = ends[i], step = steps[i];
    if (step == 0)
      return shapeError(location, "steps must be non-zero");
    if (ShapedType::isDynamic(dim)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    if (dim == 0) {
      // Nothing to take: ONNX clamps every bound of an empty dimension to 0
      // (or -1 going backwards).
      if (start != 0 || (end != 0 && end != -1))
        return shapeError(location, "bounds of empty dimension " + Twine(i) +
                                        " must be 0 (end -1 with a negative step)");
      shape.push_back(0);
      continue;
    }
    bool inRange = step > 0 ? (start >= 0 && start <= dim && end >= 0 && end <= dim)
                            : (start >= 0 && start < dim && end >= -1 && end < dim);
    if (!inRange)
      return shapeError(location, "bounds [" + Twine(start) + ", " + Twine(end) +
                                      ") with step " + Twine(step) +
                                      " are not normalized for dimension " + Twine(i) +
                                      " of size " + Twine(dim));
    int64_t span = step > 0 ? end - start : start - end;
    int64_t stride = step > 0 ? step : -step;
    shape.push_back(std::max<int64_t>(0, (span + stride - 1) / stride));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  bool identity = getInput().getType() == getType() &&
                  llvm::all_of(getStarts(), [](int64_t s) { return s == 0; }) &&
                  llvm::all_of(getSteps(), [](int64_t s) { return s == 1; });
  return identity ? OpFoldResult(getInput()) : OpFoldResult();
}

//===----------------------------------------------------------------------===//
// ReshapeOp / FlattenOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (input.getElementType() != result.getElementType())
    return emitOpError("element type changes from ")
           << input.getElementType() << " to " << result.getElementType();
  if (input.hasStaticShape() && result.hasStaticShape() &&
      input.getNumElements() != result.getNumElements())
    return emitOpError("element count changes from ")
           << input.getNumElements() << " to " << result.getNumElements();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  // A quantized constant's attribute holds its storage integers, not the
  // quantized type, so it cannot take the result type.
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
      dense && getType().hasStaticShape() &&
      dense.getElementType() == getType().getElementType())
    return dense.reshape(getType());
  return {};
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis > input.getRank())
    return shapeError(location, "axis " + Twine(axis) + " is out of range for rank " +
                                    Twine(input.getRank()));
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t result = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      result *= d;
    }
    return result;
  };
  ArrayRef<int64_t> shape = input.getShape();
  inferred.push_back(RankedTensorType::get(
      {product(shape.take_front(axis)), product(shape.drop_front(axis))},
      input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  ArrayRef<int64_t> permutation = adaptor.getPermutation();
  if (failed(verifyPerDimension(location, permutation, input.getRank(),
                                "permutation entries")))
    return failure();
  llvm::SmallVector<bool> seen(input.getRank(), false);
  Shape shape;
  for (int64_t p : permutation) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return shapeError(location, "permutation is not a permutation of the dimensions");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  Type element = input.getElementType();
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    // Per-channel scales follow their dimension to its new position.
    int64_t moved =
        llvm::find(permutation, perAxis.getQuantizedDimension()) - permutation.begin();
    element = quant::UniformQuantizedPerAxisType::get(
        perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
        perAxis.getScales(), perAxis.getZeroPoints(), moved, perAxis.getStorageTypeMin(),
        perAxis.getStorageTypeMax());
  }
  inferred.push_back(RankedTensorType::get(shape, element));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if (p != static_cast<int64_t>(i))
      return {};
  return getInput();
}

//===----------------------------------------------------------------------===//
// PadOp
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                      Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return shapeError(location, "expected " + Twine(2 * rank) +
                                    " pads (begins then ends), got " +
                                    Twine(pads.size()));
  Shape shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = input.getDimSize(i), begin = pads[i], end = pads[rank + i];
    if (ShapedType::isDynamic(dim)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    if (padModeOr(adaptor.getModeAttr()) == PadMode::reflect &&
        (begin >= dim || end >= dim))
      return shapeError(location, "reflect padding of dimension " + Twine(i) +
                                      " must be smaller than its size " + Twine(dim));
    if (dim + begin + end < 0)
      return shapeError(location, "negative padding removes more than dimension " +
                                      Twine(i) + " holds");
    shape.push_back(dim + begin + end);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// GatherOp / GatherElementsOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = tensorOf(adaptor.getData());
  RankedTensorType indices = tensorOf(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(location, axis, data.getRank())))
    return failure();
  ArrayRef<int64_t> shape = data.getShape();
  Shape result(shape.take_front(axis));
  llvm::append_range(result, indices.getShape());
  llvm::append_range(result, shape.drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(result, data.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> location,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = tensorOf(adaptor.getData());
  RankedTensorType indices = tensorOf(adaptor.getIndices());
  if (data.getRank() != indices.getRank())
    return shapeError(location, "indices must have the rank of data");
  if (failed(verifyAxis(location, adaptor.getAxis(), data.getRank())))
    return failure();
  inferred.push_back(RankedTensorType::get(indices.getShape(), data.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// ResizeOp
//===----------------------------------------------------------------------===//

LogicalResult ResizeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (input.getElementType() != result.getElementType())
    return emitOpError("result element type must match the input's");
  if (input.getRank() != result.getRank())
    return emitOpError("result rank must match the input's");
  if (std::optional<ArrayRef<float>> scales = getScales()) {
    if (static_cast<int64_t>(scales->size()) != input.getRank())
      return emitOpError("expected one scale per dimension");
    if (llvm::any_of(*scales, [](float s) { return !(s > 0); }))
      return emitOpError("scales must be positive");
  }
  if (std::optional<ArrayRef<float>> roi = getRoi()) {
    if (getCoordinateTransform() != CoordinateTransform::tf_crop_and_resize)
      return emitOpError("roi is only used by coordinate_transform tf_crop_and_resize, "
                         "found ")
             << stringifyCoordinateTransform(getCoordinateTransform());
    if (static_cast<int64_t>(roi->size()) != 2 * input.getRank())
      return emitOpError("expected a roi start and end per dimension (")
             << 2 * input.getRank() << " values), found " << roi->size();
    if (llvm::any_of(*roi, [](float v) { return !std::isfinite(v); }))
      return emitOpError("roi values must be finite");
  }
  if (getMode() != ResizeMode::nearest && isQuantized(input.getElementType()))
    return emitOpError("only nearest resizing runs on quantized tensors");
  return success();
}

bool ResizeOp::commutesWithQuantization() { return getMode() == ResizeMode::nearest; }

//===----------------------------------------------------------------------===//
// ExpandOp / TileOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  if (llvm::any_of(adaptor.getShape(), [](int64_t s) { return s < 0; }))
    return shapeError(location, "shape entries must be non-negative");
  FailureOr<Shape> shape =
      broadcastShapes(location, {input.getShape(), adaptor.getShape()});
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, input.getElementType()));
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? OpFoldResult(getInput()) : OpFoldResult();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                       Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorOf(adaptor.getInput());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if (failed(verifyPerDimension(location, repeats, input.getRank(), "repeats")))
    return failure();
  Shape shape;
  for (auto [dim, repeat] : llvm::zip(input.getShape(), repeats)) {
    if (repeat < 0)
      return shapeError(location, "repeats must be non-negative");
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim * repeat);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

OpFoldResult TileOp::fold(FoldAdaptor) {
  if (llvm::all_of(getRepeats(), [](int64_t r) { return r == 1; }))
    return getInput();
  return {};
}
