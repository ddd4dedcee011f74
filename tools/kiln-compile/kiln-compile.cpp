//===- kiln-compile.cpp - compile an ONNX model with Kiln -----------------===//
//
// The compiler's command line. Today it imports the model into the nn
// dialect (`--emit=nn`) and runs the graph passes (`--emit=nn-opt`,
// `--report`), and lowers them to the engine dialect with the activation
// arena planned (`--emit=engine-ir`), generates the CUDA kernels
// (`--emit=cuda`), chooses the cuDNN/cuBLASLt tactics (timed on a GPU, or from
// `--timing-cache`) and writes the engine file the runtime loads (`--emit=engine`,
// the default when the output ends in `.kiln`). Errors go
// to stderr as `<model>: error: <message>`, the exit code is non-zero, and
// the output file is only created (atomically) when everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "dialects/engine/EngineDialect.h"
#include "kiln/calibration/Calibration.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/import/OnnxImporter.h"
#include "kiln/target/cuda/KernelEmitter.h"
#include "kiln/target/cuda/Nvrtc.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/HostRunner.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/target/tactics/TimingCache.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/PrecisionChoice.h"
#include "passes/Report.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <optional>

using namespace llvm;

namespace {

enum class EmitKind { NN, NNOpt, EngineIR, Cuda, Engine };

cl::OptionCategory category("kiln-compile options");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<model.onnx | model.onnxtxt>"),
                               cl::cat(category));

cl::opt<std::string> outputPath("o", cl::init("-"), cl::value_desc("file"),
                                cl::desc("Where to write the result ('-' for stdout)"),
                                cl::cat(category));

cl::opt<EmitKind> emitKind(
    "emit", cl::init(EmitKind::NN), cl::desc("What to produce"),
    cl::values(clEnumValN(EmitKind::NN, "nn",
                          "the model imported into the nn dialect (MLIR text)"),
               clEnumValN(EmitKind::NNOpt, "nn-opt",
                          "the nn dialect after the graph passes (folded, fused, "
                          "laid out, precision assigned)"),
               clEnumValN(EmitKind::EngineIR, "engine-ir",
                          "the engine dialect after the graph and engine passes "
                          "(steps on buffers, activation arena planned)"),
               clEnumValN(EmitKind::Cuda, "cuda",
                          "the CUDA C++ of the generated kernels, as NVRTC compiles it"),
               clEnumValN(EmitKind::Engine, "engine",
                          "the engine file (the default for an output ending in .kiln)")),
    cl::cat(category));

cl::list<std::string>
    inputShapes("input-shape", cl::value_desc("name=d0xd1x..."),
                cl::desc("Sizes of a model input whose dimensions are symbolic or "
                         "unknown, e.g. --input-shape input=1x3x224x224 (repeatable)"),
                cl::cat(category));

cl::list<std::string> inputValues(
    "input-value", cl::value_desc("name=tensor.pb"),
    cl::desc("The value of a model input that the graph needs at compile time (a "
             "shape, scales, axes fed as an input), as a serialized ONNX TensorProto; "
             "the result is only valid for that value (repeatable)"),
    cl::cat(category));

cl::opt<std::string> precision(
    "precision", cl::init("fp32"), cl::value_desc("fp32|tf32|fp16|bf16|int8|best"),
    cl::desc("Precision of the layers"), cl::cat(category));

cl::list<std::string> layerPrecision(
    "layer-precision", cl::value_desc("name:precision"), cl::CommaSeparated,
    cl::desc("Precision of one layer, by layer name or op name (nn.softmax); "
             "repeatable"),
    cl::cat(category));

cl::opt<std::string> constraintMode(
    "constraint-mode", cl::init("obey"), cl::value_desc("obey|prefer"),
    cl::desc("Whether an unmet --layer-precision is an error (obey) or a warning"),
    cl::cat(category));

cl::opt<bool> channelsLast("channels-last", cl::init(true),
                           cl::desc("Lay convolutions out NHWC (default true)"),
                           cl::cat(category));

cl::opt<bool> spaceToDepth(
    "space-to-depth", cl::init(true),
    cl::desc("Run strided f16/bf16 convs over unaligned channels (an RGB image's stem) "
             "as stride-1 convs over pixel blocks (default true)"),
    cl::cat(category));

cl::opt<std::string> depthwiseConv(
    "depthwise-conv", cl::init("auto"), cl::value_desc("auto|cudnn|kernel"),
    cl::desc("Where depthwise convolutions run: Kiln's rule (auto), cuDNN, or a "
             "generated kernel"),
    cl::cat(category));
cl::opt<std::string> int8Epilogue(
    "int8-epilogue", cl::init("cudnn"), cl::value_desc("cudnn|kernel"),
    cl::desc("Where INT8 convolutions apply their epilogue: inside cuDNN's graph where "
             "it can (cudnn), or always in a generated kernel"),
    cl::cat(category));
