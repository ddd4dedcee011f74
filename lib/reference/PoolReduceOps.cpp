//===- PoolReduceOps.cpp - reference kernels of pools, reductions, scans ---===//
//
// Pools compute on real values (a quantized max pool requantizes to the same
// storage values, since max commutes with quantization); reductions, arg
// max/min, top-k and cumsum also run on integers, in int64.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;

/// The most negative finite value of the float type behind `type`: what
/// onnxruntime's max pool yields for a window that covers only padding; for
/// integers, their smallest value.
static double lowestOf(Type type) {
  if (auto integer = llvm::dyn_cast<IntegerType>(type))
    return integer.isUnsigned() ? 0.0
                                : -std::ldexp(1.0, static_cast<int>(integer.getWidth()) - 1);
  auto floatType = llvm::cast<FloatType>(getExpressedType(type));
  return llvm::APFloat::getLargest(floatType.getFloatSemantics(), /*Negative=*/true)
      .convertToDouble();
}

//===----------------------------------------------------------------------===//
// Pools
//===----------------------------------------------------------------------===//

/// The windows of a pool: kernel, strides, pads and dilations.
struct PoolWindow {
  ArrayRef<int64_t> kernel, strides, pads, dilations;
};

/// Calls `visit(p, taps, padded)` for each output position `p` (row-major
/// over `outSpatial`) with the row-major input positions its window covers,
/// padding skipped, and the window's size counting padding. With
/// `clipAtEndPadding` (average pools) a window stops at the end padding
/// (onnxruntime's and ONNX's divisor with count_include_pad and ceil_mode).
static void forEachWindow(ArrayRef<int64_t> inSpatial, ArrayRef<int64_t> outSpatial,
                          const PoolWindow &window, bool clipAtEndPadding,
                          llvm::function_ref<void(int64_t, ArrayRef<int64_t>, int64_t)> visit) {
  size_t rank = inSpatial.size();
  int64_t outSize = numElementsOf(outSpatial);
  SmallVector<int64_t, 4> outCoord(rank, 0), start(rank), end(rank), counts(rank);
  std::vector<int64_t> taps;
  for (int64_t p = 0; p < outSize; ++p) {
    // Window of dimension d: start, start + dilation, … below end.
    int64_t padded = 1;
    for (size_t d = 0; d < rank; ++d) {
      start[d] = outCoord[d] * window.strides[d] - window.pads[d];
      end[d] = start[d] + window.kernel[d] * window.dilations[d];
      if (clipAtEndPadding)
        end[d] = std::min(end[d], inSpatial[d] + window.pads[rank + d]);
      counts[d] =
          end[d] > start[d] ? 1 + (end[d] - start[d] - 1) / window.dilations[d] : 0;
      padded *= counts[d];
    }
    taps.clear();
    forEachPosition(counts, [&](int64_t, ArrayRef<int64_t> k) {
      int64_t index = 0;
      for (size_t d = 0; d < rank; ++d) {
        int64_t c = start[d] + k[d] * window.dilations[d];
        if (c < 0 || c >= inSpatial[d])
          return;
        index = index * inSpatial[d] + c;
      }
      taps.push_back(index);
    });
    visit(p, taps, padded);
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      if (++outCoord[d] < outSpatial[d])
        break;
      outCoord[d] = 0;
    }
  }
}

/// Pools channels-first `x` (N × C × D…) into `outSpatial`.
static std::vector<double> pool(PoolOp op, const Tensor &x,
                                ArrayRef<int64_t> outSpatial) {
  ArrayRef<int64_t> inSpatial = x.getShape().drop_front(2);
  bool isMax = op.getKind() == PoolKind::max;
  bool includePad = op.getCountIncludePad();
  int64_t inSize = numElementsOf(inSpatial), outSize = numElementsOf(outSpatial);
  int64_t lines = x.getShape()[0] * x.getShape()[1];
  double lowest = lowestOf(resultElementType(op));
  // A max pool that quantizes is the max pool of the quantized input: a NaN
  // quantizes to the zero point, as 0 does, and -inf to the lowest value.
  bool quantizing = isQuantizingMaxPool(op);
  if (quantizing)
    lowest = -std::numeric_limits<double>::infinity();
  std::vector<double> out(lines * outSize);
  PoolWindow window{op.getKernel(), op.getStrides(), op.getPads(), op.getDilations()};
  forEachWindow(inSpatial, outSpatial, window, /*clipAtEndPadding=*/!isMax,
                [&](int64_t p, ArrayRef<int64_t> taps, int64_t padded) {
    for (int64_t line = 0; line < lines; ++line) {
      const double *in = x.getFloats().data() + line * inSize;
      double value;
      if (isMax) {
        value = lowest;
        for (int64_t t : taps)
          value = std::max(value, quantizing && std::isnan(in[t]) ? 0.0 : in[t]);
      } else {
        double sum = 0.0;
        for (int64_t t : taps)
          sum += in[t];
        int64_t divisor = includePad ? padded : static_cast<int64_t>(taps.size());
        value = taps.empty() ? 0.0 : sum / static_cast<double>(divisor);
      }
      out[line * outSize + p] = value;
    }
  });
  return out;
}

