//===- FuseAttention.cpp - replace exported attention by one nn.attention -===//
//
// torch.onnx.export writes a transformer's scaled dot-product attention as a
// dozen layers: head transposes, scalar scales, q · kᵀ, the mask add, the
// softmax, a NaN guard and p · v. This pass finds that chain from its softmax
// and replaces it by one `nn.attention`, in layout bshd when the heads come
// from and go back to `B × S × H × D` through transposes (which then vanish).
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

#define DEBUG_TYPE "kiln-fuse-attention"

namespace kiln {
#define GEN_PASS_DEF_FUSEATTENTIONPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

constexpr int64_t kSwapSequenceAndHeads[] = {0, 2, 1, 3};
constexpr int64_t kSwapLastTwo[] = {0, 1, 3, 2};
/// `B × S × H × D` → `B × H × D × S`: kᵀ straight from the projection.
constexpr int64_t kProjectionToKeyT[] = {0, 2, 3, 1};

/// The value of a float constant with one element, if `value` is one.
std::optional<double> getScalarConstant(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || attr.getNumElements() != 1 ||
      !llvm::isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return (*attr.value_begin<APFloat>()).convertToDouble();
}

bool isFloatRank4(Value value) {
  auto type = llvm::dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4 && llvm::isa<FloatType>(type.getElementType());
}

/// The attention chain found from a softmax, before anything is rewritten.
struct AttentionMatch {
  Value q, kT, v, bias;
  double scale = 1.0;
  MatmulOp scores, output;
  /// The ops the chain consists of (except shared head transposes).
  llvm::SetVector<Operation *> absorbed;
};

/// Follows single-use multiplications and divisions of `value` by scalar
/// constants upwards, multiplying their factors into `scale` and adding the
/// ops to `absorbed`; returns the value they scale.
Value peelScalarFactors(Value value, double &scale,
                        llvm::SetVector<Operation *> &absorbed) {
  while (Operation *op = value.getDefiningOp()) {
    if (!value.hasOneUse())
      break;
    Value scaled;
    double factor = 0.0;
    if (auto mul = llvm::dyn_cast<MulOp>(op)) {
      for (auto [x, c] : {std::pair{mul.getLhs(), mul.getRhs()},
                          std::pair{mul.getRhs(), mul.getLhs()}})
        if (std::optional<double> constant = getScalarConstant(c);
            constant && !scaled && x.getType() == mul.getType()) {
          scaled = x;
          factor = *constant;
        }
    } else if (auto div = llvm::dyn_cast<DivOp>(op)) {
      std::optional<double> constant = getScalarConstant(div.getRhs());
      if (constant && *constant != 0.0 && div.getLhs().getType() == div.getType()) {
        scaled = div.getLhs();
        factor = 1.0 / *constant;
      }
    }
    if (!scaled)
      break;
    scale *= factor;
    absorbed.insert(op);
    value = scaled;
  }
  return value;
}

/// `where(isnan(p), 0, p)` as imported (`where(not(equal(p, p)), 0, p)`)
/// when it is p's only use, else null.
WhereOp matchNaNGuard(Value p) {
  WhereOp guard;
  EqualOp equal;
  for (Operation *user : p.getUsers()) {
    if (auto where = llvm::dyn_cast<WhereOp>(user);
        where && where.getY() == p && where.getX() != p)
      guard = where;
    else if (auto eq = llvm::dyn_cast<EqualOp>(user);
             eq && eq.getLhs() == p && eq.getRhs() == p)
      equal = eq;
    else
      return {};
  }
  if (!guard || !equal || !equal->hasOneUse() || guard.getType() != p.getType())
    return {};
  auto notOp = guard.getCondition().getDefiningOp<NotOp>();
  std::optional<double> zero = getScalarConstant(guard.getX());
  if (!notOp || notOp.getInput() != equal.getResult() || !notOp->hasOneUse() ||
      !zero || *zero != 0.0)
    return {};
  return guard;
}

/// Finds the attention whose softmax is `softmax`, or says why there is none.
FailureOr<AttentionMatch> matchAttention(SoftmaxOp softmax, std::string &why) {
  auto fail = [&](StringRef reason) {
    why = reason.str();
    return failure();
  };
  AttentionMatch match;
  auto scoresType = softmax.getType();
  if (scoresType.getRank() != 4 || softmax.getAxis() != 3)
    return fail("the softmax is not over the last dimension of a rank-4 tensor");

  // Forward: the NaN guard, then p · v.
  Value p = softmax.getResult();
  if (WhereOp guard = matchNaNGuard(p)) {
    match.absorbed.insert(guard.getCondition().getDefiningOp<NotOp>().getInput().getDefiningOp());
    match.absorbed.insert(guard.getCondition().getDefiningOp());
    match.absorbed.insert(guard);
    p = guard.getResult();
  }
  if (!p.hasOneUse())
    return fail("the probabilities have users other than one matmul");
  auto output = llvm::dyn_cast<MatmulOp>(*p.getUsers().begin());
  if (!output || output.getLhs() != p)
    return fail("the probabilities are not the left operand of a matmul");
  if (output.getBias() || output.getResidual() || output.getActivation())
    return fail("the p · v matmul has a fused epilogue");
  match.output = output;
  match.v = output.getRhs();
  if (!isFloatRank4(match.v) || !isFloatRank4(output.getResult()))
    return fail("p · v is not a product of rank-4 float tensors");

  // Backward: the mask add, scalar scales, q · kᵀ.
  Value scores = softmax.getInput();
  if (!scores.hasOneUse())
    return fail("the scores have users other than the softmax");
  if (auto add = scores.getDefiningOp<AddOp>()) {
    for (auto [lhs, rhs] : {std::pair{add.getLhs(), add.getRhs()},
                            std::pair{add.getRhs(), add.getLhs()}}) {
      double factor = 1.0;
      llvm::SetVector<Operation *> scaling;
      Value product = peelScalarFactors(lhs, factor, scaling);
      if (!product.getDefiningOp<MatmulOp>() || !lhs.hasOneUse() ||
          lhs.getType() != add.getType())
        continue;
      match.bias = rhs;
      scores = lhs;
      match.absorbed.insert(add);
      break;
    }
    if (!match.bias)
      return fail("the scores are an add without a matmul of the scores' shape on one side");
    auto biasType = llvm::cast<RankedTensorType>(match.bias.getType());
    if (biasType.getRank() != 4 || !broadcastsTo(biasType.getShape(), scoresType.getShape()))
      return fail("the additive mask is not rank 4 broadcasting to the scores");
  }
  Value product = peelScalarFactors(scores, match.scale, match.absorbed);
  auto qk = product.getDefiningOp<MatmulOp>();
  if (!qk || !product.hasOneUse())
    return fail("the scores are not a single-use matmul scaled by scalar constants");
  if (qk.getBias() || qk.getResidual() || qk.getActivation())
    return fail("the q · kᵀ matmul has a fused epilogue");
  match.scores = qk;
  match.q = peelScalarFactors(qk.getLhs(), match.scale, match.absorbed);
  match.kT = peelScalarFactors(qk.getRhs(), match.scale, match.absorbed);
  if (!std::isfinite(match.scale) || match.scale == 0.0)
    return fail("the scale factors multiply to zero or overflow");

  // Types: one float type, rank 4, the shapes attention expects.
  Type element = scoresType.getElementType();
  for (Value value : {match.q, match.kT, match.v, Value(output.getResult())})
    if (!isFloatRank4(value) || getElementTypeOrSelf(value.getType()) != element)
      return fail("q, kᵀ, v and the output are not rank-4 tensors of one float type");
  if (match.bias && getElementTypeOrSelf(match.bias.getType()) != element)
    return fail("the mask's element type differs from the scores'");
  auto q = llvm::cast<RankedTensorType>(match.q.getType());
  auto kT = llvm::cast<RankedTensorType>(match.kT.getType());
  auto v = llvm::cast<RankedTensorType>(match.v.getType());
  ArrayRef<int64_t> qs = q.getShape(), ks = kT.getShape(), vs = v.getShape();
  if (!q.hasStaticShape() || !kT.hasStaticShape() || !v.hasStaticShape() ||
      qs[0] != ks[0] || qs[0] != vs[0] || qs[1] != ks[1] || qs[1] != vs[1] ||
      qs[3] != ks[2] || ks[3] != vs[2] ||
      scoresType.getShape() != ArrayRef<int64_t>{qs[0], qs[1], qs[2], ks[3]} ||
      output.getType().getShape() != ArrayRef<int64_t>{qs[0], qs[1], qs[2], vs[3]})
    return fail("q, kᵀ and v are not B × H × Sq × D, B × H × D × Skv and "
                "B × H × Skv × Dv (static, without broadcasting)");

  match.absorbed.insert(qk);
  match.absorbed.insert(softmax);
  match.absorbed.insert(output);
  for (Operation *op : match.absorbed)
    if (op->getBlock() != softmax->getBlock())
      return fail("the attention spans several blocks");
  return match;
}

/// The tensor `value` is a `permutation` of through a chain of transposes
/// (the nearest one, if several are), or null. The transposes of the chain
/// that feed nothing else are added to `exclusive`.
Value findPermutedSource(Value value, ArrayRef<int64_t> permutation,
                         SmallVectorImpl<Operation *> &exclusive) {
  SmallVector<int64_t, 4> composed{0, 1, 2, 3};
  SmallVector<Operation *> chain;
  bool onlyUse = true;
  while (auto transpose = value.getDefiningOp<TransposeOp>()) {
    onlyUse = onlyUse && value.hasOneUse();
    if (onlyUse)
      chain.push_back(transpose);
    // value = transpose(input, p) read through `composed`: input's
    // dimension p[composed[i]] lands at i.
    for (int64_t &dim : composed)
      dim = transpose.getPermutation()[dim];
    value = transpose.getInput();
    if (ArrayRef<int64_t>(composed) == permutation) {
      exclusive.append(chain.begin(), chain.end());
      return value;
    }
  }
  return {};
}

/// The constraints of kiln-assign-precision that keep a layer in FP32 or
/// TF32: by layer name or op name.
struct WideConstraints {
  llvm::StringSet<> names;

