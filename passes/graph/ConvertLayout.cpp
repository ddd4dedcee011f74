//===- ConvertLayout.cpp - channels-last layers, transposes at the edges --===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "kiln-convert-layout"

namespace kiln {
#define GEN_PASS_DEF_CONVERTLAYOUTPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// N C D1 … Dk → N D1 … Dk C, and its inverse.
SmallVector<int64_t> toChannelsLast(int64_t rank) {
  SmallVector<int64_t> permutation{0};
  for (int64_t i = 2; i < rank; ++i)
    permutation.push_back(i);
  permutation.push_back(1);
  return permutation;
}

SmallVector<int64_t> invert(ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> inverse(permutation.size());
  for (auto [i, p] : llvm::enumerate(permutation))
    inverse[p] = i;
  return inverse;
}

Value transpose(OpBuilder &builder, Location loc, Value value,
                ArrayRef<int64_t> permutation) {
  return TransposeOp::create(builder, loc, value, permutation);
}

/// A reformat layer's location, named as TensorRT names them
/// ("Reformat input 0 of conv1"), so reports do not take it for the layer.
Location reformatLoc(Operation *layer, const Twine &what) {
  std::string name = getLayerName(layer);
  if (name.empty())
    name = layer->getName().getStringRef().str();
  return NameLoc::get(StringAttr::get(layer->getContext(), "Reformat " + what + " of " + name));
}

/// Operands of a layout-sensitive layer that are laid out like its
/// activations (data and residual) or like a filter (which has the same
/// position of its channels), as opposed to 1-D per-channel parameters.
bool isLaidOut(Operation *op, OpOperand &operand) {
  auto type = llvm::cast<RankedTensorType>(operand.get().getType());
  auto result = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  return type.getRank() == result.getRank() && type.getRank() >= 3;
}

/// A channels-first layer → transpose in, channels-last layer, transpose out.
struct ToChannelsLast : OpInterfaceRewritePattern<LayoutSensitiveOpInterface> {
  ToChannelsLast(MLIRContext *context, kiln::PassStatistic &count,
                 kiln::PassStatistic &transposes)
      : OpInterfaceRewritePattern(context), count(count), transposes(transposes) {}

  LogicalResult matchAndRewrite(LayoutSensitiveOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op.getDataLayout() != Layout::channels_first)
      return rewriter.notifyMatchFailure(op, "already channels-last");
    auto resultType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
    int64_t rank = resultType.getRank();
    if (rank < 3 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "no spatial dimensions");
    SmallVector<int64_t> forward = toChannelsLast(rank);
    SmallVector<Value> operands;
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isLaidOut(op, operand)) {
        operands.push_back(operand.get());
        continue;
      }
      operands.push_back(transpose(
          rewriter, reformatLoc(op, "input " + Twine(operand.getOperandNumber())),
          operand.get(), forward));
      ++transposes;
    }
    Operation *converted = rewriter.clone(*op);
    converted->setOperands(operands);
    converted->setAttr("layout",
                       LayoutAttr::get(rewriter.getContext(), Layout::channels_last));
    SmallVector<int64_t> shape;
    for (int64_t p : forward)
      shape.push_back(resultType.getDimSize(p));
    converted->getResult(0).setType(resultType.clone(shape));
    rewriter.replaceOp(op, transpose(rewriter, reformatLoc(op, "output"),
                                     converted->getResult(0), invert(forward)));
    ++count;
    ++transposes;
    return success();
  }

  kiln::PassStatistic &count, &transposes;
};

/// Whether `value` sits at the graph's edge: a function argument or a
/// constant, which may take a transpose without adding one inside the graph.
bool isEdge(Value value) {
  return llvm::isa<BlockArgument>(value) || matchPattern(value, m_Constant());
}

/// Whether `value` can be laid out by `inverse` without a copy inside the
/// graph: at the edge, or moving only unit dimensions (the squeeze-and-
/// excitation gate, N×C×1×1, is such a value).
bool isFreeToTranspose(Value value, ArrayRef<int64_t> inverse) {
  return isEdge(value) ||
         transposeKeepsOrder(llvm::cast<RankedTensorType>(value.getType()).getShape(), inverse);
}

