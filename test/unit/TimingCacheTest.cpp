//===- TimingCacheTest.cpp - the timing cache and the signatures keying it ===//
//
// What kiln-select-tactics relies on without a GPU: the file round-trips,
// lookups match GPU, compute capability and library version exactly, bad
// files are errors that say what was expected, and signatures change with
// what the library computes but not with the tactic written into the op.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/tactics/TimingCache.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/runtime/engine_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace kiln::tactics;

namespace {

TacticKey key(std::string signature, std::string library, int version,
              std::string gpu = "NVIDIA H100 80GB HBM3", int cc = 90) {
  TacticKey k;
  k.signature = std::move(signature);
  k.gpu = std::move(gpu);
  k.computeCapability = cc;
  k.library = std::move(library);
  k.libraryVersion = version;
  return k;
}

CachedTactic convTactic(int64_t engine) {
  CachedTactic t;
  t.description = "cudnn engine " + std::to_string(engine);
  t.engineId = engine;
  t.knobs = {2, 1, 3, 0};
  t.workspace = 4096;
  t.milliseconds = 0.031;
  t.candidates = 9;
  return t;
}

CachedTactic gemmTactic() {
  CachedTactic t;
  t.description = "cublasLt algo 21";
  // All 64 bits used: the words must survive JSON.
  t.algo = {21, 0xffffffffffffffffull, 0x8000000000000001ull, 0, 1, 2, 3, 4};
  t.workspace = 1 << 20;
  t.milliseconds = 0.5;
  t.candidates = 16;
  return t;
}

std::string errorOf(llvm::StringRef text) {
  llvm::Expected<TimingCache> cache = TimingCache::parse(text, "bad.json");
  if (cache)
    return "";
  return llvm::toString(cache.takeError());
}

TEST(TimingCacheTest, RoundTripsThroughJson) {
  TimingCache cache;
  cache.insert(key("conv a", "cudnn", 91900), convTactic(12));
  cache.insert(key("gemm b", "cublaslt", 130100), gemmTactic());
  std::string text = cache.serialize();
  llvm::Expected<TimingCache> back = TimingCache::parse(text, "round-trip");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->size(), 2u);
  EXPECT_EQ(back->serialize(), text);

  const CachedTactic *conv = back->lookup("conv a", "cudnn", 91900, "NVIDIA H100 80GB HBM3", 90);
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->engineId, 12);
  EXPECT_EQ(conv->knobs, (std::vector<int64_t>{2, 1, 3, 0}));
  EXPECT_EQ(conv->workspace, 4096u);
  EXPECT_DOUBLE_EQ(conv->milliseconds, 0.031);
  EXPECT_EQ(conv->candidates, 9);
  EXPECT_EQ(conv->description, "cudnn engine 12");

  const CachedTactic *gemm = back->lookup("gemm b", "cublaslt", 130100, "", 90);
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->algo, gemmTactic().algo);
  EXPECT_EQ(gemm->workspace, 1u << 20);
}

