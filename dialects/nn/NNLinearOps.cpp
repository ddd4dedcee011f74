//===- NNLinearOps.cpp - convolutions and matrix products -----------------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNOpUtils.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::nn::detail;

ChannelSplit kiln::nn::splitChannels(ArrayRef<int64_t> shape, Layout layout) {
  if (layout == Layout::channels_last)
    return {shape.front(), shape.back(), shape.drop_front().drop_back()};
  return {shape[0], shape[1], shape.drop_front(2)};
}

static RankedTensorType joinChannels(int64_t lead, int64_t channel,
                                     ArrayRef<int64_t> spatial, Layout layout,
                                     Type element) {
  Shape shape{lead};
  if (layout == Layout::channels_first)
    shape.push_back(channel);
  shape.append(spatial.begin(), spatial.end());
  if (layout == Layout::channels_last)
    shape.push_back(channel);
  return RankedTensorType::get(shape, element);
}

static bool divides(int64_t divisor, int64_t value) {
  return ShapedType::isDynamic(value) || value % divisor == 0;
}

static int64_t mulDynamic(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic
                                                              : a * b;
}

/// Shape inference shared by conv and conv_transpose.
static LogicalResult inferConvolution(std::optional<Location> location, bool transposed,
                                      Value inputValue, Value filterValue,
                                      ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                      ArrayRef<int64_t> dilations,
                                      std::optional<ArrayRef<int64_t>> outputPadding,
                                      int64_t groups, Layout layout,
                                      SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(inputValue.getType());
  auto filter = llvm::cast<RankedTensorType>(filterValue.getType());
  if (input.getRank() < 3)
    return shapeError(location, "input must have a batch, a channel and at least "
                                "one spatial dimension, got rank " +
                                    Twine(input.getRank()));
  if (filter.getRank() != input.getRank())
    return shapeError(location, "filter rank " + Twine(filter.getRank()) +
                                    " does not match input rank " +
                                    Twine(input.getRank()));
  if (groups <= 0)
    return shapeError(location, "groups must be positive");
  ChannelSplit in = splitChannels(input.getShape(), layout);
  ChannelSplit w = splitChannels(filter.getShape(), layout);
  Window window{w.spatial, strides, pads, dilations};
  if (failed(verifyWindow(location, window, in.spatial.size())))
    return failure();

  int64_t outChannels;
  Shape spatial;
  if (!transposed) {
    if (!sizesCompatible(in.channel, mulDynamic(w.channel, groups)))
      return shapeError(location, "input has " + Twine(in.channel) +
                                      " channels but the filter expects " +
                                      Twine(w.channel) + " per group × " + Twine(groups) +
                                      " groups");
    if (!divides(groups, w.lead))
      return shapeError(location, Twine(w.lead) +
                                      " output channels are not "
                                      "divisible by " +
                                      Twine(groups) + " groups");
    outChannels = w.lead;
    FailureOr<Shape> out = windowOutputShape(location, in.spatial, window);
    if (failed(out))
      return failure();
    spatial = *out;
  } else {
    if (!sizesCompatible(in.channel, w.lead))
      return shapeError(location, "input has " + Twine(in.channel) +
                                      " channels but the filter expects " +
                                      Twine(w.lead));
    if (!divides(groups, in.channel))
      return shapeError(location, Twine(in.channel) +
                                      " input channels are not "
                                      "divisible by " +
                                      Twine(groups) + " groups");
    outChannels = mulDynamic(w.channel, groups);
    size_t rank = in.spatial.size();
    if (outputPadding && outputPadding->size() != rank)
      return shapeError(location, "expected " + Twine(rank) +
                                      " output_padding entries, got " +
                                      Twine(outputPadding->size()));
    for (size_t i = 0; i < rank; ++i) {
      int64_t extra = outputPadding ? (*outputPadding)[i] : 0;
      if (extra < 0 || (extra >= strides[i] && extra >= dilations[i]))
        return shapeError(location, "output_padding must be non-negative and "
                                    "smaller than the stride or the dilation");
      if (ShapedType::isDynamic(in.spatial[i]) || ShapedType::isDynamic(w.spatial[i])) {
        spatial.push_back(ShapedType::kDynamic);
        continue;
      }
      int64_t size = strides[i] * (in.spatial[i] - 1) + extra +
                     (w.spatial[i] - 1) * dilations[i] + 1 - pads[i] - pads[rank + i];
      if (size <= 0)
        return shapeError(location, "output spatial dimension " + Twine(i) +
                                        " would be " + Twine(size));
      spatial.push_back(size);
    }
  }
  inferred.push_back(joinChannels(in.lead, outChannels, spatial, layout,
                                  getExpressedType(input.getElementType())));
  return success();
}

