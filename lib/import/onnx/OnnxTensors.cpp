//===- OnnxTensors.cpp - ONNX element types and tensors as MLIR attributes -===//

#include "OnnxTensors.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include <cstring>

using namespace mlir;
using llvm::createStringError;

namespace kiln::onnx_import {

// ONNX stores tensors little-endian; so do MLIR's raw buffers on the hosts
// Kiln builds on. A big-endian port would have to swap here.
static_assert(llvm::sys::IsLittleEndianHost, "tensor decoding assumes little-endian");

Type convertElementType(MLIRContext *context, int32_t dataType) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    // STRING, COMPLEX64/128, and the 8- and 4-bit floats and integers of
    // newer opsets have no nn type.
    return {};
  }
}

std::string dataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  // Types newer than the protobuf definitions Kiln compiles against.
  switch (dataType) {
  case 17:
    return "FLOAT8E4M3FN";
  case 18:
    return "FLOAT8E4M3FNUZ";
  case 19:
    return "FLOAT8E5M2";
  case 20:
    return "FLOAT8E5M2FNUZ";
  case 21:
    return "UINT4";
  case 22:
    return "INT4";
  case 23:
    return "FLOAT4E2M1";
  case 24:
    return "FLOAT8E8M0";
  case 25:
    return "UINT2";
  case 26:
    return "INT2";
  case 27:
    return "FLOAT6E2M3";
  case 28:
    return "FLOAT6E3M2";
  default:
    return "data type " + std::to_string(dataType);
  }
}

int32_t getOnnxDataType(Type elementType) {
  if (elementType.isF32())
    return onnx::TensorProto::FLOAT;
  if (elementType.isF16())
    return onnx::TensorProto::FLOAT16;
  if (elementType.isBF16())
    return onnx::TensorProto::BFLOAT16;
  if (elementType.isF64())
    return onnx::TensorProto::DOUBLE;
  auto integer = llvm::dyn_cast<IntegerType>(elementType);
  if (!integer)
    return 0;
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return onnx::TensorProto::BOOL;
  case 8:
    return isUnsigned ? onnx::TensorProto::UINT8 : onnx::TensorProto::INT8;
  case 16:
    return isUnsigned ? onnx::TensorProto::UINT16 : onnx::TensorProto::INT16;
  case 32:
    return isUnsigned ? onnx::TensorProto::UINT32 : onnx::TensorProto::INT32;
  case 64:
    return isUnsigned ? onnx::TensorProto::UINT64 : onnx::TensorProto::INT64;
  default:
    return 0;
  }
}

/// Bytes per element in MLIR's raw buffers (booleans: one byte each, as
/// ONNX stores them; they are always built from bool values, never raw), of
/// a quantized type's storage, and 8 for any other type.
static int64_t getElementBytes(Type element) {
  int64_t bits = 64;
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element))
    bits = quantized.getStorageTypeIntegralWidth();
  else if (element.isIntOrFloat())
    bits = element.getIntOrFloatBitWidth();
  return std::max<int64_t>(1, bits / 8);
}

int64_t getTensorBytes(ArrayRef<int64_t> shape, Type element) {
  int64_t bytes = getElementBytes(element);
  for (int64_t dim : shape)
    bytes *= dim;
  return bytes;
}

std::string whyNotTensorShape(ArrayRef<int64_t> shape, Type element) {
  int64_t bytes = getElementBytes(element), count = 1;
  bool empty = false, tooLarge = false;
  for (int64_t dim : shape) {
    if (ShapedType::isDynamic(dim))
      continue;
    if (dim < 0)
      return "dimension " + std::to_string(dim) + " is negative";
    if (dim == 0)
      empty = true;
    else if (count > kMaxTensorBytes / bytes / dim)
      tooLarge = true;
    else
      count *= dim;
  }
  if (tooLarge && !empty)
    return "it would hold more than the " + std::to_string(kMaxTensorBytes >> 40) +
           " TiB a tensor may (" + std::to_string(bytes) + "-byte elements)";
  return "";
}

/// A resource key from an ONNX name: MLIR prints keys as bare identifiers,
/// so anything but letters, digits, `_` and `.` becomes `_`.
static std::string makeResourceKey(StringRef name) {
  std::string key;
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (key.empty() || !llvm::isAlpha(key.front()))
    key.insert(key.begin(), 'w');
  return key;
}

