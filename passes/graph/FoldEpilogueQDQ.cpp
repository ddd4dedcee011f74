//===- FoldEpilogueQDQ.cpp - drop Q/DQ pairs that split a layer's epilogue ===//
//
// ONNX Runtime's quantize_static (QDQ format) quantizes every tensor: a
// conv's output before its ReLU, before the residual add, the add's output
// before its ReLU. Those pairs keep the add and the activation out of the
// conv's epilogue, so the network would keep Q/DQ inside. TensorRT-style
// fusion wants conv + add + ReLU as one INT8 layer quantized once, at the
// end; this pass removes the inner pairs so that it can happen.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"

#define DEBUG_TYPE "kiln-fold-epilogue-qdq"

namespace kiln {
#define GEN_PASS_DEF_FOLDEPILOGUEQDQPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// The layer computing `value` through a quantize/dequantize pair that only
/// it reads, or null.
Operation *getPairedProducer(Value value, QuantizeOp *pairQuantize = nullptr) {
  auto dq = value.getDefiningOp<DequantizeOp>();
  auto quantize = dq ? dq.getInput().getDefiningOp<QuantizeOp>() : QuantizeOp();
  if (!quantize || !dq->hasOneUse() || !quantize->hasOneUse() ||
      !quantize.getInput().hasOneUse())
    return nullptr;
  // Symmetric per-tensor only: int8 with zero point 0, or uint8 with 128
  // (kiln-propagate-qdq makes those int8).
  auto type = llvm::dyn_cast<quant::UniformQuantizedType>(
      getElementTypeOrSelf(quantize.getType()));
  if (!type || type.getZeroPoint() != (type.isSigned() ? 0 : 128))
    return nullptr;
  if (pairQuantize)
    *pairQuantize = quantize;
  return quantize.getInput().getDefiningOp();
}

struct FoldEpilogueQDQPass : kiln::impl::FoldEpilogueQDQPassBase<FoldEpilogueQDQPass> {
  using FoldEpilogueQDQPassBase::FoldEpilogueQDQPassBase;
  FoldEpilogueQDQPass() = default;
  FoldEpilogueQDQPass(const FoldEpilogueQDQPass &other)
      : FoldEpilogueQDQPassBase(other) {}

  kiln::PassStatistic numFolded{this, "pairs-folded",
                                "Quantize/dequantize pairs removed"};

  void runOnOperation() override {
    SmallVector<OpOperand *> folds;
    getOperation().walk([&](Operation *op) {
      if (auto add = llvm::dyn_cast<AddOp>(op)) {
        // The add joins the epilogue of the first operand's linear layer
        // (kiln-fuse-layers tries the left one first); the other operand
        // stays quantized, an INT8 residual.
        for (OpOperand &operand : add->getOpOperands()) {
          Operation *layer = getPairedProducer(operand.get());
          if (layer && hasEpilogue(layer) && !getEpilogueResidual(layer) &&
              !getEpilogueActivation(layer) &&
              operand.get().getType() == add.getType()) {
            folds.push_back(&operand);
            break;
          }
        }
        return;
      }
      auto pointwise = llvm::dyn_cast<PointwiseOpInterface>(op);
      if (!pointwise || !pointwise.getAsActivation() || op->getNumOperands() != 1)
        return;
      // An activation joins a linear layer's epilogue, or an add's, which
      // becomes one once the add is a residual.
      Operation *layer = getPairedProducer(op->getOperand(0));
      if (layer && ((hasEpilogue(layer) && !getEpilogueActivation(layer)) ||
                    llvm::isa<AddOp>(layer)))
        folds.push_back(&op->getOpOperand(0));
    });
    for (OpOperand *operand : folds) {
      QuantizeOp quantize;
      Operation *layer = getPairedProducer(operand->get(), &quantize);
      if (!layer)
        continue;
      Operation *dq = operand->get().getDefiningOp();
      operand->set(quantize.getInput());
      dq->erase();
      quantize->erase();
      ++numFolded;
    }
  }
};

} // namespace
