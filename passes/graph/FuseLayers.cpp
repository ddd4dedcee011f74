//===- FuseLayers.cpp - fuse bias, residual and activation into epilogues -===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "kiln-fuse-layers"

namespace kiln {
#define GEN_PASS_DEF_FUSELAYERSPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// The epilogue layer producing `value`, if it may absorb its consumer.
Operation *getFusableLayer(Value value) {
  return whyNotFusable(value) ? nullptr : value.getDefiningOp();
}

/// Whether `value` is a constant that varies only along the output channels
/// of `layer` (shape 1 everywhere else, trailing-aligned with the result).
bool isPerChannelConstant(Value value, Operation *layer) {
  if (!matchPattern(value, m_Constant()))
    return false;
  auto type = llvm::cast<RankedTensorType>(value.getType());
  auto result = llvm::cast<RankedTensorType>(layer->getResult(0).getType());
  if (type.getElementType() != result.getElementType() ||
      type.getRank() > result.getRank() || !type.hasStaticShape())
    return false;
  int64_t offset = result.getRank() - type.getRank();
  int64_t axis = getOutputChannelAxis(layer);
  for (auto [i, size] : llvm::enumerate(type.getShape())) {
    int64_t dim = offset + i;
    if (size != 1 && !(dim == axis && size == result.getDimSize(axis)))
      return false;
  }
  return true;
}

/// add(layer, c) with c per-channel → layer with bias (+ c).
} // namespace

const char *kiln::whyNotFusable(Value value) {
  Operation *layer = value.getDefiningOp();
  if (!layer || !hasEpilogue(layer))
    return "its input is not a conv, conv_transpose, gemm or matmul";
  if (!value.hasOneUse())
    return "the layer's result has other users";
  if (isQuantized(getElementTypeOrSelf(value.getType())))
    return "the layer runs in INT8 (the Q/DQ passes fuse those)";
  return nullptr;
}

namespace {

struct FuseBias : OpRewritePattern<AddOp> {
  FuseBias(MLIRContext *context, kiln::PassStatistic &count)
      : OpRewritePattern(context, /*benefit=*/3), count(count) {}

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [layerValue, other] : {std::pair{add.getLhs(), add.getRhs()},
                                     std::pair{add.getRhs(), add.getLhs()}}) {
      Operation *layer = getFusableLayer(layerValue);
      if (!layer || getEpilogueActivation(layer) || !isPerChannelConstant(other, layer))
        continue;
      if (add.getType() != layerValue.getType())
        continue; // The constant would broadcast the result to a larger shape.
      if (auto gemm = llvm::dyn_cast<GemmOp>(layer);
          gemm && gemm.getBias() && !gemm.getBeta().isExactlyValue(1.0))
        continue;
      rewriter.setInsertionPoint(add);
      Location loc = add.getLoc();
      auto type = llvm::cast<RankedTensorType>(other.getType());
      int64_t channels =
          llvm::cast<RankedTensorType>(layerValue.getType())
              .getDimSize(getOutputChannelAxis(layer));
      Value bias = other;
      if (type.getRank() != 1)
        bias = ReshapeOp::create(
            rewriter, loc, RankedTensorType::get({channels}, type.getElementType()),
            other);
      if (Value old = getEpilogueBias(layer))
        bias = AddOp::create(rewriter, loc, old, bias);
      Operation *fused = replaceWithEpilogue(rewriter, layer, add, bias,
                                             getEpilogueResidual(layer), {});
      if (auto gemm = llvm::dyn_cast<GemmOp>(fused))
        rewriter.modifyOpInPlace(gemm, [&] { gemm.setBeta(APFloat(1.0f)); });
      rewriter.eraseOp(layer);
      ++count;
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no single-use layer with a per-channel "
                                            "constant operand");
  }

  kiln::PassStatistic &count;
};

/// add(layer, r) with r of the result's shape → layer with residual r.
struct FuseResidual : OpRewritePattern<AddOp> {
  FuseResidual(MLIRContext *context, kiln::PassStatistic &count)
      : OpRewritePattern(context, /*benefit=*/2), count(count) {}

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [layerValue, other] : {std::pair{add.getLhs(), add.getRhs()},
                                     std::pair{add.getRhs(), add.getLhs()}}) {
      Operation *layer = getFusableLayer(layerValue);
      if (!layer || getEpilogueResidual(layer) || getEpilogueActivation(layer))
        continue;
      if (other.getType() != layerValue.getType() || add.getType() != other.getType())
        continue;
      rewriter.setInsertionPoint(add);
      replaceWithEpilogue(rewriter, layer, add, getEpilogueBias(layer), other, {});
      rewriter.eraseOp(layer);
      ++count;
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no single-use layer without residual whose "
                                            "result has the other operand's type");
  }

  kiln::PassStatistic &count;
};

