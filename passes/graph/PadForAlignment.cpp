//===- PadForAlignment.cpp - tensor-core channel multiples ----------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"
#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "kiln-pad-for-alignment"

namespace kiln {
#define GEN_PASS_DEF_PADFORALIGNMENTPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;
namespace ref = kiln::reference;

namespace {

/// Zero-pads `value` at the end of dimension `axis` by `extra` elements.
Value padAxis(OpBuilder &builder, Location loc, Value value, int64_t axis, int64_t extra) {
  int64_t rank = llvm::cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<int64_t> pads(2 * rank, 0);
  pads[rank + axis] = extra;
  return PadOp::create(builder, loc, value, pads, PadMode::constant,
                       APFloat(0.0));
}

/// A quantized constant zero-padded at the end of dimension `axis` by
/// `extra` elements. When its scales run along `axis` (per output channel),
/// the new channels get scale `newScale` and zero point 0. Null when `value`
/// is not such a constant.
Value padQuantizedConstant(OpBuilder &builder, Location loc, Value value, int64_t axis,
                           int64_t extra, double newScale) {
  auto constant = value.getDefiningOp<ConstantOp>();
  auto type = llvm::cast<RankedTensorType>(value.getType());
  auto element = llvm::dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!constant || !element || !type.hasStaticShape())
    return {};
  llvm::Expected<ref::Tensor> tensor = ref::Tensor::fromAttr(constant.getValue(), type);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return {};
  }
  Type padded = element;
  auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!perAxis && !llvm::isa<quant::UniformQuantizedType>(element))
    return {};
  if (perAxis && perAxis.getQuantizedDimension() == axis) {
    SmallVector<double> scales(perAxis.getScales());
    SmallVector<int64_t> zeroPoints(perAxis.getZeroPoints());
    scales.append(extra, newScale);
    zeroPoints.append(extra, 0);
    padded = quant::UniformQuantizedPerAxisType::get(
        perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(), scales,
        zeroPoints, axis, perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
  }
  // Copy the values into the larger shape, zeros in the new slots.
  SmallVector<int64_t> shape(type.getShape());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= shape[d];
  int64_t size = shape[axis];
  shape[axis] += extra;
  std::vector<double> values = tensor->toReals();
  std::vector<double> result(outer * shape[axis] * inner, 0.0);
  for (int64_t o = 0; o < outer; ++o)
    std::copy_n(values.begin() + o * size * inner, size * inner,
                result.begin() + o * shape[axis] * inner);
  auto paddedType = RankedTensorType::get(shape, padded);
  return ConstantOp::create(builder, loc, paddedType,
                            ref::Tensor::fromReals(padded, shape, result).toAttr());
}

/// Zero-pads a weight or bias at the end of dimension `axis`: a quantized
/// constant directly (new per-channel scales `newScale`), anything else with
/// a pad layer that constant folding evaluates.
Value padWeights(OpBuilder &builder, Location loc, Value value, int64_t axis, int64_t extra,
                 double newScale) {
  if (Value padded = padQuantizedConstant(builder, loc, value, axis, extra, newScale))
    return padded;
  return padAxis(builder, loc, value, axis, extra);
}

/// Slices `value` to its first `size` elements along `axis`.
Value sliceAxis(OpBuilder &builder, Location loc, Value value, int64_t axis, int64_t size) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()),
      steps(type.getRank(), 1);
  ends[axis] = size;
  return SliceOp::create(builder, loc, value, starts, ends, steps);
}

/// Whether `slice` keeps the leading elements of one dimension whole
/// otherwise; returns that dimension.
std::optional<int64_t> trailingCutAxis(SliceOp slice) {
  auto input = slice.getInput().getType();
  std::optional<int64_t> axis;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (slice.getSteps()[i] != 1 || slice.getStarts()[i] != 0)
      return std::nullopt;
    if (slice.getEnds()[i] == input.getDimSize(i))
      continue;
    if (axis)
      return std::nullopt;
    axis = i;
  }
  return axis;
}

bool isHalf(Type element) { return llvm::isa<Float16Type, BFloat16Type>(element); }

