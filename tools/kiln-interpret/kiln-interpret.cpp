//===- kiln-interpret.cpp - run a model on the CPU reference interpreter --===//
//
//   kiln-interpret MODEL.mlir --input NAME=FILE.npy ... [--output-dir DIR]
//   kiln-interpret --onnx-test-dir DIR [--rtol R] [--atol A]
//
// The first form runs @main (or --function) of nn IR, or of an ONNX model
// when the importer is built in, on .npy (or ONNX TensorProto .pb) inputs
// and writes each result as NAME.npy (or NAME.pb with --output-format=pb).
// The second runs one ONNX backend node test (model.onnx and
// test_data_set_*/{input,output}_N.pb) and prints a one-line verdict; graph
// inputs that the importer needs as constants are bound to each data set's
// values. Exit codes: 0 success, 1 failure, 2 the model uses something the
// importer or the interpreter does not support (so a conformance harness
// can tell unsupported from wrong).
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/NNDialect.h"
#include "kiln/reference/Compare.h"
#include "kiln/reference/Interpreter.h"
#include "kiln/reference/Npy.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#ifdef KILN_HAVE_ONNX_IMPORT
#include "kiln/import/OnnxImporter.h"

#include "onnx/onnx_pb.h"
#endif

#include <algorithm>

using namespace mlir;
using namespace kiln::reference;
namespace cl = llvm::cl;

namespace {
enum ExitCode { kSuccess = 0, kFailure = 1, kUnsupported = 2 };
} // namespace

static cl::OptionCategory category("kiln-interpret options");
static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.mlir|model.onnx>"),
                                      cl::init(""), cl::cat(category));
static cl::list<std::string> inputArgs(
    "input", cl::desc("NAME=FILE: an input by its kiln.name (or argN), from .npy or .pb"),
    cl::cat(category));
static cl::opt<std::string> outputDir("output-dir", cl::desc("Where the outputs go"),
                                      cl::init("."), cl::cat(category));
static cl::opt<std::string>
    outputFormat("output-format",
                 cl::desc("npy (NAME.npy), or pb (NAME.pb, ONNX TensorProto)"),
                 cl::init("npy"), cl::cat(category));
static cl::opt<std::string> functionName("function", cl::desc("The function to run"),
                                         cl::init("main"), cl::cat(category));
static cl::opt<bool> printOutputs("print-outputs",
                                  cl::desc("Also print every output to stdout"),
                                  cl::cat(category));
static cl::opt<std::string> passPipeline(
    "pass-pipeline",
    cl::desc("Run this pass pipeline (e.g. kiln-graph-pipeline) before interpreting"),
    cl::init(""), cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("NAME=1x3x224x224: sizes for an ONNX input's unknown dimensions"),
    cl::cat(category));
static cl::opt<std::string>
    onnxTestDir("onnx-test-dir",
                cl::desc("Run an ONNX backend node test directory and check it"),
                cl::init(""), cl::cat(category));
static cl::opt<double>
    relativeTolerance("rtol", cl::desc("Relative tolerance of --onnx-test-dir"),
                      cl::init(1e-3), cl::cat(category));
static cl::opt<double>
    absoluteTolerance("atol", cl::desc("Absolute tolerance of --onnx-test-dir"),
                      cl::init(1e-5), cl::cat(category));

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

static bool isOnnxPath(StringRef path) {
  return path.ends_with(".onnx") || path.ends_with(".onnxtxt");
}

/// Loads nn IR or an ONNX model; `unsupported` tells an import failure (a
/// model Kiln cannot take) from a file that could not be read or parsed.
static OwningOpRef<ModuleOp> loadModel(StringRef path, MLIRContext &context,
                                       bool &unsupported) {
  unsupported = false;
  if (!isOnnxPath(path))
    return parseSourceFile<ModuleOp>(path, &context);
#ifdef KILN_HAVE_ONNX_IMPORT
  kiln::OnnxImportOptions options;
  for (StringRef entry : inputShapes) {
    auto [name, sizes] = entry.split('=');
    SmallVector<int64_t> shape;
    for (StringRef size : llvm::split(sizes, 'x')) {
      int64_t value;
      if (size.getAsInteger(10, value)) {
        llvm::errs() << "error: --input-shape " << entry << " is not NAME=AxBx...\n";
        return nullptr;
      }
      shape.push_back(value);
    }
    options.inputShapes[name] = shape;
  }
  OwningOpRef<ModuleOp> module = kiln::importOnnxModel(path, context, options);
  unsupported = !module;
  return module;
#else
  llvm::errs() << "error: " << path
               << ": this kiln-interpret was built without the ONNX importer\n";
  unsupported = true;
  return nullptr;
#endif
}

