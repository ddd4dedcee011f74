//===- NNPoolReduceOps.cpp - pooling, reductions, arg/top-k, scans --------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNOpUtils.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::nn::detail;

/// Max pooling picks input values, so a quantized input keeps its type; an
/// average produces new values, which are float unless declared quantized.
static Type poolResultElement(PoolKind kind, Type inputElement) {
  return kind == PoolKind::max ? inputElement : getExpressedType(inputElement);
}

//===----------------------------------------------------------------------===//
// PoolOp / GlobalPoolOp
//===----------------------------------------------------------------------===//

/// The batch, channel and pooled spatial sizes of a window over `input`.
static FailureOr<Shape> pooledShape(std::optional<Location> location,
                                    RankedTensorType input, const Window &window,
                                    bool channelsLast) {
  if (input.getRank() < 3)
    return shapeError(location, "input must have a batch, a channel and at least one "
                                "spatial dimension, got rank " +
                                    Twine(input.getRank()));
  ArrayRef<int64_t> shape = input.getShape();
  ArrayRef<int64_t> spatial =
      channelsLast ? shape.drop_front().drop_back() : shape.drop_front(2);
  if (failed(verifyWindow(location, window, spatial.size())))
    return failure();
  FailureOr<Shape> out = windowOutputShape(location, spatial, window);
  if (failed(out))
    return failure();
  Shape result{shape[0]};
  if (!channelsLast)
    result.push_back(shape[1]);
  result.append(out->begin(), out->end());
  if (channelsLast)
    result.push_back(shape.back());
  return result;
}

LogicalResult PoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                       Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  Window window{adaptor.getKernel(), adaptor.getStrides(), adaptor.getPads(),
                adaptor.getDilations(), adaptor.getCeilMode()};
  FailureOr<Shape> result = pooledShape(
      location, input, window, layoutOr(adaptor.getLayoutAttr()) == Layout::channels_last);
  if (failed(result))
    return failure();
  inferred.push_back(RankedTensorType::get(
      *result, poolResultElement(adaptor.getKind(), input.getElementType())));
  return success();
}

LogicalResult MaxPoolIndicesOp::inferReturnTypes(MLIRContext *context,
                                                 std::optional<Location> location,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  Window window{adaptor.getKernel(), adaptor.getStrides(), adaptor.getPads(),
                adaptor.getDilations(), adaptor.getCeilMode()};
  FailureOr<Shape> result = pooledShape(location, input, window, /*channelsLast=*/false);
  if (failed(result))
    return failure();
  inferred.push_back(RankedTensorType::get(*result, IntegerType::get(context, 64)));
  return success();
}

/// Element types of a pooling layer: max pooling keeps them, or (`nn.pool`)
/// quantizes a float input, which is the max pool of the quantized input
/// (max commutes with quantization); averaging may requantize a quantized
/// input (ValidQuantizedTypes rejects quantizing a float one).
static LogicalResult verifyPoolTypes(Operation *op, PoolKind kind, bool mayQuantize) {
  Type in = getElementTypeOrSelf(op->getOperand(0).getType());
  Type out = getElementTypeOrSelf(op->getResult(0).getType());
  if (kind != PoolKind::max && isQuantized(in) && isQuantized(out) &&
      getExpressedType(in) != getExpressedType(out))
    return op->emitOpError("averaging requantizes to the input's expressed type, ")
           << getExpressedType(in) << ", not " << getExpressedType(out);
  if (kind != PoolKind::max || in == out)
    return success();
  if (!(mayQuantize && llvm::isa<FloatType>(in) && isQuantized(out)))
    return op->emitOpError(mayQuantize ? "max pooling keeps the input's element type or "
                                         "quantizes a float one"
                                       : "max pooling keeps the input's element type");
  auto pool = llvm::cast<PoolOp>(op);
  std::string why = whyNotQuantizingMaxPool(out, pool.getLayout(),
                                            pool.getInput().getType().getRank());
  if (!why.empty())
    return op->emitOpError(why);
  return success();
}

std::string kiln::nn::whyNotQuantizingMaxPool(Type quantized, Layout layout, int64_t rank) {
  // 8-bit values, one scale or one per channel (a scale per position along a
  // pooled axis would differ across the window).
  auto type = llvm::cast<quant::QuantizedType>(quantized);
  if (type.getStorageTypeIntegralWidth() != 8) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "a max pool quantizes to 8-bit values, not " << quantized;
    return text;
  }
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(quantized)) {
    int64_t channel = layout == Layout::channels_last ? rank - 1 : 1;
    if (perAxis.getQuantizedDimension() != channel)
      return ("a max pool quantizes per tensor or per channel (dimension " + Twine(channel) +
              "), not along dimension " + Twine(perAxis.getQuantizedDimension()))
          .str();
  }
  return "";
}

