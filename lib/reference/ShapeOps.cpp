//===- ShapeOps.cpp - reference kernels of data movement ops --------------===//
//
// Shuffles move elements without arithmetic, so they copy storage as it is:
// a quantized tensor keeps its integers, and the result takes the op's
// result type (a transpose moves a per-axis type's axis). Each kernel builds
// the source index of every result element, then copies.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;

/// Marks a result element that comes from no source element (padding).
static constexpr int64_t kOutside = -1;

/// Source index of every element of a result whose dimension d has size
/// offsets[d].size(): the sum over d of offsets[d][index_d], each term already
/// scaled by the source stride; kOutside when any term is.
static std::vector<int64_t> sumIndexMap(ArrayRef<std::vector<int64_t>> offsets) {
  int64_t count = 1;
  for (const std::vector<int64_t> &dim : offsets)
    count *= static_cast<int64_t>(dim.size());
  std::vector<int64_t> map(count);
  size_t rank = offsets.size();
  SmallVector<int64_t, 6> index(rank, 0);
  for (int64_t &entry : map) {
    int64_t source = 0;
    for (size_t d = 0; d < rank && source != kOutside; ++d) {
      int64_t term = offsets[d][index[d]];
      source = term == kOutside ? kOutside : source + term;
    }
    entry = source;
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      if (++index[d] < static_cast<int64_t>(offsets[d].size()))
        break;
      index[d] = 0;
    }
  }
  return map;
}

/// The tensor of `type` and `shape` whose element i is input element
/// sources[i], or the fill value where sources[i] is kOutside.
static Tensor copyFrom(const Tensor &input, Type type, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> sources, double fillFloat = 0.0,
                       ArrayRef<int64_t> fillInts = {}) {
  if (input.holdsFloats()) {
    std::vector<double> values(sources.size());
    ArrayRef<double> data = input.getFloats();
    for (size_t i = 0; i < sources.size(); ++i)
      values[i] = sources[i] == kOutside ? fillFloat : data[sources[i]];
    return Tensor(type, shape, std::move(values));
  }
  std::vector<int64_t> values(sources.size());
  ArrayRef<int64_t> data = input.getInts();
  for (size_t i = 0; i < sources.size(); ++i)
    values[i] = sources[i] != kOutside ? data[sources[i]]
                : fillInts.empty()     ? 0
                                       : fillInts[i];
  return Tensor(type, shape, std::move(values));
}

//===----------------------------------------------------------------------===//
// Transpose and layouts
//===----------------------------------------------------------------------===//

Tensor kiln::reference::detail::transposeTensor(const Tensor &input,
                                                ArrayRef<int64_t> perm,
                                                Type elementType) {
  SmallVector<int64_t, 6> strides = computeStrides(input.getShape());
  SmallVector<int64_t, 6> shape;
  std::vector<std::vector<int64_t>> offsets;
  for (int64_t p : perm) {
    shape.push_back(input.getShape()[p]);
    std::vector<int64_t> &dim = offsets.emplace_back(input.getShape()[p]);
    for (int64_t k = 0; k < input.getShape()[p]; ++k)
      dim[k] = k * strides[p];
  }
  return copyFrom(input, elementType ? elementType : input.getElementType(), shape,
                  sumIndexMap(offsets));
}

SmallVector<int64_t, 6> kiln::reference::detail::channelsLastToFirst(int64_t rank) {
  SmallVector<int64_t, 6> perm{0, rank - 1};
  for (int64_t d = 1; d < rank - 1; ++d)
    perm.push_back(d);
  return perm;
}

SmallVector<int64_t, 6> kiln::reference::detail::channelsFirstToLast(int64_t rank) {
  SmallVector<int64_t, 6> perm{0};
  for (int64_t d = 2; d < rank; ++d)
    perm.push_back(d);
  perm.push_back(1);
  return perm;
}

//===----------------------------------------------------------------------===//
// Concat, split, slice
//===----------------------------------------------------------------------===//

