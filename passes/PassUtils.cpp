//===- PassUtils.cpp - helpers shared by Kiln's graph passes --------------===//

#include "passes/PassUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

Value kiln::reshapeAlongAxis(OpBuilder &builder, Location loc, Value vector, int64_t rank,
                             int64_t axis) {
  auto type = llvm::cast<RankedTensorType>(vector.getType());
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = type.getNumElements();
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (target == type)
    return vector;
  return ReshapeOp::create(builder, loc, target, vector);
}

Value kiln::scalarConstant(OpBuilder &builder, Location loc, Type elementType,
                           double value) {
  auto type = RankedTensorType::get({}, elementType);
  auto attr = DenseElementsAttr::get(
      type, builder.getFloatAttr(elementType, value).getValue());
  return ConstantOp::create(builder, loc, attr);
}

Location kiln::fusedLocation(Operation *into, Operation *absorbed) {
  return FusedLoc::get(into->getContext(), {into->getLoc(), absorbed->getLoc()});
}

SmallVector<StringRef> kiln::getLayerNames(Operation *op) {
  llvm::SetVector<StringRef> names;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = llvm::dyn_cast<NameLoc>(loc))
      names.insert(named.getName().getValue());
    return WalkResult::advance();
  });
  return names.takeVector();
}

std::string kiln::getLayerName(Operation *op) {
  return llvm::join(getLayerNames(op), " + ");
}

StringRef kiln::getLayerPrecision(Operation *op) {
  if (auto precision = op->getAttrOfType<StringAttr>("kiln.precision"))
    return precision.getValue();
  if (op->getNumResults() == 0)
    return "";
  return getPrecisionName(getElementTypeOrSelf(op->getResult(0).getType()));
}

bool kiln::isTypeConversion(Operation *op) {
  return isa<nn::QuantizeOp, nn::DequantizeOp, nn::CastOp>(op);
}

bool kiln::hasEpilogue(Operation *op) {
  return llvm::isa<ConvOp, ConvTransposeOp, MatmulOp, GemmOp>(op);
}

Value kiln::getEpilogueBias(Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<ConvOp, ConvTransposeOp, MatmulOp, GemmOp>([](auto op) { return op.getBias(); })
      .Default([](Operation *) { return Value(); });
}

Value kiln::getEpilogueResidual(Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<ConvOp, ConvTransposeOp, MatmulOp, GemmOp>(
          [](auto op) { return op.getResidual(); })
      .Default([](Operation *) { return Value(); });
}

ActivationAttr kiln::getEpilogueActivation(Operation *op) {
  return llvm::TypeSwitch<Operation *, ActivationAttr>(op)
      .Case<ConvOp, ConvTransposeOp, MatmulOp, GemmOp>(
          [](auto op) { return op.getActivationAttr(); })
      .Default([](Operation *) { return ActivationAttr(); });
}

int64_t kiln::getOutputChannelAxis(Operation *op) {
  auto rank = llvm::cast<RankedTensorType>(op->getResult(0).getType()).getRank();
  return llvm::TypeSwitch<Operation *, int64_t>(op)
      .Case<ConvOp, ConvTransposeOp>([&](auto op) {
        return op.getLayout() == Layout::channels_last ? rank - 1 : 1;
      })
      .Default([&](Operation *) { return rank - 1; });
}

Operation *kiln::replaceWithEpilogue(PatternRewriter &rewriter, Operation *layer,
                                     Operation *absorbed, Value bias, Value residual,
                                     ActivationAttr activation) {
  Operation *fused = rewriter.clone(*layer);
  fused->setLoc(fusedLocation(layer, absorbed));
  // Operands 0 and 1 are the data and weight; the epilogue operands follow.
  SmallVector<Value> operands{layer->getOperand(0), layer->getOperand(1)};
  int32_t hasBias = bias ? 1 : 0, hasResidual = residual ? 1 : 0;
  if (bias)
    operands.push_back(bias);
  if (residual)
    operands.push_back(residual);
  fused->setOperands(operands);
  fused->setAttr("operandSegmentSizes",
                 rewriter.getDenseI32ArrayAttr({1, 1, hasBias, hasResidual}));
  if (activation)
    fused->setAttr("activation", activation);
  else
    fused->removeAttr("activation");
  rewriter.replaceOp(absorbed, fused->getResults());
  return fused;
}
