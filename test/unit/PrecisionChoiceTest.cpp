//===- PrecisionChoiceTest.cpp - INT8 or float per layer ------------------===//
//
// The decision of kiln-compile --int8-layers=timed on step timings given
// here (the timings themselves come from the GPU: test/gpu), and the unit
// graph it decides on, read from an nn module.
//
//===----------------------------------------------------------------------===//

#include "passes/PrecisionChoice.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

EngineTiming engine(std::vector<TimedStep> steps) { return {std::move(steps), 0.0}; }

/// Layers without tensors between them: no borders to price.
Int8Network layersOnly(std::vector<std::vector<std::string>> layers) {
  return {std::move(layers), {}};
}

TEST(PrecisionChoice, KeepsInFloatTheLayersWhoseFloatStepsAreFaster) {
  Int8Network network = layersOnly({{"conv1", "relu1"}, {"conv2"}});
  EngineTiming int8 =
      engine({{{"conv1", "relu1"}, 0.2}, {{"quantize"}, 0.05}, {{"conv2"}, 0.1}});
  EngineTiming fp16 = engine({{{"conv1", "relu1"}, 0.1}, {{"conv2"}, 0.2}});
  Int8Choice choice = chooseInt8Units(network, int8, fp16);
  std::vector<Int8Unit> &units = choice.units;
  ASSERT_EQ(units.size(), 2u);
  EXPECT_TRUE(units[0].keepFloat);
  EXPECT_DOUBLE_EQ(units[0].int8Milliseconds, 0.2);
  EXPECT_DOUBLE_EQ(units[0].floatMilliseconds, 0.1);
  EXPECT_FALSE(units[1].keepFloat);
  EXPECT_EQ(choice.borders, 0u);
  EXPECT_EQ(floatConstraints(units, "fp16"),
            (std::vector<std::string>{"conv1:fp16", "relu1:fp16"}));
}

TEST(PrecisionChoice, LayersOneStepCoversAreDecidedTogether) {
  // The float build merged both convs into one step (horizontal merge): the
  // unit is both, INT8's two steps against the merged one.
  Int8Network network = layersOnly({{"a"}, {"b"}, {"c"}});
  EngineTiming int8 = engine({{{"a"}, 0.15}, {{"b"}, 0.15}, {{"c"}, 0.1}});
  EngineTiming fp16 = engine({{{"a", "b"}, 0.25}, {{"c"}, 0.2}});
  std::vector<Int8Unit> units = chooseInt8Units(network, int8, fp16).units;
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].layers, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(units[0].int8Milliseconds, 0.3);
  EXPECT_DOUBLE_EQ(units[0].floatMilliseconds, 0.25);
  EXPECT_TRUE(units[0].keepFloat);
  EXPECT_FALSE(units[1].keepFloat);
}

TEST(PrecisionChoice, StaysInt8WithinTheThresholdOrWithoutAFloatStep) {
  Int8Network network = layersOnly({{"near"}, {"missing"}});
  EngineTiming int8 = engine({{{"near"}, 0.100}, {{"missing"}, 0.1}});
  EngineTiming fp16 = engine({{{"near"}, 0.098}, {{"other"}, 0.01}});
  std::vector<Int8Unit> units = chooseInt8Units(network, int8, fp16, 0.97).units;
  ASSERT_EQ(units.size(), 2u);
  EXPECT_FALSE(units[0].keepFloat); // 0.098 is not below 0.97 × 0.100
  EXPECT_FALSE(units[1].keepFloat); // no float step covers it
  EXPECT_TRUE(floatConstraints(units, "fp16").empty());
  // A looser threshold takes it; an exact tie stays INT8.
  EXPECT_TRUE(chooseInt8Units(network, int8, fp16, 0.99).units[0].keepFloat);
  EXPECT_FALSE(chooseInt8Units(network, int8, fp16, 0.98).units[0].keepFloat);
}

TEST(PrecisionChoice, NamesAreConstrainedOnce) {
  std::vector<Int8Unit> units(2);
  units[0] = {{"conv", "add"}, 0.2, 0.1, true};
  units[1] = {{"add", "conv2"}, 0.2, 0.1, true};
  EXPECT_EQ(floatConstraints(units, "fp32"),
            (std::vector<std::string>{"conv:fp32", "add:fp32", "conv2:fp32"}));
}