static FailureOr<Tensor> evalConcat(ConcatOp op, ArrayRef<Tensor> operands) {
  int64_t axis = op.getAxis();
  Shape shape(operands[0].getShape());
  shape[axis] = 0;
  for (const Tensor &operand : operands) {
    for (int64_t d = 0; d < operand.getRank(); ++d)
      if (d != axis && operand.getShape()[d] != shape[d])
        return op.emitOpError("inputs differ in dimension ") << d << ", not the axis";
    shape[axis] += operand.getShape()[axis];
  }
  // Result offsets along the axis where each input's slabs start.
  AxisLines lines(shape, axis);
  std::vector<int64_t> sources(numElementsOf(shape));
  std::vector<int64_t> owner(sources.size());
  int64_t start = 0;
  for (auto [n, operand] : llvm::enumerate(operands)) {
    AxisLines in(operand.getShape(), axis);
    for (int64_t o = 0; o < in.outer; ++o)
      for (int64_t k = 0; k < in.size; ++k)
        for (int64_t i = 0; i < in.stride; ++i) {
          int64_t result = lines.base(o, i) + (start + k) * lines.stride;
          sources[result] = in.base(o, i) + k * in.stride;
          owner[result] = static_cast<int64_t>(n);
        }
    start += in.size;
  }
  Type type = resultElementType(op);
  if (operands[0].holdsFloats()) {
    std::vector<double> values(sources.size());
    for (size_t i = 0; i < sources.size(); ++i)
      values[i] = operands[owner[i]].getFloats()[sources[i]];
    return Tensor(type, shape, std::move(values));
  }
  std::vector<int64_t> values(sources.size());
  for (size_t i = 0; i < sources.size(); ++i)
    values[i] = operands[owner[i]].getInts()[sources[i]];
  return Tensor(type, shape, std::move(values));
}

/// Elements start, start + step, … (count of them) in every dimension.
static Tensor sliceTensor(const Tensor &input, Type type, ArrayRef<int64_t> starts,
                          ArrayRef<int64_t> steps, ArrayRef<int64_t> counts) {
  SmallVector<int64_t, 6> strides = computeStrides(input.getShape());
  std::vector<std::vector<int64_t>> offsets;
  for (size_t d = 0; d < counts.size(); ++d) {
    std::vector<int64_t> &dim = offsets.emplace_back(counts[d]);
    for (int64_t k = 0; k < counts[d]; ++k)
      dim[k] = (starts[d] + k * steps[d]) * strides[d];
  }
  return copyFrom(input, type, counts, sumIndexMap(offsets));
}

static FailureOr<SmallVector<Tensor>> evalSplit(SplitOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis();
  int64_t total = 0;
  for (int64_t size : op.getSizes())
    total += size;
  if (total != input.getShape()[axis])
    return op.emitOpError("split sizes add up to ")
           << total << " but the axis has " << input.getShape()[axis];
  SmallVector<Tensor> results;
  SmallVector<int64_t, 6> starts(input.getRank(), 0), steps(input.getRank(), 1);
  for (auto [i, size] : llvm::enumerate(op.getSizes())) {
    SmallVector<int64_t, 6> counts(input.getShape());
    counts[axis] = size;
    results.push_back(
        sliceTensor(input, resultElementType(op, i), starts, steps, counts));
    starts[axis] += size;
  }
  return results;
}

static FailureOr<Tensor> evalSlice(SliceOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  SmallVector<int64_t, 6> counts;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t dim = input.getShape()[d];
    int64_t start = op.getStarts()[d], end = op.getEnds()[d], step = op.getSteps()[d];
    // The verifier checks normalized bounds against static sizes; a tensor
    // given for a dynamic size is checked here.
    bool inRange =
        dim == 0 || (step > 0 ? start >= 0 && start <= dim && end >= 0 && end <= dim
                              : start >= 0 && start < dim && end >= -1 && end < dim);
    if (step == 0 || !inRange)
      return op.emitOpError("slice bounds of dimension ")
             << d << " do not fit size " << dim;
    int64_t span = step > 0 ? end - start : start - end;
    int64_t stride = std::abs(step);
    counts.push_back(dim == 0 ? 0 : std::max<int64_t>(0, (span + stride - 1) / stride));
  }
  return sliceTensor(input, resultElementType(op), op.getStarts(), op.getSteps(), counts);
}

//===----------------------------------------------------------------------===//
// Reshape, flatten, expand, tile
//===----------------------------------------------------------------------===//

