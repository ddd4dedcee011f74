//===- Int8Lowering.cpp - what the INT8 path accepts, and its epilogue ----===//
//
// cuDNN's int8 convolution and cuBLASLt's IMMA GEMM multiply stored integers:
// they know nothing of scales or zero points. So the data and weights they
// read must be symmetric int8 (zero point 0), and everything the scales
// express happens after them: inside cuDNN's graph for the convolutions
// whose epilogue it can run (per-channel scale, bias, int8 residual, an
// activation of cuDNN's pointwise, int8 or float output), else in a
// generated kernel that reproduces the reference interpreter's epilogue
// (see docs/codegen.md, "INT8 layers").
//
//===----------------------------------------------------------------------===//

#include "passes/lowering/Int8Lowering.h"

#include "passes/PassUtils.h"

#include "dialects/engine/EngineDialect.h"

#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;
namespace ref = kiln::reference;

namespace {

std::string str(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

Type elementOf(Value value) { return getElementTypeOrSelf(value.getType()); }

/// Why `value` cannot be the int8 data a library call multiplies, or "".
std::string whyNotInt8Data(Value value, StringRef what) {
  Type element = elementOf(value);
  if (llvm::isa<quant::UniformQuantizedPerAxisType>(element))
    return (what + " " + str(element) + " is quantized per channel; int8 data takes one scale")
        .str();
  auto quantized = llvm::dyn_cast<quant::UniformQuantizedType>(element);
  if (!quantized)
    return (what + " is " + str(element) + ", not int8").str();
  if (!quantized.isSigned() || quantized.getStorageTypeIntegralWidth() != 8)
    return (what + " " + str(element) +
            " is not signed 8-bit: cuDNN and cuBLASLt multiply int8 (requantize uint8 "
            "data to int8 with zero point 0)")
        .str();
  if (quantized.getZeroPoint() != 0)
    return (what + " " + str(element) + " has zero point " +
            Twine(quantized.getZeroPoint()) +
            ": int8 convolutions and GEMMs need symmetric data (zero point 0)")
        .str();
  return "";
}

/// Why `value` cannot be the int8 weight of a layer whose output channels
/// run along `axis` of it, or "".
std::string whyNotInt8Weight(Value value, int64_t axis) {
  Type element = elementOf(value);
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    if (!perAxis.isSigned() || perAxis.getStorageTypeIntegralWidth() != 8)
      return "weight " + str(element) + " is not signed 8-bit";
    if (perAxis.getQuantizedDimension() != axis)
      return "weight " + str(element) + " is quantized along dimension " +
             std::to_string(perAxis.getQuantizedDimension()) +
             ", not along its output channels (" + std::to_string(axis) + ")";
    if (llvm::any_of(perAxis.getZeroPoints(), [](int64_t z) { return z != 0; }))
      return "weight " + str(element) +
             " has a zero point other than 0: int8 weights must be symmetric";
    return "";
  }
  return whyNotInt8Data(value, "weight");
}

} // namespace

bool kiln::isInt8Layer(Operation *op) {
  if (!hasEpilogue(op))
    return false;
  return llvm::any_of(op->getOperands().take_front(2), [](Value operand) {
    return llvm::isa<quant::QuantizedType>(elementOf(operand));
  });
}

bool kiln::isInt8DepthwiseConv(ConvOp conv) {
  RankedTensorType input = conv.getInput().getType(), output = conv.getType();
  auto filter = llvm::cast<RankedTensorType>(conv.getFilter().getType());
  int64_t groups = conv.getGroups();
  if (conv.getLayout() != Layout::channels_last || groups < 2 || !filter.hasStaticShape() ||
      input.getShape().back() != groups || output.getShape().back() != groups)
    return false;
  int64_t taps = filter.getNumElements() / groups;
  return taps < 1024;
}