/// Whether a transpose by `permutation` arriving as `from` sinks through the
/// pointwise `user`: unary, or binary on operands of one rank whose other
/// operand is a transpose by the same permutation or free to transpose back.
bool sinksThroughPointwise(Operation *user, Value from, ArrayRef<int64_t> permutation) {
  if (!llvm::isa<PointwiseOpInterface>(user) || user->getNumResults() != 1)
    return false;
  if (user->getNumOperands() == 1)
    return true;
  if (user->getNumOperands() != 2)
    return false;
  auto result = llvm::cast<RankedTensorType>(user->getResult(0).getType());
  SmallVector<int64_t> inverse = invert(permutation);
  // A transpose that costs nothing where it is (of an edge, or moving only
  // unit dimensions) does not move if that means transposing another
  // operand back: the two would trade places forever.
  auto arriving = from.getDefiningOp<TransposeOp>();
  bool arrivesFree = arriving && isFreeToTranspose(arriving.getInput(), permutation);
  for (Value operand : user->getOperands()) {
    if (llvm::cast<RankedTensorType>(operand.getType()).getRank() != result.getRank())
      return false;
    if (operand == from)
      continue;
    auto t = operand.getDefiningOp<TransposeOp>();
    if (t && t.getPermutation() == permutation)
      continue;
    if (arrivesFree || !isFreeToTranspose(operand, inverse))
      return false;
  }
  return true;
}

/// Whether `user` is a channels-first layer that the pass converts: the
/// transpose into its channels-last form composes with a transpose before it.
bool isChannelsFirstLayer(Operation *user) {
  auto layer = llvm::dyn_cast<LayoutSensitiveOpInterface>(user);
  return layer && layer.getDataLayout() == Layout::channels_first &&
         user->getNumResults() == 1 &&
         llvm::cast<RankedTensorType>(user->getResult(0).getType()).getRank() >= 3;
}

/// Whether a transpose arriving at `user` as `from` disappears there or
/// within `depth` pointwise layers after it (composed with another transpose
/// or taken in by a channels-first layer), rather than ending in a copy.
bool cancelsBelow(Operation *user, Value from, ArrayRef<int64_t> permutation,
                  unsigned depth) {
  if (llvm::isa<TransposeOp>(user) || isChannelsFirstLayer(user))
    return true;
  Value result = user->getNumResults() == 1 ? user->getResult(0) : Value();
  if (!depth || !sinksThroughPointwise(user, from, permutation) || result.use_empty())
    return false;
  return llvm::all_of(result.getUsers(), [&](Operation *next) {
    return cancelsBelow(next, result, permutation, depth - 1);
  });
}

/// Whether `t` may sink through each of its users without adding copies:
/// every user takes it (pointwise layers that sink it, transposes it
/// composes with, slices, channels-first layers whose input transpose
/// cancels it), and at most one of them carries it on to a copy that does
/// not cancel within a few layers. A transpose with several users
/// (EfficientNet's gated value, read by the squeeze pool and by the gate's
/// multiply) then moves through all of them and disappears.
bool allUsersSink(TransposeOp t) {
  if (t->hasOneUse())
    return true;
  ArrayRef<int64_t> permutation = t.getPermutation();
  unsigned copies = 0;
  for (Operation *user : t->getUsers()) {
    if (!llvm::isa<TransposeOp, SliceOp>(user) && !isChannelsFirstLayer(user) &&
        !sinksThroughPointwise(user, t, permutation))
      return false;
    if (!cancelsBelow(user, t, permutation, /*depth=*/3))
      ++copies;
  }
  return copies <= 1;
}

/// The permutation of a transposed operand of the binary pointwise `op`
/// that sinks through it (see `sinksThroughPointwise`) and whose other users
/// take it too.
std::optional<SmallVector<int64_t>> getSinkablePermutation(Operation *op) {
  for (Value operand : op->getOperands()) {
    auto t = operand.getDefiningOp<TransposeOp>();
    if (t && allUsersSink(t) && sinksThroughPointwise(op, t, t.getPermutation()))
      return SmallVector<int64_t>(t.getPermutation());
  }
  return std::nullopt;
}

/// f(transpose(x)) → transpose(f(x)) for unary pointwise layers.
struct SinkThroughUnary : OpInterfaceRewritePattern<PointwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not unary");
    auto input = op->getOperand(0).getDefiningOp<TransposeOp>();
    if (!input || !allUsersSink(input))
      return rewriter.notifyMatchFailure(
          op, "input is not a transpose that every user of it sinks");
    Operation *moved = rewriter.clone(*op);
    moved->setOperand(0, input.getInput());
    auto resultType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
    moved->getResult(0).setType(resultType.clone(
        llvm::cast<RankedTensorType>(input.getInput().getType()).getShape()));
    rewriter.replaceOp(op, transpose(rewriter, op->getLoc(), moved->getResult(0),
                                     input.getPermutation()));
    return success();
  }
};

