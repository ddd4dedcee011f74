//===- kiln-opt.cpp - opt-style driver for Kiln's dialects and passes -----===//

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/target/cuda/TestPasses.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry
      .insert<kiln::nn::NNDialect, kiln::engine::EngineDialect, mlir::func::FuncDialect, mlir::quant::QuantDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  kiln::registerKilnPassesAndPipelines();
  kiln::cuda::registerTestPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
