//===- ReferenceOpsTest.cpp - reference kernels on hand-computed cases -----===//
//
// Small tensors whose expected values are worked out by hand (in comments),
// for the semantics that are easiest to get subtly wrong. The lit tests in
// test/reference cross-check the same kernels against numpy and onnxruntime.
//
//===----------------------------------------------------------------------===//

#include "kiln/reference/Interpreter.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir;
using namespace kiln::reference;

namespace {

class ReferenceOpsTest : public ::testing::Test {
protected:
  ReferenceOpsTest() {
    context.loadDialect<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  }

  /// Runs @f of `source` on `inputs`; fails the test on an error.
  SmallVector<Tensor> run(StringRef source, ArrayRef<Tensor> inputs) {
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "cannot parse:\n" << source.str();
    if (!module)
      return {};
    auto function = module->lookupSymbol<func::FuncOp>("f");
    FailureOr<SmallVector<Tensor>> results = runFunction(function, inputs);
    EXPECT_TRUE(succeeded(results));
    return succeeded(results) ? *results : SmallVector<Tensor>();
  }

  /// The message runFunction reports for `source` on `inputs`.
  std::string error(StringRef source, ArrayRef<Tensor> inputs) {
    module = parseSourceString<ModuleOp>(source, &context);
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
      message = d.str();
      return success();
    });
    auto function = module->lookupSymbol<func::FuncOp>("f");
    EXPECT_TRUE(failed(runFunction(function, inputs)));
    return message;
  }

  Tensor f32(ArrayRef<int64_t> shape, std::vector<double> values) {
    return Tensor(Float32Type::get(&context), shape, std::move(values));
  }
  Tensor i64(ArrayRef<int64_t> shape, std::vector<int64_t> values) {
    return Tensor(IntegerType::get(&context, 64), shape, std::move(values));
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ReferenceOpsTest, ConvWithPaddingStrideAndEpilogue) {
  // 3×3 input 1..9, 2×2 ones filter, pad 1 begin only, stride 2: windows at
  // (-1,-1), (-1,1), (1,-1), (1,1) sum {1}, {2,3}, {4,7}, {5,6,8,9};
  // then + bias 1, + residual, relu.
  auto results = run(R"mlir(
    func.func @f(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x2x2xf32>, %b: tensor<1xf32>,
                 %r: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
      %y = nn.conv %x, %w bias %b residual %r strides [2, 2] pads [1, 1, 0, 0]
             dilations [1, 1] activation <relu>
           : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1x1x2x2xf32>)
             -> tensor<1x1x2x2xf32>
      return %y : tensor<1x1x2x2xf32>
    })mlir",
                     {f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                      f32({1, 1, 2, 2}, {1, 1, 1, 1}), f32({1}, {1}),
                      f32({1, 1, 2, 2}, {0, 0, -20, -40})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{2, 6, 0, 0}));
}

TEST_F(ReferenceOpsTest, ConvTransposeScatters) {
  // x = [1, 2], w = [1, 10, 100], stride 2: outputs 0..4 receive
  // 1·w at 0..2 and 2·w at 2..4: [1, 10, 102, 20, 200]; output_padding 1
  // appends a 0, pads [1, 0] drop the first.
  auto results = run(R"mlir(
    func.func @f(%x: tensor<1x1x2xf32>, %w: tensor<1x1x3xf32>) -> tensor<1x1x5xf32> {
      %y = nn.conv_transpose %x, %w strides [2] pads [1, 0] dilations [1]
             output_padding [1]
           : (tensor<1x1x2xf32>, tensor<1x1x3xf32>) -> tensor<1x1x5xf32>
      return %y : tensor<1x1x5xf32>
    })mlir",
                     {f32({1, 1, 2}, {1, 2}), f32({1, 1, 3}, {1, 10, 100})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{10, 102, 20, 200, 0}));
}

