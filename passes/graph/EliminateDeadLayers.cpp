//===- EliminateDeadLayers.cpp - remove layers nothing reads --------------===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/Transforms/RegionUtils.h"

#define DEBUG_TYPE "kiln-eliminate-dead-layers"

namespace kiln {
#define GEN_PASS_DEF_ELIMINATEDEADLAYERSPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct EliminateDeadLayersPass
    : kiln::impl::EliminateDeadLayersPassBase<EliminateDeadLayersPass> {
  EliminateDeadLayersPass() = default;
  EliminateDeadLayersPass(const EliminateDeadLayersPass &other)
      : EliminateDeadLayersPassBase(other) {}

  kiln::PassStatistic numErased{this, "erased-layers", "Number of dead layers erased"};

  void runOnOperation() override {
    // Users follow their producers in a block, so one sweep from the end
    // removes whole dead chains.
    getOperation().walk([&](Block *block) {
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*block))) {
        if (!llvm::isa<kiln::nn::NNDialect>(op.getDialect()) ||
            !isOpTriviallyDead(&op))
          continue;
        op.erase();
        ++numErased;
      }
    });
  }
};
} // namespace
