//===- EliminateConcat.cpp - producers write into the concat's result -----===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"

#define DEBUG_TYPE "kiln-eliminate-concat"

namespace kiln {
#define GEN_PASS_DEF_ELIMINATECONCATPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::nn;

namespace {
struct EliminateConcatPass : kiln::impl::EliminateConcatPassBase<EliminateConcatPass> {
  EliminateConcatPass() = default;
  EliminateConcatPass(const EliminateConcatPass &other)
      : EliminateConcatPassBase(other) {}

  kiln::PassStatistic numEliminated{this, "eliminated-concats", "Concats made in place"};

  void runOnOperation() override {
    getOperation().walk([&](ConcatOp concat) {
      if (concat.getInPlace() || concat.getInputs().size() < 2)
        return;
      bool eligible = llvm::all_of(concat.getInputs(), [&](Value input) {
        return concat.whyNotInPlace(input) == nullptr;
      });
      if (!eligible)
        return;
      concat.setInPlace(true);
      ++numEliminated;
    });
  }
};
} // namespace