/// activation(layer) → layer with that activation.
struct FuseActivation : OpInterfaceRewritePattern<PointwiseOpInterface> {
  FuseActivation(MLIRContext *context, kiln::PassStatistic &count)
      : OpInterfaceRewritePattern(context, /*benefit=*/1), count(count) {}

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    ActivationAttr activation = op.getAsActivation();
    if (!activation)
      return rewriter.notifyMatchFailure(op, "not an activation an epilogue can apply");
    if (const char *why = whyNotFuseActivation(op))
      return rewriter.notifyMatchFailure(op, why);
    Operation *layer = op->getOperand(0).getDefiningOp();
    rewriter.setInsertionPoint(op);
    replaceWithEpilogue(rewriter, layer, op, getEpilogueBias(layer),
                        getEpilogueResidual(layer), activation);
    rewriter.eraseOp(layer);
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

} // namespace

const char *kiln::whyNotFuseActivation(PointwiseOpInterface activation) {
  if (const char *why = whyNotFusable(activation->getOperand(0)))
    return why;
  if (getEpilogueActivation(activation->getOperand(0).getDefiningOp()))
    return "the layer already applies an activation";
  return nullptr;
}

namespace {

struct FuseLayersPass : kiln::impl::FuseLayersPassBase<FuseLayersPass> {
  using FuseLayersPassBase::FuseLayersPassBase;
  FuseLayersPass() = default;
  FuseLayersPass(const FuseLayersPass &other) : FuseLayersPassBase(other) {}

  kiln::PassStatistic numBias{this, "fused-bias", "Bias adds fused"};
  kiln::PassStatistic numResidual{this, "fused-residual", "Residual adds fused"};
  kiln::PassStatistic numActivation{this, "fused-activation", "Activations fused"};
  kiln::PassStatistic numPad{this, "fused-pad", "Zero pads absorbed into convolutions"};
  kiln::PassStatistic numLogSoftmax{this, "log-softmax",
                                    "log(softmax) pairs made log_softmax"};
  kiln::PassStatistic numExpandedSoftmax{
      this, "expanded-softmax", "Softmax and log_softmax formulas made one layer"};
  kiln::PassStatistic numGlobalPool{this, "global-pools",
                                    "Spatial reductions made global pools"};
  kiln::PassStatistic numTransposes{this, "transpose-chains",
                                    "Transpose pairs composed or cancelled"};
  kiln::PassStatistic numFlatten{this, "flatten-reshapes", "Flattens made reshapes"};
  kiln::PassStatistic numGated{this, "gated-activations",
                               "x · sigmoid(x) products made silu or hard_swish"};
  kiln::PassStatistic numGelu{this, "erf-gelu", "Erf GELU formulas made gelu"};
  kiln::PassStatistic numIdentity{this, "identity-arithmetic",
                                  "x · 1, x / 1, x + 0, x − 0 removed"};
  kiln::PassStatistic numShuffleReduce{this, "shuffle-reduce",
                                       "Reductions moved before a shuffle"};
  kiln::PassStatistic numConvPool{this, "conv-pool",
                                  "Average pools folded into the conv before them"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSimplifyPatterns(patterns);
    populateConvPoolPatterns(patterns);
    patterns.add<FuseBias>(&getContext(), numBias);
    if (fuseResidual)
      patterns.add<FuseResidual>(&getContext(), numResidual);
    if (fuseActivation)
      patterns.add<FuseActivation>(&getContext(), numActivation);
    kiln::PatternCounter counter;
    counter.count("pad-into-conv", numPad);
    counter.count("log-softmax", numLogSoftmax);
    counter.count("expanded-softmax", numExpandedSoftmax);
    counter.count("global-pool", numGlobalPool);
    counter.count("transpose-chain", numTransposes);
    counter.count("flatten-to-reshape", numFlatten);
    counter.count("gated-activation", numGated);
    counter.count("erf-gelu", numGelu);
    counter.count("identity-arithmetic", numIdentity);
    counter.count("shuffle-reduce", numShuffleReduce);
    counter.count("conv-pool", numConvPool);
    // Folding stays on: the nn folders are bit-exact (reshape chains,
    // identity shuffles), which the catalog's rewrites expose.
    GreedyRewriteConfig config;
    config.setListener(&counter);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
