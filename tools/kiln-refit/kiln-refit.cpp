//===- kiln-refit.cpp - an engine rebuilt from new weights, the same way ---===//
//
// `kiln-refit OLD.kiln NEW.onnx -o NEW.kiln`: NEW.onnx is the network OLD.kiln
// was built from with new weights (and, for Q/DQ models, new scales). Kiln's
// refit re-runs the compiler with the decisions OLD.kiln recorded: its build
// options (BuildConfig), its GPU architectures, and each step's tactic, fed
// to kiln-select-tactics as a timing cache (no timing, no GPU). It does not
// patch the weights section in place. The result must have OLD.kiln's
// structure (bindings, steps, memory plan) and NEW.onnx must keep the scale
// equalities the old build relied on; anything else is an error and nothing
// is written (see docs/calibration.md, "Refit").
//
//===----------------------------------------------------------------------===//

#include "Refit.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/import/OnnxImporter.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/target/tactics/TimingCache.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;
namespace fb = kiln::fb;

namespace {

cl::OptionCategory category("kiln-refit options");

cl::opt<std::string> oldPath(cl::Positional, cl::Required, cl::desc("<old.kiln>"),
                             cl::cat(category));
cl::opt<std::string> newPath(cl::Positional, cl::Required,
                             cl::desc("<new.onnx | new.onnxtxt>"), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::Required, cl::value_desc("file"),
                                cl::desc("The refitted engine"), cl::cat(category));
cl::opt<std::string> calibCache(
    "calib-cache", cl::value_desc("file"),
    cl::desc("The calibration cache of the new weights' activations (needed for an "
             "implicit INT8 engine, built with --int8)"),
    cl::cat(category));

int fail(const Twine &message) {
  errs() << "kiln-refit: error: " << message << "\n";
  return 1;
}

std::string str(const flatbuffers::String *text) { return text ? text->str() : ""; }

std::vector<std::string>
strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>> *values) {
  std::vector<std::string> out;
  for (size_t i = 0; values && i < values->size(); ++i)
    out.push_back(values->Get(i)->str());
  return out;
}

/// The recorded build options as the writer takes them back.
kiln::engine::BuildConfig readConfig(const fb::BuildConfig &recorded) {
  kiln::engine::BuildConfig config;
  config.precision = str(recorded.precision());
  config.layerPrecision = strings(recorded.layer_precision());
  config.constraintMode = str(recorded.constraint_mode());
  config.channelsLast = recorded.channels_last();
  config.halfAlignment = recorded.half_alignment();
  config.int8Alignment = recorded.int8_alignment();
  config.foldQDQEpilogues = recorded.fold_qdq_epilogues();
  config.depthwiseConv = str(recorded.depthwise_conv());
  config.int8Epilogue = str(recorded.int8_epilogue());
  if (const flatbuffers::String *gelu = recorded.gelu_epilogue())
    config.geluEpilogue = gelu->str();
  config.fuseAttention = recorded.fuse_attention();
  if (const flatbuffers::String *kernel = recorded.int8_conv_kernel())
    config.int8ConvKernel = kernel->str();
  config.int8MinChannels = recorded.int8_min_channels();
  if (const flatbuffers::String *memory = recorded.memory_concurrency())
    config.memoryConcurrency = memory->str();
  if (const flatbuffers::String *type = recorded.input_type())
    config.inputType = type->str();
  if (const flatbuffers::String *type = recorded.output_type())
    config.outputType = type->str();
  config.spaceToDepth = recorded.space_to_depth();
  config.int8 = recorded.int8();
  config.calibrator = str(recorded.calibrator());
  config.percentile = recorded.percentile();
  for (size_t i = 0; recorded.input_shapes() && i < recorded.input_shapes()->size(); ++i) {
    const fb::InputShape *shape = recorded.input_shapes()->Get(i);
    std::vector<int64_t> sizes;
    if (shape->shape())
      sizes.assign(shape->shape()->begin(), shape->shape()->end());
    config.inputShapes.push_back({shape->name()->str(), std::move(sizes)});
  }
  config.inputValues = strings(recorded.input_values());
  return config;
}

