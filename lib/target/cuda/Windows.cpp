//===- Windows.cpp - pooling windows and LRN ------------------------------===//
//
// One thread per output element (channels-last: consecutive threads take
// consecutive channels, so loads coalesce; channels-last max pools take a
// vector of up to 16 bytes of channels per thread), looping over its window
// with compile-time bounds, as lib/reference/PoolReduceOps.cpp and NormOps.cpp
// define them: max pools start from the lowest finite value and drop NaN
// (std::max), average pools sum in double in the reference's order and
// divide by the padded or the valid count; quantized max pools compare the
// stored integers; max pools that quantize a float input start from -inf,
// count NaN as 0 and quantize the maximum once.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

namespace {
/// The dimensions of an N × C × spatial tensor in either layout.
struct ChannelDims {
  int64_t channel;
  SmallVector<int64_t> spatial;
};
} // namespace

static ChannelDims channelDims(int64_t rank, Layout layout) {
  ChannelDims dims;
  bool last = layout == Layout::channels_last;
  dims.channel = last ? rank - 1 : 1;
  for (int64_t d = last ? 1 : 2; d < (last ? rank - 1 : rank); ++d)
    dims.spatial.push_back(d);
  return dims;
}

/// Opens the grid-stride loop over the `count` elements of `output` and
/// returns their coordinates.
static SmallVector<std::string> openOutputLoop(KernelWriter &w, const TensorView &output,
                                               int64_t bound) {
  int64_t count = output.numElements();
  emitIndexTypes(w, std::max(bound, count) + gridStrideThreads(count));
  w.open("for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < " + std::to_string(count) +
         "; i += gridDim.x * blockDim.x)");
  return emitCoordinates(w, "i", output.shape(), "o");
}

//===----------------------------------------------------------------------===//
// pool
//===----------------------------------------------------------------------===//

/// Whether a max pool of `type` compares stored integers (quantized values
/// and ONNX MaxPool's integer types) rather than real values.
static bool comparesStorage(Type type) {
  return isQuantizedElement(type) || llvm::isa<IntegerType>(type);
}

/// The running max of a max pool of `type`: its C type and first value, the
/// lowest stored integer, or the lowest finite value held in `value`.
static std::pair<std::string, std::string> maxPoolStart(Type type, Compute value) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type))
    return {storageType(type), std::to_string(quantized.getStorageTypeMin())};
  if (auto integer = llvm::dyn_cast<IntegerType>(type)) {
    int64_t lowest = integer.isUnsigned() ? 0 : -(int64_t{1} << (integer.getWidth() - 1));
    return {storageType(type), intLiteral(type, lowest)};
  }
  double lowest = llvm::APFloat::getLargest(
                      llvm::cast<FloatType>(getExpressedType(type)).getFloatSemantics(),
                      /*Negative=*/true)
                      .convertToDouble();
  return {computeType(value).str(), floatLiteral(lowest, value)};
}

/// Whether a max pool from `in` to `out` quantizes a float input.
static bool quantizes(Type in, Type out) {
  return llvm::isa<FloatType>(in) && llvm::isa<quant::QuantizedType>(out);
}

/// A quantizing max pool's start (-inf, which quantizes to the lowest
/// value) and tap: a NaN counts as 0, which quantizes to the zero point as
/// the NaN does, so the result is the max pool of the quantized input.
static std::string quantizingStart(Compute value) {
  return value == Compute::Double ? "__longlong_as_double(0xfff0000000000000ULL)"
                                  : "__int_as_float(0xff800000)";
}
static std::string quantizingTap(llvm::StringRef real) {
  return ("(isnan(" + real + ") ? 0 : " + real + ")").str();
}

