//===- NormOps.cpp - reference kernels of normalizations and softmax -------===//
//
// Statistics accumulate in double with two passes (mean, then the mean of
// squared deviations), the population variance ONNX specifies. Channel-wise
// normalizations compute channels-first and transpose channels-last tensors
// around that.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "dialects/nn/NNShapes.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;

/// Normalizes each of `count` groups of `size` consecutive elements of
/// `values` in place to zero mean and unit variance (with `epsilon`).
static void normalizeGroups(std::vector<double> &values, int64_t count, int64_t size,
                            double epsilon) {
  for (int64_t g = 0; g < count; ++g) {
    double *x = values.data() + g * size;
    double mean = 0.0;
    for (int64_t i = 0; i < size; ++i)
      mean += x[i];
    mean /= static_cast<double>(size);
    double variance = 0.0;
    for (int64_t i = 0; i < size; ++i)
      variance += (x[i] - mean) * (x[i] - mean);
    variance /= static_cast<double>(size);
    double inverse = 1.0 / std::sqrt(variance + epsilon);
    for (int64_t i = 0; i < size; ++i)
      x[i] = (x[i] - mean) * inverse;
  }
}

/// Applies per-channel `scale · x + bias` to channels-first `values` of
/// `shape`.
static void scaleChannels(std::vector<double> &values, ArrayRef<int64_t> shape,
                          ArrayRef<double> scale, ArrayRef<double> bias) {
  AxisLines lines(shape, 1);
  for (int64_t o = 0; o < lines.outer; ++o)
    for (int64_t c = 0; c < lines.size; ++c)
      for (int64_t i = 0; i < lines.stride; ++i) {
        double &v = values[lines.base(o, i) + c * lines.stride];
        v = v * scale[c] + bias[c];
      }
}

/// Checks that each per-channel parameter has one entry per channel.
static LogicalResult checkChannelParams(Operation *op, ArrayRef<Tensor> params,
                                        int64_t channels) {
  for (const Tensor &param : params.drop_front())
    if (param.getNumElements() != channels)
      return op->emitOpError("per-channel parameters must have ")
             << channels << " elements, got " << param.getType();
  return success();
}

/// The result of `op` from channels-first real values in `layout`.
static Tensor finishChannelsFirst(Operation *op, ArrayRef<int64_t> shape,
                                  std::vector<double> values, Layout layout) {
  Tensor first(Float64Type::get(op->getContext()), shape, std::move(values));
  Tensor result = fromChannelsFirst(first, layout);
  return Tensor::fromReals(resultElementType(op), result.getShape(), result.getFloats());
}

static FailureOr<Tensor> evalBatchNorm(BatchNormOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 2)
    return op.emitOpError("input needs a channel dimension");
  int64_t channels = x.getShape()[1];
  if (failed(checkChannelParams(op, operands, channels)))
    return failure();
  std::vector<double> scale = operands[1].toReals(), bias = operands[2].toReals(),
                      mean = operands[3].toReals(), variance = operands[4].toReals();
  double epsilon = op.getEpsilon().convertToDouble();
  // Folded into one scale and shift per channel, as inference runtimes do.
  std::vector<double> a(channels), b(channels);
  for (int64_t c = 0; c < channels; ++c) {
    a[c] = scale[c] / std::sqrt(variance[c] + epsilon);
    b[c] = bias[c] - mean[c] * a[c];
  }
  std::vector<double> values(x.getFloats().begin(), x.getFloats().end());
  scaleChannels(values, x.getShape(), a, b);
  return finishChannelsFirst(op, x.getShape(), std::move(values), op.getLayout());
}

static FailureOr<Tensor> evalInstanceNorm(InstanceNormOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 2)
    return op.emitOpError("input needs a channel dimension");
  int64_t batch = x.getShape()[0], channels = x.getShape()[1];
  if (failed(checkChannelParams(op, operands, channels)))
    return failure();
  std::vector<double> values(x.getFloats().begin(), x.getFloats().end());
  normalizeGroups(values, batch * channels, numElementsOf(x.getShape().drop_front(2)),
                  op.getEpsilon().convertToDouble());
  scaleChannels(values, x.getShape(), operands[1].toReals(), operands[2].toReals());
  return finishChannelsFirst(op, x.getShape(), std::move(values), op.getLayout());
}