// Tests that entries say how they were timed: those inserted now by this
// Kiln's method (CUDA graphs), those of older files (no "timing") as
// enqueued; where tactics are timed again, only the former are found.
TEST(TimingCacheTest, EntriesTimedAsEnqueuedAreRetimed) {
  TimingCache cache;
  cache.insert(key("conv a", "cudnn", 91900), convTactic(12));
  std::string text = cache.serialize();
  EXPECT_NE(text.find("\"timing\": \"cuda-graph\""), std::string::npos) << text;

  std::string older = text;
  older.replace(older.find("\"timing\": \"cuda-graph\""),
                std::string("\"timing\": \"cuda-graph\"").size(), "\"timing\": \"enqueued\"");
  for (const std::string &file : {text, older}) {
    llvm::Expected<TimingCache> back = TimingCache::parse(file, "method");
    ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
    EXPECT_EQ(back->serialize(), file);
    const CachedTactic *hit = back->lookup("conv a", "cudnn", 91900, "", 90);
    ASSERT_NE(hit, nullptr);
    bool graph = file == text;
    EXPECT_EQ(hit->timing, graph ? "cuda-graph" : "enqueued");
    back->retimeOtherMethods();
    EXPECT_EQ(back->lookup("conv a", "cudnn", 91900, "", 90) != nullptr, graph);
    // What to fall back on when timing again fails.
    EXPECT_NE(back->lookup("conv a", "cudnn", 91900, "", 90, /*anyMethod=*/true), nullptr);
    // Timing it again makes it found.
    back->insert(key("conv a", "cudnn", 91900), convTactic(7));
    ASSERT_NE(back->lookup("conv a", "cudnn", 91900, "", 90), nullptr);
    EXPECT_EQ(back->lookup("conv a", "cudnn", 91900, "", 90)->engineId, 7);
  }

  // A file without the field is an older Kiln's: enqueued.
  std::string none = older;
  none.replace(none.find(",\n      \"timing\": \"enqueued\""),
               std::string(",\n      \"timing\": \"enqueued\"").size(), "");
  llvm::Expected<TimingCache> old = TimingCache::parse(none, "older");
  ASSERT_TRUE(bool(old)) << llvm::toString(old.takeError()) << none;
  EXPECT_EQ(old->lookup("conv a", "cudnn", 91900, "", 90)->timing, "enqueued");

  std::string bad = text;
  bad.replace(bad.find("\"cuda-graph\""), std::string("\"cuda-graph\"").size(), "\"fast\"");
  llvm::Expected<TimingCache> refused = TimingCache::parse(bad, "bad.json");
  ASSERT_FALSE(bool(refused));
  EXPECT_NE(llvm::toString(refused.takeError()).find("'timing' must be 'cuda-graph' or 'enqueued'"),
            std::string::npos);
}

TEST(TimingCacheTest, KernelLaunchShapesRoundTrip) {
  TimingCache cache;
  CachedTactic shape;
  shape.description = "block 512, grid 528";
  shape.grid = {528, 1, 1};
  shape.block = {512, 1, 1};
  shape.milliseconds = 0.0042;
  shape.candidates = 5;
  cache.insert(key("kernel k", "nvrtc", 13000), shape);
  std::string text = cache.serialize();
  EXPECT_NE(text.find("\"library\": \"nvrtc\""), std::string::npos) << text;
  llvm::Expected<TimingCache> back = TimingCache::parse(text, "round-trip");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->serialize(), text);
  const CachedTactic *hit = back->lookup("kernel k", "nvrtc", 13000, "", 90);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->grid, (std::vector<int64_t>{528, 1, 1}));
  EXPECT_EQ(hit->block, (std::vector<int64_t>{512, 1, 1}));
  // Another NVRTC compiles other code: no match.
  EXPECT_EQ(back->lookup("kernel k", "nvrtc", 12080, "", 90), nullptr);

  std::string entry = R"({"format": "kiln-timing-cache", "version": 1, "entries": [
      {"signature": "s", "gpu": "g", "compute_capability": 90, "library": "nvrtc",
       "library_version": 13000, "tactic": "t", )";
  EXPECT_EQ(errorOf(entry + R"("block": [64, 1, 1]}]})"),
            "timing cache 'bad.json': entry 0: 'grid' must be three sizes of a kernel launch, "
            "found nothing");
  EXPECT_EQ(errorOf(entry + R"("grid": [1, 1, 1], "block": [0, 1, 1]}]})"),
            "timing cache 'bad.json': entry 0: 'block' must hold positive 32-bit sizes, "
            "found [0,1,1]");
  EXPECT_EQ(errorOf(entry + R"("grid": [1, 1, 1], "block": [64, 32, 1]}]})"),
            "timing cache 'bad.json': entry 0: 'block' must have at most 1024 threads, "
            "found [64,32,1]");
}

