//===- NNElementwiseOps.cpp - pointwise ops and conversions ---------------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;

//===----------------------------------------------------------------------===//
// ClipOp / ModOp / WhereOp
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  std::optional<APFloat> min =
      getMinAttr() ? std::optional(getMinAttr().getValue()) : std::nullopt;
  std::optional<APFloat> max =
      getMaxAttr() ? std::optional(getMaxAttr().getValue()) : std::nullopt;
  if (!min && !max)
    return emitOpError("needs a min, a max or both");
  if (min && max && min->compare(*max) == APFloat::cmpGreaterThan)
    return emitOpError("min ") << min->convertToDouble() << " exceeds max "
                               << max->convertToDouble();
  return success();
}

ActivationAttr ClipOp::getAsActivation() {
  if (!llvm::isa<FloatType>(getType().getElementType()))
    return {};
  double lowest = -std::numeric_limits<double>::infinity();
  double highest = std::numeric_limits<double>::infinity();
  return ActivationAttr::get(getContext(), ActivationKind::clip,
                             getMin() ? getMin()->convertToDouble() : lowest,
                             getMax() ? getMax()->convertToDouble() : highest);
}

LogicalResult ModOp::verify() {
  if (llvm::isa<FloatType>(getLhs().getType().getElementType()) && !getFmod())
    return emitOpError("floating-point operands need fmod semantics");
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location> location, Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  SmallVector<Type> broadcast;
  if (failed(inferElementwiseResult(context, location,
                                    {adaptor.getX().getType(), adaptor.getY().getType()},
                                    /*boolResult=*/false, broadcast)))
    return failure();
  auto values = llvm::cast<RankedTensorType>(adaptor.getX().getType());
  auto condition = llvm::cast<RankedTensorType>(adaptor.getCondition().getType());
  FailureOr<Shape> shape = broadcastShapes(
      location,
      {condition.getShape(), llvm::cast<RankedTensorType>(broadcast.front()).getShape()});
  if (failed(shape))
    return failure();
  if (values.getElementType() != getElementTypeOrSelf(adaptor.getY().getType()))
    return shapeError(location, "x and y have different element types");
  inferred.push_back(RankedTensorType::get(*shape, values.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// CastOp / QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

bool CastOp::isFloatToFloat() {
  auto isKernelFloat = [](Type type) {
    return type.isF64() || type.isF32() || type.isF16() || type.isBF16();
  };
  return isKernelFloat(getInput().getType().getElementType()) &&
         isKernelFloat(getType().getElementType());
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? OpFoldResult(getInput()) : OpFoldResult();
}

LogicalResult QuantizeOp::verify() {
  auto element = llvm::cast<quant::QuantizedType>(getType().getElementType());
  Type expressed = getInput().getType().getElementType();
  if (element.getExpressedType() != expressed)
    return emitOpError("quantized type expresses ")
           << element.getExpressedType() << ", not " << expressed;
  return success();
}

LogicalResult DequantizeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> location,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  inferred.push_back(input.clone(getExpressedType(input.getElementType())));
  return success();
}
