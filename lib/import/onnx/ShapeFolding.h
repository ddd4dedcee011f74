//===- ShapeFolding.h - evaluating ONNX ops on constants at import -*- C++ -*-===//
//
// PyTorch exports shape arithmetic as ops (Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape). Since every shape is static once imported, the
// importer evaluates such ops when their inputs are known constants, so that
// the inputs that must be constant (Reshape's shape, Slice's bounds, ...)
// are. These functions do the evaluation on small dense attributes; they
// return null when they cannot (a type they do not compute in, an index out
// of range), and the handler then emits the op instead.
//
// Arithmetic is evaluated for integers, booleans, f32 and f64 only, each in
// its own precision so the result is what the op would compute at run time.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_IMPORT_ONNX_SHAPEFOLDING_H
#define KILN_LIB_IMPORT_ONNX_SHAPEFOLDING_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln::onnx_import {

enum class FoldBinary {
  Add, Sub, Mul, Div, Mod, FMod, Max, Min,
  Equal, Less, LessEqual, Greater, GreaterEqual,
  And, Or, Xor,
};

enum class FoldUnary { Neg, Abs, Floor, Ceil, Not };

mlir::DenseElementsAttr foldBinary(FoldBinary kind, mlir::DenseElementsAttr lhs,
                                   mlir::DenseElementsAttr rhs);
mlir::DenseElementsAttr foldUnary(FoldUnary kind, mlir::DenseElementsAttr input);
mlir::DenseElementsAttr foldWhere(mlir::DenseElementsAttr condition,
                                  mlir::DenseElementsAttr x, mlir::DenseElementsAttr y);
mlir::DenseElementsAttr foldCast(mlir::DenseElementsAttr input, mlir::Type elementType);
/// `starts`, `ends`, `steps`: one entry per dimension, normalized as nn.slice
/// wants them.
mlir::DenseElementsAttr foldSlice(mlir::DenseElementsAttr input,
                                  llvm::ArrayRef<int64_t> starts,
                                  llvm::ArrayRef<int64_t> ends,
                                  llvm::ArrayRef<int64_t> steps);
mlir::DenseElementsAttr foldGather(mlir::DenseElementsAttr data,
                                   mlir::DenseElementsAttr indices, int64_t axis);
mlir::DenseElementsAttr foldConcat(llvm::ArrayRef<mlir::DenseElementsAttr> inputs,
                                   int64_t axis);

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_SHAPEFOLDING_H
