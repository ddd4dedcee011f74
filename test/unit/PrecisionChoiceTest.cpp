//===- PrecisionChoiceTest.cpp - INT8 or float per layer ------------------===//
//
// The decision of kiln-compile --int8-layers=timed on step timings given
// here; the timings themselves come from the GPU (test/gpu).
//
//===----------------------------------------------------------------------===//

#include "passes/PrecisionChoice.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

EngineTiming engine(std::vector<TimedStep> steps) { return {std::move(steps), 0.0}; }

TEST(PrecisionChoice, KeepsInFloatTheLayersWhoseFloatStepsAreFaster) {
  std::vector<std::vector<std::string>> layers = {{"conv1", "relu1"}, {"conv2"}};
  EngineTiming int8 = engine({{{"conv1", "relu1"}, 0.2}, {{"quantize"}, 0.05}, {{"conv2"}, 0.1}});
  EngineTiming fp16 = engine({{{"conv1", "relu1"}, 0.1}, {{"conv2"}, 0.2}});
  std::vector<Int8Unit> units = chooseInt8Units(layers, int8, fp16);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_TRUE(units[0].keepFloat);
  EXPECT_DOUBLE_EQ(units[0].int8Milliseconds, 0.2);
  EXPECT_DOUBLE_EQ(units[0].floatMilliseconds, 0.1);
  EXPECT_FALSE(units[1].keepFloat);
  EXPECT_EQ(floatConstraints(units, "fp16"),
            (std::vector<std::string>{"conv1:fp16", "relu1:fp16"}));
}

TEST(PrecisionChoice, LayersOneStepCoversAreDecidedTogether) {
  // The float build merged both convs into one step (horizontal merge): the
  // unit is both, INT8's two steps against the merged one.
  std::vector<std::vector<std::string>> layers = {{"a"}, {"b"}, {"c"}};
  EngineTiming int8 = engine({{{"a"}, 0.15}, {{"b"}, 0.15}, {{"c"}, 0.1}});
  EngineTiming fp16 = engine({{{"a", "b"}, 0.25}, {{"c"}, 0.2}});
  std::vector<Int8Unit> units = chooseInt8Units(layers, int8, fp16);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].layers, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(units[0].int8Milliseconds, 0.3);
  EXPECT_DOUBLE_EQ(units[0].floatMilliseconds, 0.25);
  EXPECT_TRUE(units[0].keepFloat);
  EXPECT_FALSE(units[1].keepFloat);
}

TEST(PrecisionChoice, StaysInt8WithinTheThresholdOrWithoutAFloatStep) {
  std::vector<std::vector<std::string>> layers = {{"near"}, {"missing"}};
  EngineTiming int8 = engine({{{"near"}, 0.100}, {{"missing"}, 0.1}});
  EngineTiming fp16 = engine({{{"near"}, 0.098}, {{"other"}, 0.01}});
  std::vector<Int8Unit> units = chooseInt8Units(layers, int8, fp16, 0.97);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_FALSE(units[0].keepFloat); // 0.098 is not below 0.97 × 0.100
  EXPECT_FALSE(units[1].keepFloat); // no float step covers it
  EXPECT_TRUE(floatConstraints(units, "fp16").empty());
  // A looser threshold takes it.
  EXPECT_TRUE(chooseInt8Units(layers, int8, fp16, 1.0)[0].keepFloat);
}

TEST(PrecisionChoice, NamesAreConstrainedOnce) {
  std::vector<Int8Unit> units(2);
  units[0] = {{"conv", "add"}, 0.2, 0.1, true};
  units[1] = {{"add", "conv2"}, 0.2, 0.1, true};
  EXPECT_EQ(floatConstraints(units, "fp32"),
            (std::vector<std::string>{"conv:fp32", "add:fp32", "conv2:fp32"}));
}

} // namespace
