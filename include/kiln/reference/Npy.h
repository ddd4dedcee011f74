//===- Npy.h - numpy .npy files as reference tensors -*- C++ -*-===//
//
// The tensors kiln-interpret reads and writes. Only what numpy writes for
// np.save of a plain array: format 1.0-3.0, little-endian (or byte-sized),
// C order, and the dtypes bool, int8-64, uint8-64, float16/32/64.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_NPY_H
#define KILN_REFERENCE_NPY_H

#include "kiln/reference/Tensor.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

namespace kiln::reference {

/// Reads an .npy file; the element type follows the dtype (`<f4` → f32,
/// `|b1` → i1, `<i8` → i64, `|u1` → ui8, …).
llvm::Expected<Tensor> readNpy(llvm::StringRef path, mlir::MLIRContext &context);

/// Parses the bytes of an .npy file (`name` names it in errors).
llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef name,
                                mlir::MLIRContext &context);

/// Converts a tensor read from an .npy file to the element type `type` a
/// function expects: the same type, a quantized type whose storage the
/// dtype is, bf16 from float32 (numpy has no bfloat16), or bf16 from the
/// uint16 of its bits (ONNX's test data before 1.13). Other pairs are an
/// error naming both.
llvm::Expected<Tensor> adaptNpyTensor(const Tensor &tensor, mlir::Type type);

/// Writes `tensor` as an .npy file. Quantized tensors are written as their
/// storage integers; bf16 is widened to float32.
llvm::Error writeNpy(llvm::StringRef path, const Tensor &tensor);

/// The bytes writeNpy would write.
llvm::Expected<std::string> serializeNpy(const Tensor &tensor);

/// The numpy dtype (`<f4`, `|b1`, …) writeNpy gives `tensor`, and its
/// elements in that dtype, little-endian: the data after the .npy header,
/// which is also an ONNX TensorProto's raw_data.
struct NpyData {
  std::string dtype;
  std::string bytes;
};
llvm::Expected<NpyData> serializeNpyData(const Tensor &tensor);

} // namespace kiln::reference

#endif // KILN_REFERENCE_NPY_H
