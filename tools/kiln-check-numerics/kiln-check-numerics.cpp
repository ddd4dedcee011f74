//===- kiln-check-numerics.cpp - do passes keep a network's numerics? -----===//
//
// Runs a pass pipeline on a copy of a module, then runs every function of
// the original and of the copy in the reference interpreter on the same
// seeded random inputs and compares the results by relative error
// ‖after − before‖ / ‖before‖. This is how each graph pass proves it
// computes what the network did before it:
//
//   kiln-check-numerics model.mlir --pass-pipeline='builtin.module(...)' --rtol 1e-5
//
// Exit status: 0 when every result agrees, 1 on a mismatch, 2 when the
// module cannot be read, transformed or run.
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/NNDialect.h"
#include "kiln/reference/Interpreter.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

#include <random>

using namespace mlir;
namespace ref = kiln::reference;

static llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                            llvm::cl::desc("<input .mlir>"),
                                            llvm::cl::Required);
static llvm::cl::opt<std::string>
    pipeline("pass-pipeline", llvm::cl::desc("Textual pass pipeline to check"),
             llvm::cl::Required);
static llvm::cl::opt<double> relativeTolerance(
    "rtol", llvm::cl::desc("Largest relative error ‖after − before‖ / ‖before‖"),
    llvm::cl::init(1e-5));
static llvm::cl::opt<double> absoluteTolerance(
    "atol",
    llvm::cl::desc("Also require max |after − before| <= this on every element "
                   "(0: off); e.g. one quantization step of the output"),
    llvm::cl::init(0));
static llvm::cl::opt<unsigned> seed("seed", llvm::cl::desc("Random seed"),
                                    llvm::cl::init(0));
static llvm::cl::opt<bool> printTransformed(
    "print-transformed", llvm::cl::desc("Print the module after the pipeline"),
    llvm::cl::init(false));
static llvm::cl::opt<unsigned> trials("trials",
                                      llvm::cl::desc("Random input sets per function"),
                                      llvm::cl::init(2));

/// Random values suited to the element type: normal floats, small integers,
/// booleans, and storage values spanning a quantized type's range.
static ref::Tensor randomTensor(RankedTensorType type, std::mt19937 &rng) {
  Type element = type.getElementType();
  int64_t count = type.getNumElements();
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element)) {
    std::uniform_int_distribution<int64_t> storage(quantized.getStorageTypeMin(),
                                                   quantized.getStorageTypeMax());
    std::vector<int64_t> values(count);
    for (int64_t &v : values)
      v = storage(rng);
    return ref::Tensor(element, type.getShape(), std::move(values));
  }
  std::vector<double> values(count);
  if (element.isInteger(1)) {
    std::bernoulli_distribution coin;
    for (double &v : values)
      v = coin(rng);
  } else if (element.isIntOrIndex()) {
    std::uniform_int_distribution<int64_t> small(-8, 8);
    for (double &v : values)
      v = static_cast<double>(small(rng));
  } else {
    std::normal_distribution<double> normal;
    for (double &v : values)
      v = normal(rng);
  }
  return ref::Tensor::fromReals(element, type.getShape(), values);
}

namespace {
/// How far a result is from the reference: ‖a − e‖₂ / ‖e‖₂ (the measure
/// that does not blow up where values cancel to near zero) and max |a − e|.
struct Error {
  double relative, absolute;
};
} // namespace

/// The error of `actual` against `expected`, or nullopt when their shapes
/// differ or a NaN appears in only one of them.
static std::optional<Error> measure(const ref::Tensor &actual,
                                    const ref::Tensor &expected) {
  if (actual.getShape() != expected.getShape())
    return std::nullopt;
  std::vector<double> a = actual.toReals(), e = expected.toReals();
  double diff = 0, norm = 0, absolute = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    if (std::isnan(a[k]) || std::isnan(e[k])) {
      if (std::isnan(a[k]) != std::isnan(e[k]))
        return std::nullopt;
      continue;
    }
    double d = a[k] - e[k];
    diff += d * d;
    norm += e[k] * e[k];
    absolute = std::max(absolute, std::abs(d));
  }
  double relative = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
  return Error{relative, absolute};
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  DialectRegistry registry;
  registry.insert<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  registerCanonicalizerPass();
  registerCSEPass();
  kiln::registerKilnPassesAndPipelines();
  llvm::cl::ParseCommandLineOptions(argc, argv, "Kiln pass numerics checker\n");

  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> original = parseSourceFile<ModuleOp>(inputFile, &context);
  if (!original)
    return 2;
  OwningOpRef<ModuleOp> transformed = original->clone();
  // The textual pipeline names its anchor (`builtin.module(...)`): parse it
  // as is and run it as the pass manager's own pipeline, not nested in one.
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  FailureOr<OpPassManager> parsed = parsePassPipeline(pipeline, errorStream);
  if (failed(parsed)) {
    llvm::errs() << "kiln-check-numerics: bad pipeline: " << errors << "\n";
    return 2;
  }
  PassManager pm(&context, parsed->getOpAnchorName());
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  if (failed(pm.run(*transformed)))
    return 2;
  if (printTransformed) {
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    transformed->print(llvm::outs());
  }

  std::mt19937 rng(seed);
  bool mismatch = false;
  for (auto function : original->getOps<func::FuncOp>()) {
    auto other = transformed->lookupSymbol<func::FuncOp>(function.getSymName());
    if (!other) {
      llvm::errs() << "@" << function.getSymName() << ": missing after the pipeline\n";
      return 2;
    }
    double worstAbs = 0, worstRel = 0;
    for (unsigned trial = 0; trial < trials; ++trial) {
      SmallVector<ref::Tensor> inputs;
      for (Type type : function.getArgumentTypes())
        inputs.push_back(randomTensor(llvm::cast<RankedTensorType>(type), rng));
      FailureOr<SmallVector<ref::Tensor>> before = ref::runFunction(function, inputs);
      FailureOr<SmallVector<ref::Tensor>> after = ref::runFunction(other, inputs);
      if (failed(before) || failed(after))
        return 2;
      for (auto [i, pair] : llvm::enumerate(llvm::zip(*before, *after))) {
        auto &[expected, actual] = pair;
        std::optional<Error> error = measure(actual, expected);
        if (error && absoluteTolerance > 0 && error->absolute > absoluteTolerance) {
          llvm::outs() << "@" << function.getSymName() << ": result #" << i
                       << " differs: max abs error "
                       << llvm::format("%.3g", error->absolute) << " > "
                       << absoluteTolerance << "\n";
          mismatch = true;
          continue;
        }
        if (!error || error->relative > relativeTolerance) {
          llvm::outs() << "@" << function.getSymName() << ": result #" << i << " differs: ";
          if (error)
            llvm::outs() << "relative error " << llvm::format("%.3g", error->relative)
                         << " > " << relativeTolerance << "\n";
          else
            llvm::outs() << actual.getType() << " (NaN or shape) vs " << expected.getType()
                         << "\n";
          mismatch = true;
          continue;
        }
        worstAbs = std::max(worstAbs, error->absolute);
        worstRel = std::max(worstRel, error->relative);
      }
    }
    if (!mismatch)
      llvm::outs() << "@" << function.getSymName() << ": " << function.getNumResults()
                   << " result(s) agree over " << trials
                   << " random input set(s) (relative error "
                   << llvm::format("%.3g", worstRel) << ", max abs error "
                   << llvm::format("%.3g", worstAbs) << ")\n";
  }
  return mismatch ? 1 : 0;
}
