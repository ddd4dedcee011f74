//===- Tensor.h - values of the reference interpreter -*- C++ -*-===//
//
// A tensor the reference interpreter computes on: a shape, an MLIR element
// type and the elements. Floats are held as doubles (each op rounds its
// result to the element type, so values are exactly what an f32/f16/bf16
// computation could produce); integers and booleans as int64 (wrapped to their
// width); quantized tensors hold their integer storage values and keep the
// `!quant.uniform` type, whose scale and zero point give their real values.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_TENSOR_H
#define KILN_REFERENCE_TENSOR_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <vector>

namespace kiln::reference {

class Tensor {
public:
  /// An empty tensor of no type; only for containers.
  Tensor() = default;
  /// A zero-filled tensor (for quantized types: zero storage values).
  Tensor(mlir::Type elementType, llvm::ArrayRef<int64_t> shape);
  /// A float tensor holding `values`, which must already be representable in
  /// `elementType` (use fromReals to round them).
  Tensor(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
         std::vector<double> values);
  /// An integer, boolean or quantized tensor holding `values` (storage values
  /// for quantized types), which must already be in range.
  Tensor(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
         std::vector<int64_t> values);

  /// A tensor of `elementType` from real values: floats are rounded to the
  /// element type, quantized types are quantized (round half to even, then
  /// saturate), integers truncate toward zero and wrap, booleans are `x != 0`.
  static Tensor fromReals(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
                          llvm::ArrayRef<double> values);

  /// Reads a constant. `type` is the tensor type it stands for when that
  /// differs from the attribute's (a quantized constant holding its storage
  /// integers); by default the attribute's own type. Handles dense and splat
  /// attributes and `dense_resource` blobs.
  static llvm::Expected<Tensor> fromAttr(mlir::ElementsAttr attr,
                                         mlir::RankedTensorType type = {});

  /// The constant holding this tensor; quantized tensors give their storage
  /// integers (of the storage type), to be used with the quantized type as
  /// `nn.constant ... as`.
  mlir::DenseElementsAttr toAttr() const;

  mlir::Type getElementType() const { return elementType; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getRank() const { return static_cast<int64_t>(shape.size()); }
  int64_t getNumElements() const;
  mlir::RankedTensorType getType() const;

  /// Whether elements are held as doubles (float element types) rather than
  /// as int64 (integers, booleans, quantized storage).
  bool holdsFloats() const { return floatStorage; }
  bool isQuantized() const;

  llvm::ArrayRef<double> getFloats() const { return floats; }
  llvm::MutableArrayRef<double> getFloats() { return floats; }
  llvm::ArrayRef<int64_t> getInts() const { return ints; }
  llvm::MutableArrayRef<int64_t> getInts() { return ints; }

  /// The real value of every element: floats as they are, integers and
  /// booleans converted, quantized storage dequantized (in double precision).
  std::vector<double> toReals() const;

  /// The same elements with another shape of the same element count.
  Tensor reshaped(llvm::ArrayRef<int64_t> newShape) const;
  /// The same storage with another element type of the same storage kind (a
  /// quantized type for its storage integers, or a per-axis type whose axis
  /// moved); the caller guarantees the values fit.
  Tensor withElementType(mlir::Type newType) const;

  /// Prints `tensor<2x2xf32> [1, 2, 3, 4]`, eliding the middle of long ones.
  void print(llvm::raw_ostream &os, int64_t maxElements = 32) const;

private:
  mlir::Type elementType;
  llvm::SmallVector<int64_t, 6> shape;
  bool floatStorage = false;
  std::vector<double> floats;
  std::vector<int64_t> ints;
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const Tensor &tensor) {
  tensor.print(os);
  return os;
}

//===----------------------------------------------------------------------===//
// Element arithmetic shared by the kernels and by constant folding
//===----------------------------------------------------------------------===//

/// Rounds `value` to the nearest value of `type` (ties to even), as storing a
/// double into an f32/f16/bf16 variable would.
double roundToFloatType(mlir::FloatType type, double value);

/// Wraps `value` to the width and signedness of `type` (i1 gives 0 or 1),
/// as a C++ conversion to that integer type would.
int64_t wrapToIntegerType(mlir::IntegerType type, int64_t value);

/// Rounds to the nearest integer, ties to even (ONNX Round, QuantizeLinear).
double roundHalfToEven(double value);

/// Float to integer as ONNX Cast does on x86 (onnxruntime's static_cast):
/// truncation toward zero, then wrapping to the width. NaN and values out of
/// the range of the int32 (int64 for 64-bit and ui32 targets) that the
/// conversion goes through give that type's most negative value, as
/// cvttsd2si does.
int64_t truncateToInteger(mlir::IntegerType type, double value);

/// Scale and zero point of element `index` of a quantized tensor of `shape`
/// (per-axis types pick the channel from the index). Scales are rounded to
/// float32 unless the type expresses f64: ONNX scales are float32 tensors.
struct QuantParams {
  double scale;
  int64_t zeroPoint;
};
QuantParams getQuantParams(mlir::quant::QuantizedType type, llvm::ArrayRef<int64_t> shape,
                           int64_t index);

/// ONNX QuantizeLinear of one value: `saturate(round_half_even(x / scale) +
/// zero_point)`. The division is done in float (as onnxruntime does) unless
/// the type expresses f64, so rounding ties land where onnxruntime's do.
int64_t quantizeValue(mlir::quant::QuantizedType type, QuantParams params, double value);

/// The linear index of each element of `shape` in the tensor of `from` that
/// numpy-broadcasts to it (`from` may have fewer dimensions).
std::vector<int64_t> broadcastIndexMap(llvm::ArrayRef<int64_t> from,
                                       llvm::ArrayRef<int64_t> shape);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t, 6> computeStrides(llvm::ArrayRef<int64_t> shape);

/// Product of `shape`.
int64_t numElementsOf(llvm::ArrayRef<int64_t> shape);

} // namespace kiln::reference

#endif // KILN_REFERENCE_TENSOR_H
