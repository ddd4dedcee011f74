//===- Rows.cpp - reductions, softmax and normalizations ------------------===//
//
// Every op here reduces *rows*: a view of the input splits into row
// dimensions and element dimensions (the reduced ones), and each row is
// shared by a group of threads that combine their partial results with warp
// shuffles or shared memory:
// - row layout, when the elements of a row are contiguous: G consecutive
//   threads of a warp (G <= 32, several rows per block) or the G threads of a
//   block take a row, striding along it;
// - column layout, when consecutive rows are contiguous instead (softmax over
//   channels of NCHW, instance norm of NHWC) and there are at least 32 rows:
//   32 threads take 32 neighbouring rows (coalesced) and Y threads split each
//   row, combining in shared memory.
// When a thread's share of a row is at most kMaxCached elements they stay in
// registers, so softmax and the normalizations read memory once.
//
// Sums accumulate in double (the reference's precision; on the GPU a
// conversion and a double add per element stay under memory bandwidth), max
// and min in the value type; integers in 64 bits, wrapping.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

/// Elements a thread keeps in registers.
constexpr int64_t kMaxCached = 16;

namespace {
/// A tensor a row kernel reads or writes, with its strides over the view (0
/// along dimensions it does not move in: a reduction's output along the
/// reduced ones, a layer norm's scale along the rows).
struct RowTensor {
  TensorView view;
  SmallVector<int64_t> strides;
};

/// The threads of a row kernel and the loops they run.
class RowKernel {
public:
  RowKernel(KernelWriter &w, ArrayRef<int64_t> viewShape, ArrayRef<bool> reduced,
            SmallVector<RowTensor> tensors, ArrayRef<bool> alone = {});

  int64_t rows() const { return numRows; }
  int64_t elems() const { return numElems; }
  bool cached() const { return perThread <= kMaxCached; }
  /// Elements per thread (the size of register arrays when cached()).
  int64_t share() const { return perThread; }
  Launch launch() const;
  const RowTensor &tensor(unsigned t) const { return tensors[t]; }

  /// Index types, the row and lane of this thread, `active`, and the row's
  /// base offset in each tensor.
  void emitPreamble();
  /// Runs `body` for each of this thread's elements of its row (when
  /// active); inside, offset(t) addresses the element in tensor t and, when
  /// cached(), `u` indexes register arrays.
  void forEachElement(function_ref<void()> body);
  /// Offset of the current element in tensor `t` (the first call in a loop
  /// emits the element's coordinates).
  std::string offset(unsigned t);
  /// Offset of the row in tensor `t` (its element 0 for outputs that drop the
  /// reduced dimensions).
  std::string rowOffset(unsigned t) const { return rowBases[t]; }
  /// The row coordinate along view dimension `dim` (a row dimension that
  /// collapse kept alone).
  std::string rowCoordinate(int64_t dim) const;
  /// `value` combined over the row's threads with `op` (a lambda's name).
  std::string combine(StringRef value, StringRef op) const;
  /// Emits `var = combine(var, op);` when the row has several threads.
  void combineInPlace(StringRef var, StringRef op);

private:
  KernelWriter &w;
  SmallVector<RowTensor> tensors;
  CollapsedSpace rowSpace, elemSpace;
  SmallVector<int64_t> rowDimOf; // view dimension -> collapsed row dimension
  int64_t numRows = 1, numElems = 1;
  bool columns = false;
  int64_t group = 1, rowsPerBlock = 1, perThread = 1;
  SmallVector<std::string> rowCoords, rowBases, elementOffsets;
  bool needCoordinates = false;
};
} // namespace

