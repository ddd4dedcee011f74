//===- SimplifyPatterns.cpp - the fusion catalog's non-epilogue rewrites --===//
//
// TensorRT's fusions that merge a layer into its neighbour rather than into
// an epilogue: pad + conv, softmax + log, softmax and log-softmax written
// out as their formulas, reduce → pool, shuffle + shuffle
// (transpose chains, flatten as reshape), activations exported as pointwise
// arithmetic (SiLU, Hardswish, GELU) recognized, and identity arithmetic
// erased.
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// conv(pad(x)) with zero constant padding of the spatial dimensions → conv
/// of x with the padding added to its own.
struct PadIntoConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    auto pad = conv.getInput().getDefiningOp<PadOp>();
    if (!pad)
      return rewriter.notifyMatchFailure(conv, "input is not a pad");
    if (pad.getMode() != PadMode::constant || !pad.getValue().isZero())
      return rewriter.notifyMatchFailure(conv, "pad is not zero-valued constant padding");
    int64_t rank = conv.getType().getRank();
    bool channelsLast = conv.getLayout() == Layout::channels_last;
    ArrayRef<int64_t> pads = pad.getPads();
    int64_t firstSpatial = channelsLast ? 1 : 2;
    int64_t spatialRank = rank - 2;
    SmallVector<int64_t> convPads(conv.getPads());
    for (int64_t dim = 0; dim < rank; ++dim) {
      bool spatial = dim >= firstSpatial && dim < firstSpatial + spatialRank;
      int64_t begin = pads[dim], end = pads[rank + dim];
      if (begin < 0 || end < 0)
        return rewriter.notifyMatchFailure(conv, "pad crops");
      if (!spatial && (begin || end))
        return rewriter.notifyMatchFailure(conv, "pad touches batch or channels");
      if (spatial) {
        convPads[dim - firstSpatial] += begin;
        convPads[spatialRank + dim - firstSpatial] += end;
      }
    }
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getInputMutable().assign(pad.getInput());
      conv.setPads(convPads);
      conv->setLoc(fusedLocation(pad, conv));
    });
    return success();
  }
};

/// log(softmax(x)) → log_softmax(x), which does not underflow.
struct SoftmaxLog : OpRewritePattern<LogOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LogOp log, PatternRewriter &rewriter) const override {
    auto softmax = log.getInput().getDefiningOp<SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(log, "input is not a single-use softmax");
    auto fused = LogSoftmaxOp::create(rewriter, fusedLocation(softmax, log),
                                      softmax.getInput(), softmax.getAxis());
    rewriter.replaceOp(log, fused);
    rewriter.eraseOp(softmax);
    return success();
  }
};

/// The users of `value`, when they are exactly `count` distinct ops each
/// using it once; empty otherwise.
SmallVector<Operation *, 2> exactUsers(Value value, size_t count) {
  SmallVector<Operation *, 2> users;
  for (OpOperand &use : value.getUses()) {
    if (llvm::is_contained(users, use.getOwner()))
      return {};
    users.push_back(use.getOwner());
  }
  if (users.size() != count)
    return {};
  return users;
}

/// The one op of type OpT among `users`, or null.
template <typename OpT>
OpT findUser(ArrayRef<Operation *> users) {
  OpT found;
  for (Operation *user : users)
    if (auto op = llvm::dyn_cast<OpT>(user)) {
      if (found)
        return {};
      found = op;
    }
  return found;
}

