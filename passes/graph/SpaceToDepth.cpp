//===- SpaceToDepth.cpp - strided convs on few channels made stride 1 -----===//
//
// A network's first convolution reads an image of three channels, which
// tensor cores take only padded to eight (FP16): ResNet's 7×7 stride-2 stem
// then spends 8/3 of its multiply-adds on zeros, at a stride that cuDNN's
// kernels handle worse than stride 1. Folding each s×s block of pixels into
// the channels (space-to-depth) turns it into a stride-1 convolution with a
// smaller window over s² times the channels, which need little or no
// padding: 7×7/2 over 3 → 8 channels (392 multiply-adds per output) becomes
// 4×4/1 over 4·(3 → 4) = 16 channels (256). The blocks are a reshape and a
// transpose of the input, which the lowering runs as one gather kernel with
// the image's layout conversion, cast and channel padding; the filter's are
// folded at compile time.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

#define DEBUG_TYPE "kiln-space-to-depth"

namespace kiln {
#define GEN_PASS_DEF_SPACETODEPTHPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

namespace {

/// One spatial dimension of the blocked convolution. Filter tap t of the
/// blocked window (t < kernel · s, in input pixels) is the original's tap
/// t − lead: `lead` zero taps in front make the begin padding a whole number
/// of blocks, and zero taps after fill the last block.
struct BlockedDim {
  int64_t lead;     ///< zero taps before the original window
  int64_t kernel;   ///< window, in blocks
  int64_t padBegin; ///< padding, in blocks
  int64_t padEnd;
};

/// The blocked form of dimension `i` of a channels-last 2-D conv of stride
/// `s` whose input size along it `s` divides.
BlockedDim blockDim(ConvOp conv, int64_t i, int64_t s) {
  int64_t size = conv.getInput().getType().getDimSize(1 + i);
  int64_t k = conv.getFilter().getType().getDimSize(1 + i);
  int64_t out = conv.getType().getDimSize(1 + i);
  int64_t pad = conv.getPads()[i];
  BlockedDim dim;
  dim.lead = (s - pad % s) % s;
  dim.padBegin = (pad + dim.lead) / s;
  dim.kernel = (k + dim.lead + s - 1) / s;
  // The last output's window ends at block out − 1 − padBegin + kernel − 1.
  // Never before the input's last block: the last original window reaches
  // pixel s·(out − 1) − pad + k − 1 ≥ size − s (out rounds down).
  dim.padEnd = out - 1 + dim.kernel - size / s - dim.padBegin;
  assert(dim.padEnd >= 0 && "the last window ends before the input's last block");
  return dim;
}

/// Channels per pixel after padding, so that s² of them are a multiple of
/// `alignment`: the fewest zero channels that align the blocked conv.
int64_t blockedChannels(int64_t channels, int64_t s, int64_t alignment) {
  return roundUp(channels, alignment / std::gcd(alignment, s * s));
}

/// Why `conv` is not rewritten at alignment `alignment`, or null.
const char *whyNotSpaceToDepth(ConvOp conv, int64_t alignment) {
  RankedTensorType filterType = conv.getFilter().getType();
  RankedTensorType inputType = conv.getInput().getType();
  if (conv.getLayout() != Layout::channels_last || filterType.getRank() != 4)
    return "not a channels-last 2-D conv";
  if (!llvm::isa<Float16Type, BFloat16Type>(getElementTypeOrSelf(conv.getType())) ||
      !llvm::isa<Float16Type, BFloat16Type>(inputType.getElementType()) ||
      !llvm::isa<Float16Type, BFloat16Type>(filterType.getElementType()))
    return "not a half-precision conv";
  if (!inputType.hasStaticShape() || !filterType.hasStaticShape() ||
      !conv.getType().hasStaticShape())
    return "dynamic shape";
  if (conv.getGroups() != 1)
    return "grouped conv";
  if (llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; }))
    return "dilated conv";
  ArrayRef<int64_t> strides = conv.getStrides();
  if (strides[0] != strides[1] || strides[0] < 2)
    return "not one stride above 1 in both dimensions";
  int64_t channels = filterType.getDimSize(3);
  if (channels % alignment == 0)
    return "input channels already aligned";
  int64_t s = strides[0];
  if (inputType.getDimSize(1) % s != 0 || inputType.getDimSize(2) % s != 0)
    return "blocks do not tile the input";
  BlockedDim h = blockDim(conv, 0, s), w = blockDim(conv, 1, s);
  // Multiply-adds per output: blocked against padded to the alignment.
  int64_t blocked = h.kernel * w.kernel * s * s * blockedChannels(channels, s, alignment);
  int64_t padded = filterType.getDimSize(1) * filterType.getDimSize(2) *
                   roundUp(channels, alignment);
  if (blocked >= padded)
    return "no fewer multiply-adds than padding the channels";
  return nullptr;
}