static FailureOr<Tensor> evalReshape(ReshapeOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  SmallVector<int64_t, 6> shape(op.getType().getShape());
  // A dynamic result size is whatever the element count leaves for it.
  int64_t known = 1, dynamic = -1;
  for (auto [i, size] : llvm::enumerate(shape)) {
    if (!ShapedType::isDynamic(size)) {
      known *= size;
    } else if (dynamic >= 0) {
      return op.emitOpError("result type has more than one dynamic size");
    } else {
      dynamic = static_cast<int64_t>(i);
    }
  }
  if (dynamic >= 0 && known != 0)
    shape[dynamic] = input.getNumElements() / known;
  if (numElementsOf(shape) != input.getNumElements())
    return op.emitOpError("cannot reshape ")
           << input.getNumElements() << " elements into " << op.getType();
  return input.reshaped(shape).withElementType(resultElementType(op));
}

static FailureOr<Tensor> evalFlatten(FlattenOp op, ArrayRef<Tensor> operands) {
  ArrayRef<int64_t> shape = operands[0].getShape();
  int64_t axis = op.getAxis();
  SmallVector<int64_t, 2> matrix{numElementsOf(shape.take_front(axis)),
                                 numElementsOf(shape.drop_front(axis))};
  return operands[0].reshaped(matrix).withElementType(resultElementType(op));
}

static FailureOr<Tensor> evalExpand(ExpandOp op, ArrayRef<Tensor> operands) {
  FailureOr<Shape> shape =
      broadcastShapes(op.getLoc(), {operands[0].getShape(), op.getShape()});
  if (failed(shape))
    return failure();
  return copyFrom(operands[0], resultElementType(op), *shape,
                  broadcastIndexMap(operands[0].getShape(), *shape));
}

static FailureOr<Tensor> evalTile(TileOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  SmallVector<int64_t, 6> strides = computeStrides(input.getShape());
  std::vector<std::vector<int64_t>> offsets;
  SmallVector<int64_t, 6> shape;
  for (auto [d, repeat] : llvm::enumerate(op.getRepeats())) {
    int64_t dim = input.getShape()[d];
    shape.push_back(dim * repeat);
    std::vector<int64_t> &offset = offsets.emplace_back(dim * repeat);
    for (int64_t k = 0; k < dim * repeat; ++k)
      offset[k] = (k % dim) * strides[d];
  }
  return copyFrom(input, resultElementType(op), shape, sumIndexMap(offsets));
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

/// Source coordinate of result coordinate `i` (already shifted by the begin
/// pad, so in [0, dim) inside the input) for the filling modes.
static int64_t padSource(PadMode mode, int64_t i, int64_t dim) {
  if (i >= 0 && i < dim)
    return i;
  switch (mode) {
  case PadMode::constant:
    return kOutside;
  case PadMode::edge:
    return i < 0 ? 0 : dim - 1;
  case PadMode::wrap:
    return ((i % dim) + dim) % dim;
  case PadMode::reflect: {
    if (dim == 1)
      return 0;
    // Mirror without repeating the edge: period 2·(dim − 1), as numpy does
    // for pads of any length.
    int64_t period = 2 * (dim - 1);
    int64_t m = ((i % period) + period) % period;
    return m < dim ? m : period - m;
  }
  }
  llvm_unreachable("unknown pad mode");
}

static FailureOr<Tensor> evalPad(PadOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  PadMode mode = op.getMode();
  // onnxruntime removes negative pads first and pads what is left, so the
  // filling modes mirror, repeat or wrap the cropped tensor.
  SmallVector<int64_t, 6> cropStarts, cropCounts, ones(rank, 1);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t begin = std::min<int64_t>(pads[d], 0),
            end = std::min<int64_t>(pads[rank + d], 0);
    cropStarts.push_back(-begin);
    cropCounts.push_back(input.getShape()[d] + begin + end);
    if (cropCounts.back() < 0)
      return op.emitOpError("negative pads remove more than dimension ") << d << " holds";
  }
  Tensor cropped =
      sliceTensor(input, input.getElementType(), cropStarts, ones, cropCounts);

  SmallVector<int64_t, 6> strides = computeStrides(cropped.getShape());
  std::vector<std::vector<int64_t>> offsets;
  SmallVector<int64_t, 6> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = cropped.getShape()[d];
    int64_t begin = std::max<int64_t>(pads[d], 0),
            end = std::max<int64_t>(pads[rank + d], 0);
    if (dim == 0 && mode != PadMode::constant && begin + end > 0)
      return op.emitOpError("cannot pad an empty dimension in this mode");
    shape.push_back(dim + begin + end);
    std::vector<int64_t> &offset = offsets.emplace_back(dim + begin + end);
    for (int64_t k = 0; k < dim + begin + end; ++k) {
      int64_t source = padSource(mode, k - begin, dim);
      offset[k] = source == kOutside ? kOutside : source * strides[d];
    }
  }
  std::vector<int64_t> sources = sumIndexMap(offsets);
  Type type = resultElementType(op);
  double value = op.getValue().convertToDouble();
  // The fill value is a real value: for a quantized tensor it is quantized
  // (to the zero point for 0), so the pad commutes with dequantization.
  std::vector<int64_t> fillInts;
  if (!input.holdsFloats()) {
    Tensor fill =
        Tensor::fromReals(type, shape, std::vector<double>(sources.size(), value));
    fillInts.assign(fill.getInts().begin(), fill.getInts().end());
  }
  double fillFloat =
      input.holdsFloats() ? roundToFloatType(llvm::cast<FloatType>(type), value) : 0.0;
  return copyFrom(cropped, type, shape, sources, fillFloat, fillInts);
}