/// Checks the element types of a linear layer's operands and result: all one
/// float type, or an INT8 layer (see the dialect's description) whose weight
/// is quantized per tensor or along `weightChannelAxis`.
static LogicalResult verifyLinearTypes(Operation *op, Value input, Value weight,
                                       Value bias, Value residual,
                                       int64_t weightChannelAxis, bool mayWiden = false) {
  auto elementOf = [](Value v) { return mlir::getElementTypeOrSelf(v.getType()); };
  Type inputType = elementOf(input), weightType = elementOf(weight);
  Type floatType = getExpressedType(inputType);
  bool quantized = isQuantized(inputType);
  // A float layer that may widen (gemm) and computes in f16 or bf16 may
  // write f32; its bias and residual are then f32 too (cuBLASLt adds a bias
  // of the result's type).
  Type resultFloat = floatType;
  if (mayWiden && !quantized && isWidenedFloatResult(floatType, elementOf(op->getResult(0))))
    resultFloat = elementOf(op->getResult(0));
  if (quantized != isQuantized(weightType))
    return op->emitOpError("input and weight must both be quantized or both be float");
  if (!quantized) {
    if (weightType != inputType)
      return op->emitOpError("weight element type ")
             << weightType << " differs from input element type " << inputType;
  } else {
    if (!llvm::isa<quant::UniformQuantizedType>(inputType))
      return op->emitOpError("input must be quantized per tensor");
    if (getExpressedType(weightType) != floatType)
      return op->emitOpError("weight and input express different float types");
    if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(weightType);
        perAxis && perAxis.getQuantizedDimension() != weightChannelAxis)
      return op->emitOpError("weight must be quantized per output channel (dimension ")
             << weightChannelAxis << "), not along dimension "
             << perAxis.getQuantizedDimension();
  }
  if (bias) {
    Type biasType = elementOf(bias);
    auto quantizedBias = llvm::dyn_cast<quant::QuantizedType>(biasType);
    bool valid =
        biasType == resultFloat || (quantized && quantizedBias &&
                                  quantizedBias.getStorageTypeIntegralWidth() == 32 &&
                                  quantizedBias.getExpressedType() == floatType);
    if (!valid)
      return op->emitOpError("bias must be ")
             << resultFloat
             << (quantized ? " or quantized with i32 storage"
                           : " (a quantized bias needs a quantized layer)");
  }
  for (auto [name, value] : {std::pair<StringRef, Value>{"residual", residual},
                             {"result", op->getResult(0)}}) {
    if (!value)
      continue;
    Type type = elementOf(value);
    if (!quantized && isQuantized(type))
      return op->emitOpError() << "a quantized " << name
                               << " needs quantized input and weight";
    if (getExpressedType(type) != resultFloat)
      return op->emitOpError() << name << " element type " << type
                               << " does not match the layer's " << resultFloat;
  }
  if (residual &&
      failed(verifyCompatibleShape(residual.getType(), op->getResult(0).getType())))
    return op->emitOpError("residual shape must match the result shape");
  return success();
}

static LogicalResult verifyChannelBias(Operation *op, Value bias, int64_t channels) {
  if (!bias)
    return success();
  auto type = llvm::cast<RankedTensorType>(bias.getType());
  if (type.getRank() != 1 || !sizesCompatible(type.getDimSize(0), channels))
    return op->emitOpError("bias must be 1-D with one entry per output channel (")
           << channels << "), got " << type;
  return success();
}

//===----------------------------------------------------------------------===//
// ConvOp / ConvTransposeOp
//===----------------------------------------------------------------------===//

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                       Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  return inferConvolution(
      location, /*transposed=*/false, adaptor.getInput(), adaptor.getFilter(),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(), std::nullopt,
      groupsOr(adaptor.getGroupsAttr()), layoutOr(adaptor.getLayoutAttr()), inferred);
}

/// Whether a convolution's operands have the ranks verify() relies on; when
/// they do not, the inferred-type check reports the problem instead.
static bool hasConvolutionRanks(Value input, Value filter) {
  auto rank = [](Value v) { return llvm::cast<RankedTensorType>(v.getType()).getRank(); };
  return rank(input) >= 3 && rank(filter) == rank(input);
}

LogicalResult ConvOp::verify() {
  if (!hasConvolutionRanks(getInput(), getFilter()))
    return success();
  int64_t channelAxis = 0;
  if (failed(verifyLinearTypes(*this, getInput(), getFilter(), getBias(), getResidual(),
                               channelAxis)))
    return failure();
  return verifyChannelBias(*this, getBias(), getFilter().getType().getDimSize(0));
}