// Conversion steps of the INT8 engine that price every border below:
// 0.01 ms + 0.02 ms per 1000 bytes, so a 1000-byte border costs 0.03 ms.
std::vector<TimedStep> conversions() {
  return {{{"image"}, 0.03, 1000}, {{"stem"}, 0.07, 3000}};
}

TEST(PrecisionChoice, ConversionCostIsFittedToTheConversionSteps) {
  EngineTiming int8 = engine(conversions());
  int8.steps.push_back({{"conv"}, 5.0}); // not a conversion: ignored
  EngineTiming fp16 = engine({{{"image"}, 0.05, 2000}});
  ConversionCost cost = fitConversionCost({&int8, &fp16});
  EXPECT_EQ(cost.samples, 3u);
  EXPECT_NEAR(cost.launchMilliseconds, 0.01, 1e-12);
  EXPECT_NEAR(cost.millisecondsPerByte, 2e-5, 1e-15);
  EXPECT_NEAR(cost(1000), 0.03, 1e-12);
  // Times that fall with the bytes (noise): the mean, whatever the size.
  EngineTiming noisy = engine({{{"a"}, 0.04, 1000}, {{"b"}, 0.02, 3000}});
  ConversionCost flat = fitConversionCost({&noisy});
  EXPECT_NEAR(flat(10), 0.03, 1e-12);
  EXPECT_NEAR(flat(1 << 20), 0.03, 1e-12);
  // A line that would start below zero goes through the origin.
  EngineTiming steep = engine({{{"a"}, 0.01, 1000}, {{"b"}, 0.05, 3000}});
  ConversionCost origin = fitConversionCost({&steep});
  EXPECT_EQ(origin.launchMilliseconds, 0);
  EXPECT_NEAR(origin(1000), (0.01 * 1000 + 0.05 * 3000) / (1e6 + 9e6) * 1000, 1e-12);
  // Nothing timed: borders cost nothing.
  EngineTiming none = engine({{{"conv"}, 1.0}});
  EXPECT_EQ(fitConversionCost({&none}).samples, 0u);
  EXPECT_EQ(fitConversionCost({&none})(1 << 20), 0);
}

/// a -> b -> c, each tensor 1000 bytes.
Int8Network chain(bool floatNeighbours) {
  if (floatNeighbours) // float -> b -> float
    return {{{"b"}}, {{{0}, true, 1000}, {{0}, true, 1000}}};
  return {{{"a"}, {"b"}, {"c"}}, {{{0, 1}, false, 1000}, {{1, 2}, false, 1000}}};
}

TEST(PrecisionChoice, AFasterFloatUnitBetweenInt8OnesStaysInt8) {
  // b saves 0.1 - 0.075 / 0.97 = 0.0227 ms in float, but its two borders
  // with a and c (INT8 by far) would cost 2 × 0.03 ms.
  EngineTiming int8 = engine(conversions());
  llvm::append_range(int8.steps,
                     std::vector<TimedStep>{{{"a"}, 0.1}, {{"b"}, 0.1}, {{"c"}, 0.1}});
  EngineTiming fp16 = engine({{{"a"}, 0.5}, {{"b"}, 0.075}, {{"c"}, 0.5}});
  Int8Choice choice = chooseInt8Units(chain(false), int8, fp16);
  ASSERT_EQ(choice.units.size(), 3u);
  EXPECT_FALSE(choice.units[0].keepFloat);
  EXPECT_FALSE(choice.units[1].keepFloat);
  EXPECT_FALSE(choice.units[2].keepFloat);
  EXPECT_EQ(choice.borders, 0u);
  EXPECT_EQ(choice.borderMilliseconds, 0);
  // Without the borders it would have gone float (the rule before them).
  EXPECT_TRUE(
      chooseInt8Units(layersOnly({{"a"}, {"b"}, {"c"}}), int8, fp16).units[1].keepFloat);
  // Saving more than the borders cost, it goes float and pays them.
  EngineTiming faster = fp16;
  faster.steps[1].milliseconds = 0.02;
  Int8Choice paid = chooseInt8Units(chain(false), int8, faster);
  EXPECT_TRUE(paid.units[1].keepFloat);
  EXPECT_FALSE(paid.units[0].keepFloat);
  EXPECT_EQ(paid.borders, 2u);
  EXPECT_NEAR(paid.borderMilliseconds, 0.06, 1e-12);
}

