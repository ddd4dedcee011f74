//===- AssignPrecision.cpp - per-layer precision and boundary casts -------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSwitch.h"

#define DEBUG_TYPE "kiln-assign-precision"

namespace kiln {
#define GEN_PASS_DEF_ASSIGNPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::nn;

namespace {

enum class Precision { fp32, tf32, fp16, bf16, int8, best };

std::optional<Precision> parsePrecision(StringRef name) {
  return llvm::StringSwitch<std::optional<Precision>>(name)
      .Case("fp32", Precision::fp32)
      .Case("tf32", Precision::tf32)
      .Case("fp16", Precision::fp16)
      .Case("bf16", Precision::bf16)
      .Case("int8", Precision::int8)
      .Case("best", Precision::best)
      .Default(std::nullopt);
}

/// The float element type a precision computes in (INT8 layers keep their
/// quantized types; everything else in INT8 or best mode runs in FP16).
Type floatTypeOf(Precision precision, MLIRContext *context) {
  switch (precision) {
  case Precision::fp16:
  case Precision::int8:
  case Precision::best:
    return Float16Type::get(context);
  case Precision::bf16:
    return BFloat16Type::get(context);
  case Precision::fp32:
  case Precision::tf32:
    return Float32Type::get(context);
  }
  llvm_unreachable("unknown precision");
}

/// Layers whose arithmetic loses too much in half precision: sums computed
/// in the type of their tensors.
bool isFragile(Operation *op) {
  if (auto reduce = llvm::dyn_cast<ReduceOp>(op))
    return reduce.getKind() != ReduceKind::max && reduce.getKind() != ReduceKind::min;
  return llvm::isa<LRNOp, CumSumOp>(op);
}

/// Softmax and the normalizations: their kernels (lib/target/cuda/Norms.cpp),
/// like the reference, accumulate the statistics in double whatever their
/// tensors' type and round once. So they take the type their input arrives
/// in: FP16 between FP16 layers (a cast to FP32 around them would round the
/// same way, with two more kernels and twice the memory traffic: two per
/// attention block, four per transformer encoder layer), FP32 where they
/// read an FP32 input such as the network's.
bool followsItsInput(Operation *op) {
  return llvm::isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp, InstanceNormOp, GroupNormOp>(op);
}

bool hasQuantizedTypes(Operation *op) {
  auto quantized = [](Type type) { return isQuantized(getElementTypeOrSelf(type)); };
  return llvm::any_of(op->getOperandTypes(), quantized) ||
         llvm::any_of(op->getResultTypes(), quantized);
}

bool isFloatTensor(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  return tensor && llvm::isa<FloatType>(tensor.getElementType());
}

struct AssignPrecisionPass : kiln::impl::AssignPrecisionPassBase<AssignPrecisionPass> {
  using AssignPrecisionPassBase::AssignPrecisionPassBase;
  AssignPrecisionPass() = default;
  AssignPrecisionPass(const AssignPrecisionPass &other)
      : AssignPrecisionPassBase(other) {}

  kiln::PassStatistic numCasts{this, "inserted-casts",
                               "Casts inserted at precision boundaries"};
  kiln::PassStatistic numLowered{this, "reduced-precision-layers",
                                 "Layers moved to a narrower float type"};
  kiln::PassStatistic numFP32{this, "fp32-layers", "Layers that run in FP32"};
  kiln::PassStatistic numTF32{this, "tf32-layers", "Layers that run in TF32"};
  kiln::PassStatistic numFP16{this, "fp16-layers", "Layers that run in FP16"};
  kiln::PassStatistic numBF16{this, "bf16-layers", "Layers that run in BF16"};
  kiln::PassStatistic numINT8{this, "int8-layers", "Layers that run in INT8"};

