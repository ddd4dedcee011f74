//===- QuantHandlers.cpp - QuantizeLinear and DequantizeLinear ------------===//
//
// ONNX expresses INT8 networks as QuantizeLinear/DequantizeLinear pairs
// around float ops. The importer keeps that shape (the fusion passes absorb
// the pairs) and moves each scale and zero point into a `!quant.uniform`
// type, so they must be constants:
//
//   QuantizeLinear(x, s, zp)   -> nn.quantize x : f32 -> !quant.uniform<i8:f32, s:zp>
//   DequantizeLinear(q, s, zp) -> nn.dequantize q          (q from a QuantizeLinear,
//                                                           possibly through shuffles)
//   DequantizeLinear(w, s, zp) -> nn.constant w as !quant... + nn.dequantize
//                                                          (constant weights, i32 biases)
//
// A quantized value that reaches anything other than DequantizeLinear or an op
// that commutes with quantization is given as the integers ONNX would see
// (materializeQuantizedStorage), and a DequantizeLinear of integers that are
// neither constant nor quantized computes `(x - zp) * s` in float; likewise a
// QuantizeLinear whose scale the graph computes at run time computes its
// integers in float.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// The storage integer type ONNX uses for a quantized tensor (i8, ui8, i32).
Type getStorageElement(quant::QuantizedType type) {
  MLIRContext *context = type.getContext();
  unsigned width = type.getStorageTypeIntegralWidth();
  return type.isSigned() ? IntegerType::get(context, width)
                         : IntegerType::get(context, width, IntegerType::Unsigned);
}

/// A constant shaped to broadcast along `axis` of a rank-`rank` tensor.
Value perAxisConstant(OpBuilder &builder, Location loc, Type element,
                      ArrayRef<double> values, int64_t axis, int64_t rank) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = values.size();
  auto type = RankedTensorType::get(shape, element);
  return nn::ConstantOp::create(builder, loc, makeNumericAttr(type, values));
}

Value scalarConstant(OpBuilder &builder, Location loc, Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  return nn::ConstantOp::create(builder, loc, makeNumericAttr(type, {value}));
}

/// Scales and zero points of a quantized type as broadcastable constants.
std::pair<Value, Value> quantParamsAsTensors(OpBuilder &builder, Location loc,
                                             quant::QuantizedType type, int64_t rank) {
  Type expressed = type.getExpressedType();
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
    SmallVector<double> zeroPoints(perAxis.getZeroPoints().begin(),
                                   perAxis.getZeroPoints().end());
    int64_t axis = perAxis.getQuantizedDimension();
    Value scale =
        perAxisConstant(builder, loc, expressed, perAxis.getScales(), axis, rank);
    bool anyZeroPoint = llvm::any_of(zeroPoints, [](double z) { return z != 0; });
    Value zeroPoint =
        anyZeroPoint ? perAxisConstant(builder, loc, expressed, zeroPoints, axis, rank)
                     : Value();
    return {scale, zeroPoint};
  }
  auto perTensor = llvm::cast<quant::UniformQuantizedType>(type);
  Value scale = scalarConstant(builder, loc, expressed, perTensor.getScale());
  Value zeroPoint =
      perTensor.getZeroPoint()
          ? scalarConstant(builder, loc, expressed, perTensor.getZeroPoint())
          : Value();
  return {scale, zeroPoint};
}

/// The values an ONNX integer type of quantized storage holds.
std::pair<int64_t, int64_t> getStorageRange(IntegerType type) {
  unsigned width = type.getWidth();
  if (type.isUnsigned())
    return {0, (int64_t{1} << width) - 1};
  return {-(int64_t{1} << (width - 1)), (int64_t{1} << (width - 1)) - 1};
}

/// What a Q/DQ node's scale and zero-point inputs (1 and 2) say.
struct QuantParams {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  Type expressed;        // the scale's float type
  Type storage;          // i8, ui8 or i32, as ONNX types the integers
  int64_t axis = -1;     // the quantized dimension, or -1 per tensor
};