TEST_F(ReferenceOpsTest, AveragePoolDivisors) {
  // 1×4 row [1, 2, 3, 4], kernel 3, stride 2, pads [1, 1], ceil_mode: outputs
  // start at -1, 1, 3 (the last one starts inside the input). Without
  // count_include_pad: {1,2}/2, {2,3,4}/3, {4}/1. With it, the divisor counts
  // positions up to the end padding: 3, 3, 2 (window [3, 5) clipped at 5).
  StringRef source = R"mlir(
    func.func @f(%x: tensor<1x1x4xf32>) -> (tensor<1x1x3xf32>, tensor<1x1x3xf32>) {
      %a = nn.pool avg %x kernel [3] strides [2] pads [1, 1] dilations [1] ceil_mode
           : (tensor<1x1x4xf32>) -> tensor<1x1x3xf32>
      %b = nn.pool avg %x kernel [3] strides [2] pads [1, 1] dilations [1] ceil_mode
             count_include_pad : (tensor<1x1x4xf32>) -> tensor<1x1x3xf32>
      return %a, %b : tensor<1x1x3xf32>, tensor<1x1x3xf32>
    })mlir";
  auto results = run(source, {f32({1, 1, 4}, {1, 2, 3, 4})});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{1.5, 3, 4}));
  EXPECT_EQ(results[1].getFloats(), (ArrayRef<double>{1, 3, 2}));
}

TEST_F(ReferenceOpsTest, ResizeNearestAndLinear) {
  // [1, 2] to 4 with half_pixel: input coordinates -0.25, 0.25, 0.75, 1.25.
  // round_prefer_ceil rounds them to 0, 0, 1, 1; linear clamps them to
  // 0, 0.25, 0.75, 1 and interpolates.
  auto results = run(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
      %n = nn.resize %x mode nearest nearest_mode round_prefer_ceil
           : tensor<2xf32> to tensor<4xf32>
      %l = nn.resize %x mode linear : tensor<2xf32> to tensor<4xf32>
      return %n, %l : tensor<4xf32>, tensor<4xf32>
    })mlir",
                     {f32({2}, {1, 2})});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{1, 1, 2, 2}));
  EXPECT_EQ(results[1].getFloats(), (ArrayRef<double>{1, 1.25, 1.75, 2}));
}

TEST_F(ReferenceOpsTest, ResizeCubicExcludeOutside) {
  // [0, 0, 1, 0] to 2 with asymmetric coordinates: x = 0 and 2, both integral,
  // so the cubic taps (a = -0.5) weigh only the center: [0, 1].
  auto results = run(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<2xf32> {
      %y = nn.resize %x mode cubic coordinate_transform asymmetric cubic_coeff_a -0.5
             exclude_outside : tensor<4xf32> to tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir",
                     {f32({4}, {0, 0, 1, 0})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{0, 1}));
}

TEST_F(ReferenceOpsTest, ArgAndTopKTies) {
  // [3, 1, 3, 2]: arg_max 0 (first) or 2 (last); top 3 = 3@0, 3@2, 2@3.
  auto results = run(R"mlir(
    func.func @f(%x: tensor<4xf32>)
        -> (tensor<i64>, tensor<i64>, tensor<3xf32>, tensor<3xi64>) {
      %a = nn.arg_max %x axis 0 : tensor<4xf32>
      %b = nn.arg_max %x axis 0 select_last_index : tensor<4xf32>
      %v, %i = nn.top_k %x k 3 axis 0 : tensor<4xf32>
      return %a, %b, %v, %i : tensor<i64>, tensor<i64>, tensor<3xf32>, tensor<3xi64>
    })mlir",
                     {f32({4}, {3, 1, 3, 2})});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].getInts()[0], 0);
  EXPECT_EQ(results[1].getInts()[0], 2);
  EXPECT_EQ(results[2].getFloats(), (ArrayRef<double>{3, 3, 2}));
  EXPECT_EQ(results[3].getInts(), (ArrayRef<int64_t>{0, 2, 3}));
}