  void runOnOperation() override {
    std::optional<Precision> global = parsePrecision(precision);
    if (!global) {
      getOperation().emitError("unknown precision '") << precision << "'";
      return signalPassFailure();
    }
    if (constraintMode != "obey" && constraintMode != "prefer") {
      getOperation().emitError("constraint-mode must be obey or prefer, not '")
          << constraintMode << "'";
      return signalPassFailure();
    }
    llvm::StringMap<Precision> constraints;
    for (StringRef entry : layerPrecision) {
      auto [name, value] = entry.rsplit(':');
      std::optional<Precision> parsed = parsePrecision(value);
      if (name.empty() || !parsed) {
        getOperation().emitError("layer-precision entries are NAME:PRECISION, got '")
            << entry << "'";
        return signalPassFailure();
      }
      constraints[name] = *parsed;
    }

    // Types as the layers were built, for the ones whose types must not move.
    getOperation().walk([&](Operation *op) {
      for (Value result : op->getResults())
        originalTypes[result] = result.getType();
    });
    for (Value argument : getOperation().getArguments())
      originalTypes[argument] = argument.getType();

    bool failedConstraint = false;
    getOperation().walk([&](Operation *op) {
      if (!llvm::isa<NNDialect>(op->getDialect()) || llvm::isa<ConstantOp>(op))
        return;
      if (failed(assign(op, *global, constraints)))
        failedConstraint = true;
    });
    if (failedConstraint)
      return signalPassFailure();
    restoreFunctionBoundary();
    cancelRoundTrips();
    countPrecisions();
  }

  /// Layers (not constants or the casts between them) by the precision they
  /// now run in.
  void countPrecisions() {
    getOperation().walk([&](Operation *op) {
      if (!llvm::isa<NNDialect>(op->getDialect()) || llvm::isa<ConstantOp, CastOp>(op))
        return;
      StringRef precision = kiln::getLayerPrecision(op);
      if (precision == "fp32")
        ++numFP32;
      else if (precision == "tf32")
        ++numTF32;
      else if (precision == "fp16")
        ++numFP16;
      else if (precision == "bf16")
        ++numBF16;
      else if (precision == "int8")
        ++numINT8;
    });
  }

  /// Moves one layer to its precision: casts its float operands and sets its
  /// float results' element type.
  LogicalResult assign(Operation *op, Precision global,
                       const llvm::StringMap<Precision> &constraints) {
    // A constraint names a layer (any of those a fused layer covers) or an
    // op type.
    std::optional<Precision> constrained;
    for (StringRef name : kiln::getLayerNames(op))
      if (auto it = constraints.find(name); it != constraints.end() && !constrained)
        constrained = it->second;
    if (auto it = constraints.find(op->getName().getStringRef());
        it != constraints.end() && !constrained)
      constrained = it->second;

    Precision chosen = constrained.value_or(global);
    if (hasQuantizedTypes(op) || llvm::isa<QuantizeOp>(op)) {
      // INT8 layers and quantization keep the types they were built with:
      // float operands whose producers moved are cast back.
      OpBuilder builder(op);
      for (OpOperand &operand : op->getOpOperands()) {
        Type original = originalTypes.lookup(operand.get());
        if (original && original != operand.get().getType() &&
            isFloatTensor(original))
          operand.set(castTo(builder, operand.get(), getElementTypeOrSelf(original)));
      }
      return success();
    }
    if (llvm::isa<CastOp>(op))
      return success(); // Converts from whatever its input became.
    if (chosen == Precision::int8 && constrained) {
      InFlightDiagnostic diag =
          constraintMode == "obey" ? op->emitError() : op->emitWarning();
      diag << "INT8 requested for layer '" << kiln::getLayerName(op) << "' ("
           << op->getName() << "), but it has no quantization scales (add Q/DQ "
           << "nodes or calibrate)";
      if (constraintMode == "obey")
        return failure();
      chosen = global == Precision::int8 ? Precision::fp16 : global;
    }
    if (!constrained && isFragile(op))
      chosen = Precision::fp32;
    // Fused attention (cuDNN's) exists only in 16-bit types; its bias too.
    if (llvm::isa<AttentionOp>(op) && chosen != Precision::fp16 &&
        chosen != Precision::bf16) {
      if (constrained && chosen != Precision::int8 && chosen != Precision::best) {
        InFlightDiagnostic diag =
            constraintMode == "obey" ? op->emitError() : op->emitWarning();
        diag << (chosen == Precision::tf32 ? "TF32" : "FP32") << " requested for layer '"
             << kiln::getLayerName(op) << "' ("
             << op->getName() << "), but fused attention runs only in FP16 or BF16 "
             << "(kiln-fuse-attention leaves attention whose layers are constrained "
             << "to FP32 unfused)";
        if (constraintMode == "obey")
          return failure();
      }
      chosen = global == Precision::bf16 ? Precision::bf16 : Precision::fp16;
    }

    MLIRContext *context = op->getContext();
    Type target = floatTypeOf(chosen, context);
    if (!constrained && followsItsInput(op))
      target = getElementTypeOrSelf(op->getOperand(0).getType());
    if (chosen == Precision::tf32 && llvm::isa<ConvOp, ConvTransposeOp, MatmulOp, GemmOp>(op))
      op->setAttr("kiln.precision", StringAttr::get(context, "tf32"));

    bool changed = false;
    OpBuilder builder(op);
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isFloatTensor(operand.get().getType()) ||
          getElementTypeOrSelf(operand.get().getType()) == target)
        continue;
      operand.set(castTo(builder, operand.get(), target));
      changed = true;
    }
    for (OpResult result : op->getResults()) {
      if (!isFloatTensor(result.getType()) ||
          getElementTypeOrSelf(result.getType()) == target)
        continue;
      result.setType(llvm::cast<RankedTensorType>(result.getType()).clone(target));
      changed = true;
    }
    if (changed && target != Float32Type::get(context))
      ++numLowered;
    return success();
  }

