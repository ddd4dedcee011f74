// ConvStep on the GPU (cuDNN graph: conv + bias + residual + activation)
// against CPU loops, in FP32 and FP16, NCHW and NHWC memory.
#include "GpuTestUtils.h"
#include "kiln/runtime/Tactics.h"

#include <cmath>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

struct ConvCase {
  DataType dtype;
  bool channelsLast;
  bool transposed = false;
  float alpha = 1.f;
  fb::Activation activation = fb::Activation::Relu;
  float actAlpha = 0.f;
};

std::string caseName(const testing::TestParamInfo<ConvCase> &info) {
  const ConvCase &c = info.param;
  std::string name = std::string(dataTypeName(c.dtype)) + (c.channelsLast ? "_NHWC" : "_NCHW");
  if (c.transposed)
    name += "_transposed";
  if (c.alpha != 1.f)
    name += "_alpha";
  if (c.activation != fb::Activation::Relu)
    name += std::string("_") + fb::EnumNameActivation(c.activation);
  return name;
}

double activate(double v, const ConvCase &c) {
  switch (c.activation) {
  case fb::Activation::Relu: return v > 0 ? v : 0;
  case fb::Activation::LeakyRelu: return v > 0 ? v : c.actAlpha * v;
  default: return v;
  }
}

// Element (n, c, h, w) of a logical NCHW tensor stored with `strides`.
size_t at(const std::vector<int64_t> &strides, int64_t n, int64_t c, int64_t h, int64_t w) {
  return size_t(n * strides[0] + c * strides[1] + h * strides[2] + w * strides[3]);
}

class GpuConv : public testing::TestWithParam<ConvCase> {};