/// Lanes per thread of a channels-last max pool that loads whole 16-byte
/// vectors of channels (a pool's work is memory traffic: one element per
/// thread leaves int8 pools at a tenth of the bandwidth), or 0 when the
/// element-per-thread form must run: another layout, an average, input and
/// output of different types (but for a float input quantized per tensor),
/// a splat, channels that are not contiguous, or fewer than two lanes.
static int64_t maxPoolLanes(PoolOp op, const TensorView &input, const TensorView &output) {
  if (op.getKind() != PoolKind::max || op.getLayout() != Layout::channels_last)
    return 0;
  Type type = input.element();
  // The output keeps the type, or quantizes the float input per tensor.
  auto quantized = llvm::dyn_cast<quant::UniformQuantizedType>(output.element());
  if ((type != output.element() && !(quantized && llvm::isa<FloatType>(type))) ||
      !input.splat.empty())
    return 0;
  bool storageMax = comparesStorage(type);
  if (!storageMax && !(type.isF32() || type.isF16() || type.isBF16()))
    return 0;
  int64_t channels = input.shape().back();
  int64_t lanes = 16 / storageBytes(type);
  // Every vector must start on its own alignment: the channel count and
  // every stride are multiples of it (pointers are checked at run time).
  auto fits = [&](int64_t width) {
    if (channels % width != 0 || input.strides.back() != 1 || output.strides.back() != 1)
      return false;
    for (int64_t stride : llvm::concat<const int64_t>(input.strides, output.strides))
      if (stride % width != 0 && stride != 1)
        return false;
    return true;
  };
  while (lanes > 1 && !fits(lanes))
    lanes /= 2;
  return lanes >= 2 ? lanes : 0;
}

/// The max pool of maxPoolLanes: each thread takes `lanes` adjacent channels
/// of one output position, one vector load per tap. Values compare as the
/// element-per-thread form does (stored integers; floats widened, NaN never
/// winning), so both forms give the same bits. Misaligned pointers (a slice
/// of a concatenation) fall back to lane-by-lane loads of the same values.
static Launch emitVectorMaxPool(KernelWriter &w, PoolOp op, const TensorView &input,
                                const TensorView &output, int64_t lanes) {
  int64_t rank = input.rank();
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  Type type = input.element(), outType = output.element();
  bool storageMax = comparesStorage(type);
  std::string storage = storageType(type), L = std::to_string(lanes);
  std::string vec = "kiln_vec<" + storage + ", " + L + ">";
  std::string outVec = "kiln_vec<" + storageType(outType) + ", " + L + ">";

  SmallVector<int64_t> shape(output.shape());
  shape.back() /= lanes;
  int64_t count = output.numElements() / lanes;
  emitIndexTypes(w, std::max(input.extent(), output.extent()) + gridStrideThreads(count));
  if (vec == outVec)
    w.line("const bool whole = ((unsigned long long)" + input.pointer +
           " | (unsigned long long)" + output.pointer + ") % sizeof(" + vec + ") == 0;");
  else
    w.line("const bool whole = (unsigned long long)" + input.pointer + " % sizeof(" + vec +
           ") == 0 && (unsigned long long)" + output.pointer + " % sizeof(" + outVec +
           ") == 0;");
  w.open("for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < " + std::to_string(count) +
         "; i += gridDim.x * blockDim.x)");
  SmallVector<std::string> o = emitCoordinates(w, "i", shape, "o");
  w.line("const I c0 = " + o.back() + " * " + L + ";");

  auto [accType, init] = maxPoolStart(type, Compute::Float);
  bool quantizing = quantizes(type, outType);
  if (quantizing)
    init = quantizingStart(Compute::Float);
  w.line(accType + " acc[" + L + "];");
  w.line("#pragma unroll");
  w.line("for (int j = 0; j < " + L + "; ++j) acc[j] = " + init + ";");

  std::string offset = offsetExpr({o[0], "c0"}, {input.strides[0], 1});
  for (int64_t d = 1; d + 1 < rank; ++d) {
    size_t k = d - 1;
    std::string t = "t" + std::to_string(k), x = "x" + std::to_string(k);
    if (kernel[k] <= 8)
      w.line("#pragma unroll");
    w.open("for (int " + t + " = 0; " + t + " < " + std::to_string(kernel[k]) + "; ++" + t +
           ")");
    w.line("const S " + x + " = (S)" + o[d] + " * " + std::to_string(strides[k]) + " - " +
           std::to_string(pads[k]) + " + " + t + " * " + std::to_string(dilations[k]) + ";");
    w.line("if (" + x + " < 0 || " + x + " >= " + std::to_string(input.shape()[d]) +
           ") continue;");
    offset += " + (I)" + x + " * " + std::to_string(input.strides[d]);
  }
  w.line("const I at = " + offset + ";");
  w.line(vec + " v;");
  w.line("if (whole) v = *reinterpret_cast<const " + vec + " *>(" + input.pointer + " + at);");
  w.line("else for (int j = 0; j < " + L + "; ++j) v.v[j] = " + input.loadStorage("at + j") +
         ";");
  w.line("#pragma unroll");
  w.open("for (int j = 0; j < " + L + "; ++j)");
  std::string tap = storageMax ? std::string("v.v[j]")
                              : realOf(w, type, fromStorage(type, "v.v[j]"), Compute::Float);
  w.line("acc[j] = kiln_max(acc[j], " + (quantizing ? quantizingTap(tap) : tap) + ");");
  w.close();
  for (int64_t d = 1; d + 1 < rank; ++d)
    w.close();

  // The maximum in the output's type: the same, or quantized.
  w.line(outVec + " r;");
  w.line("#pragma unroll");
  w.open("for (int j = 0; j < " + L + "; ++j)");
  w.line("r.v[j] = " +
         (storageMax ? std::string("acc[j]")
                    : toStorage(outType, fromReal(w, outType, "acc[j]", Compute::Float))) +
         ";");
  w.close();
  // o.back() counts vectors: the channel offset is c0.
  SmallVector<std::string> outCoords(o);
  outCoords.back() = "c0";
  std::string at = offsetExpr(outCoords, output.strides);
  w.line("if (whole) *reinterpret_cast<" + outVec + " *>(" + output.pointer + " + " + at +
         ") = r;");
  w.line("else for (int j = 0; j < " + L + "; ++j) " + output.pointer + "[" + at +
         " + j] = r.v[j];");
  w.close();
  return gridStrideLaunch(count);
}

