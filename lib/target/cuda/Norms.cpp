//===- Norms.cpp - softmax and the normalizations -------------------------===//
//
// Row kernels (RowKernel.h) that read each row two or three times, from
// registers when it fits: softmax (the maximum, the sum of exponentials, the
// results), layer, instance and group norm (mean and variance of the
// deviations, the normalized values). Sums accumulate in float for 16-bit
// inputs and in double otherwise (accumulationOf, RowKernel.h). A float
// cast after the op (an FP16 network's f32 output) is done as the result is
// stored.
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

/// The statement storing `real` (held in `compute`) at `offset` of `output`:
/// rounded to the type of `kernel`'s result, then converted by the float cast
/// fused after it (an FP16 network's f32 output) when there is one.
static std::string storeResult(KernelWriter &w, const OpKernel &kernel,
                               const TensorView &output, StringRef offset, StringRef real,
                               Compute compute) {
  Type element = getElementTypeOrSelf(kernel.op->getResult(0).getType());
  std::string value = fromReal(w, element, real, compute);
  if (kernel.convert)
    value = emitFusedCast(w, kernel.convert, value);
  return output.store(offset, value);
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

static Launch emitSoftmax(KernelWriter &w, const OpKernel &kernel, int64_t axis, bool log) {
  const TensorView &input = kernel.operands[0], &output = *kernel.results[0];
  SmallVector<bool> reduced(input.rank(), false);
  reduced[axis] = true;
  RowKernel rows(w, input.shape(), reduced, {{input, input.strides}, {output, output.strides}});
  return rows.emit([&] {
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
    // Pass 2: the sum of exponentials (accumulationOf: float for 16-bit data,
    // else double). The exponential is taken in the value type (expf for
    // float: within 2 ulp of float, far below a 16-bit result's rounding).
    Compute acc = accumulationOf(input.element());
    std::string A = computeType(acc).str();
    auto expOf = [&](const std::string &x) { return mathCall("exp", x + " - m", value); };
    auto widen = [&](const std::string &x) { return A == F ? x : "(" + A + ")" + x; };
    w.line(A + " sum = " + floatLiteral(0.0, acc) + ";");
    rows.forEachElement([&] {
      std::string x = cached ? "x[u]" : loadAt(rows.offset(0));
      if (cached && !log) {
        w.line("x[u] = " + expOf("x[u]") + ";");
        w.line("sum += " + widen("x[u]") + ";");
      } else {
        w.line("sum += " + widen(expOf(x)) + ";");
      }
    });
    rows.combineInPlace("sum", "[](" + A + " a, " + A + " b) { return a + b; }");
    // Pass 3: the results. In float, one reciprocal and a multiply per element
    // (two roundings of float, invisible after rounding to 16 bits); in double,
    // a division, rounded once to the result's type as the reference's.
    // log_softmax subtracts the max first and the log of the sum second, as
    // the reference: x − (m + log Σ) would round m + log Σ to m's ulp, half
    // an ulp of a large max lost on every output.
    if (log)
      w.line("const " + F + " lse = (" + F + ")" + mathCall("log", "sum", acc) + ";");
    else if (acc == Compute::Float)
      w.line("const float inverse = 1.0f / sum;");
    rows.forEachElement([&] {
      std::string x = cached ? "x[u]" : loadAt(rows.offset(0));
      std::string e = cached ? "x[u]" : expOf(x);
      std::string result = log                     ? "((" + x + " - m) - lse)"
                           : acc == Compute::Float ? "(" + e + " * inverse)"
                                                   : "(double)" + e + " / sum";
      Compute held = log ? value : acc;
      w.line(storeResult(w, kernel, output, rows.offset(1), result, held));
    });
  });
}

//===----------------------------------------------------------------------===//
// layer_norm, instance_norm, group_norm
//===----------------------------------------------------------------------===//

/// Normalizes each row of tensor 0 into tensor 1 with `scale` (tensor 2) and
/// optional `bias` (tensor 3): the mean, then the variance from the
/// deviations (two passes over the row, from registers when it fits, so no
/// cancellation of a sum of squares), in accumulationOf's type.
static Launch emitNormalize(KernelWriter &w, const OpKernel &kernel, RowKernel &rows,
                            double epsilon, bool hasBias) {
  return rows.emit([&] {
    rows.emitPreamble();
    const TensorView &input = rows.tensor(0).view, &output = rows.tensor(1).view;
    Compute value = computeOf(input.element());
    Compute acc = accumulationOf(input.element());
    std::string F = computeType(value).str(), A = computeType(acc).str();
    auto load = [&](unsigned t) {
      return realOf(w, rows.tensor(t).view.element(),
                    rows.tensor(t).view.load(rows.offset(t)), value);
    };
    auto widen = [&](const std::string &x) { return A == F ? x : "(" + A + ")" + x; };
    bool cached = rows.cached();
    std::string count = floatLiteral(static_cast<double>(rows.elems()), acc);
    std::string zero = floatLiteral(0.0, acc), one = floatLiteral(1.0, acc);
    std::string add = "[](" + A + " a, " + A + " b) { return a + b; }";
    if (cached)
      w.line(F + " x[" + std::to_string(rows.share()) + "];");
    w.line(A + " sum = " + zero + ";");
    rows.forEachElement([&] {
      if (cached) {
        w.line("x[u] = " + load(0) + ";");
        w.line("sum += " + widen("x[u]") + ";");
      } else {
        w.line("sum += " + widen(load(0)) + ";");
      }
    });
    w.line("const " + A + " mean = " + rows.combine("sum", add) + " / " + count + ";");
    w.line(A + " squares = " + zero + ";");
    rows.forEachElement([&] {
      w.line("const " + A + " d = " + widen(cached ? std::string("x[u]") : load(0)) +
             " - mean;");
      w.line("squares += d * d;");
    });
    // epsilon is an f32 attribute, so float holds it exactly.
    w.line("const " + A + " variance = " + rows.combine("squares", add) + " / " + count +
           ";");
    w.line("const " + A + " inverse = " + one + " / " +
           mathCall("sqrt", "variance + " + floatLiteral(epsilon, acc), acc) + ";");
    rows.forEachElement([&] {
      std::string x = cached ? "x[u]" : load(0);
      std::string y = "(" + widen(x) + " - mean) * inverse * " + widen(load(2));
      // Without a bias the reference still adds 0.0 (so -0 becomes +0).
      y += hasBias ? " + " + widen(load(3)) : " + " + zero;
      w.line(storeResult(w, kernel, output, rows.offset(1), y, acc));
    });
  });
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
  return emitNormalize(w, kernel, rows, op.getEpsilon().convertToDouble(),
                       op.getBias() != nullptr);
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
  return emitNormalize(w, kernel, rows, op.getEpsilon().convertToDouble(), /*hasBias=*/true);
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
  return emitNormalize(w, kernel, rows, op.getEpsilon().convertToDouble(), /*hasBias=*/true);
}

//===----------------------------------------------------------------------===//
// Entry
//===----------------------------------------------------------------------===//

FailureOr<Launch> kiln::cuda::detail::emitNormOp(KernelWriter &w, OpKernel &kernel) {
  return llvm::TypeSwitch<Operation *, FailureOr<Launch>>(kernel.op)
      .Case([&](SoftmaxOp op) { return emitSoftmax(w, kernel, op.getAxis(), false); })
      .Case([&](LogSoftmaxOp op) { return emitSoftmax(w, kernel, op.getAxis(), true); })
      .Case([&](LayerNormOp op) { return emitLayerNorm(w, op, kernel); })
      .Case([&](InstanceNormOp op) { return emitInstanceNorm(w, op, kernel); })
      .Case([&](GroupNormOp op) { return emitGroupNorm(w, op, kernel); })
      .Default([](Operation *) -> FailureOr<Launch> { return failure(); });
}
