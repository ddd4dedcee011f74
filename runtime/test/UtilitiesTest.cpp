// GPU-free parts of the runtime: inspection, the profiler's aggregation,
// .npy files, float16/bfloat16 conversions, the JSON writer.
#include "TestEngines.h"

#include "kiln/runtime/DataType.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/Inspect.h"
#include "kiln/runtime/JsonWriter.h"
#include "kiln/runtime/Npy.h"
#include "kiln/runtime/Profiler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {
bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}
} // namespace

TEST(Inspect, JsonNamesStepsBindingsAndMemory) {
  auto file = EngineFile::fromBytes(makeSampleEngine());
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::string json = inspectEngineJson(*file);
  EXPECT_TRUE(contains(json, "\"name\": \"conv1 + bn1 + relu1\"")) << json;
  EXPECT_TRUE(contains(json, "\"layers\": [\"conv1\", \"bn1\", \"relu1\"]")) << json;
  EXPECT_TRUE(contains(json, "\"kind\": \"conv\"")) << json;
  EXPECT_TRUE(contains(json, "\"kind\": \"launch\"")) << json;
  EXPECT_TRUE(contains(json, "\"kind\": \"gemm\"")) << json;
  EXPECT_TRUE(contains(json, "\"kind\": \"copy\"")) << json;
  EXPECT_TRUE(contains(json, "\"kernel\": \"kiln_global_avg_pool\"")) << json;
  EXPECT_TRUE(contains(json, "\"shape\": [1, 8, 4, 4]")) << json;
  EXPECT_TRUE(contains(json, "\"arena_size\": ")) << json;
  EXPECT_TRUE(contains(json, "\"precision\": \"fp32\"")) << json;
  EXPECT_TRUE(contains(json, "\"format\": \"1.5\"")) << json;
  EXPECT_TRUE(contains(json, "\"max_threads_per_block\": 16")) << json;
  std::string text = inspectEngineText(*file);
  EXPECT_TRUE(contains(text, "Bindings:")) << text;
  EXPECT_TRUE(contains(text, "conv1 + bn1 + relu1")) << text;
  EXPECT_TRUE(contains(text, "[1x8x4x4] * [16x8x3x3] -> [1x16x4x4] f32 +bias Relu")) << text;
  EXPECT_TRUE(contains(text, "kiln_global_avg_pool grid 1 block 16 bound 16")) << text;
}

TEST(Profiler, AggregatesOverRuns) {
  Profiler profiler;
  for (float t : {1.f, 3.f, 2.f}) {
    profiler.reportStepTime("conv1 + relu1", t);
    profiler.reportStepTime("fc", 1.f);
    profiler.endRun();
  }
  auto stats = profiler.summary();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "conv1 + relu1");
  EXPECT_EQ(stats[0].count, 3u);
  EXPECT_DOUBLE_EQ(stats[0].totalMs, 6.0);
  EXPECT_DOUBLE_EQ(stats[0].averageMs, 2.0);
  EXPECT_DOUBLE_EQ(stats[0].medianMs, 2.0);
  EXPECT_DOUBLE_EQ(stats[0].percent, 100.0 * 6 / 9);
  EXPECT_DOUBLE_EQ(stats[1].percent, 100.0 * 3 / 9);
  EXPECT_EQ(profiler.runs(), 3u);
  EXPECT_TRUE(contains(profiler.toText(), "conv1 + relu1")) << profiler.toText();
  EXPECT_TRUE(contains(profiler.toJson(), "\"total_ms\": 9")) << profiler.toJson();
}

TEST(Profiler, AddsUpStepsThatShareANameWithinARun) {
  // A channel-padding kernel and the conv after it carry the conv's name:
  // the name's time is theirs together, per run.
  Profiler profiler;
  for (float conv : {4.f, 6.f, 5.f}) {
    profiler.reportStepTime("conv1", 1.f);
    profiler.reportStepTime("conv1", conv);
    profiler.reportStepTime("fc", 2.f);
    profiler.endRun();
  }
  auto stats = profiler.summary();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].count, 3u);
  EXPECT_DOUBLE_EQ(stats[0].totalMs, 18.0);
  EXPECT_DOUBLE_EQ(stats[0].averageMs, 6.0);
  EXPECT_DOUBLE_EQ(stats[0].medianMs, 6.0);
  EXPECT_DOUBLE_EQ(stats[0].percent, 100.0 * 18 / 24);
  EXPECT_EQ(stats[1].count, 3u);
  EXPECT_DOUBLE_EQ(stats[1].averageMs, 2.0);
}

