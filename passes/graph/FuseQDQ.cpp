//===- FuseQDQ.cpp - absorb Q/DQ into quantizable layers (INT8 layers) ----===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"
#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "kiln-fuse-qdq"

namespace kiln {
#define GEN_PASS_DEF_FUSEQDQPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;
namespace ref = kiln::reference;

namespace {

std::string nameOf(Operation *op) {
  std::string name = getLayerName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

RankedTensorType withElement(Type type, Type element) {
  return RankedTensorType::get(llvm::cast<RankedTensorType>(type).getShape(), element);
}

/// Why an INT8 layer cannot read or write a tensor of `type` (nullopt when
/// it is symmetric int8). TensorRT's INT8 layers, and so Kiln's, are
/// symmetric: int8 with zero point 0. uint8 with zero point 128 is the same
/// grid shifted by 128 (kiln-propagate-qdq rewrites it before this pass);
/// any other zero point, or uint8 at all, has no exact int8 form.
std::optional<std::string> whyNotSymmetricInt8(Type type) {
  auto element = llvm::dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(type));
  if (!element)
    return std::nullopt;
  SmallVector<int64_t> zeroPoints;
  if (auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(element))
    zeroPoints.push_back(uniform.getZeroPoint());
  else if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element))
    llvm::append_range(zeroPoints, perAxis.getZeroPoints());
  std::string storage = (element.isSigned() ? "int" : "uint") +
                        std::to_string(element.getStorageTypeIntegralWidth());
  auto other = llvm::find_if(zeroPoints, [](int64_t zero) { return zero != 0; });
  if (element.isSigned() && element.getStorageTypeIntegralWidth() == 8 &&
      other == zeroPoints.end())
    return std::nullopt;
  std::string zero = other == zeroPoints.end() ? "0" : std::to_string(*other);
  return storage + " with zero point " + zero +
         " has no exact symmetric int8 form (INT8 layers take int8 with zero point 0, "
         "or uint8 with 128, shifted)";
}

/// The per-tensor symmetric int8 value a dequantize reads, or null.
Value getPerTensorSource(Value value) {
  auto dq = value.getDefiningOp<DequantizeOp>();
  if (!dq || !llvm::isa<quant::UniformQuantizedType>(
                 getElementTypeOrSelf(dq.getInput().getType())) ||
      whyNotSymmetricInt8(dq.getInput().getType()))
    return {};
  return dq.getInput();
}

/// The dimension of a linear layer's weight that holds its output channels,
/// or nullopt when a per-channel scale does not apply.
std::optional<int64_t> weightOutputAxis(Operation *layer) {
  if (llvm::isa<ConvOp>(layer))
    return 0;
  if (auto deconv = llvm::dyn_cast<ConvTransposeOp>(layer)) {
    if (deconv.getGroups() != 1)
      return std::nullopt;
    int64_t rank = deconv.getFilter().getType().getRank();
    return deconv.getLayout() == Layout::channels_last ? rank - 1 : 1;
  }
  if (auto gemm = llvm::dyn_cast<GemmOp>(layer))
    return gemm.getTransB() ? 0 : 1;
  if (auto matmul = llvm::dyn_cast<MatmulOp>(layer))
    if (matmul.getRhs().getType().getRank() == 2)
      return 1;
  return std::nullopt;
}

/// Float32 rounding of a scale, as the runtimes hold it.
double asFloat(double scale) { return static_cast<double>(static_cast<float>(scale)); }

/// Whether every value is exactly k · scale (float32) for an integer
/// |k| <= 127, scale = max / 127: symmetric per-tensor int8 reproduces them.
bool isOnPerTensorGrid(ArrayRef<double> values, double max) {
  double scale = asFloat(max / 127.0);
  if (!(scale > 0))
    return false;
  return llvm::all_of(values, [&](double value) {
    double step = std::nearbyint(value / scale);
    return std::abs(step) <= 127 && static_cast<float>(step * scale) == static_cast<float>(value);
  });
}

