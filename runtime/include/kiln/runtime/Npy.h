// NumPy .npy files (format 1.0-3.0, C order) for the runtime side: kiln-run
// reads inputs and writes outputs with these. MLIR-free (the compiler's
// lib/reference/Npy.cpp is not).
#ifndef KILN_RUNTIME_NPY_H
#define KILN_RUNTIME_NPY_H

#include "kiln/runtime/DataType.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime {

struct NpyArray {
  DataType dtype = DataType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; ///< little-endian, C order
  uint64_t numElements() const;
};

/// Reads '<f4', '<f2', '<f8' (converted to f32), '|i1', '|u1', '<i4', '<i8',
/// '|b1'. Fortran order and big-endian data are refused.
Expected<NpyArray> readNpy(const std::string &path);
Expected<NpyArray> parseNpy(const std::vector<uint8_t> &bytes);

/// Writes format 1.0. BF16, which NumPy lacks, is written as '<f4'.
Status writeNpy(const std::string &path, const NpyArray &array);
std::vector<uint8_t> encodeNpy(const NpyArray &array);

/// `array` converted to `dtype` (float types among themselves, integer types
/// among themselves and to floats); an error for other conversions.
Expected<NpyArray> convertNpy(const NpyArray &array, DataType dtype);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_NPY_H
