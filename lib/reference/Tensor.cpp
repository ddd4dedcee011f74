//===- Tensor.cpp - values of the reference interpreter and their elements ===//

#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/Support/Endian.h"

#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace kiln::reference;

//===----------------------------------------------------------------------===//
// Element arithmetic
//===----------------------------------------------------------------------===//

double kiln::reference::roundToFloatType(FloatType type, double value) {
  if (type.isF64())
    return value;
  if (type.isF32())
    return static_cast<double>(static_cast<float>(value));
  llvm::APFloat converted(value);
  bool losesInfo = false;
  converted.convert(type.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
                    &losesInfo);
  return converted.convertToDouble();
}

int64_t kiln::reference::wrapToIntegerType(IntegerType type, int64_t value) {
  unsigned width = type.getWidth();
  if (width == 1)
    return value != 0;
  if (width >= 64)
    return value;
  uint64_t mask = (uint64_t{1} << width) - 1;
  uint64_t bits = static_cast<uint64_t>(value) & mask;
  if (type.isUnsigned())
    return static_cast<int64_t>(bits);
  uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((bits ^ sign) - sign);
}

double kiln::reference::roundHalfToEven(double value) {
  double rounded = std::round(value); // ties away from zero
  if (std::fabs(value - std::trunc(value)) == 0.5)
    rounded = 2.0 * std::round(value / 2.0);
  return rounded;
}

int64_t kiln::reference::truncateToInteger(IntegerType type, double value) {
  unsigned width = type.getWidth();
  if (width == 1)
    return value != 0.0;
  double truncated = std::trunc(value);
  // C++ compilers convert to types of up to 32 bits (and ui32 through
  // int64) with cvttsd2si into int32 (int64), whose "integer indefinite"
  // result for NaN and out-of-range values is the most negative value.
  bool wide = width > 32 || (width == 32 && type.isUnsigned());
  double low = wide ? -9223372036854775808.0 : -2147483648.0;
  double high = wide ? 9223372036854775808.0 : 2147483648.0;
  int64_t integer =
      wide ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min();
  if (truncated >= low && truncated < high)
    integer = static_cast<int64_t>(truncated);
  else if (width == 64 && type.isUnsigned() && truncated >= 0 &&
           truncated < 18446744073709551616.0)
    integer = static_cast<int64_t>(static_cast<uint64_t>(truncated));
  return wrapToIntegerType(type, integer);
}

QuantParams kiln::reference::getQuantParams(quant::QuantizedType type,
                                            ArrayRef<int64_t> shape, int64_t index) {
  // Scales are float32 in ONNX (and in the runtimes); the type holds them as
  // doubles, so a scale written as 0.05 would otherwise differ from 0.05f.
  auto scaleOf = [&](double scale) {
    return type.getExpressedType().isF64()
               ? scale
               : static_cast<double>(static_cast<float>(scale));
  };
  if (auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(type))
    return {scaleOf(uniform.getScale()), uniform.getZeroPoint()};
  auto perAxis = llvm::cast<quant::UniformQuantizedPerAxisType>(type);
  int64_t axis = perAxis.getQuantizedDimension();
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  int64_t channel = (index / inner) % shape[axis];
  return {scaleOf(perAxis.getScales()[channel]), perAxis.getZeroPoints()[channel]};
}

int64_t kiln::reference::quantizeValue(quant::QuantizedType type, QuantParams params,
                                       double value) {
  double scaled;
  if (type.getExpressedType().isF64())
    scaled = roundHalfToEven(value / params.scale);
  else
    scaled =
        roundHalfToEven(static_cast<float>(value) / static_cast<float>(params.scale));
  double shifted = scaled + static_cast<double>(params.zeroPoint);
  double low = static_cast<double>(type.getStorageTypeMin());
  double high = static_cast<double>(type.getStorageTypeMax());
  if (std::isnan(shifted))
    return params.zeroPoint; // NaN has no integer; it becomes the real value 0
  return static_cast<int64_t>(std::min(std::max(shifted, low), high));
}