/// The weight as an int8 constant: a dequantized int8 constant as is, a
/// float constant quantized symmetric per output channel (`max |w| / 127`),
/// or per tensor when its values already lie on one per-tensor grid.
Value quantizeWeight(OpBuilder &rewriter, Operation *layer, Value weight) {
  if (auto dq = weight.getDefiningOp<DequantizeOp>()) {
    auto element = llvm::cast<quant::QuantizedType>(
        getElementTypeOrSelf(dq.getInput().getType()));
    if (dq.getInput().getDefiningOp<ConstantOp>() && !whyNotSymmetricInt8(element))
      return dq.getInput();
    return {};
  }
  auto constant = weight.getDefiningOp<ConstantOp>();
  auto type = llvm::cast<RankedTensorType>(weight.getType());
  if (!constant || !type.getElementType().isF32() || !type.hasStaticShape())
    return {};
  llvm::Expected<ref::Tensor> tensor = ref::Tensor::fromAttr(constant.getValue(), type);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return {};
  }
  std::vector<double> values = tensor->toReals();
  std::optional<int64_t> axis = weightOutputAxis(layer);
  int64_t channels = axis ? type.getDimSize(*axis) : 1;
  int64_t inner = 1;
  if (axis)
    for (int64_t d = *axis + 1; d < type.getRank(); ++d)
      inner *= type.getDimSize(d);
  SmallVector<double> maxima(channels, 0.0);
  for (size_t k = 0; k < values.size(); ++k) {
    int64_t channel = axis ? (static_cast<int64_t>(k) / inner) % channels : 0;
    maxima[channel] = std::max(maxima[channel], std::abs(values[k]));
  }
  // Weights already on one per-tensor grid (a Q/DQ model's per-tensor int8
  // weights, which constant folding dequantized) keep it: per-channel scales
  // would round them a second time.
  if (axis && isOnPerTensorGrid(values, *llvm::max_element(maxima))) {
    axis = std::nullopt;
    maxima.assign(1, *llvm::max_element(maxima));
  }
  SmallVector<double> scales;
  for (double max : maxima)
    scales.push_back(max > 0 ? asFloat(max / 127.0) : 1.0);
  MLIRContext *context = rewriter.getContext();
  Type i8 = IntegerType::get(context, 8);
  Type element =
      axis ? Type(quant::UniformQuantizedPerAxisType::get(
                 quant::QuantizationFlags::Signed, i8, type.getElementType(), scales,
                 SmallVector<int64_t>(channels, 0), *axis, -127, 127))
           : Type(quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i8,
                                                   type.getElementType(), scales.front(),
                                                   0, -127, 127));
  ref::Tensor quantized = ref::Tensor::fromReals(element, type.getShape(), values);
  return ConstantOp::create(rewriter, constant.getLoc(), withElement(type, element),
                            quantized.toAttr());
}

/// Scales of a quantized weight, one per output channel (one when per tensor).
SmallVector<double> weightScales(Value weight) {
  Type element = getElementTypeOrSelf(weight.getType());
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element))
    return SmallVector<double>(perAxis.getScales());
  return {llvm::cast<quant::UniformQuantizedType>(element).getScale()};
}

/// The bias as int32 of scale `input scale × weight scale` (per channel), or
/// the bias itself where it is not a constant.
Value quantizeBias(PatternRewriter &rewriter, Operation *layer, Value bias, Value input,
                   Value weight) {
  if (auto gemm = llvm::dyn_cast<GemmOp>(layer);
      gemm && (!gemm.getAlpha().isExactlyValue(1.0) || !gemm.getBeta().isExactlyValue(1.0)))
    return bias;
  auto type = llvm::cast<RankedTensorType>(bias.getType());
  Value source = bias;
  if (auto dq = bias.getDefiningOp<DequantizeOp>())
    source = dq.getInput();
  auto constant = source.getDefiningOp<ConstantOp>();
  if (!constant || type.getRank() != 1 || !type.hasStaticShape())
    return bias;
  llvm::Expected<ref::Tensor> tensor =
      ref::Tensor::fromAttr(constant.getValue(), constant.getType());
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return bias;
  }
  double inputScale = asFloat(llvm::cast<quant::UniformQuantizedType>(
                                  getElementTypeOrSelf(input.getType()))
                                  .getScale());
  SmallVector<double> scales;
  for (double scale : weightScales(weight))
    scales.push_back(asFloat(asFloat(scale) * inputScale));
  int64_t channels = type.getDimSize(0);
  if (scales.size() != 1 && static_cast<int64_t>(scales.size()) != channels)
    return bias;
  MLIRContext *context = rewriter.getContext();
  Type i32 = IntegerType::get(context, 32);
  Type floatType = type.getElementType();
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(floatType))
    floatType = quantized.getExpressedType();
  auto min = static_cast<int64_t>(std::numeric_limits<int32_t>::min());
  auto max = static_cast<int64_t>(std::numeric_limits<int32_t>::max());
  Type element =
      scales.size() == 1
          ? Type(quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i32,
                                                  floatType, scales.front(), 0, min, max))
          : Type(quant::UniformQuantizedPerAxisType::get(
                quant::QuantizationFlags::Signed, i32, floatType, scales,
                SmallVector<int64_t>(channels, 0), 0, min, max));
  if (withElement(type, element) == source.getType())
    return source;
  ref::Tensor quantized =
      ref::Tensor::fromReals(element, type.getShape(), tensor->toReals());
  return ConstantOp::create(rewriter, constant.getLoc(), withElement(type, element),
                            quantized.toAttr());
}