TEST(Npy, RoundTripsAndConverts) {
  NpyArray array;
  array.dtype = DataType::F32;
  array.shape = {2, 3};
  float values[6] = {0.5f, -1.f, 2.f, 3.25f, -0.125f, 8.f};
  array.data.assign(reinterpret_cast<uint8_t *>(values), reinterpret_cast<uint8_t *>(values) + 24);
  std::vector<uint8_t> bytes = encodeNpy(array);
  EXPECT_EQ((bytes.size() - array.data.size()) % 64, 0u);
  auto back = parseNpy(bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->shape, array.shape);
  EXPECT_EQ(back->data, array.data);

  auto half = convertNpy(array, DataType::F16);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(loadAsDouble(half->data.data(), DataType::F16, 3), 3.25);
  auto again = parseNpy(encodeNpy(*half));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dtype, DataType::F16);

  NpyArray vector;
  vector.dtype = DataType::I64;
  vector.shape = {3};
  vector.data.resize(24);
  std::string header(reinterpret_cast<const char *>(encodeNpy(vector).data()) + 10, 60);
  EXPECT_TRUE(contains(header, "'shape': (3,)")) << header;

  EXPECT_FALSE(convertNpy(array, DataType::I32).ok());
  EXPECT_FALSE(parseNpy({1, 2, 3}).ok());
}

TEST(Npy, ReadsBFloat16BitsFromUint16Files) {
  // 1.0, -2.5 and 3.0 in bfloat16, as numpy saves `array.view(np.uint16)`.
  std::string header = "{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::vector<uint8_t> file = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                               static_cast<uint8_t>(header.size()), 0};
  file.insert(file.end(), header.begin(), header.end());
  for (uint16_t bits : {0x3f80, 0xc020, 0x4040}) {
    file.push_back(static_cast<uint8_t>(bits & 0xff));
    file.push_back(static_cast<uint8_t>(bits >> 8));
  }
  auto parsed = parseNpy(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->dtype, DataType::BF16);
  EXPECT_EQ(parsed->shape, std::vector<int64_t>{3});
  EXPECT_EQ(loadAsDouble(parsed->data.data(), DataType::BF16, 1), -2.5);
  auto widened = convertNpy(*parsed, DataType::F32);
  ASSERT_TRUE(widened.ok());
  EXPECT_EQ(loadAsDouble(widened->data.data(), DataType::F32, 2), 3.0);
  EXPECT_FALSE(convertNpy(*parsed, DataType::I32).ok());
}

TEST(DataType, HalfAndBFloat16Conversions) {
  for (float v : {0.f, 1.f, -2.5f, 65504.f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(halfToFloat(floatToHalf(v)), v) << v;
  EXPECT_TRUE(std::isinf(halfToFloat(floatToHalf(1e6f))));
  EXPECT_EQ(floatToHalf(1.f + 1.f / 4096), floatToHalf(1.f)); // ties to even
  EXPECT_EQ(bfloat16ToFloat(floatToBFloat16(3.f)), 3.f);
  EXPECT_EQ(bfloat16ToFloat(floatToBFloat16(1.f + 1.f / 512)), 1.f);
  EXPECT_EQ(dataTypeSize(DataType::BF16), 2u);
  EXPECT_STREQ(dataTypeName(DataType::I64), "i64");
}

TEST(JsonWriter, NestsAndEscapes) {
  JsonWriter json;
  json.beginObject().field("a", "x\"y\n").key("b").beginArray(true).value(1).value(2).endArray();
  json.key("c").beginArray().beginObject().field("d", true).endObject().endArray().endObject();
  EXPECT_EQ(json.str(),
            "{\n  \"a\": \"x\\\"y\\n\",\n  \"b\": [1, 2],\n  \"c\": [\n    {\n      \"d\": "
            "true\n    }\n  ]\n}\n");
}