/// Softmax and log-softmax spelled out as ONNX's function bodies define them
/// (and as graphs that inline those functions carry them), matched from the
/// max:
///   m = reduce max(x, [a], keep_dims); s = x − m; e = exp(s);
///   r = reduce sum(e, [a], keep_dims)
///   softmax:     e / r          → softmax(x, a)
///   log_softmax: s − log(r)     → log_softmax(x, a)
/// Five or six layers become one kernel, whose arithmetic is float (double
/// sums) whatever the tensors' type: in an FP16 graph the formula's own
/// layers round x − m to half.
/// Rooted at the max with a higher benefit than the reduce → pool (1) and
/// shuffle + reduce (2) rewrites, which would otherwise take the max first.
struct ExpandedSoftmax : OpRewritePattern<ReduceOp> {
  explicit ExpandedSoftmax(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(ReduceOp max, PatternRewriter &rewriter) const override {
    Value x = max.getInput();
    auto type = llvm::cast<RankedTensorType>(x.getType());
    if (max.getKind() != ReduceKind::max || max.getAxes().size() != 1 ||
        !max.getKeepDims() || !llvm::isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(max, "not a float max over one axis keeping it");
    int64_t axis = max.getAxes().front();
    auto shifted = max->hasOneUse() ? llvm::dyn_cast<SubOp>(*max->user_begin()) : SubOp();
    if (!shifted || shifted.getLhs() != x || shifted.getRhs() != max.getResult() ||
        shifted.getType() != type)
      return rewriter.notifyMatchFailure(max, "the max is not only subtracted from x");
    // softmax: s feeds exp only; log_softmax: exp and the final subtraction.
    SmallVector<Operation *, 2> shiftedUsers = exactUsers(shifted.getResult(), 1);
    bool log = shiftedUsers.empty();
    if (log)
      shiftedUsers = exactUsers(shifted.getResult(), 2);
    auto exp = findUser<ExpOp>(shiftedUsers);
    if (!exp)
      return rewriter.notifyMatchFailure(max, "x − max does not feed one exp");
    SmallVector<Operation *, 2> expUsers = exactUsers(exp.getResult(), log ? 1 : 2);
    auto sum = findUser<ReduceOp>(expUsers);
    if (!sum || sum.getKind() != ReduceKind::sum || sum.getAxes() != max.getAxes() ||
        !sum.getKeepDims())
      return rewriter.notifyMatchFailure(max, "exp is not summed over the max's axis");
    if (!sum->hasOneUse())
      return rewriter.notifyMatchFailure(max, "the sum does not have exactly one user");
    SmallVector<Location> locs = {max.getLoc(), shifted.getLoc(), exp.getLoc(), sum.getLoc()};
    if (!log) {
      auto div = findUser<DivOp>(expUsers);
      if (!div || div.getLhs() != exp.getResult() || div.getRhs() != sum.getResult() ||
          div.getType() != type)
        return rewriter.notifyMatchFailure(max, "exp is not divided by its sum");
      locs.push_back(div.getLoc());
      auto fused = SoftmaxOp::create(rewriter, rewriter.getFusedLoc(locs), x, axis);
      rewriter.replaceOp(div, fused);
    } else {
      auto logSum = llvm::dyn_cast<LogOp>(*sum->user_begin());
      auto tail = findUser<SubOp>(shiftedUsers);
      if (!logSum || !tail || !logSum->hasOneUse() ||
          tail.getLhs() != shifted.getResult() || tail.getRhs() != logSum.getResult() ||
          tail.getType() != type)
        return rewriter.notifyMatchFailure(max, "not x − max − log of the sum");
      locs.append({logSum.getLoc(), tail.getLoc()});
      auto fused = LogSoftmaxOp::create(rewriter, rewriter.getFusedLoc(locs), x, axis);
      rewriter.replaceOp(tail, fused);
      rewriter.eraseOp(logSum);
    }
    for (Operation *op : {sum.getOperation(), exp.getOperation(), shifted.getOperation(),
                          max.getOperation()})
      rewriter.eraseOp(op);
    return success();
  }
};

/// reduce mean/max over every spatial dimension → global average/max pool
/// (a reshape drops the unit dimensions when the reduce did not keep them).
struct ReduceToGlobalPool : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rewriter) const override {
    std::optional<PoolKind> kind;
    if (reduce.getKind() == ReduceKind::mean)
      kind = PoolKind::avg;
    else if (reduce.getKind() == ReduceKind::max)
      kind = PoolKind::max;
    auto input = reduce.getInput().getType();
    if (!kind || !llvm::isa<FloatType>(input.getElementType()) || input.getRank() < 3)
      return rewriter.notifyMatchFailure(reduce, "not a float mean or max of rank 3+");
    int64_t rank = input.getRank();
    ArrayRef<int64_t> axes = reduce.getAxes();
    auto spans = [&](int64_t first) {
      return static_cast<int64_t>(axes.size()) == rank - 2 &&
             llvm::all_of(llvm::enumerate(axes), [&](auto entry) {
               return entry.value() == first + static_cast<int64_t>(entry.index());
             });
    };
    std::optional<Layout> layout;
    if (spans(2))
      layout = Layout::channels_first;
    else if (spans(1))
      layout = Layout::channels_last;
    if (!layout)
      return rewriter.notifyMatchFailure(reduce, "axes are not exactly the spatial ones");
    Value pooled = GlobalPoolOp::create(rewriter, reduce.getLoc(), reduce.getInput(),
                                        *kind, *layout);
    if (pooled.getType() != reduce.getType())
      pooled = ReshapeOp::create(rewriter, reduce.getLoc(), reduce.getType(), pooled);
    rewriter.replaceOp(reduce, pooled);
    return success();
  }
};