bool kiln::nn::isQuantizingMaxPool(Operation *op) {
  auto pool = llvm::dyn_cast<PoolOp>(op);
  return pool && pool.getKind() == PoolKind::max &&
         llvm::isa<FloatType>(pool.getInput().getType().getElementType()) &&
         isQuantized(pool.getType().getElementType());
}

/// Pads smaller than the window's extent, so that no window lies wholly in
/// the padding.
static LogicalResult verifyPoolPads(Operation *op, ArrayRef<int64_t> kernel,
                                    ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  if (pads.size() != 2 * kernel.size() || dilations.size() != kernel.size())
    return success(); // Inference reports these.
  for (auto [i, k] : llvm::enumerate(kernel)) {
    int64_t extent = (k - 1) * dilations[i] + 1;
    if (k <= 0 || dilations[i] <= 0)
      continue; // Inference reports these.
    if (pads[i] >= extent || pads[kernel.size() + i] >= extent)
      return op->emitOpError("pads must be smaller than the kernel (")
             << extent << " in spatial dimension " << i
             << "), or a window would lie wholly in the padding";
  }
  return success();
}

LogicalResult PoolOp::verify() {
  if (getKind() == PoolKind::max && getCountIncludePad())
    return emitOpError("count_include_pad applies to average pooling only");
  if (getKind() == PoolKind::avg &&
      llvm::isa<IntegerType>(getInput().getType().getElementType()))
    return emitOpError("average pooling needs a float or quantized input, not ")
           << getInput().getType().getElementType();
  if (failed(verifyPoolPads(*this, getKernel(), getPads(), getDilations())))
    return failure();
  return verifyPoolTypes(*this, getKind(), /*mayQuantize=*/true);
}

LogicalResult MaxPoolIndicesOp::verify() {
  return verifyPoolPads(*this, getKernel(), getPads(), getDilations());
}

LogicalResult GlobalPoolOp::verify() {
  return verifyPoolTypes(*this, getKind(), /*mayQuantize=*/false);
}

bool PoolOp::isQuantizable() { return getKind() == PoolKind::avg; }
bool PoolOp::commutesWithQuantization() { return getKind() == PoolKind::max; }

LogicalResult GlobalPoolOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> location,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 3)
    return shapeError(location, "input must have a batch, a channel and at least one "
                                "spatial dimension, got rank " +
                                    Twine(input.getRank()));
  Shape shape(input.getRank(), 1);
  shape[0] = input.getDimSize(0);
  int64_t channelAxis = layoutOr(adaptor.getLayoutAttr()) == Layout::channels_last
                            ? input.getRank() - 1
                            : 1;
  shape[channelAxis] = input.getDimSize(channelAxis);
  inferred.push_back(RankedTensorType::get(
      shape, poolResultElement(adaptor.getKind(), input.getElementType())));
  return success();
}

bool GlobalPoolOp::isQuantizable() { return getKind() == PoolKind::avg; }
bool GlobalPoolOp::commutesWithQuantization() { return getKind() == PoolKind::max; }

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (axes.empty())
    return shapeError(location, "axes must not be empty");
  if (failed(verifyAxes(location, axes, input.getRank(), "axes")))
    return failure();
  Shape shape;
  for (auto [i, size] : llvm::enumerate(input.getShape())) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      shape.push_back(size);
    else if (adaptor.getKeepDims())
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// ArgMaxOp / ArgMinOp / TopKOp / CumSumOp
//===----------------------------------------------------------------------===//

static LogicalResult inferArg(MLIRContext *context, std::optional<Location> location,
                              Value inputValue, int64_t axis, bool keepDims,
                              SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(inputValue.getType());
  if (failed(verifyAxis(location, axis, input.getRank())))
    return failure();
  Shape shape(input.getShape());
  if (keepDims)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  inferred.push_back(RankedTensorType::get(shape, IntegerType::get(context, 64)));
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferArg(context, location, adaptor.getInput(), adaptor.getAxis(),
                  adaptor.getKeepDims(), inferred);
}

LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferArg(context, location, adaptor.getInput(), adaptor.getAxis(),
                  adaptor.getKeepDims(), inferred);
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (failed(verifyAxis(location, axis, input.getRank())))
    return failure();
  if (k < 0)
    return shapeError(location, "k must be non-negative");
  int64_t size = input.getDimSize(axis);
  if (!ShapedType::isDynamic(size) && k > size)
    return shapeError(location, "k = " + Twine(k) + " exceeds the size " + Twine(size) +
                                    " of axis " + Twine(axis));
  Shape shape(input.getShape());
  shape[axis] = k;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  inferred.push_back(RankedTensorType::get(shape, IntegerType::get(context, 64)));
  return success();
}

LogicalResult CumSumOp::verify() {
  if (getAxis() >= getType().getRank())
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << getType().getRank();
  return success();
}