/// Reads an input tensor from .npy, or from an ONNX TensorProto (.pb).
static llvm::Expected<Tensor> readTensorFile(StringRef path, MLIRContext &context) {
  if (!path.ends_with(".pb"))
    return readNpy(path, context);
#ifdef KILN_HAVE_ONNX_IMPORT
  FailureOr<DenseElementsAttr> attr = kiln::readOnnxTensorFile(path, context);
  if (failed(attr))
    return llvm::createStringError(path + ": not a readable ONNX TensorProto");
  return Tensor::fromAttr(llvm::cast<ElementsAttr>(*attr));
#else
  return llvm::createStringError(path + ": .pb tensors need the ONNX importer, which "
                                        "this kiln-interpret was built without");
#endif
}

/// Names every op of `function`, and of the functions it calls, that the
/// interpreter cannot evaluate; true when there is one.
static bool reportUnsupported(func::FuncOp function, llvm::raw_ostream &os) {
  llvm::StringSet<> seen;
  SmallVector<func::FuncOp> worklist{function};
  llvm::SmallPtrSet<Operation *, 8> visited{function};
  while (!worklist.empty()) {
    func::FuncOp current = worklist.pop_back_val();
    current.walk([&](Operation *op) {
      if (auto call = llvm::dyn_cast<func::CallOp>(op))
        if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                call, call.getCalleeAttr());
            callee && visited.insert(callee).second)
          worklist.push_back(callee);
      if (op != current && !canEvaluate(op) &&
          seen.insert(op->getName().getStringRef()).second)
        os << "op '" << op->getName() << "' (at " << op->getLoc()
           << ") is not supported by the reference interpreter\n";
    });
  }
  return !seen.empty();
}

/// Runs --pass-pipeline on the module, if one was given.
static LogicalResult runPipeline(ModuleOp module) {
  if (passPipeline.empty())
    return success();
  // Accept the pipeline with or without mlir-opt's builtin.module( ) anchor.
  StringRef text = StringRef(passPipeline).trim();
  if (text.consume_front("builtin.module(") && !text.consume_back(")"))
    return module.emitError("unbalanced --pass-pipeline");
  PassManager pm(module->getContext());
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    return failure();
  return pm.run(module);
}

/// The function to run, or an error naming it.
static func::FuncOp lookupFunction(ModuleOp module) {
  auto function = module.lookupSymbol<func::FuncOp>(functionName);
  if (!function)
    llvm::errs() << "error: the model has no function @" << functionName << "\n";
  return function;
}

//===----------------------------------------------------------------------===//
// Running on .npy inputs
//===----------------------------------------------------------------------===//

static std::string argumentName(func::FuncOp function, unsigned i) {
  if (auto name = function.getArgAttrOfType<StringAttr>(i, "kiln.name"))
    return name.str();
  return "arg" + std::to_string(i);
}

/// A file name for an output: its kiln.name with path separators and other
/// characters a shell would trip on replaced, or result_N.
static std::string outputFileName(func::FuncOp function, unsigned i) {
  auto name = function.getResultAttrOfType<StringAttr>(i, "kiln.name");
  if (!name || name.getValue().empty())
    return "result_" + std::to_string(i);
  std::string file = name.str();
  for (char &c : file)
    if (!llvm::isAlnum(c) && c != '_' && c != '-' && c != '.')
      c = '_';
  return file;
}

