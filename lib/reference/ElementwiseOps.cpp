//===- ElementwiseOps.cpp - reference kernels of pointwise ops ------------===//
//
// Unary and binary arithmetic, comparisons, logic, where, cast, quantize and
// dequantize, and nn.constant. Floats compute in double and round to the
// result type; integers compute in int64 and wrap to their width, as the C++
// arithmetic of onnxruntime's kernels does.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "dialects/nn/NNShapes.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

/// A float op applying `fn` to every element.
template <typename Fn>
static FailureOr<Tensor> unaryFloat(Operation *op, const Tensor &input, Fn fn) {
  std::vector<double> values(input.getFloats().begin(), input.getFloats().end());
  for (double &v : values)
    v = fn(v);
  return Tensor::fromReals(resultElementType(op), input.getShape(), values);
}

/// An op on floats or integers: `floatFn` on doubles, `intFn` on int64 with
/// the result wrapped to the element type.
template <typename FloatFn, typename IntFn>
static FailureOr<Tensor> unaryNumeric(Operation *op, const Tensor &input, FloatFn floatFn,
                                      IntFn intFn) {
  if (input.holdsFloats())
    return unaryFloat(op, input, floatFn);
  auto type = llvm::cast<IntegerType>(input.getElementType());
  std::vector<int64_t> values(input.getInts().begin(), input.getInts().end());
  for (int64_t &v : values)
    v = wrapToIntegerType(type, intFn(v));
  return Tensor(type, input.getShape(), std::move(values));
}

/// An activation op, computed by the same ActivationAttr::apply that fused
/// epilogues use, so a fusion pass cannot change the numerics.
template <typename OpT>
static FailureOr<Tensor> activation(OpT op, ArrayRef<Tensor> operands) {
  ActivationAttr attr = op.getAsActivation();
  return unaryFloat(op, operands[0], [&](double x) { return attr.apply(x); });
}

template <typename OpT, typename Fn>
static void addUnaryFloat(KernelTable &table, Fn fn) {
  table.add<OpT>([fn](OpT op, ArrayRef<Tensor> operands) {
    return unaryFloat(op, operands[0], fn);
  });
}

static double softplus(double x) {
  // log(1 + exp(x)) without overflowing exp for large x.
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

static FailureOr<Tensor> evalClip(ClipOp op, ArrayRef<Tensor> operands) {
  double low = op.getMin() ? op.getMin()->convertToDouble()
                           : -std::numeric_limits<double>::infinity();
  double high = op.getMax() ? op.getMax()->convertToDouble()
                            : std::numeric_limits<double>::infinity();
  if (operands[0].holdsFloats())
    return unaryFloat(op, operands[0], [&](double x) {
      return std::isnan(x) ? x : std::min(std::max(x, low), high);
    });
  // Integer bounds are the attribute values converted to the element type.
  auto type = llvm::cast<IntegerType>(operands[0].getElementType());
  int64_t lowInt = op.getMin() ? truncateToInteger(type, low) : INT64_MIN;
  int64_t highInt = op.getMax() ? truncateToInteger(type, high) : INT64_MAX;
  return unaryNumeric(
      op, operands[0], [](double x) { return x; },
      [&](int64_t x) { return std::min(std::max(x, lowInt), highInt); });
}

//===----------------------------------------------------------------------===//
// Binary, with numpy broadcasting
//===----------------------------------------------------------------------===//

/// The broadcast shape of `operands`, or an error on `op`.
static FailureOr<Shape> broadcastOperands(Operation *op, ArrayRef<Tensor> operands) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const Tensor &operand : operands)
    shapes.push_back(operand.getShape());
  FailureOr<Shape> shape = broadcastShapes(op->getLoc(), shapes);
  if (failed(shape))
    return op->emitOpError("operands do not broadcast");
  return shape;
}