cl::opt<std::string> int8ConvKernel(
    "int8-conv-kernel", cl::init("cudnn"), cl::value_desc("cudnn|auto|cutlass:<config>"),
    cl::desc("Fused INT8 convolutions: cuDNN only (the default), CUTLASS tensor-core "
             "kernels timed against cuDNN's engines (auto), or one CUTLASS configuration "
             "forced"),
    cl::cat(category));
cl::opt<std::string> convGemm(
    "conv-gemm", cl::init("auto"), cl::value_desc("auto|always|never"),
    cl::desc("Pointwise (1x1, unit stride) float convolutions as cuBLASLt GEMMs: where "
             "timed faster than cuDNN's best engine (auto), always, or never"),
    cl::cat(category));
cl::opt<std::string> inputType(
    "input-type", cl::init("fp32"), cl::value_desc("fp32|fp16|bf16"),
    cl::desc("Type of the engine's float32 inputs (TensorRT's --inputIOFormats): fp16 or "
             "bf16 bindings take tensors a pipeline already holds in half precision; FP16 "
             "and BF16 engines then convert none at their edges"),
    cl::cat(category));

cl::opt<std::string> outputType(
    "output-type", cl::init("fp32"), cl::value_desc("fp32|fp16|bf16"),
    cl::desc("Type of the engine's float32 outputs (TensorRT's --outputIOFormats)"),
    cl::cat(category));

cl::opt<std::string> memoryConcurrency(
    "memory-concurrency", cl::init("branches"), cl::value_desc("branches|none"),
    cl::desc("Which freed arena bytes a tensor may take: only those whose earlier users "
             "its own users wait for anyway, so that independent branches can run at "
             "once on auxiliary streams (branches), or any (none: the smallest arena)"),
    cl::cat(category));
cl::opt<std::string> geluEpilogue(
    "gelu-epilogue", cl::init("auto"), cl::value_desc("auto|exact"),
    cl::desc("An erf GELU after an f16/bf16 GEMM: cuBLASLt's GELU epilogue, its tanh "
             "form within half an f16 ulp (auto), or a generated kernel (exact)"),
    cl::cat(category));
cl::opt<unsigned> halfAlignment(
    "half-alignment", cl::init(8),
    cl::desc("Pad f16/bf16 conv channels to this multiple (1 turns it off)"),
    cl::cat(category));

cl::opt<unsigned> int8Alignment(
    "int8-alignment", cl::init(32),
    cl::desc("Pad INT8 conv channels to this multiple (1 turns it off)"),
    cl::cat(category));

cl::list<std::string> archs(
    "arch", cl::value_desc("sm_90"),
    cl::desc("GPU architecture to compile kernels for (repeatable; default sm_90); the "
             "engine also carries PTX for the lowest, which runs on newer GPUs"),
    cl::cat(category));

cl::opt<bool> int8("int8", cl::init(false),
                   cl::desc("Implicit INT8: calibrate the float model (--calib DIR, or "
                            "--calib-cache FILE) and run quantizable layers in INT8"),
                   cl::cat(category));

cl::opt<std::string> int8Layers(
    "int8-layers", cl::init("timed"), cl::value_desc("timed|all"),
    cl::desc("Under --int8, which quantizable layers run in INT8: those faster in INT8 "
             "than in float on this GPU (timed: the INT8 and the float engines are "
             "built and timed, and the fastest of them and the mixed one is written; "
             "a choice kept in --timing-cache is taken as it is; without a GPU and "
             "without one, all), or all of them"),
    cl::cat(category));

cl::opt<std::string> calibDir(
    "calib", cl::value_desc("dir"),
    cl::desc("Calibration set for --int8: <input>.<index>.npy (or .pb) files, or a "
             "folder per batch of <input>.npy files"),
    cl::cat(category));

cl::opt<std::string> calibrator("calibrator", cl::init("mse"),
                                cl::value_desc("entropy|minmax|percentile|mse"),
                                cl::desc("How --int8 turns ranges into scales"),
                                cl::cat(category));

cl::opt<double> percentile("percentile", cl::init(99.99),
                           cl::desc("The percentile of |x| for --calibrator=percentile"),
                           cl::cat(category));

cl::opt<std::string> calibCache(
    "calib-cache", cl::value_desc("file"),
    cl::desc("Calibration cache for --int8: read when it exists (no calibration "
             "runs), else written after calibrating"),
    cl::cat(category));

cl::opt<std::string> calibDevice(
    "calib-device", cl::init("auto"), cl::value_desc("auto|gpu|cpu"),
    cl::desc("Where --int8 calibration runs: auto (an FP32 engine on the GPU when one is "
             "present, else the reference interpreter), gpu or cpu"),
    cl::cat(category));

cl::opt<unsigned> int8MinChannels(
    "int8-min-channels", cl::init(16), cl::value_desc("n"),
    cl::desc("Under --int8, a conv (not depthwise) with fewer input channels per group "
             "stays in float, the --precision type (FP16 for int8): INT8 tensor cores "
             "pad such a conv's channels to 16-32 and waste most of its math; 0: off"),
    cl::cat(category));

