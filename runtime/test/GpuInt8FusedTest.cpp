// The fused INT8 convolution on the GPU (format 1.2, what the lowering emits
// where the INT8 epilogue fits cuDNN): int8 x and w, int32 sums times a
// per-channel scale, plus bias, plus an int8 residual times its scale, relu
// or clip (ReLU6 with its bounds in output units), or (format 1.5) silu,
// sigmoid or tanh on real values followed by post_scale,
// written as int8 (or f32/f16), against the same epilogue computed on the CPU
// from exact integer sums. Int8 outputs must agree exactly or within one
// step; the counts, and how cuDNN rounds ties, are printed.
#include "GpuTestUtils.h"

#include "kiln/runtime/Tactics.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

std::vector<int8_t> randomInt8(size_t count, int low, int high, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> uniform(low, high);
  std::vector<int8_t> values(count);
  for (int8_t &v : values)
    v = static_cast<int8_t>(uniform(generator));
  return values;
}

struct FusedCase {
  const char *name;
  int64_t c, k, r, stride, pad;
  bool residual, relu;
  fb::DType out;
  /// Data and weights in [-range, range]; power-of-two scales and no bias
  /// (ties: every odd sum times 0.5 lies halfway between two integers).
  int range;
  bool ties;
  /// clip(0, clipHigh) instead of relu when positive (bounds in output units).
  float clipHigh = 0;
  /// An activation that does not commute with the output's scale (format
  /// 1.5): scale, bias and z's scale are multiplied by `realUnit` (real
  /// values of a few units around 0, where the activation bends), and
  /// `postScale` follows the activation.
  fb::Activation other = fb::Activation::None;
  float realUnit = 1, postScale = 1;
};

/// `activation` of one value in f32, as the lowering's reference does.
float applyOther(fb::Activation activation, float v) {
  switch (activation) {
  case fb::Activation::Silu: return v / (1.0f + std::exp(-v));
  case fb::Activation::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
  case fb::Activation::Tanh: return std::tanh(v);
  case fb::Activation::Gelu: return 0.5f * v * (1.0f + std::erf(v * 0.70710678f));
  case fb::Activation::LeakyRelu: return v < 0 ? 0.1f * v : v; // alpha 0.1 below
  case fb::Activation::Elu: return v < 0 ? std::expm1(v) : v; // alpha 1
  default: return v;
  }
}

std::string caseName(const testing::TestParamInfo<FusedCase> &info) { return info.param.name; }

class GpuInt8Fused : public testing::TestWithParam<FusedCase> {};