/// An arithmetic op: `floatFn(a, b)` on real values (quantized operands are
/// dequantized and a quantized result requantized), `intFn(a, b)` on int64,
/// which may fail (integer division by zero).
template <typename FloatFn, typename IntFn>
static FailureOr<Tensor> binary(Operation *op, ArrayRef<Tensor> operands, FloatFn floatFn,
                                IntFn intFn) {
  FailureOr<Shape> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  std::vector<int64_t> lhsMap = broadcastIndexMap(operands[0].getShape(), *shape);
  std::vector<int64_t> rhsMap = broadcastIndexMap(operands[1].getShape(), *shape);
  Type resultType = resultElementType(op);
  const Tensor &lhs = operands[0], &rhs = operands[1];
  if (lhs.holdsFloats() || lhs.isQuantized() || rhs.isQuantized()) {
    std::vector<double> a = lhs.toReals(), b = rhs.toReals();
    std::vector<double> values(lhsMap.size());
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = floatFn(a[lhsMap[i]], b[rhsMap[i]]);
    return Tensor::fromReals(resultType, *shape, values);
  }
  std::vector<int64_t> values(lhsMap.size());
  ArrayRef<int64_t> a = lhs.getInts(), b = rhs.getInts();
  auto integer = llvm::cast<IntegerType>(resultType);
  for (size_t i = 0; i < values.size(); ++i) {
    std::optional<int64_t> value = intFn(a[lhsMap[i]], b[rhsMap[i]]);
    if (!value)
      return op->emitOpError("integer division by zero");
    values[i] = wrapToIntegerType(integer, *value);
  }
  return Tensor(resultType, *shape, std::move(values));
}

/// A comparison or logic op with an i1 result.
template <typename Fn>
static FailureOr<Tensor> predicate(Operation *op, ArrayRef<Tensor> operands, Fn fn) {
  FailureOr<Shape> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  std::vector<int64_t> lhsMap = broadcastIndexMap(operands[0].getShape(), *shape);
  std::vector<int64_t> rhsMap = broadcastIndexMap(operands[1].getShape(), *shape);
  std::vector<int64_t> values(lhsMap.size());
  if (operands[0].holdsFloats()) {
    ArrayRef<double> a = operands[0].getFloats(), b = operands[1].getFloats();
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = fn(a[lhsMap[i]], b[rhsMap[i]]);
  } else {
    // Integers compare as int64; uint64 beyond INT64_MAX is out of scope.
    ArrayRef<int64_t> a = operands[0].getInts(), b = operands[1].getInts();
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = fn(a[lhsMap[i]], b[rhsMap[i]]);
  }
  return Tensor(resultElementType(op), *shape, std::move(values));
}

template <typename OpT, typename Fn> static void addPredicate(KernelTable &table, Fn fn) {
  table.add<OpT>([fn](OpT op, ArrayRef<Tensor> operands) {
    return predicate(op, operands, [&](auto a, auto b) { return fn(a, b); });
  });
}

/// Wrapping int64 arithmetic (signed overflow is undefined in C++).
static int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
static int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
static int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

/// NaN-propagating max and min, as ONNX Max/Min specify since opset 12 (and
/// onnxruntime implements).
static double maxPropagatingNaN(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN()
                                        : std::max(a, b);
}
static double minPropagatingNaN(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN()
                                        : std::min(a, b);
}

static FailureOr<Tensor> evalMod(ModOp op, ArrayRef<Tensor> operands) {
  bool fmod = op.getFmod();
  return binary(
      op, operands, [](double a, double b) { return std::fmod(a, b); },
      [fmod](int64_t a, int64_t b) -> std::optional<int64_t> {
        if (b == 0)
          return std::nullopt;
        if (b == -1)
          return 0;        // INT64_MIN % -1 traps on x86; the remainder is 0.
        int64_t r = a % b; // C's remainder: the sign of the dividend
        if (!fmod && r != 0 && ((r < 0) != (b < 0)))
          r += b; // Python's: the sign of the divisor
        return r;
      });
}

static FailureOr<Tensor> evalPow(PowOp op, ArrayRef<Tensor> operands) {
  // onnxruntime computes integer Pow as static_cast<T>(std::pow(x, y)).
  if (!operands[0].holdsFloats()) {
    FailureOr<Shape> shape = broadcastOperands(op, operands);
    if (failed(shape))
      return failure();
    std::vector<double> a = operands[0].toReals(), b = operands[1].toReals();
    std::vector<int64_t> lhsMap = broadcastIndexMap(operands[0].getShape(), *shape);
    std::vector<int64_t> rhsMap = broadcastIndexMap(operands[1].getShape(), *shape);
    std::vector<double> values(lhsMap.size());
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = std::pow(a[lhsMap[i]], b[rhsMap[i]]);
    return Tensor::fromReals(resultElementType(op), *shape, values);
  }
  return binary(
      op, operands, [](double a, double b) { return std::pow(a, b); },
      [](int64_t, int64_t) -> std::optional<int64_t> { return 0; });
}

