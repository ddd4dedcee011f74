//===- Elementwise.cpp - one element of each pointwise op ----------------===//
//
// The C++ of every pointwise op (and batch_norm) for one element, mirroring
// lib/reference/ElementwiseOps.cpp:
// - +, -, *, / use the __f*_rn / __d*_rn intrinsics, so no multiply-add is
//   contracted across ops: each op rounds to its result type, as the
//   reference does. f16/bf16 compute in float and round after each op
//   (double rounding through float is innocuous for these operations).
// - The piecewise-linear activations compute in double, the reference's own
//   arithmetic; transcendental functions use CUDA's float functions (within
//   a few ulp of the reference's double ones).
// - Integers wrap (through unsigned arithmetic), divide truncating, and take
//   the reference's answers for x / -1 and x % -1.
// - max/min propagate NaN; relu, clip and the hard activations treat NaN as
//   the reference's std::max/std::min do.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "kiln/reference/Tensor.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

bool kiln::cuda::detail::isElementOp(Operation *op) {
  return llvm::isa<PointwiseOpInterface, BatchNormOp>(op);
}

namespace {
/// Emission of one op: its operands' variables, its compute type, and the
/// definition of its result.
class ElementEmitter {
public:
  ElementEmitter(ElementScope &scope, Operation *op) : s(scope), op(op) {
    SmallVector<Type> types;
    for (Value value : op->getOperands())
      types.push_back(elementOf(value));
    for (Value value : op->getResults())
      types.push_back(elementOf(value));
    compute = computeFor(types);
  }

  LogicalResult emit();

private:
  static Type elementOf(Value value) { return getElementTypeOrSelf(value.getType()); }
  Type resultType() const { return elementOf(op->getResult(0)); }
  std::string var(unsigned i) const { return s.vars.lookup(op->getOperand(i)); }
  std::string channel(Value value) const {
    int64_t axis = quantizedAxis(elementOf(value));
    return axis < 0 ? "" : s.coordinate(value, axis);
  }
  /// Real value of operand `i` in compute type `in` (the op's by default).
  std::string real(unsigned i, std::optional<Compute> in = std::nullopt) const {
    Value value = op->getOperand(i);
    return realOf(s.w, elementOf(value), var(i), in.value_or(compute), channel(value));
  }
  std::string lit(double value) const { return floatLiteral(value, compute); }
  std::string F() const { return computeType(compute).str(); }
  /// "f" or "d": the suffix of CUDA's rounding intrinsics.
  std::string rn(StringRef op) const {
    return (Twine("__") + (compute == Compute::Double ? "d" : "f") + op + "_rn").str();
  }

  /// Defines the result from a value-form expression.
  void defineValue(const std::string &expr) {
    std::string name = s.w.fresh("v");
    s.w.line("const " + valueType(resultType()) + " " + name + " = " + expr + ";");
    s.vars[op->getResult(0)] = name;
  }
  /// Defines the result from a real held in `in` (the op's compute type by
  /// default).
  void defineReal(const std::string &expr, std::optional<Compute> in = std::nullopt) {
    Value result = op->getResult(0);
    defineValue(fromReal(s.w, resultType(), expr, in.value_or(compute), channel(result)));
  }
  /// Defines the result from an expression that yields one of the operands'
  /// values or a constant of the result type (relu, max, abs, ...): nothing
  /// to round when it is computed in the result's own value type.
  void defineExact(const std::string &expr) {
    Type type = resultType();
    bool sameForm = isFloat(type) && (type.isF64() == (compute == Compute::Double));
    if (sameForm)
      defineValue(expr);
    else
      defineReal(expr);
  }
  /// A local holding `expr` (of C type `ctype`), for operands used twice.
  std::string temp(StringRef ctype, const std::string &expr) {
    std::string name = s.w.fresh("t");
    s.w.line("const " + ctype.str() + " " + name + " = " + expr + ";");
    return name;
  }

  LogicalResult emitFloatUnary();
  LogicalResult emitIntegerArith();
  LogicalResult emitFloatArith();
  void emitClip(ClipOp clip);
  void emitCast();
  void emitBatchNorm(BatchNormOp batchNorm);

  ElementScope &s;
  Operation *op;
  Compute compute;
};
} // namespace

/// The unsigned type integer arithmetic wraps in.
static std::string wrapType(Type type) {
  return storageBytes(type) == 8 ? "unsigned long long" : "unsigned";
}

