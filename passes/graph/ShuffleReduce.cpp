//===- ShuffleReduce.cpp - reductions read through shuffles ---------------===//
//
// TensorRT's "shuffle and reduce" fusion: a reduction over a transposed or
// reshaped tensor reduces the original tensor over the matching axes
// instead, and the shuffle moves after it, where it handles fewer elements
// (or becomes a reshape, a view, or nothing).
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"

#include "dialects/nn/NNShapes.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// `value` reshaped to `type`, or itself when it has that type already.
Value reshapeTo(PatternRewriter &rewriter, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return ReshapeOp::create(rewriter, loc, type, value);
}

/// reduce(transpose(x, p), axes) → reduce(x, p[axes]) followed by the
/// transpose of the kept dimensions (a reshape when it only moves unit
/// dimensions, nothing when it keeps their order).
struct ReduceOfTranspose : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rewriter) const override {
    auto t = reduce.getInput().getDefiningOp<TransposeOp>();
    if (!t)
      return rewriter.notifyMatchFailure(reduce, "input is not a transpose");
    ArrayRef<int64_t> p = t.getPermutation();
    int64_t rank = p.size();
    SmallVector<bool> reduced(rank, false);
    SmallVector<int64_t> axes;
    for (int64_t axis : reduce.getAxes()) {
      reduced[axis] = true;
      axes.push_back(p[axis]);
    }
    llvm::sort(axes);
    bool keepDims = reduce.getKeepDims();
    Location loc = fusedLocation(t, reduce);
    Value inner = ReduceOp::create(rewriter, loc, t.getInput(), reduce.getKind(), axes,
                                   keepDims);
    // The permutation of `inner`'s dimensions that gives the result's order.
    SmallVector<int64_t> order;
    if (keepDims) {
      order.assign(p.begin(), p.end());
    } else {
      SmallVector<int64_t> position(rank, -1); // x dimension → inner dimension
      int64_t next = 0;
      for (int64_t d = 0; d < rank; ++d)
        if (!llvm::is_contained(axes, d))
          position[d] = next++;
      for (int64_t i = 0; i < rank; ++i)
        if (!reduced[i])
          order.push_back(position[p[i]]);
    }
    auto innerType = llvm::cast<RankedTensorType>(inner.getType());
    Value result;
    if (transposeKeepsOrder(innerType.getShape(), order))
      result = reshapeTo(rewriter, loc, inner, reduce.getType());
    else
      result = TransposeOp::create(rewriter, t.getLoc(), inner, order);
    rewriter.replaceOp(reduce, result);
    return success();
  }
};

/// A run of input dimensions and a run of reshaped dimensions holding the
/// same elements: [inBegin, inEnd) of the input, [outBegin, outEnd) of the
/// reshape's result.
struct DimGroup {
  int64_t inBegin, inEnd, outBegin, outEnd;
};

/// The smallest runs of dimensions that a reshape from `in` to `out` maps
/// onto each other, or nullopt when a dimension is dynamic or empty.
std::optional<SmallVector<DimGroup>> groupDims(ArrayRef<int64_t> in,
                                               ArrayRef<int64_t> out) {
  if (llvm::any_of(in, [](int64_t d) { return d <= 0; }) ||
      llvm::any_of(out, [](int64_t d) { return d <= 0; }))
    return std::nullopt;
  SmallVector<DimGroup> groups;
  int64_t i = 0, j = 0, nIn = in.size(), nOut = out.size();
  while (i < nIn && j < nOut) {
    DimGroup group{i, i + 1, j, j + 1};
    int64_t a = in[i], b = out[j];
    while (a != b) {
      if (a < b) {
        if (group.inEnd == nIn)
          return std::nullopt;
        a *= in[group.inEnd++];
      } else {
        if (group.outEnd == nOut)
          return std::nullopt;
        b *= out[group.outEnd++];
      }
    }
    groups.push_back(group);
    i = group.inEnd;
    j = group.outEnd;
  }
  // Trailing unit dimensions join the last group.
  if (groups.empty())
    return std::nullopt;
  groups.back().inEnd = nIn;
  groups.back().outEnd = nOut;
  return groups;
}

/// reduce(reshape(x), axes) → reshape(reduce(x, axes')) when the reshape
/// only splits or merges runs of dimensions that are each wholly reduced or
/// wholly kept: the reduction then sees the same elements for each kept
/// index. A reshape that mixes reduced and kept dimensions in one run
/// (1×6 → 2×3, reducing only the 2) is left alone.
struct ReduceOfReshape : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rewriter) const override {
    auto reshape = reduce.getInput().getDefiningOp<ReshapeOp>();
    if (!reshape)
      return rewriter.notifyMatchFailure(reduce, "input is not a reshape");
    auto inType = llvm::cast<RankedTensorType>(reshape.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(reshape.getType());
    if (!inType.hasStaticShape() || !outType.hasStaticShape())
      return rewriter.notifyMatchFailure(reduce, "dynamic shape");
    auto groups = groupDims(inType.getShape(), outType.getShape());
    if (!groups)
      return rewriter.notifyMatchFailure(reduce, "reshape does not group dimensions");
    ArrayRef<int64_t> reduceAxes = reduce.getAxes();
    SmallVector<int64_t> axes;
    for (const DimGroup &group : *groups) {
      // Unit dimensions do not decide whether a run is reduced.
      int64_t reducedCount = 0, keptCount = 0;
      for (int64_t d = group.outBegin; d < group.outEnd; ++d) {
        if (outType.getDimSize(d) == 1)
          continue;
        (llvm::is_contained(reduceAxes, d) ? reducedCount : keptCount)++;
      }
      bool anyReducedUnit = llvm::any_of(reduceAxes, [&](int64_t d) {
        return d >= group.outBegin && d < group.outEnd;
      });
      if (reducedCount && keptCount)
        return rewriter.notifyMatchFailure(
            reduce, "the reshape mixes reduced and kept dimensions in one run");
      if (reducedCount || (anyReducedUnit && !keptCount)) {
        for (int64_t d = group.inBegin; d < group.inEnd; ++d)
          axes.push_back(d);
      }
    }
    if (axes.empty())
      return rewriter.notifyMatchFailure(reduce, "reduces only unit dimensions");
    Location loc = fusedLocation(reshape, reduce);
    Value inner = ReduceOp::create(rewriter, loc, reshape.getInput(), reduce.getKind(),
                                   axes, reduce.getKeepDims());
    rewriter.replaceOp(reduce, reshapeTo(rewriter, loc, inner, reduce.getType()));
    return success();
  }
};

} // namespace

void kiln::populateShuffleReducePatterns(RewritePatternSet &patterns) {
  // Before reduce → global pool, which would otherwise pool the shuffled
  // tensor (in the layout it happens to have after the shuffle).
  patterns.addWithLabel<ReduceOfTranspose, ReduceOfReshape>(
      {"shuffle-reduce"}, patterns.getContext(), /*benefit=*/2);
}
