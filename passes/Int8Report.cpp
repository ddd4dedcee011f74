//===- Int8Report.cpp - which layers implicit INT8 leaves in float, and why ===//

#include "passes/PassUtils.h"
#include "passes/Report.h"
#include "passes/lowering/Int8Lowering.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

static bool isQuantizedValue(Value value) {
  return isQuantized(getElementTypeOrSelf(value.getType()));
}

static std::string displayName(Operation *op) {
  std::string name = getLayerName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

/// Why `op` computes in float although INT8 was asked for, or empty when it
/// reads or writes quantized tensors (an INT8 layer).
static std::string whyFloat(Operation *op, StringRef precision) {
  if (auto kept = op->getAttrOfType<StringAttr>(kInt8KeptFloatAttr)) {
    // A per-layer constraint names its own precision.
    if (kept.getValue().starts_with("kept "))
      return kept.getValue().str();
    // The float type AssignPrecision gives a layer outside INT8.
    StringRef floatType = llvm::StringSwitch<StringRef>(precision)
                              .Case("fp16", "FP16")
                              .Case("int8", "FP16")
                              .Case("best", "FP16")
                              .Case("bf16", "BF16")
                              .Case("tf32", "TF32")
                              .Default("FP32");
    return ("kept " + floatType + ": " + kept.getValue()).str();
  }
  if (llvm::any_of(op->getOperands(), isQuantizedValue) ||
      llvm::any_of(op->getResults(), isQuantizedValue))
    return "";
  auto quantizable = llvm::dyn_cast<QuantizableOpInterface>(op);
  if (quantizable && quantizable.isQuantizable()) {
    for (OpOperand *operand : quantizable.getQuantizedOperands()) {
      Value value = operand->get();
      if (value.getDefiningOp<ConstantOp>() || value.getDefiningOp<DequantizeOp>())
        continue;
      Operation *producer = value.getDefiningOp();
      return producer ? "its input comes from '" + displayName(producer) +
                            "', which is not quantized"
                      : std::string("its input is a float network input");
    }
    return "its inputs are not quantized";
  }
  if (getQuantCommutingOperands(op))
    return "its input is float (it moves data, so it runs in the precision of its input)";
  return op->getName().getStringRef().str() + " has no INT8 implementation";
}

void kiln::printInt8Epilogues(ModuleOp module, bool inCudnn, raw_ostream &os,
                              bool depthwiseInKernel) {
  for (auto function : module.getOps<func::FuncOp>()) {
    int64_t fused = 0, depthwise = 0;
    std::vector<std::string> kernels;
    function.walk([&](ConvOp conv) {
      if (!isInt8Layer(conv) || !whyNotInt8Lowerable(conv, depthwiseInKernel).empty())
        return;
      if (depthwiseInKernel && isInt8DepthwiseConv(conv)) {
        ++depthwise;
        return;
      }
      std::string why = inCudnn ? whyNotFusedInt8Conv(conv) : "--int8-epilogue=kernel";
      if (why.empty())
        ++fused;
      else
        kernels.push_back(llvm::formatv("  {0}: {1}", displayName(conv), why).str());
    });
    if (!fused && kernels.empty() && !depthwise)
      continue;
    std::string inKernel =
        depthwise ? llvm::formatv(", {0} depthwise in Kiln's INT8 kernel (epilogue fused)",
                                  depthwise)
                        .str()
                  : "";
    os << llvm::formatv("INT8 convolutions (@{0}): {1} with the epilogue in cuDNN, {2} with "
                        "an epilogue kernel{3}{4}\n",
                        function.getSymName(), fused, kernels.size(), inKernel,
                        kernels.empty() ? "" : ":");
    for (const std::string &line : kernels)
      os << line << "\n";
  }
}

void kiln::printFloatLayers(ModuleOp module, raw_ostream &os, StringRef precision) {
  for (auto function : module.getOps<func::FuncOp>()) {
    bool any = false;
    function.walk([&](Operation *op) {
      if (!llvm::isa<NNDialect>(op->getDialect()) ||
          llvm::isa<ConstantOp, QuantizeOp, DequantizeOp>(op))
        return;
      std::string why = whyFloat(op, precision);
      if (why.empty())
        return;
      if (!any)
        os << "Layers in float under INT8 (@" << function.getSymName() << "):\n";
      any = true;
      os << llvm::formatv("  {0} ({1}): {2}\n", displayName(op), op->getName().getStringRef(),
                          why);
    });
    if (!any)
      os << "Layers in float under INT8 (@" << function.getSymName() << "): none\n";
  }
}