/// Narrows the int32 field ONNX uses for small types into `width`-byte
/// little-endian elements (float16/bfloat16 hold their bit patterns).
static std::vector<char> narrowInt32Field(const google::protobuf::RepeatedField<int32_t> &field,
                                          size_t width) {
  std::vector<char> bytes(field.size() * width);
  for (int i = 0; i < field.size(); ++i) {
    uint32_t v = static_cast<uint32_t>(field.Get(i));
    std::memcpy(bytes.data() + i * width, &v, width);
  }
  return bytes;
}

template <typename From, typename To>
static std::vector<char> copyField(const google::protobuf::RepeatedField<From> &field) {
  std::vector<char> bytes(field.size() * sizeof(To));
  for (int i = 0; i < field.size(); ++i) {
    To v = static_cast<To>(field.Get(i));
    std::memcpy(bytes.data() + i * sizeof(To), &v, sizeof(To));
  }
  return bytes;
}

/// The typed field of `tensor` that holds its values when it has no raw
/// data, converted to raw little-endian bytes; the element count it holds
/// goes to `count`.
static std::vector<char> readTypedField(const onnx::TensorProto &tensor, size_t width,
                                        int64_t &count) {
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    count = tensor.float_data_size();
    return copyField<float, float>(tensor.float_data());
  case onnx::TensorProto::DOUBLE:
    count = tensor.double_data_size();
    return copyField<double, double>(tensor.double_data());
  case onnx::TensorProto::INT64:
    count = tensor.int64_data_size();
    return copyField<int64_t, int64_t>(tensor.int64_data());
  case onnx::TensorProto::UINT64:
    count = tensor.uint64_data_size();
    return copyField<uint64_t, uint64_t>(tensor.uint64_data());
  case onnx::TensorProto::UINT32:
    count = tensor.uint64_data_size();
    return copyField<uint64_t, uint32_t>(tensor.uint64_data());
  case onnx::TensorProto::INT32:
    count = tensor.int32_data_size();
    return copyField<int32_t, int32_t>(tensor.int32_data());
  default:
    // INT8, UINT8, INT16, UINT16, BOOL, FLOAT16, BFLOAT16.
    count = tensor.int32_data_size();
    return narrowInt32Field(tensor.int32_data(), width);
  }
}

/// Reads the external data of `tensor` (location, offset, length), relative
/// to the model's folder.
static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(const onnx::TensorProto &tensor, StringRef modelDir) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      location = entry.value();
    } else if (key == "offset" || key == "length") {
      int64_t parsed;
      if (value.getAsInteger(10, parsed) || parsed < 0)
        return createStringError("external data %s '%s' is not a non-negative integer",
                                 key.str().c_str(), value.str().c_str());
      (key == "offset" ? offset : length) = parsed;
    }
    // "checksum" (SHA-1) is informational; the length check below catches
    // truncated files.
  }
  if (location.empty())
    return createStringError("external data has no location");
  if (llvm::sys::path::is_absolute(location))
    return createStringError("external data location '%s' must be relative to the "
                             "model's folder",
                             location.c_str());
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
    return createStringError("cannot read external data file '%s': %s", path.c_str(),
                             ec.message().c_str());
  int64_t size = static_cast<int64_t>(fileSize);
  if (length < 0)
    length = size - offset;
  if (offset > size || length > size - offset)
    return createStringError("external data file '%s' has %lld bytes, fewer than "
                             "offset %lld + length %lld",
                             path.c_str(), (long long)size, (long long)offset,
                             (long long)length);
  // Mapped, not read: the blob copies the bytes once.
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> slice =
      llvm::MemoryBuffer::getFileSlice(path, length, offset);
  if (!slice)
    return createStringError("cannot read external data file '%s': %s", path.c_str(),
                             slice.getError().message().c_str());
  return std::move(*slice);
}

