//===- ElementwiseHandlers.cpp - activations, arithmetic, logic, Clip, Where -===//
//
// Pointwise ONNX ops map one to one onto nn ops, except those the dialect
// builds from others (docs/nn-dialect.md, "ONNX coverage"):
//   Selu            gamma · elu(x, alpha)
//   Celu            alpha · elu(x / alpha)
//   Mish            x · tanh(softplus(x))
//   Softsign        x / (1 + |x|)
//   ThresholdedRelu where(x > alpha, x, 0)
//   Sum, Mean       chains of add (Mean then divides by the count)
//   Max, Min        chains of max / min
//   Mod (float, fmod = 0)  fmod, corrected to the divisor's sign
// Integer arithmetic, comparisons and logic on known constants (shape
// arithmetic) are evaluated at import time.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "ShapeFolding.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

template <typename OpT, typename... Args>
LogicalResult unary(NodeImporter &node, Args &&...args) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  FailureOr<OpT> op = node.create<OpT>(*x, std::forward<Args>(args)...);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

template <typename OpT> LogicalResult importUnary(NodeImporter &node) {
  return unary<OpT>(node);
}

/// A unary op that shape arithmetic uses (Neg, Abs, Floor, Ceil, Not).
template <typename OpT, FoldUnary Kind>
LogicalResult importFoldableUnary(NodeImporter &node) {
  if (DenseElementsAttr known = node.getKnownConstant(0))
    if (DenseElementsAttr folded = foldUnary(Kind, known))
      return node.setConstantResult(0, folded);
  return unary<OpT>(node);
}

template <typename OpT>
FailureOr<Value> binary(NodeImporter &node, Value lhs, Value rhs) {
  FailureOr<OpT> op = node.create<OpT>(lhs, rhs);
  if (failed(op))
    return failure();
  return op->getResult();
}

