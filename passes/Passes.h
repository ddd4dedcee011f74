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
  Option<bool> spaceToDepth{
      *this, "space-to-depth",
      llvm::cl::desc("Make strided f16/bf16 convs over unaligned channels (image stems) "
                     "stride 1 over pixel blocks (kiln-space-to-depth)"),
      llvm::cl::init(true)};
  Option<unsigned> int8Alignment{
      *this, "int8-alignment",
      llvm::cl::desc("Pad INT8 conv channels to this multiple (1: off)"),
      llvm::cl::init(32)};
  Option<std::string> constraintMode{
      *this, "constraint-mode",
      llvm::cl::desc("obey or prefer the per-layer constraints"), llvm::cl::init("obey")};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Fuse attention into nn.attention (kiln-fuse-attention) when the "
                     "precision is fp16, bf16, int8 or best"),
      llvm::cl::init(true)};
  Option<std::string> inputType{
      *this, "input-type",
      llvm::cl::desc("Type of the network's float32 inputs: fp32, fp16 or bf16 "
                     "(kiln-set-io-types)"),
      llvm::cl::init("fp32")};
  Option<std::string> outputType{
      *this, "output-type",
      llvm::cl::desc("Type of the network's float32 outputs: fp32, fp16 or bf16 "
                     "(kiln-set-io-types)"),
      llvm::cl::init("fp32")};
  Option<bool> foldQDQEpilogues{
      *this, "fold-qdq-epilogues",
      llvm::cl::desc("Remove Q/DQ pairs between a layer and its residual add or "
                     "activation (kiln-fold-epilogue-qdq; drops a rounding)"),
      llvm::cl::init(false)};
  // Implicit INT8 (kiln-calibrate): on when a calibration set or cache is given.
  Option<std::string> calibDir{
      *this, "calib-dir", llvm::cl::desc("INT8 calibration set (folder of .npy/.pb)")};
  Option<std::string> calibrator{
      *this, "calibrator", llvm::cl::desc("entropy, minmax, percentile or mse"),
      llvm::cl::init("mse")};
  Option<double> percentile{*this, "percentile",
                            llvm::cl::desc("Percentile of the percentile calibrator"),
                            llvm::cl::init(99.99)};
  Option<std::string> calibCache{
      *this, "calib-cache",
      llvm::cl::desc("INT8 calibration cache, read when it exists, else written")};
  Option<std::string> calibDevice{
      *this, "calib-device",
      llvm::cl::desc("Where calibration runs: auto (the GPU when present), gpu or cpu"),
      llvm::cl::init("auto")};
  Option<unsigned> int8MinChannels{
      *this, "int8-min-channels",
      llvm::cl::desc("Convs with fewer input channels per group stay in float under "
                     "implicit INT8 (0: off)"),
      llvm::cl::init(16)};
  Option<bool> int8Depthwise{
      *this, "int8-depthwise",
      llvm::cl::desc("Depthwise convs may be INT8 under implicit INT8 (false with "
                     "--depthwise-conv=cudnn)"),
      llvm::cl::init(true)};
};

/// The graph passes in their order: fold and fuse (the fusion stage), then
/// layout, concat elimination, precision and alignment (the layout stage).
void buildGraphPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);
void buildGraphFusionPipeline(mlir::OpPassManager &pm,
                              const GraphPipelineOptions &options);
void buildGraphLayoutPipeline(mlir::OpPassManager &pm,
                              const GraphPipelineOptions &options);

/// Options of the engine pipeline (`kiln-engine-pipeline`): where depthwise
/// convolutions run, and tactic selection.
struct EnginePipelineOptions
    : public mlir::PassPipelineOptions<EnginePipelineOptions> {
  Option<std::string> depthwiseConv{
      *this, "depthwise-conv",
      llvm::cl::desc("Where depthwise convolutions run: auto, cudnn or kernel "
                     "(kiln-convert-nn-to-engine's option)"),
      llvm::cl::init("auto")};
  Option<std::string> geluEpilogue{
      *this, "gelu-epilogue",
      llvm::cl::desc("How an erf GELU after a GEMM runs: auto or exact "
                     "(kiln-convert-nn-to-engine's option)"),
      llvm::cl::init("auto")};
  Option<std::string> int8Epilogue{
      *this, "int8-epilogue",
      llvm::cl::desc("Where INT8 convolutions apply their epilogue: cudnn or kernel "
                     "(kiln-convert-nn-to-engine's option)"),
      llvm::cl::init("cudnn")};
  Option<std::string> int8ConvKernel{
      *this, "int8-conv-kernel",
      llvm::cl::desc("Fused INT8 convolutions: cudnn, auto (CUTLASS kernels timed against "
                     "cuDNN), or cutlass:<config> (kiln-select-tactics' option)"),
      llvm::cl::init("cudnn")};
  Option<std::string> convGemm{
      *this, "conv-gemm",
      llvm::cl::desc("Pointwise float convolutions as cuBLASLt GEMMs: auto (where timed "
                     "faster than cuDNN), always or never (kiln-select-tactics' option)"),
      llvm::cl::init("auto")};
  Option<std::string> memoryConcurrency{
      *this, "memory-concurrency",
      llvm::cl::desc("Which freed arena bytes a tensor may take: branches or none "
                     "(kiln-plan-memory's concurrency option)"),
      llvm::cl::init("branches")};
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
  Option<std::string> minArch{
      *this, "min-arch",
      llvm::cl::desc("The oldest architecture the engine's kernels are compiled for "
                     "(kiln-select-tactics' min-arch)")};
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