RowKernel::RowKernel(KernelWriter &w, ArrayRef<int64_t> viewShape, ArrayRef<bool> reduced,
                     SmallVector<RowTensor> tensorList, ArrayRef<bool> alone)
    : w(w), tensors(std::move(tensorList)) {
  // Row and element dimensions, each collapsed on its own.
  SmallVector<int64_t> rowShape, elemShape;
  SmallVector<SmallVector<int64_t>> rowStrides(tensors.size()), elemStrides(tensors.size());
  SmallVector<bool> rowAlone;
  SmallVector<int64_t> rowDims;
  for (auto [d, size] : llvm::enumerate(viewShape)) {
    bool isReduced = reduced[d];
    (isReduced ? elemShape : rowShape).push_back(size);
    for (auto [t, tensor] : llvm::enumerate(tensors))
      (isReduced ? elemStrides : rowStrides)[t].push_back(tensor.strides[d]);
    if (!isReduced) {
      rowAlone.push_back(!alone.empty() && alone[d]);
      rowDims.push_back(d);
    }
  }
  rowSpace = collapse(rowShape, rowStrides, rowAlone);
  elemSpace = collapse(elemShape, elemStrides);
  rowDimOf.assign(viewShape.size(), -1);
  for (auto [i, d] : llvm::enumerate(rowDims))
    rowDimOf[d] = rowSpace.dimOf[i];
  for (int64_t size : rowShape)
    numRows *= size;
  for (int64_t size : elemShape)
    numElems *= size;

  // Column layout when the input's rows, not its elements, are contiguous,
  // and there are rows enough for a warp; with fewer, strided reads by many
  // threads beat a few threads reading alone.
  bool elemsContiguous = !elemSpace.shape.empty() && elemSpace.strides[0].back() == 1;
  bool rowsContiguous = !rowSpace.shape.empty() && rowSpace.strides[0].back() == 1;
  columns = rowsContiguous && !elemsContiguous && numRows >= 32;
  if (columns) {
    group = std::min<int64_t>(8, nextPowerOf2((numElems + 7) / 8));
    rowsPerBlock = 32;
  } else {
    group = std::min<int64_t>(1024, nextPowerOf2((numElems + 3) / 4));
    rowsPerBlock = group >= kBlockSize ? 1 : kBlockSize / group;
  }
  perThread = std::max<int64_t>(1, (numElems + group - 1) / group);
}

Launch RowKernel::launch() const {
  Launch launch;
  int64_t blocks = std::max<int64_t>(1, (numRows + rowsPerBlock - 1) / rowsPerBlock);
  launch.grid = {static_cast<uint32_t>(blocks), 1, 1};
  if (columns)
    launch.block = {32, static_cast<uint32_t>(group), 1};
  else
    launch.block = {static_cast<uint32_t>(group), static_cast<uint32_t>(rowsPerBlock), 1};
  return launch;
}

void RowKernel::emitPreamble() {
  int64_t bound = numRows + rowsPerBlock;
  for (const RowTensor &tensor : tensors)
    bound = std::max(bound, tensor.view.extent());
  emitIndexTypes(w, bound + numElems + group);
  if (columns) {
    w.line("const I row = (I)blockIdx.x * 32 + threadIdx.x;");
    w.line("const unsigned lane = threadIdx.y;");
  } else {
    w.line("const I row = (I)blockIdx.x * " + std::to_string(rowsPerBlock) +
           " + threadIdx.y;");
    w.line("const unsigned lane = threadIdx.x;");
  }
  w.line("const bool active = row < " + std::to_string(numRows) + ";");
  rowCoords = emitCoordinates(w, "row", rowSpace.shape, "r");
  for (auto [t, tensor] : llvm::enumerate(tensors)) {
    std::string base = offsetExpr(rowCoords, rowSpace.strides[t]);
    if (base != "0") {
      std::string name = "b" + std::to_string(t);
      w.line("const I " + name + " = " + base + ";");
      base = name;
    }
    rowBases.push_back(base);
  }
}

void RowKernel::forEachElement(function_ref<void()> body) {
  if (cached()) {
    w.line("#pragma unroll");
    w.open("for (int u = 0; u < " + std::to_string(perThread) + "; ++u)");
    w.line("const I k = lane + (I)u * " + std::to_string(group) + ";");
    w.open("if (active && k < " + std::to_string(numElems) + ")");
  } else {
    w.open("if (active)");
    w.open("for (I k = lane; k < " + std::to_string(numElems) + "; k += " +
           std::to_string(group) + ")");
  }
  needCoordinates = true;
  body();
  needCoordinates = false;
  w.close();
  w.close();
}

