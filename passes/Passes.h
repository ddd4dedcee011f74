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
    : public mlir::PassPipelineOptions<GraphPipelineOptions> {
  Option<bool> channelsLast{
      *this, "channels-last",
      llvm::cl::desc("Convert layout-sensitive layers to channels-last (NHWC)"),
      llvm::cl::init(true)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Global precision: fp32, tf32, fp16, bf16, int8 or best"),
      llvm::cl::init("fp32")};
  ListOption<std::string> layerPrecision{
      *this, "layer-precision",
      llvm::cl::desc("Per-layer constraints NAME:PRECISION (layer or op name)")};
  Option<unsigned> halfAlignment{
      *this, "half-alignment",
      llvm::cl::desc("Pad f16/bf16 conv channels to this multiple (1: off)"),
      llvm::cl::init(8)};
  Option<std::string> constraintMode{
      *this, "constraint-mode",
      llvm::cl::desc("obey or prefer the per-layer constraints"), llvm::cl::init("obey")};
};

/// The graph passes in their order: fold and fuse (the fusion stage), then
/// layout, concat elimination, precision and alignment (the layout stage).
void buildGraphPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);
void buildGraphFusionPipeline(mlir::OpPassManager &pm,
                              const GraphPipelineOptions &options);
void buildGraphLayoutPipeline(mlir::OpPassManager &pm,
                              const GraphPipelineOptions &options);

/// Options of the engine pipeline (`kiln-engine-pipeline`): tactic selection.
struct EnginePipelineOptions
    : public mlir::PassPipelineOptions<EnginePipelineOptions> {
  Option<std::string> timingCache{
      *this, "timing-cache",
      llvm::cl::desc("Timing cache file read and updated by kiln-select-tactics")};
  Option<std::string> tactics{
      *this, "tactics", llvm::cl::desc("auto, time, cache or heuristic"),
      llvm::cl::init("auto")};
  Option<std::string> arch{
      *this, "arch",
      llvm::cl::desc("Architecture whose cache entries apply without a GPU"),
      llvm::cl::init("sm_90")};
  Option<bool> progress{*this, "progress",
                        llvm::cl::desc("A line per op on stderr while timing tactics"),
                        llvm::cl::init(false)};
};

/// The lowering to the engine dialect: convert, generate kernels, choose
/// tactics, then plan memory (`kiln-engine-pipeline`).
void buildEnginePipeline(mlir::OpPassManager &pm,
                         const EnginePipelineOptions &options);
void buildEnginePipeline(mlir::OpPassManager &pm);

/// Registers every Kiln pass and pipeline with the global registry (for
/// kiln-opt and `--pass-pipeline`).
void registerKilnPassesAndPipelines();

} // namespace kiln

#endif // KILN_PASSES_PASSES_H
