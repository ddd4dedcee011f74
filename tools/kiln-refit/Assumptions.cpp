//===- Assumptions.cpp - a refit evaluates the old build's scale equalities ===//

#include "Refit.h"

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace mlir;
using namespace kiln;
using kiln::refit::ScaleOrError;

namespace {

std::string formatScale(double scale) { return llvm::formatv("{0:g}", scale).str(); }

/// The per-tensor scale of a quantized type, or why not.
ScaleOrError scaleOfType(Type type, StringRef what) {
  Type element = getElementTypeOrSelf(type);
  if (auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(element))
    return {uniform.getScale(), ""};
  if (llvm::isa<quant::UniformQuantizedPerAxisType>(element))
    return {std::nullopt, what.str() + " has per-channel scales"};
  return {std::nullopt, what.str() + " is not quantized"};
}

/// The scales of the quantizes that read `value`; when none does, of those
/// it reaches through ops that commute with quantization (where the old
/// build moved a quantize back to it), nearest first.
void reachedScales(Value value, std::set<double> &scales, std::string &other) {
  SmallVector<Value> level{value};
  llvm::DenseSet<Value> seen;
  while (!level.empty() && scales.empty()) {
    SmallVector<Value> next;
    for (Value tensor : level) {
      if (!seen.insert(tensor).second)
        continue;
      for (OpOperand &use : tensor.getUses()) {
        Operation *user = use.getOwner();
        if (auto quantize = llvm::dyn_cast<nn::QuantizeOp>(user)) {
          ScaleOrError scale = scaleOfType(quantize.getType(), "its quantize");
          if (scale.scale)
            scales.insert(*scale.scale);
          else
            other = scale.error;
          continue;
        }
        std::optional<SmallVector<unsigned>> data = getQuantCommutingOperands(user);
        if (data && llvm::is_contained(*data, use.getOperandNumber()))
          llvm::append_range(next, user->getResults());
      }
    }
    level = std::move(next);
  }
}

} // namespace

ScaleOrError refit::evaluateScale(ModuleOp module, StringRef ref) {
  auto [name, port] = ref.rsplit('.');
  unsigned input = 0;
  bool isOutput = port == "output";
  if (name.empty() || (!isOutput && (!port.consume_front("input") ||
                                     port.getAsInteger(10, input))))
    return {std::nullopt, "'" + ref.str() + "' is not NAME.output or NAME.inputN"};
  SmallVector<Operation *> named, quantizes;
  module.walk([&](Operation *op) {
    if (op->getNumResults() == 0 || getLayerName(op) != name)
      return;
    named.push_back(op);
    if (llvm::isa<nn::QuantizeOp>(op))
      quantizes.push_back(op);
  });
  if (named.empty())
    return {std::nullopt, "no layer is named '" + name.str() + "'"};

  std::set<double> scales;
  std::string other;
  if (isOutput && !quantizes.empty()) {
    for (Operation *quantize : quantizes) {
      ScaleOrError scale = scaleOfType(quantize->getResult(0).getType(), "'" + name.str() + "'");
      if (!scale.scale)
        return scale;
      scales.insert(*scale.scale);
    }
  } else {
    // The layer itself, not the dequantize or quantize that share its name.
    SmallVector<Operation *> layers;
    for (Operation *op : named)
      if (!llvm::isa<nn::QuantizeOp, nn::DequantizeOp>(op))
        layers.push_back(op);
    if (layers.size() != 1)
      return {std::nullopt, llvm::formatv("{0} layers are named '{1}'", layers.size(), name)};
    Operation *layer = layers.front();
    if (!isOutput && input >= layer->getNumOperands())
      return {std::nullopt, llvm::formatv("layer '{0}' has {1} inputs", name,
                                          layer->getNumOperands())};
    Value value = isOutput ? layer->getResult(0) : layer->getOperand(input);
    if (!isOutput) {
      // An input read through a dequantize has that dequantize's scale.
      if (auto dq = value.getDefiningOp<nn::DequantizeOp>())
        return scaleOfType(dq.getInput().getType(), "'" + ref.str() + "'");
    }
    reachedScales(value, scales, other);
  }
  if (scales.size() == 1)
    return {*scales.begin(), ""};
  if (scales.empty())
    return {std::nullopt, other.empty() ? "'" + ref.str() + "' is not quantized"
                                        : "'" + ref.str() + "': " + other};
  std::string list;
  for (double scale : scales)
    list += (list.empty() ? "" : ", ") + formatScale(scale);
  return {std::nullopt, "'" + ref.str() + "' is quantized with several scales (" + list + ")"};
}

refit::AssumptionChecker::AssumptionChecker(std::vector<std::string> assumptions) {
  for (std::string &text : assumptions) {
    Entry entry;
    entry.text = text;
    StringRef rest(text);
    size_t middle = rest.find(") == scale(");
    if (!rest.consume_front("scale(") || !rest.consume_back(")") ||
        middle == StringRef::npos) {
      entry.error = "recorded assumption '" + text +
                    "' is not of the form scale(A) == scale(B)";
    } else {
      entry.lhs = StringRef(text).substr(6, middle - 6).str();
      entry.rhs = StringRef(text).substr(middle + 11, text.size() - middle - 12).str();
    }
    entries.push_back(std::move(entry));
  }
}

void refit::AssumptionChecker::runBeforePass(Pass *pass, Operation *op) {
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module || pass->getArgument() != "kiln-propagate-qdq")
    return;
  for (Entry &entry : entries) {
    if (entry.settled || !entry.error.empty())
      continue;
    ScaleOrError lhs = evaluateScale(module, entry.lhs);
    ScaleOrError rhs = evaluateScale(module, entry.rhs);
    if (!lhs.scale || !rhs.scale) {
      entry.pending = !lhs.scale ? lhs.error : rhs.error;
      continue;
    }
    entry.settled = true;
    if (*lhs.scale != *rhs.scale)
      entry.error = llvm::formatv("the old engine assumes {0}, but in the new model "
                                  "scale({1}) = {2} and scale({3}) = {4}",
                                  entry.text, entry.lhs, formatScale(*lhs.scale),
                                  entry.rhs, formatScale(*rhs.scale));
  }
}

std::vector<std::string> refit::AssumptionChecker::errors() const {
  std::vector<std::string> messages;
  for (const Entry &entry : entries) {
    if (!entry.error.empty())
      messages.push_back(entry.error);
    else if (!entry.settled)
      messages.push_back("the old engine assumes " + entry.text +
                         ", which cannot be evaluated on the new model: " +
                         (entry.pending.empty() ? "no Q/DQ propagation ran"
                                                : entry.pending));
  }
  return messages;
}
