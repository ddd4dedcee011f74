//===- RefitTest.cpp - kiln-refit's checks on hand-written IR --------------===//
//
// The tactic feeder gives a rebuilt module the old engine's tactics through
// kiln-select-tactics; the structure comparison names the first difference;
// scales are evaluated as the assumptions name them.
//
//===----------------------------------------------------------------------===//

#include "tools/kiln-refit/Refit.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/target/tactics/TimingCache.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace kiln;

namespace {

constexpr const char *kSteps = R"mlir(
func.func @main(%x: memref<1x8x8x8xf16> {engine.input = "x"},
                %y: memref<1x8x8x16xf16> {engine.output = "y"},
                %a: memref<4x8xf32> {engine.input = "a"},
                %d: memref<4x16xf32> {engine.output = "d"}) {
  %w = engine.weight dense<1.0> : tensor<16x3x3x8xf16> : memref<16x3x3x8xf16>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<16x3x3x8xf16> -> %y : memref<1x8x8x16xf16>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last ACTIVATION
      {layers = ["conv1"], precision = "fp16"}
  %b = engine.weight dense<1.0> : tensor<16x8xf32> : memref<16x8xf32>
  engine.gemm %a : memref<4x8xf32>, %b : memref<16x8xf32> -> %d : memref<4x16xf32> trans_b
      {layers = ["fc"], precision = "fp32"}
  return
}
)mlir";

engine::ConvOp firstConv(ModuleOp module) {
  func::FuncOp main = *module.getOps<func::FuncOp>().begin();
  return *main.getOps<engine::ConvOp>().begin();
}

class RefitTest : public ::testing::Test {
protected:
  RefitTest() {
    context.loadDialect<engine::EngineDialect, nn::NNDialect, func::FuncDialect,
                        quant::QuantDialect>();
  }

  OwningOpRef<ModuleOp> parse(StringRef activation) {
    std::string source = kSteps;
    source.replace(source.find("ACTIVATION"), 10, activation.str());
    return parseSourceString<ModuleOp>(source, &context);
  }

  /// A temporary file path, removed with the test.
  std::string temporary() {
    SmallString<128> path;
    EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("kiln-refit-test", "json", path));
    paths.push_back(path.str().str());
    return paths.back();
  }
  ~RefitTest() override {
    for (const std::string &path : paths)
      llvm::sys::fs::remove(path);
  }

  /// The tactic passes the refit runs, with the keys' versions at 1.
  void addTacticPasses(PassManager &pm, const std::string &cache) {
    SelectTacticsPassOptions options;
    options.timingCache = cache;
    options.mode = "cache";
    options.cudnnVersion = options.cublasLtVersion = options.nvrtcVersion = 1;
    pm.addPass(createSelectTacticsPass(options));
    pm.addPass(createPlanMemoryPass());
  }

  runtime::EngineFile serialize(ModuleOp module) {
    FailureOr<engine::EngineBytes> bytes = engine::serializeEngine(module, {});
    EXPECT_TRUE(succeeded(bytes));
    runtime::Expected<runtime::EngineFile> file =
        runtime::EngineFile::fromBytes(engine::encodeEngine(*bytes));
    EXPECT_TRUE(bool(file)) << file.status().message();
    return std::move(*file);
  }

  /// An old engine whose conv took cuDNN engine 12 from a timing cache.
  runtime::EngineFile oldEngine() {
    OwningOpRef<ModuleOp> module = parse("activation <relu>");
    engine::ConvOp conv = firstConv(*module);
    tactics::TimingCache cache;
    tactics::TacticKey key;
    key.signature = tactics::getTacticSignature(conv);
    key.computeCapability = 90;
    key.library = "cudnn";
    key.libraryVersion = 1;
    tactics::CachedTactic tactic;
    tactic.description = "cudnn engine 12 (knobs 2=1)";
    tactic.engineId = 12;
    tactic.knobs = {2, 1};
    tactic.workspace = 4096;
    cache.insert(key, tactic);
    std::string path = temporary();
    EXPECT_FALSE(bool(cache.write(path)));
    PassManager pm(&context);
    addTacticPasses(pm, path);
    EXPECT_TRUE(succeeded(pm.run(*module)));
    EXPECT_EQ(conv.getEngineId(), 12);
    return serialize(*module);
  }

  MLIRContext context;
  std::vector<std::string> paths;
};

