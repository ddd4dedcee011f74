//===- Passes.h - Kiln's passes and pipelines -*- C++ -*-===//

#ifndef KILN_PASSES_PASSES_H
#define KILN_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Options of the graph pipeline (`kiln-graph-pipeline`).
struct GraphPipelineOptions
    : public mlir::PassPipelineOptions<GraphPipelineOptions> {};

/// The graph passes in their order: fold, simplify, fuse.
void buildGraphPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);

/// Registers every Kiln pass and pipeline with the global registry (for
/// kiln-opt and `--pass-pipeline`).
void registerKilnPassesAndPipelines();

} // namespace kiln

#endif // KILN_PASSES_PASSES_H
