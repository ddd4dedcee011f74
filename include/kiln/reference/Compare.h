//===- Compare.h - comparing reference results with expected tensors -*- C++ -*-===//
//
// The check the conformance runner and pass tests apply to a result: the same
// shape, and every element within `atol + rtol · |expected|` of the expected
// one (numpy's isclose), NaN matching NaN. For float types narrower than
// `rtol` resolves (f16, bf16), rtol is raised to two machine epsilons of the
// type (as ONNX's backend test runner does for bf16): a result rounded once
// and one rounded step by step differ by an ulp or two.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_COMPARE_H
#define KILN_REFERENCE_COMPARE_H

#include "kiln/reference/Tensor.h"

#include <optional>
#include <string>

namespace kiln::reference {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-5;
};

/// Compares `actual` with `expected`: real values (dequantized for quantized
/// tensors unless both are quantized, then storage values). Returns a
/// one-line description of the first mismatch and the largest error, or
/// nullopt when they agree.
std::optional<std::string> compareTensors(const Tensor &actual, const Tensor &expected,
                                          Tolerance tolerance = {});

} // namespace kiln::reference

#endif // KILN_REFERENCE_COMPARE_H
