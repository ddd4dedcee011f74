//===- EngineWriterTest.cpp - the engine writer's in-memory API -----------===//
//
// serializeEngine's bytes read back through the generated FlatBuffers API, as
// the runtime will read them.
//
//===----------------------------------------------------------------------===//

#include "kiln/engine/EngineWriter.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/runtime/engine_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir;
using namespace kiln::engine;

namespace {

class EngineWriterTest : public ::testing::Test {
protected:
  EngineWriterTest() {
    context.loadDialect<EngineDialect, kiln::nn::NNDialect, func::FuncDialect>();
  }
  OwningOpRef<ModuleOp> parse(StringRef source) {
    return parseSourceString<ModuleOp>(source, &context);
  }
  MLIRContext context;
};

constexpr const char *kCopyModule = R"mlir(
module attributes {engine.arena_size = 4096 : i64} {
  func.func @main(%x: memref<2x3xi8> {engine.input = "x"}, %y: memref<6xi8> {engine.output = "y"}) {
    %w = engine.weight dense<7> : tensor<5xi32> : memref<5xi32>
    %t = engine.alloc {offset = 256 : i64} : memref<2x3xi8>
    engine.copy %x, %t : memref<2x3xi8>, memref<2x3xi8>
    %v = engine.view %t[0] : memref<2x3xi8> to memref<6xi8>
    engine.copy %v, %y {layers = ["flatten"]} : memref<6xi8>, memref<6xi8>
    return
  }
}
)mlir";

TEST_F(EngineWriterTest, BytesReadBackThroughTheSchema) {
  OwningOpRef<ModuleOp> module = parse(kCopyModule);
  ASSERT_TRUE(module);
  FailureOr<EngineBytes> bytes = serializeEngine(*module, EngineWriterOptions());
  ASSERT_TRUE(succeeded(bytes));

  flatbuffers::Verifier verifier(bytes->metadata.data(), bytes->metadata.size());
  ASSERT_TRUE(kiln::fb::VerifyEngineBuffer(verifier));
  ASSERT_TRUE(kiln::fb::EngineBufferHasIdentifier(bytes->metadata.data()));
  const kiln::fb::Engine *engine = kiln::fb::GetEngine(bytes->metadata.data());

  EXPECT_EQ(engine->arena_size(), 4096u);
  ASSERT_EQ(engine->bindings()->size(), 2u);
  EXPECT_EQ(engine->bindings()->Get(0)->name()->str(), "x");
  EXPECT_EQ(engine->bindings()->Get(0)->dtype(), kiln::fb::DType::I8);
  EXPECT_FALSE(engine->bindings()->Get(1)->is_input());
  // No kernels: no NVRTC, no code.
  EXPECT_EQ(engine->code()->size(), 0u);

  ASSERT_EQ(engine->steps()->size(), 2u);
  const kiln::fb::CopyStep *second = engine->steps()->Get(1)->kind_as_CopyStep();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->src()->region(), kiln::fb::Region::Arena);
  EXPECT_EQ(second->src()->offset(), 256u);
  EXPECT_EQ(second->dst()->region(), kiln::fb::Region::Binding);
  EXPECT_EQ(second->dst()->binding(), 1u);
  EXPECT_EQ(second->size(), 6u);
  EXPECT_EQ(engine->steps()->Get(1)->name()->str(), "flatten");

  // A splat expanded: five little-endian 7s.
  ASSERT_EQ(bytes->weights.size(), 20u);
  EXPECT_EQ(engine->weights_size(), 20u);
  for (size_t i = 0; i < 5; ++i) {
    int32_t value;
    std::memcpy(&value, bytes->weights.data() + 4 * i, 4);
    EXPECT_EQ(value, 7);
  }
}

TEST_F(EngineWriterTest, FailsWithoutAnOffset) {
  OwningOpRef<ModuleOp> module = parse(R"mlir(
    func.func @main(%x: memref<4xf32> {engine.input = "x"}) {
      %t = engine.alloc : memref<4xf32>
      engine.copy %x, %t : memref<4xf32>, memref<4xf32>
      return
    }
  )mlir");
  ASSERT_TRUE(module);
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  EXPECT_TRUE(failed(serializeEngine(*module, EngineWriterOptions())));
  EXPECT_NE(message.find("kiln-plan-memory"), std::string::npos);
}

} // namespace
