// AttentionStep on the GPU (cuDNN SDPA, format 1.3): f16 and bf16, q/k/v/o
// in [B, H, S, D] and in [B, S, H, D] (strided views), with and without an
// additive [B, 1, Sq, Skv] mask holding -inf entries and one fully masked
// row, odd and unequal sequence lengths; against a CPU loop in double
// precision, run directly and replayed from a CUDA graph; and the recorded
// cuDNN engine of a run reused from the engine file.
#include "GpuTestUtils.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

struct AttentionCase {
  DataType dtype;
  bool bshd;     ///< q, k, v and o stored [B, S, H, D]; else [B, H, S, D]
  bool withMask; ///< a [B, 1, Sq, Skv] mask of 0 and -inf, one row all -inf
  int64_t batch = 2, heads = 3, sq = 128, skv = 128, d = 64;
};

std::string caseName(const testing::TestParamInfo<AttentionCase> &info) {
  const AttentionCase &c = info.param;
  return std::string(dataTypeName(c.dtype)) + (c.bshd ? "_bshd" : "_bhsd") +
         (c.withMask ? "_mask" : "") + "_" + std::to_string(c.sq) + "x" + std::to_string(c.skv);
}

/// Where element [b, h, s, e] of a tensor with `seq` positions and `width`
/// features per head lies.
int64_t offsetOf(const AttentionCase &c, int64_t b, int64_t h, int64_t s, int64_t e,
                 int64_t seq, int64_t width) {
  if (c.bshd)
    return ((b * seq + s) * c.heads + h) * width + e;
  return ((b * c.heads + h) * seq + s) * width + e;
}

/// The logical [B, H, S, D] shape and the strides of the storage order.
TensorSpec tensorSpec(const AttentionCase &c, int64_t seq, fb::BufferRef ref) {
  fb::DType type = static_cast<fb::DType>(c.dtype);
  std::vector<int64_t> shape = {c.batch, c.heads, seq, c.d};
  std::vector<int64_t> strides;
  if (c.bshd)
    strides = {seq * c.heads * c.d, c.d, c.heads * c.d, 1};
  return {type, shape, strides, ref};
}

/// The fully masked row: batch 1 (or 0), query 5.
int64_t maskedBatch(const AttentionCase &c) { return c.batch > 1 ? 1 : 0; }
constexpr int64_t kMaskedRow = 5;

/// 0 or -inf: about a quarter of the keys masked at random, never key i % Skv
/// (so every other row keeps one), and every key of the fully masked row.
std::vector<double> makeMask(const AttentionCase &c) {
  std::vector<double> unit = randomValues(c.batch * c.sq * c.skv, 77, DataType::F32);
  std::vector<double> mask(unit.size(), 0.0);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t i = 0; i < c.sq; ++i)
      for (int64_t j = 0; j < c.skv; ++j) {
        int64_t at = (b * c.sq + i) * c.skv + j;
        bool masked = (b == maskedBatch(c) && i == kMaskedRow) ||
                      (unit[at] < -0.5 && j != i % c.skv);
        mask[at] = masked ? -std::numeric_limits<double>::infinity() : 0.0;
      }
  return mask;
}

/// softmax(scale q kᵀ + mask) v in double precision; a row whose scores
/// are all -inf gives 0.
std::vector<double> reference(const AttentionCase &c, const std::vector<double> &q,
                              const std::vector<double> &k, const std::vector<double> &v,
                              const std::vector<double> &mask, double scale) {
  std::vector<double> o(c.batch * c.heads * c.sq * c.d, 0.0), scores(c.skv);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t i = 0; i < c.sq; ++i) {
        double most = -INFINITY;
        for (int64_t j = 0; j < c.skv; ++j) {
          double dot = 0;
          for (int64_t e = 0; e < c.d; ++e)
            dot += q[offsetOf(c, b, h, i, e, c.sq, c.d)] * k[offsetOf(c, b, h, j, e, c.skv, c.d)];
          scores[j] = scale * dot + (mask.empty() ? 0.0 : mask[(b * c.sq + i) * c.skv + j]);
          most = std::max(most, scores[j]);
        }
        if (most == -INFINITY)
          continue; // all masked: 0
        double sum = 0;
        for (int64_t j = 0; j < c.skv; ++j)
          sum += scores[j] = std::exp(scores[j] - most);
        for (int64_t e = 0; e < c.d; ++e) {
          double value = 0;
          for (int64_t j = 0; j < c.skv; ++j)
            value += scores[j] * v[offsetOf(c, b, h, j, e, c.skv, c.d)];
          o[offsetOf(c, b, h, i, e, c.sq, c.d)] = value / sum;
        }
      }
  return o;
}