std::string RowKernel::offset(unsigned t) {
  if (needCoordinates) {
    SmallVector<std::string> coords = emitCoordinates(w, "k", elemSpace.shape, w.fresh("e"));
    elementOffsets.clear();
    for (auto [i, base] : llvm::enumerate(rowBases)) {
      std::string inner = offsetExpr(coords, elemSpace.strides[i]);
      elementOffsets.push_back(base == "0"    ? inner
                               : inner == "0" ? base
                                              : base + " + " + inner);
    }
    needCoordinates = false;
  }
  return elementOffsets[t];
}

std::string RowKernel::rowCoordinate(int64_t dim) const {
  int64_t collapsed = rowDimOf[dim];
  return collapsed < 0 ? "0" : rowCoords[collapsed];
}

std::string RowKernel::combine(StringRef value, StringRef op) const {
  if (group == 1)
    return value.str();
  std::string size = std::to_string(group);
  if (columns)
    return ("kiln_column_reduce<" + size + ">(" + value + ", " + op + ")").str();
  if (group <= 32)
    return ("kiln_warp_reduce<" + size + ">(" + value + ", " + op + ")").str();
  return ("kiln_block_reduce<" + size + ", " + std::to_string(rowsPerBlock) + ">(" + value +
          ", " + op + ")")
      .str();
}

void RowKernel::combineInPlace(StringRef var, StringRef op) {
  if (group > 1)
    w.line(var + " = " + combine(var, op) + ";");
}

//===----------------------------------------------------------------------===//
// Views of the ops
//===----------------------------------------------------------------------===//

/// Strides over `viewShape` of an output that keeps the dimensions where
/// `reduced` is false (and, with `keepDims`, size-1 reduced ones).
static SmallVector<int64_t> keptStrides(const TensorView &output, ArrayRef<bool> reduced,
                                        bool keepDims) {
  SmallVector<int64_t> strides;
  int64_t next = 0;
  for (bool isReduced : reduced) {
    if (isReduced) {
      strides.push_back(0);
      next += keepDims ? 1 : 0;
      continue;
    }
    strides.push_back(output.strides[next++]);
  }
  return strides;
}

/// The element type of a float value in compute form ("float" or "double").
static Compute computeOf(Type type) {
  return getExpressedType(type).isF64() ? Compute::Double : Compute::Float;
}

//===----------------------------------------------------------------------===//
// reduce, global_pool
//===----------------------------------------------------------------------===//

namespace {
/// How one reduction accumulates.
struct Accumulation {
  std::string type;    // C type of the accumulator
  std::string init;    // its initial value
  std::string combine; // lambda combining two accumulators
  std::string step;    // expression adding element `x` to `acc`
};
} // namespace

static Accumulation floatAccumulation(ReduceKind kind, Compute value) {
  std::string F = computeType(value).str();
  auto sum = [](std::string step) {
    return Accumulation{"double", "0.0", "[](double a, double b) { return a + b; }",
                        std::move(step)};
  };
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
  case ReduceKind::log_sum:
    return sum("acc + (double)x");
  case ReduceKind::l1:
    return sum("acc + fabs((double)x)");
  case ReduceKind::l2:
  case ReduceKind::sum_square:
    return sum("acc + (double)x * (double)x");
  case ReduceKind::prod:
    return {"double", "1.0", "[](double a, double b) { return a * b; }", "acc * (double)x"};
  case ReduceKind::max:
    return {F, floatLiteral(-INFINITY, value),
            "[](" + F + " a, " + F + " b) { return kiln_nan_max(a, b); }",
            "kiln_nan_max(acc, x)"};
  case ReduceKind::min:
    return {F, floatLiteral(INFINITY, value),
            "[](" + F + " a, " + F + " b) { return kiln_nan_min(a, b); }",
            "kiln_nan_min(acc, x)"};
  case ReduceKind::log_sum_exp:
    // Summed after the maximum (below).
    return sum("acc + (double)exp(x - m)");
  }
  llvm_unreachable("unknown reduction");
}