LogicalResult ElementEmitter::emitFloatUnary() {
  auto unary = [&](StringRef fn) { defineReal((fn + "(" + real(0) + ")").str()); };
  std::string x = real(0);
  std::string zero = lit(0.0);
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ReluOp) {
        // x > 0 ? x : 0, so NaN becomes 0 as in the reference.
        std::string t = temp(F(), x);
        defineExact("(" + t + " > " + zero + " ? " + t + " : " + zero + ")");
        return success();
      })
      .Case([&](SigmoidOp) { return unary("kiln_sigmoid"), success(); })
      .Case([&](TanhOp) { return unary("tanh"), success(); })
      .Case([&](SiluOp) {
        std::string t = temp(F(), x);
        defineReal(rn("mul") + "(" + t + ", kiln_sigmoid(" + t + "))");
        return success();
      })
      .Case([&](GeluOp gelu) {
        unary(gelu.getApproximation() == GeluApproximation::tanh ? "kiln_gelu_tanh"
                                                                 : "kiln_gelu");
        return success();
      })
      .Case([&](HardSwishOp) {
        defineReal("kiln_hard_swish(" + real(0, Compute::Double) + ")", Compute::Double);
        return success();
      })
      .Case([&](HardSigmoidOp hard) {
        defineReal("kiln_hard_sigmoid(" + real(0, Compute::Double) + ", " +
                       floatLiteral(hard.getAlpha().convertToDouble(), Compute::Double) +
                       ", " +
                       floatLiteral(hard.getBeta().convertToDouble(), Compute::Double) +
                       ")",
                   Compute::Double);
        return success();
      })
      .Case([&](LeakyReluOp leaky) {
        std::string t = temp(F(), x);
        defineReal("(" + t + " < " + zero + " ? " + rn("mul") + "(" +
                   lit(leaky.getAlpha().convertToDouble()) + ", " + t + ") : " + t + ")");
        return success();
      })
      .Case([&](EluOp elu) {
        defineReal("kiln_elu(" + x + ", " + lit(elu.getAlpha().convertToDouble()) + ")");
        return success();
      })
      .Case([&](SoftplusOp) { return unary("kiln_softplus"), success(); })
      .Case([&](ExpOp) { return unary("exp"), success(); })
      .Case([&](LogOp) { return unary("log"), success(); })
      .Case([&](SqrtOp) { return unary("sqrt"), success(); })
      .Case([&](RsqrtOp) {
        // Correctly rounded in float; in double, the reference's two steps.
        defineReal(compute == Compute::Float ? "__frsqrt_rn(" + x + ")"
                                             : "__ddiv_rn(1.0, sqrt(" + x + "))");
        return success();
      })
      .Case([&](ErfOp) { return unary("erf"), success(); })
      .Case([&](ReciprocalOp) {
        defineReal(rn("div") + "(" + lit(1.0) + ", " + x + ")");
        return success();
      })
      .Case([&](SinOp) { return unary("sin"), success(); })
      .Case([&](CosOp) { return unary("cos"), success(); })
      .Case([&](AbsOp) { return defineExact("fabs(" + x + ")"), success(); })
      .Case([&](NegOp) { return defineExact("(-" + x + ")"), success(); })
      .Case([&](SignOp) { return defineExact("kiln_sign(" + x + ")"), success(); })
      .Case([&](FloorOp) { return defineExact("floor(" + x + ")"), success(); })
      .Case([&](CeilOp) { return defineExact("ceil(" + x + ")"), success(); })
      .Case([&](RoundOp) { return defineExact("rint(" + x + ")"), success(); })
      .Default([&](Operation *) { return failure(); });
}

LogicalResult ElementEmitter::emitFloatArith() {
  std::string a = real(0), b = op->getNumOperands() > 1 ? real(1) : "";
  auto call = [&](const std::string &fn) {
    defineReal(fn + "(" + a + ", " + b + ")");
    return success();
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp) { return call(rn("add")); })
      .Case([&](SubOp) { return call(rn("sub")); })
      .Case([&](MulOp) { return call(rn("mul")); })
      .Case([&](DivOp) { return call(rn("div")); })
      .Case([&](PowOp) { return call("pow"); })
      .Case([&](MaxOp) { return defineExact("kiln_nan_max(" + a + ", " + b + ")"), success(); })
      .Case([&](MinOp) { return defineExact("kiln_nan_min(" + a + ", " + b + ")"), success(); })
      .Case([&](ModOp) { return call("fmod"); })
      .Case([&](PReluOp) {
        std::string x = temp(F(), a);
        defineReal("(" + x + " < " + lit(0.0) + " ? " + rn("mul") + "(" + b + ", " + x +
                   ") : " + x + ")");
        return success();
      })
      .Default([&](Operation *) { return failure(); });
}

