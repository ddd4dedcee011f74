//===- ConvertLayout.cpp - channels-last layers, transposes at the edges --===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

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
  ToChannelsLast(MLIRContext *context, llvm::Statistic &count)
      : OpInterfaceRewritePattern(context), count(count) {}

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
    for (OpOperand &operand : op->getOpOperands())
      operands.push_back(
          isLaidOut(op, operand)
              ? transpose(rewriter,
                          reformatLoc(op, "input " + Twine(operand.getOperandNumber())),
                          operand.get(), forward)
              : operand.get());
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
    return success();
  }

  llvm::Statistic &count;
};

/// f(transpose(x)) → transpose(f(x)) for unary pointwise layers.
struct SinkThroughUnary : OpInterfaceRewritePattern<PointwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not unary");
    auto input = op->getOperand(0).getDefiningOp<TransposeOp>();
    if (!input || !input->hasOneUse())
      return rewriter.notifyMatchFailure(op, "input is not a single-use transpose");
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

/// Whether `value` sits at the graph's edge: a function argument or a
/// constant, which may take a transpose without adding one inside the graph.
bool isEdge(Value value) {
  return llvm::isa<BlockArgument>(value) || matchPattern(value, m_Constant());
}

/// g(transpose(a, p), transpose(b, p)) → transpose(g(a, b), p), and
/// g(transpose(a, p), e) → transpose(g(a, transpose(e, p⁻¹)), p) for an edge e,
/// for binary pointwise layers on operands of one rank.
struct SinkThroughBinary : OpInterfaceRewritePattern<PointwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 2 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not binary");
    auto result = llvm::cast<RankedTensorType>(op->getResult(0).getType());
    std::optional<SmallVector<int64_t>> permutation;
    for (Value operand : op->getOperands()) {
      if (llvm::cast<RankedTensorType>(operand.getType()).getRank() != result.getRank())
        return rewriter.notifyMatchFailure(op, "operands of different ranks");
      if (auto t = operand.getDefiningOp<TransposeOp>(); t && t->hasOneUse()) {
        if (permutation && ArrayRef<int64_t>(*permutation) != t.getPermutation())
          return rewriter.notifyMatchFailure(op, "different permutations");
        permutation = SmallVector<int64_t>(t.getPermutation());
      }
    }
    if (!permutation)
      return rewriter.notifyMatchFailure(op, "no transposed operand");
    SmallVector<int64_t> inverse = invert(*permutation);
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (auto t = operand.getDefiningOp<TransposeOp>();
          t && t->hasOneUse() && t.getPermutation() == ArrayRef<int64_t>(*permutation))
        operands.push_back(t.getInput());
      else if (isEdge(operand))
        operands.push_back(transpose(rewriter, op->getLoc(), operand, inverse));
      else
        return rewriter.notifyMatchFailure(op, "other operand is inside the graph");
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
    auto input = op.getInput().getType();
    int64_t last = -1;
    for (int64_t p : op.getPermutation()) {
      if (input.getDimSize(p) == 1)
        continue;
      if (p < last)
        return rewriter.notifyMatchFailure(op, "moves a dimension larger than 1");
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

struct ConvertLayoutPass : kiln::impl::ConvertLayoutPassBase<ConvertLayoutPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ToChannelsLast>(&getContext(), numConverted);
    patterns.add<SinkThroughUnary, SinkThroughBinary, SinkThroughConcat, SinkThroughSlice,
                 UnitTransposeToReshape>(&getContext());
    populateSimplifyPatterns(patterns); // Transpose chains compose and cancel.
    ReshapeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
