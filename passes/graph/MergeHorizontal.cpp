//===- MergeHorizontal.cpp - merge same-input convolutions and projections ===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Dominance.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "kiln-merge-horizontal"

namespace kiln {
#define GEN_PASS_DEF_MERGEHORIZONTALPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// What two convolutions must share to be computed as one.
struct ConvKey {
  Value input;
  Type filterElement;
  SmallVector<int64_t> kernel;
  ArrayRef<int64_t> strides, pads, dilations;
  Layout layout;
  ActivationAttr activation;

  static std::optional<ConvKey> of(ConvOp conv) {
    if (conv.getGroups() != 1 || conv.getResidual())
      return std::nullopt;
    auto filter = conv.getFilter().getType();
    if (isQuantized(filter.getElementType()) || !filter.hasStaticShape() ||
        isQuantized(conv.getType().getElementType()))
      return std::nullopt;
    SmallVector<int64_t> kernel(filter.getShape().drop_front());
    return ConvKey{conv.getInput(),  filter.getElementType(), kernel,
                   conv.getStrides(), conv.getPads(),           conv.getDilations(),
                   conv.getLayout(), conv.getActivationAttr()};
  }

  bool operator==(const ConvKey &other) const {
    return input == other.input && filterElement == other.filterElement &&
           kernel == other.kernel && strides == other.strides && pads == other.pads &&
           dilations == other.dilations && layout == other.layout &&
           activation == other.activation;
  }
};

/// Whether `value` reaches fused attention only, as its q, k or v through
/// one reshape (the heads split off a projection): the lowering then reads a
/// slice of a merged product as a strided view, so merging costs no copy.
bool feedsAttentionOnly(Value value) {
  if (!value.hasOneUse())
    return false;
  auto reshape = llvm::dyn_cast<ReshapeOp>(*value.getUsers().begin());
  if (!reshape || reshape.getResult().use_empty())
    return false;
  return llvm::all_of(reshape.getResult().getUses(), [](OpOperand &use) {
    auto attention = llvm::dyn_cast<AttentionOp>(use.getOwner());
    return attention && attention.getLayout() == AttentionLayout::bshd &&
           use.getOperandNumber() < 3;
  });
}

/// What two matrix products must share to be computed as one: the input, a
/// constant `K × N` weight of one type, the epilogue activation, no residual,
/// and results that only feed attention (Q, K and V of one layer).
struct MatmulKey {
  Value lhs;
  Type weightElement;
  int64_t depth;
  ActivationAttr activation;

  static std::optional<MatmulKey> of(MatmulOp matmul) {
    auto rhs = matmul.getRhs().getType();
    auto lhs = matmul.getLhs().getType();
    if (matmul.getResidual() || rhs.getRank() != 2 || lhs.getRank() < 2 ||
        !rhs.hasStaticShape() || !matmul.getType().hasStaticShape() ||
        !matmul.getRhs().getDefiningOp<ConstantOp>() ||
        isQuantized(rhs.getElementType()) || isQuantized(matmul.getType().getElementType()))
      return std::nullopt;
    if (Value bias = matmul.getBias())
      if (!bias.getDefiningOp<ConstantOp>() ||
          llvm::cast<RankedTensorType>(bias.getType()).getRank() != 1)
        return std::nullopt;
    if (!feedsAttentionOnly(matmul.getResult()))
      return std::nullopt;
    return MatmulKey{matmul.getLhs(), rhs.getElementType(), rhs.getDimSize(0),
                     matmul.getActivationAttr()};
  }

  bool operator==(const MatmulKey &other) const {
    return lhs == other.lhs && weightElement == other.weightElement &&
           depth == other.depth && activation == other.activation;
  }
};

/// Groups `ops` (in block order) by their input and then by `Key`.
template <typename Key, typename Op>
SmallVector<SmallVector<Op>> groupByKey(ArrayRef<Op> ops) {
  SmallVector<SmallVector<Op>> groups;
  SmallVector<Key> keys;
  for (Op op : ops) {
    std::optional<Key> key = Key::of(op);
    if (!key)
      continue;
    auto *found = llvm::find(keys, *key);
    if (found != keys.end()) {
      groups[found - keys.begin()].push_back(op);
      continue;
    }
    keys.push_back(*key);
    groups.push_back({op});
  }
  return groups;
}

/// `count` zeros of `element`, the bias of a member that has none.
Value zeros(OpBuilder &builder, Location loc, Type element, int64_t count) {
  auto type = RankedTensorType::get({count}, element);
  return ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(type,
                             llvm::cast<FloatAttr>(builder.getZeroAttr(element)).getValue()));
}

/// Replaces each of `members` by its slice of `merged` along `axis`, in order.
template <typename Op>
void replaceBySlices(OpBuilder &builder, Value merged, int64_t axis, ArrayRef<Op> members) {
  auto type = llvm::cast<RankedTensorType>(merged.getType());
  int64_t rank = type.getRank(), offset = 0;
  builder.setInsertionPointAfterValue(merged);
  SmallVector<Value> slices;
  for (Op member : members) {
    SmallVector<int64_t> starts(rank, 0), ends(type.getShape()), steps(rank, 1);
    int64_t size = member.getType().getDimSize(axis);
    starts[axis] = offset;
    ends[axis] = offset + size;
    offset += size;
    slices.push_back(SliceOp::create(builder, member.getLoc(), merged, starts, ends, steps));
  }
  // Erase only now: the insertion point sat before the first member.
  for (auto [member, slice] : llvm::zip(members, slices)) {
    Op op = member;
    op.replaceAllUsesWith(slice);
    op.erase();
  }
}