SmallVector<int64_t, 6> kiln::reference::computeStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t, 6> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

int64_t kiln::reference::numElementsOf(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

std::vector<int64_t> kiln::reference::broadcastIndexMap(ArrayRef<int64_t> from,
                                                        ArrayRef<int64_t> shape) {
  size_t rank = shape.size(), offset = rank - from.size();
  assert(from.size() <= rank && "broadcast source has a higher rank");
  // Stride of each result dimension in the source: 0 where it broadcasts.
  SmallVector<int64_t, 6> fromStrides = computeStrides(from);
  SmallVector<int64_t, 6> strides(rank, 0);
  for (size_t i = 0; i < from.size(); ++i)
    strides[offset + i] = from[i] == 1 ? 0 : fromStrides[i];
  std::vector<int64_t> map(numElementsOf(shape));
  SmallVector<int64_t, 6> index(rank, 0);
  int64_t source = 0;
  for (int64_t &entry : map) {
    entry = source;
    // Odometer step: bump the last dimension, carrying into earlier ones.
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      source += strides[d];
      if (++index[d] < shape[d])
        break;
      source -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return map;
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor::Tensor(Type elementType, ArrayRef<int64_t> shape)
    : elementType(elementType), shape(shape.begin(), shape.end()),
      floatStorage(llvm::isa<FloatType>(elementType)) {
  if (floatStorage)
    floats.assign(numElementsOf(shape), 0.0);
  else
    ints.assign(numElementsOf(shape), 0);
}

Tensor::Tensor(Type elementType, ArrayRef<int64_t> shape, std::vector<double> values)
    : elementType(elementType), shape(shape.begin(), shape.end()), floatStorage(true),
      floats(std::move(values)) {
  assert(llvm::isa<FloatType>(elementType) && "float values for a non-float type");
  assert(static_cast<int64_t>(floats.size()) == numElementsOf(shape));
}

Tensor::Tensor(Type elementType, ArrayRef<int64_t> shape, std::vector<int64_t> values)
    : elementType(elementType), shape(shape.begin(), shape.end()), floatStorage(false),
      ints(std::move(values)) {
  assert(!llvm::isa<FloatType>(elementType) && "integer values for a float type");
  assert(static_cast<int64_t>(ints.size()) == numElementsOf(shape));
}

int64_t Tensor::getNumElements() const { return numElementsOf(shape); }

RankedTensorType Tensor::getType() const {
  return RankedTensorType::get(shape, elementType);
}

bool Tensor::isQuantized() const { return llvm::isa<quant::QuantizedType>(elementType); }

Tensor Tensor::fromReals(Type elementType, ArrayRef<int64_t> shape,
                         ArrayRef<double> values) {
  if (auto floatType = llvm::dyn_cast<FloatType>(elementType)) {
    std::vector<double> rounded(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      rounded[i] = roundToFloatType(floatType, values[i]);
    return Tensor(elementType, shape, std::move(rounded));
  }
  std::vector<int64_t> result(values.size());
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(elementType)) {
    bool perAxis = llvm::isa<quant::UniformQuantizedPerAxisType>(quantized);
    QuantParams params = getQuantParams(quantized, shape, 0);
    for (size_t i = 0; i < values.size(); ++i) {
      if (perAxis)
        params = getQuantParams(quantized, shape, static_cast<int64_t>(i));
      result[i] = quantizeValue(quantized, params, values[i]);
    }
  } else {
    auto integer = llvm::cast<IntegerType>(elementType);
    for (size_t i = 0; i < values.size(); ++i)
      result[i] = truncateToInteger(integer, values[i]);
  }
  return Tensor(elementType, shape, std::move(result));
}

std::vector<double> Tensor::toReals() const {
  if (floatStorage)
    return floats;
  std::vector<double> reals(ints.size());
  auto quantized = llvm::dyn_cast<quant::QuantizedType>(elementType);
  if (!quantized) {
    auto integer = llvm::cast<IntegerType>(elementType);
    for (size_t i = 0; i < ints.size(); ++i)
      reals[i] = integer.isUnsigned() && integer.getWidth() == 64
                     ? static_cast<double>(static_cast<uint64_t>(ints[i]))
                     : static_cast<double>(ints[i]);
    return reals;
  }
  bool perAxis = llvm::isa<quant::UniformQuantizedPerAxisType>(quantized);
  QuantParams params = getQuantParams(quantized, shape, 0);
  for (size_t i = 0; i < ints.size(); ++i) {
    if (perAxis)
      params = getQuantParams(quantized, shape, static_cast<int64_t>(i));
    reals[i] = static_cast<double>(ints[i] - params.zeroPoint) * params.scale;
  }
  return reals;
}

Tensor Tensor::reshaped(ArrayRef<int64_t> newShape) const {
  assert(numElementsOf(newShape) == getNumElements() && "reshape changes the count");
  Tensor result = *this;
  result.shape.assign(newShape.begin(), newShape.end());
  return result;
}

Tensor Tensor::withElementType(Type newType) const {
  assert(llvm::isa<FloatType>(newType) == floatStorage && "storage kind changes");
  Tensor result = *this;
  result.elementType = newType;
  return result;
}

void Tensor::print(llvm::raw_ostream &os, int64_t maxElements) const {
  os << getType() << " [";
  int64_t count = getNumElements();
  for (int64_t i = 0; i < count; ++i) {
    if (count > maxElements && i == maxElements / 2) {
      os << ", ...";
      i = count - maxElements / 2;
    }
    if (i)
      os << ", ";
    if (floatStorage)
      os << floats[i];
    else
      os << ints[i];
  }
  os << "]";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// The integer or float type whose values `attr` holds: the storage type of
/// a quantized result.
static Type storageTypeOf(Type elementType) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(elementType))
    return quantized.getStorageType();
  return elementType;
}

/// Decodes the little-endian packed elements of a `dense_resource` blob.
static llvm::Error decodeBlob(ArrayRef<char> data, Type element, bool isUnsigned,
                              int64_t count, std::vector<double> &floats,
                              std::vector<int64_t> &ints) {
  unsigned width = element.getIntOrFloatBitWidth();
  size_t bytes = width == 1 ? 1 : (width + 7) / 8;
  if (data.size() != bytes * count)
    return llvm::createStringError("dense_resource blob holds " +
                                   std::to_string(data.size()) + " bytes, expected " +
                                   std::to_string(bytes * count));
  const char *p = data.data();
  if (auto floatType = llvm::dyn_cast<FloatType>(element)) {
    floats.resize(count);
    for (int64_t i = 0; i < count; ++i, p += bytes) {
      if (floatType.isF32()) {
        floats[i] = llvm::bit_cast<float>(llvm::support::endian::read32le(p));
      } else if (floatType.isF64()) {
        floats[i] = llvm::bit_cast<double>(llvm::support::endian::read64le(p));
      } else {
        uint64_t raw = 0;
        std::memcpy(&raw, p, bytes); // little-endian hosts only, as MLIR's blobs
        llvm::APFloat value(floatType.getFloatSemantics(), llvm::APInt(width, raw));
        floats[i] = value.convertToDouble();
      }
    }
    return llvm::Error::success();
  }
  ints.resize(count);
  for (int64_t i = 0; i < count; ++i, p += bytes) {
    uint64_t raw = 0;
    std::memcpy(&raw, p, bytes);
    llvm::APInt value(bytes * 8, raw);
    if (width == 1)
      ints[i] = raw != 0;
    else
      ints[i] =
          isUnsigned ? static_cast<int64_t>(value.getZExtValue()) : value.getSExtValue();
  }
  return llvm::Error::success();
}

llvm::Expected<Tensor> Tensor::fromAttr(ElementsAttr attr, RankedTensorType type) {
  auto attrType = llvm::cast<ShapedType>(attr.getType());
  if (!type)
    type = llvm::dyn_cast<RankedTensorType>(attrType);
  if (!type || !type.hasStaticShape() || attrType.getShape() != type.getShape())
    return llvm::createStringError("constant must have a static shape matching its type");
  Type element = type.getElementType();
  Type stored = attrType.getElementType();
  // Only a quantized type may differ from the attribute's: it holds storage.
  bool storageMatches =
      element == stored ||
      (llvm::isa<quant::QuantizedType>(element) && llvm::isa<IntegerType>(stored) &&
       storageTypeOf(element).getIntOrFloatBitWidth() == stored.getIntOrFloatBitWidth());
  if (!llvm::isa<FloatType, IntegerType>(stored) || !storageMatches)
    return llvm::createStringError("unsupported constant element type");
  // Quantized storage signedness comes from the quantized type; other
  // integers from their own type.
  bool isUnsigned = false;
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element))
    isUnsigned = !quantized.isSigned();
  else if (auto integer = llvm::dyn_cast<IntegerType>(stored))
    isUnsigned = integer.isUnsigned();

  int64_t count = type.getNumElements();
  std::vector<double> floats;
  std::vector<int64_t> ints;
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    ArrayRef<char> data = resource.getData();
    if (data.empty() && count != 0)
      return llvm::createStringError("dense_resource blob '" +
                                     resource.getRawHandle().getKey().str() +
                                     "' has no data (elided or missing)");
    if (llvm::Error error = decodeBlob(data, stored, isUnsigned, count, floats, ints))
      return std::move(error);
  } else if (auto floatType = llvm::dyn_cast<FloatType>(stored)) {
    floats.reserve(count);
    if (auto values = attr.tryGetValues<float>(); floatType.isF32() && values) {
      for (float v : *values)
        floats.push_back(v);
    } else if (auto apValues = attr.tryGetValues<llvm::APFloat>(); apValues) {
      for (const llvm::APFloat &v : *apValues) {
        llvm::APFloat wide = v;
        bool losesInfo = false;
        wide.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                     &losesInfo);
        floats.push_back(wide.convertToDouble());
      }
    } else {
      return llvm::createStringError("cannot read the elements of this float constant");
    }
  } else {
    auto values = attr.tryGetValues<llvm::APInt>();
    if (!values)
      return llvm::createStringError("cannot read the elements of this integer constant");
    ints.reserve(count);
    unsigned width = stored.getIntOrFloatBitWidth();
    for (const llvm::APInt &v : *values)
      ints.push_back(width == 1   ? static_cast<int64_t>(v.getBoolValue())
                     : isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                  : v.getSExtValue());
  }
  if (!floats.empty() || llvm::isa<FloatType>(element))
    return Tensor(element, type.getShape(), std::move(floats));
  return Tensor(element, type.getShape(), std::move(ints));
}

DenseElementsAttr Tensor::toAttr() const {
  Type stored = storageTypeOf(elementType);
  auto type = RankedTensorType::get(shape, stored);
  if (auto floatType = llvm::dyn_cast<FloatType>(stored)) {
    if (floatType.isF32()) {
      std::vector<float> values(floats.begin(), floats.end());
      return DenseElementsAttr::get(type, ArrayRef<float>(values));
    }
    SmallVector<llvm::APFloat> values;
    values.reserve(floats.size());
    for (double v : floats) {
      llvm::APFloat value(v);
      bool losesInfo = false;
      value.convert(floatType.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
                    &losesInfo);
      values.push_back(value);
    }
    return DenseElementsAttr::get(type, values);
  }
  unsigned width = stored.getIntOrFloatBitWidth();
  if (width == 1) {
    SmallVector<bool> values(ints.begin(), ints.end());
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  SmallVector<llvm::APInt> values;
  values.reserve(ints.size());
  for (int64_t v : ints)
    values.push_back(llvm::APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                                 /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}
