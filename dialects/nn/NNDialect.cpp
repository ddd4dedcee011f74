//===- NNDialect.cpp - the nn dialect, its attributes and constants -------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace kiln::nn;

#include "dialects/nn/NNDialect.cpp.inc"
#include "dialects/nn/NNEnums.cpp.inc"
#include "dialects/nn/NNInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/nn/NNAttrs.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/nn/NNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/nn/NNAttrs.cpp.inc"
      >();
}

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                          Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!elements || !tensor)
    return nullptr;
  // The op's verifier decides whether a differing (quantized) type is valid.
  return ConstantOp::create(builder, loc, tensor, elements);
}

StringRef kiln::nn::getPrecisionName(Type element) {
  if (llvm::isa<quant::QuantizedType>(element) || element.isInteger(8))
    return "int8";
  if (element.isF32())
    return "fp32";
  if (element.isF16())
    return "fp16";
  if (element.isBF16())
    return "bf16";
  return "";
}

//===----------------------------------------------------------------------===//
// ActivationAttr
//===----------------------------------------------------------------------===//

ArrayRef<StringRef> ActivationAttr::getParameterNames(ActivationKind kind) {
  static const StringRef clip[] = {"min", "max"};
  static const StringRef alpha[] = {"alpha"};
  static const StringRef alphaBeta[] = {"alpha", "beta"};
  switch (kind) {
  case ActivationKind::clip:
    return clip;
  case ActivationKind::leaky_relu:
  case ActivationKind::elu:
    return alpha;
  case ActivationKind::hard_sigmoid:
    return alphaBeta;
  default:
    return {};
  }
}

Attribute ActivationAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::string keyword;
  if (parser.parseLess() || parser.parseKeywordOrString(&keyword))
    return {};
  std::optional<ActivationKind> kind = symbolizeActivationKind(keyword);
  if (!kind) {
    parser.emitError(loc, "unknown activation '") << keyword << "'";
    return {};
  }
  ArrayRef<StringRef> names = getParameterNames(*kind);
  double values[2] = {0.0, 0.0};
  bool given[2] = {false, false};
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc nameLoc = parser.getCurrentLocation();
    std::string name;
    if (parser.parseKeywordOrString(&name))
      return {};
    const StringRef *found = llvm::find(names, name);
    if (found == names.end()) {
      parser.emitError(nameLoc, "activation '")
          << keyword << "' has no parameter '" << name << "' (it takes " << names.size()
          << " parameter(s))";
      return {};
    }
    size_t index = found - names.begin();
    if (given[index]) {
      parser.emitError(nameLoc, "activation '")
          << keyword << "' parameter '" << name << "' given twice";
      return {};
    }
    if (parser.parseEqual() || parser.parseFloat(values[index]))
      return {};
    given[index] = true;
  }
  for (auto [i, name] : llvm::enumerate(names)) {
    if (!given[i]) {
      parser.emitError(loc, "activation '")
          << keyword << "' needs parameter '" << name << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<ActivationAttr>(loc, parser.getContext(), *kind,
                                           APFloat(values[0]), APFloat(values[1]));
}

void ActivationAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyActivationKind(getKind());
  APFloat values[2] = {getAlpha(), getBeta()};
  for (auto [i, name] : llvm::enumerate(getParameterNames(getKind()))) {
    printer << ", " << name << " = ";
    printer.printFloat(values[i]);
  }
  printer << ">";
}

LogicalResult ActivationAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     ActivationKind kind, APFloat alpha, APFloat beta) {
  // Parameters a kind does not use stay zero, so equal activations compare equal.
  size_t used = getParameterNames(kind).size();
  if ((used < 1 && !alpha.isZero()) || (used < 2 && !beta.isZero()))
    return emitError() << "activation '" << stringifyActivationKind(kind) << "' takes "
                       << used << " parameter(s)";
  if (kind == ActivationKind::clip && alpha.compare(beta) == APFloat::cmpGreaterThan)
    return emitError() << "clip activation needs min <= max";
  return success();
}

ActivationAttr ActivationAttr::inUnitsOf(double scale) const {
  switch (getKind()) {
  case ActivationKind::relu: return *this;
  case ActivationKind::clip: {
    auto scaled = [&](const APFloat &bound) {
      return static_cast<double>(static_cast<float>(bound.convertToDouble() / scale));
    };
    return ActivationAttr::get(getContext(), ActivationKind::clip, scaled(getAlpha()),
                               scaled(getBeta()));
  }
  default: return {};
  }
}

