// GemmStep on the GPU (cuBLASLt, row-major through the transpose trick):
// batched, transposed operands, bias + relu/gelu epilogues, FP32 and FP16,
// against CPU loops.
#include "GpuTestUtils.h"
#include "kiln/runtime/Tactics.h"

#include <cmath>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

struct GemmCase {
  DataType dtype;
  bool transA, transB;
  fb::GemmEpilogue epilogue = fb::GemmEpilogue::Relu;
  bool withC = false;
};

std::string caseName(const testing::TestParamInfo<GemmCase> &info) {
  const GemmCase &c = info.param;
  return std::string(dataTypeName(c.dtype)) + (c.transA ? "_At" : "_A") + (c.transB ? "_Bt" : "_B") +
         "_" + fb::EnumNameGemmEpilogue(c.epilogue) + (c.withC ? "_C" : "");
}

class GpuGemm : public testing::TestWithParam<GemmCase> {};

TEST_P(GpuGemm, BatchedWithBiasMatchesCpu) {
  KILN_REQUIRE_GPU();
  const GemmCase &c = GetParam();
  const int64_t batch = 3, M = 64, N = 48, K = 40, pad = 8;
  // Row-major storage: A is M x K (K x M when transposed), B is K x N (N x K).
  int64_t aRows = c.transA ? K : M, aCols = c.transA ? M : K;
  int64_t bRows = c.transB ? N : K, bCols = c.transB ? K : N;
  int64_t lda = aCols + pad, ldb = bCols + pad, ldd = N + pad, ldc = N;
  int64_t strideA = aRows * lda, strideB = bRows * ldb, strideD = M * ldd, strideC = M * ldc;
  fb::DType type = static_cast<fb::DType>(c.dtype);

  std::vector<double> a = randomValues(batch * strideA, 20, c.dtype);
  std::vector<double> b = randomValues(batch * strideB, 21, c.dtype);
  std::vector<double> bias = randomValues(N, 22, c.dtype);
  std::vector<double> cMatrix = randomValues(batch * strideC, 23, c.dtype);

  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t ab = builder.addBinding("a", type, {batch * strideA}, true);
  uint32_t cb = builder.addBinding("c", type, {batch * strideC}, true);
  uint32_t db = builder.addBinding("d", type, {batch * strideD}, false);
  std::vector<uint8_t> bBytes = encode(b, c.dtype), biasBytes = encode(bias, c.dtype);
  uint64_t bOffset = builder.addWeights(bBytes.data(), bBytes.size());
  uint64_t biasOffset = builder.addWeights(biasBytes.data(), biasBytes.size());
  GemmSpec g;
  g.a = EngineBuilder::binding(ab);
  g.b = EngineBuilder::weights(bOffset);
  g.c = EngineBuilder::binding(cb);
  g.d = EngineBuilder::binding(db);
  g.bias = EngineBuilder::weights(biasOffset);
  g.hasBias = true;
  g.hasC = c.withC;
  g.aType = g.bType = g.cType = g.dType = g.biasType = type;
  g.compute = fb::DType::F32;
  g.transA = c.transA;
  g.transB = c.transB;
  g.m = M, g.n = N, g.k = K, g.batch = batch;
  g.lda = lda, g.ldb = ldb, g.ldc = ldc, g.ldd = ldd;
  g.strideA = strideA, g.strideB = strideB, g.strideC = strideC, g.strideD = strideD;
  g.alpha = 0.75f;
  g.beta = c.withC ? 0.5f : 0.f;
  g.epilogue = c.epilogue;
  builder.addGemm("fc", g, c.dtype == DataType::F32 ? "fp32" : "fp16");
  std::vector<uint8_t> file = builder.file();

  auto engine = Engine::loadFromMemory(file.data(), file.size());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  auto context = engine->createContext();
  ASSERT_TRUE(context.ok()) << context.status().message();
  std::printf("tactic: %s\n", context->stepTactic(0).c_str());

  size_t element = dataTypeSize(c.dtype);
  DeviceBuffer da(a.size() * element), dc(cMatrix.size() * element),
      dd(batch * strideD * element);
  da.upload(encode(a, c.dtype).data(), da.bytes());
  dc.upload(encode(cMatrix, c.dtype).data(), dc.bytes());
  ASSERT_TRUE(context->setBinding("a", da.get()).ok());
  ASSERT_TRUE(context->setBinding("c", dc.get()).ok());
  ASSERT_TRUE(context->setBinding("d", dd.get()).ok());
  Status status = context->run();
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<double> d = decode(dd.download(), c.dtype);

  std::vector<double> expected, actual;
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double sum = 0;
        for (int64_t k = 0; k < K; ++k) {
          double av = c.transA ? a[p * strideA + k * lda + i] : a[p * strideA + i * lda + k];
          double bv = c.transB ? b[p * strideB + j * ldb + k] : b[p * strideB + k * ldb + j];
          sum += av * bv;
        }
        double v = 0.75 * sum + bias[j];
        if (c.withC)
          v += 0.5 * cMatrix[p * strideC + i * ldc + j];
        if (c.epilogue == fb::GemmEpilogue::Relu)
          v = v > 0 ? v : 0;
        else if (c.epilogue == fb::GemmEpilogue::Gelu) // cuBLASLt's tanh approximation
          v = 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        expected.push_back(v);
        actual.push_back(d[p * strideD + i * ldd + j]);
      }
  size_t where = 0;
  double tolerance = c.dtype == DataType::F32 ? 1e-4 : 1e-2;
  EXPECT_LE(worstError(actual, expected, tolerance, tolerance, &where), 1.0)
      << "at " << where << ": " << actual[where] << " vs " << expected[where];
  // The padding between rows of D is left alone.
  EXPECT_EQ(d[ldd - 1], 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, GpuGemm,
    testing::Values(GemmCase{DataType::F32, false, false}, GemmCase{DataType::F32, true, true},
                    GemmCase{DataType::F32, false, true, fb::GemmEpilogue::None, true},
                    GemmCase{DataType::F16, false, true}, GemmCase{DataType::F16, true, false},
                    GemmCase{DataType::F16, false, false, fb::GemmEpilogue::Gelu}),
    caseName);

} // namespace