  bool covers(Operation *op) const {
    if (names.contains(op->getName().getStringRef()))
      return true;
    return llvm::any_of(getLayerNames(op),
                        [&](StringRef name) { return names.contains(name); });
  }
};

struct FuseAttention : OpRewritePattern<SoftmaxOp> {
  FuseAttention(MLIRContext *context, const WideConstraints &wide,
                kiln::PassStatistic &fused, kiln::PassStatistic &bshd,
                kiln::PassStatistic &masked, kiln::PassStatistic &constrained)
      : OpRewritePattern(context), wide(wide), numFused(fused), numBshd(bshd),
        numMasked(masked), numConstrained(constrained) {}

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    std::string why;
    FailureOr<AttentionMatch> found = matchAttention(softmax, why);
    if (failed(found))
      return rewriter.notifyMatchFailure(softmax, why);
    AttentionMatch &match = *found;
    if (llvm::any_of(match.absorbed, [&](Operation *op) { return wide.covers(op); })) {
      ++numConstrained;
      return rewriter.notifyMatchFailure(
          softmax, "a layer-precision constraint keeps one of its layers in FP32 or TF32");
    }

    // bshd when the heads come from B × S × H × D projections and the output
    // goes back to that order: the transposes are not needed.
    SmallVector<Operation *> headTransposes;
    Value qProjection = findPermutedSource(match.q, kSwapSequenceAndHeads, headTransposes);
    Value kProjection = findPermutedSource(match.kT, kProjectionToKeyT, headTransposes);
    Value vProjection = findPermutedSource(match.v, kSwapSequenceAndHeads, headTransposes);
    TransposeOp outputTranspose;
    if (match.output->hasOneUse())
      outputTranspose = llvm::dyn_cast<TransposeOp>(*match.output->getUsers().begin());
    if (outputTranspose && outputTranspose.getPermutation() != ArrayRef(kSwapSequenceAndHeads))
      outputTranspose = {};
    bool bshd = qProjection && kProjection && vProjection && outputTranspose;

