//===- kiln-opt.cpp - opt-style driver for Kiln's dialects and passes -----===//

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/target/cuda/TestPasses.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

/// MlirOptMain with Kiln's pass statistics: the pipeline it sets up from the
/// command line, plus the instrumentation that prints the counters of
/// `kiln::PassStatistic` (MLIR's own count nothing in a release LLVM).
static mlir::LogicalResult optMainWithStatistics(int argc, char **argv,
                                                 mlir::DialectRegistry &registry,
                                                 mlir::PassDisplayMode mode) {
  llvm::InitLLVM init(argc, argv);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "Kiln optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry);
  mlir::MlirOptMainConfig fromCommandLine = config;
  config.setPassPipelineSetupFn([fromCommandLine, mode](mlir::PassManager &pm) {
    if (mlir::failed(fromCommandLine.setupPassPipeline(pm)))
      return mlir::failure();
    kiln::enablePassStatistics(pm, mode);
    return mlir::success();
  });
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << errorMessage << "\n";
    return mlir::failure();
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return mlir::failure();
  }
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return mlir::failure();
  output->keep();
  return mlir::success();
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry
      .insert<kiln::nn::NNDialect, kiln::engine::EngineDialect, mlir::func::FuncDialect, mlir::quant::QuantDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  kiln::registerKilnPassesAndPipelines();
  kiln::cuda::registerTestPasses();
  // -mlir-pass-statistics is ours: taken off the command line before MLIR
  // parses it, so MLIR does not print its empty report as well.
  std::optional<mlir::PassDisplayMode> statistics;
  if (mlir::failed(kiln::takePassStatisticsFlags(argc, argv, statistics)))
    return 1;
  if (statistics)
    return mlir::asMainReturnCode(
        optMainWithStatistics(argc, argv, registry, *statistics));
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