namespace {

// An f16 GEMM with bias + relu whose cuBLASLt algorithm may be fixed.
std::vector<uint8_t> algoEngine(const std::vector<uint64_t> &algo) {
  const int64_t M = 32, N = 64, K = 48;
  EngineBuilder builder;
  useRuntimeVersions(builder);
  uint32_t a = builder.addBinding("a", fb::DType::F16, {M, K}, true);
  uint32_t d = builder.addBinding("d", fb::DType::F16, {M, N}, false);
  std::vector<uint8_t> b = encode(randomValues(K * N, 40, DataType::F16), DataType::F16);
  std::vector<uint8_t> bias = encode(randomValues(N, 41, DataType::F16), DataType::F16);
  GemmSpec g;
  g.a = EngineBuilder::binding(a);
  g.b = EngineBuilder::weights(builder.addWeights(b.data(), b.size()));
  g.d = EngineBuilder::binding(d);
  g.bias = EngineBuilder::weights(builder.addWeights(bias.data(), bias.size()));
  g.hasBias = true;
  g.aType = g.bType = g.cType = g.dType = g.biasType = fb::DType::F16;
  g.m = M, g.n = N, g.k = K, g.lda = K, g.ldb = N, g.ldc = N, g.ldd = N;
  g.epilogue = fb::GemmEpilogue::Relu;
  g.algo = algo;
  builder.addGemm("fc", g, "fp16");
  return builder.file();
}

} // namespace

