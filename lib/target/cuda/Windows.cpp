//===- Windows.cpp - pooling windows and LRN ------------------------------===//
//
// One thread per output element (channels-last: consecutive threads take
// consecutive channels, so loads coalesce), looping over its window with
// compile-time bounds, as lib/reference/PoolReduceOps.cpp and NormOps.cpp
// define them: max pools start from the lowest finite value and drop NaN
// (std::max), average pools sum in double in the reference's order and
// divide by the padded or the valid count; quantized max pools compare the
// stored integers.
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

static Launch emitPool(KernelWriter &w, PoolOp op, const TensorView &input,
                       const TensorView &output) {
  int64_t rank = input.rank();
  ChannelDims dims = channelDims(rank, op.getLayout());
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  size_t spatialRank = dims.spatial.size();
  bool isMax = op.getKind() == PoolKind::max;
  Type inType = input.element(), outType = output.element();
  // Max pools of quantized values and of integers compare the stored
  // integers as they are.
  bool integerMax = isMax && llvm::isa<IntegerType>(inType);
  bool storageMax = isMax && (isQuantizedElement(inType) || integerMax);
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
  std::string accType, init;
  if (integerMax) {
    auto integer = llvm::cast<IntegerType>(inType);
    accType = storageType(inType);
    init = intLiteral(inType, integer.isUnsigned()
                                  ? 0
                                  : -(int64_t{1} << (integer.getWidth() - 1)));
  } else if (storageMax) {
    accType = storageType(inType);
    init = std::to_string(llvm::cast<quant::QuantizedType>(inType).getStorageTypeMin());
  } else if (isMax) {
    accType = computeType(value).str();
    init = floatLiteral(llvm::APFloat::getLargest(
                            llvm::cast<FloatType>(getExpressedType(inType)).getFloatSemantics(),
                            /*Negative=*/true)
                            .convertToDouble(),
                        value);
  } else {
    accType = "double";
    init = "0.0";
  }
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
      w.line("acc = kiln_max(acc, " + real + ");");
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