static Accumulation integerAccumulation(ReduceKind kind, IntegerType type) {
  auto wrapped = [](StringRef expr) {
    return ("(long long)(" + expr + ")").str();
  };
  Accumulation sum{"long long", "0ll",
                   "[](long long a, long long b) { return " +
                       wrapped("(unsigned long long)a + (unsigned long long)b") + "; }",
                   ""};
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    sum.step = wrapped("(unsigned long long)acc + (unsigned long long)x");
    return sum;
  case ReduceKind::l1:
    sum.step = type.isUnsigned()
                   ? wrapped("(unsigned long long)acc + (unsigned long long)x")
                   : wrapped("(unsigned long long)acc + (x < 0 ? 0ull - (unsigned long long)x "
                             ": (unsigned long long)x)");
    return sum;
  case ReduceKind::l2:
  case ReduceKind::sum_square:
    sum.step = wrapped("(unsigned long long)acc + (unsigned long long)x * "
                       "(unsigned long long)x");
    return sum;
  case ReduceKind::prod:
    return {"long long", "1ll",
            "[](long long a, long long b) { return " +
                wrapped("(unsigned long long)a * (unsigned long long)b") + "; }",
            wrapped("(unsigned long long)acc * (unsigned long long)x")};
  case ReduceKind::max:
  case ReduceKind::min: {
    // An empty max (min) gives the type's lowest (highest) value.
    unsigned width = type.getWidth();
    bool isUnsigned = type.isUnsigned();
    APInt bound = kind == ReduceKind::max
                      ? (isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width))
                      : (isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width));
    int64_t init = isUnsigned ? static_cast<int64_t>(bound.getZExtValue()) : bound.getSExtValue();
    bool isMax = kind == ReduceKind::max;
    return {"long long", intLiteral(IntegerType::get(type.getContext(), 64), init),
            std::string("[](long long a, long long b) { return ") +
                (isMax ? "kiln_max(a, b)" : "kiln_min(a, b)") + "; }",
            isMax ? "kiln_max(acc, (long long)x)" : "kiln_min(acc, (long long)x)"};
  }
  case ReduceKind::log_sum:
  case ReduceKind::log_sum_exp:
    break;
  }
  llvm_unreachable("log reductions of integers are refused earlier");
}