TEST(TimingCacheTest, Int8ChoicesRoundTrip) {
  TimingCache cache;
  CachedTactic mixed;
  mixed.description = "mixed engine written (INT8 2.0 ms, fp16 2.3 ms, mixed 1.9 ms)";
  mixed.engine = "mixed";
  mixed.layerPrecision = {"conv1:fp16", "conv2:fp16"};
  mixed.milliseconds = 1.9;
  mixed.candidates = 3;
  cache.insert(key("int8-layers graph=1", "kiln", 1), mixed);
  CachedTactic allInt8;
  allInt8.description = "INT8 engine written";
  allInt8.engine = "int8";
  cache.insert(key("int8-layers graph=2", "kiln", 1), allInt8);
  cache.insert(key("conv a", "cudnn", 91900), convTactic(12));
  std::string text = cache.serialize();
  // Choices sit in an array of their own, which an older Kiln passes over.
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  ASSERT_TRUE(bool(json));
  EXPECT_EQ(json->getAsObject()->getArray("entries")->size(), 1u);
  EXPECT_EQ(json->getAsObject()->getArray("choices")->size(), 2u);
  llvm::Expected<TimingCache> back = TimingCache::parse(text, "round-trip");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->serialize(), text);
  const CachedTactic *hit = back->lookup("int8-layers graph=1", "kiln", 1, "", 90);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->engine, "mixed");
  EXPECT_EQ(hit->layerPrecision, (std::vector<std::string>{"conv1:fp16", "conv2:fp16"}));
  EXPECT_EQ(hit->description, mixed.description);
  hit = back->lookup("int8-layers graph=2", "kiln", 1, "NVIDIA H100 80GB HBM3", 90);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->engine, "int8");
  EXPECT_TRUE(hit->layerPrecision.empty());
  // Another format of the choice: no match.
  EXPECT_EQ(back->lookup("int8-layers graph=1", "kiln", 2, "", 90), nullptr);

  std::string entry = R"({"format": "kiln-timing-cache", "version": 1, "entries": [],
      "choices": [{"signature": "s", "gpu": "g", "compute_capability": 90, "library": "kiln",
       "library_version": 1, "tactic": "t", )";
  EXPECT_EQ(errorOf(entry + R"("layer_precision": []}]})"),
            "timing cache 'bad.json': choice 0: 'engine' must be a string, found nothing");
  EXPECT_EQ(errorOf(R"({"format": "kiln-timing-cache", "version": 1, "entries": [],
                        "choices": {}})"),
            "timing cache 'bad.json': 'choices' must be an array, found {}");
  // A choice among the tactics, a tactic among the choices: refused.
  EXPECT_EQ(errorOf(R"({"format": "kiln-timing-cache", "version": 1, "entries": [
      {"signature": "s", "gpu": "g", "compute_capability": 90, "library": "kiln",
       "library_version": 1, "tactic": "t", "engine": "int8", "layer_precision": []}]})"),
            "timing cache 'bad.json': entry 0: 'library' must be \"cudnn\", \"cublaslt\" or "
            "\"nvrtc\", found \"kiln\"");
  EXPECT_EQ(errorOf(R"({"format": "kiln-timing-cache", "version": 1, "entries": [], "choices": [
      {"signature": "s", "gpu": "g", "compute_capability": 90, "library": "cudnn",
       "library_version": 1, "tactic": "t", "engine_id": 1}]})"),
            "timing cache 'bad.json': choice 0: 'library' must be \"kiln\", found \"cudnn\"");
  EXPECT_EQ(errorOf(entry + R"("engine": "fp16", "layer_precision": []}]})"),
            "timing cache 'bad.json': choice 0: 'engine' must be \"int8\", \"float\" or "
            "\"mixed\", found \"fp16\"");
  EXPECT_EQ(errorOf(entry + R"("engine": "int8"}]})"),
            "timing cache 'bad.json': choice 0: 'layer_precision' must be an array of "
            "\"NAME:PRECISION\" strings, found nothing");
  EXPECT_EQ(errorOf(entry + R"("engine": "mixed", "layer_precision": ["conv1"]}]})"),
            "timing cache 'bad.json': choice 0: 'layer_precision' must hold \"NAME:PRECISION\" "
            "strings, found [\"conv1\"]");
  EXPECT_EQ(errorOf(entry + R"("engine": "mixed", "layer_precision": []}]})"),
            "timing cache 'bad.json': choice 0: 'layer_precision' must name the layers kept in "
            "float for a \"mixed\" engine and be empty otherwise");
  EXPECT_EQ(errorOf(entry + R"("engine": "float", "layer_precision": ["a:fp16"]}]})"),
            "timing cache 'bad.json': choice 0: 'layer_precision' must name the layers kept in "
            "float for a \"mixed\" engine and be empty otherwise");
}