TEST_F(ReferenceOpsTest, LrnEvenSize) {
  // Channels [1, 2, 3], size 2: windows [c, c + 1] → squares 5, 13, 9;
  // y = x / (1 + 1/2 · sum)^1.
  auto results = run(R"mlir(
    func.func @f(%x: tensor<1x3x1xf32>) -> tensor<1x3x1xf32> {
      %y = nn.lrn %x size 2 alpha 1.0 beta 1.0 bias 1.0 : tensor<1x3x1xf32>
      return %y : tensor<1x3x1xf32>
    })mlir",
                     {f32({1, 3, 1}, {1, 2, 3})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FLOAT_EQ(results[0].getFloats()[0], 1 / 3.5);
  EXPECT_FLOAT_EQ(results[0].getFloats()[1], 2 / 7.5);
  EXPECT_FLOAT_EQ(results[0].getFloats()[2], 3 / 5.5);
}

TEST_F(ReferenceOpsTest, CumSumExclusiveReverse) {
  auto results = run(R"mlir(
    func.func @f(%x: tensor<3xi64>) -> tensor<3xi64> {
      %y = nn.cumsum %x axis 0 exclusive reverse : tensor<3xi64>
      return %y : tensor<3xi64>
    })mlir",
                     {i64({3}, {1, 2, 3})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getInts(), (ArrayRef<int64_t>{5, 3, 0}));
}

TEST_F(ReferenceOpsTest, PadReflectAfterCropping) {
  // [1, 2, 3, 4] with pads [-1, 2]: crop to [2, 3, 4], then mirror the end:
  // [2, 3, 4, 3, 2].
  auto results = run(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<5xf32> {
      %y = nn.pad %x pads [-1, 2] mode reflect : tensor<4xf32>
      return %y : tensor<5xf32>
    })mlir",
                     {f32({4}, {1, 2, 3, 4})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{2, 3, 4, 3, 2}));
}

TEST_F(ReferenceOpsTest, SliceWithNegativeStepAndGatherNegativeIndex) {
  auto results = run(R"mlir(
    func.func @f(%x: tensor<5xf32>, %i: tensor<2xi64>) -> (tensor<3xf32>, tensor<2xf32>) {
      %s = nn.slice %x starts [4] ends [-1] steps [-2] : tensor<5xf32>
      %g = nn.gather %x, %i axis 0 : tensor<5xf32>, tensor<2xi64>
      return %s, %g : tensor<3xf32>, tensor<2xf32>
    })mlir",
                     {f32({5}, {10, 11, 12, 13, 14}), i64({2}, {-1, -5})});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].getFloats(), (ArrayRef<double>{14, 12, 10}));
  EXPECT_EQ(results[1].getFloats(), (ArrayRef<double>{14, 10}));
}

TEST_F(ReferenceOpsTest, LayerNormAndStableSoftmax) {
  // [1, 2, 3]: mean 2, variance 2/3; softmax of [1000, 1000] is [0.5, 0.5].
  auto results = run(R"mlir(
    func.func @f(%x: tensor<3xf32>, %g: tensor<3xf32>, %y: tensor<2xf32>)
        -> (tensor<3xf32>, tensor<2xf32>) {
      %n = nn.layer_norm %x, %g axis 0 epsilon 0.0 : tensor<3xf32>, tensor<3xf32>
      %s = nn.softmax %y axis 0 : tensor<2xf32>
      return %n, %s : tensor<3xf32>, tensor<2xf32>
    })mlir",
                     {f32({3}, {1, 2, 3}), f32({3}, {1, 1, 2}), f32({2}, {1000, 1000})});
  ASSERT_EQ(results.size(), 2u);
  double d = 1 / std::sqrt(2.0 / 3.0);
  EXPECT_FLOAT_EQ(results[0].getFloats()[0], -d);
  EXPECT_FLOAT_EQ(results[0].getFloats()[1], 0);
  EXPECT_FLOAT_EQ(results[0].getFloats()[2], 2 * d);
  EXPECT_EQ(results[1].getFloats(), (ArrayRef<double>{0.5, 0.5}));
}

