//===- PropagateQDQ.cpp - dequantize forward, quantize backward -----------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <set>

#define DEBUG_TYPE "kiln-propagate-qdq"

namespace kiln {
#define GEN_PASS_DEF_PROPAGATEQDQPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

/// Scale equalities, in the order found, each once.
using Assumptions = llvm::SetVector<std::string, std::vector<std::string>, std::set<std::string>>;

/// The name a scale assumption uses for `op`: its layers, else its op name.
static std::string nameOf(Operation *op) {
  std::string name = getLayerName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

std::optional<llvm::SmallVector<unsigned>> kiln::getQuantCommutingOperands(Operation *op) {
  auto commuting = llvm::dyn_cast<QuantCommutingOpInterface>(op);
  // A max pool that quantizes already is the quantize.
  if (!commuting || !commuting.commutesWithQuantization() || isQuantizingMaxPool(op))
    return std::nullopt;
  // A constant fill other than 0 would have to be rounded to the scale.
  if (auto pad = llvm::dyn_cast<PadOp>(op);
      pad && pad.getMode() == PadMode::constant && !pad.getValue().isZero())
    return std::nullopt;
  llvm::SmallVector<unsigned> data;
  if (llvm::isa<ConcatOp>(op)) {
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      data.push_back(i);
  } else {
    data.push_back(0);
  }
  return data;
}

namespace {

RankedTensorType withElement(Type type, Type element) {
  return RankedTensorType::get(llvm::cast<RankedTensorType>(type).getShape(), element);
}

/// op(dequantize(q)) → dequantize(op(q)).
struct ForwardDequantize : OpInterfaceRewritePattern<QuantCommutingOpInterface> {
  ForwardDequantize(MLIRContext *context, kiln::PassStatistic &count)
      : OpInterfaceRewritePattern(context), count(count) {}

  LogicalResult matchAndRewrite(QuantCommutingOpInterface commuting,
                                PatternRewriter &rewriter) const override {
    Operation *op = commuting;
    std::optional<SmallVector<unsigned>> data = getQuantCommutingOperands(op);
    if (!data)
      return rewriter.notifyMatchFailure(op, "does not commute with quantization");
    Type quantized;
    DequantizeOp first;
    for (unsigned index : *data) {
      auto dq = op->getOperand(index).getDefiningOp<DequantizeOp>();
      if (!dq)
        return rewriter.notifyMatchFailure(op, "a data operand is not dequantized");
      Type element = getElementTypeOrSelf(dq.getInput().getType());
      if (!llvm::isa<quant::UniformQuantizedType>(element))
        return rewriter.notifyMatchFailure(op, "per-axis scales would move with the data");
      if (quantized && element != quantized)
        return rewriter.notifyMatchFailure(op, "inputs have different scales");
      quantized = element;
      first = first ? first : dq;
    }
    rewriter.setInsertionPoint(op);
    Operation *moved = rewriter.clone(*op);
    for (unsigned index : *data)
      moved->setOperand(index,
                        op->getOperand(index).getDefiningOp<DequantizeOp>().getInput());
    SmallVector<Value> results;
    for (Value result : moved->getResults()) {
      result.setType(withElement(result.getType(), quantized));
      results.push_back(DequantizeOp::create(rewriter, first.getLoc(), result));
    }
    rewriter.replaceOp(op, results);
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

/// quantize(op(x)) → op(quantize(x)), when every user of op is a quantize of
/// one type (Q1 = Q2, recorded).
struct BackwardQuantize : OpRewritePattern<QuantizeOp> {
  BackwardQuantize(MLIRContext *context, kiln::PassStatistic &count,
                   Assumptions &assumptions)
      : OpRewritePattern(context), count(count), assumptions(assumptions) {}

  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    Operation *op = quantize.getInput().getDefiningOp();
    if (!op || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(quantize, "no single-result producer");
    std::optional<SmallVector<unsigned>> data = getQuantCommutingOperands(op);
    if (!data)
      return rewriter.notifyMatchFailure(quantize, "producer does not commute");
    Type quantized = getElementTypeOrSelf(quantize.getType());
    if (!llvm::isa<quant::UniformQuantizedType>(quantized))
      return rewriter.notifyMatchFailure(quantize, "per-axis scales");
    SmallVector<QuantizeOp> users;
    for (Operation *user : op->getUsers()) {
      auto other = llvm::dyn_cast<QuantizeOp>(user);
      if (!other || getElementTypeOrSelf(other.getType()) != quantized)
        return rewriter.notifyMatchFailure(quantize, "the producer has users that are "
                                                     "not quantizes of this type");
      users.push_back(other);
    }
    rewriter.setInsertionPoint(op);
    SmallVector<Value> inputs;
    for (unsigned index : *data) {
      Value input = op->getOperand(index);
      inputs.push_back(QuantizeOp::create(
          rewriter, quantize.getLoc(), withElement(input.getType(), quantized), input));
    }
    Operation *moved = rewriter.clone(*op);
    for (auto [index, input] : llvm::zip(*data, inputs))
      moved->setOperand(index, input);
    moved->getResult(0).setType(withElement(op->getResult(0).getType(), quantized));
    // Q1 = Q2: the layer's one scale stands for every quantize it replaces.
    for (QuantizeOp other : ArrayRef(users).drop_front())
      assumptions.insert("scale(" + nameOf(users.front()) + ".output) == scale(" +
                         nameOf(other) + ".output)");
    if (llvm::isa<ConcatOp>(op))
      for (unsigned index : *data) {
        Operation *producer = op->getOperand(index).getDefiningOp();
        std::string input = producer ? nameOf(producer) + ".output"
                                     : nameOf(op) + ".input" + std::to_string(index);
        assumptions.insert("scale(" + input + ") == scale(" + nameOf(op) + ".output)");
      }
    for (QuantizeOp other : users)
      rewriter.replaceOp(other, moved->getResults());
    rewriter.eraseOp(op);
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
  Assumptions &assumptions;
};

/// quantize(dequantize(q)) of one type → q: the value is already on the grid.
struct RemoveRedundantPair : OpRewritePattern<QuantizeOp> {
  RemoveRedundantPair(MLIRContext *context, kiln::PassStatistic &count)
      : OpRewritePattern(context, /*benefit=*/2), count(count) {}

  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    auto dq = quantize.getInput().getDefiningOp<DequantizeOp>();
    if (!dq || dq.getInput().getType() != quantize.getType())
      return rewriter.notifyMatchFailure(quantize, "not a dequantize of the same type");
    rewriter.replaceOp(quantize, dq.getInput());
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

/// uint8 with zero point 128 → int8 with zero point 0, on a quantize and
/// the shuffles its integers flow through (the storage shifts by 128).
void shiftToSigned(QuantizeOp quantize, kiln::PassStatistic &count) {
  auto type = llvm::dyn_cast<quant::UniformQuantizedType>(
      getElementTypeOrSelf(quantize.getType()));
  if (!type || type.isSigned() || type.getStorageTypeIntegralWidth() != 8 ||
      type.getZeroPoint() != 128)
    return;
  auto shifted = quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(type.getContext(), 8),
      type.getExpressedType(), type.getScale(), 0, -128, 127);
  SmallVector<Value> worklist{quantize.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    value.setType(withElement(value.getType(), shifted));
    for (Operation *user : value.getUsers()) {
      if (!llvm::isa<QuantCommutingOpInterface>(user))
        continue; // A dequantize infers the same float either way.
      for (Value result : user->getResults())
        if (getElementTypeOrSelf(result.getType()) == type)
          worklist.push_back(result);
    }
  }
  ++count;
}

struct PropagateQDQPass : kiln::impl::PropagateQDQPassBase<PropagateQDQPass> {
  using PropagateQDQPassBase::PropagateQDQPassBase;
  PropagateQDQPass() = default;
  PropagateQDQPass(const PropagateQDQPass &other) : PropagateQDQPassBase(other) {}

  kiln::PassStatistic numForward{this, "dequantize-forward", "Dequantizes moved forward"};
  kiln::PassStatistic numBackward{this, "quantize-backward", "Quantizes moved backward"};
  kiln::PassStatistic numShifted{this, "uint8-shifted",
                                 "uint8 quantizes re-expressed as int8"};
  kiln::PassStatistic numPairs{this, "pairs-removed",
                               "quantize(dequantize) pairs removed"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Assumptions assumptions;
    if (auto existing = module->getAttrOfType<ArrayAttr>("engine.assumptions"))
      for (auto entry : existing.getAsRange<StringAttr>())
        assumptions.insert(entry.str());
    size_t before = assumptions.size();
    bool failedScales = false;
    for (auto function : module.getOps<func::FuncOp>()) {
      function.walk([&](QuantizeOp quantize) { shiftToSigned(quantize, numShifted); });
      RewritePatternSet patterns(&getContext());
      patterns.add<ForwardDequantize>(&getContext(), numForward);
      patterns.add<BackwardQuantize>(&getContext(), numBackward, assumptions);
      patterns.add<RemoveRedundantPair>(&getContext(), numPairs);
      GreedyRewriteConfig config;
      config.enableFolding(false);
      if (failed(applyPatternsGreedily(function, std::move(patterns), config)))
        return signalPassFailure();
      function.walk([&](Operation *op) { failedScales |= !checkScales(op); });
    }
    if (failedScales)
      return signalPassFailure();
    if (assumptions.size() != before) {
      SmallVector<Attribute> entries;
      for (const std::string &entry : assumptions)
        entries.push_back(StringAttr::get(&getContext(), entry));
      module->setAttr("engine.assumptions", ArrayAttr::get(&getContext(), entries));
    }
  }

  /// Says where equal scales were needed and not given. False on an error.
  bool checkScales(Operation *op) {
    // A concat of dequantized inputs of different scales stays float.
    if (auto concat = llvm::dyn_cast<ConcatOp>(op)) {
      SmallVector<DequantizeOp> inputs;
      for (Value input : concat.getInputs())
        if (auto dq = input.getDefiningOp<DequantizeOp>())
          inputs.push_back(dq);
      if (inputs.size() == concat.getInputs().size() && inputs.size() > 1)
        for (DequantizeOp dq : ArrayRef(inputs).drop_front())
          if (dq.getInput().getType() != inputs.front().getInput().getType()) {
            concat.emitRemark() << "concat '" << nameOf(concat)
                                << "' is not crossed: its inputs '"
                                << nameOf(inputs.front()) << "' and '" << nameOf(dq)
                                << "' have different scales";
            return true;
          }
    }
    // Quantizes of one commuting layer's result that disagree (Q1 ≠ Q2).
    if (!getQuantCommutingOperands(op) || op->getNumResults() != 1)
      return true;
    SmallVector<QuantizeOp> quantizes;
    for (Operation *user : op->getUsers())
      if (auto quantize = llvm::dyn_cast<QuantizeOp>(user))
        quantizes.push_back(quantize);
    if (quantizes.empty())
      return true;
    for (QuantizeOp other : ArrayRef(quantizes).drop_front()) {
      if (other.getType() == quantizes.front().getType())
        continue;
      InFlightDiagnostic diag = strictScales ? op->emitError() : op->emitWarning();
      diag << "quantizes '" << nameOf(quantizes.front()) << "' and '" << nameOf(other)
           << "' of '" << nameOf(op) << "' have different scales ("
           << getElementTypeOrSelf(quantizes.front().getType()) << " vs "
           << getElementTypeOrSelf(other.getType())
           << "), so they cannot move before it as one";
      return !strictScales;
    }
    return true;
  }
};

} // namespace
