//===- Npy.cpp - numpy .npy files as reference tensors --------------------===//
//
// Format: "\x93NUMPY", a version byte pair, a little-endian header length
// (2 bytes in 1.0, 4 in 2.0/3.0), then a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces to a multiple of 64 bytes, then the raw elements.
//
//===----------------------------------------------------------------------===//

#include "kiln/reference/Npy.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace kiln::reference;

static llvm::Error npyError(StringRef name, const Twine &message) {
  return llvm::createStringError(name + ": " + message);
}

/// The element type of a numpy type string without its byte-order character
/// (`f4`, `b1`, `u1`, …); null when unsupported.
static Type elementTypeOf(StringRef kind, MLIRContext &context) {
  if (kind == "b1")
    return IntegerType::get(&context, 1);
  if (kind == "f2")
    return Float16Type::get(&context);
  if (kind == "f4")
    return Float32Type::get(&context);
  if (kind == "f8")
    return Float64Type::get(&context);
  unsigned bytes = 0;
  if (kind.size() != 2 || kind.drop_front().getAsInteger(10, bytes) ||
      !llvm::is_contained({1u, 2u, 4u, 8u}, bytes))
    return {};
  if (kind[0] == 'i')
    return IntegerType::get(&context, bytes * 8);
  if (kind[0] == 'u')
    return IntegerType::get(&context, bytes * 8, IntegerType::Unsigned);
  return {};
}

/// The value of `key` in the header dict: the text after "'key':" up to
/// the next top-level comma.
static std::optional<StringRef> headerValue(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("(")) // a shape tuple holds commas of its own
    return rest.take_until([](char c) { return c == ')'; }).drop_front();
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

llvm::Expected<Tensor> kiln::reference::parseNpy(StringRef bytes, StringRef name,
                                                 MLIRContext &context) {
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10)
    return npyError(name, "not an .npy file (no \\x93NUMPY magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = llvm::support::endian::read16le(bytes.data() + 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(name, "truncated header");
    headerLength = llvm::support::endian::read32le(bytes.data() + 8);
    headerStart = 12;
  } else {
    return npyError(name, "unsupported .npy format version " + Twine(major));
  }
  if (bytes.size() < headerStart + headerLength)
    return npyError(name, "truncated header");
  StringRef header = bytes.substr(headerStart, headerLength);

  std::optional<StringRef> descr = headerValue(header, "descr");
  std::optional<StringRef> fortran = headerValue(header, "fortran_order");
  std::optional<StringRef> shapeText = headerValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return npyError(name, "header lacks descr, fortran_order or shape: " + header);
  if (*fortran != "False")
    return npyError(name, "Fortran-order arrays are not supported; save a C-order "
                          "array (np.ascontiguousarray)");
  StringRef dtype = descr->trim("'\"");
  if (dtype.size() < 2)
    return npyError(name, "unsupported dtype '" + dtype + "'");
  char order = dtype[0];
  StringRef kind = dtype.drop_front();
  Type element = elementTypeOf(kind, context);
  if (!element)
    return npyError(name, "unsupported dtype '" + dtype +
                              "' (expected bool, int8-64, uint8-64 or float16/32/64)");
  unsigned width = element.getIntOrFloatBitWidth();
  size_t elementBytes = width == 1 ? 1 : width / 8;
  if (order == '>' && elementBytes > 1)
    return npyError(name, "big-endian dtype '" + dtype + "' is not supported");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    return npyError(name, "unsupported dtype '" + dtype + "'");

  SmallVector<int64_t, 6> shape;
  for (StringRef piece : llvm::split(*shapeText, ',')) {
    piece = piece.trim();
    if (piece.empty())
      continue;
    int64_t size;
    if (piece.getAsInteger(10, size) || size < 0)
      return npyError(name, "malformed shape (" + *shapeText + ")");
    shape.push_back(size);
  }
  int64_t count = numElementsOf(shape);
  StringRef data = bytes.drop_front(headerStart + headerLength);
  if (data.size() != static_cast<size_t>(count) * elementBytes)
    return npyError(name, "holds " + Twine(data.size()) +
                              " data bytes but shape and dtype need " +
                              Twine(count * elementBytes));

  const char *p = data.data();
  if (auto floatType = llvm::dyn_cast<FloatType>(element)) {
    std::vector<double> values(count);
    for (int64_t i = 0; i < count; ++i, p += elementBytes) {
      if (width == 16)
        values[i] = llvm::APFloat(llvm::APFloat::IEEEhalf(),
                                  llvm::APInt(16, llvm::support::endian::read16le(p)))
                        .convertToDouble();
      else if (width == 32)
        values[i] = llvm::bit_cast<float>(llvm::support::endian::read32le(p));
      else
        values[i] = llvm::bit_cast<double>(llvm::support::endian::read64le(p));
    }
    return Tensor(element, shape, std::move(values));
  }
  auto integer = llvm::cast<IntegerType>(element);
  std::vector<int64_t> values(count);
  for (int64_t i = 0; i < count; ++i, p += elementBytes) {
    uint64_t raw = 0;
    std::memcpy(&raw, p, elementBytes); // little-endian host, as the format
    values[i] =
        width == 1 ? raw != 0 : wrapToIntegerType(integer, static_cast<int64_t>(raw));
  }
  return Tensor(element, shape, std::move(values));
}

