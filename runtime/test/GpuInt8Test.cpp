// The INT8 library steps on the GPU, as kiln-convert-nn-to-engine emits them:
// cuDNN's int8 convolution (int8 NHWC data and weights, int32 accumulation,
// f32 sums) and cuBLASLt's IMMA GEMM (int8 A [M, K] and B [N, K], i32 sums),
// against exact integer sums on the CPU; then the float epilogue (per-channel
// scale, requantization) applied to both lands within one quantization step.
#include "GpuTestUtils.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

/// Random int8 values in [-127, 127], as quantized weights and data hold.
std::vector<int8_t> randomInt8(size_t count, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> uniform(-127, 127);
  std::vector<int8_t> values(count);
  for (int8_t &v : values)
    v = static_cast<int8_t>(uniform(generator));
  return values;
}

/// Requantizes a sum: round half to even of sum × scale / outScale,
/// saturated to int8 (what the epilogue kernel's nn.quantize computes).
int requantize(double sum, double scale, double outScale) {
  double q = std::nearbyint(sum * scale / outScale);
  return static_cast<int>(std::fmin(127.0, std::fmax(-128.0, q)));
}

struct Int8ConvCase {
  int64_t c, k, r, stride, pad, groups;
};

std::string convName(const testing::TestParamInfo<Int8ConvCase> &info) {
  const Int8ConvCase &c = info.param;
  return "C" + std::to_string(c.c) + "_K" + std::to_string(c.k) + "_R" + std::to_string(c.r) +
         "_S" + std::to_string(c.stride) + "_G" + std::to_string(c.groups);
}

class GpuInt8Conv : public testing::TestWithParam<Int8ConvCase> {};

// Tests that cuDNN's int8 convolution gives the exact integer sums (all below
// 2^24, so f32 holds them exactly) and that requantizing them per channel
// agrees with the CPU within one step.
TEST_P(GpuInt8Conv, SumsAreExactAndRequantizeWithinOneStep) {
  KILN_REQUIRE_GPU();
  const Int8ConvCase &c = GetParam();
  const int64_t N = 2, H = 9, W = 9, C = c.c, K = c.k, R = c.r, G = c.groups;
  const int64_t P = (H + 2 * c.pad - R) / c.stride + 1, Q = (W + 2 * c.pad - R) / c.stride + 1;
  const int64_t Cg = C / G, Kg = K / G;
  // NHWC data, KRSC weights (the logical shapes are NCHW / KCRS).
  std::vector<int8_t> x = randomInt8(N * H * W * C, 70), w = randomInt8(K * R * R * Cg, 71);

  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t xb = builder.addBinding("x", fb::DType::I8, {N, C, H, W}, true, "NHWC");
  uint32_t yb = builder.addBinding("y", fb::DType::F32, {N, K, P, Q}, false, "NHWC");
  ConvSpec conv;
  conv.x = {fb::DType::I8, {N, C, H, W}, stridesFor({N, C, H, W}, true),
            EngineBuilder::binding(xb)};
  conv.w = {fb::DType::I8, {K, Cg, R, R}, stridesFor({K, Cg, R, R}, true),
            EngineBuilder::weights(builder.addWeights(w.data(), w.size()))};
  conv.y = {fb::DType::F32, {N, K, P, Q}, stridesFor({N, K, P, Q}, true),
            EngineBuilder::binding(yb)};
  conv.padsBegin = conv.padsEnd = {c.pad, c.pad};
  conv.strides = {c.stride, c.stride};
  conv.dilations = {1, 1};
  conv.groups = G;
  conv.compute = fb::DType::I32;
  builder.addConv("qconv", conv, "int8");
  std::vector<uint8_t> file = builder.file();

  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();
  std::printf("tactic: %s\n", context->stepTactic(0).c_str());
  DeviceBuffer dx(x.size()), dy(N * P * Q * K * sizeof(float));
  dx.upload(x.data(), x.size());
  ASSERT_TRUE(context->setBinding("x", dx.get()).ok());
  ASSERT_TRUE(context->setBinding("y", dy.get()).ok());
  Status status = context->run();
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<double> y = decode(dy.download(), DataType::F32);

  // Per-channel scales as the lowering makes them: input × weight scale.
  const double inScale = 0.05, outScale = 0.04;
  int64_t mismatches = 0, offByOne = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t q = 0; q < Q; ++q)
        for (int64_t k = 0; k < K; ++k) {
          int64_t g = k / Kg, sum = 0;
          for (int64_t r = 0; r < R; ++r)
            for (int64_t s = 0; s < R; ++s) {
              int64_t h = p * c.stride - c.pad + r, v = q * c.stride - c.pad + s;
              if (h < 0 || h >= H || v < 0 || v >= W)
                continue;
              for (int64_t ci = 0; ci < Cg; ++ci)
                sum += int64_t(x[((n * H + h) * W + v) * C + g * Cg + ci]) *
                       w[((k * R + r) * R + s) * Cg + ci];
            }
          double got = y[((n * P + p) * Q + q) * K + k];
          mismatches += got != double(sum);
          double scale = inScale * (0.001 + 0.0001 * k);
          int diff = std::abs(requantize(got, scale, outScale) -
                              requantize(double(sum), scale, outScale));
          EXPECT_LE(diff, 1) << "at n " << n << " p " << p << " q " << q << " k " << k;
          offByOne += diff == 1;
        }
  EXPECT_EQ(mismatches, 0) << "int8 sums differ from the CPU's exact ones";
  std::printf("sums exact; requantized: %lld of %lld one step off\n", (long long)offByOne,
              (long long)(N * P * Q * K));
}