/// Writes an output as .npy, or as an ONNX TensorProto (.pb) named `name`.
static llvm::Error writeOutput(StringRef path, StringRef name, const Tensor &tensor) {
  if (outputFormat == "npy")
    return writeNpy(path, tensor);
#ifdef KILN_HAVE_ONNX_IMPORT
  llvm::Expected<NpyData> data = serializeNpyData(tensor);
  if (!data)
    return data.takeError();
  // ONNX's TensorProto.DataType of each dtype writeNpy can give.
  static const llvm::StringMap<int> dataTypes = {
      {"<f4", 1}, {"|u1", 2}, {"|i1", 3},  {"<u2", 4},  {"<i2", 5},  {"<i4", 6},
      {"<i8", 7}, {"|b1", 9}, {"<f2", 10}, {"<f8", 11}, {"<u4", 12}, {"<u8", 13}};
  onnx::TensorProto proto;
  proto.set_name(name.str());
  proto.set_data_type(dataTypes.lookup(data->dtype));
  for (int64_t size : tensor.getShape())
    proto.add_dims(size);
  proto.set_raw_data(data->bytes);
  std::error_code error;
  llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_None);
  if (error)
    return llvm::createStringError(path + ": cannot write: " + error.message());
  os << proto.SerializeAsString();
  return llvm::Error::success();
#else
  return llvm::createStringError("--output-format=pb needs the ONNX importer, which this "
                                 "kiln-interpret was built without");
#endif
}

static int runOnInputs(func::FuncOp function, MLIRContext &context) {
  if (outputFormat != "npy" && outputFormat != "pb") {
    llvm::errs() << "error: --output-format must be npy or pb\n";
    return kFailure;
  }
  unsigned count = function.getNumArguments();
  SmallVector<std::optional<Tensor>> tensors(count);
  for (StringRef entry : inputArgs) {
    auto [name, file] = entry.split('=');
    if (file.empty()) {
      llvm::errs() << "error: --input " << entry << " is not NAME=FILE\n";
      return kFailure;
    }
    unsigned index = count;
    for (unsigned i = 0; i < count; ++i)
      if (argumentName(function, i) == name || "arg" + std::to_string(i) == name)
        index = i;
    if (index == count) {
      llvm::errs() << "error: @" << functionName << " has no input named '" << name
                   << "'; its inputs are:";
      for (unsigned i = 0; i < count; ++i)
        llvm::errs() << " " << argumentName(function, i);
      llvm::errs() << "\n";
      return kFailure;
    }
    Type type = function.getArgumentTypes()[index];
    llvm::Expected<Tensor> tensor = readTensorFile(file, context);
    if (tensor)
      tensor = adaptNpyTensor(*tensor, llvm::cast<ShapedType>(type).getElementType());
    if (!tensor) {
      llvm::errs() << "error: input '" << name << "' (" << file
                   << "): " << llvm::toString(tensor.takeError()) << "\n";
      return kFailure;
    }
    tensors[index] = std::move(*tensor);
  }
  SmallVector<Tensor> inputs;
  for (unsigned i = 0; i < count; ++i) {
    if (!tensors[i]) {
      llvm::errs() << "error: no --input given for '" << argumentName(function, i)
                   << "' (" << function.getArgumentTypes()[i] << ")\n";
      return kFailure;
    }
    inputs.push_back(std::move(*tensors[i]));
  }

  FailureOr<SmallVector<Tensor>> results = runFunction(function, inputs);
  if (failed(results))
    return kFailure;
  if (std::error_code error = llvm::sys::fs::create_directories(outputDir)) {
    llvm::errs() << "error: cannot create " << outputDir << ": " << error.message()
                 << "\n";
    return kFailure;
  }
  for (auto [i, result] : llvm::enumerate(*results)) {
    SmallString<128> path(outputDir);
    llvm::sys::path::append(path, outputFileName(function, i) + "." + outputFormat);
    auto name = function.getResultAttrOfType<StringAttr>(i, "kiln.name");
    if (llvm::Error error = writeOutput(
            path, name ? name.getValue() : outputFileName(function, i), result)) {
      llvm::errs() << "error: " << llvm::toString(std::move(error)) << "\n";
      return kFailure;
    }
    if (printOutputs)
      llvm::outs() << outputFileName(function, i) << " = " << result << "\n";
  }
  return kSuccess;
}

//===----------------------------------------------------------------------===//
// ONNX backend node tests
//===----------------------------------------------------------------------===//

#ifdef KILN_HAVE_ONNX_IMPORT
/// The files `prefix_0.pb`, `prefix_1.pb`, … in `dir`, in order.
static SmallVector<std::string> numberedFiles(StringRef dir, StringRef prefix) {
  SmallVector<std::string> files;
  for (unsigned i = 0;; ++i) {
    SmallString<128> path(dir);
    llvm::sys::path::append(path, prefix + "_" + std::to_string(i) + ".pb");
    if (!llvm::sys::fs::exists(path))
      return files;
    files.push_back(std::string(path));
  }
}