TEST_P(GpuConv, BiasResidualActivationMatchesCpu) {
  KILN_REQUIRE_GPU();
  const ConvCase &c = GetParam();
  const int64_t N = 2, C = 16, H = 9, W = 9, K = 32, R = 3, S = 3, pad = 1;
  const int64_t stride = c.transposed ? 2 : 1;
  // Forward: input [N,C,H,W] -> output [N,K,P,Q]. Transposed: the engine's x
  // is [N,C,H,W] and y [N,K,P,Q] with P = (H-1)*stride - 2*pad + R.
  int64_t P = c.transposed ? (H - 1) * stride - 2 * pad + R : (H + 2 * pad - R) / stride + 1;
  int64_t Q = c.transposed ? (W - 1) * stride - 2 * pad + S : (W + 2 * pad - S) / stride + 1;
  std::vector<int64_t> xShape = {N, C, H, W}, yShape = {N, K, P, Q};
  std::vector<int64_t> wShape = c.transposed ? std::vector<int64_t>{C, K, R, S}
                                             : std::vector<int64_t>{K, C, R, S};
  auto xStrides = stridesFor(xShape, c.channelsLast);
  auto yStrides = stridesFor(yShape, c.channelsLast);
  auto wStrides = stridesFor(wShape, c.channelsLast);
  size_t xCount = N * C * H * W, yCount = N * K * P * Q, wCount = K * C * R * S;

  std::vector<double> x = randomValues(xCount, 10, c.dtype);
  std::vector<double> w = randomValues(wCount, 11, c.dtype);
  std::vector<double> bias = randomValues(K, 12, c.dtype);
  std::vector<double> z = randomValues(yCount, 13, c.dtype);
  fb::DType type = static_cast<fb::DType>(c.dtype);

  // Device tensors in their memory order.
  std::vector<double> xMemory(xCount), zMemory(yCount), wMemory(wCount);
  auto logicalToMemory = [](const std::vector<double> &logical, const std::vector<int64_t> &shape,
                            const std::vector<int64_t> &strides, std::vector<double> &memory) {
    size_t i = 0;
    for (int64_t n = 0; n < shape[0]; ++n)
      for (int64_t ch = 0; ch < shape[1]; ++ch)
        for (int64_t h = 0; h < shape[2]; ++h)
          for (int64_t v = 0; v < shape[3]; ++v)
            memory[at(strides, n, ch, h, v)] = logical[i++];
  };
  logicalToMemory(x, xShape, xStrides, xMemory);
  logicalToMemory(z, yShape, yStrides, zMemory);
  logicalToMemory(w, wShape, wStrides, wMemory);
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t xb = builder.addBinding("x", type, xShape, true, c.channelsLast ? "NHWC" : "NCHW");
  uint32_t zb = builder.addBinding("z", type, yShape, true);
  uint32_t yb = builder.addBinding("y", type, yShape, false);
  std::vector<uint8_t> wBytes = encode(wMemory, c.dtype), biasBytes = encode(bias, c.dtype);
  uint64_t wOffset = builder.addWeights(wBytes.data(), wBytes.size());
  uint64_t biasOffset = builder.addWeights(biasBytes.data(), biasBytes.size());
  ConvSpec conv;
  conv.x = {type, xShape, xStrides, EngineBuilder::binding(xb)};
  conv.w = {type, wShape, wStrides, EngineBuilder::weights(wOffset)};
  conv.y = {type, yShape, yStrides, EngineBuilder::binding(yb)};
  conv.z = {type, yShape, yStrides, EngineBuilder::binding(zb)};
  conv.hasZ = true;
  conv.bias = {type, {1, K, 1, 1}, {}, EngineBuilder::weights(biasOffset)};
  conv.hasBias = true;
  conv.padsBegin = conv.padsEnd = {pad, pad};
  conv.strides = {stride, stride};
  conv.dilations = {1, 1};
  conv.transposed = c.transposed;
  conv.alpha = c.alpha;
  conv.activation = c.activation;
  conv.actAlpha = c.actAlpha;
  builder.nextLayers = {"conv", "bias", "add", "act"};
  builder.addConv("", conv, c.dtype == DataType::F32 ? "fp32" : "fp16");
  std::vector<uint8_t> file = builder.file();

  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();
  for (const std::string &warning : context->warnings())
    std::printf("warning: %s\n", warning.c_str());
  std::printf("tactic: %s, workspace %zu\n", context->stepTactic(0).c_str(),
              size_t(context->workspaceSize()));

  DeviceBuffer dx(xCount * dataTypeSize(c.dtype)), dz(yCount * dataTypeSize(c.dtype)),
      dy(yCount * dataTypeSize(c.dtype));
  dx.upload(encode(xMemory, c.dtype).data(), dx.bytes());
  dz.upload(encode(zMemory, c.dtype).data(), dz.bytes());
  ASSERT_TRUE(context->setBinding("x", dx.get()).ok());
  ASSERT_TRUE(context->setBinding("z", dz.get()).ok());
  ASSERT_TRUE(context->setBinding("y", dy.get()).ok());
  Status status = context->run();
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<double> yMemory = decode(dy.download(), c.dtype);

  // CPU reference on the logical (NCHW) values; `w` is logical [K,C,R,S]
  // ([C,K,R,S] when transposed).
  auto wAt = [&](int64_t k, int64_t ch, int64_t r, int64_t s) {
    return c.transposed ? w[((ch * K + k) * R + r) * S + s] : w[((k * C + ch) * R + r) * S + s];
  };
  size_t where = 0;
  std::vector<double> expected(yCount), actual(yCount);
  size_t i = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q, ++i) {
          double sum = 0;
          for (int64_t ch = 0; ch < C; ++ch)
            for (int64_t r = 0; r < R; ++r)
              for (int64_t s = 0; s < S; ++s) {
                int64_t h, v;
                if (!c.transposed) {
                  h = p * stride - pad + r;
                  v = q * stride - pad + s;
                } else { // y[p] += x[h] * w where p = h*stride - pad + r
                  int64_t hp = p + pad - r, vq = q + pad - s;
                  if (hp % stride || vq % stride)
                    continue;
                  h = hp / stride;
                  v = vq / stride;
                }
                if (h < 0 || h >= H || v < 0 || v >= W)
                  continue;
                sum += x[((n * C + ch) * H + h) * W + v] * wAt(k, ch, r, s);
              }
          double pre = sum * c.alpha + bias[k] + z[((n * K + k) * P + p) * Q + q];
          expected[i] = activate(pre, c);
          actual[i] = yMemory[at(yStrides, n, k, p, q)];
        }
  // TF32 (if cuDNN picks it for fp32) and fp16 rounding of the result.
  double tolerance = c.dtype == DataType::F32 ? 5e-3 : 2e-2;
  double error = worstError(actual, expected, tolerance, tolerance, &where);
  EXPECT_LE(error, 1.0) << "at " << where << ": " << actual[where] << " vs " << expected[where];
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, GpuConv,
    testing::Values(ConvCase{DataType::F32, false}, ConvCase{DataType::F32, true},
                    ConvCase{DataType::F16, false}, ConvCase{DataType::F16, true},
                    ConvCase{DataType::F16, true, false, 0.5f, fb::Activation::LeakyRelu, 0.1f},
                    ConvCase{DataType::F16, true, true}),
    caseName);

} // namespace

