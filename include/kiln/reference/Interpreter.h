//===- Interpreter.h - CPU reference semantics of the nn dialect -*- C++ -*-===//
//
// Evaluates nn ops on Tensors with plain loops, following ONNX (and, where
// ONNX leaves a corner open, onnxruntime). Constant folding evaluates single
// ops; calibration and the tests run whole functions.
//
// Errors (an op the interpreter does not know, an index out of range at run
// time, operands that do not match the op) are emitted as diagnostics at the
// op's location; install a ScopedDiagnosticHandler to silence them, as a
// folding pattern would.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_INTERPRETER_H
#define KILN_REFERENCE_INTERPRETER_H

#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"

namespace kiln::reference {

/// Whether the interpreter has a kernel for `op` (every nn op, plus the
/// func.return and func.call that structure a function).
bool canEvaluate(mlir::Operation *op);

/// Evaluates one nn op on `operands`, one tensor per operand, whose element
/// types and shapes must agree with the op's operand types. Returns one
/// tensor per result, with the result's element type.
mlir::FailureOr<llvm::SmallVector<Tensor>> evaluate(mlir::Operation *op,
                                                    llvm::ArrayRef<Tensor> operands);

/// Runs `function` (nn ops, func.call, func.return) on `inputs`, one tensor
/// per argument, and returns its results.
mlir::FailureOr<llvm::SmallVector<Tensor>> runFunction(mlir::func::FuncOp function,
                                                       llvm::ArrayRef<Tensor> inputs);

} // namespace kiln::reference

#endif // KILN_REFERENCE_INTERPRETER_H