double ActivationAttr::apply(double x) const {
  double alpha = getAlpha().convertToDouble(), beta = getBeta().convertToDouble();
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  switch (getKind()) {
  case ActivationKind::relu:
    return x > 0 ? x : 0.0;
  case ActivationKind::clip:
    return std::min(std::max(x, alpha), beta);
  case ActivationKind::leaky_relu:
    return x < 0 ? alpha * x : x;
  case ActivationKind::elu:
    return x < 0 ? alpha * (std::exp(x) - 1.0) : x;
  case ActivationKind::sigmoid:
    return sigmoid(x);
  case ActivationKind::tanh:
    return std::tanh(x);
  case ActivationKind::gelu:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case ActivationKind::gelu_tanh:
    return 0.5 * x *
           (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  case ActivationKind::silu:
    return x * sigmoid(x);
  case ActivationKind::hard_sigmoid:
    return std::max(0.0, std::min(1.0, alpha * x + beta));
  case ActivationKind::hard_swish:
    return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
  }
  llvm_unreachable("unknown activation kind");
}

//===----------------------------------------------------------------------===//
// Shared type inference
//===----------------------------------------------------------------------===//

/// Whether one inferred and one declared result have compatible shapes and
/// element types `matches` accepts (inferred, declared).
static bool isSingleResultWith(TypeRange inferred, TypeRange declared,
                               llvm::function_ref<bool(Type, Type)> matches) {
  if (inferred.size() != 1 || declared.size() != 1)
    return false;
  auto lhs = llvm::dyn_cast<RankedTensorType>(inferred.front());
  auto rhs = llvm::dyn_cast<RankedTensorType>(declared.front());
  return lhs && rhs && succeeded(verifyCompatibleShape(lhs, rhs)) &&
         matches(lhs.getElementType(), rhs.getElementType());
}

bool kiln::nn::isQuantizingPoolResult(TypeRange inferred, TypeRange declared) {
  return isSingleResultWith(inferred, declared, [](Type in, Type out) {
    return llvm::isa<FloatType>(in) && isQuantized(out);
  });
}

bool kiln::nn::isWidenedGemmResult(TypeRange inferred, TypeRange declared) {
  return isSingleResultWith(inferred, declared, isWidenedFloatResult);
}

bool kiln::nn::isCompatibleQuantizedReturnTypes(TypeRange inferred, TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, declared)) {
    auto lhs = llvm::dyn_cast<RankedTensorType>(a);
    auto rhs = llvm::dyn_cast<RankedTensorType>(b);
    if (!lhs || !rhs || failed(verifyCompatibleShape(lhs, rhs)))
      return false;
    Type x = lhs.getElementType(), y = rhs.getElementType();
    if (x != y && getExpressedType(x) != getExpressedType(y))
      return false;
  }
  return true;
}

bool kiln::nn::isRowNormalization(Operation *op) {
  return llvm::isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp, InstanceNormOp, GroupNormOp>(op) &&
         op->getNumResults() == 1;
}

bool kiln::nn::isWidenedFloatResult(Type computed, Type written) {
  return (computed.isF16() || computed.isBF16()) && written.isF32();
}

LogicalResult kiln::nn::inferElementwiseResult(MLIRContext *context,
                                               std::optional<Location> location,
                                               TypeRange operands, bool boolResult,
                                               SmallVectorImpl<Type> &inferred) {
  SmallVector<ArrayRef<int64_t>> shapes;
  Type element;
  for (Type type : operands) {
    auto tensor = llvm::cast<RankedTensorType>(type);
    shapes.push_back(tensor.getShape());
    Type current = tensor.getElementType();
    if (!element) {
      element = current;
      continue;
    }
    bool bothQuantized = isQuantized(element) && isQuantized(current);
    if (current != element &&
        !(bothQuantized && getExpressedType(current) == getExpressedType(element)))
      return shapeError(location, "operands have different element types");
  }
  FailureOr<Shape> shape = broadcastShapes(location, shapes);
  if (failed(shape))
    return failure();
  Type resultElement =
      boolResult ? IntegerType::get(context, 1) : getExpressedType(element);
  inferred.push_back(RankedTensorType::get(*shape, resultElement));
  return success();
}

