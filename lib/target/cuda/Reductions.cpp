//===- Reductions.cpp - reduce, global pool, arg max/min ------------------===//
//
// Row kernels (RowKernel.h) that fold each row into one output element.
// Sums accumulate in double (the reference's precision), or in float for
// f16 and bf16 inputs (accumulationOf, RowKernel.h), max and min in the
// value type, integers in 64 bits with wrap-around; max over
// quantized storage compares the stored integers.
//
//===----------------------------------------------------------------------===//

#include "RowKernel.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

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

/// Sums accumulate in `acc` (accumulationOf), max and min in the value type.
static Accumulation floatAccumulation(ReduceKind kind, Compute value, Compute acc) {
  std::string F = computeType(value).str(), A = computeType(acc).str();
  std::string x = A == F ? "x" : "(" + A + ")x";
  auto sum = [&](std::string step) {
    return Accumulation{A, floatLiteral(0.0, acc),
                        "[](" + A + " a, " + A + " b) { return a + b; }", std::move(step)};
  };
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
  case ReduceKind::log_sum:
    return sum("acc + " + x);
  case ReduceKind::l1:
    return sum("acc + " + mathCall("fabs", x, acc));
  case ReduceKind::l2:
  case ReduceKind::sum_square:
    return sum("acc + " + x + " * " + x);
  case ReduceKind::prod:
    // Always double: a float product of 16-bit values can overflow or
    // underflow on the way to a representable result.
    return {"double", "1.0", "[](double a, double b) { return a * b; }",
            "acc * (double)x"};
  case ReduceKind::max:
    return {F, floatLiteral(-INFINITY, value),
            "[](" + F + " a, " + F + " b) { return kiln_nan_max(a, b); }",
            "kiln_nan_max(acc, x)"};
  case ReduceKind::min:
    return {F, floatLiteral(INFINITY, value),
            "[](" + F + " a, " + F + " b) { return kiln_nan_min(a, b); }",
            "kiln_nan_min(acc, x)"};
  case ReduceKind::log_sum_exp: {
    // Summed after the maximum (below); the exponential in the value type.
    std::string e = mathCall("exp", "x - m", value);
    return sum("acc + " + (A == F ? e : "(" + A + ")" + e));
  }
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
  return rows.emit([&] {
    rows.emitPreamble();
    Type inType = input.element(), outType = output.element();
    std::string channel = axis >= 0 ? rows.rowCoordinate(axis) : "";
    auto inputChannel = [&]() {
      int64_t inAxis = quantizedAxis(inType);
      return inAxis >= 0 ? rows.rowCoordinate(inAxis) : std::string();
    };

    // Max over quantized storage compares the stored integers, which order the
    // values (scales are positive); everything else reduces real values.
    bool storageMax =
        kind == ReduceKind::max && isQuantizedElement(inType) && inType == outType;
    bool integer = llvm::isa<IntegerType>(inType);
    Compute value = computeOf(inType);
    Accumulation acc;
    if (storageMax) {
      std::string ctype = storageType(inType);
      acc = {ctype,
             std::to_string(llvm::cast<quant::QuantizedType>(inType).getStorageTypeMin()),
             "[](" + ctype + " a, " + ctype + " b) { return kiln_max(a, b); }",
             "kiln_max(acc, x)"};
    } else if (integer) {
      acc = integerAccumulation(kind, llvm::cast<IntegerType>(inType));
    } else {
      acc = floatAccumulation(kind, value, accumulationOf(inType));
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
    std::string xType =
        storageMax ? storageType(inType)
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
      Compute sums = acc.type == "double" ? Compute::Double : Compute::Float;
      switch (kind) {
      case ReduceKind::mean:
        result = "acc / " + floatLiteral(static_cast<double>(count), sums);
        break;
      case ReduceKind::l2:
        result = mathCall("sqrt", "acc", sums);
        break;
      case ReduceKind::log_sum:
        result = mathCall("log", "acc", sums);
        break;
      case ReduceKind::log_sum_exp:
        result = "(isfinite(m) ? (" + acc.type + ")m + " + mathCall("log", "acc", sums) +
                 " : (" + acc.type + ")m)";
        break;
      default:
        break;
      }
      result = fromReal(w, outType, result, sums, channel);
    }
    w.open("if (active && lane == 0)");
    w.line(output.store(rows.rowOffset(1), result));
    w.close();
  });
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
  return rows.emit([&] {
    rows.emitPreamble();
    Type type = input.element();
    bool isFloatInput = isFloat(type);
    std::string V = isFloatInput ? computeType(computeOf(type)).str() : "long long";
    std::string A = "kiln_arg<" + V + ">";
    std::string better = isMax ? ">" : "<";
    // Prefer b over a: a missing, or b better, or equal with the index rule.
    w.line("auto pick = [](" + A + " a, " + A +
           " b) { return a.i < 0 || (b.i >= 0 && (b.v " + better +
           " a.v || (b.v == a.v && b.i " + (last ? ">" : "<") + " a.i))) ? b : a; };");
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
  });
}

//===----------------------------------------------------------------------===//
// Entry
//===----------------------------------------------------------------------===//

FailureOr<Launch> kiln::cuda::detail::emitReductionOp(KernelWriter &w, OpKernel &kernel) {
  const TensorView &input = kernel.operands[0];
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
      .Default([](Operation *) -> FailureOr<Launch> { return failure(); });
}