/// Checks one test_data_set directory; returns the reason it fails.
static std::optional<std::string> checkDataSet(func::FuncOp function, StringRef dir,
                                               MLIRContext &context,
                                               std::string &diagnostics) {
  SmallVector<std::string> inputFiles = numberedFiles(dir, "input");
  SmallVector<std::string> outputFiles = numberedFiles(dir, "output");
  if (inputFiles.size() != function.getNumArguments())
    return "the model takes " + std::to_string(function.getNumArguments()) +
           " inputs but the data set has " + std::to_string(inputFiles.size());
  if (outputFiles.size() != function.getNumResults())
    return "the model has " + std::to_string(function.getNumResults()) +
           " outputs but the data set has " + std::to_string(outputFiles.size());
  SmallVector<Tensor> inputs;
  for (auto [i, file] : llvm::enumerate(inputFiles)) {
    llvm::Expected<Tensor> tensor = readTensorFile(file, context);
    if (tensor)
      tensor = adaptNpyTensor(
          *tensor,
          llvm::cast<ShapedType>(function.getArgumentTypes()[i]).getElementType());
    if (!tensor)
      return "input " + std::to_string(i) + ": " + llvm::toString(tensor.takeError());
    inputs.push_back(std::move(*tensor));
  }
  FailureOr<SmallVector<Tensor>> results = runFunction(function, inputs);
  if (failed(results))
    return "interpreting failed: " + diagnostics;
  for (auto [i, file] : llvm::enumerate(outputFiles)) {
    llvm::Expected<Tensor> expected = readTensorFile(file, context);
    if (expected)
      expected = adaptNpyTensor(*expected, (*results)[i].getElementType());
    if (!expected)
      return "output " + std::to_string(i) + ": " + llvm::toString(expected.takeError());
    if (std::optional<std::string> mismatch = compareTensors(
            (*results)[i], *expected, Tolerance{relativeTolerance, absoluteTolerance}))
      return "output " + std::to_string(i) + " (" + outputFileName(function, i) +
             "): " + *mismatch;
  }
  return std::nullopt;
}
#endif