SmallVector<OpOperand *> ConvOp::getQuantizedOperands() {
  return {&getInputMutable(), &getFilterMutable()};
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> location,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &inferred) {
  return inferConvolution(location, /*transposed=*/true, adaptor.getInput(),
                          adaptor.getFilter(), adaptor.getStrides(), adaptor.getPads(),
                          adaptor.getDilations(), adaptor.getOutputPadding(),
                          groupsOr(adaptor.getGroupsAttr()),
                          layoutOr(adaptor.getLayoutAttr()), inferred);
}

LogicalResult ConvTransposeOp::verify() {
  if (!hasConvolutionRanks(getInput(), getFilter()))
    return success();
  auto filter = getFilter().getType();
  int64_t channelAxis = getLayout() == Layout::channels_last ? filter.getRank() - 1 : 1;
  if (failed(verifyLinearTypes(*this, getInput(), getFilter(), getBias(), getResidual(),
                               channelAxis)))
    return failure();
  int64_t channels = mulDynamic(filter.getDimSize(channelAxis), getGroups());
  return verifyChannelBias(*this, getBias(), channels);
}

SmallVector<OpOperand *> ConvTransposeOp::getQuantizedOperands() {
  return {&getInputMutable(), &getFilterMutable()};
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhs = llvm::cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = llvm::cast<RankedTensorType>(adaptor.getRhs().getType());
  if (lhs.getRank() == 0 || rhs.getRank() == 0)
    return shapeError(location, "operands must have rank 1 or more");
  // numpy promotes a vector to a matrix and drops the unit dimension after.
  Shape a(lhs.getShape()), b(rhs.getShape());
  if (lhs.getRank() == 1)
    a.insert(a.begin(), 1);
  if (rhs.getRank() == 1)
    b.push_back(1);
  int64_t k = a.back(), kb = b[b.size() - 2];
  if (!sizesCompatible(k, kb))
    return shapeError(location,
                      "contracting dimensions differ: " + Twine(k) + " vs " + Twine(kb));
  ArrayRef<int64_t> aBatch = ArrayRef<int64_t>(a).drop_back(2);
  ArrayRef<int64_t> bBatch = ArrayRef<int64_t>(b).drop_back(2);
  FailureOr<Shape> shape = broadcastShapes(location, {aBatch, bBatch});
  if (failed(shape))
    return failure();
  if (lhs.getRank() > 1)
    shape->push_back(a[a.size() - 2]);
  if (rhs.getRank() > 1)
    shape->push_back(b.back());
  inferred.push_back(
      RankedTensorType::get(*shape, getExpressedType(lhs.getElementType())));
  return success();
}

LogicalResult MatmulOp::verify() {
  auto rhs = getRhs().getType();
  if (rhs.getRank() == 0 || getLhs().getType().getRank() == 0)
    return success(); // The inferred-type check reports it.
  if (failed(verifyLinearTypes(*this, getLhs(), getRhs(), getBias(), getResidual(),
                               rhs.getRank() - 1)))
    return failure();
  if (getBias() && getType().getRank() == 0)
    return emitOpError("a bias needs a result of rank 1 or more");
  return verifyChannelBias(*this, getBias(),
                           getType().getRank() ? getType().getShape().back() : 1);
}

SmallVector<OpOperand *> MatmulOp::getQuantizedOperands() {
  return {&getLhsMutable(), &getRhsMutable()};
}

//===----------------------------------------------------------------------===//
// GemmOp
//===----------------------------------------------------------------------===//

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                       Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto a = llvm::cast<RankedTensorType>(adaptor.getA().getType());
  auto b = llvm::cast<RankedTensorType>(adaptor.getB().getType());
  if (a.getRank() != 2 || b.getRank() != 2)
    return shapeError(location, "operands must be matrices");
  bool transA = adaptor.getTransA(), transB = adaptor.getTransB();
  int64_t m = a.getDimSize(transA ? 1 : 0), k = a.getDimSize(transA ? 0 : 1);
  int64_t kb = b.getDimSize(transB ? 1 : 0), n = b.getDimSize(transB ? 0 : 1);
  if (!sizesCompatible(k, kb))
    return shapeError(location,
                      "contracting dimensions differ: " + Twine(k) + " vs " + Twine(kb));
  inferred.push_back(RankedTensorType::get({m, n}, getExpressedType(a.getElementType())));
  return success();
}

LogicalResult GemmOp::verify() {
  if (failed(verifyLinearTypes(*this, getA(), getB(), getBias(), getResidual(),
                               getTransB() ? 0 : 1, /*mayWiden=*/true)))
    return failure();
  if (Value bias = getBias();
      bias && !broadcastsTo(llvm::cast<RankedTensorType>(bias.getType()).getShape(),
                            getType().getShape()))
    return emitOpError("bias ")
           << bias.getType() << " does not broadcast to the result " << getType();
  return success();
}