// Tests that a fused INT8 convolution step runs in cuDNN and gives the CPU's
// epilogue of the exact sums: f32 and f16 outputs to their rounding, int8
// outputs exactly or one step off (round half to even, saturated, is the
// reference interpreter's requantize), and that tactic timing offers its
// plans.
TEST_P(GpuInt8Fused, MatchesTheReferenceEpilogue) {
  KILN_REQUIRE_GPU();
  const FusedCase &c = GetParam();
  const int64_t N = 2, H = 10, W = 10, C = c.c, K = c.k, R = c.r;
  const int64_t P = (H + 2 * c.pad - R) / c.stride + 1, Q = (W + 2 * c.pad - R) / c.stride + 1;
  std::vector<int8_t> x = randomInt8(N * H * W * C, -c.range, c.range, 90),
                      w = randomInt8(K * R * R * C, -c.range, c.range, 91),
                      z = randomInt8(N * P * Q * K, -127, 127, 92);
  // Scales that spread the outputs over the int8 range (sums of C*R*R
  // products of a standard deviation of about range^2 / 3).
  double spread = std::sqrt(double(C * R * R)) * c.range * c.range / 3.0;
  std::vector<float> scale(K), bias(K);
  std::mt19937 generator(93);
  std::uniform_real_distribution<float> uniform(-1, 1);
  for (int64_t k = 0; k < K; ++k) {
    scale[k] = c.ties ? 0.5f
                      : static_cast<float>(40.0 / spread * (1 + 0.25 * (k % 5)) * c.realUnit);
    bias[k] = c.ties ? 0.0f : 20 * uniform(generator) * c.realUnit;
  }
  const float zScale = c.ties ? 1.0f : 0.375f * c.realUnit;

  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t xb = builder.addBinding("x", fb::DType::I8, {N, C, H, W}, true, "NHWC");
  uint32_t zb = c.residual ? builder.addBinding("z", fb::DType::I8, {N, K, P, Q}, true, "NHWC")
                           : 0;
  uint32_t yb = builder.addBinding("y", c.out, {N, K, P, Q}, false, "NHWC");
  ConvSpec conv;
  conv.x = {fb::DType::I8, {N, C, H, W}, stridesFor({N, C, H, W}, true),
            EngineBuilder::binding(xb)};
  conv.w = {fb::DType::I8, {K, C, R, R}, stridesFor({K, C, R, R}, true),
            EngineBuilder::weights(builder.addWeights(w.data(), w.size()))};
  conv.y = {c.out, {N, K, P, Q}, stridesFor({N, K, P, Q}, true), EngineBuilder::binding(yb)};
  conv.hasScale = conv.hasBias = true;
  conv.scale = {fb::DType::F32, {K}, {},
                EngineBuilder::weights(builder.addWeights(scale.data(), K * sizeof(float)))};
  conv.bias = {fb::DType::F32, {K}, {},
               EngineBuilder::weights(builder.addWeights(bias.data(), K * sizeof(float)))};
  if (c.residual) {
    conv.hasZ = true;
    conv.z = {fb::DType::I8, {N, K, P, Q}, stridesFor({N, K, P, Q}, true),
              EngineBuilder::binding(zb)};
    conv.zScale = zScale;
  }
  conv.padsBegin = conv.padsEnd = {c.pad, c.pad};
  conv.strides = {c.stride, c.stride};
  conv.dilations = {1, 1};
  conv.compute = fb::DType::I32;
  conv.activation = c.other != fb::Activation::None ? c.other
                    : c.clipHigh > 0                 ? fb::Activation::Clip
                    : c.relu                         ? fb::Activation::Relu
                                                     : fb::Activation::None;
  conv.postScale = c.postScale;
  if (c.other == fb::Activation::LeakyRelu)
    conv.actAlpha = 0.1f;
  else if (c.other == fb::Activation::Elu)
    conv.actAlpha = 1.0f;
  if (c.clipHigh > 0) {
    conv.actAlpha = 0;
    conv.actBeta = c.clipHigh;
  }
  builder.addConv("qconv", conv, "int8");
  std::vector<uint8_t> file = builder.file();

  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();
  std::printf("tactic: %s\n", context->stepTactic(0).c_str());
  DataType outType = c.out == fb::DType::I8    ? DataType::I8
                     : c.out == fb::DType::F16 ? DataType::F16
                                               : DataType::F32;
  DeviceBuffer dx(x.size()), dz(z.size()), dy(N * P * Q * K * dataTypeSize(outType));
  dx.upload(x.data(), x.size());
  dz.upload(z.data(), z.size());
  ASSERT_TRUE(context->setBinding("x", dx.get()).ok());
  if (c.residual)
    ASSERT_TRUE(context->setBinding("z", dz.get()).ok());
  ASSERT_TRUE(context->setBinding("y", dy.get()).ok());
  Status status = context->run();
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<double> y = decode(dy.download(), outType);

  int64_t exact = 0, offByOne = 0, worse = 0, tiesEven = 0, tiesAway = 0, total = 0;
  double worstFloat = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t q = 0; q < Q; ++q)
        for (int64_t k = 0; k < K; ++k) {
          int64_t sum = 0;
          for (int64_t r = 0; r < R; ++r)
            for (int64_t s = 0; s < R; ++s) {
              int64_t h = p * c.stride - c.pad + r, v = q * c.stride - c.pad + s;
              if (h < 0 || h >= H || v < 0 || v >= W)
                continue;
              for (int64_t ci = 0; ci < C; ++ci)
                sum += int64_t(x[((n * H + h) * W + v) * C + ci]) *
                       w[((k * R + r) * R + s) * C + ci];
            }
          int64_t at = ((n * P + p) * Q + q) * K + k;
          // The graph's order, in f32: sum * scale + bias + z * z_scale, relu.
          float want = float(sum) * scale[k] + bias[k];
          if (c.residual)
            want += float(z[at]) * zScale;
          if (c.other != fb::Activation::None)
            want = applyOther(c.other, want) * c.postScale;
          else if (c.clipHigh > 0)
            want = std::fmin(std::fmax(want, 0.0f), c.clipHigh);
          else if (c.relu)
            want = std::fmax(want, 0.0f);
          double got = y[at];
          ++total;
          if (c.out != fb::DType::I8) {
            double tolerance = c.out == fb::DType::F16 ? 1e-3 : 1e-5;
            worstFloat = std::fmax(worstFloat, std::fabs(got - want) /
                                                   (tolerance * (1 + std::fabs(want))));
            continue;
          }
          double rounded = std::fmin(127.0, std::fmax(-128.0, std::nearbyint(want)));
          double diff = std::fabs(got - rounded);
          exact += diff == 0;
          offByOne += diff == 1;
          worse += diff > 1;
          if (diff > 1 && worse <= 5)
            ADD_FAILURE() << "at n " << n << " p " << p << " q " << q << " k " << k << ": got "
                          << got << ", want " << rounded << " (" << want << ")";
          if (std::fabs(want - std::trunc(want)) == 0.5 && std::fabs(want) < 127) {
            bool even = got == rounded;
            tiesEven += even;
            tiesAway += !even && got == want + std::copysign(0.5, want);
          } else if (c.ties) {
            EXPECT_EQ(diff, 0) << "exact arithmetic, no tie, at element " << at;
          }
        }
  if (c.out != fb::DType::I8) {
    EXPECT_LE(worstFloat, 1.0) << "float output off the reference epilogue";
    std::printf("%lld outputs, worst %.3g of the tolerance\n", (long long)total, worstFloat);
  } else {
    EXPECT_EQ(worse, 0) << "int8 outputs more than one step off";
    std::printf("%lld int8 outputs: %lld exact, %lld one step off; ties: %lld to even, "
                "%lld away from zero\n",
                (long long)total, (long long)exact, (long long)offByOne, (long long)tiesEven,
                (long long)tiesAway);
  }

  // Tactic timing offers and times this step's plans (kiln-select-tactics).
  flatbuffers::FlatBufferBuilder fbb;
  uint64_t next = 0;
  auto desc = [&](fb::DType type, std::vector<int64_t> shape, std::vector<int64_t> strides,
                  uint64_t bytes) {
    fb::BufferRef ref(next, 0, fb::Region::Arena);
    next += (bytes + 255) / 256 * 256;
    return fb::CreateTensorDescDirect(fbb, type, &shape, &strides, &ref);
  };
  auto tx = desc(fb::DType::I8, {N, C, H, W}, stridesFor({N, C, H, W}, true), x.size());
  auto tw = desc(fb::DType::I8, {K, C, R, R}, stridesFor({K, C, R, R}, true), w.size());
  auto tbias = desc(fb::DType::F32, {K}, {}, K * 4);
  auto tz = c.residual ? desc(fb::DType::I8, {N, K, P, Q}, stridesFor({N, K, P, Q}, true),
                              z.size())
                       : 0;
  auto ty = desc(c.out, {N, K, P, Q}, stridesFor({N, K, P, Q}, true), dy.bytes());
  auto tscale = desc(fb::DType::F32, {K}, {}, K * 4);
  std::vector<int64_t> pads = {c.pad, c.pad}, strides = {c.stride, c.stride}, ones = {1, 1},
                       knobs;
  auto step = fb::CreateConvStepDirect(fbb, tx, tw, tbias, tz, ty, &pads, &pads, &strides, &ones,
                                       1, false, fb::DType::I32, conv.activation, conv.actAlpha,
                                       conv.actBeta, -1,
                                       &knobs, 0, 1.0f, tscale, conv.zScale, conv.postScale);
  fbb.Finish(fb::CreateStepDirect(fbb, fb::StepKind::ConvStep, step.Union(), "qconv", nullptr,
                                  "int8", ""));
  Expected<TacticTimer> timer = TacticTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status().message();
  Expected<TacticTiming> timing =
      timer->time(fbb.GetBufferPointer(), fbb.GetSize(), next, "qconv");
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  ASSERT_FALSE(timing->timed.empty());
  std::printf("%zu plans offered, %zu timed, fastest %s: %.4f ms\n", timing->candidates,
              timing->timed.size(), timing->timed.front().description.c_str(),
              timing->timed.front().milliseconds);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, GpuInt8Fused,
    testing::Values(
        FusedCase{"Res3x3Relu", 32, 32, 3, 1, 1, true, true, fb::DType::I8, 127, false},
        FusedCase{"Plain1x1Relu", 64, 64, 1, 1, 0, false, true, fb::DType::I8, 127, false},
        FusedCase{"Strided3x3NoAct", 16, 32, 3, 2, 1, false, false, fb::DType::I8, 127, false},
        FusedCase{"Res1x1C4", 4, 8, 1, 1, 0, true, true, fb::DType::I8, 127, false},
        FusedCase{"Ties", 4, 8, 1, 1, 0, false, false, fb::DType::I8, 2, true},
        FusedCase{"FloatOut", 32, 16, 3, 1, 1, false, true, fb::DType::F32, 127, false},
        FusedCase{"HalfOut", 32, 16, 1, 1, 0, false, false, fb::DType::F16, 127, false},
        // ReLU6 as the lowering emits it: clip(0, 6 / out_scale); 24 so
        // that part of the outputs saturate at the upper bound.
        FusedCase{"Clip1x1Int8", 64, 32, 1, 1, 0, false, true, fb::DType::I8, 127, false, 24},
        FusedCase{"ResClip3x3Int8", 32, 32, 3, 1, 1, true, true, fb::DType::I8, 127, false, 24},
        FusedCase{"ClipHalfOut", 32, 16, 1, 1, 0, false, true, fb::DType::F16, 127, false, 6},
        // SiLU (EfficientNet) as the lowering emits it for an int8 output:
        // real units (about -5..5 before the activation), then times
        // 1 / out_scale (16: outputs up to 127, some saturated); for a
        // half output without the multiply.
        FusedCase{"Silu1x1Int8", 64, 32, 1, 1, 0, false, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Silu, 1.0f / 16, 16},
        FusedCase{"ResSilu3x3Int8", 32, 32, 3, 1, 1, true, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Silu, 1.0f / 16, 16},
        FusedCase{"SiluHalfOut", 32, 16, 1, 1, 0, false, false, fb::DType::F16, 127, false, 0,
                  fb::Activation::Silu, 1.0f / 16, 1},
        // Sigmoid into [0, 1] times 127 (out_scale 1/127); tanh times 100.
        FusedCase{"Sigmoid1x1Int8", 64, 32, 1, 1, 0, false, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Sigmoid, 1.0f / 16, 127},
        FusedCase{"ResTanh3x3Int8", 32, 32, 3, 1, 1, true, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Tanh, 1.0f / 16, 100},
        // The other activations the lowering fuses in real units (not in
        // GpuInt8FusionProbe): erf GELU, leaky relu (0.1), elu (1).
        FusedCase{"Gelu1x1Int8", 64, 32, 1, 1, 0, false, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Gelu, 1.0f / 16, 16},
        FusedCase{"LeakyRelu1x1Int8", 64, 32, 1, 1, 0, false, false, fb::DType::I8, 127, false,
                  0, fb::Activation::LeakyRelu, 1.0f / 16, 16},
        FusedCase{"Elu1x1Int8", 64, 32, 1, 1, 0, false, false, fb::DType::I8, 127, false, 0,
                  fb::Activation::Elu, 1.0f / 16, 16}),
    caseName);

} // namespace