/// transpose(transpose(x, p), q) → transpose(x, p∘q); identities fold away.
struct TransposeChain : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp outer, PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(outer, "input is not a transpose");
    ArrayRef<int64_t> p = inner.getPermutation(), q = outer.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t i : q)
      composed.push_back(p[i]);
    bool identity = llvm::all_of(llvm::enumerate(composed), [](auto entry) {
      return entry.value() == static_cast<int64_t>(entry.index());
    });
    if (identity)
      rewriter.replaceOp(outer, inner.getInput());
    else
      rewriter.replaceOpWithNewOp<TransposeOp>(outer, inner.getInput(), composed);
    return success();
  }
};

/// The other operand of a binary op, when one operand is `value`.
Value otherOperand(Operation *binary, Value value) {
  if (binary->getOperand(0) == value)
    return binary->getOperand(1);
  if (binary->getOperand(1) == value)
    return binary->getOperand(0);
  return {};
}

/// x · sigmoid(x) → silu(x), x · hard_sigmoid(x; 1/6, 1/2) → hard_swish(x):
/// how PyTorch exports SiLU and Hardswish (EfficientNet, MobileNetV3).
struct GatedActivation : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (Value gate : {mul.getLhs(), mul.getRhs()}) {
      Operation *gateOp = gate.getDefiningOp();
      if (!gateOp || !gate.hasOneUse() || gateOp->getNumOperands() != 1)
        continue;
      Value x = gateOp->getOperand(0);
      if (otherOperand(mul, gate) != x || x.getType() != mul.getType())
        continue;
      Location loc = fusedLocation(gateOp, mul);
      if (llvm::isa<SigmoidOp>(gateOp)) {
        rewriter.replaceOp(mul, SiluOp::create(rewriter, loc, x));
        rewriter.eraseOp(gateOp);
        return success();
      }
      if (auto hard = llvm::dyn_cast<HardSigmoidOp>(gateOp);
          hard && std::abs(hard.getAlpha().convertToDouble() - 1.0 / 6) < 1e-7 &&
          hard.getBeta().convertToDouble() == 0.5) {
        rewriter.replaceOp(mul, HardSwishOp::create(rewriter, loc, x));
        rewriter.eraseOp(gateOp);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(mul, "not x times a sigmoid of x");
  }
};

/// Whether `value` is a constant splat equal to `expected` within float
/// rounding of the exported literal.
bool isSplatNear(Value value, double expected) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      !llvm::isa<FloatType>(attr.getElementType()))
    return false;
  return std::abs(attr.getSplatValue<APFloat>().convertToDouble() - expected) <=
         1e-6 * std::abs(expected);
}