/// Whether `conv` is an INT8 layer (after `kiln-fuse-qdq`): quantized input
/// and a quantized constant filter.
bool isInt8(ConvOp conv) {
  return isQuantized(getElementTypeOrSelf(conv.getInput().getType())) &&
         isQuantized(getElementTypeOrSelf(conv.getFilter().getType())) &&
         conv.getFilter().getDefiningOp<ConstantOp>();
}

/// The channel multiple a conv's tensor cores want: `half` for f16/bf16,
/// `int8` for INT8 layers, nothing (0) for other layers.
int64_t getAlignment(ConvOp conv, int64_t half, int64_t int8) {
  if (isHalf(conv.getType().getElementType()))
    return half;
  if (isInt8(conv))
    return int8;
  return 0;
}

/// The scale of a per-tensor quantized value's elements, or 1.
double getScale(Value value) {
  auto element = llvm::dyn_cast<quant::UniformQuantizedType>(
      getElementTypeOrSelf(value.getType()));
  return element ? element.getScale() : 1.0;
}

/// Pads a half-precision or INT8 conv's output channels, and with
/// `padInputs` its input channels too. INT8 weights and biases get zero
/// values and scale 1 (the bias: input scale × 1) for the new channels.
struct PadConv : OpRewritePattern<ConvOp> {
  PadConv(MLIRContext *context, int64_t halfAlignment, int64_t int8Alignment,
          bool padInputs, kiln::PassStatistic &count, kiln::PassStatistic &inChannels,
          kiln::PassStatistic &outChannels)
      : OpRewritePattern(context), halfAlignment(halfAlignment),
        int8Alignment(int8Alignment), padInputs(padInputs), count(count),
        inChannels(inChannels), outChannels(outChannels) {}

  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    int64_t alignment = getAlignment(conv, halfAlignment, int8Alignment);
    if (alignment <= 1 || conv.getGroups() != 1 ||
        !conv.getFilter().getType().hasStaticShape() || !conv.getType().hasStaticShape())
      return rewriter.notifyMatchFailure(
          conv, "not a one-group half-precision or INT8 conv to align");
    bool channelsLast = conv.getLayout() == Layout::channels_last;
    auto filterType = conv.getFilter().getType();
    int64_t rank = filterType.getRank();
    int64_t dataAxis = channelsLast ? rank - 1 : 1;
    int64_t filterInAxis = dataAxis;
    int64_t in = filterType.getDimSize(filterInAxis), out = filterType.getDimSize(0);
    int64_t paddedIn = padInputs ? roundUp(in, alignment) : in;
    int64_t paddedOut = roundUp(out, alignment);
    if (in == paddedIn && out == paddedOut)
      return rewriter.notifyMatchFailure(conv, "channels already aligned");

    Location loc = conv.getLoc();
    Value input = conv.getInput(), filter = conv.getFilter();
    Value bias = conv.getBias(), residual = conv.getResidual();
    if (paddedIn != in) {
      input = padAxis(rewriter, loc, input, dataAxis, paddedIn - in);
      filter = padWeights(rewriter, loc, filter, filterInAxis, paddedIn - in, 1.0);
    }
    if (paddedOut != out) {
      filter = padWeights(rewriter, loc, filter, 0, paddedOut - out, 1.0);
      if (bias)
        bias = padWeights(rewriter, loc, bias, 0, paddedOut - out, getScale(input));
      if (residual)
        residual = padAxis(rewriter, loc, residual, dataAxis, paddedOut - out);
    }
    Value padded = ConvOp::create(rewriter, loc,
                                  conv.getType().clone(paddedShape(conv, dataAxis, paddedOut)),
                                  input, filter, bias, residual,
                                  conv.getStridesAttr(), conv.getPadsAttr(),
                                  conv.getDilationsAttr(), 1, conv.getLayout(),
                                  conv.getActivationAttr());
    if (Attribute precision = conv->getAttr("kiln.precision"))
      padded.getDefiningOp()->setAttr("kiln.precision", precision);
    Value result = paddedOut != out ? sliceAxis(rewriter, loc, padded, dataAxis, out)
                                    : padded;
    rewriter.replaceOp(conv, result);
    ++count;
    inChannels += paddedIn - in;
    outChannels += paddedOut - out;
    return success();
  }

  /// The conv's result shape with `channels` output channels (built
  /// explicitly: inference would not know an INT8 result's scale).
  static SmallVector<int64_t> paddedShape(ConvOp conv, int64_t axis, int64_t channels) {
    SmallVector<int64_t> shape(conv.getType().getShape());
    shape[axis] = channels;
    return shape;
  }

  int64_t halfAlignment, int8Alignment;
  bool padInputs;
  kiln::PassStatistic &count, &inChannels, &outChannels;
};