std::string kiln::whyNotInt8Lowerable(Operation *op, bool depthwiseInKernel) {
  auto result = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  Type resultElement = result.getElementType();
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(resultElement)) {
    if (!llvm::isa<quant::UniformQuantizedType>(quantized) ||
        quantized.getStorageTypeIntegralWidth() != 8)
      return "result " + str(resultElement) + " is not 8-bit and quantized per tensor";
  } else if (!llvm::isa<FloatType>(resultElement)) {
    return "result " + str(resultElement) + " is neither quantized nor float";
  }
  for (Value operand : {getEpilogueBias(op), getEpilogueResidual(op)}) {
    if (!operand)
      continue;
    Type element = elementOf(operand);
    if (!llvm::isa<FloatType, quant::UniformQuantizedType,
                   quant::UniformQuantizedPerAxisType>(element))
      return "epilogue operand " + str(element) + " is neither quantized nor float";
  }

  if (llvm::isa<ConvTransposeOp>(op))
    return "quantized transposed convolutions have no int8 lowering (dequantize its input)";
  if (auto conv = llvm::dyn_cast<ConvOp>(op)) {
    if (std::string why = whyNotInt8Data(conv.getInput(), "input"); !why.empty())
      return why;
    if (std::string why = whyNotInt8Weight(conv.getFilter(), 0); !why.empty())
      return why;
    if (conv.getLayout() != Layout::channels_last)
      return "cuDNN runs int8 convolutions channels-last (NHWC) only; this one is "
             "channels-first (compile with kiln-convert-layout)";
    if (depthwiseInKernel && isInt8DepthwiseConv(conv))
      return ""; // Kiln's kernel: int8 x and w, sums exact in f32, any channels.
    int64_t channels = conv.getInput().getType().getShape().back();
    int64_t perGroup = channels / conv.getGroups();
    // One group of a constant filter is padded to 4 channels here.
    bool paddable = conv.getGroups() == 1 && conv.getFilter().getDefiningOp<ConstantOp>();
    if (perGroup % 4 != 0 && !paddable)
      return "cuDNN's int8 convolutions need a multiple of 4 input channels per group, "
             "found " +
             std::to_string(perGroup) + " (in " + std::to_string(conv.getGroups()) +
             " groups, or with a computed filter, which the lowering cannot pad" +
             (isInt8DepthwiseConv(conv) ? "; depthwise-conv=auto or kernel runs it in Kiln's "
                                          "INT8 depthwise kernel"
                                        : "") +
             ")";
    return "";
  }

  Value a = op->getOperand(0), b = op->getOperand(1);
  bool transB = false;
  if (auto gemm = llvm::dyn_cast<GemmOp>(op)) {
    if (gemm.getTransA())
      return "an int8 gemm with trans_a: cuBLASLt's int8 kernels read A row-major [M, K]";
    transB = gemm.getTransB();
  } else {
    auto lhs = llvm::cast<RankedTensorType>(a.getType());
    auto rhs = llvm::cast<RankedTensorType>(b.getType());
    if (lhs.getRank() < 2 || rhs.getRank() < 2)
      return "an int8 matmul of a vector; cuBLASLt multiplies matrices";
    if (llvm::any_of(rhs.getShape().drop_back(2), [](int64_t d) { return d != 1; }))
      return "an int8 matmul whose right operand is batched; cuBLASLt's int8 path takes "
             "one weight matrix";
  }
  if (std::string why = whyNotInt8Data(a, "input A"); !why.empty())
    return why;
  int64_t rank = llvm::cast<RankedTensorType>(b.getType()).getRank();
  if (std::string why = whyNotInt8Weight(b, transB ? rank - 2 : rank - 1); !why.empty())
    return why;
  if (!transB && !b.getDefiningOp<ConstantOp>())
    return "B is computed and stored [K, N]; cuBLASLt's int8 kernels need it [N, K] "
           "(a constant weight is transposed when the engine is built)";
  int64_t k = llvm::cast<RankedTensorType>(a.getType()).getShape().back();
  if (k % 4 != 0)
    return "cuBLASLt's int8 (IMMA) kernels need the inner dimension K to be a multiple of "
           "4, found " +
           std::to_string(k);
  return "";
}