static Launch emitPool(KernelWriter &w, PoolOp op, const TensorView &input,
                       const TensorView &output) {
  int64_t rank = input.rank();
  ChannelDims dims = channelDims(rank, op.getLayout());
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  size_t spatialRank = dims.spatial.size();
  if (int64_t lanes = maxPoolLanes(op, input, output))
    return emitVectorMaxPool(w, op, input, output, lanes);
  bool isMax = op.getKind() == PoolKind::max;
  Type inType = input.element(), outType = output.element();
  // Max pools of quantized values and of integers compare the stored
  // integers as they are.
  bool storageMax = isMax && comparesStorage(inType);
  Compute value = getExpressedType(inType).isF64() ? Compute::Double : Compute::Float;

  SmallVector<std::string> o = openOutputLoop(w, output, input.extent());
  // Window starts (and, for averages, ends clipped at the end padding).
  SmallVector<std::string> starts, ends;
  for (size_t d = 0; d < spatialRank; ++d) {
    int64_t dim = dims.spatial[d], size = input.shape()[dim];
    std::string start = "s" + std::to_string(d);
    w.line("const S " + start + " = (S)" + o[dim] + " * " + std::to_string(strides[d]) +
           " - " + std::to_string(pads[d]) + ";");
    starts.push_back(start);
    if (!isMax) {
      std::string end = "e" + std::to_string(d);
      w.line("const S " + end + " = kiln_min<S>(" + start + " + " +
             std::to_string(kernel[d] * dilations[d]) + ", " +
             std::to_string(size + pads[spatialRank + d]) + ");");
      ends.push_back(end);
    }
  }
  std::string base = offsetExpr({o[0], o[dims.channel]},
                                {input.strides[0], input.strides[dims.channel]});
  std::string accType = "double", init = "0.0";
  bool quantizing = isMax && quantizes(inType, outType);
  if (isMax)
    std::tie(accType, init) = maxPoolStart(inType, value);
  if (quantizing)
    init = quantizingStart(value);
  w.line(accType + " acc = " + init + ";");
  if (!isMax)
    w.line("int taps = 0;");

  // One loop per spatial dimension over the window's taps.
  std::string offset = base;
  for (size_t d = 0; d < spatialRank; ++d) {
    int64_t dim = dims.spatial[d];
    std::string t = "t" + std::to_string(d), x = "x" + std::to_string(d);
    if (kernel[d] <= 8)
      w.line("#pragma unroll");
    w.open("for (int " + t + " = 0; " + t + " < " + std::to_string(kernel[d]) + "; ++" + t +
           ")");
    w.line("const S " + x + " = " + starts[d] + " + " + t + " * " +
           std::to_string(dilations[d]) + ";");
    if (!isMax)
      w.line("if (" + x + " >= " + ends[d] + ") break;");
    w.line("if (" + x + " < 0 || " + x + " >= " + std::to_string(input.shape()[dim]) +
           ") continue;");
    offset += " + (I)" + x + " * " + std::to_string(input.strides[dim]);
  }
  std::string element = input.load(offset);
  if (storageMax) {
    w.line("acc = kiln_max(acc, " + element + ");");
  } else {
    int64_t axis = quantizedAxis(inType);
    std::string real = realOf(w, inType, element,
                              isQuantizedElement(inType) || !isMax ? Compute::Double : value,
                              axis >= 0 ? o[axis] : "");
    if (isMax) {
      w.line("acc = kiln_max(acc, " + (quantizing ? quantizingTap(real) : real) + ");");
    } else {
      w.line("acc += " + real + ";");
      w.line("++taps;");
    }
  }
  for (size_t d = 0; d < spatialRank; ++d)
    w.close();

  std::string result = "acc";
  Compute held = storageMax ? value : (isMax ? value : Compute::Double);
  if (!isMax) {
    std::string divisor = "taps";
    if (op.getCountIncludePad()) {
      // The padded window: every position from start to the clipped end.
      divisor = "1";
      for (size_t d = 0; d < spatialRank; ++d)
        divisor += " * (int)(" + ends[d] + " > " + starts[d] + " ? 1 + (" + ends[d] + " - " +
                   starts[d] + " - 1) / " + std::to_string(dilations[d]) + " : 0)";
    }
    result = "(taps == 0 ? 0.0 : acc / (double)(" + divisor + "))";
  }
  int64_t outAxis = quantizedAxis(outType);
  std::string stored =
      storageMax ? "acc" : fromReal(w, outType, result, held, outAxis >= 0 ? o[outAxis] : "");
  w.line(output.store(offsetExpr(o, output.strides), stored));
  w.close();
  return gridStrideLaunch(output.numElements());
}