struct MergeHorizontalPass
    : kiln::impl::MergeHorizontalPassBase<MergeHorizontalPass> {
  using MergeHorizontalPassBase::MergeHorizontalPassBase;
  MergeHorizontalPass() = default;
  MergeHorizontalPass(const MergeHorizontalPass &other)
      : MergeHorizontalPassBase(other) {}

  kiln::PassStatistic numWide{this, "wide-convs",
                             "Wider convolutions the merged ones became"};
  kiln::PassStatistic numMerged{this, "merged-convs",
                                "Convolutions merged into a wider one"};

  kiln::PassStatistic numWideMatmuls{this, "wide-matmuls",
                                     "Wider matrix products the merged ones became"};
  kiln::PassStatistic numMergedMatmuls{this, "merged-matmuls",
                                       "Attention projections merged into a wider one"};

  void runOnOperation() override {
    // Group by input and everything else the members must share, keeping
    // block order so the merged layer takes the first member's place.
    SmallVector<ConvOp> convs;
    SmallVector<MatmulOp> matmuls;
    getOperation().walk([&](Operation *op) {
      if (auto conv = llvm::dyn_cast<ConvOp>(op))
        convs.push_back(conv);
      else if (auto matmul = llvm::dyn_cast<MatmulOp>(op))
        matmuls.push_back(matmul);
    });
    DominanceInfo dominance(getOperation());
    for (SmallVector<ConvOp> &group : groupByKey<ConvKey>(ArrayRef(convs)))
      if (prune(group, group.front().getInput(), dominance))
        merge(group);
    for (SmallVector<MatmulOp> &group : groupByKey<MatmulKey>(ArrayRef(matmuls)))
      if (prune(group, group.front().getLhs(), dominance))
        merge(group);
  }

  /// Keeps the members whose operands are available where the first one is
  /// (the merged layer takes its place); whether enough are left.
  template <typename Op>
  bool prune(SmallVector<Op> &group, Value input, DominanceInfo &dominance) {
    Op first = group.front();
    llvm::erase_if(group, [&](Op op) {
      return llvm::any_of(op->getOperands(), [&](Value v) {
        return !dominance.properlyDominates(v, first) && v != input;
      });
    });
    return group.size() >= minGroupSize && group.front() == first;
  }

  void merge(ArrayRef<ConvOp> group) {
    ConvOp first = group.front();
    OpBuilder builder(first);
    Location loc = builder.getFusedLoc(
        llvm::map_to_vector(group, [](ConvOp conv) { return conv.getLoc(); }));
    Type element = first.getFilter().getType().getElementType();
    SmallVector<Value> filters, biases;
    bool anyBias = llvm::any_of(group, [](ConvOp conv) { return conv.getBias(); });
    for (ConvOp conv : group) {
      filters.push_back(conv.getFilter());
      if (anyBias)
        biases.push_back(conv.getBias() ? conv.getBias()
                                        : zeros(builder, conv.getLoc(), element,
                                                conv.getFilter().getType().getDimSize(0)));
    }
    Value filter = ConcatOp::create(builder, loc, filters, /*axis=*/0);
    Value bias = anyBias ? ConcatOp::create(builder, loc, biases, /*axis=*/0) : Value();
    auto merged = ConvOp::create(builder, loc, first.getInput(), filter, bias,
                                 /*residual=*/Value(), first.getStridesAttr(),
                                 first.getPadsAttr(), first.getDilationsAttr(),
                                 /*groups=*/1, first.getLayout(),
                                 first.getActivationAttr());
    int64_t rank = merged.getType().getRank();
    int64_t axis = first.getLayout() == Layout::channels_last ? rank - 1 : 1;
    numMerged += group.size();
    replaceBySlices(builder, merged.getResult(), axis, group);
    ++numWide;
  }

  /// Q, K and V of one attention as one product: weights concatenated along
  /// N, biases likewise; each projection is a slice of the last dimension.
  void merge(ArrayRef<MatmulOp> group) {
    MatmulOp first = group.front();
    OpBuilder builder(first);
    Location loc = builder.getFusedLoc(
        llvm::map_to_vector(group, [](MatmulOp matmul) { return matmul.getLoc(); }));
    Type element = first.getType().getElementType();
    SmallVector<Value> weights, biases;
    bool anyBias = llvm::any_of(group, [](MatmulOp matmul) { return matmul.getBias(); });
    int64_t width = 0;
    for (MatmulOp matmul : group) {
      int64_t n = matmul.getRhs().getType().getDimSize(1);
      width += n;
      weights.push_back(matmul.getRhs());
      if (anyBias)
        biases.push_back(matmul.getBias() ? matmul.getBias()
                                          : zeros(builder, matmul.getLoc(), element, n));
    }
    Value weight = ConcatOp::create(builder, loc, weights, /*axis=*/1);
    Value bias = anyBias ? ConcatOp::create(builder, loc, biases, /*axis=*/0) : Value();
    SmallVector<int64_t> shape(first.getType().getShape());
    shape.back() = width;
    auto merged = MatmulOp::create(builder, loc, RankedTensorType::get(shape, element),
                                   first.getLhs(), weight, bias, /*residual=*/Value(),
                                   first.getActivationAttr());
    numMergedMatmuls += group.size();
    replaceBySlices(builder, merged.getResult(), int64_t(shape.size()) - 1, group);
    ++numWideMatmuls;
  }
};

} // namespace