  /// One cast per value and target type.
  Value castTo(OpBuilder &builder, Value value, Type element) {
    auto key = std::make_pair(value, element);
    if (Value existing = casts.lookup(key))
      return existing;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointAfterValue(value);
    auto type = llvm::cast<RankedTensorType>(value.getType()).clone(element);
    Value cast = CastOp::create(builder, value.getLoc(), type, value);
    casts[key] = cast;
    ++numCasts;
    return cast;
  }

  /// Results keep the function's declared types.
  void restoreFunctionBoundary() {
    func::FuncOp func = getOperation();
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      for (auto [operand, type] :
           llvm::zip(ret->getOpOperands(), func.getFunctionType().getResults())) {
        if (operand.get().getType() != type && isFloatTensor(type))
          operand.set(castTo(builder, operand.get(), getElementTypeOrSelf(type)));
      }
    });
  }

  /// cast(cast(x)) back to x's type through a wider type is exact: use x.
  /// A cast whose input now has its type (a cast the model or
  /// kiln-set-io-types wrote, of a layer moved to that type) is none.
  void cancelRoundTrips() {
    getOperation().walk([&](CastOp outer) {
      if (outer.getInput().getType() == outer.getType()) {
        outer.replaceAllUsesWith(outer.getInput());
        outer.erase();
        return;
      }
      auto inner = outer.getInput().getDefiningOp<CastOp>();
      if (!inner || inner.getInput().getType() != outer.getType())
        return;
      auto narrow = llvm::dyn_cast<FloatType>(outer.getType().getElementType());
      auto wide = llvm::dyn_cast<FloatType>(inner.getType().getElementType());
      if (!narrow || !wide || wide.getWidth() <= narrow.getWidth())
        return;
      outer.replaceAllUsesWith(inner.getInput());
      outer.erase();
      if (inner->use_empty())
        inner.erase();
    });
  }

  llvm::DenseMap<std::pair<Value, Type>, Value> casts;
  llvm::DenseMap<Value, Type> originalTypes;
};

} // namespace
