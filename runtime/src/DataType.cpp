// Element types: sizes, names, and float16/bfloat16 conversions on the host.
#include "kiln/runtime/DataType.h"

#include <cmath>
#include <cstring>

namespace kiln::runtime {

size_t dataTypeSize(DataType type) {
  switch (type) {
  case DataType::F32: return 4;
  case DataType::F16: return 2;
  case DataType::BF16: return 2;
  case DataType::I8: return 1;
  case DataType::U8: return 1;
  case DataType::I32: return 4;
  case DataType::I64: return 8;
  case DataType::Bool: return 1;
  }
  return 0;
}

const char *dataTypeName(DataType type) {
  switch (type) {
  case DataType::F32: return "f32";
  case DataType::F16: return "f16";
  case DataType::BF16: return "bf16";
  case DataType::I8: return "i8";
  case DataType::U8: return "u8";
  case DataType::I32: return "i32";
  case DataType::I64: return "i64";
  case DataType::Bool: return "bool";
  }
  return "?";
}

bool isValidDataType(int value) {
  return value >= static_cast<int>(DataType::F32) &&
         value <= static_cast<int>(DataType::Bool);
}

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

static float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint32_t sign = (bits >> 16) & 0x8000u;
  uint32_t exponent = (bits >> 23) & 0xffu;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) // inf or NaN (keep NaN quiet)
    return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0));
  int e = static_cast<int>(exponent) - 127 + 15;
  if (e >= 31)
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) { // subnormal or zero in half
    if (e < -10)
      return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    int shift = 14 - e;
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1)))
      ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
    ++half; // may carry into the exponent, up to infinity: still correct
  return static_cast<uint16_t>(sign | half);
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = (bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {
    if (mantissa == 0)
      return bitsFloat(sign);
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31)
    return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
  return bitsFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t floatToBFloat16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu))
    return static_cast<uint16_t>((bits >> 16) | 0x40u); // quiet NaN
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bfloat16ToFloat(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

template <typename T> static T load(const void *data, size_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(data) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> static void store(void *data, size_t index, T value) {
  std::memcpy(static_cast<char *>(data) + index * sizeof(T), &value, sizeof(T));
}

double loadAsDouble(const void *data, DataType type, size_t index) {
  switch (type) {
  case DataType::F32: return load<float>(data, index);
  case DataType::F16: return halfToFloat(load<uint16_t>(data, index));
  case DataType::BF16: return bfloat16ToFloat(load<uint16_t>(data, index));
  case DataType::I8: return load<int8_t>(data, index);
  case DataType::U8: return load<uint8_t>(data, index);
  case DataType::I32: return load<int32_t>(data, index);
  case DataType::I64: return static_cast<double>(load<int64_t>(data, index));
  case DataType::Bool: return load<uint8_t>(data, index) ? 1.0 : 0.0;
  }
  return 0;
}

void storeFromDouble(void *data, DataType type, size_t index, double value) {
  switch (type) {
  case DataType::F32: store<float>(data, index, static_cast<float>(value)); return;
  case DataType::F16:
    store<uint16_t>(data, index, floatToHalf(static_cast<float>(value)));
    return;
  case DataType::BF16:
    store<uint16_t>(data, index, floatToBFloat16(static_cast<float>(value)));
    return;
  case DataType::I8: store<int8_t>(data, index, static_cast<int8_t>(value)); return;
  case DataType::U8: store<uint8_t>(data, index, static_cast<uint8_t>(value)); return;
  case DataType::I32: store<int32_t>(data, index, static_cast<int32_t>(value)); return;
  case DataType::I64: store<int64_t>(data, index, static_cast<int64_t>(value)); return;
  case DataType::Bool: store<uint8_t>(data, index, value != 0 ? 1 : 0); return;
  }
}

} // namespace kiln::runtime