/// ONNX MaxPool's Indices: the first tap holding the window's maximum, as an
/// index into the whole input (row- or column-major over the spatial dims).
static FailureOr<Tensor> evalMaxPoolIndices(MaxPoolIndicesOp op,
                                            ArrayRef<Tensor> operands) {
  Tensor x = asReals(operands[0]);
  ArrayRef<int64_t> inSpatial = x.getShape().drop_front(2);
  Window window{op.getKernel(), op.getStrides(), op.getPads(), op.getDilations(),
                op.getCeilMode()};
  FailureOr<Shape> outSpatial = windowOutputShape(op.getLoc(), inSpatial, window);
  if (failed(outSpatial))
    return failure();
  size_t rank = inSpatial.size();
  int64_t inSize = numElementsOf(inSpatial), outSize = numElementsOf(*outSpatial);
  int64_t lines = x.getShape()[0] * x.getShape()[1];
  // A row-major spatial index in the order the op asks for.
  auto layoutIndex = [&](int64_t rowMajor) {
    if (!op.getColumnMajor())
      return rowMajor;
    SmallVector<int64_t, 4> coord(rank);
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      coord[d] = rowMajor % inSpatial[d];
      rowMajor /= inSpatial[d];
    }
    int64_t index = 0;
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d)
      index = index * inSpatial[d] + coord[d];
    return index;
  };
  std::vector<int64_t> out(lines * outSize);
  PoolWindow pw{op.getKernel(), op.getStrides(), op.getPads(), op.getDilations()};
  forEachWindow(inSpatial, *outSpatial, pw, /*clipAtEndPadding=*/false,
                [&](int64_t p, ArrayRef<int64_t> taps, int64_t) {
    for (int64_t line = 0; line < lines; ++line) {
      const double *in = x.getFloats().data() + line * inSize;
      // The first tap greater than all before it; NaNs never are, so a
      // window of NaNs names its first tap.
      int64_t best = taps.front();
      for (int64_t t : taps)
        if (in[t] > in[best] || (std::isnan(in[best]) && !std::isnan(in[t])))
          best = t;
      out[line * outSize + p] = line * inSize + layoutIndex(best);
    }
  });
  SmallVector<int64_t, 6> shape(x.getShape().take_front(2));
  llvm::append_range(shape, *outSpatial);
  return Tensor(IntegerType::get(op.getContext(), 64), shape, std::move(out));
}

/// The result of a pool computed channels-first.
static Tensor finishPool(Operation *op, Layout layout, SmallVector<int64_t, 6> shape,
                         std::vector<double> values) {
  Tensor first(Float64Type::get(op->getContext()), shape, std::move(values));
  Tensor result = fromChannelsFirst(first, layout);
  return Tensor::fromReals(resultElementType(op), result.getShape(), result.getFloats());
}

static FailureOr<Tensor> evalPool(PoolOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 3)
    return op.emitOpError("input needs a batch, a channel and a spatial dimension");
  Window window{op.getKernel(), op.getStrides(), op.getPads(), op.getDilations(),
                op.getCeilMode()};
  FailureOr<Shape> spatial =
      windowOutputShape(op.getLoc(), x.getShape().drop_front(2), window);
  if (failed(spatial))
    return failure();
  SmallVector<int64_t, 6> shape(x.getShape().take_front(2));
  llvm::append_range(shape, *spatial);
  return finishPool(op, op.getLayout(), shape, pool(op, x, *spatial));
}

