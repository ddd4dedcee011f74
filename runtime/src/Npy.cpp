// NumPy .npy reading and writing for the runtime side.
#include "kiln/runtime/Npy.h"

#include "kiln/runtime/EngineFile.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace kiln::runtime {

uint64_t NpyArray::numElements() const {
  uint64_t elements = 1;
  for (int64_t d : shape)
    elements *= static_cast<uint64_t>(d);
  return elements;
}

namespace {

Status malformed(const std::string &why) {
  return Status(ErrorCode::InvalidArgument, "not a valid .npy file: " + why);
}

// The value of `key` in the header dictionary, as written by NumPy:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
std::string dictValue(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return "";
  at = header.find(':', at);
  if (at == std::string::npos)
    return "";
  ++at;
  while (at < header.size() && header[at] == ' ')
    ++at;
  if (at >= header.size())
    return "";
  size_t end;
  if (header[at] == '\'') {
    end = header.find('\'', at + 1);
    return end == std::string::npos ? "" : header.substr(at + 1, end - at - 1);
  }
  if (header[at] == '(') {
    end = header.find(')', at);
    return end == std::string::npos ? "" : header.substr(at, end - at + 1);
  }
  end = header.find_first_of(",}", at);
  return header.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

} // namespace

Expected<NpyArray> parseNpy(const std::vector<uint8_t> &bytes) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return malformed("missing the \\x93NUMPY magic");
  unsigned major = bytes[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = bytes[8] | (bytes[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return malformed("truncated header");
    headerLength = bytes[8] | (bytes[9] << 8) | (size_t(bytes[10]) << 16) |
                   (size_t(bytes[11]) << 24);
    headerStart = 12;
  } else {
    return malformed("unknown format version " + std::to_string(major));
  }
  if (headerStart + headerLength > bytes.size())
    return malformed("truncated header");
  std::string header(reinterpret_cast<const char *>(bytes.data()) + headerStart,
                     headerLength);

  std::string descr = dictValue(header, "descr");
  std::string fortran = dictValue(header, "fortran_order");
  std::string shapeText = dictValue(header, "shape");
  if (descr.empty() || shapeText.empty())
    return malformed("the header lacks 'descr' or 'shape'");
  if (fortran.rfind("True", 0) == 0)
    return Status(ErrorCode::InvalidArgument,
                  ".npy arrays in Fortran order are not supported (save with C order)");

  NpyArray array;
  for (size_t at = 1; at < shapeText.size();) {
    size_t end = shapeText.find_first_of(",)", at);
    std::string number = shapeText.substr(at, end - at);
    number.erase(0, number.find_first_not_of(' '));
    if (!number.empty())
      array.shape.push_back(std::stoll(number));
    if (end == std::string::npos || shapeText[end] == ')')
      break;
    at = end + 1;
  }

  bool widen64 = false;
  if (descr == "<f4") array.dtype = DataType::F32;
  else if (descr == "<f2") array.dtype = DataType::F16;
  else if (descr == "<f8") { array.dtype = DataType::F32; widen64 = true; }
  else if (descr == "|i1" || descr == "<i1") array.dtype = DataType::I8;
  else if (descr == "|u1" || descr == "<u1") array.dtype = DataType::U8;
  else if (descr == "<i4") array.dtype = DataType::I32;
  else if (descr == "<i8") array.dtype = DataType::I64;
  else if (descr == "|b1") array.dtype = DataType::Bool;
  // NumPy has no bfloat16 (ml_dtypes' saves as raw '<V2'): bf16 travels as its
  // bits in uint16 files. Engines have no u16 type, so the reading is unique.
  else if (descr == "<u2") array.dtype = DataType::BF16;
  else
    return Status(ErrorCode::InvalidArgument,
                  ".npy element type '" + descr +
                      "' is not supported (f4, f2, f8, i1, u1, i4, i8, b1, u2 as bf16 bits, "
                      "little-endian)");

  uint64_t elements = array.numElements();
  size_t fileElementSize = widen64 ? 8 : dataTypeSize(array.dtype);
  size_t dataStart = headerStart + headerLength;
  if (bytes.size() - dataStart < elements * fileElementSize)
    return malformed("expected " + std::to_string(elements * fileElementSize) +
                     " bytes of data, found " + std::to_string(bytes.size() - dataStart));
  const uint8_t *data = bytes.data() + dataStart;
  if (widen64) {
    array.data.resize(elements * 4);
    for (uint64_t i = 0; i < elements; ++i) {
      double value;
      std::memcpy(&value, data + 8 * i, 8);
      float narrowed = static_cast<float>(value);
      std::memcpy(array.data.data() + 4 * i, &narrowed, 4);
    }
  } else {
    array.data.assign(data, data + elements * fileElementSize);
  }
  return array;
}

Expected<NpyArray> readNpy(const std::string &path) {
  auto bytes = readFileBytes(path);
  if (!bytes)
    return bytes.takeStatus();
  auto array = parseNpy(*bytes);
  if (!array)
    return array.takeStatus().prepend("'" + path + "': ");
  return array;
}

std::vector<uint8_t> encodeNpy(const NpyArray &input) {
  const NpyArray *array = &input;
  NpyArray widened;
  if (input.dtype == DataType::BF16) { // NumPy has no bfloat16
    widened.dtype = DataType::F32;
    widened.shape = input.shape;
    uint64_t elements = input.numElements();
    widened.data.resize(elements * 4);
    for (uint64_t i = 0; i < elements; ++i)
      storeFromDouble(widened.data.data(), DataType::F32, i,
                      loadAsDouble(input.data.data(), DataType::BF16, i));
    array = &widened;
  }
  const char *descr = "<f4";
  switch (array->dtype) {
  case DataType::F32: descr = "<f4"; break;
  case DataType::F16: descr = "<f2"; break;
  case DataType::BF16: descr = "<f4"; break;
  case DataType::I8: descr = "|i1"; break;
  case DataType::U8: descr = "|u1"; break;
  case DataType::I32: descr = "<i4"; break;
  case DataType::I64: descr = "<i8"; break;
  case DataType::Bool: descr = "|b1"; break;
  }
  std::string shape = "(";
  for (size_t i = 0; i < array->shape.size(); ++i)
    shape += std::to_string(array->shape[i]) + (array->shape.size() == 1 ? "," : "") +
             (i + 1 < array->shape.size() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts at a multiple of 64, then '\n'.
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  bytes.push_back(static_cast<uint8_t>(header.size() & 0xff));
  bytes.push_back(static_cast<uint8_t>(header.size() >> 8));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), array->data.begin(), array->data.end());
  return bytes;
}

Status writeNpy(const std::string &path, const NpyArray &array) {
  std::vector<uint8_t> bytes = encodeNpy(array);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    return Status(ErrorCode::IoError, "cannot write '" + path + "'");
  return Status::success();
}

Expected<NpyArray> convertNpy(const NpyArray &array, DataType dtype) {
  if (array.dtype == dtype)
    return NpyArray(array);
  auto isFloat = [](DataType t) {
    return t == DataType::F32 || t == DataType::F16 || t == DataType::BF16;
  };
  if (isFloat(array.dtype) && !isFloat(dtype))
    return Status(ErrorCode::InvalidArgument,
                  std::string("cannot convert ") + dataTypeName(array.dtype) + " data to " +
                      dataTypeName(dtype));
  NpyArray out;
  out.dtype = dtype;
  out.shape = array.shape;
  uint64_t elements = array.numElements();
  out.data.resize(elements * dataTypeSize(dtype));
  for (uint64_t i = 0; i < elements; ++i)
    storeFromDouble(out.data.data(), dtype, i, loadAsDouble(array.data.data(), array.dtype, i));
  return out;
}

} // namespace kiln::runtime
