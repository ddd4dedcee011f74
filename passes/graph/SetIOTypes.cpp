//===- SetIOTypes.cpp - the element types of the network's bindings -------===//
//
// TensorRT's I/O formats (trtexec --inputIOFormats=fp16:chw): a user whose
// pipeline already holds FP16 (or BF16) tensors gives and takes them as
// they are, and the engine converts nothing at its edges.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

#define DEBUG_TYPE "kiln-set-io-types"

namespace kiln {
#define GEN_PASS_DEF_SETIOTYPESPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The element type an option names; null for fp32 (nothing to change) and
/// failure for a name that is not one.
FailureOr<Type> parseIOType(StringRef name, MLIRContext *context) {
  if (name == "fp32")
    return Type();
  if (name == "fp16")
    return Type(Float16Type::get(context));
  if (name == "bf16")
    return Type(BFloat16Type::get(context));
  return failure();
}

/// `type` (a float32 tensor) with `element` instead; null for other types.
Type withElement(Type type, Type element) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!element || !tensor || !tensor.getElementType().isF32())
    return Type();
  return tensor.clone(element);
}

struct SetIOTypesPass : kiln::impl::SetIOTypesPassBase<SetIOTypesPass> {
  using Base::Base;
  SetIOTypesPass() = default;
  SetIOTypesPass(const SetIOTypesPass &other) : SetIOTypesPassBase(other) {}

  kiln::PassStatistic numInputs{this, "inputs", "Float32 inputs given another type"};
  kiln::PassStatistic numOutputs{this, "outputs", "Float32 outputs given another type"};

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    FailureOr<Type> input = parseIOType(inputType, context);
    FailureOr<Type> output = parseIOType(outputType, context);
    for (auto [option, value, parsed] : {std::tuple{"input-type", &inputType, input},
                                         std::tuple{"output-type", &outputType, output}}) {
      if (failed(parsed)) {
        func.emitError("kiln-set-io-types: ")
            << option << " expects fp32, fp16 or bf16, got '" << *value << "'";
        return signalPassFailure();
      }
    }
    // The network is the public function; what it calls keeps its types.
    if (func.isExternal() || func.isPrivate())
      return;

    // An input becomes the new type and is widened to float32 where it is
    // read: the layers that read it in half precision then read it as it
    // is (kiln-assign-precision cancels the round trip).
    Block &entry = func.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&entry);
    for (BlockArgument argument : entry.getArguments()) {
      Type narrow = withElement(argument.getType(), *input);
      if (!narrow)
        continue;
      Type wide = argument.getType();
      argument.setType(narrow);
      auto widened = kiln::nn::CastOp::create(builder, argument.getLoc(), wide, argument);
      argument.replaceAllUsesExcept(widened.getResult(), widened);
      ++numInputs;
    }
    // An output is narrowed where it is returned.
    func.walk([&](func::ReturnOp ret) {
      builder.setInsertionPoint(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Type narrow = withElement(operand.get().getType(), *output);
        if (!narrow)
          continue;
        operand.set(kiln::nn::CastOp::create(builder, operand.get().getLoc(), narrow,
                                             operand.get()));
        ++numOutputs;
      }
    });
    func.setType(FunctionType::get(context, entry.getArgumentTypes(),
                                   entry.getTerminator()->getOperandTypes()));
    // Asked for and not done: the bindings are not float32.
    if (*input && numInputs.getValue() == 0)
      func.emitWarning("kiln-set-io-types: input-type=")
          << inputType << " changes no input: none is float32";
    if (*output && numOutputs.getValue() == 0)
      func.emitWarning("kiln-set-io-types: output-type=")
          << outputType << " changes no output: none is float32";
  }
};

} // namespace