mlir::LogicalResult printDiagnostic(mlir::Diagnostic &diag) {
  StringRef severity = diag.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
                       : diag.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
                                                                                 : "note";
  errs() << newPath << ": " << severity << ": " << diag.str() << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    errs() << newPath << ": note: " << note.str() << "\n";
  return mlir::success();
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln: rebuild an engine from a model with new weights, with the old build's "
      "options and tactics\n\n"
      "  kiln-refit old.kiln new.onnx -o new.kiln\n"
      "  kiln-refit old-int8.kiln new.onnx -o new.kiln --calib-cache new.calib\n");
  auto started = std::chrono::steady_clock::now();

  kiln::runtime::Expected<kiln::runtime::EngineFile> opened =
      kiln::runtime::EngineFile::open(oldPath);
  if (!opened)
    return fail(opened.status().message() +
                " (kiln-refit takes the engine file kiln-compile wrote)");
  const fb::Engine &old = opened->metadata();
  if (!old.build_config())
    return fail(oldPath + " does not record its build options (an engine written before "
                          "kiln-refit existed): rebuild it with kiln-compile instead");
  kiln::engine::BuildConfig config = readConfig(*old.build_config());
  if (!config.inputValues.empty())
    return fail(oldPath + " was built with a compile-time value of input '" +
                config.inputValues.front() +
                "' (--input-value), which it does not hold: rebuild with kiln-compile instead");
  if (config.int8 && calibCache.empty())
    return fail(oldPath + " is an implicit INT8 engine (built with --int8): the new weights' "
                          "activation scales come from a calibration cache; give "
                          "--calib-cache FILE (kiln-compile NEW.onnx --int8 --calib DIR "
                          "--calib-cache FILE --emit=nn-opt -o /dev/null writes one)");
  if (!config.int8 && !calibCache.empty())
    return fail(oldPath + " is not an implicit INT8 engine: --calib-cache does not apply");
  if (!calibCache.empty() && !sys::fs::exists(calibCache))
    return fail("calibration cache '" + calibCache + "' does not exist");
  if (!old.archs() || old.archs()->size() == 0)
    return fail(oldPath + " names no GPU architecture: rebuild it with kiln-compile instead");

  mlir::MLIRContext context;
  context.getOrLoadDialect<kiln::engine::EngineDialect>();
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler handler(&context, printDiagnostic);
  kiln::OnnxImportOptions importOptions;
  for (const auto &[name, sizes] : config.inputShapes)
    importOptions.inputShapes[name].assign(sizes.begin(), sizes.end());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      kiln::importOnnxModel(newPath, context, importOptions);
  if (!module)
    return 1;

  // The graph passes with the recorded options; the assumptions are checked
  // where the old build made them.
  kiln::GraphPipelineOptions graph;
  graph.precision = config.precision;
  graph.layerPrecision = config.layerPrecision;
  graph.constraintMode = config.constraintMode;
  graph.channelsLast = config.channelsLast;
  graph.halfAlignment = config.halfAlignment;
  graph.int8Alignment = config.int8Alignment;
  graph.foldQDQEpilogues = config.foldQDQEpilogues;
  graph.fuseAttention = config.fuseAttention;
  graph.inputType = config.inputType;
  graph.outputType = config.outputType;
  graph.spaceToDepth = config.spaceToDepth;
  if (config.int8) {
    graph.calibCache = calibCache;
    graph.calibrator = config.calibrator;
    graph.percentile = config.percentile;
    graph.calibDevice = "cpu"; // never used: the cache is read
    graph.int8MinChannels = config.int8MinChannels;
    graph.int8Depthwise = config.depthwiseConv != "cudnn";
  }
  mlir::PassManager graphPasses(&context);
  kiln::buildGraphPipeline(graphPasses, graph);
  auto checker = std::make_unique<kiln::refit::AssumptionChecker>(strings(old.assumptions()));
  kiln::refit::AssumptionChecker *assumptions = checker.get();
  graphPasses.addInstrumentation(std::move(checker));
  bool graphFailed = mlir::failed(graphPasses.run(*module));
  std::vector<std::string> broken = assumptions->errors();
  for (const std::string &message : broken)
    errs() << "kiln-refit: error: " << message << "\n";
  if (!broken.empty())
    return fail(newPath + " breaks " + std::to_string(broken.size()) + " of the " +
                std::to_string(assumptions->size()) + " scale assumptions of " + oldPath +
                ": rebuild with kiln-compile instead");
  if (graphFailed)
    return 1;

  // The engine passes, every tactic from the old engine's steps.
  SmallString<128> cachePath;
  if (std::error_code error =
          sys::fs::createTemporaryFile("kiln-refit-tactics", "json", cachePath))
    return fail("cannot create a temporary file: " + error.message());
  llvm::scope_exit removeCache([&] { sys::fs::remove(cachePath); });
  // Valid before the feeder fills it, should the steps not line up.
  if (llvm::Error error = kiln::tactics::TimingCache().write(cachePath))
    return fail(toString(std::move(error)));
  kiln::refit::TacticFeeder::Target target;
  target.cachePath = cachePath.str().str();
  target.computeCapability = int(old.archs()->Get(0));
  // The keys only need to agree between the feeder and the pass.
  target.cudnnVersion = target.cublasLtVersion = target.nvrtcVersion = 1;
  mlir::PassManager enginePasses(&context);
  kiln::ConvertNNToEnginePassOptions lowering;
  lowering.depthwiseConv = config.depthwiseConv;
  lowering.int8Epilogue = config.int8Epilogue;
  lowering.geluEpilogue = config.geluEpilogue;
  enginePasses.addPass(kiln::createConvertNNToEnginePass(lowering));
  enginePasses.addPass(kiln::createOutlineKernelsPass());
  kiln::SelectTacticsPassOptions tactics;
  tactics.timingCache = target.cachePath;
  tactics.mode = "cache";
  tactics.arch = "sm_" + std::to_string(target.computeCapability);
  tactics.cudnnVersion = target.cudnnVersion;
  tactics.cublasLtVersion = target.cublasLtVersion;
  tactics.nvrtcVersion = target.nvrtcVersion;
  tactics.int8ConvKernel = config.int8ConvKernel;
  // The feeder gives back their GEMM form to the convolutions the old
  // engine ran on cuBLASLt.
  tactics.convGemm = "never";
  enginePasses.addPass(kiln::createSelectTacticsPass(tactics));
  kiln::PlanMemoryPassOptions memory;
  memory.concurrency = config.memoryConcurrency;
  enginePasses.addPass(kiln::createPlanMemoryPass(memory));
  auto feeder = std::make_unique<kiln::refit::TacticFeeder>(old, target);
  kiln::refit::TacticFeeder *fed = feeder.get();
  enginePasses.addInstrumentation(std::move(feeder));
  bool engineFailed = mlir::failed(enginePasses.run(*module));
  if (!fed->error().empty())
    return fail(newPath + " is not the network of " + oldPath + ": " + fed->error() +
                "; the graph changed: rebuild with kiln-compile instead");
  if (engineFailed)
    return 1;

  kiln::engine::EngineWriterOptions writer;
  writer.archs.clear();
  for (uint32_t arch : *old.archs())
    writer.archs.push_back("sm_" + std::to_string(arch));
  writer.buildOptions = str(old.build_options()) + " (refit: " + newPath + ")";
  writer.buildConfig = config;
  mlir::FailureOr<kiln::engine::EngineBytes> bytes =
      kiln::engine::serializeEngine(*module, writer);
  if (mlir::failed(bytes))
    return 1;
  std::vector<uint8_t> file = kiln::engine::encodeEngine(*bytes);
  kiln::runtime::Expected<kiln::runtime::EngineFile> rebuilt =
      kiln::runtime::EngineFile::fromBytes(std::move(file));
  if (!rebuilt)
    return fail("the refitted engine does not verify: " + rebuilt.status().message());
  if (std::optional<std::string> difference =
          kiln::refit::compareStructure(old, rebuilt->metadata()))
    return fail(newPath + " is not the network of " + oldPath + ": " + *difference +
                "; the graph changed: rebuild with kiln-compile instead");

  kiln::runtime::Status written =
      kiln::runtime::writeEngineFile(outputPath, bytes->metadata, bytes->weights);
  if (!written.ok())
    return fail("cannot write '" + outputPath + "': " + written.message());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outs() << formatv("refit: {0} steps, structure and memory plan unchanged; {1} tactics "
                    "from {2}; {3} scale assumptions hold\n",
                    old.steps() ? old.steps()->size() : 0, fed->fed(), oldPath,
                    assumptions->size());
  outs() << formatv("wrote {0} in {1:f1} s\n", outputPath, seconds);
  return 0;
}