/// g(transpose(a, p), transpose(b, p)) → transpose(g(a, b), p), and
/// g(transpose(a, p), e) → transpose(g(a, transpose(e, p⁻¹)), p) where e is
/// an edge or p⁻¹ moves only its unit dimensions (then the transpose is a
/// reshape), for binary pointwise layers on operands of one rank.
struct SinkThroughBinary : OpInterfaceRewritePattern<PointwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 2 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not binary");
    std::optional<SmallVector<int64_t>> permutation =
        getSinkablePermutation(op);
    if (!permutation)
      return rewriter.notifyMatchFailure(
          op, "no transposed operand, different permutations, or an operand "
              "inside the graph that would need a copy");
    auto result = llvm::cast<RankedTensorType>(op->getResult(0).getType());
    SmallVector<int64_t> inverse = invert(*permutation);
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (auto t = operand.getDefiningOp<TransposeOp>();
          t && t.getPermutation() == ArrayRef<int64_t>(*permutation))
        operands.push_back(t.getInput());
      else
        operands.push_back(transpose(rewriter, op->getLoc(), operand, inverse));
    }
    Operation *moved = rewriter.clone(*op);
    moved->setOperands(operands);
    SmallVector<int64_t> shape;
    for (int64_t p : inverse)
      shape.push_back(result.getDimSize(p));
    moved->getResult(0).setType(result.clone(shape));
    rewriter.replaceOp(op, transpose(rewriter, op->getLoc(), moved->getResult(0),
                                     *permutation));
    return success();
  }
};

/// concat(transpose(xᵢ, p), axis) → transpose(concat(xᵢ, p[axis]), p).
struct SinkThroughConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp concat, PatternRewriter &rewriter) const override {
    std::optional<ArrayRef<int64_t>> permutation;
    SmallVector<Value> inputs;
    for (Value input : concat.getInputs()) {
      auto t = input.getDefiningOp<TransposeOp>();
      if (!t || !t->hasOneUse() || (permutation && *permutation != t.getPermutation()))
        return rewriter.notifyMatchFailure(concat, "inputs are not alike transposes");
      permutation = t.getPermutation();
      inputs.push_back(t.getInput());
    }
    int64_t axis = (*permutation)[concat.getAxis()];
    Value joined = ConcatOp::create(rewriter, concat.getLoc(), inputs, axis);
    rewriter.replaceOp(concat, transpose(rewriter, concat.getLoc(), joined, *permutation));
    return success();
  }
};

/// slice(transpose(x, p)) → transpose(slice(x) with bounds permuted back, p).
/// The transpose may have other users (the slices of a merged convolution):
/// each slice then transposes only its own part, no more work than before.
struct SinkThroughSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SliceOp slice, PatternRewriter &rewriter) const override {
    auto t = slice.getInput().getDefiningOp<TransposeOp>();
    if (!t)
      return rewriter.notifyMatchFailure(slice, "input is not a transpose");
    ArrayRef<int64_t> p = t.getPermutation();
    int64_t rank = p.size();
    SmallVector<int64_t> starts(rank), ends(rank), steps(rank);
    for (int64_t i = 0; i < rank; ++i) {
      starts[p[i]] = slice.getStarts()[i];
      ends[p[i]] = slice.getEnds()[i];
      steps[p[i]] = slice.getSteps()[i];
    }
    Value inner = SliceOp::create(rewriter, slice.getLoc(), t.getInput(), starts, ends, steps);
    rewriter.replaceOp(slice, transpose(rewriter, t.getLoc(), inner, p));
    return success();
  }
};

/// A transpose that moves only unit dimensions keeps the element order: it
/// is a reshape (and reshapes fold together).
struct UnitTransposeToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    if (!transposeKeepsOrder(op.getInput().getType().getShape(), op.getPermutation()))
      return rewriter.notifyMatchFailure(op, "moves a dimension larger than 1");
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

struct ConvertLayoutPass : kiln::impl::ConvertLayoutPassBase<ConvertLayoutPass> {
  ConvertLayoutPass() = default;
  ConvertLayoutPass(const ConvertLayoutPass &other) : ConvertLayoutPassBase(other) {}

  kiln::PassStatistic numConverted{this, "converted-layers",
                                   "Layers turned channels-last"};
  kiln::PassStatistic numInserted{this, "transposes-inserted",
                                  "Transposes put around the converted layers"};
  kiln::PassStatistic numLeft{this, "transposes-left",
                              "Transposes in the function once they moved and cancelled"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ToChannelsLast>(&getContext(), numConverted, numInserted);
    patterns.add<SinkThroughUnary, SinkThroughBinary, SinkThroughConcat, SinkThroughSlice,
                 UnitTransposeToReshape>(&getContext());
    populateSimplifyPatterns(patterns); // Transpose chains compose and cancel.
    ReshapeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([&](TransposeOp) { ++numLeft; });
  }
};

} // namespace