TEST(PrecisionChoice, AFasterInt8UnitBetweenFloatOnesGoesFloat) {
  // The mirror: b saves 0.09 / 0.97 - 0.07 = 0.0228 ms in INT8 but sits
  // between float layers, two conversions of 0.03 ms.
  EngineTiming int8 = engine(conversions());
  int8.steps.push_back({{"b"}, 0.07});
  EngineTiming fp16 = engine({{{"b"}, 0.09}});
  Int8Choice choice = chooseInt8Units(chain(true), int8, fp16);
  ASSERT_EQ(choice.units.size(), 1u);
  EXPECT_TRUE(choice.units[0].keepFloat);
  EXPECT_EQ(choice.borders, 0u);
  // The same between units chosen float for their own sake.
  EngineTiming int8Chain = engine(conversions());
  llvm::append_range(int8Chain.steps,
                     std::vector<TimedStep>{{{"a"}, 0.5}, {{"b"}, 0.07}, {{"c"}, 0.5}});
  EngineTiming fp16Chain = engine({{{"a"}, 0.1}, {{"b"}, 0.09}, {{"c"}, 0.1}});
  Int8Choice all = chooseInt8Units(chain(false), int8Chain, fp16Chain);
  EXPECT_TRUE(all.units[0].keepFloat);
  EXPECT_TRUE(all.units[1].keepFloat);
  EXPECT_TRUE(all.units[2].keepFloat);
  // A unit no float step covers stays INT8 and pays its borders.
  Int8Choice pinned = chooseInt8Units(chain(true), int8, engine({}));
  EXPECT_FALSE(pinned.units[0].keepFloat);
  EXPECT_EQ(pinned.borders, 2u);
}

TEST(PrecisionChoice, ATensorWithManyReadersIsConvertedOnce) {
  // a (INT8 by far) feeds b, c and d (float by far): one dequantize of a's
  // output, not three. With a float reader besides, still one.
  Int8Network network = {{{"a"}, {"b"}, {"c"}, {"d"}}, {{{0, 1, 2, 3}, false, 1000}}};
  EngineTiming int8 = engine(conversions());
  llvm::append_range(
      int8.steps,
      std::vector<TimedStep>{{{"a"}, 0.1}, {{"b"}, 0.5}, {{"c"}, 0.5}, {{"d"}, 0.5}});
  EngineTiming fp16 = engine({{{"a"}, 0.5}, {{"b"}, 0.1}, {{"c"}, 0.1}, {{"d"}, 0.1}});
  Int8Choice choice = chooseInt8Units(network, int8, fp16);
  EXPECT_FALSE(choice.units[0].keepFloat);
  EXPECT_TRUE(choice.units[1].keepFloat);
  EXPECT_TRUE(choice.units[2].keepFloat);
  EXPECT_TRUE(choice.units[3].keepFloat);
  EXPECT_EQ(choice.borders, 1u);
  EXPECT_NEAR(choice.borderMilliseconds, 0.03, 1e-12);
  network.tensors[0].floatEnd = true;
  EXPECT_EQ(chooseInt8Units(network, int8, fp16).borders, 1u);
  // One reader that would gain 0.02 ms in INT8 while the others go float
  // stays float: the tensor is converted anyway, and b pays nothing more.
  EngineTiming close = fp16;
  close.steps[1].milliseconds = 0.52;
  Int8Choice together = chooseInt8Units(network, int8, close);
  EXPECT_FALSE(together.units[1].keepFloat); // 0.5 < 0.52 / 0.97: INT8
  EXPECT_EQ(together.borders, 1u);           // a's tensor still converted once
}

TEST(PrecisionChoice, ConversionStepsNextToFloatLayersAreBorders) {
  // The dequantize of a's output for a float reader (named after a) is the
  // border's, not a's INT8 time.
  Int8Network network = {{{"a"}}, {{{0}, true, 2000}}};
  EngineTiming int8 = engine({{{"a"}, 0.1}, {{"a"}, 0.05, 2000}});
  EngineTiming fp16 = engine({{{"a"}, 0.12}});
  Int8Choice choice = chooseInt8Units(network, int8, fp16);
  EXPECT_DOUBLE_EQ(choice.units[0].int8Milliseconds, 0.1);
  EXPECT_EQ(choice.conversion.samples, 1u);
  // INT8 0.1 + the border 0.05 against float 0.12 / 0.97: float.
  EXPECT_TRUE(choice.units[0].keepFloat);
  EXPECT_EQ(choice.borders, 0u);
  // Without a float neighbour a conversion is the unit's own (converting a
  // network output), as the float engine's casts are.
  Int8Choice own = chooseInt8Units(layersOnly({{"a"}}), int8,
                                   engine({{{"a"}, 0.1}, {{"a"}, 0.03, 3000}}));
  EXPECT_DOUBLE_EQ(own.units[0].int8Milliseconds, 0.15);
  EXPECT_DOUBLE_EQ(own.units[0].floatMilliseconds, 0.13);
  EXPECT_TRUE(own.units[0].keepFloat);
}

