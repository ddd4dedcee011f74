//===- Pipelines.cpp - Kiln's pass pipelines ------------------------------===//

#include "passes/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildGraphFusionPipeline(OpPassManager &pm, const GraphPipelineOptions &) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createEliminateDeadLayersPass());
  func.addPass(createFoldConstantsPass());
  func.addPass(createFoldBatchNormPass());
  func.addPass(createFoldConstantsPass());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(createFuseLayersPass());
  func.addPass(createMergeHorizontalPass());
  // Merged filters and biases are concats of weights: make them weights.
  func.addPass(createFoldConstantsPass());
}

void kiln::buildGraphLayoutPipeline(OpPassManager &pm,
                                    const GraphPipelineOptions &options) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  if (options.channelsLast) {
    func.addPass(createConvertLayoutPass());
    func.addPass(createCSEPass());
  }
  func.addPass(createEliminateDeadLayersPass());
  func.addPass(createEliminateConcatPass());
  AssignPrecisionPassOptions precision;
  precision.precision = options.precision;
  precision.layerPrecision.assign(options.layerPrecision.begin(),
                                  options.layerPrecision.end());
  precision.constraintMode = options.constraintMode;
  func.addPass(createAssignPrecisionPass(precision));
  PadForAlignmentPassOptions alignment;
  alignment.halfAlignment = options.halfAlignment;
  func.addPass(createPadForAlignmentPass(alignment));
  // Casts of weights, transposed and padded filters become plain weights.
  func.addPass(createFoldConstantsPass());
  func.addPass(createCSEPass());
}

void kiln::buildGraphPipeline(OpPassManager &pm, const GraphPipelineOptions &options) {
  buildGraphFusionPipeline(pm, options);
  buildGraphLayoutPipeline(pm, options);
}

void kiln::buildEnginePipeline(OpPassManager &pm) {
  pm.addPass(createConvertNNToEnginePass());
  // kiln-outline-kernels goes here, once dispatches have kernels.
  pm.addPass(createPlanMemoryPass());
}

void kiln::registerKilnPassesAndPipelines() {
  registerKilnPasses();
  PassPipelineRegistration<GraphPipelineOptions>(
      "kiln-graph-pipeline",
      "The graph passes: fold batch norms and constants, fuse layers",
      buildGraphPipeline);
  PassPipelineRegistration<>(
      "kiln-engine-pipeline",
      "Lower the nn graph to the engine dialect and plan the activation arena",
      buildEnginePipeline);
}