llvm::Expected<ElementsAttr> convertTensor(MLIRContext *context,
                                           const onnx::TensorProto &tensor,
                                           StringRef modelDir, StringRef resourceName) {
  Type element = convertElementType(context, tensor.data_type());
  if (!element)
    return createStringError("element type %s is not supported",
                             dataTypeName(tensor.data_type()).c_str());
  if (tensor.has_segment())
    return createStringError("segmented tensors are not supported");
  llvm::SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  if (std::string why = whyNotTensorShape(shape, element); !why.empty())
    return createStringError("%s", why.c_str());
  for (int64_t dim : shape)
    count *= dim;
  auto type = RankedTensorType::get(shape, element);
  size_t width = getElementBytes(element);

  ArrayRef<char> data;
  std::vector<char> converted;
  std::unique_ptr<llvm::MemoryBuffer> external;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto buffer = readExternalData(tensor, modelDir);
    if (!buffer)
      return buffer.takeError();
    external = std::move(*buffer);
    data = ArrayRef<char>(external->getBufferStart(), external->getBufferSize());
  } else if (tensor.has_raw_data()) {
    data = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
  } else {
    int64_t held = 0;
    converted = readTypedField(tensor, width, held);
    if (held != count)
      return createStringError("holds %lld values but its shape needs %lld",
                               (long long)held, (long long)count);
    data = converted;
  }
  if (static_cast<int64_t>(data.size()) != count * static_cast<int64_t>(width))
    return createStringError("holds %zu bytes but its shape needs %lld", data.size(),
                             (long long)(count * width));

  if (element.isInteger(1)) {
    llvm::SmallVector<bool> values(count);
    for (int64_t i = 0; i < count; ++i)
      values[i] = data[i] != 0;
    return ElementsAttr(DenseElementsAttr::get(type, ArrayRef<bool>(values)));
  }
  if (count <= kInlineElementLimit) {
    if (count == 0)
      return ElementsAttr(DenseElementsAttr::get(type, ArrayRef<Attribute>()));
    return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, data));
  }
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, makeResourceKey(resourceName),
      HeapAsmResourceBlob::allocateAndCopyWithAlign(data, width)));
}

ElementsAttr makeStorageAttr(DenseElementsAttr value, StringRef resourceName) {
  return nn::makeWeightAttr(value, makeResourceKey(resourceName));
}

DenseElementsAttr toDense(ElementsAttr attr) {
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr))
    return dense;
  auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return {};
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return {};
  return DenseElementsAttr::getFromRawBuffer(resource.getType(), blob->getData());
}

static int64_t toInt64(const APInt &value, Type elementType) {
  auto integer = llvm::cast<IntegerType>(elementType);
  return integer.isUnsigned() || integer.getWidth() == 1 ? value.getZExtValue()
                                                         : value.getSExtValue();
}

static double toDouble(APFloat value) {
  bool lost;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return value.convertToDouble();
}

llvm::SmallVector<int64_t> getIntValues(DenseElementsAttr attr) {
  llvm::SmallVector<int64_t> values;
  Type element = attr.getElementType();
  if (llvm::isa<IntegerType>(element)) {
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back(toInt64(v, element));
  } else {
    for (const APFloat &v : attr.getValues<APFloat>())
      values.push_back(static_cast<int64_t>(toDouble(v)));
  }
  return values;
}

llvm::SmallVector<double> getDoubleValues(DenseElementsAttr attr) {
  llvm::SmallVector<double> values;
  Type element = attr.getElementType();
  if (llvm::isa<IntegerType>(element)) {
    auto integer = llvm::cast<IntegerType>(element);
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back(integer.isUnsigned() || integer.getWidth() == 1
                           ? static_cast<double>(v.getZExtValue())
                           : static_cast<double>(v.getSExtValue()));
  } else {
    for (const APFloat &v : attr.getValues<APFloat>())
      values.push_back(toDouble(v));
  }
  return values;
}

DenseElementsAttr makeIntAttr(RankedTensorType type, ArrayRef<int64_t> values) {
  Type element = type.getElementType();
  if (element.isInteger(1)) {
    llvm::SmallVector<bool> bits;
    for (int64_t v : values)
      bits.push_back(v != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  if (auto integer = llvm::dyn_cast<IntegerType>(element)) {
    llvm::SmallVector<APInt> ints;
    for (int64_t v : values)
      ints.push_back(APInt(integer.getWidth(), v, /*isSigned=*/!integer.isUnsigned(),
                           /*implicitTrunc=*/true));
    return DenseElementsAttr::get(type, ints);
  }
  llvm::SmallVector<double> doubles(values.begin(), values.end());
  return makeNumericAttr(type, doubles);
}

DenseElementsAttr makeNumericAttr(RankedTensorType type, ArrayRef<double> values) {
  Type element = type.getElementType();
  if (auto floatType = llvm::dyn_cast<FloatType>(element)) {
    llvm::SmallVector<APFloat> floats;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      floats.push_back(f);
    }
    return DenseElementsAttr::get(type, floats);
  }
  llvm::SmallVector<int64_t> ints;
  for (double v : values)
    ints.push_back(static_cast<int64_t>(v));
  return makeIntAttr(type, ints);
}

DenseElementsAttr makeI64Vector(MLIRContext *context, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    IntegerType::get(context, 64));
  return DenseElementsAttr::get(type, values);
}

} // namespace kiln::onnx_import
