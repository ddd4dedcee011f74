//===- Int8FusedStepTest.cpp - the fused INT8 step against the interpreter ===//
//
// The fused INT8 convolution kiln-convert-nn-to-engine writes for an nn
// layer, evaluated on the CPU as cuDNN's graph computes it (runtime/src/
// ConvStep.cpp: f32 after the exact int32 sums, y = act(sum * scale + bias +
// z * z_scale) * post_scale, rounded half to even and saturated for an int8
// y), with the step's own weights and attributes, against the reference
// interpreter on the nn layer: relu and clip in the output's units, silu,
// sigmoid, tanh, gelu, leaky relu and elu in real units with post_scale
// (format 1.5), int8 and f16 outputs, with and without an int8 residual.
//
//===----------------------------------------------------------------------===//

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/reference/Interpreter.h"
#include "kiln/reference/Tensor.h"
#include "passes/Passes.h"
#include "passes/lowering/Int8Lowering.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

using namespace mlir;
using namespace kiln;
namespace ref = kiln::reference;

namespace {

constexpr int64_t kN = 2, kH = 5, kW = 5, kC = 8, kK = 8, kR = 3;

struct StepCase {
  const char *name;
  /// The nn activation as written after `activation` (empty: none).
  const char *activation;
  /// The result's element type: "!y" (int8, scale 0.0625) or "f16".
  const char *output;
  bool residual;
  /// What the lowering must write: the step's activation and post_scale.
  const char *stepActivation;
  float postScale;
};

std::string caseName(const testing::TestParamInfo<StepCase> &info) {
  return info.param.name;
}
void PrintTo(const StepCase &c, std::ostream *os) { *os << c.name; }

class Int8FusedLowering : public testing::Test {
protected:
  Int8FusedLowering() {
    context.loadDialect<nn::NNDialect, engine::EngineDialect, func::FuncDialect,
                        quant::QuantDialect>();
  }

  /// The nn module of one layer: a 3x3 conv, 8 to 8 channels, seeded int8
  /// weights quantized per channel and an i32 bias, an optional int8
  /// residual, the case's activation and output.
  std::string source(const StepCase &c) {
    std::mt19937 generator(7);
    std::uniform_int_distribution<int> weight(-127, 127), bias(-3000, 3000);
    // The filter as the hex of its bytes (a flat list would need nesting).
    std::string w = "\"0x", b;
    for (int64_t i = 0; i < kK * kR * kR * kC; ++i) {
      char hex[3];
      std::snprintf(hex, sizeof(hex), "%02X", static_cast<uint8_t>(weight(generator)));
      w += hex;
    }
    w += "\"";
    for (int64_t i = 0; i < kK; ++i)
      b += (i ? ", " : "") + std::to_string(bias(generator));
    std::string y = c.output;
    std::string quantY = "tensor<2x5x5x8x" + y + ">";
    std::string text = R"mlir(
!x = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32:0, {0.002, 0.003, 0.0025, 0.004, 0.0015, 0.0035, 0.002, 0.003}>
!b = !quant.uniform<i32:f32:0, {1.0e-4, 1.5e-4, 1.25e-4, 2.0e-4, 7.5e-5, 1.75e-4, 1.0e-4, 1.5e-4}>
!r = !quant.uniform<i8:f32, 0.04>
!y = !quant.uniform<i8:f32, 0.0625>
func.func @main(%x: tensor<2x5x5x8x!x> {kiln.name = "x"}, %r: tensor<2x5x5x8x!r> {kiln.name = "r"}) -> (Y {kiln.name = "y"}) {
  %w = nn.constant dense<WEIGHTS> : tensor<8x3x3x8xi8> as tensor<8x3x3x8x!w>
  %b = nn.constant dense<[BIASES]> : tensor<8xi32> as tensor<8x!b>
  %y = nn.conv %x, %w bias %b RESIDUAL strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_last ACTIVATION
       : (tensor<2x5x5x8x!x>, tensor<8x3x3x8x!w>, tensor<8x!b>RTYPE) -> Y
  return %y : Y
}
)mlir";
    auto replace = [&](const std::string &key, const std::string &value) {
      for (size_t at; (at = text.find(key)) != std::string::npos;)
        text.replace(at, key.size(), value);
    };
    replace("WEIGHTS", w);
    replace("BIASES", b);
    replace("RESIDUAL", c.residual ? "residual %r" : "");
    replace("RTYPE", c.residual ? ", tensor<2x5x5x8x!r>" : "");
    replace("ACTIVATION",
            *c.activation ? std::string("activation ") + c.activation : std::string());
    replace("Y", quantY);
    if (y == "f16") // a layer's quantized types express its float type
      for (const char *storage : {"<i8:", "<i32:"})
        replace(std::string(storage) + "f32", std::string(storage) + "f16");
    return text;
  }

  MLIRContext context;
};

class Int8FusedStep : public Int8FusedLowering,
                      public testing::WithParamInterface<StepCase> {};