std::vector<double> kiln::accumulatorScales(Operation *op, int64_t count) {
  auto input = llvm::cast<quant::UniformQuantizedType>(elementOf(op->getOperand(0)));
  Type weight = elementOf(op->getOperand(1));
  double alpha = 1.0;
  if (auto gemm = llvm::dyn_cast<GemmOp>(op))
    alpha = gemm.getAlpha().convertToDouble();
  std::vector<double> scales(count);
  for (int64_t i = 0; i < count; ++i) {
    double w = 0;
    if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(weight))
      w = perAxis.getScales()[i];
    else
      w = llvm::cast<quant::UniformQuantizedType>(weight).getScale();
    scales[i] = alpha * input.getScale() * w;
  }
  return scales;
}

/// The values of a constant, or nullopt when `value` is not one.
static std::optional<ref::Tensor> constantTensor(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  llvm::Expected<ref::Tensor> tensor = ref::Tensor::fromAttr(
      constant.getValue(), llvm::cast<RankedTensorType>(value.getType()));
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return std::nullopt;
  }
  return std::move(*tensor);
}

/// Why `value` is not an int8 tensor quantized per tensor with zero point 0,
/// or "".
static std::string whyNotSymmetricInt8(Value value, StringRef what) {
  Type element = elementOf(value);
  auto quantized = llvm::dyn_cast<quant::UniformQuantizedType>(element);
  if (!quantized)
    return (what + " is " + str(element) + ", not int8 quantized per tensor").str();
  if (quantized.getStorageTypeIntegralWidth() != 8 || !quantized.isSigned())
    return (what + " " + str(element) + " is not signed 8-bit").str();
  if (quantized.getZeroPoint() != 0)
    return (what + " " + str(element) + " has zero point " +
            Twine(quantized.getZeroPoint()) + ", not 0")
        .str();
  return "";
}

std::string kiln::whyNotFusedInt8Conv(ConvOp conv) {
  Type result = elementOf(conv.getResult());
  if (llvm::isa<quant::QuantizedType>(result)) {
    if (std::string why = whyNotSymmetricInt8(conv.getResult(), "the output"); !why.empty())
      return why + " (cuDNN's graph rounds to int8 without a zero point)";
  } else if (!result.isF32() && !result.isF16()) {
    return "the output is " + str(result) + "; the fused graph writes int8, f32 or f16";
  }
  if (Value bias = conv.getBias(); bias && !constantTensor(bias))
    return "the bias is computed, not a constant the engine can rescale";
  if (Value residual = conv.getResidual()) {
    if (!llvm::isa<quant::QuantizedType>(elementOf(residual)))
      return "the residual is float (" + str(elementOf(residual)) +
             "); cuDNN's fused int8 graph takes an int8 residual";
    if (std::string why = whyNotSymmetricInt8(residual, "the residual"); !why.empty())
      return why;
  }
  // relu and clip commute with the division by the output's scale (clip's
  // bounds divided too), so the graph can stay in output units and end in
  // the conversion to int8; both are cuDNN's RELU_FWD (GpuInt8FusionProbe).
  // The others that cuDNN's pointwise runs work on real values, a multiply
  // by 1 / the output's scale after them (ConvStep.post_scale, format 1.5).
  ActivationAttr activation = conv.getActivationAttr();
  if (activation && !isFusedInt8Activation(activation.getKind()))
    return "activation " + stringifyActivationKind(activation.getKind()).str() +
           " is not fused into cuDNN's int8 graph (its pointwise operations have none; "
           "relu, clip, leaky_relu, elu, sigmoid, tanh, gelu, gelu_tanh and silu are)";
  // The float lowering's rule (cudnnRefuses): cuDNN 9.19 has no engine for
  // a 1-D grouped convolution ending in an activation outside RELU_FWD's.
  if (activation && conv.getGroups() != 1 && conv.getStrides().size() == 1 &&
      !activation.inUnitsOf(1.0) && activation.getKind() != ActivationKind::leaky_relu)
    return "activation " + stringifyActivationKind(activation.getKind()).str() +
           " on a 1-D grouped convolution: cuDNN has no engine for it (relu, clip and "
           "leaky_relu only)";
  bool realUnits = activation && !activation.inUnitsOf(1.0);
  // GpuInt8FusionProbe and GpuInt8Fused try these graphs with groups = 1
  // only; a grouped one stays on the epilogue kernel until one is probed.
  if (realUnits && conv.getGroups() != 1)
    return "activation " + stringifyActivationKind(activation.getKind()).str() +
           " on a grouped convolution: cuDNN's int8 graph with it was probed for "
           "groups = 1 only";
  // The multiply after the activation is 1 / the output's scale in float.
  if (auto out = llvm::dyn_cast<quant::UniformQuantizedType>(result);
      realUnits && out && !std::isfinite(static_cast<float>(1.0 / out.getScale()))) {
    std::string why;
    llvm::raw_string_ostream(why) << "the output's scale " << out.getScale()
                                  << " has no finite float reciprocal for the multiply "
                                     "after the activation";
    return why;
  }
  return "";
}