namespace {

// An f16 NHWC conv 3x3 + bias + relu whose cuDNN engine may be fixed.
std::vector<uint8_t> choiceEngine(int64_t engineId, const std::vector<int64_t> &knobs) {
  const int64_t N = 2, C = 16, H = 9, W = 9, K = 32;
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t x = builder.addBinding("x", fb::DType::F16, {N, C, H, W}, true, "NHWC");
  uint32_t y = builder.addBinding("y", fb::DType::F16, {N, K, H, W}, false, "NHWC");
  std::vector<uint8_t> w = encode(randomValues(K * C * 9, 30, DataType::F16), DataType::F16);
  std::vector<uint8_t> b = encode(randomValues(K, 31, DataType::F16), DataType::F16);
  ConvSpec conv;
  conv.x = {fb::DType::F16, {N, C, H, W}, stridesFor({N, C, H, W}, true), EngineBuilder::binding(x)};
  conv.w = {fb::DType::F16, {K, C, 3, 3}, stridesFor({K, C, 3, 3}, true),
            EngineBuilder::weights(builder.addWeights(w.data(), w.size()))};
  conv.y = {fb::DType::F16, {N, K, H, W}, stridesFor({N, K, H, W}, true), EngineBuilder::binding(y)};
  conv.hasBias = true;
  conv.bias = {fb::DType::F16, {K}, {}, EngineBuilder::weights(builder.addWeights(b.data(), b.size()))};
  conv.padsBegin = conv.padsEnd = {1, 1};
  conv.engineId = engineId;
  conv.knobs = knobs;
  builder.addConv("conv", conv, "fp16");
  return builder.file();
}

} // namespace

// Tests that the engine and knobs a context reports, written into an engine,
// are what its context then runs, with the same results.
TEST(GpuConvChoice, EngineAndKnobsRoundTrip) {
  KILN_REQUIRE_GPU();
  SingleRun heuristic = runOnce(choiceEngine(-1, {}), "x", "y", 32);
  ASSERT_GE(heuristic.choice.engineId, 0) << heuristic.tactic;
  std::printf("heuristic: %s, engine %lld, %zu knob numbers\n", heuristic.tactic.c_str(),
              static_cast<long long>(heuristic.choice.engineId), heuristic.choice.knobs.size());
  SingleRun fixed =
      runOnce(choiceEngine(heuristic.choice.engineId, heuristic.choice.knobs), "x", "y", 32);
  EXPECT_NE(fixed.tactic.find("(from the engine)"), std::string::npos) << fixed.tactic;
  EXPECT_EQ(fixed.choice.engineId, heuristic.choice.engineId);
  EXPECT_EQ(fixed.choice.knobs, heuristic.choice.knobs);
  EXPECT_EQ(fixed.output, heuristic.output);

  // An engine this cuDNN does not have: a warning, then the heuristic's plan.
  SingleRun unknown = runOnce(choiceEngine(100000, {}), "x", "y", 32);
  EXPECT_EQ(unknown.output, heuristic.output);
  ASSERT_FALSE(unknown.warnings.empty());
  EXPECT_NE(unknown.warnings.back().find("cuDNN engine 100000"), std::string::npos)
      << unknown.warnings.back();
}