LogicalResult ElementEmitter::emitIntegerArith() {
  Type type = resultType();
  std::string ctype = storageType(type), wide = wrapType(type);
  std::string a = var(0), b = op->getNumOperands() > 1 ? var(1) : "";
  bool isSigned = !type.isUnsignedInteger();
  auto wrap = [&](const std::string &expr) { return "(" + ctype + ")(" + expr + ")"; };
  auto wrapped = [&](StringRef sign) {
    defineValue(wrap("(" + wide + ")" + a + " " + sign.str() + " (" + wide + ")" + b));
    return success();
  };
  std::string negate = wrap("0u - (" + wide + ")" + a);
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp) { return wrapped("+"); })
      .Case([&](SubOp) { return wrapped("-"); })
      .Case([&](MulOp) { return wrapped("*"); })
      .Case([&](DivOp) {
        // The reference rejects division by zero; the kernel gives 0.
        std::string quotient = wrap(a + " / " + b);
        if (isSigned)
          quotient = "(" + b + " == -1 ? " + negate + " : " + quotient + ")";
        defineValue("(" + b + " == 0 ? (" + ctype + ")0 : " + quotient + ")");
        return success();
      })
      .Case([&](ModOp mod) {
        defineValue(wrap("kiln_mod((long long)" + a + ", (long long)" + b + ", " +
                         (mod.getFmod() ? "true" : "false") + ")"));
        return success();
      })
      .Case([&](PowOp) {
        // As onnxruntime: the double power, converted to the integer type.
        defineReal("pow((double)" + a + ", (double)" + b + ")", Compute::Double);
        return success();
      })
      .Case([&](MaxOp) { return defineValue("kiln_max(" + a + ", " + b + ")"), success(); })
      .Case([&](MinOp) { return defineValue("kiln_min(" + a + ", " + b + ")"), success(); })
      .Case([&](PReluOp) {
        if (!isSigned) { // never negative: the slope is not needed
          s.w.line("(void)" + b + ";");
          return defineValue(a), success();
        }
        defineValue("(" + a + " < 0 ? " + wrap("(" + wide + ")" + b + " * (" + wide + ")" + a) +
                    " : " + a + ")");
        return success();
      })
      .Case([&](AbsOp) {
        defineValue(isSigned ? "(" + a + " < 0 ? " + negate + " : " + a + ")" : a);
        return success();
      })
      .Case([&](NegOp) { return defineValue(negate), success(); })
      .Case([&](SignOp) {
        defineValue(wrap(isSigned ? "(" + a + " > 0) - (" + a + " < 0)" : "(" + a + " > 0)"));
        return success();
      })
      .Default([&](Operation *) { return failure(); });
}

void ElementEmitter::emitClip(ClipOp clip) {
  Type type = resultType();
  std::string x = temp(valueType(type), var(0));
  std::string value = x;
  auto bound = [&](std::optional<APFloat> limit, bool isLow) -> std::string {
    if (!limit)
      return "";
    double v = limit->convertToDouble();
    if (auto integer = llvm::dyn_cast<IntegerType>(type)) {
      // The bound converted as a cast would (so -1 clips a ui8 at 255); an
      // unsigned lower bound of 0 clips nothing.
      int64_t converted = kiln::reference::truncateToInteger(integer, v);
      if (integer.isUnsigned() && converted == 0 && isLow)
        return "";
      return intLiteral(type, converted);
    }
    // Rounding is monotonic, so comparing with the rounded bound is
    // comparing with the bound, then rounding.
    return valueLiteral(type, v);
  };
  std::string low = bound(clip.getMin(), true), high = bound(clip.getMax(), false);
  // std::min(std::max(x, low), high), as the reference.
  if (!low.empty())
    value = temp(valueType(type), "(" + value + " < " + low + " ? " + low + " : " + value + ")");
  if (!high.empty())
    value = "(" + high + " < " + value + " ? " + high + " : " + value + ")";
  if (isFloat(type))
    value = "(isnan(" + x + ") ? " + x + " : " + value + ")";
  defineValue(value);
}

