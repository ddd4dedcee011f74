//===- NNDialectTest.cpp - C++ API of the nn dialect ----------------------===//
//
// What passes will call and lit cannot see: builders that infer result types,
// the interfaces, activation numerics and the shape helpers.
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir;
using namespace kiln::nn;

namespace {

class NNDialectTest : public ::testing::Test {
protected:
  NNDialectTest() : builder(&context) {
    context.loadDialect<NNDialect, func::FuncDialect>();
  }

  /// Parses `source` into a module and returns the first op of type OpT.
  template <typename OpT> OpT parseFirst(StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return {};
    OpT found;
    module->walk([&](OpT op) {
      if (!found)
        found = op;
    });
    return found;
  }

  Value argument(ArrayRef<int64_t> shape, Type element = {}) {
    if (!element)
      element = builder.getF32Type();
    auto type = RankedTensorType::get(shape, element);
    Block *block = new Block();
    holder.emplace_back(block);
    return block->addArgument(type, builder.getUnknownLoc());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  std::vector<std::unique_ptr<Block>> holder;
};

TEST_F(NNDialectTest, ConvBuilderInfersResultType) {
  Location loc = builder.getUnknownLoc();
  OwningOpRef<ModuleOp> scope = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(scope->getBody());
  Value x = argument({1, 3, 224, 224}), w = argument({64, 3, 7, 7});
  auto conv = ConvOp::create(builder, loc, x, w, /*bias=*/Value(), /*residual=*/Value(),
                             builder.getDenseI64ArrayAttr({2, 2}),
                             builder.getDenseI64ArrayAttr({3, 3, 3, 3}),
                             builder.getDenseI64ArrayAttr({1, 1}),
                             /*groups=*/1, Layout::channels_first,
                             /*activation=*/ActivationAttr());
  EXPECT_EQ(conv.getType(),
            RankedTensorType::get({1, 64, 112, 112}, builder.getF32Type()));
}

TEST_F(NNDialectTest, MatmulBuilderFollowsNumpyPromotion) {
  Location loc = builder.getUnknownLoc();
  OwningOpRef<ModuleOp> scope = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(scope->getBody());
  auto matmul = MatmulOp::create(builder, loc, argument({8, 1, 4, 5}), argument({5, 3}),
                                 Value(), Value(), ActivationAttr());
  EXPECT_EQ(matmul.getType().getShape(), ArrayRef<int64_t>({8, 1, 4, 3}));
  auto vector = MatmulOp::create(builder, loc, argument({5}), argument({2, 5, 7}),
                                 Value(), Value(), ActivationAttr());
  EXPECT_EQ(vector.getType().getShape(), ArrayRef<int64_t>({2, 7}));
}

TEST_F(NNDialectTest, InterfacesAnswerForPoolKinds) {
  auto pool = parseFirst<PoolOp>(R"mlir(
    func.func @f(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
      %y = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
           : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
      return %y : tensor<1x8x4x4xf32>
    })mlir");
  ASSERT_TRUE(pool);
  auto quantizable = llvm::dyn_cast<QuantizableOpInterface>(pool.getOperation());
  auto commuting = llvm::dyn_cast<QuantCommutingOpInterface>(pool.getOperation());
  ASSERT_TRUE(quantizable && commuting);
  EXPECT_TRUE(quantizable.isQuantizable());
  EXPECT_FALSE(commuting.commutesWithQuantization());
  pool.setKind(PoolKind::max);
  EXPECT_FALSE(quantizable.isQuantizable());
  EXPECT_TRUE(commuting.commutesWithQuantization());
}

TEST_F(NNDialectTest, LayoutInterfaceFindsTheChannelAxis) {
  auto conv = parseFirst<ConvOp>(R"mlir(
    func.func @f(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32> {
      %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
           layout channels_last
           : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
      return %y : tensor<1x6x6x4xf32>
    })mlir");
  ASSERT_TRUE(conv);
  auto sensitive = llvm::cast<LayoutSensitiveOpInterface>(conv.getOperation());
  EXPECT_EQ(sensitive.getDataLayout(), Layout::channels_last);
  EXPECT_EQ(sensitive.getChannelAxis(4), 3);
}

TEST_F(NNDialectTest, ActivationsConvertToEpilogues) {
  auto op = parseFirst<LeakyReluOp>(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %y = nn.leaky_relu %x alpha 2.500000e-01 : tensor<4xf32>
      return %y : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(op);
  ActivationAttr activation =
      llvm::cast<PointwiseOpInterface>(op.getOperation()).getAsActivation();
  ASSERT_TRUE(activation);
  EXPECT_EQ(activation.getKind(), ActivationKind::leaky_relu);
  EXPECT_DOUBLE_EQ(activation.apply(-2.0), -0.5);
  EXPECT_DOUBLE_EQ(activation.apply(3.0), 3.0);

  auto exp = parseFirst<ExpOp>(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %y = nn.exp %x : tensor<4xf32>
      return %y : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(exp);
  EXPECT_FALSE(llvm::cast<PointwiseOpInterface>(exp.getOperation()).getAsActivation());
}

TEST_F(NNDialectTest, ActivationNumerics) {
  auto make = [&](ActivationKind kind, double alpha = 0, double beta = 0) {
    return ActivationAttr::get(&context, kind, alpha, beta);
  };
  EXPECT_DOUBLE_EQ(make(ActivationKind::relu).apply(-1.0), 0.0);
  EXPECT_DOUBLE_EQ(make(ActivationKind::clip, 0.0, 6.0).apply(7.5), 6.0);
  EXPECT_DOUBLE_EQ(make(ActivationKind::hard_sigmoid, 0.2, 0.5).apply(1.0), 0.7);
  EXPECT_DOUBLE_EQ(make(ActivationKind::hard_swish).apply(3.0), 3.0);
  EXPECT_NEAR(make(ActivationKind::gelu).apply(1.0), 0.8413447460685429, 1e-12);
  EXPECT_NEAR(make(ActivationKind::gelu_tanh).apply(1.0), 0.8411919906082768, 1e-12);
  EXPECT_NEAR(make(ActivationKind::silu).apply(1.0), 0.7310585786300049, 1e-12);
  EXPECT_NEAR(make(ActivationKind::elu, 1.0).apply(-1.0), std::exp(-1.0) - 1.0, 1e-12);
}

TEST_F(NNDialectTest, BroadcastFollowsNumpy) {
  FailureOr<Shape> shape = broadcastShapes(std::nullopt, {{8, 1, 6, 1}, {7, 1, 5}});
  ASSERT_TRUE(succeeded(shape));
  EXPECT_EQ(ArrayRef<int64_t>(*shape), ArrayRef<int64_t>({8, 7, 6, 5}));
  EXPECT_TRUE(failed(broadcastShapes(std::nullopt, {{3}, {4}})));
  FailureOr<Shape> dynamic =
      broadcastShapes(std::nullopt, {{ShapedType::kDynamic, 4}, {3, 1}});
  ASSERT_TRUE(succeeded(dynamic));
  EXPECT_EQ(ArrayRef<int64_t>(*dynamic), ArrayRef<int64_t>({3, 4}));
  EXPECT_TRUE(broadcastsTo({4}, {2, 3, 4}));
  EXPECT_FALSE(broadcastsTo({2, 3, 4}, {4}));
}

TEST_F(NNDialectTest, CeilModeWindowNeverStartsInTrailingPadding) {
  // 6 wide, kernel 2, stride 2, end padding 1: floor gives 3 windows, ceil
  // would give 4 but the fourth would start in the padding.
  const int64_t kernel[] = {2}, strides[] = {2}, pads[] = {0, 1}, dilations[] = {1};
  Window window{kernel, strides, pads, dilations, /*ceilMode=*/true};
  FailureOr<Shape> out = windowOutputShape(std::nullopt, {6}, window);
  ASSERT_TRUE(succeeded(out));
  EXPECT_EQ((*out)[0], 3);
  // 7 wide: ceil mode adds the partial window that starts at index 6.
  out = windowOutputShape(std::nullopt, {7}, window);
  ASSERT_TRUE(succeeded(out));
  EXPECT_EQ((*out)[0], 4);
  window.ceilMode = false;
  out = windowOutputShape(std::nullopt, {7}, window);
  ASSERT_TRUE(succeeded(out));
  EXPECT_EQ((*out)[0], 4);
}

TEST_F(NNDialectTest, ConstantFoldsAndMaterializes) {
  auto reshape = parseFirst<ReshapeOp>(R"mlir(
    func.func @f() -> tensor<2x2xf32> {
      %c = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
      %r = nn.reshape %c : tensor<4xf32> to tensor<2x2xf32>
      return %r : tensor<2x2xf32>
    })mlir");
  ASSERT_TRUE(reshape);
  SmallVector<OpFoldResult> results;
  ASSERT_TRUE(succeeded(reshape->fold(results)));
  ASSERT_EQ(results.size(), 1u);
  auto folded = llvm::dyn_cast_if_present<DenseElementsAttr>(
      llvm::dyn_cast_if_present<Attribute>(results.front()));
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded.getType(), reshape.getType());
  EXPECT_EQ(folded.getValues<float>()[3], 4.0f);
}

} // namespace
