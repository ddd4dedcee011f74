//===- Report.cpp - what the graph passes did, in words users read --------===//

#include "passes/Report.h"
#include "passes/PassUtils.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

/// The name to print for `op`: its layers, or its op name where it has none.
static std::string displayName(Operation *op) {
  std::string name = getLayerName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

/// The fusions that were possible in shape but did not happen, and why.
static void explainMissedFusions(func::FuncOp function, raw_ostream &os, bool &any) {
  auto report = [&](Operation *op, const Twine &what, StringRef why) {
    if (!any)
      os << "Not fused:\n";
    any = true;
    os << llvm::formatv("  {0}: {1}: {2}\n", displayName(op), what.str(), why);
  };
  function.walk([&](Operation *op) {
    if (llvm::isa<QuantizeOp, DequantizeOp>(op)) {
      report(op, llvm::isa<QuantizeOp>(op) ? "quantize kept" : "dequantize kept",
             whyQuantizationKept(op));
      return;
    }
    if (auto bn = llvm::dyn_cast<BatchNormOp>(op)) {
      if (const char *why = whyNotFoldBatchNorm(bn))
        report(op, "batch norm not folded", why);
      return;
    }
    if (auto pool = llvm::dyn_cast<PoolOp>(op); pool && pool.getKind() == PoolKind::avg) {
      if (auto conv = pool.getInput().getDefiningOp<ConvOp>())
        if (const char *why = whyNotFoldPool(conv, pool))
          report(op, "pool not fused into " + displayName(conv), why);
      return;
    }
    if (auto softmax = llvm::dyn_cast<SoftmaxOp>(op); softmax && matchesAttention(softmax)) {
      report(op, "attention not fused",
             "nn.attention runs only in FP16 or BF16, so kiln-compile fuses it only "
             "at fp16, bf16, int8 or best (and not with --fuse-attention=false), and "
             "not where a --layer-precision keeps one of its layers in FP32 or TF32");
      return;
    }
    if (auto pointwise = llvm::dyn_cast<PointwiseOpInterface>(op)) {
      Operation *producer = op->getNumOperands() ? op->getOperand(0).getDefiningOp() : nullptr;
      if (pointwise.getAsActivation() && producer && hasEpilogue(producer))
        if (const char *why = whyNotFuseActivation(pointwise))
          report(op, "activation not fused into " + displayName(producer), why);
    }
    if (auto add = llvm::dyn_cast<AddOp>(op)) {
      for (Value operand : add->getOperands()) {
        Operation *producer = operand.getDefiningOp();
        if (!producer || !hasEpilogue(producer))
          continue;
        if (const char *why = whyNotFusable(operand))
          report(op, "add not fused into " + displayName(producer), why);
        else if (getEpilogueActivation(producer))
          report(op, "add not fused into " + displayName(producer),
                 "the layer applies its activation before the add");
        else if (getEpilogueResidual(producer))
          report(op, "add not fused into " + displayName(producer),
                 "the layer already adds a residual");
        else if (operand.getType() != add.getType())
          report(op, "add not fused into " + displayName(producer),
                 "the add broadcasts the layer's result to a larger shape");
      }
    }
    auto isConstant = [](Value v) { return v.getDefiningOp<ConstantOp>() != nullptr; };
    if (auto concat = llvm::dyn_cast<ConcatOp>(op);
        concat && !concat.getInPlace() && !llvm::all_of(concat.getInputs(), isConstant)) {
      for (auto [i, input] : llvm::enumerate(concat.getInputs()))
        if (const char *why = concat.whyNotInPlace(input)) {
          report(op, llvm::formatv("concat copy kept (input #{0})", i).str(), why);
          break;
        }
    }
  });
}

void kiln::printMissedFusions(ModuleOp module, raw_ostream &os) {
  for (auto function : module.getOps<func::FuncOp>()) {
    bool any = false;
    explainMissedFusions(function, os, any);
    if (!any)
      os << "Not fused: nothing that could have been.\n";
  }
}

void kiln::printLayers(ModuleOp module, raw_ostream &os) {
  for (auto function : module.getOps<func::FuncOp>()) {
    os << "Layers of @" << function.getSymName() << ":\n";
    function.walk([&](Operation *op) {
      if (!llvm::isa<NNDialect>(op->getDialect()) || llvm::isa<ConstantOp>(op))
        return;
      std::string layout;
      if (auto sensitive = llvm::dyn_cast<LayoutSensitiveOpInterface>(op))
        layout = sensitive.getDataLayout() == Layout::channels_last ? " NHWC" : " NCHW";
      os << llvm::formatv("  {0,-48} {1,-18} {2}{3}\n", displayName(op),
                          op->getName().getStringRef(), getLayerPrecision(op), layout);
    });
  }
}

/// Layers per op name (constants are weights, not layers).
static llvm::MapVector<StringRef, int64_t> countLayersByOp(ModuleOp module) {
  llvm::MapVector<StringRef, int64_t> counts;
  module.walk([&](Operation *op) {
    if (llvm::isa<NNDialect>(op->getDialect()) && !llvm::isa<ConstantOp>(op))
      ++counts[op->getName().getStringRef()];
  });
  return counts;
}

void kiln::printLayerCounts(ModuleOp imported, ModuleOp optimized, raw_ostream &os) {
  llvm::MapVector<StringRef, int64_t> before = countLayersByOp(imported);
  llvm::MapVector<StringRef, int64_t> after = countLayersByOp(optimized);
  for (auto &[name, count] : after)
    before.insert({name, 0});
  int64_t total[2] = {0, 0};
  os << "Layers by op, imported → compiled:\n";
  for (auto &[name, count] : before) {
    int64_t left = after.lookup(name);
    total[0] += count;
    total[1] += left;
    os << llvm::formatv("  {0,-20} {1,5} → {2}\n", name, count, left);
  }
  os << llvm::formatv("  {0,-20} {1,5} → {2}\n", "all", total[0], total[1]);
}

int64_t kiln::countLayers(ModuleOp module) {
  int64_t layers = 0;
  for (auto [name, count] : countLayersByOp(module))
    layers += count;
  return layers;
}

void kiln::printEngineSummary(int64_t importedLayers, ModuleOp module, raw_ostream &os) {
  llvm::MapVector<StringRef, int64_t> kinds, precisions;
  int64_t steps = 0, tensorBytes = 0, weightBytes = 0, kernels = 0;
  int64_t timed = 0, cached = 0, heuristic = 0;
  int64_t kernelsTimed = 0, kernelsCached = 0, kernelsHeuristic = 0;
  // INT8 convolutions that kiln-select-tactics gave to CUTLASS kernels.
  int64_t cutlassTimed = 0, cutlassCached = 0, cutlassForced = 0;
  // Pointwise convolutions it gave to cuBLASLt (their tactic names cuDNN's
  // time beside the GEMM's).
  int64_t convGemmTimed = 0, convGemmCached = 0, convGemmForced = 0;
  module.walk([&](Operation *op) {
    if (auto alloc = llvm::dyn_cast<engine::AllocOp>(op)) {
      tensorBytes += alloc.getSizeInBytes();
    } else if (auto weight = llvm::dyn_cast<engine::WeightOp>(op)) {
      weightBytes += engine::getExtentInBytes(weight.getType());
    } else if (llvm::isa<engine::KernelOp>(op)) {
      ++kernels;
    } else if (llvm::isa<engine::ConvOp, engine::GemmOp, engine::LaunchOp, engine::CopyOp>(
                   op)) {
      ++steps;
      ++kinds[op->getName().stripDialect()];
      auto precision = op->getAttrOfType<StringAttr>("precision");
      ++precisions[precision ? precision.getValue() : StringRef("-")];
      auto source = op->getAttrOfType<StringAttr>(engine::kTacticSourceAttr);
      StringRef how = source ? source.getValue() : "heuristic";
      if (llvm::isa<engine::ConvOp, engine::GemmOp>(op))
        ++(how == "timed" ? timed : how == "cache" ? cached : heuristic);
      if (auto launch = llvm::dyn_cast<engine::LaunchOp>(op); launch && launch.getVariants())
        ++(how == "timed" ? kernelsTimed : how == "cache" ? kernelsCached : kernelsHeuristic);
      auto tactic = op->getAttrOfType<StringAttr>("tactic");
      if (llvm::isa<engine::LaunchOp>(op) && tactic && tactic.getValue().starts_with("cutlass "))
        ++(how == "timed" ? cutlassTimed : how == "cache" ? cutlassCached : cutlassForced);
      if (llvm::isa<engine::GemmOp>(op) && tactic &&
          (tactic.getValue().contains(" (cuDNN ") ||
           tactic.getValue().starts_with("cuBLASLt for a pointwise conv")))
        ++(how == "timed" ? convGemmTimed : how == "cache" ? convGemmCached : convGemmForced);
    }
  });
  auto arena = module->getAttrOfType<IntegerAttr>(engine::kArenaSizeAttr);
  auto join = [](const llvm::MapVector<StringRef, int64_t> &counts) {
    std::string text;
    for (auto [name, count] : counts)
      text += (text.empty() ? "" : ", ") + name.str() + " " + std::to_string(count);
    return text;
  };
  os << llvm::formatv("layers: {0} imported, {1} steps after fusion ({2})\n",
                      importedLayers, steps, join(kinds));
  os << "precision: " << join(precisions) << "\n";
  os << llvm::formatv("kernels: {0} generated\n", kernels);
  os << llvm::formatv("tactics: {0} timed, {1} cached, {2} heuristic\n", timed, cached,
                      heuristic);
  os << llvm::formatv("kernel launch shapes: {0} timed, {1} cached, {2} heuristic\n",
                      kernelsTimed, kernelsCached, kernelsHeuristic);
  if (cutlassTimed + cutlassCached + cutlassForced)
    os << llvm::formatv("INT8 convolutions on CUTLASS: {0} timed, {1} cached, {2} forced\n",
                        cutlassTimed, cutlassCached, cutlassForced);
  if (convGemmTimed + convGemmCached + convGemmForced)
    os << llvm::formatv("pointwise convolutions on cuBLASLt: {0} timed, {1} cached, {2} "
                        "forced\n",
                        convGemmTimed, convGemmCached, convGemmForced);
  os << llvm::formatv("memory: arena {0} bytes for {1} bytes of activations; weights {2} "
                      "bytes\n",
                      arena ? arena.getInt() : 0, tensorBytes, weightBytes);
}