bool kiln::isFusedInt8Activation(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::relu:
  case ActivationKind::clip:
  case ActivationKind::leaky_relu:
  case ActivationKind::elu:
  case ActivationKind::sigmoid:
  case ActivationKind::tanh:
  case ActivationKind::gelu:
  case ActivationKind::gelu_tanh:
  case ActivationKind::silu:
    return true;
  case ActivationKind::hard_sigmoid:
  case ActivationKind::hard_swish:
    return false;
  }
  return false;
}

void kiln::buildFusedInt8Conv(OpBuilder &builder, ConvOp conv, Value x, Value w, Value residual,
                              Value y, ArrayAttr layers) {
  Location loc = conv.getLoc();
  int64_t channels = conv.getType().getShape().back();
  // Everything in units of the output's step when it is requantized and the
  // activation commutes with the positive division (relu, clip with its
  // bounds divided, none): the graph's last operation is the conversion to
  // int8. Any other activation runs on real values, and the division (a
  // multiply by post_scale) follows it.
  double outScale = 1.0;
  if (auto out = llvm::dyn_cast<quant::UniformQuantizedType>(conv.getType().getElementType()))
    outScale = out.getScale();
  ActivationAttr activation = conv.getActivationAttr();
  bool inOutputUnits = !activation || activation.inUnitsOf(outScale);
  double unit = inOutputUnits ? outScale : 1.0;
  double postScale = inOutputUnits ? 1.0 : 1.0 / outScale;
  std::vector<double> scales = accumulatorScales(conv, channels);
  std::vector<float> scale(channels), bias(channels, 0.0f);
  for (int64_t k = 0; k < channels; ++k)
    scale[k] = static_cast<float>(scales[k] / unit);
  if (Value b = conv.getBias()) {
    std::optional<ref::Tensor> tensor = constantTensor(b);
    assert(tensor && "whyNotFusedInt8Conv checked it is a constant");
    std::vector<double> values = tensor->toReals(); // dequantized
    for (int64_t k = 0; k < channels; ++k)
      bias[k] = static_cast<float>(values[k] / unit);
  }
  double residualScale = 1.0;
  if (residual)
    residualScale = llvm::cast<quant::UniformQuantizedType>(elementOf(conv.getResidual()))
                        .getScale() /
                    unit;

  auto vectorType = RankedTensorType::get({channels}, builder.getF32Type());
  auto memrefType = MemRefType::get({channels}, builder.getF32Type());
  std::string name = getLayerName(conv);
  auto weight = [&](ArrayRef<float> values, StringRef suffix) {
    return engine::WeightOp::create(
        builder, loc, memrefType, DenseElementsAttr::get(vectorType, values),
        name.empty() ? StringAttr() : builder.getStringAttr(name + suffix));
  };
  Value scaleBuffer = weight(scale, ".int8_scale"), biasBuffer = weight(bias, ".int8_bias");
  engine::ConvOp::create(builder, loc, x, w, biasBuffer, residual, scaleBuffer, y,
                         conv.getStrides(), conv.getPads(), conv.getDilations(),
                         conv.getGroups(), /*transposed=*/false, conv.getLayout(),
                         activation && inOutputUnits ? activation.inUnitsOf(outScale)
                                                     : activation,
                         APFloat(1.0f), /*allow_tf32=*/false, /*engine_id=*/uint64_t(-1),
                         DenseI64ArrayAttr(), /*workspace=*/0,
                         APFloat(static_cast<float>(residualScale)), layers,
                         builder.getStringAttr("int8"), StringAttr(),
                         APFloat(static_cast<float>(postScale)));
}