llvm::Expected<Tensor> kiln::reference::readNpy(StringRef path, MLIRContext &context) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer = llvm::MemoryBuffer::getFile(
      path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    return npyError(path, "cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path, context);
}

llvm::Expected<Tensor> kiln::reference::adaptNpyTensor(const Tensor &tensor, Type type) {
  Type element = tensor.getElementType();
  if (element == type)
    return tensor;
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type)) {
    auto integer = llvm::dyn_cast<IntegerType>(element);
    if (integer && integer.getWidth() == quantized.getStorageTypeIntegralWidth() &&
        integer.isUnsigned() == !quantized.isSigned())
      return tensor.withElementType(type);
  }
  if (type.isBF16() && element.isF32())
    return Tensor::fromReals(type, tensor.getShape(), tensor.getFloats());
  if (type.isBF16() && element.isInteger(16) && !tensor.holdsFloats()) {
    // ONNX's test data before 1.13 stores bfloat16 as the uint16 of its bits.
    std::vector<double> values;
    values.reserve(tensor.getNumElements());
    for (int64_t bits : tensor.getInts()) {
      llvm::APInt raw(16, static_cast<uint64_t>(bits) & 0xffff);
      values.push_back(llvm::APFloat(llvm::APFloat::BFloat(), raw).convertToDouble());
    }
    return Tensor(type, tensor.getShape(), std::move(values));
  }
  std::string message;
  llvm::raw_string_ostream os(message);
  os << "holds " << element << " elements but " << type << " is expected";
  if (llvm::isa<quant::QuantizedType>(type))
    os << " (a quantized input is given as its storage integers)";
  return llvm::createStringError(message);
}

/// The numpy type string of an element type.
static std::optional<std::string> dtypeOf(Type element) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element))
    return (Twine(quantized.getStorageTypeIntegralWidth() == 8 ? "|" : "<") +
            (quantized.isSigned() ? "i" : "u") +
            Twine(quantized.getStorageTypeIntegralWidth() / 8))
        .str();
  if (element.isF16())
    return std::string("<f2");
  if (element.isF32() || element.isBF16())
    return std::string("<f4");
  if (element.isF64())
    return std::string("<f8");
  auto integer = llvm::dyn_cast<IntegerType>(element);
  if (!integer)
    return std::nullopt;
  unsigned width = integer.getWidth();
  if (width == 1)
    return std::string("|b1");
  if (!llvm::is_contained({8u, 16u, 32u, 64u}, width))
    return std::nullopt;
  return (Twine(width == 8 ? "|" : "<") + (integer.isUnsigned() ? "u" : "i") +
          Twine(width / 8))
      .str();
}

llvm::Expected<NpyData> kiln::reference::serializeNpyData(const Tensor &tensor) {
  std::optional<std::string> dtype = dtypeOf(tensor.getElementType());
  if (!dtype) {
    std::string type;
    llvm::raw_string_ostream(type) << tensor.getElementType();
    return llvm::createStringError("no .npy dtype for element type " + type);
  }
  NpyData data{*dtype, {}};
  char kind = (*dtype)[1];
  unsigned bytes = (*dtype)[2] - '0';
  data.bytes.reserve(tensor.getNumElements() * bytes);
  if (kind == 'f') {
    for (double v : tensor.getFloats()) {
      char buffer[8];
      if (bytes == 2) {
        llvm::APFloat value(v);
        bool losesInfo = false;
        value.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
                      &losesInfo);
        llvm::support::endian::write16le(
            buffer, static_cast<uint16_t>(value.bitcastToAPInt().getZExtValue()));
      } else if (bytes == 4) {
        llvm::support::endian::write32le(buffer,
                                         llvm::bit_cast<uint32_t>(static_cast<float>(v)));
      } else {
        llvm::support::endian::write64le(buffer, llvm::bit_cast<uint64_t>(v));
      }
      data.bytes.append(buffer, bytes);
    }
    return data;
  }
  for (int64_t v : tensor.getInts()) {
    char buffer[8];
    llvm::support::endian::write64le(buffer, static_cast<uint64_t>(v));
    data.bytes.append(buffer, bytes); // the low bytes, little-endian
  }
  return data;
}

llvm::Expected<std::string> kiln::reference::serializeNpy(const Tensor &tensor) {
  llvm::Expected<NpyData> data = serializeNpyData(tensor);
  if (!data)
    return data.takeError();
  std::string shape;
  for (int64_t size : tensor.getShape())
    shape += std::to_string(size) + ", ";
  if (tensor.getRank() > 1)
    shape.erase(shape.size() - 2); // (2, 3); a 1-D shape keeps its comma: (4,)
  else if (tensor.getRank() == 1)
    shape.pop_back();
  std::string header = "{'descr': '" + data->dtype +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Magic, version and length take 10 bytes; pad so the data starts 64-aligned.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out += data->bytes;
  return out;
}

llvm::Error kiln::reference::writeNpy(StringRef path, const Tensor &tensor) {
  llvm::Expected<std::string> bytes = serializeNpy(tensor);
  if (!bytes)
    return npyError(path, llvm::toString(bytes.takeError()));
  std::error_code error;
  llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_None);
  if (error)
    return npyError(path, "cannot write: " + error.message());
  os << *bytes;
  os.close();
  if (os.has_error())
    return npyError(path, "cannot write: " + os.error().message());
  return llvm::Error::success();
}