    Location loc = softmax.getLoc();
    rewriter.setInsertionPoint(match.output);
    Value q = match.q, k, v = match.v;
    Operation *replaced = match.output;
    if (bshd) {
      q = qProjection;
      k = kProjection;
      v = vProjection;
      match.absorbed.insert(headTransposes.begin(), headTransposes.end());
      match.absorbed.insert(outputTranspose);
      replaced = outputTranspose;
      rewriter.setInsertionPoint(outputTranspose);
    } else {
      // k is kᵀ transposed back: an existing tensor where kᵀ is a transpose
      // of it, else one new transpose (of the projection when there is one).
      SmallVector<Operation *> keyTransposes;
      if (Value keys = findPermutedSource(match.kT, kSwapLastTwo, keyTransposes)) {
        k = keys;
        match.absorbed.insert(keyTransposes.begin(), keyTransposes.end());
      } else if (kProjection) {
        findPermutedSource(match.kT, kProjectionToKeyT, keyTransposes);
        match.absorbed.insert(keyTransposes.begin(), keyTransposes.end());
        k = TransposeOp::create(rewriter, match.kT.getLoc(), kProjection,
                                rewriter.getDenseI64ArrayAttr(kSwapSequenceAndHeads));
      } else {
        k = TransposeOp::create(rewriter, match.kT.getLoc(), match.kT,
                                rewriter.getDenseI64ArrayAttr(kSwapLastTwo));
      }
    }