/// Parses nn or engine IR for the tests that read a module.
class PrecisionChoiceIR : public ::testing::Test {
protected:
  PrecisionChoiceIR() {
    context.loadDialect<engine::EngineDialect, nn::NNDialect, mlir::func::FuncDialect,
                        mlir::quant::QuantDialect>();
  }
  mlir::OwningOpRef<mlir::ModuleOp> parse(llvm::StringRef source) {
    return mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  }
  mlir::MLIRContext context;
};

TEST_F(PrecisionChoiceIR, ReadsTheTensorsBetweenInt8AndFloatLayers) {
  // A float stem, two INT8 convs (the first's output also read by a float
  // relu), a pool on quantized tensors, a float sigmoid.
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
!q = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04, 0.06, 0.08}>
func.func @main(%x: tensor<1x4x4x4xf16>) -> (tensor<1x1x1x4xf32>, tensor<1x4x4x4xf32>) {
  %wf = nn.constant dense<1.0> : tensor<4x1x1x4xf16>
  %f = nn.conv %x, %wf strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x4xf16>, tensor<4x1x1x4xf16>) -> tensor<1x4x4x4xf16> loc("stem")
  %c = nn.cast %f : tensor<1x4x4x4xf16> to tensor<1x4x4x4xf32>
  %q = nn.quantize %c : tensor<1x4x4x4xf32> to tensor<1x4x4x4x!q>
  %w = nn.constant dense<3> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %a = nn.conv %q, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x4x!q>, tensor<4x1x1x4x!w>) -> tensor<1x4x4x4x!q> loc("qconv1")
  %b = nn.conv %a, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x4x!q>, tensor<4x1x1x4x!w>) -> tensor<1x4x4x4x!q> loc("qconv2")
  %g = nn.global_pool avg %b layout channels_last : (tensor<1x4x4x4x!q>) -> tensor<1x1x1x4x!q>
  %d = nn.dequantize %g : tensor<1x1x1x4x!q>
  %s = nn.sigmoid %d : tensor<1x1x1x4xf32>
  %e = nn.dequantize %a : tensor<1x4x4x4x!q>
  %r = nn.relu %e : tensor<1x4x4x4xf32>
  return %s, %r : tensor<1x1x1x4xf32>, tensor<1x4x4x4xf32>
}
)mlir");
  ASSERT_TRUE(module);
  Int8Network network = getInt8Network(*module, "fp16");
  EXPECT_EQ(network.layers,
            (std::vector<std::vector<std::string>>{{"qconv1"}, {"qconv2"}}));
  // 64 elements: 2 bytes in FP16 + 1 in INT8 each.
  ASSERT_EQ(network.tensors.size(), 3u);
  EXPECT_EQ(network.tensors[0].layers, (std::vector<size_t>{0})); // stem -> qconv1
  EXPECT_TRUE(network.tensors[0].floatEnd);
  EXPECT_EQ(network.tensors[0].bytes, 64 * 3);
  EXPECT_EQ(network.tensors[1].layers, (std::vector<size_t>{0, 1})); // and relu
  EXPECT_TRUE(network.tensors[1].floatEnd);
  EXPECT_EQ(network.tensors[2].layers, (std::vector<size_t>{1})); // pool -> sigmoid
  EXPECT_TRUE(network.tensors[2].floatEnd);
  EXPECT_EQ(network.tensors[2].bytes, 64 * 3);
  // In FP32 the forms are 4 + 1 bytes an element.
  EXPECT_EQ(getInt8Network(*module, "fp32").tensors[0].bytes, 64 * 5);
}