/// An engine of one attention step over bindings q, k, v, (mask,) o.
std::vector<uint8_t> attentionEngine(const AttentionCase &c, float scale, int64_t engineId = -1,
                                     const std::vector<int64_t> &knobs = {}) {
  fb::DType type = static_cast<fb::DType>(c.dtype);
  auto storage = [&](int64_t seq) {
    return c.bshd ? std::vector<int64_t>{c.batch, seq, c.heads, c.d}
                  : std::vector<int64_t>{c.batch, c.heads, seq, c.d};
  };
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t q = builder.addBinding("q", type, storage(c.sq), true);
  uint32_t k = builder.addBinding("k", type, storage(c.skv), true);
  uint32_t v = builder.addBinding("v", type, storage(c.skv), true);
  uint32_t mask = c.withMask ? builder.addBinding("mask", type, {c.batch, 1, c.sq, c.skv}, true)
                             : 0;
  uint32_t o = builder.addBinding("o", type, storage(c.sq), false);
  AttentionSpec a;
  a.q = tensorSpec(c, c.sq, EngineBuilder::binding(q));
  a.k = tensorSpec(c, c.skv, EngineBuilder::binding(k));
  a.v = tensorSpec(c, c.skv, EngineBuilder::binding(v));
  a.o = tensorSpec(c, c.sq, EngineBuilder::binding(o));
  a.hasBias = c.withMask;
  a.bias = {type, {c.batch, 1, c.sq, c.skv}, {}, EngineBuilder::binding(mask)};
  a.scale = scale;
  a.engineId = engineId;
  a.knobs = knobs;
  builder.addAttention("attention0", a, c.dtype == DataType::BF16 ? "bf16" : "fp16");
  return builder.file();
}

class GpuAttention : public testing::TestWithParam<AttentionCase> {};