TEST(TimingCacheTest, LookupMatchesGpuArchitectureAndLibraryVersion) {
  TimingCache cache;
  cache.insert(key("conv a", "cudnn", 91900), convTactic(12));
  cache.insert(key("conv a", "cudnn", 91400), convTactic(3));
  cache.insert(key("conv a", "cudnn", 91900, "NVIDIA A100-SXM4-80GB", 80), convTactic(5));

  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "NVIDIA H100 80GB HBM3", 90)->engineId, 12);
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91400, "NVIDIA H100 80GB HBM3", 90)->engineId, 3);
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "NVIDIA A100-SXM4-80GB", 80)->engineId, 5);
  // Another version, another GPU of the architecture, another library, another op.
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 92000, "NVIDIA H100 80GB HBM3", 90), nullptr);
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "NVIDIA H100 PCIe", 90), nullptr);
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "NVIDIA H100 80GB HBM3", 100), nullptr);
  EXPECT_EQ(cache.lookup("conv a", "cublaslt", 91900, "NVIDIA H100 80GB HBM3", 90), nullptr);
  EXPECT_EQ(cache.lookup("conv b", "cudnn", 91900, "NVIDIA H100 80GB HBM3", 90), nullptr);
  // No GPU name: any GPU of the architecture.
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "", 80)->engineId, 5);

  // A later timing replaces the entry of its key.
  cache.insert(key("conv a", "cudnn", 91900), convTactic(40));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.lookup("conv a", "cudnn", 91900, "NVIDIA H100 80GB HBM3", 90)->engineId, 40);
}

TEST(TimingCacheTest, MalformedFilesSayWhatWasExpected) {
  auto contains = [](const std::string &message, const char *part) {
    return message.find(part) != std::string::npos;
  };
  // An empty (or blank) file is an empty cache, not an error.
  EXPECT_EQ(errorOf(""), "");
  EXPECT_EQ(errorOf(" \n"), "");
  std::string e = errorOf("{ not json");
  EXPECT_TRUE(contains(e, "timing cache 'bad.json': not JSON")) << e;
  e = errorOf(R"({"format": "onnx", "version": 1, "entries": []})");
  EXPECT_TRUE(contains(e, "expected \"format\": \"kiln-timing-cache\", found \"onnx\"")) << e;
  e = errorOf(R"({"format": "kiln-timing-cache", "version": 2, "entries": []})");
  EXPECT_TRUE(contains(e, "version 2 is not the version this Kiln reads (1)")) << e;
  e = errorOf(R"({"format": "kiln-timing-cache", "version": 1, "entries": {}})");
  EXPECT_TRUE(contains(e, "'entries' must be an array, found {}")) << e;

  const char *entry = R"({"format": "kiln-timing-cache", "version": 1, "entries": [
      {"signature": "conv a", "gpu": "G", "compute_capability": 90, "library": "%s",
       "library_version": 1, "tactic": "t", %s}]})";
  auto withEntry = [&](const char *library, const char *fields) {
    char text[1024];
    std::snprintf(text, sizeof text, entry, library, fields);
    return errorOf(text);
  };
  EXPECT_EQ(withEntry("cudnn", R"("engine_id": 3, "knobs": [1, 2])"), "");
  e = withEntry("cudnn", R"("knobs": [1, 2])");
  EXPECT_TRUE(contains(e, "entry 0: 'engine_id' must be an integer, found nothing")) << e;
  e = withEntry("cudnn", R"("engine_id": -2)");
  EXPECT_TRUE(contains(e, "'engine_id' must be a cuDNN engine number")) << e;
  e = withEntry("cudnn", R"("engine_id": 3, "knobs": [1])");
  EXPECT_TRUE(contains(e, "'knobs' must be an array of (knob type, value) pairs, found [1]"))
      << e;
  e = withEntry("cublaslt", R"("algo": ["0x1", "0x2"])");
  EXPECT_TRUE(contains(e, "'algo' must be the 8 words of a cublasLtMatmulAlgo_t")) << e;
  e = withEntry("cublaslt",
                R"("algo": ["0x1", "0x2", "0x3", "0x4", "0x5", "0x6", "0x7", "8"])");
  EXPECT_TRUE(contains(e, "'algo' words must be hex strings")) << e;
  e = withEntry("cublas", R"("algo": [])");
  EXPECT_TRUE(contains(e, "'library' must be \"cudnn\", \"cublaslt\" or \"nvrtc\", found \"cublas\""))
      << e;
  e = withEntry("cudnn", R"("engine_id": 3, "workspace": "big")");
  EXPECT_TRUE(contains(e, "'workspace' must be an integer, found \"big\"")) << e;
}