void ElementEmitter::emitCast() {
  Type from = elementOf(op->getOperand(0)), to = resultType();
  std::string x = var(0);
  if (isFloat(from)) {
    defineReal(x, from.isF64() ? Compute::Double : Compute::Float);
    return;
  }
  // From an integer or bool.
  if (auto integer = llvm::dyn_cast<IntegerType>(to)) {
    defineValue(integer.getWidth() == 1 ? "(" + x + " != 0)"
                                        : "(" + storageType(to) + ")" + x);
    return;
  }
  // Integer to float rounds once, to nearest even, from the 64-bit value.
  bool isUnsigned64 = from.isUnsignedInteger(64);
  std::string wide = isUnsigned64 ? "(unsigned long long)" : "(long long)";
  std::string prefix = isUnsigned64 ? "ull" : "ll";
  if (to.isF16())
    defineValue("__half2float(__" + prefix + "2half_rn(" + wide + x + "))");
  else if (to.isBF16())
    defineValue("__bfloat162float(__" + prefix + "2bfloat16_rn(" + wide + x + "))");
  else
    defineValue("(" + valueType(to) + ")(" + wide + x + ")");
}

void ElementEmitter::emitBatchNorm(BatchNormOp batchNorm) {
  // scale / sqrt(var + eps) and bias - mean * that, per element: the channel
  // parameters broadcast, so within a vector the compiler computes them once.
  std::string x = real(0), scale = real(1), bias = real(2), mean = real(3), variance = real(4);
  std::string epsilon = lit(batchNorm.getEpsilon().convertToDouble());
  std::string factor =
      temp(F(), rn("div") + "(" + scale + ", sqrt(" + variance + " + " + epsilon + "))");
  std::string shift = temp(F(), bias + " - " + mean + " * " + factor);
  defineReal(x + " * " + factor + " + " + shift);
}

LogicalResult ElementEmitter::emit() {
  if (auto batchNorm = llvm::dyn_cast<BatchNormOp>(op))
    return emitBatchNorm(batchNorm), success();
  if (auto clip = llvm::dyn_cast<ClipOp>(op))
    return emitClip(clip), success();
  if (llvm::isa<CastOp>(op))
    return emitCast(), success();
  if (llvm::isa<QuantizeOp>(op)) {
    Type from = elementOf(op->getOperand(0));
    defineReal(var(0), from.isF64() ? Compute::Double : Compute::Float);
    return success();
  }
  if (llvm::isa<DequantizeOp>(op))
    return defineReal(real(0, Compute::Double), Compute::Double), success();
  if (auto where = llvm::dyn_cast<WhereOp>(op))
    return defineValue("(" + var(0) + " ? " + var(1) + " : " + var(2) + ")"), success();

  // Comparisons and logic on values as they are (bool, integer, float).
  std::optional<StringRef> predicate =
      llvm::TypeSwitch<Operation *, std::optional<StringRef>>(op)
          .Case([](EqualOp) { return "=="; })
          .Case([](GreaterOp) { return ">"; })
          .Case([](GreaterEqualOp) { return ">="; })
          .Case([](LessOp) { return "<"; })
          .Case([](LessEqualOp) { return "<="; })
          .Case([](AndOp) { return "&&"; })
          .Case([](OrOp) { return "||"; })
          .Case([](XorOp) { return "!="; })
          .Default([](Operation *) { return std::nullopt; });
  if (predicate)
    return defineValue("(" + var(0) + " " + predicate->str() + " " + var(1) + ")"), success();
  if (llvm::isa<NotOp>(op))
    return defineValue("(!" + var(0) + ")"), success();

  Type type = elementOf(op->getOperand(0));
  if (llvm::isa<IntegerType>(type))
    return emitIntegerArith();
  if (op->getNumOperands() == 2)
    return emitFloatArith();
  return emitFloatUnary();
}

LogicalResult kiln::cuda::detail::emitElementOp(ElementScope &scope, Operation *op) {
  return ElementEmitter(scope, op).emit();
}

std::string kiln::cuda::detail::emitFusedCast(KernelWriter &w, Operation *cast,
                                              const std::string &value) {
  // Float casts read no coordinates (only per-axis quantized values do).
  ElementScope scope{w, {{cast->getOperand(0), value}}, [](Value, int64_t) { return "0"; }};
  LogicalResult emitted = emitElementOp(scope, cast);
  assert(succeeded(emitted) && "a float cast is an element op");
  (void)emitted;
  return scope.vars.lookup(cast->getResult(0));
}