//===----------------------------------------------------------------------===//
// Gather
//===----------------------------------------------------------------------===//

/// Index `index` along a dimension of size `dim`, negative ones counting from
/// the end; failure when out of range.
static FailureOr<int64_t> normalizeIndex(Operation *op, int64_t index, int64_t dim) {
  int64_t normalized = index < 0 ? index + dim : index;
  if (normalized < 0 || normalized >= dim)
    return op->emitOpError("index ")
           << index << " is out of range for a dimension of " << dim;
  return normalized;
}

static FailureOr<Tensor> evalGather(GatherOp op, ArrayRef<Tensor> operands) {
  const Tensor &data = operands[0], &indices = operands[1];
  int64_t axis = op.getAxis();
  AxisLines lines(data.getShape(), axis);
  Shape shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  std::vector<int64_t> sources;
  sources.reserve(numElementsOf(shape));
  for (int64_t o = 0; o < lines.outer; ++o) {
    for (int64_t index : indices.getInts()) {
      FailureOr<int64_t> k = normalizeIndex(op, index, lines.size);
      if (failed(k))
        return failure();
      for (int64_t i = 0; i < lines.stride; ++i)
        sources.push_back(lines.base(o, i) + *k * lines.stride);
    }
  }
  return copyFrom(data, resultElementType(op), shape, sources);
}

static FailureOr<Tensor> evalGatherElements(GatherElementsOp op,
                                            ArrayRef<Tensor> operands) {
  const Tensor &data = operands[0], &indices = operands[1];
  int64_t axis = op.getAxis(), rank = data.getRank();
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && indices.getShape()[d] > data.getShape()[d])
      return op.emitOpError("indices dimension ") << d << " exceeds the data's";
  SmallVector<int64_t, 6> strides = computeStrides(data.getShape());
  SmallVector<int64_t, 6> index(rank, 0);
  std::vector<int64_t> sources(indices.getNumElements());
  for (size_t n = 0; n < sources.size(); ++n) {
    FailureOr<int64_t> k =
        normalizeIndex(op, indices.getInts()[n], data.getShape()[axis]);
    if (failed(k))
      return failure();
    int64_t source = 0;
    for (int64_t d = 0; d < rank; ++d)
      source += (d == axis ? *k : index[d]) * strides[d];
    sources[n] = source;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < indices.getShape()[d])
        break;
      index[d] = 0;
    }
  }
  return copyFrom(data, resultElementType(op), indices.getShape(), sources);
}

void kiln::reference::detail::registerShapeKernels(KernelTable &table) {
  table.add<ConcatOp>(evalConcat);
  table.add<SplitOp>(evalSplit);
  table.add<SliceOp>(evalSlice);
  table.add<ReshapeOp>(evalReshape);
  table.add<FlattenOp>(evalFlatten);
  table.add<TransposeOp>(
      [](TransposeOp op, ArrayRef<Tensor> operands) -> FailureOr<Tensor> {
        return transposeTensor(operands[0], op.getPermutation(), resultElementType(op));
      });
  table.add<PadOp>(evalPad);
  table.add<GatherOp>(evalGather);
  table.add<GatherElementsOp>(evalGatherElements);
  table.add<ExpandOp>(evalExpand);
  table.add<TileOp>(evalTile);
}