cl::opt<bool> foldQDQEpilogues(
    "fold-qdq-epilogues", cl::init(false),
    cl::desc("Remove the Q/DQ pairs a Q/DQ model (quantize_static) puts between a conv "
             "and its residual add or activation, so they fuse into one INT8 layer "
             "(drops one rounding per pair)"),
    cl::cat(category));

cl::opt<bool> fuseAttention(
    "fuse-attention", cl::init(true),
    cl::desc("Fuse scaled dot-product attention into one nn.attention (cuDNN's fused "
             "attention) when the precision is fp16, bf16, int8 or best (default true; "
             "--fuse-attention=false keeps it unfused)"),
    cl::cat(category));

cl::opt<bool> report(
    "report", cl::init(false),
    cl::desc("Print the layers after fusion, named as TensorRT names them, and the "
             "fusions that did not happen with the reason (to stderr)"),
    cl::cat(category));

cl::opt<std::string> timingCache(
    "timing-cache", cl::value_desc("file"),
    cl::desc("Timing cache of tactics (cuDNN, cuBLASLt, kernel launches) and of the "
             "timed INT8 choice: read, reused, and updated with what this build times "
             "(created when missing)"),
    cl::cat(category));

cl::opt<std::string> tacticMode(
    "tactics", cl::init("auto"), cl::value_desc("auto|time|cache|heuristic"),
    cl::desc("How conv and GEMM tactics are chosen: auto times them when a GPU is "
             "present, else takes them from the timing cache, else leaves them to the "
             "libraries' heuristics"),
    cl::cat(category));

cl::opt<bool> quiet("quiet", cl::init(false),
                    cl::desc("No progress lines while timing tactics"), cl::cat(category));

cl::opt<bool> passStatistics(
    "pass-statistics", cl::init(false),
    cl::desc("Print what each pass did (folds, fusions, merges, casts, tactics...) "
             "over the whole compile, as kiln-opt -mlir-pass-statistics (to stderr)"),
    cl::cat(category));

cl::opt<mlir::PassDisplayMode> passStatisticsDisplay(
    "pass-statistics-display", cl::init(mlir::PassDisplayMode::Pipeline),
    cl::desc("How --pass-statistics prints the passes"),
    cl::values(clEnumValN(mlir::PassDisplayMode::List, "list",
                          "by pass name, a pass run at several places summed"),
               clEnumValN(mlir::PassDisplayMode::Pipeline, "pipeline",
                          "each pass in pipeline order")),
    cl::cat(category));

cl::opt<bool> elideWeights(
    "elide-weights", cl::init(false),
    cl::desc("Print weight blobs as placeholders (readable, but not parseable back)"),
    cl::cat(category));

/// Parses `name=1x3x224x224` (an empty size list is a scalar).
bool parseInputShape(StringRef text, kiln::OnnxImportOptions &options) {
  auto [name, sizes] = text.rsplit('=');
  if (name.empty() || name.size() == text.size()) {
    errs() << "kiln-compile: error: --input-shape expects name=d0xd1x..., got '" << text
           << "'\n";
    return false;
  }
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  if (!sizes.empty())
    sizes.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t size;
    if (part.getAsInteger(10, size) || size < 0) {
      errs() << "kiln-compile: error: --input-shape " << text << ": '" << part
             << "' is not a non-negative size\n";
      return false;
    }
    shape.push_back(size);
  }
  if (!options.inputShapes.try_emplace(name, shape).second) {
    errs() << "kiln-compile: error: --input-shape given twice for '" << name << "'\n";
    return false;
  }
  return true;
}

/// Parses `name=tensor.pb` and reads the tensor.
bool parseInputValue(StringRef text, mlir::MLIRContext &context,
                     kiln::OnnxImportOptions &options) {
  auto [name, path] = text.split('=');
  if (name.empty() || path.empty()) {
    errs() << "kiln-compile: error: --input-value expects name=tensor.pb, got '" << text
           << "'\n";
    return false;
  }
  mlir::FailureOr<mlir::DenseElementsAttr> value =
      kiln::readOnnxTensorFile(path, context);
  if (mlir::failed(value))
    return false;
  if (!options.inputValues.try_emplace(name, *value).second) {
    errs() << "kiln-compile: error: --input-value given twice for '" << name << "'\n";
    return false;
  }
  return true;
}