TEST(TimingCacheTest, ReadsMissingFilesAsEmptyAndWritesAtomically) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("kiln-timing-cache", dir));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "cache.json");
  llvm::Expected<TimingCache> empty = TimingCache::read(path);
  ASSERT_TRUE(bool(empty));
  EXPECT_EQ(empty->size(), 0u);

  empty->insert(key("conv a", "cudnn", 91900), convTactic(12));
  ASSERT_FALSE(bool(empty->write(path)));
  llvm::Expected<TimingCache> back = TimingCache::read(path);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->serialize(), empty->serialize());
  // Only the file itself is left: the temporary was renamed onto it.
  std::error_code error;
  int files = 0;
  for (llvm::sys::fs::directory_iterator it(dir, error), end; it != end && !error;
       it.increment(error))
    ++files;
  EXPECT_EQ(files, 1);
  llvm::sys::fs::remove(path);
  llvm::sys::fs::remove(dir);
}

class SignatureTest : public ::testing::Test {
protected:
  SignatureTest() {
    context.loadDialect<kiln::engine::EngineDialect, kiln::nn::NNDialect,
                        func::FuncDialect>();
  }
  /// The signature of the one step of `body` (the ops of a function whose
  /// arguments are %x: memref<1x8x8x8xf16> and %y, %z: memref<1x8x8x16xf16>).
  std::string signatureOf(llvm::StringRef body) {
    std::string source =
        "func.func @main(%x: memref<1x8x8x8xf16>, %y: memref<1x8x8x16xf16>, "
        "%a: memref<4x8xf32>, %d: memref<4x16xf32>) {\n"
        "%w = engine.weight dense<1.0> : tensor<16x3x3x8xf16> : memref<16x3x3x8xf16>\n"
        "%b = engine.weight dense<1.0> : tensor<16x8xf32> : memref<16x8xf32>\n" +
        body.str() + "\nreturn\n}";
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return "<parse error>";
    Operation *step = nullptr;
    module->walk([&](Operation *op) {
      if (llvm::isa<kiln::engine::ConvOp, kiln::engine::GemmOp>(op))
        step = op;
    });
    return step ? getTacticSignature(step) : "<no step>";
  }
  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

constexpr const char *kConv =
    "engine.conv %x : memref<1x8x8x8xf16>, %w : memref<16x3x3x8xf16> -> %y : "
    "memref<1x8x8x16xf16> strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout "
    "channels_last activation <relu> {precision = \"fp16\"%s}";

std::string conv(const char *extra = "", const char *activation = "<relu>") {
  std::string text = kConv;
  text.replace(text.find("%s"), 2, extra);
  text.replace(text.find("<relu>"), 6, activation);
  return text;
}

TEST_F(SignatureTest, NamesWhatTheLibraryComputes) {
  EXPECT_EQ(signatureOf(conv()),
            "conv x=memref<1x8x8x8xf16> w=memref<16x3x3x8xf16> y=memref<1x8x8x16xf16> "
            "strides=[1,1] pads=[1,1,1,1] dilations=[1,1] groups=1 transposed=0 "
            "layout=channels_last activation=#nn.activation<relu> alpha=1 tf32=0 precision=fp16");
  EXPECT_EQ(signatureOf("engine.gemm %a : memref<4x8xf32>, %b : memref<16x8xf32> -> %d : "
                        "memref<4x16xf32> trans_b {allow_tf32, precision = \"tf32\"}"),
            "gemm a=memref<4x8xf32> b=memref<16x8xf32> d=memref<4x16xf32> trans_a=0 "
            "trans_b=1 alpha=1 beta=1 tf32=1 precision=tf32");
}

TEST_F(SignatureTest, IgnoresTheTacticAndNamesButNotTheShapeOfTheWork) {
  std::string plain = signatureOf(conv());
  ASSERT_EQ(plain.find("<parse error>"), std::string::npos) << plain;
  EXPECT_EQ(signatureOf(conv(", engine_id = 7, knobs = array<i64: 1, 2>, workspace = 64, "
                             "tactic = \"cudnn engine 7\", layers = [\"conv1\"], "
                             "engine.tactic_source = \"timed\"")),
            plain);
  std::string sigmoid = signatureOf(conv("", "<sigmoid>"));
  EXPECT_NE(sigmoid.find("activation=#nn.activation<sigmoid>"), std::string::npos) << sigmoid;
  std::string tf32 = signatureOf(conv(", allow_tf32"));
  EXPECT_NE(tf32.find(" tf32=1 "), std::string::npos) << tf32;
}

TEST_F(SignatureTest, StepsSerializeAloneOnScratchMemory) {
  ASSERT_NE(signatureOf(conv()), "<parse error>");
  Operation *step = nullptr;
  module->walk([&](kiln::engine::ConvOp op) { step = op; });
  FailureOr<kiln::engine::StepAlone> alone = kiln::engine::serializeStepAlone(step);
  ASSERT_TRUE(succeeded(alone));
  flatbuffers::Verifier verifier(alone->step.data(), alone->step.size());
  ASSERT_TRUE(verifier.VerifyBuffer<kiln::fb::Step>(nullptr));
  const kiln::fb::Step *fbStep = flatbuffers::GetRoot<kiln::fb::Step>(alone->step.data());
  const kiln::fb::ConvStep *convStep = fbStep->kind_as_ConvStep();
  ASSERT_NE(convStep, nullptr);
  // x (1024 bytes), the weight (2304 bytes), y (2048 bytes), each 256-aligned.
  EXPECT_EQ(convStep->x()->buffer()->region(), kiln::fb::Region::Arena);
  EXPECT_EQ(convStep->x()->buffer()->offset(), 0u);
  EXPECT_EQ(convStep->w()->buffer()->region(), kiln::fb::Region::Arena);
  EXPECT_EQ(convStep->w()->buffer()->offset(), 1024u);
  EXPECT_EQ(convStep->y()->buffer()->offset(), 1024u + 2304u);
  EXPECT_EQ(alone->scratchBytes, 1024u + 2304u + 2048u);
  EXPECT_EQ(fbStep->precision()->str(), "fp16");
}

// Tests that a view keeps its offset within 256 bytes when serialized
// alone: a conv writing the second half of an in-place concat's channels
// sees the 16-byte alignment the engine will give it.
TEST_F(SignatureTest, ViewsKeepTheirAlignment) {
  std::string source = R"mlir(
func.func @main(%x: memref<1x8x8x8xf16>) {
  %w = engine.weight dense<1.0> : tensor<8x3x3x8xf16> : memref<8x3x3x8xf16>
  %cat = engine.alloc : memref<1x8x8x16xf16>
  %half = engine.view %cat[16] : memref<1x8x8x16xf16> to memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<8x3x3x8xf16>
      -> %half : memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>> strides [1, 1]
      pads [1, 1, 1, 1] dilations [1, 1] layout channels_last {precision = "fp16"}
  return
}
)mlir";
  module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  Operation *step = nullptr;
  module->walk([&](kiln::engine::ConvOp op) { step = op; });
  FailureOr<kiln::engine::StepAlone> alone = kiln::engine::serializeStepAlone(step);
  ASSERT_TRUE(succeeded(alone));
  const kiln::fb::ConvStep *conv =
      flatbuffers::GetRoot<kiln::fb::Step>(alone->step.data())->kind_as_ConvStep();
  // x: 1024 bytes at 0; w: 1152 bytes at 1024; y: the view, 16 bytes into
  // the next 256-byte boundary (2304), reaching 2032 bytes further.
  EXPECT_EQ(conv->y()->buffer()->offset(), 2304u + 16u);
  EXPECT_EQ(alone->scratchBytes, 4352u); // 2320 + 2032, a multiple of 256
}

