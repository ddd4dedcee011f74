//===- Scans.cpp - cumsum and top_k ---------------------------------------===//
//
// cumsum: along a contiguous axis longer than a warp (or long lines too few
// to give each thread one), a block scans each line in chunks of its size
// (warp shuffles, then the warps' totals), carrying from chunk to chunk;
// otherwise each thread scans one line sequentially, in the reference's
// order, while neighbouring threads take neighbouring lines (coalesced). Floats accumulate in double, so a sequential scan is the
// reference's to the bit; integers in 64-bit unsigned arithmetic (wrapping).
//
// top_k: a block per line, on the total order "better value, then lower
// index" (the reference's stable sort). Up to 16 elements, or for lines too
// long for shared memory, the k elements are selected one after another,
// each a block-wide arg-reduction over the elements after the last one
// chosen; otherwise the line is sorted in shared memory (bitonic).
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "dialects/nn/NNDialect.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

/// Bytes of shared memory a sorted line may take.
constexpr int64_t kSortBytes = 32 * 1024;
/// Up to this k, top_k selects rather than sorts.
constexpr int64_t kMaxSelected = 16;

namespace {
/// The lines along one axis of a tensor: the other dimensions enumerate
/// lines, the axis runs along each.
struct Lines {
  SmallVector<int64_t> shape; // the other dimensions
  int64_t count = 1, length = 1;
  /// Offsets of line `line`'s start in each of `views` (emitted as `b<t>`).
  SmallVector<std::string> emitBases(KernelWriter &w, StringRef line,
                                     ArrayRef<const TensorView *> views, int64_t axis) const {
    SmallVector<std::string> coords = emitCoordinates(w, line, shape, "l");
    SmallVector<std::string> bases;
    for (auto [t, view] : llvm::enumerate(views)) {
      SmallVector<int64_t> strides(view->strides);
      strides.erase(strides.begin() + axis);
      std::string base = offsetExpr(coords, strides);
      if (base != "0") {
        w.line("const I b" + std::to_string(t) + " = " + base + ";");
        base = "b" + std::to_string(t);
      }
      bases.push_back(base);
    }
    return bases;
  }
};
} // namespace

static Lines linesOf(ArrayRef<int64_t> shape, int64_t axis) {
  Lines lines;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (static_cast<int64_t>(d) == axis) {
      lines.length = size;
      continue;
    }
    lines.shape.push_back(size);
    lines.count *= size;
  }
  return lines;
}