static FailureOr<Tensor> evalGlobalPool(GlobalPoolOp op, ArrayRef<Tensor> operands) {
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  if (x.getRank() < 3)
    return op.emitOpError("input needs a batch, a channel and a spatial dimension");
  int64_t lines = x.getShape()[0] * x.getShape()[1];
  int64_t size = numElementsOf(x.getShape().drop_front(2));
  bool isMax = op.getKind() == PoolKind::max;
  std::vector<double> out(lines);
  for (int64_t line = 0; line < lines; ++line) {
    const double *in = x.getFloats().data() + line * size;
    double value = isMax ? lowestOf(resultElementType(op)) : 0.0;
    for (int64_t i = 0; i < size; ++i)
      value = isMax ? std::max(value, in[i]) : value + in[i];
    out[line] = isMax || size == 0 ? value : value / static_cast<double>(size);
  }
  SmallVector<int64_t, 6> shape(x.getShape().take_front(2));
  shape.append(x.getRank() - 2, 1);
  return finishPool(op, op.getLayout(), shape, std::move(out));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// For every element of `shape`, the index of the output element it reduces
/// into when `axes` are reduced (kept as size-1 dimensions).
static std::vector<int64_t> reductionIndexMap(ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> axes,
                                              SmallVector<int64_t, 6> &keptShape) {
  keptShape.assign(shape.begin(), shape.end());
  for (int64_t axis : axes)
    keptShape[axis] = 1;
  SmallVector<int64_t, 6> keptStrides = computeStrides(keptShape);
  std::vector<int64_t> map(numElementsOf(shape));
  SmallVector<int64_t, 6> index(shape.size(), 0);
  for (int64_t &entry : map) {
    int64_t out = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      out += (keptShape[d] == 1 ? 0 : index[d]) * keptStrides[d];
    entry = out;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return map;
}

static FailureOr<Tensor> evalReduce(ReduceOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  ArrayRef<int64_t> axes = op.getAxes();
  if (failed(verifyAxes(op.getLoc(), axes, input.getRank(), "axes")))
    return failure();
  SmallVector<int64_t, 6> keptShape;
  std::vector<int64_t> map = reductionIndexMap(input.getShape(), axes, keptShape);
  SmallVector<int64_t, 6> shape;
  for (auto [d, size] : llvm::enumerate(keptShape))
    if (op.getKeepDims() || !llvm::is_contained(axes, static_cast<int64_t>(d)))
      shape.push_back(size);
  int64_t outCount = numElementsOf(keptShape);
  int64_t reduced = outCount ? input.getNumElements() / outCount : 0;
  ReduceKind kind = op.getKind();
  Type type = resultElementType(op);

  if (!input.holdsFloats()) {
    // Integers reduce in int64 and wrap; mean divides with truncation, as
    // onnxruntime's integer ReduceMean does.
    auto integer = llvm::cast<IntegerType>(type);
    int64_t init = kind == ReduceKind::prod ? 1 : 0;
    if (kind == ReduceKind::max || kind == ReduceKind::min) {
      // An empty max (min) yields the type's lowest (highest) value.
      int64_t width = integer.getWidth();
      int64_t low = std::numeric_limits<int64_t>::min(),
              high = std::numeric_limits<int64_t>::max();
      if (integer.isUnsigned()) {
        low = 0;
        high = width < 64 ? (int64_t{1} << width) - 1 : high;
      } else if (width < 64) {
        low = -(int64_t{1} << (width - 1));
        high = (int64_t{1} << (width - 1)) - 1;
      }
      init = kind == ReduceKind::max ? low : high;
    }
    std::vector<int64_t> acc(outCount, init);
    ArrayRef<int64_t> data = input.getInts();
    for (size_t i = 0; i < map.size(); ++i) {
      int64_t x = data[i], &a = acc[map[i]];
      auto add = [](int64_t u, int64_t v) {
        return static_cast<int64_t>(static_cast<uint64_t>(u) + static_cast<uint64_t>(v));
      };
      auto mul = [](int64_t u, int64_t v) {
        return static_cast<int64_t>(static_cast<uint64_t>(u) * static_cast<uint64_t>(v));
      };
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        a = add(a, x);
        break;
      case ReduceKind::prod:
        a = mul(a, x);
        break;
      case ReduceKind::max:
        a = std::max(a, x);
        break;
      case ReduceKind::min:
        a = std::min(a, x);
        break;
      case ReduceKind::l1:
        a = add(a, x < 0 ? mul(x, -1) : x);
        break;
      case ReduceKind::l2:
      case ReduceKind::sum_square:
        a = add(a, mul(x, x));
        break;
      case ReduceKind::log_sum:
      case ReduceKind::log_sum_exp:
        return op.emitOpError("log reductions need a float tensor");
      }
    }
    for (int64_t &a : acc) {
      if (kind == ReduceKind::mean && reduced)
        a /= reduced;
      if (kind == ReduceKind::l2)
        a = static_cast<int64_t>(std::sqrt(static_cast<double>(a)));
      a = wrapToIntegerType(integer, a);
    }
    return Tensor(type, shape, std::move(acc));
  }

  // Empty reductions yield ONNX's identities: 0 for sums, 1 for prod, −inf
  // for max and the log reductions, +inf for min, NaN for mean (0/0).
  double inf = std::numeric_limits<double>::infinity();
  ArrayRef<double> data = input.getFloats();
  std::vector<double> acc(outCount, 0.0);
  if (kind == ReduceKind::prod)
    std::fill(acc.begin(), acc.end(), 1.0);
  if (kind == ReduceKind::max)
    std::fill(acc.begin(), acc.end(), -inf);
  if (kind == ReduceKind::min)
    std::fill(acc.begin(), acc.end(), inf);
  // log_sum_exp subtracts each output's maximum, so exp cannot overflow.
  std::vector<double> max;
  if (kind == ReduceKind::log_sum_exp) {
    max.assign(outCount, -inf);
    for (size_t i = 0; i < map.size(); ++i)
      max[map[i]] = std::max(max[map[i]], data[i]);
  }
  for (size_t i = 0; i < map.size(); ++i) {
    double x = data[i], &a = acc[map[i]];
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::mean:
    case ReduceKind::log_sum:
      a += x;
      break;
    case ReduceKind::prod:
      a *= x;
      break;
    case ReduceKind::max:
      a = std::isnan(x) || std::isnan(a) ? std::numeric_limits<double>::quiet_NaN()
                                         : std::max(a, x);
      break;
    case ReduceKind::min:
      a = std::isnan(x) || std::isnan(a) ? std::numeric_limits<double>::quiet_NaN()
                                         : std::min(a, x);
      break;
    case ReduceKind::l1:
      a += std::fabs(x);
      break;
    case ReduceKind::l2:
    case ReduceKind::sum_square:
      a += x * x;
      break;
    case ReduceKind::log_sum_exp:
      if (std::isfinite(max[map[i]]))
        a += std::exp(x - max[map[i]]);
      break;
    }
  }
  for (int64_t o = 0; o < outCount; ++o) {
    double &a = acc[o];
    if (kind == ReduceKind::mean)
      a /= static_cast<double>(reduced);
    else if (kind == ReduceKind::l2)
      a = std::sqrt(a);
    else if (kind == ReduceKind::log_sum)
      a = std::log(a);
    else if (kind == ReduceKind::log_sum_exp)
      a = std::isfinite(max[o]) ? max[o] + std::log(a) : max[o];
  }
  return Tensor::fromReals(type, shape, acc);
}