// Tests tactic timing of a conv (kiln-select-tactics' path): cuDNN offers
// several plans for choiceEngine's conv, each is timed, the fastest first;
// its engine and knobs, written into an engine, are what a context runs,
// with the heuristic's results.
TEST(GpuTactics, ConvCandidatesAreTimedAndTheWinnerLoads) {
  KILN_REQUIRE_GPU();
  const int64_t N = 2, C = 16, H = 9, W = 9, K = 32;
  // choiceEngine's step alone, every buffer in a scratch arena.
  flatbuffers::FlatBufferBuilder fbb;
  uint64_t next = 0;
  auto desc = [&](std::vector<int64_t> shape, std::vector<int64_t> strides, uint64_t bytes) {
    fb::BufferRef ref(next, 0, fb::Region::Arena);
    next += (bytes + 255) / 256 * 256;
    return fb::CreateTensorDescDirect(fbb, fb::DType::F16, &shape, &strides, &ref);
  };
  auto x = desc({N, C, H, W}, stridesFor({N, C, H, W}, true), N * C * H * W * 2);
  auto w = desc({K, C, 3, 3}, stridesFor({K, C, 3, 3}, true), K * C * 9 * 2);
  auto bias = desc({K}, {}, K * 2);
  auto y = desc({N, K, H, W}, stridesFor({N, K, H, W}, true), N * K * H * W * 2);
  std::vector<int64_t> pads = {1, 1}, ones = {1, 1}, knobs;
  auto conv = fb::CreateConvStepDirect(fbb, x, w, bias, 0, y, &pads, &pads, &ones, &ones, 1,
                                       false, fb::DType::F32, fb::Activation::None, 0, 0, -1,
                                       &knobs, 0, 1.0f);
  fbb.Finish(fb::CreateStepDirect(fbb, fb::StepKind::ConvStep, conv.Union(), "conv", nullptr,
                                  "fp16", ""));

  Expected<TacticTimer> timer = TacticTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status().message();
  EXPECT_EQ(timer->device().computeCapability, int(deviceArch()));
  Expected<TacticTiming> timing = timer->time(fbb.GetBufferPointer(), fbb.GetSize(), next, "conv");
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  ASSERT_FALSE(timing->timed.empty());
  EXPECT_GE(timing->candidates, timing->timed.size());
  for (size_t i = 0; i < timing->timed.size(); ++i) {
    const TimedTactic &t = timing->timed[i];
    std::printf("  %s: %.4f ms, workspace %llu\n", t.description.c_str(), t.milliseconds,
                static_cast<unsigned long long>(t.workspace));
    EXPECT_GT(t.milliseconds, 0.0);
    EXPECT_GE(t.engineId, 0);
    if (i)
      EXPECT_LE(timing->timed[i - 1].milliseconds, t.milliseconds);
  }
  for (const std::string &why : timing->skipped)
    std::printf("  skipped %s\n", why.c_str());

  const TimedTactic &best = timing->timed.front();
  SingleRun heuristic = runOnce(choiceEngine(-1, {}), "x", "y", 32);
  SingleRun fastest = runOnce(choiceEngine(best.engineId, best.knobs), "x", "y", 32);
  EXPECT_NE(fastest.tactic.find("(from the engine)"), std::string::npos) << fastest.tactic;
  EXPECT_EQ(fastest.choice.engineId, best.engineId);
  std::vector<double> a = decode(fastest.output, DataType::F16),
                      b = decode(heuristic.output, DataType::F16);
  EXPECT_LE(worstError(a, b, 1e-2, 1e-2), 1.0);
}