// Tests that the algorithm a context reports, written into an engine, passes
// cublasLtMatmulAlgoCheck and runs with the same results, and that a bogus
// one falls back to the heuristic with a warning.
TEST(GpuGemmAlgo, AlgorithmRoundTripsAndBogusOnesFallBack) {
  KILN_REQUIRE_GPU();
  SingleRun heuristic = runOnce(algoEngine({}), "a", "d", 42);
  ASSERT_EQ(heuristic.choice.algo.size(), 8u);
  SingleRun fixed = runOnce(algoEngine(heuristic.choice.algo), "a", "d", 42);
  EXPECT_EQ(fixed.tactic, "cublasLt algo (from the engine)");
  EXPECT_TRUE(fixed.warnings.empty());
  EXPECT_EQ(fixed.output, heuristic.output);

  SingleRun bogus =
      runOnce(algoEngine(std::vector<uint64_t>(8, 0xdeadbeefdeadbeefull)), "a", "d", 42);
  EXPECT_EQ(bogus.output, heuristic.output);
  ASSERT_EQ(bogus.warnings.size(), 1u);
  EXPECT_NE(bogus.warnings[0].find("does not run here"), std::string::npos) << bogus.warnings[0];
}

// Tests tactic timing of a GEMM: the first algorithms of cuBLASLt's
// heuristic are timed, the fastest first, and the winner's 8 words, written
// into an engine, pass cublasLtMatmulAlgoCheck and give the heuristic's
// results.
TEST(GpuTactics, GemmCandidatesAreTimedAndTheWinnerLoads) {
  KILN_REQUIRE_GPU();
  const int64_t M = 32, N = 64, K = 48;
  // algoEngine's step alone: a, b, bias, d in a scratch arena.
  flatbuffers::FlatBufferBuilder fbb;
  fb::BufferRef a(0, 0, fb::Region::Arena), b(4096, 0, fb::Region::Arena),
      bias(12288, 0, fb::Region::Arena), d(12544, 0, fb::Region::Arena);
  std::vector<uint64_t> noAlgo;
  auto gemm = fb::CreateGemmStepDirect(
      fbb, &a, &b, &d, &d, &bias, false, true, fb::DType::F16, fb::DType::F16, fb::DType::F16,
      fb::DType::F16, fb::DType::F16, fb::DType::F32, false, false, M, N, K, 1, K, N, N, N, 0,
      0, 0, 0, 1.0f, 0.0f, fb::GemmEpilogue::Relu, &noAlgo, 0);
  fbb.Finish(fb::CreateStepDirect(fbb, fb::StepKind::GemmStep, gemm.Union(), "fc", nullptr,
                                  "fp16", ""));
  uint64_t scratch = 12544 + M * N * 2;

  Expected<TacticTimer> timer = TacticTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status().message();
  Expected<TacticTiming> timing = timer->time(fbb.GetBufferPointer(), fbb.GetSize(), scratch, "fc");
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  ASSERT_FALSE(timing->timed.empty());
  for (size_t i = 0; i < timing->timed.size(); ++i) {
    const TimedTactic &t = timing->timed[i];
    std::printf("  %s: %.4f ms, workspace %llu\n", t.description.c_str(), t.milliseconds,
                static_cast<unsigned long long>(t.workspace));
    EXPECT_EQ(t.algo.size(), 8u);
    EXPECT_GT(t.milliseconds, 0.0);
    if (i)
      EXPECT_LE(timing->timed[i - 1].milliseconds, t.milliseconds);
  }
  SingleRun heuristic = runOnce(algoEngine({}), "a", "d", 42);
  SingleRun fastest = runOnce(algoEngine(timing->timed.front().algo), "a", "d", 42);
  EXPECT_EQ(fastest.tactic, "cublasLt algo (from the engine)");
  EXPECT_TRUE(fastest.warnings.empty());
  std::vector<double> x = decode(fastest.output, DataType::F16),
                      y = decode(heuristic.output, DataType::F16);
  EXPECT_LE(worstError(x, y, 1e-2, 1e-2), 1.0);
}