//===----------------------------------------------------------------------===//
// Arg max/min, top-k, cumsum
//===----------------------------------------------------------------------===//

/// The real or integer value of element i, for ordering.
static double orderValue(const Tensor &t, int64_t i) {
  return t.holdsFloats() ? t.getFloats()[i] : static_cast<double>(t.getInts()[i]);
}

template <typename OpT>
static FailureOr<Tensor> evalArg(OpT op, ArrayRef<Tensor> operands, bool isMax) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis();
  if (axis >= input.getRank())
    return op.emitOpError("axis ") << axis << " is out of range";
  AxisLines lines(input.getShape(), axis);
  if (lines.size == 0)
    return op.emitOpError("cannot take the arg of an empty dimension");
  bool last = op.getSelectLastIndex();
  std::vector<int64_t> out(lines.count());
  for (int64_t line = 0; line < lines.count(); ++line) {
    int64_t base = lines.lineBase(line), best = 0;
    double bestValue = orderValue(input, base);
    for (int64_t k = 1; k < lines.size; ++k) {
      double v = orderValue(input, base + k * lines.stride);
      bool better = isMax ? (last ? v >= bestValue : v > bestValue)
                          : (last ? v <= bestValue : v < bestValue);
      if (better) {
        best = k;
        bestValue = v;
      }
    }
    out[line] = best;
  }
  SmallVector<int64_t, 6> shape(input.getShape());
  if (op.getKeepDims())
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  return Tensor(resultElementType(op), shape, std::move(out));
}