/// Reads scale, zero point, axis and block size. `storage` is the integer
/// type when the node already has one (DequantizeLinear's input); else the
/// zero point's type, else `output_dtype`, else ONNX's default uint8.
FailureOr<QuantParams> readQuantParams(NodeImporter &node, RankedTensorType data,
                                       Type storage) {
  QuantParams params;
  FailureOr<DenseElementsAttr> scale = node.getConstantInput(1, "scale");
  if (failed(scale))
    return failure();
  params.expressed = scale->getElementType();
  if (!llvm::isa<FloatType>(params.expressed)) {
    node.emitError() << "scale must be a float tensor, not " << scale->getType();
    return failure();
  }
  params.scales = getDoubleValues(*scale);
  if (scale->getType().getRank() > 1) {
    node.emitError() << "blocked quantization (a scale of rank "
                     << scale->getType().getRank() << ") is not supported";
    return failure();
  }
  if (llvm::any_of(params.scales, [](double s) { return !(s > 0) || std::isinf(s); })) {
    node.emitError() << "scales must be positive and finite";
    return failure();
  }

  if (node.getOpset() >= 21) {
    if (int64_t blockSize = node.getIntAttr("block_size", 0)) {
      node.emitError() << "blocked quantization (block_size " << blockSize
                       << ") is not supported";
      return failure();
    }
  }
  Type zeroPointType;
  if (node.hasInput(2)) {
    FailureOr<DenseElementsAttr> zeroPoint = node.getConstantInput(2, "zero_point");
    if (failed(zeroPoint))
      return failure();
    zeroPointType = zeroPoint->getElementType();
    params.zeroPoints = getIntValues(*zeroPoint);
    if (zeroPoint->getNumElements() != scale->getNumElements()) {
      node.emitError() << "zero point has " << zeroPoint->getNumElements()
                       << " values but scale has " << scale->getNumElements();
      return failure();
    }
  } else {
    params.zeroPoints.assign(params.scales.size(), 0);
  }
  // QuantizeLinear-21 may name its output type instead of a zero point.
  if (!storage && node.getOpset() >= 21 && node.getOpType() == "QuantizeLinear") {
    if (int64_t dtype = node.getIntAttr("output_dtype", 0)) {
      storage = convertElementType(node.getContext(), dtype);
      if (!storage || (zeroPointType && zeroPointType != storage)) {
        node.emitError() << "output_dtype " << dataTypeName(dtype)
                         << (storage ? " differs from the zero point's type"
                                     : " is not supported");
        return failure();
      }
    }
  }
  if (!storage)
    storage = zeroPointType;
  if (!storage)
    storage = IntegerType::get(node.getContext(), 8, IntegerType::Unsigned);
  auto integer = llvm::dyn_cast<IntegerType>(storage);
  if (!integer || !(integer.getWidth() == 8 || (integer.getWidth() == 32 &&
                                                 !integer.isUnsigned()))) {
    node.emitError() << "quantized integers of type " << storage
                     << " are not supported (int8 and uint8, and int32 for biases)";
    return failure();
  }
  params.storage = storage;

  auto [min, max] = getStorageRange(integer);
  if (llvm::any_of(params.zeroPoints, [&](int64_t z) { return z < min || z > max; })) {
    node.emitError() << "a zero point is outside the range of " << storage;
    return failure();
  }

  // One scale is per tensor whatever the axis says (a one-element 1-D scale
  // included); several are per channel along `axis`.
  int64_t axis = node.getOpset() >= 13 ? node.getIntAttr("axis", 1) : 1;
  if (params.scales.size() > 1) {
    FailureOr<int64_t> normalized = node.normalizeAxis(axis, data.getRank());
    if (failed(normalized))
      return failure();
    params.axis = *normalized;
    if (data.getDimSize(params.axis) != static_cast<int64_t>(params.scales.size())) {
      node.emitError() << "per-axis scale has " << params.scales.size()
                       << " values but dimension " << params.axis << " of the data has "
                       << data.getDimSize(params.axis);
      return failure();
    }
  }
  return params;
}