TEST_F(PrecisionChoiceIR, AFloatResultOfAnInt8LayerIsNoBorder) {
  // An INT8 classifier writes f32 logits in its epilogue: returning them or
  // a float relu reading them converts nothing; a cast to FP16 does.
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
!q = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04}>
func.func @main(%x: tensor<2x8x!q>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>) {
  %w = nn.constant dense<3> : tensor<2x8xi8> as tensor<2x8x!w>
  %y = nn.gemm %x, %w trans_b : (tensor<2x8x!q>, tensor<2x8x!w>) -> tensor<2x2xf32> loc("fc")
  %r = nn.relu %y : tensor<2x2xf32>
  %h = nn.cast %y : tensor<2x2xf32> to tensor<2x2xf16>
  return %y, %r, %h : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(getInt8Network(*module, "fp32").tensors.empty());
  Int8Network fp16 = getInt8Network(*module, "fp16");
  ASSERT_EQ(fp16.tensors.size(), 1u); // the cast: a float end in FP16
  EXPECT_TRUE(fp16.tensors[0].floatEnd);
  EXPECT_EQ(fp16.tensors[0].bytes, 4 * 3);
}

TEST_F(PrecisionChoiceIR, ConversionStepsAreLaunchesThatOnlyChangeTheType) {
  // As kiln-compile lowers a border (kiln-outline-kernels marks each
  // engine.conversion): a dequantize to FP16 (i8 -> f16), a cast of an INT8
  // conv's f32 output (f32 -> f16), a quantize with a layout change (f16 ->
  // i8, transposed); and launches that are not conversions: a reformat in
  // one type, a pad, an epilogue of two inputs, and an epilogue of one
  // (f32 sums -> i8, unmarked: the shape of a conversion, but a layer).
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
engine.kernel @k max_threads_per_block 256 source "extern C __global__ void __launch_bounds__(256) k() {}"
func.func @main(%a: memref<2x4x4x8xi8>, %b: memref<2x4x4x8xf16>, %c: memref<2x4x4x8xf32>,
                %d: memref<2x8x4x4xi8>, %e: memref<2x4x4x16xi8>, %f: memref<8xi32>) {
  engine.launch @k(%a, %b) grid [1, 1, 1] block [256, 1, 1] outputs 1
      {layers = ["conv_2"], engine.conversion} : memref<2x4x4x8xi8>, memref<2x4x4x8xf16>
  engine.launch @k(%c, %b) grid [1, 1, 1] block [256, 1, 1] outputs 1
      {layers = ["conv_10"], engine.conversion} : memref<2x4x4x8xf32>, memref<2x4x4x8xf16>
  engine.launch @k(%b, %d) grid [1, 1, 1] block [256, 1, 1] outputs 1
      {layers = ["conv_18"], engine.conversion} : memref<2x4x4x8xf16>, memref<2x8x4x4xi8>
  engine.launch @k(%a, %d) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["reformat"]}
      : memref<2x4x4x8xi8>, memref<2x8x4x4xi8>
  engine.launch @k(%a, %e) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["pad"]}
      : memref<2x4x4x8xi8>, memref<2x4x4x16xi8>
  engine.launch @k(%c, %f, %a) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["fc"]}
      : memref<2x4x4x8xf32>, memref<8xi32>, memref<2x4x4x8xi8>
  engine.launch @k(%c, %a) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["conv_26"]}
      : memref<2x4x4x8xf32>, memref<2x4x4x8xi8>
  return
}
)mlir");
  ASSERT_TRUE(module);
  std::vector<TimedStep> steps = getSteps(*module);
  ASSERT_EQ(steps.size(), 7u);
  EXPECT_EQ(steps[0].layers, (std::vector<std::string>{"conv_2"}));
  EXPECT_EQ(steps[0].conversionBytes, 256 * 3);
  EXPECT_EQ(steps[1].conversionBytes, 256 * 6);
  EXPECT_EQ(steps[2].conversionBytes, 256 * 3);
  EXPECT_EQ(steps[3].conversionBytes, 0);
  EXPECT_EQ(steps[4].conversionBytes, 0);
  EXPECT_EQ(steps[5].conversionBytes, 0);
  EXPECT_EQ(steps[6].conversionBytes, 0);
}

