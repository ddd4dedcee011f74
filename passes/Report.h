//===- Report.h - what the graph passes did, in words users read -*- C++ -*-===//

#ifndef KILN_PASSES_REPORT_H
#define KILN_PASSES_REPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

/// Prints each fusion that did not happen although the pattern was there,
/// with the reason the pass declined. Meant for the module right after the
/// fusion stage of the graph pipeline, where those decisions were made.
void printMissedFusions(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Under implicit INT8: prints each layer that stays in float, and why
/// (no INT8 implementation, a float input, an output the network returns).
/// Meant for the module right after the fusion stage. `precision` is the
/// compile's (--precision), which float layers run in: a layer kiln-calibrate
/// kept out of INT8 on purpose reads `kept FP16: <reason>`.
void printFloatLayers(mlir::ModuleOp module, llvm::raw_ostream &os,
                      llvm::StringRef precision = "fp32");

/// Prints how many INT8 convolutions run their epilogue inside cuDNN's graph
/// and, for each that needs a separate epilogue kernel, why (a float
/// residual, an activation the graph lacks, ...). Meant for the module the
/// engine is lowered from; `inCudnn` is false under --int8-epilogue=kernel,
/// `depthwiseInKernel` false under --depthwise-conv=cudnn (else depthwise
/// convs are counted as running in Kiln's INT8 depthwise kernel).
void printInt8Epilogues(mlir::ModuleOp module, bool inCudnn, llvm::raw_ostream &os,
                        bool depthwiseInKernel = true);

/// Prints each layer (its TensorRT-style name, op, precision and layout).
void printLayers(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Prints how many layers of each op the graph passes left, against the
/// imported model: `nn.batch_norm 2 → 0`.
void printLayerCounts(mlir::ModuleOp imported, mlir::ModuleOp optimized,
                      llvm::raw_ostream &os);

/// Counts the layers of an imported module (its nn ops other than constants).
int64_t countLayers(mlir::ModuleOp module);

/// Prints what an engine-dialect module will run: layers before and after
/// fusion, steps by kind, the precision mix, kernels, arena and weights.
void printEngineSummary(int64_t importedLayers, mlir::ModuleOp engine, llvm::raw_ostream &os);

} // namespace kiln

#endif // KILN_PASSES_REPORT_H