quant::QuantizedType buildQuantizedType(const QuantParams &params) {
  auto integer = llvm::cast<IntegerType>(params.storage);
  unsigned width = integer.getWidth();
  bool isSigned = !integer.isUnsigned();
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type storage = IntegerType::get(params.storage.getContext(), width);
  auto [min, max] = getStorageRange(integer);
  if (params.axis < 0)
    return quant::UniformQuantizedType::get(flags, storage, params.expressed,
                                            params.scales.front(),
                                            params.zeroPoints.front(), min, max);
  return quant::UniformQuantizedPerAxisType::get(flags, storage, params.expressed,
                                                 params.scales, params.zeroPoints,
                                                 params.axis, min, max);
}

/// QuantizeLinear whose scale or zero point the graph computes at run time
/// (DynamicQuantizeLinear's expansion): no quantized type can hold them, so
/// the integers are computed in float, `cast(clip(round(x / scale) + zp))`,
/// per tensor.
LogicalResult quantizeInFloat(NodeImporter &node, Value x) {
  if (node.getOpset() >= 13)
    node.getIntAttr("axis", 1); // Per tensor: the axis does not matter.
  if (node.getOpset() >= 19)
    node.ignoreAttr("saturate"); // It only changes float8 outputs.
  if (node.getOpset() >= 21 && node.getIntAttr("block_size", 0) != 0)
    return node.error("blocked quantization is not supported");
  FailureOr<Value> scale = node.getInput(1), zeroPoint = node.getOptionalInput(2);
  if (failed(scale) || failed(zeroPoint))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x.getType());
  auto scaleType = llvm::cast<RankedTensorType>(scale->getType());
  if (scaleType.getElementType() != type.getElementType()) {
    node.emitError() << "input element type " << type.getElementType()
                     << " differs from the scale's " << scaleType.getElementType();
    return failure();
  }
  if (scaleType.getNumElements() != 1)
    return node.error("a scale computed at run time must be one value (per-axis "
                      "scales must be constants)");
  Type storage = *zeroPoint ? llvm::cast<RankedTensorType>(zeroPoint->getType())
                                  .getElementType()
                            : Type();
  if (!storage && node.getOpset() >= 21)
    if (int64_t dtype = node.getIntAttr("output_dtype", 0))
      storage = convertElementType(node.getContext(), dtype);
  if (!storage)
    storage = IntegerType::get(node.getContext(), 8, IntegerType::Unsigned);
  auto integer = llvm::dyn_cast<IntegerType>(storage);
  if (!integer || integer.getWidth() != 8) {
    node.emitError() << "quantized integers of type " << storage
                     << " are not supported (int8 and uint8)";
    return failure();
  }
  FailureOr<nn::DivOp> scaled = node.create<nn::DivOp>(x, *scale);
  if (failed(scaled))
    return failure();
  FailureOr<nn::RoundOp> steps = node.create<nn::RoundOp>(*scaled);
  if (failed(steps))
    return failure();
  Value shifted = *steps;
  if (*zeroPoint) {
    FailureOr<nn::AddOp> add =
        node.create<nn::AddOp>(shifted, node.castTo(*zeroPoint, type.getElementType()));
    if (failed(add))
      return failure();
    shifted = *add;
  }
  auto [min, max] = getStorageRange(integer);
  Builder &builder = node.getBuilder();
  FailureOr<nn::ClipOp> saturated = node.create<nn::ClipOp>(
      shifted, builder.getF64FloatAttr(min), builder.getF64FloatAttr(max));
  if (failed(saturated))
    return failure();
  return node.setResult(0, node.castTo(*saturated, storage));
}

LogicalResult importQuantizeLinear(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  if (node.isComputedAtRunTime(1) || (node.hasInput(2) && node.isComputedAtRunTime(2)))
    return quantizeInFloat(node, *x);
  auto type = llvm::cast<RankedTensorType>(x->getType());
  FailureOr<QuantParams> params = readQuantParams(node, type, Type());
  if (failed(params))
    return failure();
  if (llvm::cast<IntegerType>(params->storage).getWidth() != 8)
    return node.error("QuantizeLinear to 32-bit integers is not supported");
  // Saturation only changes float8 outputs, which Kiln does not have.
  if (node.getOpset() >= 19)
    node.ignoreAttr("saturate");
  if (type.getElementType() != params->expressed) {
    node.emitError() << "input element type " << type.getElementType()
                     << " differs from the scale's " << params->expressed;
    return failure();
  }
  auto quantized = type.clone(buildQuantizedType(*params));
  auto op = nn::QuantizeOp::create(node.getBuilder(), node.getLoc(), quantized, *x);
  return node.setResult(0, op);
}