/// The single quantize reading `result` that may become the layer's result
/// type, or null.
QuantizeOp getFusableQuantize(Value result) {
  if (!result.hasOneUse())
    return {};
  auto quantize = llvm::dyn_cast<QuantizeOp>(*result.getUsers().begin());
  if (!quantize ||
      !llvm::isa<quant::UniformQuantizedType>(getElementTypeOrSelf(quantize.getType())) ||
      whyNotSymmetricInt8(quantize.getType()))
    return {};
  return quantize;
}

/// conv, conv_transpose, gemm, matmul with dequantized inputs → INT8 layer.
struct FuseLinearLayer : OpInterfaceRewritePattern<QuantizableOpInterface> {
  FuseLinearLayer(MLIRContext *context, kiln::PassStatistic &layers,
                  kiln::PassStatistic &outputs)
      : OpInterfaceRewritePattern(context), layers(layers), outputs(outputs) {}

  LogicalResult matchAndRewrite(QuantizableOpInterface quantizable,
                                PatternRewriter &rewriter) const override {
    Operation *layer = quantizable;
    if (!hasEpilogue(layer) || !quantizable.isQuantizable())
      return rewriter.notifyMatchFailure(layer, "not a linear layer");
    Value input = layer->getOperand(0), weight = layer->getOperand(1);
    bool inputsQuantized = isQuantized(getElementTypeOrSelf(input.getType()));
    SmallVector<Value> operands(layer->getOperands());
    rewriter.setInsertionPoint(layer);
    if (!inputsQuantized) {
      Value quantizedInput = getPerTensorSource(input);
      if (!quantizedInput)
        return rewriter.notifyMatchFailure(layer, "the input is not dequantized");
      Value quantizedWeight = quantizeWeight(rewriter, layer, weight);
      if (!quantizedWeight)
        return rewriter.notifyMatchFailure(layer, "the weight is not a constant");
      operands[0] = quantizedInput;
      operands[1] = quantizedWeight;
      unsigned next = 2;
      if (Value bias = getEpilogueBias(layer))
        operands[next++] = quantizeBias(rewriter, layer, bias, quantizedInput,
                                        quantizedWeight);
      if (Value residual = getEpilogueResidual(layer))
        if (Value quantizedResidual = getPerTensorSource(residual))
          operands[next] = quantizedResidual;
    }
    Value residual = getEpilogueResidual(layer);
    // A float residual keeps the output float (rule 6); an INT8 one lets the
    // output quantize fuse (rule 7).
    QuantizeOp quantize = getFusableQuantize(layer->getResult(0));
    if (residual && !isQuantized(getElementTypeOrSelf(operands.back().getType())))
      quantize = {};
    if (inputsQuantized && !quantize)
      return rewriter.notifyMatchFailure(layer, "already fused, and no output to fuse");
    Operation *fused = rewriter.clone(*layer);
    fused->setOperands(operands);
    if (quantize) {
      fused->setLoc(fusedLocation(layer, quantize));
      fused->getResult(0).setType(quantize.getType());
      rewriter.replaceOp(quantize, fused->getResults());
      rewriter.eraseOp(layer);
      ++outputs;
    } else {
      rewriter.replaceOp(layer, fused->getResults());
    }
    if (!inputsQuantized)
      ++layers;
    return success();
  }

  kiln::PassStatistic &layers, &outputs;
};

/// add, average pool, global average pool with dequantized inputs and a
/// quantized output → the layer on quantized tensors.
struct FuseQuantizedLayer : OpInterfaceRewritePattern<QuantizableOpInterface> {
  FuseQuantizedLayer(MLIRContext *context, kiln::PassStatistic &layers,
                     kiln::PassStatistic &outputs)
      : OpInterfaceRewritePattern(context), layers(layers), outputs(outputs) {}

