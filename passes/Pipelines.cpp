//===- Pipelines.cpp - Kiln's pass pipelines ------------------------------===//

#include "passes/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildGraphFusionPipeline(OpPassManager &pm,
                                    const GraphPipelineOptions &options) {
  OpPassManager &fold = pm.nest<func::FuncOp>();
  fold.addPass(createEliminateDeadLayersPass());
  fold.addPass(createFoldConstantsPass());
  fold.addPass(createFoldBatchNormPass());
  fold.addPass(createFoldConstantsPass());
  fold.addPass(createCanonicalizerPass());
  fold.addPass(createCSEPass());
  // While the exported attention is intact: its scales are canonical scalar
  // constants and no epilogue or precision change has touched its layers.
  // nn.attention runs only in 16-bit types (cuDNN's fused attention), so
  // FP32 and TF32 compiles keep the unfused graph.
  if (options.fuseAttention &&
      llvm::is_contained({"fp16", "bf16", "int8", "best"}, options.precision.getValue())) {
    FuseAttentionPassOptions attention;
    attention.layerPrecision.assign(options.layerPrecision.begin(),
                                    options.layerPrecision.end());
    fold.addPass(createFuseAttentionPass(attention));
  }
  // Q/DQ move once batch norms are folded (TensorRT folds BN into the
  // quantized conv; the model need not simulate it) and before fusion, so
  // that a max pool or reshape between a conv and its quantize does not
  // hide the pair. Without Q/DQ both passes find nothing to do.
  pm.addPass(createPropagateQDQPass());
  if (options.foldQDQEpilogues)
    pm.nest<func::FuncOp>().addPass(createFoldEpilogueQDQPass());
  pm.nest<func::FuncOp>().addPass(createFuseLayersPass());
  // Implicit INT8 measures the fused layers' outputs (conv + bias + residual
  // + activation, as TensorRT does) and quantizes what they read; the pairs
  // it inserts then move and fuse like a Q/DQ model's.
  if (!options.calibDir.empty() || !options.calibCache.empty()) {
    CalibratePassOptions calibrate;
    calibrate.calibDir = options.calibDir;
    calibrate.calibrator = options.calibrator;
    calibrate.percentile = options.percentile;
    calibrate.cache = options.calibCache;
    calibrate.device = options.calibDevice;
    calibrate.int8MinChannels = options.int8MinChannels;
    calibrate.int8Depthwise = options.int8Depthwise;
    calibrate.layerPrecision.assign(options.layerPrecision.begin(),
                                    options.layerPrecision.end());
    pm.addPass(createCalibratePass(calibrate));
    pm.addPass(createPropagateQDQPass());
  }
  OpPassManager &func = pm.nest<func::FuncOp>();
  // After the epilogue fusions, so that bias, residual and activation ride
  // into the INT8 layer and its output quantize follows the whole epilogue;
  // before horizontal merging, which leaves INT8 convs alone.
  func.addPass(createFuseQDQPass());
  func.addPass(createEliminateDeadLayersPass());
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
  if (options.inputType != "fp32" || options.outputType != "fp32") {
    SetIOTypesPassOptions io;
    io.inputType = options.inputType;
    io.outputType = options.outputType;
    func.addPass(createSetIOTypesPass(io));
  }
  AssignPrecisionPassOptions precision;
  precision.precision = options.precision;
  precision.layerPrecision.assign(options.layerPrecision.begin(),
                                  options.layerPrecision.end());
  precision.constraintMode = options.constraintMode;
  func.addPass(createAssignPrecisionPass(precision));
  // Once precisions are known (only half-precision convs are blocked) and
  // before padding, which then finds the blocked channels aligned.
  if (options.spaceToDepth) {
    SpaceToDepthPassOptions blocks;
    blocks.halfAlignment = options.halfAlignment;
    func.addPass(createSpaceToDepthPass(blocks));
  }
  PadForAlignmentPassOptions alignment;
  alignment.halfAlignment = options.halfAlignment;
  alignment.int8Alignment = options.int8Alignment;
  func.addPass(createPadForAlignmentPass(alignment));
  // Casts of weights, transposed and padded filters become plain weights.
  func.addPass(createFoldConstantsPass());
  func.addPass(createCSEPass());
}

void kiln::buildGraphPipeline(OpPassManager &pm, const GraphPipelineOptions &options) {
  buildGraphFusionPipeline(pm, options);
  buildGraphLayoutPipeline(pm, options);
}

void kiln::buildEnginePipeline(OpPassManager &pm, const EnginePipelineOptions &options) {
  ConvertNNToEnginePassOptions lowering;
  lowering.depthwiseConv = options.depthwiseConv;
  lowering.int8Epilogue = options.int8Epilogue;
  lowering.geluEpilogue = options.geluEpilogue;
  pm.addPass(createConvertNNToEnginePass(lowering));
  pm.addPass(createOutlineKernelsPass());
  // Tactics fix each library call's workspace before memory is planned.
  SelectTacticsPassOptions tactics;
  tactics.timingCache = options.timingCache;
  tactics.mode = options.tactics;
  tactics.arch = options.arch;
  tactics.minArch = options.minArch;
  tactics.progress = options.progress;
  tactics.int8ConvKernel = options.int8ConvKernel;
  tactics.convGemm = options.convGemm;
  pm.addPass(createSelectTacticsPass(tactics));
  PlanMemoryPassOptions memory;
  memory.concurrency = options.memoryConcurrency;
  pm.addPass(createPlanMemoryPass(memory));
}

void kiln::buildEnginePipeline(OpPassManager &pm) {
  buildEnginePipeline(pm, EnginePipelineOptions());
}

void kiln::registerKilnPassesAndPipelines() {
  registerKilnPasses();
  PassPipelineRegistration<GraphPipelineOptions>(
      "kiln-graph-pipeline",
      "The graph passes: fold batch norms and constants, fuse layers",
      buildGraphPipeline);
  PassPipelineRegistration<EnginePipelineOptions>(
      "kiln-engine-pipeline",
      "Lower the nn graph to the engine dialect, generate its kernels, choose tactics "
      "and plan the activation arena",
      [](OpPassManager &pm, const EnginePipelineOptions &options) {
        buildEnginePipeline(pm, options);
      });
}