// Tests that a launch's signature names its kernel by a hash of the source
// without its name or launch bound (identical kernels of two models, or a
// kernel whose bound tactic selection raised, share entries) and its
// values, and names its arguments, shape and variants; and that a launch
// serializes alone.
TEST_F(SignatureTest, LaunchesAreKeyedByTheirKernelsSource) {
  auto launchModule = [&](llvm::StringRef name, int bound, llvm::StringRef body) {
    std::string text = R"mlir(
engine.kernel @NAME max_threads_per_block BOUND source "extern C __global__ void __launch_bounds__(BOUND) NAME(const float *in0, float *out0) { BODY }"
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  engine.launch @NAME(%x, %y) grid [1, 1, 1] block [64, 1, 1] outputs 1
      {variants = array<i32: 1, 1, 1, 64, 1, 1, 1, 1, 1, 256, 1, 1>}
      : memref<64xf32>, memref<64xf32>
  return
}
)mlir";
    for (auto [from, to] : {std::pair<std::string, std::string>{"NAME", name.str()},
                            {"BOUND", std::to_string(bound)},
                            {"BODY", body.str()}})
      for (size_t at; (at = text.find(from)) != std::string::npos;)
        text.replace(at, from.size(), to);
    module = parseSourceString<ModuleOp>(text, &context);
    Operation *launch = nullptr;
    if (module)
      module->walk([&](kiln::engine::LaunchOp op) { launch = op; });
    return launch;
  };
  Operation *launch = launchModule("k0_relu", 256, "out0[0] = in0[0];");
  ASSERT_NE(launch, nullptr);
  std::string signature = getTacticSignature(launch);
  EXPECT_EQ(signature.rfind("kernel source=", 0), 0u) << signature;
  EXPECT_NE(signature.find(" arg0=memref<64xf32> arg1=memref<64xf32> grid=[1,1,1] "
                           "block=[64,1,1] variants=[1,1,1,64,1,1,1,1,1,256,1,1]"),
            std::string::npos)
      << signature;
  EXPECT_EQ(getTacticSignature(launchModule("k7_other", 512, "out0[0] = in0[0];")), signature);
  EXPECT_NE(getTacticSignature(launchModule("k0_relu", 256, "out0[0] = -in0[0];")), signature);

  // Values do not change how long a kernel runs: float literals and the
  // elements of array initializers are left out (the same INT8 layer under
  // two calibrations shares its entries); integer literals and array
  // lengths stay.
  auto signatureOf = [&](llvm::StringRef body) {
    return getTacticSignature(launchModule("k1_q", 256, body));
  };
  std::string scaled = signatureOf(
      "const float s[4] = {0.5f, 1e-05f, 2.f, 3.25e+2f}; out0[0] = in0[0] * 0.018548597f * s[1];");
  EXPECT_EQ(signatureOf("const float s[4] = {0.25f, 7e-06f, 1.f, .5f}; out0[0] = in0[0] * "
                        "0.0238f * s[1];"),
            scaled);
  EXPECT_NE(signatureOf("const float s[8] = {0.25f, 7e-06f, 1.f, .5f}; out0[0] = in0[0] * "
                        "0.0238f * s[1];"),
            scaled);
  EXPECT_NE(signatureOf("const float s[4] = {0.5f, 1e-05f, 2.f, 3.25e+2f}; out0[0] = in0[0] * "
                        "0.018548597f * s[2];"),
            scaled);
  EXPECT_NE(signatureOf("const int b[2] = {3, 4}; out0[0] = in0[b[0] + 16];"),
            signatureOf("const int b[2] = {3, 4}; out0[0] = in0[b[0] + 17];"));
  EXPECT_EQ(signatureOf("const int b[2] = {3, 4}; out0[0] = in0[b[0] + 16];"),
            signatureOf("const int b[2] = {-9, 12512}; out0[0] = in0[b[0] + 16];"));

  FailureOr<kiln::engine::StepAlone> alone =
      kiln::engine::serializeStepAlone(launchModule("k0_relu", 256, ""));
  ASSERT_TRUE(succeeded(alone));
  const kiln::fb::LaunchStep *step =
      flatbuffers::GetRoot<kiln::fb::Step>(alone->step.data())->kind_as_LaunchStep();
  ASSERT_NE(step, nullptr);
  ASSERT_EQ(step->args()->size(), 2u);
  EXPECT_EQ(step->args()->Get(0)->offset(), 0u);
  EXPECT_EQ(step->args()->Get(1)->offset(), 256u);
  EXPECT_EQ(alone->scratchBytes, 512u);
}

