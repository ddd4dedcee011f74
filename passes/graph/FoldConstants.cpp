//===- FoldConstants.cpp - evaluate constant layers with the interpreter --===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"
#include "kiln/reference/Interpreter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"

#define DEBUG_TYPE "kiln-fold-constants"

namespace kiln {
#define GEN_PASS_DEF_FOLDCONSTANTSPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::nn;
namespace ref = kiln::reference;

namespace {

struct FoldConstantsPass : kiln::impl::FoldConstantsPassBase<FoldConstantsPass> {
  using FoldConstantsPassBase::FoldConstantsPassBase;
  FoldConstantsPass() = default;
  FoldConstantsPass(const FoldConstantsPass &other) : FoldConstantsPassBase(other) {}

  kiln::PassStatistic numFolded{this, "folded-layers", "Layers replaced by constants"};

  void runOnOperation() override {
    SmallVector<Operation *> layers;
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<NNDialect>(op->getDialect()) && !llvm::isa<ConstantOp>(op))
        layers.push_back(op);
    });
    for (Operation *op : layers)
      fold(op);
    // Constants that only fed folded layers are dead now.
    getOperation().walk([](ConstantOp constant) {
      if (constant->use_empty())
        constant->erase();
    });
  }

  void fold(Operation *op) {
    for (Type type : op->getResultTypes()) {
      auto tensor = llvm::cast<RankedTensorType>(type);
      if (!tensor.hasStaticShape() || tensor.getNumElements() > maxElements)
        return;
    }
    SmallVector<ref::Tensor> operands;
    for (Value operand : op->getOperands()) {
      auto constant = operand.getDefiningOp<ConstantOp>();
      if (!constant)
        return;
      llvm::Expected<ref::Tensor> tensor =
          ref::Tensor::fromAttr(constant.getValue(), constant.getType());
      if (!tensor) {
        llvm::consumeError(tensor.takeError());
        return;
      }
      operands.push_back(std::move(*tensor));
    }
    if (!ref::canEvaluate(op))
      return;
    // A layer that fails on its constants (an index out of range) is left
    // for the stage that runs it to report; folding stays silent.
    FailureOr<SmallVector<ref::Tensor>> results;
    {
      ScopedDiagnosticHandler silence(op->getContext(),
                                      [](Diagnostic &) { return success(); });
      results = ref::evaluate(op, operands);
    }
    if (failed(results))
      return;
    OpBuilder builder(op);
    for (auto [result, tensor] : llvm::zip(op->getResults(), *results)) {
      auto constant = ConstantOp::create(builder, op->getLoc(),
                                         llvm::cast<RankedTensorType>(result.getType()),
                                         makeWeightAttr(tensor.toAttr(), "kiln_folded"));
      result.replaceAllUsesWith(constant);
    }
    op->erase();
    ++numFolded;
  }
};

} // namespace