INSTANTIATE_TEST_SUITE_P(Variants, GpuInt8Conv,
                         testing::Values(Int8ConvCase{4, 8, 3, 1, 1, 1},
                                         Int8ConvCase{32, 16, 3, 2, 1, 1},
                                         Int8ConvCase{64, 64, 1, 1, 0, 1},
                                         Int8ConvCase{64, 32, 3, 1, 1, 2}),
                         convName);

// Tests that cuBLASLt's int8 GEMM (A [M, K], B stored [N, K], i32 D) gives
// the exact integer sums, batch folded into M as the lowering does.
TEST(GpuInt8Gemm, SumsAreExact) {
  KILN_REQUIRE_GPU();
  for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{33, 48, 64}, {4, 1000, 2048},
                         {128, 16, 4}}) {
    std::vector<int8_t> a = randomInt8(M * K, 80), b = randomInt8(N * K, 81);
    EngineBuilder builder;
    useRuntimeVersions(builder);
    uint32_t ab = builder.addBinding("a", fb::DType::I8, {M, K}, true);
    uint32_t db = builder.addBinding("d", fb::DType::I32, {M, N}, false);
    GemmSpec g;
    g.a = EngineBuilder::binding(ab);
    g.b = EngineBuilder::weights(builder.addWeights(b.data(), b.size()));
    g.d = EngineBuilder::binding(db);
    g.aType = g.bType = fb::DType::I8;
    g.cType = g.dType = g.compute = fb::DType::I32;
    g.biasType = fb::DType::F32;
    g.transB = true;
    g.m = M, g.n = N, g.k = K, g.lda = K, g.ldb = K, g.ldc = N, g.ldd = N;
    builder.addGemm("fc", g, "int8");
    std::vector<uint8_t> file = builder.file();

    auto engine = Engine::loadFromMemory(file.data(), file.size());
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    auto context = engine->createContext();
    ASSERT_TRUE(context.ok()) << context.status().message();
    std::printf("%lldx%lldx%lld tactic: %s\n", (long long)M, (long long)N, (long long)K,
                context->stepTactic(0).c_str());
    DeviceBuffer da(a.size()), dd(M * N * sizeof(int32_t));
    da.upload(a.data(), a.size());
    ASSERT_TRUE(context->setBinding("a", da.get()).ok());
    ASSERT_TRUE(context->setBinding("d", dd.get()).ok());
    Status status = context->run();
    ASSERT_TRUE(status.ok()) << status.message();
    std::vector<uint8_t> bytes = dd.download();
    std::vector<int32_t> d(M * N);
    std::memcpy(d.data(), bytes.data(), bytes.size());
    int64_t mismatches = 0;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        int64_t sum = 0;
        for (int64_t k = 0; k < K; ++k)
          sum += int64_t(a[i * K + k]) * b[j * K + k];
        mismatches += d[i * N + j] != sum;
      }
    EXPECT_EQ(mismatches, 0) << M << "x" << N << "x" << K;
  }
}

} // namespace