  LogicalResult matchAndRewrite(QuantizableOpInterface quantizable,
                                PatternRewriter &rewriter) const override {
    Operation *layer = quantizable;
    if (hasEpilogue(layer) || !quantizable.isQuantizable() || layer->getNumResults() != 1)
      return rewriter.notifyMatchFailure(layer, "not an add or average pool");
    SmallVector<Value> operands(layer->getOperands());
    for (OpOperand *operand : quantizable.getQuantizedOperands()) {
      Value source = getPerTensorSource(operand->get());
      if (!source)
        return rewriter.notifyMatchFailure(layer, "an input is not dequantized");
      operands[operand->getOperandNumber()] = source;
    }
    QuantizeOp quantize = getFusableQuantize(layer->getResult(0));
    if (!quantize)
      return rewriter.notifyMatchFailure(layer, "the result is not quantized");
    rewriter.setInsertionPoint(layer);
    Operation *fused = rewriter.clone(*layer);
    fused->setOperands(operands);
    fused->setLoc(fusedLocation(layer, quantize));
    fused->getResult(0).setType(quantize.getType());
    rewriter.replaceOp(quantize, fused->getResults());
    rewriter.eraseOp(layer);
    ++layers;
    ++outputs;
    return success();
  }

  kiln::PassStatistic &layers, &outputs;
};

struct FuseQDQPass : kiln::impl::FuseQDQPassBase<FuseQDQPass> {
  using FuseQDQPassBase::FuseQDQPassBase;
  FuseQDQPass() = default;
  FuseQDQPass(const FuseQDQPass &other) : FuseQDQPassBase(other) {}

  kiln::PassStatistic numFused{this, "fused-layers",
                               "Layers that now run on quantized inputs"};
  kiln::PassStatistic numOutputs{this, "fused-outputs",
                                 "Quantizes absorbed as a layer's result"};

  void runOnOperation() override {
    warnSplitPairs();
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLinearLayer>(&getContext(), numFused, numOutputs);
    patterns.add<FuseQuantizedLayer>(&getContext(), numFused, numOutputs);
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }

  /// A Q/DQ pair between an INT8 linear layer and an add keeps the add out
  /// of the layer's epilogue; dropping the pair would drop a rounding.
  void warnSplitPairs() {
    getOperation().walk([&](AddOp add) {
      for (Value operand : add->getOperands()) {
        auto dq = operand.getDefiningOp<DequantizeOp>();
        auto quantize = dq ? dq.getInput().getDefiningOp<QuantizeOp>() : QuantizeOp();
        Operation *layer = quantize ? quantize.getInput().getDefiningOp() : nullptr;
        if (!layer || !hasEpilogue(layer) || !quantize.getInput().hasOneUse() ||
            getEpilogueResidual(layer) || getEpilogueActivation(layer))
          continue;
        add.emitWarning() << "a quantize/dequantize pair between '" << nameOf(layer)
                          << "' and '" << nameOf(add)
                          << "' keeps the add out of the layer's epilogue; removing it "
                             "would change numerics (it rounds to "
                          << getElementTypeOrSelf(dq.getInput().getType()) << ")";
      }
    });
  }
};

} // namespace

Value kiln::quantizeConstantWeight(OpBuilder &builder, Operation *layer, Value weight) {
  return quantizeWeight(builder, layer, weight);
}

std::string kiln::whyQuantizationKept(Operation *op) {
  auto opName = [](Operation *other) {
    return other->getName().stripDialect().str();
  };
  Value quantized = llvm::isa<QuantizeOp>(op) ? op->getResult(0) : op->getOperand(0);
  if (std::optional<std::string> why = whyNotSymmetricInt8(quantized.getType()))
    return *why;
  if (auto quantize = llvm::dyn_cast<QuantizeOp>(op)) {
    Operation *producer = quantize.getInput().getDefiningOp();
    if (!producer)
      return "at the network input";
    if (hasEpilogue(producer) && getEpilogueResidual(producer) &&
        !isQuantized(getElementTypeOrSelf(getEpilogueResidual(producer).getType())))
      return opName(producer) + " adds a float residual, so its output stays float";
    if (auto quantizable = llvm::dyn_cast<QuantizableOpInterface>(producer);
        quantizable && quantizable.isQuantizable())
      return opName(producer) + " has inputs that are not dequantized";
    if (!getQuantCommutingOperands(producer))
      return opName(producer) + " does not commute with quantization";
    return opName(producer) + " has other users";
  }
  auto dq = llvm::cast<DequantizeOp>(op);
  if (dq.getInput().getDefiningOp<ConstantOp>())
    return "a weight of a layer that does not run in INT8";
  for (Operation *user : dq->getUsers()) {
    if (llvm::isa<func::ReturnOp>(user))
      return "at the network output";
    if (auto concat = llvm::dyn_cast<ConcatOp>(user))
      return "the concat's inputs have different scales";
    if (auto quantizable = llvm::dyn_cast<QuantizableOpInterface>(user);
        quantizable && quantizable.isQuantizable())
      return opName(user) + " does not have a quantized output";
    if (!getQuantCommutingOperands(user))
      return opName(user) + " does not commute with quantization";
  }
  return "its users need float";
}