TEST_P(GpuAttention, MatchesCpu) {
  KILN_REQUIRE_GPU();
  const AttentionCase &c = GetParam();
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  std::vector<double> q = randomValues(c.batch * c.heads * c.sq * c.d, 30, c.dtype);
  std::vector<double> k = randomValues(c.batch * c.heads * c.skv * c.d, 31, c.dtype);
  std::vector<double> v = randomValues(c.batch * c.heads * c.skv * c.d, 32, c.dtype);
  std::vector<double> mask = c.withMask ? makeMask(c) : std::vector<double>{};
  std::vector<double> expected = reference(c, q, k, v, mask, scale);

  std::vector<uint8_t> file = attentionEngine(c, scale);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();
  std::printf("tactic: %s\n", context->stepTactic(0).c_str());
  ExecutionContext::StepChoice choice = context->stepChoice(0);

  size_t element = dataTypeSize(c.dtype);
  DeviceBuffer dq(q.size() * element), dk(k.size() * element), dv(v.size() * element),
      dmask(std::max<size_t>(1, mask.size()) * element), dout(expected.size() * element);
  dq.upload(encode(q, c.dtype).data(), dq.bytes());
  dk.upload(encode(k, c.dtype).data(), dk.bytes());
  dv.upload(encode(v, c.dtype).data(), dv.bytes());
  ASSERT_TRUE(context->setBinding("q", dq.get()).ok());
  ASSERT_TRUE(context->setBinding("k", dk.get()).ok());
  ASSERT_TRUE(context->setBinding("v", dv.get()).ok());
  if (c.withMask) {
    dmask.upload(encode(mask, c.dtype).data(), dmask.bytes());
    ASSERT_TRUE(context->setBinding("mask", dmask.get()).ok());
  }
  ASSERT_TRUE(context->setBinding("o", dout.get()).ok());

  // f16 rounds the output to 2^-11 near 1 and cuDNN multiplies the
  // probabilities by v in the input type; bf16 has 3 fewer bits.
  double atol = c.dtype == DataType::BF16 ? 1.6e-2 : 2e-3;
  for (bool graph : {false, true}) {
    SCOPED_TRACE(graph ? "replayed from a CUDA graph" : "direct");
    std::vector<uint8_t> poison(dout.bytes(), 0x7f); // finite garbage in either type
    dout.upload(poison.data(), poison.size());
    context->enableCudaGraph(graph);
    for (int run = 0; run < (graph ? 2 : 1); ++run) { // capture, then replay
      Status status = context->run();
      ASSERT_TRUE(status.ok()) << status.message();
    }
    std::vector<double> actual = decode(dout.download(), c.dtype);
    size_t nonFinite = 0;
    for (double value : actual)
      nonFinite += !std::isfinite(value);
    EXPECT_EQ(nonFinite, 0u) << "NaN or inf in the output";
    size_t where = 0;
    EXPECT_LE(worstError(actual, expected, atol, 0, &where), 1.0)
        << "at " << where << ": " << actual[where] << " vs " << expected[where];
    if (c.withMask) {
      // A fully masked row gives 0 (what cuDNN does with it is the question).
      int64_t b = maskedBatch(c);
      for (int64_t h = 0; h < c.heads; ++h)
        for (int64_t e = 0; e < c.d; ++e) {
          double value = actual[offsetOf(c, b, h, kMaskedRow, e, c.sq, c.d)];
          ASSERT_EQ(value, 0.0) << "the fully masked row (batch " << b << ", head " << h
                                << ", query " << kMaskedRow << ") holds " << value
                                << " at feature " << e;
        }
    }
  }

  // The engine cuDNN chose, stored in the file, is taken as it is.
  if (choice.engineId >= 0) {
    std::vector<uint8_t> stored = attentionEngine(c, scale, choice.engineId, choice.knobs);
    auto again = Engine::loadFromMemory(stored.data(), stored.size());
    ASSERT_TRUE(again.ok()) << again.status().message();
    auto storedContext = again->createContext();
    ASSERT_TRUE(storedContext.ok()) << storedContext.status().message();
    EXPECT_NE(storedContext->stepTactic(0).find("from the engine"), std::string::npos)
        << storedContext->stepTactic(0);
    EXPECT_TRUE(storedContext->warnings().empty()) << storedContext->warnings().front();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, GpuAttention,
    testing::Values(AttentionCase{DataType::F16, false, false},
                    AttentionCase{DataType::F16, false, true},
                    AttentionCase{DataType::F16, true, false},
                    AttentionCase{DataType::F16, true, true},
                    AttentionCase{DataType::BF16, false, false},
                    AttentionCase{DataType::BF16, false, true},
                    AttentionCase{DataType::BF16, true, false},
                    AttentionCase{DataType::BF16, true, true},
                    // An odd sequence length, and Sq != Skv.
                    AttentionCase{DataType::F16, true, true, 2, 3, 77, 77, 64},
                    AttentionCase{DataType::F16, false, true, 2, 3, 64, 96, 64},
                    AttentionCase{DataType::BF16, true, false, 2, 3, 77, 50, 64}),
    caseName);

// A head size cuDNN cannot run is refused by the loader, naming the step.
TEST(GpuAttentionErrors, HeadSizeIsRefusedByName) {
  KILN_REQUIRE_GPU();
  AttentionCase c{DataType::F16, false, false, 1, 1, 16, 16, 12};
  std::vector<uint8_t> file = attentionEngine(c, 0.25f);
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), ErrorCode::Unsupported);
  EXPECT_NE(engine.status().message().find("step 0 'attention0'"), std::string::npos)
      << engine.status().message();
}

} // namespace