TEST_F(PrecisionChoiceIR, ChoiceSignatureIsTheNetworkWithoutItsWeights) {
  // A conv whose weights are a resource blob and a large dense constant
  // beside it: `weights`, `bias`, `name` and `channels` vary.
  auto module = [&](llvm::StringRef weights, llvm::StringRef bias, llvm::StringRef name,
                    int channels = 8) {
    std::string c = std::to_string(channels);
    std::string text = R"mlir(
func.func @main(%x: tensor<1x4x4x)mlir" + c + R"mlir(xf32>) -> tensor<1x4x4x4xf32> {
  %w = nn.constant dense_resource<w> : tensor<4x1x1x)mlir" + c + R"mlir(xf32>
  %b = nn.constant dense<[)mlir" + bias.str() + R"mlir(]> : tensor<32xf32>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x)mlir" + c + R"mlir(xf32>, tensor<4x1x1x)mlir" + c + R"mlir(xf32>) -> tensor<1x4x4x4xf32> loc(")mlir" +
                       name.str() + R"mlir(")
  return %y : tensor<1x4x4x4xf32>
}
{-#
  dialect_resources: { builtin: { w: "0x04000000)mlir" + weights.str() + R"mlir(" } }
#-}
)mlir";
    mlir::OwningOpRef<mlir::ModuleOp> parsed = parse(text);
    EXPECT_TRUE(parsed) << text;
    return parsed;
  };
  auto values = [](int first) {
    std::string text;
    for (int i = 0; i < 32; ++i)
      text += (i ? ", " : "") + std::to_string(first + i) + ".0";
    return text;
  };
  std::string ones = values(1), twos = values(2);
  // Blobs of 4 x C floats (an alignment word, then 2 hex digits a byte).
  std::string w1(4 * 8 * 4 * 2, 'A'), w2(4 * 8 * 4 * 2, 'B'), w3(4 * 16 * 4 * 2, 'A');
  auto a = module(w1, ones, "conv");
  auto b = module(w2, twos, "conv");
  ASSERT_TRUE(a && b);
  Int8ChoiceVersions versions{91900, 130100, 13000, "0.1.0"};
  auto signatureOf = [&](mlir::ModuleOp m, llvm::StringRef options = "precision=int8") {
    return getInt8ChoiceSignature(m, options, versions);
  };
  std::string signature = signatureOf(*a);
  EXPECT_TRUE(llvm::StringRef(signature).starts_with("int8-layers graph=")) << signature;
  EXPECT_TRUE(llvm::StringRef(signature).ends_with(
      " cudnn=91900 cublaslt=130100 nvrtc=13000 kiln=0.1.0"))
      << signature;
  // Other weights and biases, or the model read from another file: the same
  // network.
  EXPECT_EQ(signatureOf(*b), signature);
  mlir::OwningOpRef<mlir::ModuleOp> moved = a->clone();
  moved->walk([](mlir::Operation *op) {
    if (auto name = llvm::dyn_cast<mlir::NameLoc>(op->getLoc()))
      op->setLoc(mlir::NameLoc::get(
          name.getName(), mlir::FileLineColLoc::get(op->getContext(), "/elsewhere/m.onnx", 0, 0)));
  });
  EXPECT_EQ(signatureOf(*moved), signature);
  // Another layer name, other shapes, a small constant changed, other
  // options, libraries or Kiln: another.
  EXPECT_NE(signatureOf(*module(w1, ones, "conv2")), signature);
  EXPECT_NE(signatureOf(*module(w3, ones, "conv", 16)), signature);
  mlir::OwningOpRef<mlir::ModuleOp> small = a->clone();
  small->walk([](mlir::func::ReturnOp ret) {
    mlir::OpBuilder builder(ret);
    auto type = mlir::RankedTensorType::get({2}, builder.getI64Type());
    ret->setAttr("probe", mlir::DenseElementsAttr::get(type, llvm::ArrayRef<int64_t>{1, 2}));
  });
  mlir::OwningOpRef<mlir::ModuleOp> small2 = a->clone();
  small2->walk([](mlir::func::ReturnOp ret) {
    mlir::OpBuilder builder(ret);
    auto type = mlir::RankedTensorType::get({2}, builder.getI64Type());
    ret->setAttr("probe", mlir::DenseElementsAttr::get(type, llvm::ArrayRef<int64_t>{1, 3}));
  });
  EXPECT_NE(signatureOf(*small), signatureOf(*small2));
  EXPECT_NE(signatureOf(*a, "precision=best"), signature);
  versions.cudnn = 92000;
  EXPECT_NE(signatureOf(*a), signature);
  versions = {91900, 130100, 13000, "0.2.0"};
  EXPECT_NE(signatureOf(*a), signature);
}

} // namespace
