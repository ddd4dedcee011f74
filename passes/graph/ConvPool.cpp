//===- ConvPool.cpp - an average pool folded into the conv before it ------===//
//
// TensorRT's "convolution and pooling" fusion runs both in one kernel. Kiln's
// back end runs convolutions on cuDNN and has no fused conv + pool kernel,
// so Kiln takes the form it can run exactly: an average pool without
// padding after a convolution without activation is itself a convolution
// (both are linear), so the two become one convolution whose filter is the
// conv's filter spread over the pool's window, with stride conv × pool.
// DenseNet's transitions (1×1 conv, 2×2 average pool of stride 2) become one
// 2×2 convolution of stride 2: the same multiply-adds, no pool and no
// full-resolution intermediate tensor.
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

/// The merged conv's window along spatial dimension `i`: the conv's
/// kernel spread over the pool's window at the conv's stride.
static int64_t mergedKernel(ConvOp conv, PoolOp pool, int64_t i) {
  int64_t firstSpatial = conv.getLayout() == Layout::channels_last ? 1 : 2;
  return conv.getFilter().getType().getDimSize(firstSpatial + i) +
         (pool.getKernel()[i] - 1) * conv.getStrides()[i];
}

const char *kiln::whyNotFoldPool(ConvOp conv, PoolOp pool) {
  if (pool.getKind() != PoolKind::avg)
    return "only an average pool is linear";
  if (!conv->hasOneUse())
    return "the conv's result has other users";
  if (conv.getActivation() || conv.getResidual())
    return "the conv applies an activation or residual before the pool";
  if (!llvm::isa<FloatType>(getElementTypeOrSelf(conv.getType())) ||
      !llvm::isa<FloatType>(getElementTypeOrSelf(conv.getFilter().getType())) ||
      !conv.getType().hasStaticShape() || !conv.getFilter().getType().hasStaticShape() ||
      !pool.getType().hasStaticShape())
    return "not a float conv of static shape";
  if (pool.getLayout() != conv.getLayout())
    return "the pool and the conv have different layouts";
  if (llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; }))
    return "the conv is dilated";
  if (llvm::any_of(pool.getPads(), [](int64_t p) { return p != 0; }) || pool.getCeilMode())
    return "the pool pads its input";
  if (llvm::any_of(pool.getDilations(), [](int64_t d) { return d != 1; }))
    return "the pool is dilated";
  // Multiply-adds per pooled output: the merged window against the conv's
  // window times the pool's stride (the conv outputs per pooled output).
  int64_t firstSpatial = conv.getLayout() == Layout::channels_last ? 1 : 2;
  int64_t merged = 1, separate = 1;
  for (auto [i, stride] : llvm::enumerate(pool.getStrides())) {
    merged *= mergedKernel(conv, pool, i);
    separate *= conv.getFilter().getType().getDimSize(firstSpatial + i) * stride;
  }
  if (merged > separate)
    return "one conv would take more multiply-adds than the conv and the pool";
  return nullptr;
}

namespace {

/// avg_pool(conv(x, w), K, S) → conv(x, w'), with w' the sum over the
/// window's offsets u of w shifted by u·s, divided by the window size, and
/// stride s·S (see `whyNotFoldPool` for when).
struct FoldAvgPoolIntoConv : OpRewritePattern<PoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp pool, PatternRewriter &rewriter) const override {
    auto conv = pool.getInput().getDefiningOp<ConvOp>();
    if (!conv)
      return rewriter.notifyMatchFailure(pool, "input is not a conv");
    if (const char *why = whyNotFoldPool(conv, pool))
      return rewriter.notifyMatchFailure(pool, why);
    bool channelsLast = conv.getLayout() == Layout::channels_last;
    RankedTensorType filterType = conv.getFilter().getType();
    int64_t rank = filterType.getRank();
    int64_t spatialRank = rank - 2;
    int64_t firstSpatial = channelsLast ? 1 : 2;
    ArrayRef<int64_t> window = pool.getKernel(), poolStrides = pool.getStrides();
    ArrayRef<int64_t> convStrides = conv.getStrides(), convPads = conv.getPads();
    auto inputShape = conv.getInput().getType().getShape();
    auto pooledShape = pool.getType().getShape();

    SmallVector<int64_t> kernel, strides, pads(convPads);
    int64_t windowSize = 1;
    for (int64_t i = 0; i < spatialRank; ++i) {
      int64_t merged = mergedKernel(conv, pool, i);
      int64_t stride = convStrides[i] * poolStrides[i];
      // The smallest end padding giving the pooled size; the windows of the
      // pool lie inside the conv's result, so it never exceeds the conv's.
      int64_t in = inputShape[firstSpatial + i], out = pooledShape[firstSpatial + i];
      int64_t end = std::max<int64_t>(0, (out - 1) * stride + merged - in - convPads[i]);
      if (end > convPads[spatialRank + i] ||
          (in + convPads[i] + end - merged) / stride + 1 != out)
        return rewriter.notifyMatchFailure(pool, "the merged window does not fit");
      pads[spatialRank + i] = end;
      kernel.push_back(merged);
      strides.push_back(stride);
      windowSize *= window[i];
    }

    // w' = Σ_u pad(w, u·s before, (K−1−u)·s after) / |K|, for every offset u
    // of the pool window: layers that constant folding evaluates.
    Location loc = fusedLocation(conv, pool);
    Value filter;
    SmallVector<int64_t> offset(spatialRank, 0);
    while (true) {
      SmallVector<int64_t> padAmounts(2 * rank, 0);
      for (int64_t i = 0; i < spatialRank; ++i) {
        padAmounts[firstSpatial + i] = offset[i] * convStrides[i];
        padAmounts[rank + firstSpatial + i] = (window[i] - 1 - offset[i]) * convStrides[i];
      }
      Value shifted = PadOp::create(rewriter, loc, conv.getFilter(), padAmounts,
                                    PadMode::constant, APFloat(0.0));
      filter = filter ? AddOp::create(rewriter, loc, filter, shifted).getResult() : shifted;
      int64_t i = spatialRank - 1;
      while (i >= 0 && ++offset[i] == window[i])
        offset[i--] = 0;
      if (i < 0)
        break;
    }
    Type element = filterType.getElementType();
    filter = MulOp::create(rewriter, loc, filter,
                           scalarConstant(rewriter, loc, element, 1.0 / windowSize));
    auto merged = ConvOp::create(
        rewriter, loc, pool.getType(), conv.getInput(), filter, conv.getBias(),
        /*residual=*/Value(), rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads), conv.getDilationsAttr(), conv.getGroupsAttr(),
        conv.getLayoutAttr(), /*activation=*/nullptr);
    for (StringRef name : {"kiln.precision"})
      if (Attribute attr = conv->getAttr(name))
        merged->setAttr(name, attr);
    rewriter.replaceOp(pool, merged);
    rewriter.eraseOp(conv);
    return success();
  }
};

} // namespace

void kiln::populateConvPoolPatterns(RewritePatternSet &patterns) {
  patterns.addWithLabel<FoldAvgPoolIntoConv>({"conv-pool"}, patterns.getContext());
}