/// The values of the engine.weight behind `buffer`.
std::vector<double> weightValues(Value buffer) {
  auto weight = buffer.getDefiningOp<engine::WeightOp>();
  EXPECT_TRUE(weight) << "not an engine.weight";
  if (!weight)
    return {};
  llvm::Expected<ref::Tensor> tensor = ref::Tensor::fromAttr(weight.getValue());
  EXPECT_TRUE(bool(tensor));
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return {};
  }
  return tensor->toReals();
}

// Tests that the step the lowering writes, computed as cuDNN's graph does,
// gives the reference interpreter's output: int8 outputs at most one step
// apart (f32 against double arithmetic) and almost all equal, f16 outputs to
// their rounding.
TEST_P(Int8FusedStep, MatchesTheInterpreter) {
  const StepCase &c = GetParam();
  std::string text = source(c);
  OwningOpRef<ModuleOp> reference = parseSourceString<ModuleOp>(text, &context);
  ASSERT_TRUE(reference);
  OwningOpRef<ModuleOp> lowered = parseSourceString<ModuleOp>(text, &context);
  PassManager pm(&context);
  pm.addPass(createConvertNNToEnginePass());
  ASSERT_TRUE(succeeded(pm.run(*lowered)));

  // One fused step, nothing after it.
  engine::ConvOp step;
  int64_t dispatches = 0;
  lowered->walk([&](Operation *op) {
    if (auto conv = dyn_cast<engine::ConvOp>(op))
      step = conv;
    dispatches += isa<engine::DispatchOp>(op);
  });
  ASSERT_TRUE(step);
  ASSERT_TRUE(step.getScale()) << "not fused";
  EXPECT_EQ(dispatches, 0);
  nn::ActivationAttr activation = step.getActivationAttr();
  EXPECT_EQ(activation ? nn::stringifyActivationKind(activation.getKind()).str() : "",
            c.stepActivation);
  float post = step.getPostScale().convertToFloat();
  EXPECT_EQ(post, c.postScale);
  std::vector<double> scale = weightValues(step.getScale()),
                      bias = weightValues(step.getBias());
  ASSERT_EQ(scale.size(), size_t(kK));
  ASSERT_EQ(bias.size(), size_t(kK));
  float zScale = step.getResidualScale().convertToFloat();

  // Seeded inputs: int8 data and residual over their whole range.
  auto function = *reference->getOps<func::FuncOp>().begin();
  Type xType = function.getArgumentTypes()[0], rType = function.getArgumentTypes()[1];
  std::mt19937 generator(11);
  std::uniform_int_distribution<int> data(-128, 127);
  std::vector<int64_t> x(kN * kH * kW * kC), r(kN * kH * kW * kK);
  for (int64_t &v : x)
    v = data(generator);
  for (int64_t &v : r)
    v = data(generator);
  auto element = [](Type type) { return cast<RankedTensorType>(type).getElementType(); };
  SmallVector<ref::Tensor> inputs = {ref::Tensor(element(xType), {kN, kH, kW, kC}, x),
                                     ref::Tensor(element(rType), {kN, kH, kW, kK}, r)};
  FailureOr<SmallVector<ref::Tensor>> outputs = ref::runFunction(function, inputs);
  ASSERT_TRUE(succeeded(outputs));
  std::vector<double> want = (*outputs)[0].toReals();
  bool int8Out = (*outputs)[0].isQuantized();
  double outScale = int8Out ? 0.0625 : 1.0;

  // The exact int32 sums of the step's own int8 filter: the interpreter's
  // float convolution of the stored integers (at most 72 x 128 x 127 in
  // magnitude, exact in f32).
  auto filter = step.getW().getDefiningOp<engine::WeightOp>();
  ASSERT_TRUE(filter);
  llvm::Expected<ref::Tensor> filterValues = ref::Tensor::fromAttr(filter.getValue());
  ASSERT_TRUE(bool(filterValues));
  ASSERT_EQ(filterValues->getNumElements(), kK * kR * kR * kC);
  OwningOpRef<ModuleOp> sumsModule = parseSourceString<ModuleOp>(R"mlir(
func.func @sums(%x: tensor<2x5x5x8xf32>, %w: tensor<8x3x3x8xf32>) -> tensor<2x5x5x8xf32> {
  %s = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<2x5x5x8xf32>, tensor<8x3x3x8xf32>) -> tensor<2x5x5x8xf32>
  return %s : tensor<2x5x5x8xf32>
}
)mlir",
                                                                 &context);
  ASSERT_TRUE(sumsModule);
  auto toReal = [](ArrayRef<int64_t> ints) {
    return std::vector<double>(ints.begin(), ints.end());
  };
  Type f32 = Float32Type::get(&context);
  SmallVector<ref::Tensor> sumInputs = {
      ref::Tensor(f32, {kN, kH, kW, kC}, toReal(x)),
      ref::Tensor(f32, {kK, kR, kR, kC}, toReal(filterValues->getInts()))};
  FailureOr<SmallVector<ref::Tensor>> sums =
      ref::runFunction(*sumsModule->getOps<func::FuncOp>().begin(), sumInputs);
  ASSERT_TRUE(succeeded(sums));

  int64_t exact = 0, total = 0;
  double worst = 0;
  for (int64_t at = 0; at < kN * kH * kW * kK; ++at) {
    int64_t k = at % kK;
    double sum = (*sums)[0].getFloats()[at];
    // The graph's order, in f32.
    float value = float(sum) * float(scale[k]) + float(bias[k]);
    if (c.residual)
      value += float(r[at]) * zScale;
    if (activation)
      value = static_cast<float>(activation.apply(value));
    value *= post;
    double got = value;
    if (int8Out)
      got = std::fmin(127.0, std::fmax(-128.0, std::nearbyint(value)));
    double expected = want[at] / outScale; // in output steps
    double diff = std::fabs(got - expected);
    if (!int8Out)
      diff /= 1e-3 * (1 + std::fabs(expected)); // f16's rounding
    worst = std::fmax(worst, diff);
    exact += diff == 0;
    ++total;
  }
  EXPECT_LE(worst, 1.0) << (int8Out ? "int8 outputs more than one step apart"
                                    : "f16 outputs off the interpreter's");
  if (int8Out) { // only values a hair from a rounding boundary may differ
    EXPECT_GE(exact, total * 95 / 100) << exact << " of " << total << " equal";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Activations, Int8FusedStep,
    testing::Values(
        // Today's graph: in the output's units, no post_scale.
        StepCase{"ReluInt8", "<relu>", "!y", true, "relu", 1.0f},
        StepCase{"ClipInt8", "<clip, min = 0.0, max = 6.0>", "!y", false, "clip", 1.0f},
        StepCase{"NoneInt8", "", "!y", false, "", 1.0f},
        // Real units, then 1 / 0.0625.
        StepCase{"SiluInt8", "<silu>", "!y", false, "silu", 16.0f},
        StepCase{"SiluResidualInt8", "<silu>", "!y", true, "silu", 16.0f},
        StepCase{"SigmoidInt8", "<sigmoid>", "!y", true, "sigmoid", 16.0f},
        StepCase{"TanhInt8", "<tanh>", "!y", false, "tanh", 16.0f},
        StepCase{"GeluInt8", "<gelu>", "!y", false, "gelu", 16.0f},
        StepCase{"LeakyReluInt8", "<leaky_relu, alpha = 0.1>", "!y", true, "leaky_relu",
                 16.0f},
        StepCase{"EluInt8", "<elu, alpha = 1.0>", "!y", false, "elu", 16.0f},
        // A float output has no post_scale.
        StepCase{"SiluHalf", "<silu>", "f16", true, "silu", 1.0f}),
    caseName);