/// `<file>: error: message`, the file taken from the diagnostic's location
/// (messages about a node already name it).
mlir::LogicalResult printDiagnostic(mlir::Diagnostic &diag) {
  std::string file;
  diag.getLocation()->walk([&](mlir::Location loc) {
    if (auto fileLoc = llvm::dyn_cast<mlir::FileLineColLoc>(loc)) {
      file = fileLoc.getFilename().str();
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  auto print = [&](mlir::Diagnostic &d, StringRef severity) {
    errs() << (file.empty() ? "kiln-compile" : file) << ": " << severity << ": " << d.str()
           << "\n";
  };
  switch (diag.getSeverity()) {
  case mlir::DiagnosticSeverity::Error:
    print(diag, "error");
    break;
  case mlir::DiagnosticSeverity::Warning:
    print(diag, "warning");
    break;
  default:
    print(diag, "note");
    break;
  }
  for (mlir::Diagnostic &note : diag.getNotes())
    print(note, "note");
  return mlir::success();
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // The linked libraries register many options of their own; they stay
  // usable (MLIR's --mlir-print-debuginfo shows the layer names) but out of
  // --help.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln: compile an ONNX model for NVIDIA GPUs\n\n"
      "  kiln-compile model.onnx --emit=nn -o model.mlir\n"
      "  kiln-compile model.onnx --emit=nn-opt --precision=fp16 --report\n"
      "  kiln-compile model.onnx --emit=engine-ir\n"
      "  kiln-compile model.onnx --emit=nn-opt --int8 --calib calib/ --report\n"
      "  kiln-compile model.onnx -o model.kiln --precision=fp16\n\n"
      "MLIR's printing options apply to the IR it prints (--mlir-print-debuginfo\n"
      "shows each op's layer name); --help-hidden lists them.\n");

  auto started = std::chrono::steady_clock::now();
  // Without --emit, the output's extension decides.
  if (emitKind.getNumOccurrences() == 0 && StringRef(outputPath).ends_with(".kiln"))
    emitKind = EmitKind::Engine;
  if (emitKind == EmitKind::Engine && outputPath == "-") {
    errs() << "kiln-compile: error: an engine is written to a file: give -o model.kiln\n";
    return 1;
  }

  bool calibrationOptions = calibDir.getNumOccurrences() || calibCache.getNumOccurrences() ||
                            calibrator.getNumOccurrences() || percentile.getNumOccurrences() ||
                            calibDevice.getNumOccurrences();
  if (calibrationOptions && !int8) {
    errs() << "kiln-compile: error: --calib, --calib-cache, --calibrator, --percentile and "
              "--calib-device need --int8\n";
    return 1;
  }
  if (int8MinChannels.getNumOccurrences() && !int8) {
    errs() << "kiln-compile: error: --int8-min-channels needs --int8\n";
    return 1;
  }
  if (int8 && calibDir.empty() && calibCache.empty()) {
    errs() << "kiln-compile: error: --int8 needs a calibration set (--calib DIR) or a "
              "calibration cache (--calib-cache FILE)\n";
    return 1;
  }
  if (int8Layers.getNumOccurrences() && !int8) {
    errs() << "kiln-compile: error: --int8-layers needs --int8\n";
    return 1;
  }
  if (int8Layers != "timed" && int8Layers != "all") {
    errs() << "kiln-compile: error: --int8-layers expects timed or all, got '" << int8Layers
           << "'\n";
    return 1;
  }
  if (int8 && !kiln::calibration::parseCalibrator(calibrator)) {
    errs() << "kiln-compile: error: --calibrator expects "
           << kiln::calibration::getCalibratorChoices() << ", got '" << calibrator << "'\n";
    return 1;
  }
  for (const cl::opt<std::string> *type : {&inputType, &outputType})
    if (!llvm::is_contained({"fp32", "fp16", "bf16"}, type->getValue())) {
      errs() << "kiln-compile: error: --" << type->ArgStr << " expects fp32, fp16 or bf16, got '"
             << type->getValue() << "'\n";
      return 1;
    }
  if (memoryConcurrency != "branches" && memoryConcurrency != "none") {
    errs() << "kiln-compile: error: --memory-concurrency expects branches or none, got '"
           << memoryConcurrency << "'\n";
    return 1;
  }
  if (int8 && calibDevice != "auto" && calibDevice != "gpu" && calibDevice != "cpu") {
    errs() << "kiln-compile: error: --calib-device expects auto, gpu or cpu, got '"
           << calibDevice << "'\n";
    return 1;
  }

  mlir::MLIRContext context;
  context.getOrLoadDialect<kiln::engine::EngineDialect>();
  // Messages name the layer; a dump of the whole module helps no user.
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler handler(&context, printDiagnostic);
  kiln::OnnxImportOptions options;
  for (const std::string &text : inputShapes)
    if (!parseInputShape(text, options))
      return 1;
  for (const std::string &text : inputValues)
    if (!parseInputValue(text, context, options))
      return 1;

  mlir::OwningOpRef<mlir::ModuleOp> module =
      kiln::importOnnxModel(inputPath, context, options);
  if (!module)
    return 1;

  int64_t importedLayers = kiln::countLayers(*module);
  // One report for every pass manager of the compile, printed however the
  // compile ends.
  kiln::PassStatisticsReport statistics;
  llvm::scope_exit printStatistics([&] {
    if (passStatistics)
      statistics.print(errs(), passStatisticsDisplay);
  });
  auto collectStatistics = [&](mlir::PassManager &pm) {
    if (passStatistics)
      kiln::addPassStatistics(pm, statistics);
  };
  // What a build decides beyond the command line: with --int8-layers=timed,
  // which layers stay in float (and whether INT8 is kept at all).
  struct Choice {
    bool int8 = false;
    std::string precision;
    std::vector<std::string> layerPrecision;
  };
  Choice choice{int8, precision, {layerPrecision.begin(), layerPrecision.end()}};
  // The files a build reads and writes; the timed choice's builds share
  // temporary ones when the user names none.
  std::string calibCacheFile = calibCache, timingCacheFile = timingCache;

  // Graph passes on `m` (folded, fused, quantized, laid out); with
  // `printReport` the report is printed on the way.
  auto runGraphPasses = [&](mlir::ModuleOp m, const Choice &c, bool printReport,
                            bool withStatistics) -> mlir::LogicalResult {
    kiln::GraphPipelineOptions pipeline;
    pipeline.precision = c.precision;
    pipeline.layerPrecision = c.layerPrecision;
    pipeline.constraintMode = constraintMode;
    pipeline.channelsLast = channelsLast;
    pipeline.halfAlignment = halfAlignment;
    pipeline.spaceToDepth = spaceToDepth;
    pipeline.foldQDQEpilogues = foldQDQEpilogues;
    pipeline.fuseAttention = fuseAttention;
    pipeline.inputType = inputType;
    pipeline.outputType = outputType;
    if (c.int8) {
      pipeline.calibDir = calibDir;
      pipeline.calibrator = calibrator;
      pipeline.percentile = percentile;
      pipeline.calibCache = calibCacheFile;
      pipeline.calibDevice = calibDevice;
      pipeline.int8MinChannels = int8MinChannels;
      pipeline.int8Depthwise = depthwiseConv != "cudnn";
    }
    pipeline.int8Alignment = int8Alignment;
    // Two stages so the report can explain the fusion decisions on the IR
    // they were made on, before layout conversion moves things around.
    mlir::PassManager fusion(&context), layout(&context);
    kiln::buildGraphFusionPipeline(fusion, pipeline);
    kiln::buildGraphLayoutPipeline(layout, pipeline);
    if (withStatistics) {
      collectStatistics(fusion);
      collectStatistics(layout);
    }
    if (mlir::failed(fusion.run(m)))
      return mlir::failure();
    if (printReport)
      kiln::printMissedFusions(m, errs());
    if (printReport && c.int8)
      kiln::printFloatLayers(m, errs(), c.precision);
    if (mlir::failed(layout.run(m)))
      return mlir::failure();
    if (printReport) {
      kiln::printLayers(m, errs());
      kiln::printInt8Epilogues(m, int8Epilogue == "cudnn", errs(), depthwiseConv != "cudnn");
      kiln::printLayerCounts(*module, m, errs());
    }
    return mlir::success();
  };
  // Lowering to the engine dialect, kernels, tactics.
  auto runEnginePasses = [&](mlir::ModuleOp m, bool withStatistics) {
    mlir::PassManager engine(&context);
    kiln::EnginePipelineOptions engineOptions;
    engineOptions.depthwiseConv = depthwiseConv;
    engineOptions.int8Epilogue = int8Epilogue;
    engineOptions.geluEpilogue = geluEpilogue;
    engineOptions.int8ConvKernel = int8ConvKernel;
    engineOptions.convGemm = convGemm;
    engineOptions.memoryConcurrency = memoryConcurrency;
    engineOptions.timingCache = timingCacheFile;
    engineOptions.tactics = tacticMode;
    if (!archs.empty()) {
      engineOptions.arch = archs.front();
      // Split-K CUTLASS kernels need sm_90: an engine for older GPUs too
      // goes without them.
      engineOptions.minArch = *llvm::min_element(archs, [](const std::string &a,
                                                            const std::string &b) {
        return kiln::engine::parseArch(a).value_or(0) <
               kiln::engine::parseArch(b).value_or(0);
      });
    }
    engineOptions.progress = !quiet;
    kiln::buildEnginePipeline(engine, engineOptions);
    if (withStatistics)
      collectStatistics(engine);
    return engine.run(m);
  };

  // The engine file's options for a build that made the choice `made`.
  auto writerOptionsFor = [&](const Choice &made) {
    kiln::engine::EngineWriterOptions writerOptions;
    if (!archs.empty())
      writerOptions.archs.assign(archs.begin(), archs.end());
    // Recorded in the engine: how it was built.
    for (int i = 1; i < argc; ++i)
      writerOptions.buildOptions += (i > 1 ? " " : "") + std::string(argv[i]);
    // And as decisions a refit (kiln-refit) can take again.
    kiln::engine::BuildConfig &config = writerOptions.buildConfig.emplace();
    config.precision = made.precision;
    config.layerPrecision = made.layerPrecision;
    config.constraintMode = constraintMode;
    config.channelsLast = channelsLast;
    config.halfAlignment = halfAlignment;
    config.spaceToDepth = spaceToDepth;
    config.int8Alignment = int8Alignment;
    config.foldQDQEpilogues = foldQDQEpilogues;
    config.depthwiseConv = depthwiseConv;
    config.int8Epilogue = int8Epilogue;
    config.geluEpilogue = geluEpilogue;
    config.fuseAttention = fuseAttention;
    config.int8ConvKernel = int8ConvKernel;
    config.int8MinChannels = int8MinChannels;
    config.memoryConcurrency = memoryConcurrency;
    config.inputType = inputType;
    config.outputType = outputType;
    config.int8 = made.int8;
    config.calibrator = calibrator;
    config.percentile = percentile;
    for (const auto &shape : options.inputShapes)
      config.inputShapes.push_back(
          {shape.getKey().str(), {shape.getValue().begin(), shape.getValue().end()}});
    for (const std::string &value : inputValues)
      config.inputValues.push_back(StringRef(value).split('=').first.str());
    return writerOptions;
  };

  // The options that change a build's engines, as text: with the network,
  // the key under which the timing cache keeps the timed INT8 choice.
  // (Calibration's options change scales, not speed; the architecture is
  // the key's compute capability.)
  auto getChoiceOptions = [&] {
    return formatv("precision={0} layer-precision={1} constraints={2} channels-last={3} "
                   "half-alignment={4} int8-alignment={5} fold-qdq-epilogues={6} "
                   "fuse-attention={7} depthwise-conv={8} int8-epilogue={9} "
                   "gelu-epilogue={10} int8-conv-kernel={11} conv-gemm={12} "
                   "memory-concurrency={13} int8-min-channels={14} tactics={15}{16}{17}{18}",
                   precision, join(layerPrecision, ","), constraintMode, channelsLast,
                   halfAlignment, int8Alignment, foldQDQEpilogues, fuseAttention,
                   depthwiseConv, int8Epilogue, geluEpilogue, int8ConvKernel, convGemm,
                   memoryConcurrency, int8MinChannels,
                   // Cached and timed tactics are the same tactics.
                   tacticMode == "heuristic" ? "heuristic" : "timed",
                   // Only when asked: the keys of builds without them stay.
                   inputType == "fp32" ? std::string() : " input-type=" + inputType.getValue(),
                   outputType == "fp32" ? std::string() : " output-type=" + outputType.getValue(),
                   spaceToDepth ? "" : " space-to-depth=false")
        .str();
  };

  // Implicit INT8 with --int8-layers=timed: the INT8 and the float builds
  // timed on the GPU decide which layers stay in float (PrecisionChoice.h).
  mlir::OwningOpRef<mlir::ModuleOp> chosen;
  std::optional<kiln::engine::EngineBytes> chosenBytes;
  std::string choiceSummary;
  std::vector<std::unique_ptr<llvm::FileRemover>> temporaries;
  if (int8 && int8Layers == "timed" && emitKind >= EmitKind::EngineIR) {
    auto temporary = [&](StringRef suffix, std::string &path) {
      SmallString<128> name;
      if (std::error_code error =
              llvm::sys::fs::createTemporaryFile("kiln-compile", suffix, name)) {
        errs() << "kiln-compile: error: cannot create a temporary file: " << error.message()
               << "\n";
        return false;
      }
      // An empty timing cache file is an empty cache; a calibration cache
      // must not exist until calibration writes it.
      if (suffix == "calibration-cache")
        llvm::sys::fs::remove(name);
      path = std::string(name);
      temporaries.push_back(std::make_unique<llvm::FileRemover>(path));
      return true;
    };
    // The float type of the layers INT8 leaves alone.
    std::string floatPrecision =
        precision == "int8" || precision == "best" ? "fp16" : std::string(precision);
    kiln::runtime::Expected<kiln::runtime::DeviceDescription> device =
        kiln::runtime::describeCurrentDevice();
    std::string arch = device ? "sm_" + std::to_string(device->computeCapability) : "";
    std::string notTimed;
    if (!device)
      notTimed = "no GPU to time them on (" + device.status().message() + ")";
    else if (!archs.empty() && !llvm::is_contained(archs, arch))
      notTimed = "this GPU (" + arch + ") is not the one the engine is built for";
    // The float build: the user's constraints but those asking INT8, which
    // a build without calibration cannot meet.
    auto floatChoice = [&] {
      Choice floats{false, floatPrecision, {}};
      for (const std::string &entry : choice.layerPrecision)
        if (!StringRef(entry).ends_with(":int8"))
          floats.layerPrecision.push_back(entry);
      return floats;
    };
    // An earlier build's choice for this network, kept in the timing cache
    // the user names: this GPU's, or where none can time, one of a GPU of
    // the architecture the engine is built for.
    kiln::tactics::TacticKey choiceKey;
    std::optional<kiln::tactics::CachedTactic> cachedChoice;
    if (!timingCache.empty()) {
      llvm::Expected<kiln::tactics::TimingCache> read =
          kiln::tactics::TimingCache::read(timingCache);
      if (!read) {
        errs() << "kiln-compile: error: " << toString(read.takeError()) << "\n";
        return 1;
      }
      kiln::runtime::RuntimeVersions loaded = kiln::runtime::runtimeVersions();
      kiln::Int8ChoiceVersions versions{loaded.cudnn, loaded.cublasLt,
                                        kiln::cuda::nvrtcVersion(),
                                        kiln::calibration::getKilnVersion().str()};
      choiceKey.signature = kiln::getInt8ChoiceSignature(*module, getChoiceOptions(), versions);
      choiceKey.library = kiln::tactics::kChoiceLibrary.str();
      choiceKey.libraryVersion = kiln::kInt8ChoiceVersion;
      if (notTimed.empty()) {
        choiceKey.gpu = device->name;
        choiceKey.computeCapability = device->computeCapability;
      } else {
        // The first architecture built for (the engine writer's default
        // without --arch).
        std::string target = archs.empty()
                                 ? kiln::engine::EngineWriterOptions().archs.front()
                                 : archs.front();
        choiceKey.computeCapability = int(kiln::engine::parseArch(target).value_or(0));
      }
      if (const kiln::tactics::CachedTactic *hit =
              read->lookup(choiceKey.signature, choiceKey.library, choiceKey.libraryVersion,
                           choiceKey.gpu, choiceKey.computeCapability))
        cachedChoice = *hit;
    }
    if (cachedChoice) {
      // Built as chosen, below: one engine instead of two or three.
      choiceSummary = "int8 layers: from the timing cache: " + cachedChoice->description;
      if (cachedChoice->engine == "float") {
        choice = floatChoice();
        if (!calibDir.empty())
          choiceSummary += " (not calibrated: the float engine needs no scales)";
      } else if (cachedChoice->engine == "mixed") {
        llvm::append_range(choice.layerPrecision, cachedChoice->layerPrecision);
      }
    } else if (!notTimed.empty()) {
      choiceSummary = "int8 layers: every quantizable layer in INT8: " + notTimed;
      if (!timingCache.empty())
        choiceSummary += "; the timing cache holds no choice for this network (" +
                         choiceKey.signature + ")";
    } else {
      if ((calibCacheFile.empty() && !temporary("calibration-cache", calibCacheFile)) ||
          (timingCacheFile.empty() && !temporary("timing-cache", timingCacheFile)))
        return 1;
      auto say = [&](const Twine &text) {
        if (!quiet)
          errs() << "[int8 layers] " << text << "\n";
      };
      // One candidate engine: built from the imported module, then timed.
      struct Candidate {
        Choice choice;
        mlir::OwningOpRef<mlir::ModuleOp> module;
        kiln::EngineTiming timing;
        kiln::engine::EngineBytes bytes;
        std::string name;
        std::string kind; ///< as the timing cache names it: int8, float or mixed
      };
      std::vector<Candidate> candidates;
      kiln::Int8Network int8Network;
      auto build = [&](Choice c, std::string name, StringRef kind) -> mlir::LogicalResult {
        say("building the " + name + " engine");
        mlir::OwningOpRef<mlir::ModuleOp> m = module->clone();
        if (mlir::failed(runGraphPasses(*m, c, false, false)))
          return mlir::failure();
        if (c.int8 && candidates.empty())
          int8Network = kiln::getInt8Network(*m, floatPrecision);
        if (mlir::failed(runEnginePasses(*m, false)))
          return mlir::failure();
        std::string why;
        bool noDevice = false;
        kiln::engine::EngineBytes bytes;
        mlir::FailureOr<kiln::EngineTiming> timing =
            kiln::timeEngineOnGpu(*m, writerOptionsFor(c), bytes, why, noDevice);
        if (mlir::failed(timing)) {
          errs() << "kiln-compile: error: cannot time the " << name << " engine on "
                 << device->name << ": " << why << "\n";
          return mlir::failure();
        }
        say(formatv("the {0} engine: {1:f4} ms a run", name, timing->graphMilliseconds));
        candidates.push_back(
            {std::move(c), std::move(m), std::move(*timing), std::move(bytes), name, kind.str()});
        return mlir::success();
      };
      // Kept for the next build of this network, in a cache the user names:
      // the engine `best` and `description` for the summary.
      auto keepChoice = [&](const Candidate &best, std::string description,
                            std::vector<std::string> constraints) {
        if (timingCache.empty())
          return true;
        kiln::tactics::CachedTactic kept;
        kept.description = std::move(description);
        kept.engine = best.kind;
        if (best.kind == "mixed")
          kept.layerPrecision = std::move(constraints);
        kept.milliseconds = best.timing.graphMilliseconds;
        kept.candidates = int64_t(candidates.size());
        // Into the file as the builds' tactic timing left it.
        if (llvm::Error written = kiln::tactics::TimingCache::insertIntoFile(
                timingCache, choiceKey, std::move(kept))) {
          errs() << "kiln-compile: error: " << toString(std::move(written)) << "\n";
          return false;
        }
        return true;
      };
      if (mlir::failed(build(choice, "INT8", "int8")))
        return 1;
      if (int8Network.layers.empty()) {
        choiceSummary = "int8 layers: no layer was quantized, nothing to choose";
        if (!keepChoice(candidates[0], "no layer was quantized, nothing to choose", {}))
          return 1;
        chosen = std::move(candidates[0].module);
        chosenBytes = std::move(candidates[0].bytes);
      } else {
        if (mlir::failed(build(floatChoice(), floatPrecision, "float")))
          return 1;
        kiln::Int8Choice int8Choice = kiln::chooseInt8Units(
            int8Network, candidates[0].timing, candidates[1].timing);
        const std::vector<kiln::Int8Unit> &units = int8Choice.units;
        if (!quiet)
          kiln::printInt8Units(int8Choice, errs());
        std::vector<std::string> constraints =
            kiln::floatConstraints(units, floatPrecision);
        if (!constraints.empty()) {
          Choice mixed = choice;
          llvm::append_range(mixed.layerPrecision, constraints);
          if (mlir::failed(build(mixed, "mixed", "mixed")))
            return 1;
        }
        auto best = llvm::min_element(candidates, [](const Candidate &a, const Candidate &b) {
          return a.timing.graphMilliseconds < b.timing.graphMilliseconds;
        });
        size_t kept =
            llvm::count_if(units, [](const kiln::Int8Unit &u) { return u.keepFloat; });
        std::string times;
        for (const Candidate &c : candidates)
          times += formatv("{0}{1} {2:f4} ms", times.empty() ? "" : ", ", c.name,
                           c.timing.graphMilliseconds)
                       .str();
        // The cut describes the mixed engine, whichever engine is written.
        std::string cut =
            constraints.empty()
                ? std::string("no mixed engine: every INT8 layer group is faster in INT8")
                : formatv("the mixed engine: {0} of {1} INT8 layer groups in {2}, {3} "
                          "INT8/float border{4}",
                          kept, units.size(), floatPrecision, int8Choice.borders,
                          int8Choice.borders == 1 ? "" : "s")
                      .str();
        choiceSummary = formatv("int8 layers: timed on {0}: {1} engine written ({2}; {3})",
                                device->name, best->name, times, cut);
        if (!keepChoice(*best, StringRef(choiceSummary).split(": ").second.str(), constraints))
          return 1;
        choice = std::move(best->choice);
        chosen = std::move(best->module);
        chosenBytes = std::move(best->bytes);
      }
    }
  }

  bool optimize = emitKind != EmitKind::NN;
  if (chosen && !report && !passStatistics) {
    module = std::move(chosen);
  } else if (optimize || report) {
    // Built again, with the report or the statistics: written from this build.
    chosenBytes.reset();
    mlir::OwningOpRef<mlir::ModuleOp> optimized = module->clone();
    if (mlir::failed(runGraphPasses(*optimized, choice, report, true)))
      return 1;
    if (optimize)
      module = std::move(optimized);
    if (emitKind >= EmitKind::EngineIR && mlir::failed(runEnginePasses(*module, true)))
      return 1;
  }
  if (!choiceSummary.empty() && emitKind != EmitKind::Engine)
    errs() << "kiln-compile: note: " << choiceSummary << "\n";
  if (emitKind == EmitKind::Engine) {
    // The timed choice's engine is written as it was timed, unless the
    // build was redone (for the report or the statistics).
    if (chosenBytes) {
      kiln::runtime::Status status =
          kiln::runtime::writeEngineFile(outputPath, chosenBytes->metadata, chosenBytes->weights);
      if (!status.ok()) {
        errs() << "kiln-compile: error: cannot write " << outputPath << ": " << status.message()
               << "\n";
        return 1;
      }
    } else if (mlir::failed(
                   kiln::engine::writeEngine(*module, writerOptionsFor(choice), outputPath))) {
      return 1;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    kiln::printEngineSummary(importedLayers, *module, outs());
    if (!choiceSummary.empty())
      outs() << choiceSummary << "\n";
    outs() << formatv("wrote {0} in {1:f1} s\n", outputPath, seconds);
    return 0;
  }

  if (emitKind == EmitKind::Cuda) {
    if (Error err = writeToOutput(outputPath, [&](raw_ostream &os) -> Error {
          os << kiln::cuda::prelude() << "\n";
          for (auto kernel : module->getOps<kiln::engine::KernelOp>())
            os << kernel.getSource() << "\n";
          return Error::success();
        })) {
      errs() << "kiln-compile: error: cannot write '" << outputPath
             << "': " << toString(std::move(err)) << "\n";
      return 1;
    }
    return 0;
  }

  mlir::OpPrintingFlags flags;
  if (elideWeights)
    flags.elideLargeResourceString(0);
  if (Error err = writeToOutput(outputPath, [&](raw_ostream &os) -> Error {
        module->print(os, flags);
        return Error::success();
      })) {
    errs() << "kiln-compile: error: cannot write '" << outputPath
           << "': " << toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}
