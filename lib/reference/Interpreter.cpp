//===- Interpreter.cpp - evaluating ops and running functions -------------===//

#include "kiln/reference/Interpreter.h"

#include "Kernels.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::reference;
using namespace kiln::reference::detail;

static const KernelTable &getKernelTable() {
  static const KernelTable table = [] {
    KernelTable t;
    registerElementwiseKernels(t);
    registerLinearKernels(t);
    registerNormKernels(t);
    registerPoolReduceKernels(t);
    registerShapeKernels(t);
    registerResizeKernels(t);
    return t;
  }();
  return table;
}

bool kiln::reference::canEvaluate(Operation *op) {
  return llvm::isa<func::ReturnOp, func::CallOp>(op) || getKernelTable().lookup(op);
}

/// Whether `tensor` may be the value of something of type `type`: the same
/// element type and a compatible shape.
static bool matchesType(const Tensor &tensor, Type type) {
  auto ranked = llvm::dyn_cast<RankedTensorType>(type);
  if (!ranked || ranked.getElementType() != tensor.getElementType() ||
      ranked.getRank() != tensor.getRank())
    return false;
  for (auto [expected, actual] : llvm::zip(ranked.getShape(), tensor.getShape()))
    if (!ShapedType::isDynamic(expected) && expected != actual)
      return false;
  return true;
}

FailureOr<SmallVector<Tensor>> kiln::reference::evaluate(Operation *op,
                                                         ArrayRef<Tensor> operands) {
  const Kernel *kernel = getKernelTable().lookup(op);
  if (!kernel)
    return op->emitOpError("is not supported by the reference interpreter");
  if (operands.size() != op->getNumOperands())
    return op->emitOpError("reference evaluation got ")
           << operands.size() << " operand tensors for " << op->getNumOperands()
           << " operands";
  for (auto [i, operand] : llvm::enumerate(operands))
    if (!matchesType(operand, op->getOperand(i).getType()))
      return op->emitOpError("operand #")
             << i << " is a " << operand.getType() << " but the op takes "
             << op->getOperand(i).getType();
  FailureOr<SmallVector<Tensor>> results = (*kernel)(op, operands);
  if (failed(results))
    return failure();
  // A mismatch here is a bug in a kernel or in the op's type inference;
  // report it rather than hand back a tensor that contradicts the IR.
  if (results->size() != op->getNumResults())
    return op->emitOpError("reference kernel produced ")
           << results->size() << " results for " << op->getNumResults();
  for (auto [i, result] : llvm::enumerate(*results))
    if (!matchesType(result, op->getResult(i).getType()))
      return op->emitOpError("reference kernel produced a ")
             << result.getType() << " for result #" << i << " of type "
             << op->getResult(i).getType();
  return results;
}

FailureOr<SmallVector<Tensor>> kiln::reference::runFunction(func::FuncOp function,
                                                            ArrayRef<Tensor> inputs) {
  if (function.isExternal())
    return function.emitOpError("has no body to interpret");
  if (!function.getBody().hasOneBlock())
    return function.emitOpError("has more than one block, which nn functions never do");
  Block &body = function.getBody().front();
  if (inputs.size() != body.getNumArguments())
    return function.emitOpError("takes ")
           << body.getNumArguments() << " arguments but got " << inputs.size()
           << " inputs";

  // Values live until their last use, so a large model holds only the
  // activations in flight.
  DenseMap<Value, Tensor> values;
  DenseMap<Value, unsigned> remainingUses;
  auto define = [&](Value value, Tensor tensor) {
    unsigned uses = std::distance(value.use_begin(), value.use_end());
    if (uses == 0)
      return;
    remainingUses[value] = uses;
    values[value] = std::move(tensor);
  };
  for (auto [i, argument] : llvm::enumerate(body.getArguments())) {
    if (!matchesType(inputs[i], argument.getType()))
      return function.emitOpError("argument #")
             << i << " is " << argument.getType() << " but the input is a "
             << inputs[i].getType();
    define(argument, inputs[i]);
  }

  for (Operation &op : body) {
    SmallVector<Tensor> operands;
    operands.reserve(op.getNumOperands());
    for (Value operand : op.getOperands()) {
      auto it = values.find(operand);
      if (it == values.end())
        return op.emitOpError("uses a value the interpreter has not computed");
      if (--remainingUses[operand] != 0) {
        operands.push_back(it->second);
        continue;
      }
      operands.push_back(std::move(it->second));
      values.erase(it);
      remainingUses.erase(operand);
    }
    if (llvm::isa<func::ReturnOp>(op))
      return SmallVector<Tensor>(std::move(operands));

    FailureOr<SmallVector<Tensor>> results;
    if (auto call = llvm::dyn_cast<func::CallOp>(op)) {
      auto callee =
          SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      if (!callee)
        return call.emitOpError("calls an unknown function");
      results = runFunction(callee, operands);
    } else {
      results = evaluate(&op, operands);
    }
    if (failed(results))
      return failure();
    for (auto [result, tensor] : llvm::zip(op.getResults(), *results))
      define(result, std::move(tensor));
  }
  return function.emitOpError("body does not end in func.return");
}