/// A binary op, evaluated at import time when both inputs are known.
template <typename OpT, FoldBinary Kind>
LogicalResult importBinary(NodeImporter &node) {
  if (node.allInputsKnown())
    if (DenseElementsAttr folded =
            foldBinary(Kind, node.getKnownConstant(0), node.getKnownConstant(1)))
      return node.setConstantResult(0, folded);
  FailureOr<Value> lhs = node.getInput(0), rhs = node.getInput(1);
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<Value> result = binary<OpT>(node, *lhs, *rhs);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

/// Max, Min, Sum: a left-to-right chain over one or more inputs.
template <typename OpT> FailureOr<Value> chain(NodeImporter &node) {
  if (node.getNumInputs() == 0) {
    node.emitError() << "needs at least one input";
    return failure();
  }
  FailureOr<Value> result = node.getInput(0);
  for (size_t i = 1, e = node.getNumInputs(); i < e && succeeded(result); ++i) {
    FailureOr<Value> next = node.getInput(i);
    if (failed(next))
      return failure();
    result = binary<OpT>(node, *result, *next);
  }
  return result;
}

template <typename OpT, FoldBinary Kind>
LogicalResult importVariadic(NodeImporter &node) {
  if (node.getNumInputs() == 2)
    return importBinary<OpT, Kind>(node);
  FailureOr<Value> result = chain<OpT>(node);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importMean(NodeImporter &node) {
  FailureOr<Value> sum = chain<nn::AddOp>(node);
  if (failed(sum))
    return failure();
  if (node.getNumInputs() == 1)
    return node.setResult(0, *sum);
  // A division, as ONNX defines Mean, rather than a multiplication by 1/n,
  // which would round differently.
  Type element = llvm::cast<RankedTensorType>(sum->getType()).getElementType();
  Value count = node.createScalar(element, static_cast<double>(node.getNumInputs()));
  FailureOr<Value> mean = binary<nn::DivOp>(node, *sum, count);
  if (failed(mean))
    return failure();
  return node.setResult(0, *mean);
}

LogicalResult importPow(NodeImporter &node) {
  FailureOr<Value> base = node.getInput(0);
  if (failed(base))
    return failure();
  // ONNX lets the exponent have its own type; nn.pow wants the base's.
  Type element = llvm::cast<RankedTensorType>(base->getType()).getElementType();
  FailureOr<Value> exponent = node.getInputAs(1, element);
  if (failed(exponent))
    return failure();
  FailureOr<Value> result = binary<nn::PowOp>(node, *base, *exponent);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importMod(NodeImporter &node) {
  bool fmod = node.getIntAttr("fmod", 0) != 0;
  if (node.allInputsKnown())
    if (DenseElementsAttr folded =
            foldBinary(fmod ? FoldBinary::FMod : FoldBinary::Mod,
                       node.getKnownConstant(0), node.getKnownConstant(1)))
      return node.setConstantResult(0, folded);
  FailureOr<Value> lhs = node.getInput(0), rhs = node.getInput(1);
  if (failed(lhs) || failed(rhs))
    return failure();
  Type element = llvm::cast<RankedTensorType>(lhs->getType()).getElementType();
  bool isFloat = llvm::isa<FloatType>(element);
  // nn.mod on floats is C's fmod; the divisor's sign (fmod = 0, which newer
  // ONNX allows for floats) is that remainder plus the divisor where the
  // two signs differ.
  FailureOr<nn::ModOp> op = node.create<nn::ModOp>(*lhs, *rhs, fmod || isFloat);
  if (failed(op))
    return failure();
  if (fmod || !isFloat)
    return node.setResult(0, *op);
  Value zero = node.createScalar(element, 0.0);
  FailureOr<Value> isZero = binary<nn::EqualOp>(node, *op, zero);
  FailureOr<Value> negative = binary<nn::LessOp>(node, *op, zero);
  FailureOr<Value> negativeDivisor = binary<nn::LessOp>(node, *rhs, zero);
  if (failed(isZero) || failed(negative) || failed(negativeDivisor))
    return failure();
  FailureOr<nn::NotOp> nonZero = node.create<nn::NotOp>(*isZero);
  FailureOr<Value> signsDiffer = binary<nn::XorOp>(node, *negative, *negativeDivisor);
  if (failed(nonZero) || failed(signsDiffer))
    return failure();
  FailureOr<Value> adjust = binary<nn::AndOp>(node, *nonZero, *signsDiffer);
  FailureOr<Value> shifted = binary<nn::AddOp>(node, *op, *rhs);
  if (failed(adjust) || failed(shifted))
    return failure();
  FailureOr<nn::WhereOp> result = node.create<nn::WhereOp>(*adjust, *shifted, *op);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importWhere(NodeImporter &node) {
  if (node.allInputsKnown())
    if (DenseElementsAttr folded =
            foldWhere(node.getKnownConstant(0), node.getKnownConstant(1),
                      node.getKnownConstant(2)))
      return node.setConstantResult(0, folded);
  FailureOr<Value> condition = node.getInput(0), x = node.getInput(1),
                   y = node.getInput(2);
  if (failed(condition) || failed(x) || failed(y))
    return failure();
  FailureOr<nn::WhereOp> op = node.create<nn::WhereOp>(*condition, *x, *y);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importClip(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  std::optional<double> min, max;
  if (node.hasInput(1)) {
    FailureOr<double> value = node.getScalarInput(1, "min");
    if (failed(value))
      return failure();
    min = *value;
  }
  if (node.hasInput(2)) {
    FailureOr<double> value = node.getScalarInput(2, "max");
    if (failed(value))
      return failure();
    max = *value;
  }
  if (!min && !max)
    return node.setResult(0, *x); // No bounds: the identity.
  // ONNX clips to max last, so min > max yields max everywhere.
  if (min && max && *min > *max)
    min = max;
  Builder &b = node.getBuilder();
  return unary<nn::ClipOp>(node, min ? b.getF64FloatAttr(*min) : FloatAttr(),
                           max ? b.getF64FloatAttr(*max) : FloatAttr());
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

LogicalResult importLeakyRelu(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 0.01f);
  return unary<nn::LeakyReluOp>(node, node.getBuilder().getF32FloatAttr(alpha));
}

LogicalResult importElu(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 1.0f);
  return unary<nn::EluOp>(node, node.getBuilder().getF32FloatAttr(alpha));
}

LogicalResult importHardSigmoid(NodeImporter &node) {
  Builder &b = node.getBuilder();
  float alpha = node.getFloatAttr("alpha", 0.2f), beta = node.getFloatAttr("beta", 0.5f);
  return unary<nn::HardSigmoidOp>(node, b.getF32FloatAttr(alpha), b.getF32FloatAttr(beta));
}

LogicalResult importGelu(NodeImporter &node) {
  std::string approximate = node.getStringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return node.error("approximate '" + approximate + "' is not supported");
  return unary<nn::GeluOp>(node, approximate == "tanh" ? nn::GeluApproximation::tanh
                                                       : nn::GeluApproximation::none);
}

LogicalResult importPRelu(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0), slope = node.getInput(1);
  if (failed(x) || failed(slope))
    return failure();
  FailureOr<Value> result = binary<nn::PReluOp>(node, *x, *slope);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

/// `factor · elu(x · 1/divisor, alpha)` without the unit steps.
LogicalResult scaledElu(NodeImporter &node, double alpha, double divisor, double factor) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  Type element = llvm::cast<RankedTensorType>(x->getType()).getElementType();
  Value value = *x;
  if (divisor != 1.0) {
    FailureOr<Value> scaled =
        binary<nn::DivOp>(node, value, node.createScalar(element, divisor));
    if (failed(scaled))
      return failure();
    value = *scaled;
  }
  FailureOr<nn::EluOp> elu =
      node.create<nn::EluOp>(value, node.getBuilder().getF32FloatAttr(alpha));
  if (failed(elu))
    return failure();
  value = *elu;
  if (factor != 1.0) {
    FailureOr<Value> scaled =
        binary<nn::MulOp>(node, value, node.createScalar(element, factor));
    if (failed(scaled))
      return failure();
    value = *scaled;
  }
  return node.setResult(0, value);
}

LogicalResult importSelu(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 1.67326319217681884765625f);
  float gamma = node.getFloatAttr("gamma", 1.05070102214813232421875f);
  return scaledElu(node, alpha, 1.0, gamma);
}

LogicalResult importCelu(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 1.0f);
  if (!(alpha > 0))
    return node.error("alpha must be positive");
  return scaledElu(node, 1.0, alpha, alpha);
}

LogicalResult importMish(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  FailureOr<nn::SoftplusOp> softplus = node.create<nn::SoftplusOp>(*x);
  if (failed(softplus))
    return failure();
  FailureOr<nn::TanhOp> tanh = node.create<nn::TanhOp>(softplus->getResult());
  if (failed(tanh))
    return failure();
  FailureOr<Value> result = binary<nn::MulOp>(node, *x, *tanh);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

/// IsNaN: a NaN is the one value not equal to itself (exact; current
/// transformers exports use it in attention masking).
LogicalResult importIsNaN(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  if (!llvm::isa<FloatType>(llvm::cast<RankedTensorType>(x->getType()).getElementType()))
    return node.error("IsNaN needs a floating-point input");
  FailureOr<Value> equal = binary<nn::EqualOp>(node, *x, *x);
  if (failed(equal))
    return failure();
  FailureOr<nn::NotOp> isNaN = node.create<nn::NotOp>(*equal);
  if (failed(isNaN))
    return failure();
  return node.setResult(0, *isNaN);
}

LogicalResult importSoftsign(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  Type element = llvm::cast<RankedTensorType>(x->getType()).getElementType();
  FailureOr<nn::AbsOp> abs = node.create<nn::AbsOp>(*x);
  if (failed(abs))
    return failure();
  FailureOr<Value> denominator =
      binary<nn::AddOp>(node, *abs, node.createScalar(element, 1.0));
  if (failed(denominator))
    return failure();
  FailureOr<Value> result = binary<nn::DivOp>(node, *x, *denominator);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importThresholdedRelu(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 1.0f);
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  Type element = llvm::cast<RankedTensorType>(x->getType()).getElementType();
  FailureOr<Value> above =
      binary<nn::GreaterOp>(node, *x, node.createScalar(element, alpha));
  if (failed(above))
    return failure();
  FailureOr<nn::WhereOp> op =
      node.create<nn::WhereOp>(*above, *x, node.createScalar(element, 0.0));
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

} // namespace

void addElementwiseHandlers(HandlerTable &table) {
  using namespace nn;
  // Unary math.
  table.add("Relu", kMinOpset, kMaxOpset, importUnary<ReluOp>);
  table.add("Sigmoid", kMinOpset, kMaxOpset, importUnary<SigmoidOp>);
  table.add("Tanh", kMinOpset, kMaxOpset, importUnary<TanhOp>);
  table.add("Softplus", kMinOpset, kMaxOpset, importUnary<SoftplusOp>);
  table.add("Exp", kMinOpset, kMaxOpset, importUnary<ExpOp>);
  table.add("Log", kMinOpset, kMaxOpset, importUnary<LogOp>);
  table.add("Sqrt", kMinOpset, kMaxOpset, importUnary<SqrtOp>);
  table.add("Reciprocal", kMinOpset, kMaxOpset, importUnary<ReciprocalOp>);
  table.add("Erf", kMinOpset, kMaxOpset, importUnary<ErfOp>);
  table.add("IsNaN", kMinOpset, kMaxOpset, importIsNaN);
  table.add("Sign", kMinOpset, kMaxOpset, importUnary<SignOp>);
  table.add("Round", kMinOpset, kMaxOpset, importUnary<RoundOp>);
  table.add("Sin", kMinOpset, kMaxOpset, importUnary<SinOp>);
  table.add("Cos", kMinOpset, kMaxOpset, importUnary<CosOp>);
  table.add("Abs", kMinOpset, kMaxOpset, importFoldableUnary<AbsOp, FoldUnary::Abs>);
  table.add("Neg", kMinOpset, kMaxOpset, importFoldableUnary<NegOp, FoldUnary::Neg>);
  table.add("Floor", kMinOpset, kMaxOpset, importFoldableUnary<FloorOp, FoldUnary::Floor>);
  table.add("Ceil", kMinOpset, kMaxOpset, importFoldableUnary<CeilOp, FoldUnary::Ceil>);
  // The logic ops have not changed since opset 1 (Not) and 7 (the others);
  // ONNX's own tests of them are written for those opsets.
  table.add("Not", 1, kMaxOpset, importFoldableUnary<NotOp, FoldUnary::Not>);

  // Activations with parameters, and those built from other ops.
  table.add("LeakyRelu", kMinOpset, kMaxOpset, importLeakyRelu);
  table.add("Elu", kMinOpset, kMaxOpset, importElu);
  table.add("HardSigmoid", kMinOpset, kMaxOpset, importHardSigmoid);
  table.add("HardSwish", 14, kMaxOpset, importUnary<HardSwishOp>);
  table.add("Gelu", 20, kMaxOpset, importGelu);
  table.add("PRelu", kMinOpset, kMaxOpset, importPRelu);
  table.add("Selu", kMinOpset, kMaxOpset, importSelu);
  table.add("Celu", 12, kMaxOpset, importCelu);
  table.add("Mish", 18, kMaxOpset, importMish);
  table.add("Softsign", kMinOpset, kMaxOpset, importSoftsign);
  table.add("ThresholdedRelu", kMinOpset, kMaxOpset, importThresholdedRelu);
  table.add("Clip", kMinOpset, kMaxOpset, importClip);

  // Binary arithmetic, comparisons and logic.
  table.add("Add", kMinOpset, kMaxOpset, importBinary<AddOp, FoldBinary::Add>);
  table.add("Sub", kMinOpset, kMaxOpset, importBinary<SubOp, FoldBinary::Sub>);
  table.add("Mul", kMinOpset, kMaxOpset, importBinary<MulOp, FoldBinary::Mul>);
  table.add("Div", kMinOpset, kMaxOpset, importBinary<DivOp, FoldBinary::Div>);
  table.add("Pow", kMinOpset, kMaxOpset, importPow);
  table.add("Mod", kMinOpset, kMaxOpset, importMod);
  table.add("Max", kMinOpset, kMaxOpset, importVariadic<MaxOp, FoldBinary::Max>);
  table.add("Min", kMinOpset, kMaxOpset, importVariadic<MinOp, FoldBinary::Min>);
  table.add("Sum", kMinOpset, kMaxOpset, importVariadic<AddOp, FoldBinary::Add>);
  table.add("Mean", kMinOpset, kMaxOpset, importMean);
  table.add("Equal", kMinOpset, kMaxOpset, importBinary<EqualOp, FoldBinary::Equal>);
  table.add("Greater", kMinOpset, kMaxOpset, importBinary<GreaterOp, FoldBinary::Greater>);
  table.add("Less", kMinOpset, kMaxOpset, importBinary<LessOp, FoldBinary::Less>);
  table.add("GreaterOrEqual", 12, kMaxOpset,
            importBinary<GreaterEqualOp, FoldBinary::GreaterEqual>);
  table.add("LessOrEqual", 12, kMaxOpset, importBinary<LessEqualOp, FoldBinary::LessEqual>);
  table.add("And", 7, kMaxOpset, importBinary<AndOp, FoldBinary::And>);
  table.add("Or", 7, kMaxOpset, importBinary<OrOp, FoldBinary::Or>);
  table.add("Xor", 7, kMaxOpset, importBinary<XorOp, FoldBinary::Xor>);
  table.add("Where", kMinOpset, kMaxOpset, importWhere);
}

} // namespace kiln::onnx_import