static int runOnnxTestDir(MLIRContext &context) {
  StringRef dir = StringRef(onnxTestDir).rtrim('/');
  std::string name = llvm::sys::path::filename(dir).str();
#ifndef KILN_HAVE_ONNX_IMPORT
  llvm::outs() << "UNSUPPORTED " << name
               << ": kiln-interpret was built without the ONNX importer\n";
  return kUnsupported;
#else
  // Diagnostics become the verdict's reason: the first one, on one line.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (diagnostics.empty()) {
      diagnostics = diagnostic.str();
      std::replace(diagnostics.begin(), diagnostics.end(), '\n', ' ');
    }
    return success();
  });
  SmallString<128> model(dir);
  llvm::sys::path::append(model, "model.onnx");

  SmallVector<std::string> dataSets;
  std::error_code error;
  for (llvm::sys::fs::directory_iterator it(dir, error), end; it != end && !error;
       it.increment(error))
    if (llvm::sys::path::filename(it->path()).starts_with("test_data_set_"))
      dataSets.push_back(it->path());
  llvm::sort(dataSets);

  // Imports the model with `options` and checks that the interpreter can run
  // it: the verdict's exit code when it cannot, nothing when it can or when
  // the import only lacks values of graph inputs (`missing`).
  SmallVector<std::pair<std::string, unsigned>> missing;
  auto prepare = [&](const kiln::OnnxImportOptions &options,
                     OwningOpRef<ModuleOp> &module,
                     func::FuncOp &function) -> std::optional<int> {
    diagnostics.clear();
    module = kiln::importOnnxModel(model, context, options);
    if (!module) {
      if (!missing.empty())
        return std::nullopt; // Import again with the data set's values.
      llvm::outs() << "UNSUPPORTED " << name << ": import failed: " << diagnostics
                   << "\n";
      return kUnsupported;
    }
    if (failed(runPipeline(*module))) {
      llvm::outs() << "FAIL " << name << ": the pass pipeline failed: " << diagnostics
                   << "\n";
      return kFailure;
    }
    function = lookupFunction(*module);
    if (!function)
      return kFailure;
    std::string unsupported;
    llvm::raw_string_ostream unsupportedOs(unsupported);
    if (reportUnsupported(function, unsupportedOs)) {
      std::replace(unsupported.begin(), unsupported.end(), '\n', ' ');
      llvm::outs() << "UNSUPPORTED " << name << ": " << StringRef(unsupported).rtrim()
                   << "\n";
      return kUnsupported;
    }
    return std::nullopt;
  };
  auto check = [&](func::FuncOp function, StringRef dataSet) {
    diagnostics.clear();
    std::optional<std::string> reason =
        checkDataSet(function, dataSet, context, diagnostics);
    if (reason)
      llvm::outs() << "FAIL " << name << ": " << llvm::sys::path::filename(dataSet)
                   << ": " << *reason << "\n";
    return !reason;
  };

  kiln::OnnxImportOptions options;
  options.missingInputValues = &missing;
  OwningOpRef<ModuleOp> module;
  func::FuncOp function;
  if (std::optional<int> verdict = prepare(options, module, function))
    return *verdict;
  if (dataSets.empty()) {
    llvm::outs() << "FAIL " << name << ": no test_data_set_* directory\n";
    return kFailure;
  }
  std::string bound;
  if (module) {
    for (const std::string &dataSet : dataSets)
      if (!check(function, dataSet))
        return kFailure;
  } else {
    // Ops need graph inputs as constants (a Reshape's shape, reduction axes,
    // Resize's scales: ONNX's backend tests feed them as inputs). The IR is
    // valid only for the values it was imported with, so each data set is
    // imported with its own input_N.pb bound to those inputs.
    SmallVector<std::pair<std::string, unsigned>> needed(missing);
    for (const std::string &dataSet : dataSets) {
      // An op reports one missing input at a time (Clip's min, then its
      // max), so bind what was asked for and import again until nothing is.
      while (true) {
        kiln::OnnxImportOptions boundOptions;
        boundOptions.missingInputValues = &missing;
        for (const auto &[input, index] : needed) {
          SmallString<128> path(dataSet);
          llvm::sys::path::append(path, "input_" + std::to_string(index) + ".pb");
          diagnostics.clear();
          FailureOr<DenseElementsAttr> value = kiln::readOnnxTensorFile(path, context);
          if (failed(value)) {
            llvm::outs() << "FAIL " << name << ": " << llvm::sys::path::filename(dataSet)
                         << ": input " << index << " ('" << input << "'): " << diagnostics
                         << "\n";
            return kFailure;
          }
          boundOptions.inputValues[input] = *value;
        }
        missing.clear();
        if (std::optional<int> verdict = prepare(boundOptions, module, function))
          return *verdict;
        if (module)
          break;
        needed.append(missing.begin(), missing.end());
      }
      if (!check(function, dataSet))
        return kFailure;
    }
    for (auto [i, entry] : llvm::enumerate(needed))
      bound += (i ? ", " : "") + entry.first;
  }
  llvm::outs() << "PASS " << name << " (" << dataSets.size() << " data set"
               << (dataSets.size() == 1 ? "" : "s");
  if (!bound.empty())
    llvm::outs() << "; imported with constant inputs: " << bound;
  llvm::outs() << ")\n";
  return kSuccess;
#endif
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  kiln::registerKilnPassesAndPipelines();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln reference interpreter: runs nn IR (or an ONNX model) on the CPU\n\n"
      "  kiln-interpret MODEL.mlir --input NAME=FILE.npy ... [--output-dir DIR]\n"
      "  kiln-interpret --onnx-test-dir DIR [--rtol R] [--atol A]\n\n"
      "Exit status: 0 success, 1 failure, 2 unsupported model.\n");

  DialectRegistry registry;
  registry.insert<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  if (!onnxTestDir.empty())
    return runOnnxTestDir(context);
  if (modelPath.empty()) {
    llvm::errs() << "error: give a model (MODEL.mlir or MODEL.onnx) or --onnx-test-dir\n";
    return kFailure;
  }
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  bool unsupported = false;
  OwningOpRef<ModuleOp> module = loadModel(modelPath, context, unsupported);
  if (!module)
    return unsupported ? kUnsupported : kFailure;
  if (failed(runPipeline(*module)))
    return kFailure;
  func::FuncOp function = lookupFunction(*module);
  if (!function)
    return kFailure;
  if (reportUnsupported(function, llvm::errs()))
    return kUnsupported;
  return runOnInputs(function, context);
}