/// f(slice(x)) → slice(f(x)) for unary pointwise layers, so padded channels
/// flow on to the next conv.
struct SinkSliceThroughUnary : OpInterfaceRewritePattern<PointwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(PointwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1 ||
        llvm::isa<CastOp, QuantizeOp, DequantizeOp>(op))
      return rewriter.notifyMatchFailure(op, "not a unary layer of one type");
    auto slice = op->getOperand(0).getDefiningOp<SliceOp>();
    if (!slice || !slice->hasOneUse() || !trailingCutAxis(slice))
      return rewriter.notifyMatchFailure(op, "input is not a single-use channel cut");
    Operation *moved = rewriter.clone(*op);
    moved->setOperand(0, slice.getInput());
    moved->getResult(0).setType(slice.getInput().getType());
    auto cut = SliceOp::create(rewriter, slice.getLoc(), moved->getResult(0),
                               slice.getStarts(), slice.getEnds(), slice.getSteps());
    rewriter.replaceOp(op, cut);
    return success();
  }
};

/// conv(slice(x)) cutting fewer than `alignment` trailing input channels of
/// x (the padding) → conv(x) with zero weights for those channels.
struct AbsorbSliceIntoConv : OpRewritePattern<ConvOp> {
  AbsorbSliceIntoConv(MLIRContext *context, int64_t alignment)
      : OpRewritePattern(context), alignment(alignment) {}

  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    auto slice = conv.getInput().getDefiningOp<SliceOp>();
    if (!slice || conv.getGroups() != 1)
      return rewriter.notifyMatchFailure(conv, "input is not a slice");
    int64_t rank = conv.getType().getRank();
    int64_t channelAxis = conv.getLayout() == Layout::channels_last ? rank - 1 : 1;
    std::optional<int64_t> axis = trailingCutAxis(slice);
    if (axis != channelAxis)
      return rewriter.notifyMatchFailure(conv, "the slice does not cut channels");
    int64_t extra = slice.getInput().getType().getDimSize(channelAxis) -
                    conv.getInput().getType().getDimSize(channelAxis);
    if (extra >= alignment)
      return rewriter.notifyMatchFailure(conv, "the slice cuts more than padding");
    Value filter =
        padWeights(rewriter, conv.getLoc(), conv.getFilter(), channelAxis, extra, 1.0);
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getInputMutable().assign(slice.getInput());
      conv.getFilterMutable().assign(filter);
    });
    return success();
  }

  int64_t alignment;
};

struct PadForAlignmentPass : kiln::impl::PadForAlignmentPassBase<PadForAlignmentPass> {
  using PadForAlignmentPassBase::PadForAlignmentPassBase;
  PadForAlignmentPass() = default;
  PadForAlignmentPass(const PadForAlignmentPass &other)
      : PadForAlignmentPassBase(other) {}

  kiln::PassStatistic numPadded{this, "padded-convs",
                                "Convolution paddings (outputs, then inputs)"};
  kiln::PassStatistic numInChannels{this, "padded-input-channels",
                                    "Zero input channels added to convolutions"};
  kiln::PassStatistic numOutChannels{this, "padded-output-channels",
                                     "Zero output channels added to convolutions"};

  void runOnOperation() override {
    if (halfAlignment <= 1 && int8Alignment <= 1)
      return;
    // First outputs, letting the padding flow into the next convs' inputs;
    // then whatever inputs are still unaligned (the network's own inputs).
    for (bool padInputs : {false, true}) {
      RewritePatternSet patterns(&getContext());
      patterns.add<PadConv>(&getContext(), halfAlignment, int8Alignment, padInputs,
                            numPadded, numInChannels, numOutChannels);
      patterns.add<SinkSliceThroughUnary>(&getContext());
      patterns.add<AbsorbSliceIntoConv>(&getContext(),
                                        std::max<int64_t>(halfAlignment, int8Alignment));
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
