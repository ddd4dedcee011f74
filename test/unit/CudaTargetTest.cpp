//===- CudaTargetTest.cpp - the kernel emitter's API and NVRTC ------------===//
//
// What lit cannot reach through kiln-test-emit-cuda: canEmit on ops a
// function argument cannot feed (an in-place concat), layouts passed through
// the C++ API, compileCuda's results and errors, and which CUTLASS INT8
// convolution configurations a problem is timed with.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/cuda/ImplicitGemm.h"
#include "kiln/target/cuda/KernelEmitter.h"
#include "kiln/target/cuda/Nvrtc.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace kiln::cuda;

namespace {

class CudaTargetTest : public ::testing::Test {
protected:
  CudaTargetTest() {
    context.loadDialect<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  }

  func::FuncOp parse(StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << source.str();
    return module ? *module->getOps<func::FuncOp>().begin() : func::FuncOp();
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(CudaTargetTest, CanEmitNamesWhatLoweringMustRouteElsewhere) {
  func::FuncOp function = parse(R"mlir(
    func.func @f(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x8x8x8xf32> {
      %a = nn.relu %x : tensor<1x4x8x8xf32>
      %b = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
           : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
      %c = nn.concat %a, %b axis 1 in_place : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
      return %c : tensor<1x8x8x8xf32>
    })mlir");
  ASSERT_TRUE(function);
  std::vector<bool> supported;
  for (Operation &op : function.getBody().front().without_terminator())
    supported.push_back(canEmit(&op));
  // relu and a float conv yes; the in-place concat needs no kernel.
  EXPECT_EQ(supported, (std::vector<bool>{true, true, false}));
}

TEST_F(CudaTargetTest, LayoutsThroughTheApi) {
  func::FuncOp function = parse(R"mlir(
    func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
      %y = nn.neg %x : tensor<4x8xf32>
      return %y : tensor<4x8xf32>
    })mlir");
  ASSERT_TRUE(function);
  Block &group = function.getBody().front();
  // A column-major input and an output that is a slice of rows 16 wide.
  FailureOr<KernelSource> kernel =
      emitKernel(group, "negate", {BufferLayout{{1, 4}}}, {BufferLayout{{16, 1}}});
  ASSERT_TRUE(succeeded(kernel));
  EXPECT_EQ(kernel->entry, "negate");
  EXPECT_NE(kernel->source.find("in0[c0 + c1 * 4]"), std::string::npos) << kernel->source;
  EXPECT_NE(kernel->source.find("out0[c0 * 16 + c1]"), std::string::npos) << kernel->source;
  EXPECT_EQ(kernel->block[0], 256u);

  // One layout per input, or none.
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(failed(emitKernel(group, "negate", {BufferLayout{}, BufferLayout{}})));
  EXPECT_EQ(message, "got 2 input layouts for 1 group inputs");
  EXPECT_TRUE(failed(emitKernel(group, "2negate")));
  EXPECT_EQ(message, "kernel name '2negate' is not a C identifier");
}

TEST(NvrtcTest, CompilesForEachArchitectureWithPtxOfTheLowest) {
  if (!haveNvrtc())
    GTEST_SKIP() << "built without NVRTC";
  std::string source = prelude().str() +
                       "extern \"C\" __global__ void k(const __half *a, float *b) {\n"
                       "  b[threadIdx.x] = kiln_round_bf16(__half2float(a[threadIdx.x]));\n"
                       "}\n";
  llvm::Expected<CompiledCuda> compiled = compileCuda(source, {100, 90});
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  ASSERT_EQ(compiled->cubins.size(), 2u);
  EXPECT_EQ(compiled->cubins[0].arch, 100u);
  EXPECT_EQ(compiled->cubins[1].arch, 90u);
  EXPECT_FALSE(compiled->cubins[1].image.empty());
  EXPECT_EQ(compiled->ptxArch, 90u);
  EXPECT_NE(compiled->ptx.find(".target sm_90"), std::string::npos);
}

TEST(NvrtcTest, ReportsTheLogOnError) {
  llvm::Expected<CompiledCuda> compiled =
      compileCuda("extern \"C\" __global__ void k() { undeclared(); }", {90});
  ASSERT_FALSE(bool(compiled));
  std::string message = llvm::toString(compiled.takeError());
  if (haveNvrtc()) {
    EXPECT_NE(message.find("NVRTC failed to compile for sm_90"), std::string::npos) << message;
    EXPECT_NE(message.find("identifier \"undeclared\" is undefined"), std::string::npos)
        << message;
  } else {
    EXPECT_NE(message.find("without NVRTC"), std::string::npos) << message;
  }
}

/// The split-K factors among `problem`'s configurations for kernels
/// compiled for `oldest` and up, in order.
std::vector<int> splitFactors(const Int8ConvProblem &problem, int oldest = 90) {
  std::vector<int> factors;
  for (const CutlassConvConfig &config : cutlassInt8ConvConfigsFor(problem, oldest))
    if (config.splitK > 1)
      factors.push_back(config.splitK);
  return factors;
}

Int8ConvProblem conv(int64_t n, int64_t hw, int64_t c, int64_t k, int64_t rs) {
  Int8ConvProblem problem;
  problem.n = n, problem.h = problem.w = problem.p = problem.q = hw;
  problem.c = c, problem.k = k, problem.r = problem.s = rs;
  problem.padTop = problem.padLeft = rs / 2;
  return problem;
}

TEST(CutlassConfigsTest, SplitKWhereTheGridIsSmallAndTheSlicesShareTheChannels) {
  size_t unsplit = 0;
  for (const CutlassConvConfig &config : cutlassInt8ConvConfigs())
    unsplit += config.splitK == 1;
  // ResNet-50's layer4 3x3 at batch 1: 8 tiles of 64x64, 8 channel blocks.
  EXPECT_EQ(splitFactors(conv(1, 7, 512, 512, 3)), (std::vector<int>{2, 4, 8}));
  EXPECT_EQ(cutlassInt8ConvConfigsFor(conv(1, 7, 512, 512, 3), 90).size(), unsplit + 3);
  // 4 channel blocks: 8 slices would leave half of them empty.
  EXPECT_EQ(splitFactors(conv(1, 14, 256, 256, 3)), (std::vector<int>{2, 4}));
  // One channel block (64, or 48 in a block of 64): nothing to split.
  EXPECT_EQ(splitFactors(conv(1, 56, 64, 256, 1)), std::vector<int>{});
  EXPECT_EQ(splitFactors(conv(1, 7, 48, 64, 3)), std::vector<int>{});
  // 3 channel blocks: no equal shares.
  EXPECT_EQ(splitFactors(conv(1, 7, 192, 64, 1)), std::vector<int>{});
  // Batch 64: the unsplit grid already fills the GPU.
  EXPECT_EQ(splitFactors(conv(64, 7, 512, 512, 3)), std::vector<int>{});
  EXPECT_EQ(cutlassInt8ConvConfigsFor(conv(64, 7, 512, 512, 3), 90).size(), unsplit);
  // The limit: 64 row tiles x 4 column tiles = 256 blocks split; one more
  // row of 64 pixels (65 row tiles, 260 blocks) does not.
  EXPECT_EQ(splitFactors(conv(1, 64, 512, 256, 1)), (std::vector<int>{2, 4, 8}));
  Int8ConvProblem over = conv(1, 64, 512, 256, 1);
  over.n = 1, over.p = 65, over.q = 64, over.h = 65;
  EXPECT_EQ(splitFactors(over), std::vector<int>{});
  // Sums that could saturate int32 (R*S*C = 2^17) are not split.
  EXPECT_EQ(splitFactors(conv(1, 7, 16384, 64, 3)), std::vector<int>{});
  EXPECT_EQ(splitFactors(conv(1, 7, 14560, 64, 3)), (std::vector<int>{2, 4})); // 228 blocks
  // Kernels also compiled for sm_80 (no clusters) get no split-K.
  EXPECT_EQ(splitFactors(conv(1, 7, 512, 512, 3), 80), std::vector<int>{});
  EXPECT_EQ(splitFactors(conv(1, 7, 512, 512, 3), 100), (std::vector<int>{2, 4, 8}));
}

TEST(CutlassConfigsTest, SplitKNamesAndSharedMemory) {
  const CutlassConvConfig *split = findCutlassInt8ConvConfig("64x64x64_s4_k8");
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(split->splitK, 8);
  EXPECT_EQ(split->describe(), "cutlass 64x64x64 s4 split-k 8");
  // 4 stages of 64x64 + 64x64 int8 tiles hold one tile's int32 sums.
  EXPECT_EQ(split->sharedMemBytes(), 32768u);
  KernelSource kernel = emitCutlassInt8Conv(conv(1, 7, 512, 512, 3), *split, "k");
  EXPECT_EQ(kernel.grid[2], 8u);
  EXPECT_NE(kernel.source.find("__cluster_dims__(1, 1, 8)"), std::string::npos);
  EXPECT_EQ(findCutlassInt8ConvConfig("64x64x64_s6")->describe(), "cutlass 64x64x64 s6");
}

TEST(NvrtcTest, SplitKCutlassConvNeedsClusters) {
  if (!haveNvrtc())
    GTEST_SKIP() << "built without NVRTC";
  if (llvm::Expected<std::string> headers = cutlassIncludeDir(); !headers) {
    std::string why = llvm::toString(headers.takeError());
    GTEST_SKIP() << why;
  }
  KernelSource kernel = emitCutlassInt8Conv(
      conv(1, 7, 128, 64, 1), *findCutlassInt8ConvConfig("64x64x64_s4_k2"), "split");
  llvm::Expected<CompiledCuda> hopper = compileCuda(kernel.source, {90});
  ASSERT_TRUE(bool(hopper)) << llvm::toString(hopper.takeError());
  llvm::Expected<CompiledCuda> ampere = compileCuda(kernel.source, {80});
  ASSERT_FALSE(bool(ampere));
  std::string message = llvm::toString(ampere.takeError());
  EXPECT_NE(message.find("split-K CUTLASS convolutions use thread-block clusters: sm_90 or newer"),
            std::string::npos)
      << message;
}

} // namespace