/// A reduction of `input` over the dimensions marked in `reduced` into
/// `output`, which keeps the other dimensions.
static Launch emitReduction(KernelWriter &w, ReduceKind kind, const TensorView &input,
                            const TensorView &output, ArrayRef<bool> reduced,
                            bool keepDims, std::optional<double> lowest = std::nullopt) {
  // A per-axis quantized output needs its channel: that row dimension stays
  // alone.
  SmallVector<bool> alone(input.rank(), false);
  int64_t axis = quantizedAxis(output.element());
  for (int64_t quantized : {axis, quantizedAxis(input.element())})
    if (quantized >= 0)
      alone[quantized] = true;
  RowKernel rows(w, input.shape(), reduced,
                 {{input, input.strides}, {output, keptStrides(output, reduced, keepDims)}},
                 alone);
  rows.emitPreamble();
  Type inType = input.element(), outType = output.element();
  std::string channel = axis >= 0 ? rows.rowCoordinate(axis) : "";
  auto inputChannel = [&]() {
    int64_t inAxis = quantizedAxis(inType);
    return inAxis >= 0 ? rows.rowCoordinate(inAxis) : std::string();
  };

  // Max over quantized storage compares the stored integers, which order the
  // values (scales are positive); everything else reduces real values.
  bool storageMax = kind == ReduceKind::max && isQuantizedElement(inType) && inType == outType;
  bool integer = llvm::isa<IntegerType>(inType);
  Compute value = computeOf(inType);
  Accumulation acc;
  if (storageMax) {
    std::string ctype = storageType(inType);
    acc = {ctype, std::to_string(llvm::cast<quant::QuantizedType>(inType).getStorageTypeMin()),
           "[](" + ctype + " a, " + ctype + " b) { return kiln_max(a, b); }",
           "kiln_max(acc, x)"};
  } else if (integer) {
    acc = integerAccumulation(kind, llvm::cast<IntegerType>(inType));
  } else {
    acc = floatAccumulation(kind, value);
    if (lowest) // max pooling starts from the lowest finite value
      acc = {acc.type, floatLiteral(*lowest, value),
             "[](" + acc.type + " a, " + acc.type + " b) { return kiln_max(a, b); }",
             "kiln_max(acc, x)"};
  }
  // The value of the current element, as accumulated.
  auto element = [&]() {
    std::string raw = input.load(rows.offset(0));
    if (storageMax || integer)
      return raw;
    return realOf(w, inType, raw, isQuantizedElement(inType) ? Compute::Double : value,
                  inputChannel());
  };
  std::string xType = storageMax ? storageType(inType)
                      : integer  ? valueType(inType)
                                 : (isQuantizedElement(inType) ? "double" : computeType(value).str());

  if (kind == ReduceKind::log_sum_exp) {
    // The maximum first (NaN dropped, as std::max), then the shifted sum.
    std::string F = xType;
    w.line(F + " m = " + floatLiteral(-INFINITY, value) + ";");
    rows.forEachElement([&] {
      w.line("const " + F + " x = " + element() + ";");
      w.line("m = kiln_max(m, x);");
    });
    rows.combineInPlace("m", "[](" + F + " a, " + F + " b) { return kiln_max(a, b); }");
  }
  w.line(acc.type + " acc = " + acc.init + ";");
  rows.forEachElement([&] {
    w.line("const " + xType + " x = " + element() + ";");
    if (kind == ReduceKind::log_sum_exp)
      w.line("if (isfinite(m)) acc = " + acc.step + ";");
    else
      w.line("acc = " + acc.step + ";");
  });
  rows.combineInPlace("acc", acc.combine);

  std::string result = "acc";
  int64_t count = rows.elems();
  if (integer) {
    if (kind == ReduceKind::mean && count > 0)
      result = "acc / " + std::to_string(count) + "ll";
    else if (kind == ReduceKind::l2)
      result = "(long long)sqrt((double)acc)";
    result = "(" + storageType(outType) + ")(" + result + ")";
  } else if (!storageMax) {
    switch (kind) {
    case ReduceKind::mean:
      result = "acc / " + floatLiteral(static_cast<double>(count), Compute::Double);
      break;
    case ReduceKind::l2:
      result = "sqrt(acc)";
      break;
    case ReduceKind::log_sum:
      result = "log(acc)";
      break;
    case ReduceKind::log_sum_exp:
      result = "(isfinite(m) ? (double)m + log(acc) : (double)m)";
      break;
    default:
      break;
    }
    Compute held = acc.type == "double" ? Compute::Double : value;
    result = fromReal(w, outType, result, held, channel);
  }
  w.open("if (active && lane == 0)");
  w.line(output.store(rows.rowOffset(1), result));
  w.close();
  return rows.launch();
}

static SmallVector<bool> spatialMask(int64_t rank, Layout layout) {
  SmallVector<bool> reduced(rank, true);
  reduced[0] = false;
  reduced[layout == Layout::channels_last ? rank - 1 : 1] = false;
  return reduced;
}

//===----------------------------------------------------------------------===//
// arg_max, arg_min
//===----------------------------------------------------------------------===//

