//===- FoldBatchNorm.cpp - fold inference batch norms into their producer -===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "kiln-fold-batchnorm"

namespace kiln {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// `s = γ / sqrt(var + ε)` and `t = β − mean · s`, as nn ops on the batch
/// norm's parameters (constant folding turns them into constants).
struct BatchNormScale {
  Value scale, shift;
};

BatchNormScale computeScale(OpBuilder &builder, BatchNormOp bn) {
  Location loc = bn.getLoc();
  Type element = bn.getType().getElementType();
  Value eps = scalarConstant(builder, loc, element, bn.getEpsilon().convertToDouble());
  Value var = AddOp::create(builder, loc, bn.getVariance(), eps);
  Value inverse = RsqrtOp::create(builder, loc, var);
  Value scale = MulOp::create(builder, loc, bn.getScale(), inverse);
  Value meanScaled = MulOp::create(builder, loc, bn.getMean(), scale);
  Value shift = SubOp::create(builder, loc, bn.getBias(), meanScaled);
  return {scale, shift};
}

/// Which dimension of the layer's weight holds its output channels, or
/// nullopt when scaling output channels is not a plain broadcast multiply.
std::optional<int64_t> weightOutputAxis(Operation *layer) {
  if (auto conv = llvm::dyn_cast<ConvOp>(layer))
    return 0;
  if (auto deconv = llvm::dyn_cast<ConvTransposeOp>(layer)) {
    if (deconv.getGroups() != 1)
      return std::nullopt; // Output channels interleave with the groups.
    int64_t rank = deconv.getFilter().getType().getRank();
    return deconv.getLayout() == Layout::channels_last ? rank - 1 : 1;
  }
  if (auto gemm = llvm::dyn_cast<GemmOp>(layer)) {
    if (gemm.getBias() && !gemm.getBeta().isExactlyValue(1.0))
      return std::nullopt;
    return gemm.getTransB() ? 0 : 1;
  }
  if (auto matmul = llvm::dyn_cast<MatmulOp>(layer)) {
    if (matmul.getRhs().getType().getRank() != 2 || matmul.getType().getRank() != 2)
      return std::nullopt;
    return 1;
  }
  return std::nullopt;
}

} // namespace

const char *kiln::whyNotFoldBatchNorm(BatchNormOp bn) {
  Operation *layer = bn.getInput().getDefiningOp();
  if (!layer || !hasEpilogue(layer))
    return "its input is not a conv, conv_transpose, gemm or matmul";
  if (!bn.getInput().hasOneUse())
    return "the layer's result has other users";
  if (getEpilogueResidual(layer) || getEpilogueActivation(layer))
    return "the layer already adds a residual or applies an activation";
  if (isQuantized(bn.getInput().getType().getElementType()) ||
      isQuantized(getElementTypeOrSelf(layer->getOperand(1).getType())))
    return "the layer's weight or result is quantized";
  int64_t rank = bn.getType().getRank();
  int64_t bnAxis = bn.getLayout() == Layout::channels_last ? rank - 1 : 1;
  if (getOutputChannelAxis(layer) != bnAxis)
    return "the normalized axis is not the layer's output channels";
  if (!weightOutputAxis(layer))
    return "this layer's output channels cannot be scaled by a broadcast multiply "
           "(grouped conv_transpose, gemm with beta != 1, or matmul of rank > 2)";
  return nullptr;
}

namespace {

/// batch_norm(layer(x, w, b)) → layer(x, w · s, b · s + t).
struct FoldIntoProducer : OpRewritePattern<BatchNormOp> {
  FoldIntoProducer(MLIRContext *context, kiln::PassStatistic &folded)
      : OpRewritePattern(context, /*benefit=*/2), folded(folded) {}

  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    if (const char *why = whyNotFoldBatchNorm(bn))
      return rewriter.notifyMatchFailure(bn, why);
    Operation *layer = bn.getInput().getDefiningOp();
    std::optional<int64_t> weightAxis = weightOutputAxis(layer);
    rewriter.setInsertionPoint(bn);
    Location loc = bn.getLoc();
    BatchNormScale s = computeScale(rewriter, bn);
    Value weight = layer->getOperand(1);
    int64_t weightRank = llvm::cast<RankedTensorType>(weight.getType()).getRank();
    Value scaledWeight = MulOp::create(
        rewriter, loc, weight, reshapeAlongAxis(rewriter, loc, s.scale, weightRank, *weightAxis));
    Value bias = s.shift;
    if (Value old = getEpilogueBias(layer)) {
      // A gemm bias may be any shape broadcasting to the result; scale it
      // along the channels it has.
      auto type = llvm::cast<RankedTensorType>(old.getType());
      Value scale = type.getRank() <= 1
                        ? s.scale
                        : reshapeAlongAxis(rewriter, loc, s.scale, type.getRank(),
                                           type.getRank() - 1);
      Value scaledOld = MulOp::create(rewriter, loc, old, scale);
      bias = AddOp::create(rewriter, loc, scaledOld,
                           type.getRank() <= 1
                               ? s.shift
                               : reshapeAlongAxis(rewriter, loc, s.shift, type.getRank(),
                                                  type.getRank() - 1));
    }
    Operation *fused = replaceWithEpilogue(rewriter, layer, bn, bias, Value(), {});
    rewriter.modifyOpInPlace(fused, [&] { fused->setOperand(1, scaledWeight); });
    if (auto gemm = llvm::dyn_cast<GemmOp>(fused))
      rewriter.modifyOpInPlace(gemm, [&] { gemm.setBeta(APFloat(1.0f)); });
    rewriter.eraseOp(layer);
    ++folded;
    return success();
  }

  kiln::PassStatistic &folded;
};

/// A batch norm with nothing to fold into: x · s + t along the channels.
struct LowerToScale : OpRewritePattern<BatchNormOp> {
  LowerToScale(MLIRContext *context, kiln::PassStatistic &lowered)
      : OpRewritePattern(context, /*benefit=*/1), lowered(lowered) {}

  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    Location loc = bn.getLoc();
    int64_t rank = bn.getType().getRank();
    int64_t axis = bn.getLayout() == Layout::channels_last ? rank - 1 : 1;
    BatchNormScale s = computeScale(rewriter, bn);
    Value scaled = MulOp::create(rewriter, loc, bn.getInput(),
                                 reshapeAlongAxis(rewriter, loc, s.scale, rank, axis));
    Value shifted =
        AddOp::create(rewriter, loc, scaled,
                      reshapeAlongAxis(rewriter, loc, s.shift, rank, axis));
    rewriter.replaceOp(bn, shifted);
    ++lowered;
    return success();
  }

  kiln::PassStatistic &lowered;
};

struct FoldBatchNormPass : kiln::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  using FoldBatchNormPassBase::FoldBatchNormPassBase;
  FoldBatchNormPass() = default;
  FoldBatchNormPass(const FoldBatchNormPass &other) : FoldBatchNormPassBase(other) {}

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoProducer>(&getContext(), numFolded);
    if (lowerUnfused)
      patterns.add<LowerToScale>(&getContext(), numLowered);
    // Only the patterns: folding constants is kiln-fold-constants' job.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }

  kiln::PassStatistic numFolded{this, "folded", "Batch norms folded into a producer"};
  kiln::PassStatistic numLowered{this, "lowered-to-scale",
                                 "Batch norms lowered to a per-channel scale"};
};

} // namespace
