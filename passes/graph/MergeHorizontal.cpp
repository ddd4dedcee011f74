//===- MergeHorizontal.cpp - merge same-input convolutions ----------------===//

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

  void runOnOperation() override {
    // Group convolutions by input, then by everything else they must share,
    // keeping block order so the merged conv takes the first one's place.
    llvm::MapVector<Value, SmallVector<SmallVector<ConvOp>>> byInput;
    getOperation().walk([&](ConvOp conv) {
      std::optional<ConvKey> key = ConvKey::of(conv);
      if (!key)
        return;
      auto &groups = byInput[conv.getInput()];
      for (auto &group : groups) {
        if (*ConvKey::of(group.front()) == *key) {
          group.push_back(conv);
          return;
        }
      }
      groups.push_back({conv});
    });
    DominanceInfo dominance(getOperation());
    for (auto &[input, groups] : byInput)
      for (auto &group : groups)
        merge(group, dominance);
  }

  void merge(SmallVector<ConvOp> group, DominanceInfo &dominance) {
    ConvOp first = group.front();
    // The merged conv sits where the first one was: every member's weights
    // must already be available there.
    llvm::erase_if(group, [&](ConvOp conv) {
      return llvm::any_of(conv->getOperands(), [&](Value v) {
        return !dominance.properlyDominates(v, first) && v != first.getInput();
      });
    });
    if (group.size() < minGroupSize || group.front() != first)
      return;

    OpBuilder builder(first);
    Location loc = builder.getFusedLoc(
        llvm::map_to_vector(group, [](ConvOp conv) { return conv.getLoc(); }));
    Type element = first.getFilter().getType().getElementType();
    SmallVector<Value> filters, biases;
    int64_t channels = 0;
    bool anyBias = llvm::any_of(group, [](ConvOp conv) { return conv.getBias(); });
    for (ConvOp conv : group) {
      int64_t outChannels = conv.getFilter().getType().getDimSize(0);
      channels += outChannels;
      filters.push_back(conv.getFilter());
      if (!anyBias)
        continue;
      Value bias = conv.getBias();
      if (!bias) {
        auto type = RankedTensorType::get({outChannels}, element);
        bias = ConstantOp::create(
            builder, conv.getLoc(),
            DenseElementsAttr::get(type, llvm::cast<FloatAttr>(builder.getZeroAttr(element))
                                             .getValue()));
      }
      biases.push_back(bias);
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
    int64_t offset = 0;
    SmallVector<Value> slices;
    builder.setInsertionPointAfter(merged);
    for (ConvOp conv : group) {
      SmallVector<int64_t> starts(rank, 0), ends(merged.getType().getShape()),
          steps(rank, 1);
      int64_t outChannels = conv.getType().getDimSize(axis);
      starts[axis] = offset;
      ends[axis] = offset + outChannels;
      offset += outChannels;
      slices.push_back(SliceOp::create(builder, conv.getLoc(), merged, starts, ends, steps));
    }
    // Erase only now: the insertion point sat before the first conv.
    for (auto [conv, slice] : llvm::zip(group, slices)) {
      conv.replaceAllUsesWith(slice);
      conv.erase();
      ++numMerged;
    }
    ++numWide;
  }
};

} // namespace