    // The fused layer carries the names of every layer it replaces, in
    // graph order.
    SmallVector<Operation *> ordered = match.absorbed.takeVector();
    llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    SmallVector<Location> locations;
    for (Operation *op : ordered)
      locations.push_back(op->getLoc());
    loc = FusedLoc::get(rewriter.getContext(), locations);

    auto layout = bshd ? AttentionLayout::bshd : AttentionLayout::bhsd;
    auto attention = AttentionOp::create(
        rewriter, loc, q, k, v, match.bias,
        rewriter.getF32FloatAttr(static_cast<float>(match.scale)),
        AttentionLayoutAttr::get(rewriter.getContext(), layout));
    rewriter.replaceOp(replaced, attention.getResult());
    // Users come after their operands, so erasing in reverse graph order
    // leaves no dangling use; shared transposes keep their other users.
    for (Operation *op : llvm::reverse(ordered))
      if (op != replaced && op->use_empty())
        rewriter.eraseOp(op);
    ++numFused;
    if (bshd)
      ++numBshd;
    if (match.bias)
      ++numMasked;
    return success();
  }

  const WideConstraints &wide;
  kiln::PassStatistic &numFused, &numBshd, &numMasked, &numConstrained;
};

struct FuseAttentionPass : kiln::impl::FuseAttentionPassBase<FuseAttentionPass> {
  using FuseAttentionPassBase::FuseAttentionPassBase;
  FuseAttentionPass() = default;
  FuseAttentionPass(const FuseAttentionPass &other) : FuseAttentionPassBase(other) {}

  void runOnOperation() override {
    WideConstraints wide;
    for (StringRef entry : layerPrecision) {
      auto [name, precision] = entry.rsplit(':');
      if (precision == "fp32" || precision == "tf32")
        wide.names.insert(name);
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttention>(&getContext(), wide, numFused, numBshd, numMasked,
                                numConstrained);
    // An attention whose softmax is written out as its formula: the formula
    // becomes the softmax the attention pattern starts from.
    populateSoftmaxFormulaPatterns(patterns);
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }

  kiln::PassStatistic numFused{this, "fused", "Attention blocks fused into nn.attention"};
  kiln::PassStatistic numBshd{this, "bshd",
                              "Of those, in layout bshd (head transposes removed)"};
  kiln::PassStatistic numMasked{this, "masked", "Of those, with an additive mask"};
  kiln::PassStatistic numConstrained{
      this, "kept-by-constraint",
      "Attention blocks left unfused: a layer-precision constraint wants FP32 or TF32"};
};

} // namespace

bool kiln::matchesAttention(SoftmaxOp softmax) {
  std::string why;
  return succeeded(matchAttention(softmax, why));
}