/// The index of the largest (smallest) element along `axis`: the first one
/// unless `last`; a NaN first element wins, later NaNs never do, as in the
/// reference's sequential scan.
static Launch emitArg(KernelWriter &w, const TensorView &input, const TensorView &output,
                      int64_t axis, bool keepDims, bool isMax, bool last) {
  SmallVector<bool> reduced(input.rank(), false);
  reduced[axis] = true;
  RowKernel rows(w, input.shape(), reduced,
                 {{input, input.strides}, {output, keptStrides(output, reduced, keepDims)}});
  rows.emitPreamble();
  Type type = input.element();
  bool isFloatInput = isFloat(type);
  std::string V = isFloatInput ? computeType(computeOf(type)).str() : "long long";
  std::string A = "kiln_arg<" + V + ">";
  std::string better = isMax ? ">" : "<";
  // Prefer b over a: a missing, or b better, or equal with the index rule.
  w.line("auto pick = [](" + A + " a, " + A + " b) { return a.i < 0 || (b.i >= 0 && (b.v " +
         better + " a.v || (b.v == a.v && b.i " + (last ? ">" : "<") +
         " a.i))) ? b : a; };");
  w.line(A + " best = {" + (isFloatInput ? floatLiteral(0.0, computeOf(type)) : "0ll") +
         ", -1};");
  rows.forEachElement([&] {
    w.line("const " + V + " x = " + input.load(rows.offset(0)) + ";");
    if (isFloatInput)
      w.line("if (!isnan(x)) best = pick(best, " + A + "{x, (long long)k});");
    else
      w.line("best = pick(best, " + A + "{x, (long long)k});");
  });
  rows.combineInPlace("best", "pick");
  w.open("if (active && lane == 0)");
  std::string index = "best.i < 0 ? 0ll : best.i";
  if (isFloatInput)
    index = "isnan(" + input.load(rows.rowOffset(0)) + ") || best.i < 0 ? 0ll : best.i";
  w.line(output.store(rows.rowOffset(1), "(" + index + ")"));
  w.close();
  return rows.launch();
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

static Launch emitSoftmax(KernelWriter &w, const TensorView &input, const TensorView &output,
                          int64_t axis, bool log) {
  SmallVector<bool> reduced(input.rank(), false);
  reduced[axis] = true;
  RowKernel rows(w, input.shape(), reduced, {{input, input.strides}, {output, output.strides}});
  rows.emitPreamble();
  Compute value = computeOf(input.element());
  std::string F = computeType(value).str();
  auto loadAt = [&](const std::string &offset) {
    return realOf(w, input.element(), input.load(offset), value);
  };
  bool cached = rows.cached();
  if (cached)
    w.line(F + " x[" + std::to_string(rows.share()) + "];");
  // Pass 1: the maximum (NaN dropped, as std::max).
  w.line(F + " m = " + floatLiteral(-INFINITY, value) + ";");
  rows.forEachElement([&] {
    if (cached) {
      w.line("x[u] = " + loadAt(rows.offset(0)) + ";");
      w.line("m = kiln_max(m, x[u]);");
    } else {
      w.line("m = kiln_max(m, " + loadAt(rows.offset(0)) + ");");
    }
  });
  rows.combineInPlace("m", "[](" + F + " a, " + F + " b) { return kiln_max(a, b); }");
  // Pass 2: the sum of exponentials, in double.
  w.line("double sum = 0.0;");
  rows.forEachElement([&] {
    std::string x = cached ? "x[u]" : loadAt(rows.offset(0));
    if (cached && !log) {
      w.line("x[u] = exp(x[u] - m);");
      w.line("sum += (double)x[u];");
    } else {
      w.line("sum += (double)exp(" + x + " - m);");
    }
  });
  rows.combineInPlace("sum", "[](double a, double b) { return a + b; }");
  // Pass 3: the results.
  if (log)
    w.line("const " + F + " shift = m + (" + F + ")log(sum);");
  rows.forEachElement([&] {
    std::string x = cached ? "x[u]" : loadAt(rows.offset(0));
    std::string result = log ? "(" + x + " - shift)"
                         : cached ? "(double)x[u] / sum"
                                  : "(double)exp(" + x + " - m) / sum";
    Compute held = log ? value : Compute::Double;
    w.line(output.store(rows.offset(1), fromReal(w, output.element(), result, held)));
  });
  return rows.launch();
}

//===----------------------------------------------------------------------===//
// layer_norm, instance_norm, group_norm
//===----------------------------------------------------------------------===//

/// Normalizes each row of tensor 0 into tensor 1 with `scale` (tensor 2) and
/// optional `bias` (tensor 3): mean and variance in double, two passes over
/// the row (from registers when it fits).
static Launch emitNormalize(KernelWriter &w, RowKernel &rows, double epsilon, bool hasBias) {
  rows.emitPreamble();
  const TensorView &input = rows.tensor(0).view, &output = rows.tensor(1).view;
  Compute value = computeOf(input.element());
  std::string F = computeType(value).str();
  auto load = [&](unsigned t) {
    return realOf(w, rows.tensor(t).view.element(), rows.tensor(t).view.load(rows.offset(t)),
                  value);
  };
  bool cached = rows.cached();
  std::string count = floatLiteral(static_cast<double>(rows.elems()), Compute::Double);
  std::string add = "[](double a, double b) { return a + b; }";
  if (cached)
    w.line(F + " x[" + std::to_string(rows.share()) + "];");
  w.line("double sum = 0.0;");
  rows.forEachElement([&] {
    if (cached) {
      w.line("x[u] = " + load(0) + ";");
      w.line("sum += (double)x[u];");
    } else {
      w.line("sum += (double)" + load(0) + ";");
    }
  });
  w.line("const double mean = " + rows.combine("sum", add) + " / " + count + ";");
  w.line("double squares = 0.0;");
  rows.forEachElement([&] {
    w.line("const double d = (double)" + (cached ? std::string("x[u]") : load(0)) + " - mean;");
    w.line("squares += d * d;");
  });
  w.line("const double variance = " + rows.combine("squares", add) + " / " + count + ";");
  w.line("const double inverse = 1.0 / sqrt(variance + " +
         floatLiteral(epsilon, Compute::Double) + ");");
  rows.forEachElement([&] {
    std::string x = cached ? "x[u]" : load(0);
    std::string y = "((double)" + x + " - mean) * inverse * (double)" + load(2);
    if (hasBias)
      y += " + (double)" + load(3);
    w.line(output.store(rows.offset(1), fromReal(w, output.element(), y, Compute::Double)));
  });
  return rows.launch();
}

/// Strides over a view of per-channel parameter `param` where view dimension
/// `channelDim` moves along its channels.
static SmallVector<int64_t> channelStrides(const TensorView &param, int64_t rank,
                                           int64_t channelDim) {
  SmallVector<int64_t> strides(rank, 0);
  strides[channelDim] = param.strides[0];
  return strides;
}

static Launch emitLayerNorm(KernelWriter &w, LayerNormOp op, OpKernel &kernel) {
  const TensorView &input = kernel.operands[0];
  int64_t rank = input.rank(), axis = op.getAxis();
  ArrayRef<int64_t> normalized = input.shape().drop_front(axis);
  SmallVector<bool> reduced(rank, false);
  for (int64_t d = axis; d < rank; ++d)
    reduced[d] = true;
  SmallVector<RowTensor> tensors = {{input, input.strides},
                                    {*kernel.results[0], kernel.results[0]->strides}};
  for (unsigned i = 1; i < kernel.operands.size(); ++i) {
    const TensorView &param = kernel.operands[i];
    SmallVector<int64_t> strides(axis, 0);
    llvm::append_range(strides, broadcastStrides(param.shape(), param.strides, normalized));
    tensors.push_back({param, strides});
  }
  RowKernel rows(w, input.shape(), reduced, tensors);
  return emitNormalize(w, rows, op.getEpsilon().convertToDouble(), op.getBias() != nullptr);
}

static Launch emitInstanceNorm(KernelWriter &w, InstanceNormOp op, OpKernel &kernel) {
  const TensorView &input = kernel.operands[0];
  int64_t rank = input.rank(), channel = op.getChannelAxis(rank);
  SmallVector<RowTensor> tensors = {
      {input, input.strides},
      {*kernel.results[0], kernel.results[0]->strides},
      {kernel.operands[1], channelStrides(kernel.operands[1], rank, channel)},
      {kernel.operands[2], channelStrides(kernel.operands[2], rank, channel)}};
  RowKernel rows(w, input.shape(), spatialMask(rank, op.getLayout()), tensors);
  return emitNormalize(w, rows, op.getEpsilon().convertToDouble(), /*hasBias=*/true);
}

static Launch emitGroupNorm(KernelWriter &w, GroupNormOp op, OpKernel &kernel) {
  // The channel dimension splits into (groups, channels per group); a row is
  // one group of one sample.
  const TensorView &input = kernel.operands[0];
  const TensorView &output = *kernel.results[0];
  int64_t rank = input.rank(), channelAxis = op.getChannelAxis(rank);
  int64_t groups = op.getGroups(), perGroup = input.shape()[channelAxis] / groups;
  SmallVector<int64_t> shape;
  SmallVector<bool> reduced;
  SmallVector<SmallVector<int64_t>> strides(4);
  const TensorView *views[4] = {&input, &output, &kernel.operands[1], &kernel.operands[2]};
  for (int64_t d = 0; d < rank; ++d) {
    if (d == channelAxis) {
      shape.append({groups, perGroup});
      reduced.append({false, true});
      for (int t = 0; t < 4; ++t) {
        int64_t stride = t < 2 ? views[t]->strides[d] : views[t]->strides[0];
        strides[t].append({stride * perGroup, stride});
      }
      continue;
    }
    shape.push_back(input.shape()[d]);
    reduced.push_back(d != 0);
    for (int t = 0; t < 4; ++t)
      strides[t].push_back(t < 2 ? views[t]->strides[d] : 0);
  }
  SmallVector<RowTensor> tensors;
  for (int t = 0; t < 4; ++t)
    tensors.push_back({*views[t], strides[t]});
  RowKernel rows(w, shape, reduced, tensors);
  return emitNormalize(w, rows, op.getEpsilon().convertToDouble(), /*hasBias=*/true);
}

//===----------------------------------------------------------------------===//
// Entry
//===----------------------------------------------------------------------===//

FailureOr<Launch> kiln::cuda::detail::emitRowOp(KernelWriter &w, OpKernel &kernel) {
  const TensorView &input = kernel.operands[0];
  if (!kernel.results[0])
    return kernel.op->emitError() << "'" << kernel.op->getName()
                                  << "' computes a result its group does not output";
  const TensorView &output = *kernel.results[0];
  return llvm::TypeSwitch<Operation *, FailureOr<Launch>>(kernel.op)
      .Case([&](ReduceOp op) {
        SmallVector<bool> reduced(input.rank(), false);
        for (int64_t axis : op.getAxes())
          reduced[axis] = true;
        return emitReduction(w, op.getKind(), input, output, reduced, op.getKeepDims());
      })
      .Case([&](GlobalPoolOp op) {
        bool isMax = op.getKind() == PoolKind::max;
        std::optional<double> lowest;
        if (isMax)
          lowest = llvm::APFloat::getLargest(
                       llvm::cast<FloatType>(getExpressedType(input.element()))
                           .getFloatSemantics(),
                       /*Negative=*/true)
                       .convertToDouble();
        return emitReduction(w, isMax ? ReduceKind::max : ReduceKind::mean, input, output,
                             spatialMask(input.rank(), op.getLayout()), /*keepDims=*/true,
                             lowest);
      })
      .Case([&](ArgMaxOp op) {
        return emitArg(w, input, output, op.getAxis(), op.getKeepDims(), /*isMax=*/true,
                       op.getSelectLastIndex());
      })
      .Case([&](ArgMinOp op) {
        return emitArg(w, input, output, op.getAxis(), op.getKeepDims(), /*isMax=*/false,
                       op.getSelectLastIndex());
      })
      .Case([&](SoftmaxOp op) { return emitSoftmax(w, input, output, op.getAxis(), false); })
      .Case([&](LogSoftmaxOp op) {
        return emitSoftmax(w, input, output, op.getAxis(), true);
      })
      .Case([&](LayerNormOp op) { return emitLayerNorm(w, op, kernel); })
      .Case([&](InstanceNormOp op) { return emitInstanceNorm(w, op, kernel); })
      .Case([&](GroupNormOp op) { return emitGroupNorm(w, op, kernel); })
      .Default([](Operation *) -> FailureOr<Launch> { return failure(); });
}
