// Element types of engine tensors (the same values as the schema's DType),
// their sizes and names, and float16/bfloat16 conversions on the host.
#ifndef KILN_RUNTIME_DATATYPE_H
#define KILN_RUNTIME_DATATYPE_H

#include <cstddef>
#include <cstdint>

namespace kiln::runtime {

enum class DataType : int8_t { F32 = 0, F16, BF16, I8, U8, I32, I64, Bool };

/// Bytes per element; 0 for a value outside the enum.
size_t dataTypeSize(DataType type);
/// "f32", "f16", "bf16", "i8", "u8", "i32", "i64", "bool"; "?" when unknown.
const char *dataTypeName(DataType type);
/// Whether `value` is one of DataType's enumerators.
bool isValidDataType(int value);

/// IEEE binary16 from/to float, rounding to nearest even.
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);
/// bfloat16 from/to float, rounding to nearest even.
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

/// Reads element `index` of a buffer of `type` as a double (Bool as 0/1).
double loadAsDouble(const void *data, DataType type, size_t index);
/// Stores `value` into element `index` of a buffer of `type` (rounded for the
/// floating types, truncated toward zero for integers).
void storeFromDouble(void *data, DataType type, size_t index, double value);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_DATATYPE_H