/// The erf form of GELU as PyTorch exports it before opset 20,
/// `(x · (erf(x / √2) + 1)) · 0.5` in any operand order → gelu(x).
struct ErfGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp outer, PatternRewriter &rewriter) const override {
    for (Value half : {outer.getLhs(), outer.getRhs()}) {
      if (!isSplatNear(half, 0.5))
        continue;
      auto inner = otherOperand(outer, half).getDefiningOp<MulOp>();
      if (!inner || !inner->hasOneUse())
        continue;
      for (Value onePlus : {inner.getLhs(), inner.getRhs()}) {
        auto add = onePlus.getDefiningOp<AddOp>();
        Value x = otherOperand(inner, onePlus);
        if (!add || !add->hasOneUse() || x.getType() != outer.getType())
          continue;
        for (Value erfValue : {add.getLhs(), add.getRhs()}) {
          auto erf = erfValue.getDefiningOp<ErfOp>();
          if (!erf || !erf->hasOneUse() || !isSplatNear(otherOperand(add, erfValue), 1.0))
            continue;
          auto div = erf.getInput().getDefiningOp<DivOp>();
          bool scaled = div && div.getLhs() == x && isSplatNear(div.getRhs(), M_SQRT2);
          auto mulInv = erf.getInput().getDefiningOp<MulOp>();
          bool scaledByInverse = mulInv && otherOperand(mulInv, x) &&
                                 isSplatNear(otherOperand(mulInv, x), M_SQRT1_2);
          if (!scaled && !scaledByInverse)
            continue;
          Location loc = FusedLoc::get(outer.getContext(),
                                       {erf.getLoc(), add.getLoc(), inner.getLoc(),
                                        outer.getLoc()});
          rewriter.replaceOp(outer, GeluOp::create(rewriter, loc, x,
                                                   GeluApproximation::none));
          return success();
        }
      }
    }
    return rewriter.notifyMatchFailure(outer, "not the erf form of gelu");
  }
};

/// flatten is a reshape whose shape is inferred: as a reshape it folds into
/// neighbouring reshapes.
struct FlattenToReshape : OpRewritePattern<FlattenOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FlattenOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

/// Whether `value` is a constant whose every element equals `expected`.
bool isSplatOf(Value value, double expected) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      !llvm::isa<FloatType>(attr.getElementType()))
    return false;
  return attr.getSplatValue<APFloat>().convertToDouble() == expected;
}

/// x · 1, x / 1, x + 0 and x − 0 → x, when the constant does not broadcast x
/// to a larger shape. (x + 0 turns −0 into +0; no network can tell.)
template <typename OpT, int Identity, bool EitherSide>
struct EraseIdentityArithmetic : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    for (auto [value, other] : {std::pair{op.getLhs(), op.getRhs()},
                                std::pair{op.getRhs(), op.getLhs()}}) {
      if (value.getType() == op.getType() && isSplatOf(other, Identity)) {
        rewriter.replaceOp(op, value);
        return success();
      }
      if (!EitherSide)
        break;
    }
    return rewriter.notifyMatchFailure(op, "no identity constant operand");
  }
};

} // namespace

void kiln::populateSoftmaxFormulaPatterns(RewritePatternSet &patterns) {
  patterns.addWithLabel<ExpandedSoftmax>({"expanded-softmax"}, patterns.getContext());
}

void kiln::populateSimplifyPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  // Labelled so that passes can count them by kind (kiln::PatternCounter).
  patterns.addWithLabel<PadIntoConv>({"pad-into-conv"}, context);
  patterns.addWithLabel<SoftmaxLog>({"log-softmax"}, context);
  populateSoftmaxFormulaPatterns(patterns);
  patterns.addWithLabel<ReduceToGlobalPool>({"global-pool"}, context);
  patterns.addWithLabel<TransposeChain>({"transpose-chain"}, context);
  patterns.addWithLabel<FlattenToReshape>({"flatten-to-reshape"}, context);
  patterns.addWithLabel<GatedActivation>({"gated-activation"}, context);
  patterns.addWithLabel<ErfGelu>({"erf-gelu"}, context);
  patterns.addWithLabel<EraseIdentityArithmetic<MulOp, 1, true>,
                        EraseIdentityArithmetic<DivOp, 1, false>,
                        EraseIdentityArithmetic<AddOp, 0, true>,
                        EraseIdentityArithmetic<SubOp, 0, false>>({"identity-arithmetic"},
                                                                  context);
  populateShuffleReducePatterns(patterns);
}
