//===- kiln-translate.cpp - translations out of Kiln's dialects (mlir-translate style) -===//
//
//   kiln-translate --serialize-engine [--arch=sm_90]... model.mlir -o model.kiln
//   kiln-translate --serialize-engine --dump-engine-json model.mlir
//
//===----------------------------------------------------------------------===//

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/engine/EngineWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"

using namespace mlir;

static llvm::cl::list<std::string>
    archs("arch", llvm::cl::desc("GPU architecture to compile kernels for (repeatable; "
                                 "default sm_90)"),
          llvm::cl::value_desc("sm_NN"));
static llvm::cl::opt<bool>
    dumpEngineJson("dump-engine-json",
                   llvm::cl::desc("With --serialize-engine: print the engine's metadata as "
                                  "JSON instead of writing the file"));

static llvm::cl::opt<bool> dumpEngineWeights(
    "dump-engine-weights",
    llvm::cl::desc("With --serialize-engine: print the weights section in hex (16 bytes a "
                   "line, all-zero lines left out) instead of writing the file"));

/// `od`-style lines "offset: bytes" of the non-zero 16-byte rows.
static void printWeights(llvm::ArrayRef<uint8_t> weights, llvm::raw_ostream &os) {
  os << "weights: " << weights.size() << " bytes\n";
  for (size_t row = 0; row < weights.size(); row += 16) {
    llvm::ArrayRef<uint8_t> bytes = weights.slice(row, std::min<size_t>(16, weights.size() - row));
    if (llvm::all_of(bytes, [](uint8_t b) { return b == 0; }))
      continue;
    os << llvm::format_hex_no_prefix(row, 6) << ":";
    for (uint8_t byte : bytes)
      os << " " << llvm::format_hex_no_prefix(byte, 2);
    os << "\n";
  }
}

static LogicalResult serialize(Operation *op, llvm::raw_ostream &os) {
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module)
    return op->emitError("expected a builtin.module");
  kiln::engine::EngineWriterOptions options;
  if (!archs.empty())
    options.archs.assign(archs.begin(), archs.end());
  for (const std::string &arch : options.archs)
    options.buildOptions += (options.buildOptions.empty() ? "--arch=" : " --arch=") + arch;
  FailureOr<kiln::engine::EngineBytes> engine = kiln::engine::serializeEngine(module, options);
  if (failed(engine))
    return failure();
  if (dumpEngineWeights) {
    printWeights(engine->weights, os);
    return success();
  }
  if (dumpEngineJson)
    return kiln::engine::printEngineJson(*engine, os);
  // mlir-translate's output file is kept only when the translation succeeds.
  std::vector<uint8_t> file = kiln::engine::encodeEngine(*engine);
  os.write(reinterpret_cast<const char *>(file.data()), file.size());
  return success();
}

int main(int argc, char **argv) {
  TranslateFromMLIRRegistration registration(
      "serialize-engine", "serialize an engine-dialect module into a .kiln engine file",
      serialize, [](DialectRegistry &registry) {
        registry.insert<kiln::engine::EngineDialect, kiln::nn::NNDialect, func::FuncDialect,
                        quant::QuantDialect>();
      });
  return failed(mlirTranslateMain(argc, argv, "Kiln translation driver\n"));
}