static FailureOr<Tensor> evalWhere(WhereOp op, ArrayRef<Tensor> operands) {
  FailureOr<Shape> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  std::vector<int64_t> conditionMap = broadcastIndexMap(operands[0].getShape(), *shape);
  std::vector<int64_t> xMap = broadcastIndexMap(operands[1].getShape(), *shape);
  std::vector<int64_t> yMap = broadcastIndexMap(operands[2].getShape(), *shape);
  ArrayRef<int64_t> condition = operands[0].getInts();
  const Tensor &x = operands[1], &y = operands[2];
  Type type = resultElementType(op);
  if (x.holdsFloats()) {
    std::vector<double> values(conditionMap.size());
    for (size_t i = 0; i < values.size(); ++i)
      values[i] =
          condition[conditionMap[i]] ? x.getFloats()[xMap[i]] : y.getFloats()[yMap[i]];
    return Tensor(type, *shape, std::move(values));
  }
  std::vector<int64_t> values(conditionMap.size());
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = condition[conditionMap[i]] ? x.getInts()[xMap[i]] : y.getInts()[yMap[i]];
  return Tensor(type, *shape, std::move(values));
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

static FailureOr<Tensor> evalCast(CastOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  Type type = resultElementType(op);
  if (input.holdsFloats())
    return Tensor::fromReals(type, input.getShape(), input.getFloats());
  auto source = llvm::cast<IntegerType>(input.getElementType());
  if (auto integer = llvm::dyn_cast<IntegerType>(type)) {
    std::vector<int64_t> values(input.getInts().begin(), input.getInts().end());
    for (int64_t &v : values)
      v = wrapToIntegerType(integer, v);
    return Tensor(type, input.getShape(), std::move(values));
  }
  // Integer to float rounds once, to nearest even, even beyond 2^53.
  auto floatType = llvm::cast<FloatType>(type);
  std::vector<double> values;
  values.reserve(input.getNumElements());
  for (int64_t v : input.getInts()) {
    llvm::APFloat value(floatType.getFloatSemantics());
    value.convertFromAPInt(llvm::APInt(64, static_cast<uint64_t>(v), /*isSigned=*/true),
                           /*IsSigned=*/!source.isUnsigned() || source.getWidth() < 64,
                           llvm::APFloat::rmNearestTiesToEven);
    values.push_back(value.convertToDouble());
  }
  return Tensor(type, input.getShape(), std::move(values));
}

static FailureOr<Tensor> evalQuantize(QuantizeOp op, ArrayRef<Tensor> operands) {
  return Tensor::fromReals(resultElementType(op), operands[0].getShape(),
                           operands[0].getFloats());
}

static FailureOr<Tensor> evalDequantize(DequantizeOp op, ArrayRef<Tensor> operands) {
  return Tensor::fromReals(resultElementType(op), operands[0].getShape(),
                           operands[0].toReals());
}

static FailureOr<Tensor> evalConstant(ConstantOp op, ArrayRef<Tensor>) {
  llvm::Expected<Tensor> tensor = Tensor::fromAttr(op.getValue(), op.getType());
  if (!tensor)
    return op.emitOpError() << llvm::toString(tensor.takeError());
  return std::move(*tensor);
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void kiln::reference::detail::registerElementwiseKernels(KernelTable &table) {
  table.add<ReluOp>(activation<ReluOp>);
  table.add<SigmoidOp>(activation<SigmoidOp>);
  table.add<TanhOp>(activation<TanhOp>);
  table.add<SiluOp>(activation<SiluOp>);
  table.add<HardSwishOp>(activation<HardSwishOp>);
  table.add<GeluOp>(activation<GeluOp>);
  table.add<LeakyReluOp>(activation<LeakyReluOp>);
  table.add<EluOp>(activation<EluOp>);
  table.add<HardSigmoidOp>(activation<HardSigmoidOp>);

  addUnaryFloat<SoftplusOp>(table, softplus);
  addUnaryFloat<ExpOp>(table, [](double x) { return std::exp(x); });
  addUnaryFloat<LogOp>(table, [](double x) { return std::log(x); });
  addUnaryFloat<SqrtOp>(table, [](double x) { return std::sqrt(x); });
  addUnaryFloat<RsqrtOp>(table, [](double x) { return 1.0 / std::sqrt(x); });
  addUnaryFloat<ErfOp>(table, [](double x) { return std::erf(x); });
  addUnaryFloat<ReciprocalOp>(table, [](double x) { return 1.0 / x; });
  addUnaryFloat<FloorOp>(table, [](double x) { return std::floor(x); });
  addUnaryFloat<CeilOp>(table, [](double x) { return std::ceil(x); });
  addUnaryFloat<RoundOp>(table, roundHalfToEven);
  addUnaryFloat<SinOp>(table, [](double x) { return std::sin(x); });
  addUnaryFloat<CosOp>(table, [](double x) { return std::cos(x); });

  table.add<AbsOp>([](AbsOp op, ArrayRef<Tensor> operands) {
    return unaryNumeric(
        op, operands[0], [](double x) { return std::fabs(x); },
        [](int64_t x) { return x < 0 ? wrapSub(0, x) : x; });
  });
  table.add<NegOp>([](NegOp op, ArrayRef<Tensor> operands) {
    return unaryNumeric(
        op, operands[0], [](double x) { return -x; },
        [](int64_t x) { return wrapSub(0, x); });
  });
  table.add<SignOp>([](SignOp op, ArrayRef<Tensor> operands) {
    auto sign = [](auto x) -> decltype(x) { return (x > 0) - (x < 0); };
    return unaryNumeric(
        op, operands[0], [&](double x) { return std::isnan(x) ? x : sign(x); },
        [&](int64_t x) { return sign(x); });
  });
  table.add<NotOp>([](NotOp op, ArrayRef<Tensor> operands) {
    return unaryNumeric(
        op, operands[0], [](double x) { return x; },
        [](int64_t x) -> int64_t { return !x; });
  });
  table.add<ClipOp>(evalClip);

  auto noDivision = [](auto fn) {
    return [fn](int64_t a, int64_t b) -> std::optional<int64_t> { return fn(a, b); };
  };
  table.add<AddOp>([=](AddOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, std::plus<double>(), noDivision(wrapAdd));
  });
  table.add<SubOp>([=](SubOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, std::minus<double>(), noDivision(wrapSub));
  });
  table.add<MulOp>([=](MulOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, std::multiplies<double>(), noDivision(wrapMul));
  });
  table.add<DivOp>([](DivOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, std::divides<double>(),
                  [](int64_t a, int64_t b) -> std::optional<int64_t> {
                    if (b == 0)
                      return std::nullopt;
                    return b == -1 ? wrapSub(0, a) : a / b; // truncates toward zero
                  });
  });
  table.add<PowOp>(evalPow);
  table.add<MaxOp>([=](MaxOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, maxPropagatingNaN,
                  noDivision([](int64_t a, int64_t b) { return std::max(a, b); }));
  });
  table.add<MinOp>([=](MinOp op, ArrayRef<Tensor> operands) {
    return binary(op, operands, minPropagatingNaN,
                  noDivision([](int64_t a, int64_t b) { return std::min(a, b); }));
  });
  table.add<PReluOp>([=](PReluOp op, ArrayRef<Tensor> operands) {
    return binary(
        op, operands, [](double x, double slope) { return x < 0 ? slope * x : x; },
        noDivision(
            [](int64_t x, int64_t slope) { return x < 0 ? wrapMul(slope, x) : x; }));
  });
  table.add<ModOp>(evalMod);

  addPredicate<EqualOp>(table, [](auto a, auto b) { return a == b; });
  addPredicate<GreaterOp>(table, [](auto a, auto b) { return a > b; });
  addPredicate<GreaterEqualOp>(table, [](auto a, auto b) { return a >= b; });
  addPredicate<LessOp>(table, [](auto a, auto b) { return a < b; });
  addPredicate<LessEqualOp>(table, [](auto a, auto b) { return a <= b; });
  addPredicate<AndOp>(table, [](auto a, auto b) { return a && b; });
  addPredicate<OrOp>(table, [](auto a, auto b) { return a || b; });
  addPredicate<XorOp>(table, [](auto a, auto b) { return (a != 0) != (b != 0); });
  table.add<WhereOp>(evalWhere);

  table.add<CastOp>(evalCast);
  table.add<QuantizeOp>(evalQuantize);
  table.add<DequantizeOp>(evalDequantize);
  table.add<ConstantOp>(evalConstant);
}