// Tests the reasons whyNotFusedInt8Conv gives (kiln-compile --report prints
// them): none for the activations cuDNN's pointwise runs, with an int8 or a
// float output; hard swish and hard sigmoid keep the epilogue kernel and say
// why.
TEST_F(Int8FusedLowering, ReasonsForTheEpilogueKernel) {
  auto why = [&](const char *activation, const char *output) {
    StepCase c{"", activation, output, false, "", 1.0f};
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source(c), &context);
    EXPECT_TRUE(module);
    if (!module)
      return std::string("parse error");
    func::FuncOp function = *module->getOps<func::FuncOp>().begin();
    nn::ConvOp conv = *function.getOps<nn::ConvOp>().begin();
    return whyNotFusedInt8Conv(conv);
  };
  for (const char *activation :
       {"", "<relu>", "<clip, min = 0.0, max = 6.0>", "<silu>", "<sigmoid>", "<tanh>",
        "<gelu>", "<gelu_tanh>", "<leaky_relu, alpha = 0.01>", "<elu, alpha = 1.0>"}) {
    EXPECT_EQ(why(activation, "!y"), "") << activation;
    EXPECT_EQ(why(activation, "f16"), "") << activation;
  }
  EXPECT_EQ(why("<hard_swish>", "!y"),
            "activation hard_swish is not fused into cuDNN's int8 graph (its pointwise "
            "operations have none; relu, clip, leaky_relu, elu, sigmoid, tanh, gelu, "
            "gelu_tanh and silu are)");
  // 1 / 1e-40 overflows float: no multiply after the activation can hold it;
  // relu stays in output units and needs none.
  EXPECT_NE(why("<silu>", "!quant.uniform<i8:f32, 1.0e-40>")
                .find("has no finite float reciprocal"),
            std::string::npos);
  EXPECT_EQ(why("<relu>", "!quant.uniform<i8:f32, 1.0e-40>"), "");
  EXPECT_NE(why("<hard_sigmoid, alpha = 0.2, beta = 0.5>", "f16")
                .find("activation hard_sigmoid is not fused"),
            std::string::npos);
}

} // namespace