static FailureOr<Tensor> evalGroupNorm(GroupNormOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 2)
    return op.emitOpError("input needs a channel dimension");
  int64_t batch = x.getShape()[0], channels = x.getShape()[1], groups = op.getGroups();
  if (channels % groups)
    return op.emitOpError("") << channels << " channels do not split into " << groups
                              << " groups";
  if (failed(checkChannelParams(op, operands, channels)))
    return failure();
  std::vector<double> values(x.getFloats().begin(), x.getFloats().end());
  // Channels-first, a group's channels and positions are contiguous.
  normalizeGroups(values, batch * groups,
                  channels / groups * numElementsOf(x.getShape().drop_front(2)),
                  op.getEpsilon().convertToDouble());
  scaleChannels(values, x.getShape(), operands[1].toReals(), operands[2].toReals());
  return finishChannelsFirst(op, x.getShape(), std::move(values), op.getLayout());
}

static FailureOr<Tensor> evalLayerNorm(LayerNormOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis();
  if (axis >= input.getRank())
    return op.emitOpError("axis ") << axis << " is out of range";
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  int64_t size = numElementsOf(normalized);
  std::vector<double> values = input.toReals();
  normalizeGroups(values, numElementsOf(input.getShape().take_front(axis)), size,
                  op.getEpsilon().convertToDouble());
  // Scale and bias broadcast to the normalized dimensions.
  for (const Tensor &param : operands.drop_front())
    if (!broadcastsTo(param.getShape(), normalized))
      return op.emitOpError("scale or bias ")
             << param.getType() << " does not broadcast to the normalized dimensions";
  std::vector<double> scale = operands[1].toReals();
  std::vector<int64_t> scaleMap = broadcastIndexMap(operands[1].getShape(), normalized);
  std::vector<double> bias;
  std::vector<int64_t> biasMap;
  if (op.getBias()) {
    bias = operands[2].toReals();
    biasMap = broadcastIndexMap(operands[2].getShape(), normalized);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t j = static_cast<int64_t>(i) % size;
    values[i] = values[i] * scale[scaleMap[j]] + (bias.empty() ? 0.0 : bias[biasMap[j]]);
  }
  return Tensor::fromReals(resultElementType(op), input.getShape(), values);
}

static FailureOr<Tensor> evalLRN(LRNOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 2)
    return op.emitOpError("input needs a channel dimension");
  int64_t size = op.getSize();
  double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble(),
         bias = op.getBias().convertToDouble();
  // ONNX: the square sum over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  AxisLines lines(x.getShape(), 1);
  ArrayRef<double> in = x.getFloats();
  std::vector<double> values(in.size());
  for (int64_t line = 0; line < lines.count(); ++line) {
    int64_t base = lines.lineBase(line);
    for (int64_t c = 0; c < lines.size; ++c) {
      double sum = 0.0;
      for (int64_t j = std::max<int64_t>(0, c - before);
           j <= std::min<int64_t>(lines.size - 1, c + after); ++j)
        sum += in[base + j * lines.stride] * in[base + j * lines.stride];
      int64_t i = base + c * lines.stride;
      values[i] = in[i] / std::pow(bias + alpha / static_cast<double>(size) * sum, beta);
    }
  }
  return finishChannelsFirst(op, x.getShape(), std::move(values), op.getLayout());
}

/// Softmax (or its log) along `axis`, subtracting the maximum first so that
/// exp cannot overflow.
static FailureOr<Tensor> softmax(Operation *op, const Tensor &input, int64_t axis,
                                 bool log) {
  if (axis >= input.getRank())
    return op->emitOpError("axis ") << axis << " is out of range";
  std::vector<double> values = input.toReals();
  AxisLines lines(input.getShape(), axis);
  for (int64_t line = 0; line < lines.count(); ++line) {
    double *x = values.data() + lines.lineBase(line);
    auto at = [&](int64_t k) -> double & { return x[k * lines.stride]; };
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < lines.size; ++k)
      max = std::max(max, at(k));
    double sum = 0.0;
    for (int64_t k = 0; k < lines.size; ++k)
      sum += std::exp(at(k) - max);
    for (int64_t k = 0; k < lines.size; ++k)
      at(k) = log ? at(k) - max - std::log(sum) : std::exp(at(k) - max) / sum;
  }
  return Tensor::fromReals(resultElementType(op), input.getShape(), values);
}

void kiln::reference::detail::registerNormKernels(KernelTable &table) {
  table.add<BatchNormOp>(evalBatchNorm);
  table.add<LayerNormOp>(evalLayerNorm);
  table.add<InstanceNormOp>(evalInstanceNorm);
  table.add<GroupNormOp>(evalGroupNorm);
  table.add<LRNOp>(evalLRN);
  table.add<SoftmaxOp>([](SoftmaxOp op, ArrayRef<Tensor> operands) {
    return softmax(op, operands[0], op.getAxis(), /*log=*/false);
  });
  table.add<LogSoftmaxOp>([](LogSoftmaxOp op, ArrayRef<Tensor> operands) {
    return softmax(op, operands[0], op.getAxis(), /*log=*/true);
  });
}
