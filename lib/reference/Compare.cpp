//===- Compare.cpp - comparing reference results with expected tensors ----===//

#include "kiln/reference/Compare.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace kiln::reference;

/// `[i, j, …]`: the multi-index of linear index `index` in `shape`.
static std::string formatIndex(llvm::ArrayRef<int64_t> shape, int64_t index) {
  llvm::SmallVector<int64_t, 6> coords(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    coords[d] = shape[d] ? index % shape[d] : 0;
    index = shape[d] ? index / shape[d] : 0;
  }
  std::string text = "[";
  for (auto [i, c] : llvm::enumerate(coords))
    text += (i ? ", " : "") + std::to_string(c);
  return text + "]";
}

std::optional<std::string> kiln::reference::compareTensors(const Tensor &actual,
                                                           const Tensor &expected,
                                                           Tolerance tolerance) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (actual.getShape() != expected.getShape()) {
    os << "shape " << actual.getType() << " differs from the expected "
       << expected.getType();
    return message;
  }
  bool storage = actual.isQuantized() && expected.isQuantized();
  std::vector<double> a, e;
  if (storage) {
    a.assign(actual.getInts().begin(), actual.getInts().end());
    e.assign(expected.getInts().begin(), expected.getInts().end());
  } else {
    a = actual.toReals();
    e = expected.toReals();
  }
  // Results in a narrow float type differ by an ulp or two with where the
  // rounding happens: a kernel computing wide and rounding once, an expected
  // value computed step by step in the narrow type (ONNX's reference
  // computes softmax's exp and sum in float16). So rtol is at least two
  // machine epsilons of the type (f16 2^-9, bf16 2^-6, which ONNX's backend
  // test runner allows bfloat16): two ulps at a power of two, up to four
  // just below the next.
  double rtol = tolerance.rtol;
  if (!storage)
    for (const Tensor *t : {&actual, &expected})
      if (auto floatType = llvm::dyn_cast<mlir::FloatType>(t->getType().getElementType()))
        rtol = std::max(
            rtol, std::ldexp(2.0, 1 - static_cast<int>(floatType.getFPMantissaWidth())));
  int64_t mismatches = 0, first = -1;
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(e[i]))
      continue;
    double error = std::fabs(a[i] - e[i]);
    // Infinities must match exactly (inf - inf is NaN, which fails below).
    bool close = a[i] == e[i] || error <= tolerance.atol + rtol * std::fabs(e[i]);
    if (close)
      continue;
    if (mismatches++ == 0)
      first = static_cast<int64_t>(i);
    if (!(error <= worst))
      worst = error;
  }
  if (!mismatches)
    return std::nullopt;
  os << mismatches << " of " << a.size() << " elements differ; first at "
     << formatIndex(actual.getShape(), first) << ": got " << a[first] << ", expected "
     << e[first] << "; largest absolute error " << worst;
  return message;
}