static FailureOr<SmallVector<Tensor>> evalTopK(TopKOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis(), k = op.getK();
  if (axis >= input.getRank() || k > input.getShape()[axis])
    return op.emitOpError("k ") << k << " exceeds the size of axis " << axis;
  AxisLines in(input.getShape(), axis);
  SmallVector<int64_t, 6> shape(input.getShape());
  shape[axis] = k;
  AxisLines out(shape, axis);
  bool smallest = op.getSmallest();
  std::vector<int64_t> order(in.size), indices(numElementsOf(shape));
  std::vector<int64_t> sources(indices.size());
  for (int64_t line = 0; line < in.count(); ++line) {
    int64_t base = in.lineBase(line), outBase = out.lineBase(line);
    std::iota(order.begin(), order.end(), 0);
    // Sorted either way (a valid order for `unsorted`); ties keep the lower
    // index first, as ONNX requires.
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      double x = orderValue(input, base + a * in.stride);
      double y = orderValue(input, base + b * in.stride);
      return smallest ? x < y : x > y;
    });
    for (int64_t j = 0; j < k; ++j) {
      indices[outBase + j * out.stride] = order[j];
      sources[outBase + j * out.stride] = base + order[j] * in.stride;
    }
  }
  SmallVector<Tensor> results;
  if (input.holdsFloats()) {
    std::vector<double> values(sources.size());
    for (size_t i = 0; i < sources.size(); ++i)
      values[i] = input.getFloats()[sources[i]];
    results.emplace_back(resultElementType(op, 0), shape, std::move(values));
  } else {
    std::vector<int64_t> values(sources.size());
    for (size_t i = 0; i < sources.size(); ++i)
      values[i] = input.getInts()[sources[i]];
    results.emplace_back(resultElementType(op, 0), shape, std::move(values));
  }
  results.emplace_back(resultElementType(op, 1), shape, std::move(indices));
  return results;
}

static FailureOr<Tensor> evalCumSum(CumSumOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis();
  if (axis >= input.getRank())
    return op.emitOpError("axis ") << axis << " is out of range";
  AxisLines lines(input.getShape(), axis);
  bool exclusive = op.getExclusive(), reverse = op.getReverse();
  auto scan = [&](auto data, auto &out, auto add) {
    for (int64_t line = 0; line < lines.count(); ++line) {
      int64_t base = lines.lineBase(line);
      typename std::decay_t<decltype(out)>::value_type sum = 0;
      for (int64_t j = 0; j < lines.size; ++j) {
        int64_t k = reverse ? lines.size - 1 - j : j;
        int64_t i = base + k * lines.stride;
        if (exclusive) {
          out[i] = sum;
          sum = add(sum, data[i]);
        } else {
          sum = add(sum, data[i]);
          out[i] = sum;
        }
      }
    }
  };
  Type type = resultElementType(op);
  if (input.holdsFloats()) {
    std::vector<double> out(input.getNumElements());
    scan(input.getFloats(), out, [](double a, double b) { return a + b; });
    return Tensor::fromReals(type, input.getShape(), out);
  }
  std::vector<int64_t> out(input.getNumElements());
  auto integer = llvm::cast<IntegerType>(type);
  scan(input.getInts(), out, [&](int64_t a, int64_t b) {
    return wrapToIntegerType(integer, static_cast<int64_t>(static_cast<uint64_t>(a) +
                                                           static_cast<uint64_t>(b)));
  });
  return Tensor(type, input.getShape(), std::move(out));
}

void kiln::reference::detail::registerPoolReduceKernels(KernelTable &table) {
  table.add<PoolOp>(evalPool);
  table.add<MaxPoolIndicesOp>(evalMaxPoolIndices);
  table.add<GlobalPoolOp>(evalGlobalPool);
  table.add<ReduceOp>(evalReduce);
  table.add<ArgMaxOp>([](ArgMaxOp op, ArrayRef<Tensor> operands) {
    return evalArg(op, operands, /*isMax=*/true);
  });
  table.add<ArgMinOp>([](ArgMinOp op, ArrayRef<Tensor> operands) {
    return evalArg(op, operands, /*isMax=*/false);
  });
  table.add<TopKOp>(evalTopK);
  table.add<CumSumOp>(evalCumSum);
}