/// [N, H, W, C] (or the NCHW image a transpose lays out so) → [N, H/s, W/s,
/// s·s·C'], each pixel's channels zero-padded from C to C' and the s × s
/// block's pixels in row-major order.
Value spaceToDepth(PatternRewriter &rewriter, Location loc, Value input, int64_t s,
                   int64_t paddedChannels) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  int64_t n = type.getDimSize(0), h = type.getDimSize(1), w = type.getDimSize(2),
          c = type.getDimSize(3);
  Value blocks;
  // An image transposed from NCHW: one transpose of the image instead of
  // two, which the lowering gathers straight from the input binding.
  auto layout = input.getDefiningOp<TransposeOp>();
  if (layout && layout.getPermutation() == ArrayRef<int64_t>{0, 2, 3, 1}) {
    Type element = type.getElementType();
    Value image = ReshapeOp::create(
        rewriter, loc, RankedTensorType::get({n, c, h / s, s, w / s, s}, element),
        layout.getInput());
    blocks = TransposeOp::create(rewriter, loc, image, ArrayRef<int64_t>{0, 2, 4, 3, 5, 1});
  } else {
    Value split = ReshapeOp::create(
        rewriter, loc, RankedTensorType::get({n, h / s, s, w / s, s, c}, type.getElementType()),
        input);
    blocks = TransposeOp::create(rewriter, loc, split, ArrayRef<int64_t>{0, 1, 3, 2, 4, 5});
  }
  if (paddedChannels != c) {
    SmallVector<int64_t> pads(12, 0);
    pads[11] = paddedChannels - c;
    blocks = PadOp::create(rewriter, loc, blocks, pads, PadMode::constant, APFloat(0.0));
  }
  return ReshapeOp::create(
      rewriter, loc,
      RankedTensorType::get({n, h / s, w / s, s * s * paddedChannels}, type.getElementType()),
      blocks);
}

/// The filter [M, KH, KW, C] of the blocked conv: [M, KH', KW', s·s·C'],
/// zero taps around the original window (BlockedDim) and zero channels.
Value blockFilter(PatternRewriter &rewriter, Location loc, Value filter, int64_t s,
                  const BlockedDim &h, const BlockedDim &w, int64_t paddedChannels) {
  auto type = llvm::cast<RankedTensorType>(filter.getType());
  int64_t m = type.getDimSize(0), c = type.getDimSize(3);
  SmallVector<int64_t> pads{0, h.lead, w.lead, 0, 0,
                            h.kernel * s - type.getDimSize(1) - h.lead,
                            w.kernel * s - type.getDimSize(2) - w.lead, paddedChannels - c};
  Value padded = PadOp::create(rewriter, loc, filter, pads, PadMode::constant, APFloat(0.0));
  Type element = type.getElementType();
  Value split = ReshapeOp::create(
      rewriter, loc,
      RankedTensorType::get({m, h.kernel, s, w.kernel, s, paddedChannels}, element), padded);
  Value blocks = TransposeOp::create(rewriter, loc, split, ArrayRef<int64_t>{0, 1, 3, 2, 4, 5});
  return ReshapeOp::create(
      rewriter, loc,
      RankedTensorType::get({m, h.kernel, w.kernel, s * s * paddedChannels}, element), blocks);
}

/// conv(x, w) of stride s → conv(space_to_depth(x), w') of stride 1 (see
/// `whyNotSpaceToDepth` for when).
struct BlockStridedConv : OpRewritePattern<ConvOp> {
  BlockStridedConv(MLIRContext *context, int64_t alignment, kiln::PassStatistic &count)
      : OpRewritePattern(context), alignment(alignment), count(count) {}

  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    if (const char *why = whyNotSpaceToDepth(conv, alignment))
      return rewriter.notifyMatchFailure(conv, why);
    int64_t s = conv.getStrides()[0];
    BlockedDim h = blockDim(conv, 0, s), w = blockDim(conv, 1, s);
    int64_t channels = blockedChannels(conv.getFilter().getType().getDimSize(3), s, alignment);
    Location loc = conv.getLoc();
    Value input = spaceToDepth(rewriter, loc, conv.getInput(), s, channels);
    Value filter = blockFilter(rewriter, loc, conv.getFilter(), s, h, w, channels);
    auto blocked = ConvOp::create(
        rewriter, loc, conv.getType(), input, filter, conv.getBias(), conv.getResidual(),
        rewriter.getDenseI64ArrayAttr({1, 1}),
        rewriter.getDenseI64ArrayAttr({h.padBegin, w.padBegin, h.padEnd, w.padEnd}),
        rewriter.getDenseI64ArrayAttr({1, 1}), 1, Layout::channels_last,
        conv.getActivationAttr());
    blocked->setDiscardableAttrs(conv->getDiscardableAttrDictionary());
    rewriter.replaceOp(conv, blocked);
    ++count;
    return success();
  }

  int64_t alignment;
  kiln::PassStatistic &count;
};

struct SpaceToDepthPass : kiln::impl::SpaceToDepthPassBase<SpaceToDepthPass> {
  using SpaceToDepthPassBase::SpaceToDepthPassBase;
  SpaceToDepthPass() = default;
  SpaceToDepthPass(const SpaceToDepthPass &other) : SpaceToDepthPassBase(other) {}

  kiln::PassStatistic numBlocked{this, "space-to-depth-convs",
                                 "Strided convolutions made stride 1 over blocks of pixels"};

  void runOnOperation() override {
    if (halfAlignment <= 1)
      return;
    RewritePatternSet patterns(&getContext());
    patterns.add<BlockStridedConv>(&getContext(), halfAlignment, numBlocked);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