// Tests that a fused INT8 convolution's signature names its scale and that
// its residual is scaled (not by how much: the plans are the same), and that
// serialized alone for timing it keeps scale and z_scale, the scale in the
// scratch arena like every operand.
TEST_F(SignatureTest, FusedInt8ConvSignatureAndStepAlone) {
  auto fused = [&](const char *residualScale) {
    std::string source = R"mlir(
func.func @main(%x: memref<1x8x8x8xi8>, %z: memref<1x8x8x8xi8>, %y: memref<1x8x8x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  engine.conv %x : memref<1x8x8x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      residual %z : memref<1x8x8x8xi8> scale %s : memref<8xf32> -> %y : memref<1x8x8x8xi8>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
      activation <relu> {precision = "int8", residual_scale = RS : f32}
  return
}
)mlir";
    source.replace(source.find("RS"), 2, residualScale);
    module = parseSourceString<ModuleOp>(source, &context);
    Operation *step = nullptr;
    if (module)
      module->walk([&](kiln::engine::ConvOp op) { step = op; });
    return step;
  };
  Operation *half = fused("0.5");
  ASSERT_NE(half, nullptr);
  std::string signature = getTacticSignature(half);
  EXPECT_NE(signature.find(" scale=memref<8xf32> y=memref<1x8x8x8xi8> "), std::string::npos)
      << signature;
  EXPECT_NE(signature.find(" residual_scaled=1 "), std::string::npos) << signature;
  EXPECT_EQ(getTacticSignature(fused("0.75")), signature);
  std::string unscaled = getTacticSignature(fused("1.0"));
  EXPECT_EQ(unscaled.find("residual_scaled"), std::string::npos) << unscaled;

  FailureOr<kiln::engine::StepAlone> alone = kiln::engine::serializeStepAlone(fused("0.5"));
  ASSERT_TRUE(succeeded(alone));
  const kiln::fb::ConvStep *conv =
      flatbuffers::GetRoot<kiln::fb::Step>(alone->step.data())->kind_as_ConvStep();
  ASSERT_NE(conv->scale(), nullptr);
  EXPECT_EQ(conv->scale()->buffer()->region(), kiln::fb::Region::Arena);
  EXPECT_EQ(conv->scale()->dtype(), kiln::fb::DType::F32);
  EXPECT_EQ(conv->z_scale(), 0.5f);
  EXPECT_EQ(conv->y()->dtype(), kiln::fb::DType::I8);
}

} // namespace