//===----------------------------------------------------------------------===//
// lrn
//===----------------------------------------------------------------------===//

/// x / (bias + alpha / size · Σ x²)^beta over channels [c − ⌊(size−1)/2⌋,
/// c + ⌈(size−1)/2⌉], in double as the reference.
static Launch emitLRN(KernelWriter &w, LRNOp op, const TensorView &input,
                      const TensorView &output) {
  int64_t rank = input.rank();
  int64_t channel = channelDims(rank, op.getLayout()).channel;
  int64_t channels = input.shape()[channel], size = op.getSize();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  SmallVector<std::string> o = openOutputLoop(w, output, input.extent());
  SmallVector<std::string> others(o);
  others[channel] = "0";
  std::string base = offsetExpr(others, input.strides);
  std::string c = o[channel];
  w.line("double sum = 0.0;");
  w.line("const S first = kiln_max<S>(0, (S)" + c + " - " + std::to_string(before) + ");");
  w.line("const S last = kiln_min<S>(" + std::to_string(channels - 1) + ", (S)" + c + " + " +
         std::to_string(after) + ");");
  w.open("for (S j = first; j <= last; ++j)");
  w.line("const double x = (double)" +
         input.load(base + " + (I)j * " + std::to_string(input.strides[channel])) + ";");
  w.line("sum = __dadd_rn(sum, __dmul_rn(x, x));");
  w.close();
  auto lit = [](double v) { return floatLiteral(v, Compute::Double); };
  std::string scale = "__dadd_rn(" + lit(op.getBias().convertToDouble()) + ", __dmul_rn(__ddiv_rn(" +
                      lit(op.getAlpha().convertToDouble()) + ", " +
                      lit(static_cast<double>(size)) + "), sum))";
  std::string x = "(double)" + input.load(offsetExpr(o, input.strides));
  std::string result =
      "__ddiv_rn(" + x + ", pow(" + scale + ", " + lit(op.getBeta().convertToDouble()) + "))";
  w.line(output.store(offsetExpr(o, output.strides),
                      fromReal(w, output.element(), result, Compute::Double)));
  w.close();
  return gridStrideLaunch(output.numElements());
}

FailureOr<Launch> kiln::cuda::detail::emitWindowOp(KernelWriter &w, OpKernel &kernel) {
  if (auto pool = llvm::dyn_cast<PoolOp>(kernel.op))
    return emitPool(w, pool, kernel.operands[0], *kernel.results[0]);
  return emitLRN(w, llvm::cast<LRNOp>(kernel.op), kernel.operands[0], *kernel.results[0]);
}
