//===- Refit.h - what kiln-refit checks: assumptions, structure -*- C++ -*-===//
//
// The two checks of a refit beside the rebuild itself: the scale equalities
// the old build relied on (engine.assumptions), evaluated on the new model,
// and the structure of the rebuilt engine against the old one. Both say the
// first thing that differs, in words a user can act on.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_REFIT_REFIT_H
#define KILN_TOOLS_KILN_REFIT_REFIT_H

#include "kiln/runtime/engine_generated.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::refit {

/// Checks `scale(A) == scale(B)` assumptions on the new model's IR just
/// before each run of kiln-propagate-qdq, the point where the old build
/// recorded them (for a calibrated engine, the second run: after
/// kiln-calibrate has put the cache's scales in). An assumption is settled
/// at the first run where both sides have one scale.
class AssumptionChecker : public mlir::PassInstrumentation {
public:
  explicit AssumptionChecker(std::vector<std::string> assumptions);

  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override;

  /// Mismatches, malformed entries, and assumptions never settled (with the
  /// reason of their last try), one message each.
  std::vector<std::string> errors() const;
  size_t size() const { return entries.size(); }

private:
  struct Entry {
    std::string text, lhs, rhs;
    bool settled = false;
    std::string error;   ///< a mismatch or a malformed entry: final
    std::string pending; ///< why it could not be evaluated yet
  };
  std::vector<Entry> entries;
};

/// A scale of the model's tensor `ref` ("NAME.output", "NAME.inputN", NAME a
/// layer name): the scale of the quantize named NAME, else of the quantizes
/// the tensor reaches through ops that commute with quantization. An error
/// message when there is none or several.
struct ScaleOrError {
  std::optional<double> scale;
  std::string error;
};
ScaleOrError evaluateScale(mlir::ModuleOp module, llvm::StringRef ref);

/// The first difference between the old engine and the rebuilt one in
/// bindings, steps (kind, names, shapes, buffers, tactics) and the memory
/// plan; nullopt when they have the same structure.
std::optional<std::string> compareStructure(const kiln::fb::Engine &old,
                                            const kiln::fb::Engine &rebuilt);

/// Makes the timing-cache entries that give each conv, GEMM and tuned
/// launch of the new engine-dialect module (before kiln-select-tactics) the
/// tactic of the old engine's step at the same position. Fails with a
/// message when the steps do not line up (the graph changed).
class TacticFeeder : public mlir::PassInstrumentation {
public:
  struct Target {
    std::string cachePath;
    int computeCapability = 0;
    int cudnnVersion = 0, cublasLtVersion = 0, nvrtcVersion = 0;
  };
  TacticFeeder(const kiln::fb::Engine &old, Target target)
      : old(old), target(std::move(target)) {}

  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override;

  /// Empty when every step lined up and the cache was written.
  const std::string &error() const { return failure; }
  size_t fed() const { return numFed; }

private:
  const kiln::fb::Engine &old;
  Target target;
  std::string failure;
  size_t numFed = 0;
};

} // namespace kiln::refit

#endif // KILN_TOOLS_KILN_REFIT_REFIT_H