static std::string plus(const std::string &base, const std::string &offset) {
  return base == "0" ? offset : base + " + " + offset;
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

static Launch emitCumSum(KernelWriter &w, CumSumOp op, const TensorView &input,
                         const TensorView &output) {
  int64_t axis = op.getAxis();
  Lines lines = linesOf(input.shape(), axis);
  bool exclusive = op.getExclusive(), reverse = op.getReverse();
  Type type = input.element();
  bool isFloatType = isFloat(type);
  std::string acc = isFloatType ? "double" : "unsigned long long";
  std::string inStride = std::to_string(input.strides[axis]);
  std::string outStride = std::to_string(output.strides[axis]);
  auto element = [&](const std::string &position) {
    std::string x = input.load(position);
    return isFloatType ? "(double)" + x : "(unsigned long long)(long long)" + x;
  };
  auto result = [&](const std::string &sum) {
    return isFloatType ? fromReal(w, type, sum, Compute::Double)
                       : "(" + storageType(type) + ")(long long)" + sum;
  };
  // Position along the axis of scan step `j`.
  auto position = [&](const std::string &j) {
    return reverse ? "(" + std::to_string(lines.length - 1) + " - " + j + ")" : j;
  };
  // A block per line along a contiguous axis, or when a thread per line
  // would leave long lines to a few threads.
  bool blockScan = (input.strides[axis] == 1 && lines.length > 32) ||
                   (lines.length > 256 && lines.count < kBlockSize * kNumSMs);
  int64_t threads = blockScan ? std::min<int64_t>(1024, nextPowerOf2(lines.length)) : kBlockSize;
  int64_t blocks = blockScan ? std::max<int64_t>(1, lines.count)
                             : std::max<int64_t>(1, (lines.count + kBlockSize - 1) / kBlockSize);
  emitIndexTypes(w, std::max({input.extent(), output.extent(), lines.count}) + threads);
  if (blockScan) {
    w.line("const I line = blockIdx.x;");
    SmallVector<std::string> bases = lines.emitBases(w, "line", {&input, &output}, axis);
    w.line(acc + " carry = 0;");
    w.open("for (I chunk = 0; chunk < " + std::to_string(lines.length) + "; chunk += " +
           std::to_string(threads) + ")");
    w.line("const I j = chunk + threadIdx.x;");
    w.line("const I k = " + position("j") + ";");
    w.line("const " + acc + " x = j < " + std::to_string(lines.length) + " ? " +
           element(plus(bases[0], "k * " + inStride)) + " : 0;");
    w.line(acc + " before, total;");
    w.line("const " + acc + " inclusive = kiln_block_scan<" + std::to_string(threads) +
           ">(x, before, total);");
    w.open("if (j < " + std::to_string(lines.length) + ")");
    w.line(output.store(plus(bases[1], "k * " + outStride),
                        result(exclusive ? "(carry + before)" : "(carry + inclusive)")));
    w.close();
    w.line("carry += total;");
    w.close();
  } else {
    w.line("const I line = (I)blockIdx.x * blockDim.x + threadIdx.x;");
    w.open("if (line < " + std::to_string(lines.count) + ")");
    SmallVector<std::string> bases = lines.emitBases(w, "line", {&input, &output}, axis);
    w.line(acc + " sum = 0;");
    w.open("for (I j = 0; j < " + std::to_string(lines.length) + "; ++j)");
    w.line("const I k = " + position("j") + ";");
    w.line("const " + acc + " x = " + element(plus(bases[0], "k * " + inStride)) + ";");
    if (exclusive) {
      w.line(output.store(plus(bases[1], "k * " + outStride), result("sum")));
      w.line("sum += x;");
    } else {
      w.line("sum += x;");
      w.line(output.store(plus(bases[1], "k * " + outStride), result("sum")));
    }
    w.close();
    w.close();
  }
  Launch launch;
  launch.grid = {static_cast<uint32_t>(blocks), 1, 1};
  launch.block = {static_cast<uint32_t>(threads), 1, 1};
  return launch;
}

//===----------------------------------------------------------------------===//
// top_k
//===----------------------------------------------------------------------===//

static Launch emitTopK(KernelWriter &w, TopKOp op, const TensorView &input,
                       const std::optional<TensorView> &values,
                       const std::optional<TensorView> &indices) {
  int64_t axis = op.getAxis(), k = op.getK();
  Lines lines = linesOf(input.shape(), axis);
  Type type = input.element();
  bool isFloatType = isFloat(type);
  std::string key = isFloatType ? computeType(type.isF64() ? Compute::Double : Compute::Float).str()
                                : "long long";
  int64_t keyBytes = isFloatType && !type.isF64() ? 4 : 8;
  int64_t padded = nextPowerOf2(lines.length);
  // A few passes of selection cost less than a sort's log² steps.
  bool sort = k > kMaxSelected && padded * (keyBytes + 4) <= kSortBytes;
  int64_t threads = sort ? std::clamp<int64_t>(padded / 2, 32, 1024)
                         : std::clamp<int64_t>(nextPowerOf2(lines.length), 32, 1024);
  SmallVector<const TensorView *> views = {&input};
  if (values)
    views.push_back(&*values);
  if (indices)
    views.push_back(&*indices);
  int64_t bound = 0;
  for (const TensorView *view : views)
    bound = std::max(bound, view->extent());
  emitIndexTypes(w, bound + lines.length + threads);
  Launch launch;
  launch.grid = {static_cast<uint32_t>(std::max<int64_t>(1, lines.count)), 1, 1};
  launch.block = {static_cast<uint32_t>(threads), 1, 1};
  if (k == 0 || lines.count == 0 || (!values && !indices))
    return launch;

  w.line("const I line = blockIdx.x;");
  SmallVector<std::string> bases = lines.emitBases(w, "line", views, axis);
  std::string inStride = std::to_string(input.strides[axis]);
  auto keyAt = [&](const std::string &position) {
    return "(" + key + ")" + input.load(plus(bases[0], position + " * " + inStride));
  };
  // `better(a, i, b, j)`: element (a, i) comes before (b, j). NaN counts as
  // the largest value; the reference's comparator leaves it unordered.
  bool smallest = op.getSmallest();
  std::string nanFirst = isFloatType ? (smallest ? "!isnan(a) && isnan(b) || "
                                                 : "isnan(a) && !isnan(b) || ")
                                     : "";
  std::string nanTie = isFloatType ? "(isnan(a) && isnan(b)) || " : "";
  w.line("auto better = [](" + key + " a, long long i, " + key + " b, long long j) { return " +
         nanFirst + "(a " + (smallest ? "<" : ">") + " b) || ((" + nanTie +
         "a == b) && i < j); };");
  auto store = [&](const std::string &rank, const std::string &index) {
    unsigned t = 1;
    if (values) {
      std::string stride = std::to_string(values->strides[axis]);
      w.line(values->pointer + "[" + plus(bases[t++], rank + " * " + stride) +
             "] = " + input.loadStorage(plus(bases[0], "(I)" + index + " * " + inStride)) +
             ";");
    }
    if (indices) {
      std::string stride = std::to_string(indices->strides[axis]);
      w.line(indices->pointer + "[" + plus(bases[t], rank + " * " + stride) +
             "] = (long long)" + index + ";");
    }
  };

  if (sort) {
    std::string size = std::to_string(padded), length = std::to_string(lines.length);
    w.line("__shared__ " + key + " keys[" + size + "];");
    w.line("__shared__ int order[" + size + "];");
    w.open("for (I j = threadIdx.x; j < " + size + "; j += blockDim.x)");
    w.line("order[j] = j < " + length + " ? (int)j : -1;");
    w.line("if (j < " + length + ") keys[j] = " + keyAt("j") + ";");
    w.close();
    w.line("__syncthreads();");
    // Padding (order -1) sorts last.
    w.open("for (int size = 2; size <= " + size + "; size *= 2)");
    w.open("for (int stride = size / 2; stride > 0; stride /= 2)");
    w.open("for (int t = threadIdx.x; t < " + std::to_string(padded / 2) + "; t += blockDim.x)");
    w.line("const int i = 2 * stride * (t / stride) + t % stride, j = i + stride;");
    w.line("const bool up = (i & size) == 0;");
    w.line("const int oi = order[i], oj = order[j];");
    w.line("const bool jFirst = oi < 0 ? oj >= 0 : oj >= 0 && better(keys[j], oj, keys[i], oi);");
    w.open("if (jFirst == up)");
    w.line("const " + key + " swap = keys[i]; keys[i] = keys[j]; keys[j] = swap;");
    w.line("order[i] = oj; order[j] = oi;");
    w.close();
    w.close();
    w.line("__syncthreads();");
    w.close();
    w.close();
    w.open("for (I r = threadIdx.x; r < " + std::to_string(k) + "; r += blockDim.x)");
    store("r", "order[r]");
    w.close();
    return launch;
  }

  // Selection: k block-wide arg-reductions, each over the elements after the
  // last chosen one in the order.
  std::string A = "kiln_arg<" + key + ">";
  w.line("auto pick = [&](" + A + " a, " + A +
         " b) { return a.i < 0 || (b.i >= 0 && better(b.v, b.i, a.v, a.i)) ? b : a; };");
  w.line(A + " last = {0, -1};");
  w.open("for (int r = 0; r < " + std::to_string(k) + "; ++r)");
  w.line(A + " best = {0, -1};");
  w.open("for (I j = threadIdx.x; j < " + std::to_string(lines.length) + "; j += blockDim.x)");
  w.line("const " + A + " x = {" + keyAt("j") + ", (long long)j};");
  w.line("if (last.i < 0 || better(last.v, last.i, x.v, x.i)) best = pick(best, x);");
  w.close();
  w.line("best = kiln_block_reduce<" + std::to_string(threads) + ", 1>(best, pick);");
  w.open("if (threadIdx.x == 0)");
  store("(I)r", "best.i");
  w.close();
  w.line("last = best;");
  w.close();
  return launch;
}

FailureOr<Launch> kiln::cuda::detail::emitScanOp(KernelWriter &w, OpKernel &kernel) {
  if (auto topK = llvm::dyn_cast<TopKOp>(kernel.op))
    return emitTopK(w, topK, kernel.operands[0], kernel.results[0], kernel.results[1]);
  return emitCumSum(w, llvm::cast<CumSumOp>(kernel.op), kernel.operands[0],
                    *kernel.results[0]);
}