TEST_F(RefitTest, FeedsTheOldTacticsAndKeepsTheStructure) {
  runtime::EngineFile old = oldEngine();
  OwningOpRef<ModuleOp> module = parse("activation <relu>");
  refit::TacticFeeder::Target target;
  target.cachePath = temporary();
  target.computeCapability = 90;
  target.cudnnVersion = target.cublasLtVersion = target.nvrtcVersion = 1;
  PassManager pm(&context);
  addTacticPasses(pm, target.cachePath);
  auto feeder = std::make_unique<refit::TacticFeeder>(old.metadata(), target);
  refit::TacticFeeder *fed = feeder.get();
  pm.addInstrumentation(std::move(feeder));
  ASSERT_TRUE(succeeded(pm.run(*module)));
  EXPECT_EQ(fed->error(), "");
  // The conv's tactic; the GEMM was left to the heuristic and stays so.
  EXPECT_EQ(fed->fed(), 1u);
  engine::ConvOp conv = firstConv(*module);
  EXPECT_EQ(conv.getEngineId(), 12);
  EXPECT_EQ(conv.getKnobs()->vec(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(conv.getWorkspace(), 4096);
  runtime::EngineFile rebuilt = serialize(*module);
  std::optional<std::string> difference =
      refit::compareStructure(old.metadata(), rebuilt.metadata());
  EXPECT_FALSE(difference) << *difference;
}

TEST_F(RefitTest, NamesTheFirstDifference) {
  runtime::EngineFile old = oldEngine();
  // Without the activation: another layer, whose signature finds no tactic.
  OwningOpRef<ModuleOp> module = parse("");
  PassManager pm(&context);
  std::string path = temporary();
  ASSERT_FALSE(bool(tactics::TimingCache().write(path)));
  addTacticPasses(pm, path);
  ASSERT_TRUE(succeeded(pm.run(*module)));
  runtime::EngineFile rebuilt = serialize(*module);
  std::optional<std::string> difference =
      refit::compareStructure(old.metadata(), rebuilt.metadata());
  ASSERT_TRUE(difference);
  EXPECT_EQ(*difference, "step 0 'conv1': activation Relu in the old engine, None in the new");
}

TEST_F(RefitTest, RefusesStepsThatDoNotLineUp) {
  runtime::EngineFile old = oldEngine();
  OwningOpRef<ModuleOp> module = parse("activation <relu>");
  // One step less: the GEMM is gone.
  func::FuncOp main = *module->getOps<func::FuncOp>().begin();
  (*main.getOps<engine::GemmOp>().begin())->erase();
  refit::TacticFeeder::Target target;
  target.cachePath = temporary();
  target.computeCapability = 90;
  PassManager pm(&context);
  addTacticPasses(pm, target.cachePath);
  ASSERT_FALSE(bool(tactics::TimingCache().write(target.cachePath)));
  auto feeder = std::make_unique<refit::TacticFeeder>(old.metadata(), target);
  refit::TacticFeeder *fed = feeder.get();
  pm.addInstrumentation(std::move(feeder));
  (void)pm.run(*module);
  EXPECT_EQ(fed->error(), "the old engine has 2 steps, the new model 1; step 1 is 'fc'");
}

TEST_F(RefitTest, EvaluatesScalesAsTheAssumptionsNameThem) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"mlir(
!q = !quant.uniform<i8:f32, 0.05>
!p = !quant.uniform<i8:f32, 0.04>
func.func @main(%x: tensor<1x2xf32>, %y: tensor<1x2xf32>) -> (tensor<1x4x!q>, tensor<1x2x!p>) {
  %a = nn.relu %x : tensor<1x2xf32> loc("relu1")
  %c = nn.concat %a, %y axis 1 : tensor<1x2xf32>, tensor<1x2xf32> loc("concat")
  %q = nn.quantize %c : tensor<1x4xf32> to tensor<1x4x!q> loc("q_cat")
  %s = nn.quantize %a : tensor<1x2xf32> to tensor<1x2x!p> loc("q_side")
  return %q, %s : tensor<1x4x!q>, tensor<1x2x!p>
}
)mlir",
                                                             &context);
  ASSERT_TRUE(module);
  auto scale = [&](StringRef ref) { return refit::evaluateScale(*module, ref); };
  // A quantize's own scale; a tensor's nearest quantize; through the concat.
  EXPECT_FLOAT_EQ(*scale("q_cat.output").scale, 0.05f);
  EXPECT_FLOAT_EQ(*scale("relu1.output").scale, 0.04f);
  EXPECT_FLOAT_EQ(*scale("concat.output").scale, 0.05f);
  EXPECT_FLOAT_EQ(*scale("concat.input1").scale, 0.05f);
  EXPECT_EQ(scale("conv9.output").error, "no layer is named 'conv9'");
  EXPECT_EQ(scale("concat.weights").error, "'concat.weights' is not NAME.output or NAME.inputN");
  EXPECT_EQ(scale("concat.input5").error, "layer 'concat' has 2 inputs");

  std::unique_ptr<Pass> propagate = createPropagateQDQPass();
  refit::AssumptionChecker checker({"scale(relu1.output) == scale(concat.output)",
                                    "scale(q_cat.output) == scale(concat.input1)",
                                    "scale(conv9.output) == scale(concat.output)",
                                    "relu1 equals concat"});
  checker.runBeforePass(propagate.get(), *module);
  std::vector<std::string> errors = checker.errors();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "the old engine assumes scale(relu1.output) == scale(concat.output), "
                       "but in the new model scale(relu1.output) = 0.04 and "
                       "scale(concat.output) = 0.05");
  EXPECT_EQ(errors[1], "the old engine assumes scale(conv9.output) == scale(concat.output), "
                       "which cannot be evaluated on the new model: no layer is named 'conv9'");
  EXPECT_EQ(errors[2],
            "recorded assumption 'relu1 equals concat' is not of the form scale(A) == scale(B)");
}

} // namespace