/// Checks what the quant dialect leaves to its users: 8-bit storage (32 for
/// biases) and, per axis, a quantized dimension in range with one scale per
/// channel. `what` names the tensor in messages.
static LogicalResult verifyQuantizedTensor(Operation *op, RankedTensorType tensor,
                                           StringRef what) {
  auto element = llvm::dyn_cast<quant::QuantizedType>(tensor.getElementType());
  if (!element)
    return success();
  if (element.getStorageTypeIntegralWidth() != 8 &&
      element.getStorageTypeIntegralWidth() != 32)
    return op->emitOpError() << what << " storage type must be 8 bits (or 32 for biases)";
  auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!perAxis)
    return success();
  int64_t axis = perAxis.getQuantizedDimension();
  if (axis >= tensor.getRank())
    return op->emitOpError() << what << " quantized dimension " << axis
                             << " is out of range for rank " << tensor.getRank();
  int64_t size = tensor.getDimSize(axis);
  if (!ShapedType::isDynamic(size) &&
      size != static_cast<int64_t>(perAxis.getScales().size()))
    return op->emitOpError() << what << " dimension " << axis << " has " << size
                             << " channels but its type has "
                             << perAxis.getScales().size() << " scales";
  return success();
}

LogicalResult kiln::nn::OpTrait::verifyValidQuantizedTypes(Operation *op) {
  bool quantizedOperand = false;
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    auto tensor = llvm::dyn_cast<RankedTensorType>(operand.getType());
    if (!tensor || !isQuantized(tensor.getElementType()))
      continue;
    quantizedOperand = true;
    if (failed(verifyQuantizedTensor(op, tensor, ("operand #" + Twine(i)).str())))
      return failure();
  }
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    auto tensor = llvm::dyn_cast<RankedTensorType>(result.getType());
    if (!tensor || !isQuantized(tensor.getElementType()))
      continue;
    if (op->getNumOperands() && !quantizedOperand && !llvm::isa<QuantizeOp>(op) &&
        !isQuantizingMaxPool(op))
      return op->emitOpError("a quantized result needs a quantized operand");
    if (failed(verifyQuantizedTensor(op, tensor, ("result #" + Twine(i)).str())))
      return failure();
  }
  return success();
}

LogicalResult kiln::nn::inferPReluResult(std::optional<Location> location, Type input,
                                         Type slope, SmallVectorImpl<Type> &inferred) {
  auto x = llvm::cast<RankedTensorType>(input);
  auto y = llvm::cast<RankedTensorType>(slope);
  if (x.getElementType() != y.getElementType())
    return shapeError(location, "operands have different element types");
  if (!broadcastsTo(y.getShape(), x.getShape()))
    return shapeError(location, "slope does not broadcast to the input's shape");
  inferred.push_back(x);
  return success();
}

ElementsAttr kiln::nn::makeWeightAttr(DenseElementsAttr value, StringRef resourceKey) {
  Type element = value.getElementType();
  if (value.isSplat() || value.getNumElements() <= kInlineWeightLimit ||
      !element.isIntOrFloat() || element.getIntOrFloatBitWidth() < 8)
    return value;
  size_t width = element.getIntOrFloatBitWidth() / 8;
  return DenseResourceElementsAttr::get(
      llvm::cast<ShapedType>(value.getType()), resourceKey,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(value.getRawData(), width));
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

// `dense<...> : tensor<2xi8> as tensor<2x!quant.uniform<...>>`: the type after
// `as` appears only when the result type differs from the value's.
static ParseResult parseConstantValue(OpAsmParser &parser, ElementsAttr &value,
                                      Type &resultType) {
  if (parser.parseAttribute(value))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("as")))
    return parser.parseType(resultType);
  resultType = value.getType();
  return success();
}

static void printConstantValue(OpAsmPrinter &printer, Operation *, ElementsAttr value,
                               Type resultType) {
  printer.printAttribute(value);
  if (value.getType() != resultType)
    printer << " as " << resultType;
}

LogicalResult ConstantOp::verify() {
  auto valueType = llvm::cast<ShapedType>(getValue().getType());
  auto resultType = getType();
  if (valueType == resultType)
    return success();
  if (valueType.getShape() != resultType.getShape())
    return emitOpError("value shape does not match the result shape");
  auto quantized = llvm::dyn_cast<quant::QuantizedType>(resultType.getElementType());
  if (!quantized)
    return emitOpError("value type ")
           << valueType << " differs from the result type " << resultType
           << ", which only a quantized result may do";
  auto storage = llvm::dyn_cast<IntegerType>(valueType.getElementType());
  bool storageMatches =
      storage && storage.getWidth() == quantized.getStorageTypeIntegralWidth() &&
      (storage.isSignless() || storage.isUnsigned() == !quantized.isSigned());
  if (!storageMatches)
    return emitOpError("value element type ")
           << valueType.getElementType() << " is not the storage type "
           << quantized.getStorageType() << " of the quantized result";
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

#define GET_OP_CLASSES
#include "dialects/nn/NNOps.cpp.inc"