bool GemmOp::isCompatibleReturnTypes(TypeRange inferred, TypeRange declared) {
  // Also f16 or bf16 operands and an f32 result (verify() checks the rest).
  return isCompatibleQuantizedReturnTypes(inferred, declared) ||
         isWidenedGemmResult(inferred, declared);
}

SmallVector<OpOperand *> GemmOp::getQuantizedOperands() {
  return {&getAMutable(), &getBMutable()};
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

namespace {
/// The dimensions of an attention operand in the bhsd order, whatever the
/// op's layout.
struct AttentionDims {
  int64_t batch, heads, sequence, features;
};
} // namespace

static AttentionDims getAttentionDims(RankedTensorType type, AttentionLayout layout) {
  ArrayRef<int64_t> s = type.getShape();
  if (layout == AttentionLayout::bshd)
    return {s[0], s[2], s[1], s[3]};
  return {s[0], s[1], s[2], s[3]};
}

/// `2x?x4`, as MLIR writes a shape.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << "?";
        else
          os << size;
      },
      "x");
  return text;
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  AttentionLayoutAttr layoutAttr = adaptor.getLayoutAttr();
  AttentionLayout layout = layoutAttr ? layoutAttr.getValue() : AttentionLayout::bhsd;
  StringRef order = layout == AttentionLayout::bhsd ? "B × H × S × D" : "B × S × H × D";
  auto q = llvm::cast<RankedTensorType>(adaptor.getQ().getType());
  auto k = llvm::cast<RankedTensorType>(adaptor.getK().getType());
  auto v = llvm::cast<RankedTensorType>(adaptor.getV().getType());
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"q", q}, {"k", k},
                            {"v", v}})
    if (type.getRank() != 4)
      return shapeError(location, Twine(name) + " must have rank 4 (" + order +
                                      "), got rank " + Twine(type.getRank()));
  Type element = q.getElementType();
  for (auto [name, value] : {std::pair<StringRef, Value>{"k", adaptor.getK()},
                             {"v", adaptor.getV()},
                             {"bias", adaptor.getBias()}}) {
    if (value && mlir::getElementTypeOrSelf(value.getType()) != element)
      return shapeError(location, Twine(name) + " element type differs from q's");
  }
  AttentionDims dq = getAttentionDims(q, layout), dk = getAttentionDims(k, layout),
                dv = getAttentionDims(v, layout);
  auto agree = [&](StringRef what, int64_t a, int64_t b, int64_t c) -> LogicalResult {
    if (sizesCompatible(a, b) && sizesCompatible(a, c) && sizesCompatible(b, c))
      return success();
    return shapeError(location, "q, k and v must have the same " + Twine(what) +
                                    ", got " + Twine(a) + ", " + Twine(b) +
                                    " and " + Twine(c));
  };
  if (failed(agree("batch size", dq.batch, dk.batch, dv.batch)) ||
      failed(agree("number of heads", dq.heads, dk.heads, dv.heads)))
    return failure();
  if (!sizesCompatible(dq.features, dk.features))
    return shapeError(location, "q and k must have the same head size, got " +
                                    Twine(dq.features) + " and " + Twine(dk.features));
  if (!sizesCompatible(dk.sequence, dv.sequence))
    return shapeError(location, "k and v must have the same sequence length, got " +
                                    Twine(dk.sequence) + " and " + Twine(dv.sequence));
  if (Value biasValue = adaptor.getBias()) {
    auto bias = llvm::cast<RankedTensorType>(biasValue.getType());
    int64_t scores[] = {dq.batch, dq.heads, dq.sequence, dk.sequence};
    bool broadcasts = bias.getRank() == 4;
    for (int64_t i = 0; broadcasts && i < 4; ++i)
      broadcasts = bias.getDimSize(i) == 1 || sizesCompatible(bias.getDimSize(i), scores[i]);
    if (!broadcasts)
      return shapeError(location, "bias must have rank 4 and broadcast to the scores "
                                  "(B × H × Sq × Skv = " +
                                      formatShape(scores) + "), got " +
                                      formatShape(bias.getShape()));
  }
  Shape result = layout == AttentionLayout::bhsd
                     ? Shape{dq.batch, dq.heads, dq.sequence, dv.features}
                     : Shape{dq.batch, dq.sequence, dq.heads, dv.features};
  inferred.push_back(RankedTensorType::get(result, element));
  return success();
}

LogicalResult AttentionOp::verify() {
  if (!getScale().isFinite() || getScale().isZero())
    return emitOpError("scale must be finite and non-zero, got ")
           << getScale().convertToFloat();
  return success();
}
