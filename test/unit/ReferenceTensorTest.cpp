//===- ReferenceTensorTest.cpp - reference tensors, elements and .npy -----===//
//
// The element arithmetic every kernel relies on (rounding to f16/bf16,
// integer wrapping, casts, quantization), constants in and out of
// attributes, and the .npy reader and writer.
//
//===----------------------------------------------------------------------===//

#include "kiln/reference/Compare.h"
#include "kiln/reference/Npy.h"
#include "kiln/reference/Tensor.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::reference;

namespace {

class ReferenceTensorTest : public ::testing::Test {
protected:
  ReferenceTensorTest() {
    context.loadDialect<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  }

  Type parse(StringRef type) { return parseType(type, &context); }

  /// The value of the first nn.constant in `source`, as a tensor.
  Tensor constant(StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module);
    kiln::nn::ConstantOp op;
    module->walk([&](kiln::nn::ConstantOp c) { op = c; });
    llvm::Expected<Tensor> tensor = Tensor::fromAttr(op.getValue(), op.getType());
    EXPECT_TRUE(static_cast<bool>(tensor)) << llvm::toString(tensor.takeError());
    return *tensor;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ReferenceTensorTest, RoundsToHalfAndBFloat) {
  auto f16 = llvm::cast<FloatType>(parse("f16"));
  auto bf16 = llvm::cast<FloatType>(parse("bf16"));
  // 1 + 2^-11 lies halfway between two f16 values: ties to the even one.
  EXPECT_EQ(roundToFloatType(f16, 1.0 + std::ldexp(1.0, -11)), 1.0);
  EXPECT_EQ(roundToFloatType(f16, 1.0 + 3 * std::ldexp(1.0, -11)),
            1.0 + std::ldexp(1.0, -9));
  EXPECT_EQ(roundToFloatType(f16, 65519.0), 65504.0);
  EXPECT_TRUE(std::isinf(roundToFloatType(f16, 65520.0)));
  EXPECT_EQ(roundToFloatType(bf16, 1.00390625), 1.0);      // tie, down to even
  EXPECT_EQ(roundToFloatType(bf16, 1.01171875), 1.015625); // tie, up to even
  EXPECT_EQ(roundToFloatType(llvm::cast<FloatType>(parse("f32")), 0.1),
            static_cast<double>(0.1f));
}

TEST_F(ReferenceTensorTest, WrapsAndTruncatesIntegers) {
  auto i8 = llvm::cast<IntegerType>(parse("i8"));
  auto ui8 = llvm::cast<IntegerType>(parse("ui8"));
  auto i32 = llvm::cast<IntegerType>(parse("i32"));
  auto i1 = llvm::cast<IntegerType>(parse("i1"));
  EXPECT_EQ(wrapToIntegerType(i8, 200), -56);
  EXPECT_EQ(wrapToIntegerType(ui8, -1), 255);
  EXPECT_EQ(wrapToIntegerType(i1, 5), 1);
  EXPECT_EQ(truncateToInteger(i32, -2.7), -2);
  EXPECT_EQ(truncateToInteger(i32, 2.7), 2);
  EXPECT_EQ(truncateToInteger(i8, 300.5), 44);
  EXPECT_EQ(truncateToInteger(i32, std::nan("")), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(truncateToInteger(i32, 3e9), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(truncateToInteger(i1, -0.0), 0);
  EXPECT_EQ(truncateToInteger(i1, 0.25), 1);
}

TEST_F(ReferenceTensorTest, RoundsHalfToEven) {
  EXPECT_EQ(roundHalfToEven(0.5), 0.0);
  EXPECT_EQ(roundHalfToEven(1.5), 2.0);
  EXPECT_EQ(roundHalfToEven(2.5), 2.0);
  EXPECT_EQ(roundHalfToEven(-2.5), -2.0);
  EXPECT_EQ(roundHalfToEven(-3.5), -4.0);
  EXPECT_EQ(roundHalfToEven(2.4999), 2.0);
}

TEST_F(ReferenceTensorTest, QuantizesWithTiesToEvenAndSaturation) {
  auto type = llvm::cast<quant::QuantizedType>(parse("!quant.uniform<i8:f32, 0.5:3>"));
  QuantParams params{0.5, 3};
  EXPECT_EQ(quantizeValue(type, params, 0.25), 3);  // 0.5 → 0, + 3
  EXPECT_EQ(quantizeValue(type, params, 0.75), 5);  // 1.5 → 2, + 3
  EXPECT_EQ(quantizeValue(type, params, -0.75), 1); // -1.5 → -2, + 3
  EXPECT_EQ(quantizeValue(type, params, 1000.0), 127);
  EXPECT_EQ(quantizeValue(type, params, -1000.0), -128);
  auto narrow =
      llvm::cast<quant::QuantizedType>(parse("!quant.uniform<i8<-127:127>:f32, 1.0>"));
  EXPECT_EQ(quantizeValue(narrow, {1.0, 0}, -1000.0), -127);
}

TEST_F(ReferenceTensorTest, PerAxisTypesPickTheChannel) {
  auto type = llvm::cast<quant::QuantizedType>(
      parse("!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 2.0}>"));
  Tensor q(type, {2, 3, 2}, std::vector<int64_t>(12, 4));
  std::vector<double> reals = q.toReals();
  // Element (n, c, w) has scale and zero point of channel c.
  EXPECT_EQ(reals[0], 1.5); // (4 - 1) · 0.5
  EXPECT_EQ(reals[2], 1.5); // (4 + 2) · 0.25
  EXPECT_EQ(reals[5], 8.0); // 4 · 2
  EXPECT_EQ(reals[7], 1.5);
  Tensor back = Tensor::fromReals(type, {2, 3, 2}, reals);
  EXPECT_EQ(back.getInts(), q.getInts());
}

TEST_F(ReferenceTensorTest, BroadcastIndexMap) {
  std::vector<int64_t> map = broadcastIndexMap({3, 1}, {2, 3, 2});
  EXPECT_EQ(map, (std::vector<int64_t>{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(broadcastIndexMap({}, {2}), (std::vector<int64_t>{0, 0}));
}

TEST_F(ReferenceTensorTest, ReadsDenseSplatAndQuantizedConstants) {
  Tensor dense = constant("func.func @f() { %c = nn.constant dense<[[1.5, -2.0]]> "
                          ": tensor<1x2xf16> return }");
  EXPECT_EQ(dense.getFloats(), (ArrayRef<double>{1.5, -2.0}));
  Tensor splat = constant("func.func @f() { %c = nn.constant dense<7> : tensor<2x2xi32> "
                          "return }");
  EXPECT_EQ(splat.getInts(), (ArrayRef<int64_t>{7, 7, 7, 7}));
  Tensor quantized =
      constant("func.func @f() { %c = nn.constant dense<[200, 3]> : tensor<2xi8> "
               "as tensor<2x!quant.uniform<u8:f32, 0.5:128>> return }");
  EXPECT_TRUE(quantized.isQuantized());
  EXPECT_EQ(quantized.getInts(), (ArrayRef<int64_t>{200, 3}));
  EXPECT_EQ(quantized.toReals(), (std::vector<double>{36.0, -62.5}));
}

TEST_F(ReferenceTensorTest, ReadsDenseResourceBlobs) {
  // The blob starts with its alignment (4), then 1.0f and -2.5f little-endian.
  Tensor blob = constant(R"mlir(
    func.func @f() {
      %c = nn.constant dense_resource<weights> : tensor<2xf32>
      return
    }
    {-#
      dialect_resources: { builtin: { weights: "0x040000000000803F000020C0" } }
    #-}
  )mlir");
  EXPECT_EQ(blob.getFloats(), (ArrayRef<double>{1.0, -2.5}));
}

TEST_F(ReferenceTensorTest, RoundTripsThroughAttributes) {
  Tensor half(parse("f16"), {3}, std::vector<double>{0.5, -1.25, 1024.0});
  llvm::Expected<Tensor> back = Tensor::fromAttr(half.toAttr());
  ASSERT_TRUE(static_cast<bool>(back));
  EXPECT_EQ(back->getFloats(), half.getFloats());
  Type quantized = parse("!quant.uniform<i8:f32, 0.1>");
  Tensor q(quantized, {2}, std::vector<int64_t>{-128, 127});
  DenseElementsAttr storage = q.toAttr();
  EXPECT_TRUE(storage.getElementType().isInteger(8));
  back = Tensor::fromAttr(storage, RankedTensorType::get({2}, quantized));
  ASSERT_TRUE(static_cast<bool>(back));
  EXPECT_EQ(back->getInts(), q.getInts());
}

TEST_F(ReferenceTensorTest, NpyRoundTrips) {
  std::vector<Tensor> tensors = {
      Tensor(parse("f32"), {2, 2}, std::vector<double>{1, -2, 3.5, 0}),
      Tensor(parse("f16"), {3}, std::vector<double>{0.5, 65504, -1}),
      Tensor(parse("f64"), {}, std::vector<double>{3.25}),
      Tensor(parse("i1"), {2}, std::vector<int64_t>{1, 0}),
      Tensor(parse("i8"), {2}, std::vector<int64_t>{-128, 127}),
      Tensor(parse("ui8"), {2}, std::vector<int64_t>{0, 255}),
      Tensor(parse("i64"), {1, 1}, std::vector<int64_t>{-(int64_t{1} << 40)}),
      Tensor(parse("ui16"), {1}, std::vector<int64_t>{65535}),
  };
  for (const Tensor &tensor : tensors) {
    llvm::Expected<std::string> bytes = serializeNpy(tensor);
    ASSERT_TRUE(static_cast<bool>(bytes));
    // The data starts 64-byte aligned, as numpy writes it.
    uint16_t headerLength =
        static_cast<uint8_t>((*bytes)[8]) | static_cast<uint8_t>((*bytes)[9]) << 8;
    EXPECT_EQ((10 + headerLength) % 64, 0u);
    llvm::Expected<Tensor> back = parseNpy(*bytes, "test.npy", context);
    ASSERT_TRUE(static_cast<bool>(back)) << llvm::toString(back.takeError());
    EXPECT_EQ(back->getType(), tensor.getType());
    EXPECT_EQ(back->getFloats(), tensor.getFloats());
    EXPECT_EQ(back->getInts(), tensor.getInts());
  }
}

TEST_F(ReferenceTensorTest, NpyRejectsWhatItCannotRead) {
  auto error = [&](StringRef header, StringRef data = "") {
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back(static_cast<char>(header.size()));
    bytes.push_back(0);
    bytes += header.str() + data.str();
    llvm::Expected<Tensor> tensor = parseNpy(bytes, "t.npy", context);
    EXPECT_FALSE(static_cast<bool>(tensor));
    return tensor ? std::string() : llvm::toString(tensor.takeError());
  };
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "abcd")
                .find("Fortran-order"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "abcd")
                .find("big-endian"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "abcdefgh")
                .find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "abcd")
                .find("data bytes"),
            std::string::npos);
  EXPECT_FALSE(static_cast<bool>(parseNpy("not numpy", "t.npy", context)));
}

TEST_F(ReferenceTensorTest, AdaptsNpyTensorsToArgumentTypes) {
  Tensor storage(parse("i8"), {2}, std::vector<int64_t>{1, -1});
  llvm::Expected<Tensor> quantized =
      adaptNpyTensor(storage, parse("!quant.uniform<i8:f32, 0.5>"));
  ASSERT_TRUE(static_cast<bool>(quantized));
  EXPECT_EQ(quantized->toReals(), (std::vector<double>{0.5, -0.5}));
  Tensor wide(parse("f32"), {1}, std::vector<double>{1.00390625});
  llvm::Expected<Tensor> bf16 = adaptNpyTensor(wide, parse("bf16"));
  ASSERT_TRUE(static_cast<bool>(bf16));
  EXPECT_EQ(bf16->getFloats()[0], 1.0);
  llvm::Expected<Tensor> wrong = adaptNpyTensor(wide, parse("f16"));
  ASSERT_FALSE(static_cast<bool>(wrong));
  EXPECT_EQ(llvm::toString(wrong.takeError()), "holds f32 elements but f16 is expected");
}

TEST_F(ReferenceTensorTest, ComparesNarrowFloatsWithinTwoEpsilons) {
  // The default rtol (1e-3) is below two machine epsilons of bf16 (2^-7) and
  // f16 (2^-10), so the type's epsilon sets the bound: at 1.0, two ulps.
  for (auto [type, eps] :
       {std::pair{"bf16", std::ldexp(1.0, -7)}, std::pair{"f16", std::ldexp(1.0, -10)}}) {
    Tensor expected(parse(type), {1}, std::vector<double>{1.0});
    Tensor twoUlps(parse(type), {1}, std::vector<double>{1.0 + 2 * eps});
    Tensor threeUlps(parse(type), {1}, std::vector<double>{1.0 + 3 * eps});
    EXPECT_FALSE(compareTensors(twoUlps, expected)) << type;
    EXPECT_TRUE(compareTensors(threeUlps, expected)) << type;
  }
  // f32 keeps the given rtol.
  Tensor expected(parse("f32"), {1}, std::vector<double>{1.0});
  Tensor off(parse("f32"), {1}, std::vector<double>{1.002});
  EXPECT_TRUE(compareTensors(off, expected));
}

} // namespace