/// `(x - zp) * s` in float, for integers that are neither constant nor the
/// quantized result of a QuantizeLinear.
LogicalResult dequantizeInFloat(NodeImporter &node, Value x, const QuantParams &params,
                                quant::QuantizedType quantized) {
  auto type = llvm::cast<RankedTensorType>(x.getType());
  Value value = node.castTo(x, params.expressed);
  auto [scale, zeroPoint] = quantParamsAsTensors(node.getBuilder(), node.getLoc(),
                                                 quantized, type.getRank());
  if (zeroPoint) {
    FailureOr<nn::SubOp> sub = node.create<nn::SubOp>(value, zeroPoint);
    if (failed(sub))
      return failure();
    value = *sub;
  }
  FailureOr<nn::MulOp> mul = node.create<nn::MulOp>(value, scale);
  if (failed(mul))
    return failure();
  return node.setResult(0, *mul);
}

LogicalResult importDequantizeLinear(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  Type element = type.getElementType();
  auto incoming = llvm::dyn_cast<quant::QuantizedType>(element);
  Type storage = incoming ? getStorageElement(incoming) : element;
  if (!llvm::isa<IntegerType>(storage)) {
    node.emitError() << "input must hold integers, not " << element;
    return failure();
  }
  FailureOr<QuantParams> params = readQuantParams(node, type, storage);
  if (failed(params))
    return failure();
  quant::QuantizedType quantized = buildQuantizedType(*params);

  // The result of a QuantizeLinear with the same parameters: the pair.
  if (incoming == quantized) {
    FailureOr<Value> x = node.getInputKeepQuantized(0, /*allowPerAxis=*/true);
    if (failed(x))
      return failure();
    FailureOr<nn::DequantizeOp> op = node.create<nn::DequantizeOp>(*x);
    if (failed(op))
      return failure();
    return node.setResult(0, *op);
  }
  // Constant integers (weights, biases): a quantized constant.
  if (ElementsAttr weights = node.getConstantStorage(0); weights && !incoming) {
    auto constant = nn::ConstantOp::create(node.getBuilder(), node.getLoc(),
                                           type.clone(quantized), weights);
    FailureOr<nn::DequantizeOp> op = node.create<nn::DequantizeOp>(constant.getResult());
    if (failed(op))
      return failure();
    return node.setResult(0, *op);
  }
  // Anything else: the arithmetic on the integers ONNX sees.
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  return dequantizeInFloat(node, *x, *params, quantized);
}

} // namespace

Value materializeQuantizedStorage(OpBuilder &builder, Location loc, Value value) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  auto quantized = llvm::cast<quant::QuantizedType>(type.getElementType());
  Value real = nn::DequantizeOp::create(builder, loc, value);
  auto [scale, zeroPoint] = quantParamsAsTensors(builder, loc, quantized, type.getRank());
  // (q - zp) * s / s is within a few ulps of the integer q - zp, so rounding
  // recovers it exactly for 8-bit storage.
  Value steps = nn::RoundOp::create(builder, loc, nn::DivOp::create(builder, loc, real, scale));
  if (zeroPoint)
    steps = nn::AddOp::create(builder, loc, steps, zeroPoint);
  return nn::CastOp::create(builder, loc, type.clone(getStorageElement(quantized)), steps);
}

void addQuantHandlers(HandlerTable &table) {
  table.add("QuantizeLinear", kMinOpset, kMaxOpset, importQuantizeLinear);
  table.add("DequantizeLinear", kMinOpset, kMaxOpset, importDequantizeLinear);
}

} // namespace kiln::onnx_import