/// The stored integers of a quantized constant, or nullopt when `value` is
/// not one.
static std::optional<std::vector<int64_t>> storedIntegers(Value value) {
  std::optional<ref::Tensor> tensor = constantTensor(value);
  if (!tensor)
    return std::nullopt;
  return std::vector<int64_t>(tensor->getInts().begin(), tensor->getInts().end());
}

DenseElementsAttr kiln::transposedInt8Weight(Value weight) {
  std::optional<std::vector<int64_t>> values = storedIntegers(weight);
  if (!values)
    return {};
  auto type = llvm::cast<RankedTensorType>(weight.getType());
  int64_t k = type.getShape().end()[-2], n = type.getShape().end()[-1];
  std::vector<int8_t> transposed(k * n);
  for (int64_t row = 0; row < k; ++row)
    for (int64_t column = 0; column < n; ++column)
      transposed[column * k + row] = static_cast<int8_t>((*values)[row * n + column]);
  auto storage = RankedTensorType::get({n, k}, IntegerType::get(weight.getContext(), 8));
  return DenseElementsAttr::get(storage, ArrayRef<int8_t>(transposed));
}

DenseElementsAttr kiln::paddedInt8Filter(Value filter, int64_t channels) {
  std::optional<std::vector<int64_t>> values = storedIntegers(filter);
  if (!values)
    return {};
  auto type = llvm::cast<RankedTensorType>(filter.getType());
  int64_t old = type.getShape().back(), rows = type.getNumElements() / old;
  std::vector<int8_t> padded(rows * channels, 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t c = 0; c < old; ++c)
      padded[row * channels + c] = static_cast<int8_t>((*values)[row * old + c]);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = channels;
  auto storage = RankedTensorType::get(shape, IntegerType::get(filter.getContext(), 8));
  return DenseElementsAttr::get(storage, ArrayRef<int8_t>(padded));
}

Value kiln::buildInt8Epilogue(OpBuilder &builder, Operation *layer, Value acc, Value bias,
                              Value residual) {
  Location loc = layer->getLoc();
  auto resultType = llvm::cast<RankedTensorType>(layer->getResult(0).getType());
  Type f32 = builder.getF32Type();
  auto toF32 = [&](Value value) {
    if (llvm::isa<quant::QuantizedType>(elementOf(value)))
      value = DequantizeOp::create(builder, loc, value);
    auto type = llvm::cast<RankedTensorType>(value.getType());
    if (!type.getElementType().isF32())
      value = CastOp::create(builder, loc, RankedTensorType::get(type.getShape(), f32), value);
    return value;
  };

  Value y;
  if (llvm::isa<quant::QuantizedType>(elementOf(acc))) {
    y = toF32(acc); // an i32 accumulator typed with its scales
  } else {
    // An f32 accumulator of integers: scaled per output channel (the last
    // dimension: the convolution runs channels-last).
    int64_t channels = resultType.getShape().back();
    std::vector<double> scales = accumulatorScales(layer, channels);
    std::vector<float> values(scales.begin(), scales.end());
    auto scaleType = RankedTensorType::get({channels}, f32);
    Value scale = ConstantOp::create(builder, loc,
                                     DenseElementsAttr::get(scaleType, ArrayRef<float>(values)));
    y = MulOp::create(builder, loc, acc, scale);
  }
  if (bias) {
    Value b = toF32(bias);
    if (auto gemm = llvm::dyn_cast<GemmOp>(layer); gemm && gemm.getBeta().convertToDouble() != 1.0)
      b = MulOp::create(builder, loc, b,
                        scalarConstant(builder, loc, f32, gemm.getBeta().convertToDouble()));
    y = AddOp::create(builder, loc, y, b);
  }
  if (residual)
    y = AddOp::create(builder, loc, y, toF32(residual));
  if (ActivationAttr activation = getEpilogueActivation(layer))
    y = buildActivation(builder, loc, y, activation);
  if (llvm::isa<quant::QuantizedType>(resultType.getElementType()))
    return QuantizeOp::create(builder, loc, resultType, y);
  if (!resultType.getElementType().isF32())
    return CastOp::create(builder, loc, resultType, y);
  return y;
}