TEST_F(ReferenceOpsTest, QuantizedGemmRequantizes) {
  // A = [2, 4] (u8 storage, scale 0.5, zero point 2 → reals [0, 1]),
  // B = [[4], [6]] (i8, scale 0.25 → [[1], [1.5]]): A·B = 1.5, bias 0.25,
  // result scale 0.5 → 1.75 / 0.5 = 3.5 → 4 (ties to even).
  auto results = run(R"mlir(
    func.func @f(%a: tensor<1x2x!quant.uniform<u8:f32, 0.5:2>>,
                 %b: tensor<2x1x!quant.uniform<i8:f32, 0.25>>, %c: tensor<1xf32>)
        -> tensor<1x1x!quant.uniform<i8:f32, 0.5>> {
      %y = nn.gemm %a, %b bias %c
           : (tensor<1x2x!quant.uniform<u8:f32, 0.5:2>>,
              tensor<2x1x!quant.uniform<i8:f32, 0.25>>, tensor<1xf32>)
             -> tensor<1x1x!quant.uniform<i8:f32, 0.5>>
      return %y : tensor<1x1x!quant.uniform<i8:f32, 0.5>>
    })mlir",
                     {Tensor(parseType("!quant.uniform<u8:f32, 0.5:2>", &context), {1, 2},
                             std::vector<int64_t>{2, 4}),
                      Tensor(parseType("!quant.uniform<i8:f32, 0.25>", &context), {2, 1},
                             std::vector<int64_t>{4, 6}),
                      f32({1}, {0.25})});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].getInts()[0], 4);
}

TEST_F(ReferenceOpsTest, CastsAndModSemantics) {
  auto results =
      run(R"mlir(
    func.func @f(%x: tensor<4xf32>, %a: tensor<2xi64>, %b: tensor<2xi64>)
        -> (tensor<4xi8>, tensor<4xi1>, tensor<2xi64>, tensor<2xi64>) {
      %i = nn.cast %x : tensor<4xf32> to tensor<4xi8>
      %t = nn.cast %x : tensor<4xf32> to tensor<4xi1>
      %p = nn.mod %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
      %f = nn.mod %a, %b fmod : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
      return %i, %t, %p, %f : tensor<4xi8>, tensor<4xi1>, tensor<2xi64>, tensor<2xi64>
    })mlir",
          {f32({4}, {-1.9, 0.0, 0.4, 130.0}), i64({2}, {-7, 7}), i64({2}, {3, -3})});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].getInts(), (ArrayRef<int64_t>{-1, 0, 0, -126}));
  EXPECT_EQ(results[1].getInts(), (ArrayRef<int64_t>{1, 0, 1, 1}));
  EXPECT_EQ(results[2].getInts(), (ArrayRef<int64_t>{2, -2}));
  EXPECT_EQ(results[3].getInts(), (ArrayRef<int64_t>{-1, 1}));
}

TEST_F(ReferenceOpsTest, EvaluateSingleOpsForFolding) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = nn.exp %x : tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir",
                                       &context);
  ASSERT_TRUE(module);
  Operation *exp = nullptr;
  module->walk([&](kiln::nn::ExpOp op) { exp = op; });
  ASSERT_TRUE(exp);
  EXPECT_TRUE(canEvaluate(exp));
  FailureOr<SmallVector<Tensor>> results = evaluate(exp, {f32({2}, {0, 1})});
  ASSERT_TRUE(succeeded(results));
  EXPECT_EQ((*results)[0].getFloats()[0], 1.0);
  EXPECT_EQ((*results)[0].getFloats()[1], static_cast<double>(std::exp(1.0f)));
  // An operand that does not match the op is an error, not a crash.
  ScopedDiagnosticHandler silence(&context, [](Diagnostic &) { return success(); });
  EXPECT_TRUE(failed(evaluate(exp, {f32({3}, {0, 1, 2})})));
  EXPECT_TRUE(failed(evaluate(exp, {})));
}

TEST_F(ReferenceOpsTest, ReportsUnsupportedOpsAndBadInputs) {
  StringRef indirect = R"mlir(
    func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> {
      return %x : tensor<2xf32>
    }
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %g = func.constant @g : (tensor<2xf32>) -> tensor<2xf32>
      %y = func.call_indirect %g(%x) : (tensor<2xf32>) -> tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir";
  EXPECT_EQ(error(indirect, {f32({2}, {1, 2})}),
            "'func.constant' op is not supported by the reference interpreter");
  EXPECT_EQ(error(indirect, {}), "'func.func' op takes 1 arguments but got 0 inputs");
  EXPECT_EQ(error(indirect, {i64({2}, {1, 2})}),
            "'func.func' op argument #0 is 'tensor<2xf32>' but the input is a "
            "'tensor<2xi64>'");
}

} // namespace
