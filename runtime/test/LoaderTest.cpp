// The loader's refusals, without a GPU: each corrupt, truncated, foreign or
// inconsistent engine is refused with a message naming what was expected and
// what was found.
#include "TestEngines.h"

#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/Inspect.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/StreamSchedule.h"
#include "kiln/runtime/kiln_runtime.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <limits>
#include <random>
#include <unistd.h>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

namespace {

Status verify(const std::vector<uint8_t> &bytes, std::vector<std::string> *warnings = nullptr) {
  auto file = EngineFile::fromBytes(bytes);
  if (file && warnings)
    *warnings = file->warnings();
  return file.status();
}

#define EXPECT_REFUSED(status, expectedCode, text)                             \
  do {                                                                         \
    Status s_ = (status);                                                      \
    EXPECT_EQ(s_.code(), expectedCode) << s_.message();                        \
    EXPECT_NE(s_.message().find(text), std::string::npos)                      \
        << "message: " << s_.message();                                        \
  } while (0)

void patchU32(std::vector<uint8_t> &bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

// The sample engine with a change to its builder before it is finished.
template <typename F> std::vector<uint8_t> sampleWith(F change) {
  EngineBuilder builder;
  uint32_t input = builder.addBinding("input", fb::DType::F32, {1, 4}, true);
  uint32_t output = builder.addBinding("output", fb::DType::F32, {1, 4}, false);
  builder.ptx = fakePtx({{"k", 2}});
  change(builder, input, output);
  return builder.file();
}

std::string tempDir() {
  char pattern[] = "/tmp/kiln-runtime-test-XXXXXX";
  const char *dir = mkdtemp(pattern);
  return dir ? dir : "/tmp";
}

} // namespace

TEST(EngineFile, SampleEngineVerifies) {
  std::vector<std::string> warnings;
  Status status = verify(makeSampleEngine(), &warnings);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(warnings.empty());
}

TEST(EngineFile, HeaderLayout) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  std::vector<std::string> warnings;
  auto header = checkEngineHeader(bytes, warnings);
  ASSERT_TRUE(header.ok()) << header.status().message();
  EXPECT_EQ(std::memcmp(bytes.data(), "KILNENG\0", 8), 0);
  EXPECT_EQ(header->format_major(), 1u);
  EXPECT_EQ(header->format_minor(), 5u);
  EXPECT_EQ(header->metadata_offset(), 64u);
  EXPECT_EQ(header->weights_offset() % 256, 0u);
  EXPECT_GE(header->weights_offset(), 64 + header->metadata_size());
  EXPECT_EQ(header->weights_offset() + header->weights_size(), bytes.size());
  EXPECT_EQ(header->checksum(), engineChecksum(ByteSpan(bytes.data() + 64, bytes.size() - 64)));
}

TEST(EngineFile, HeaderIsTheSchemaStruct) {
  // The schema's reflection table holds each struct field's offset, then the
  // struct's size: they must be format 1's layout.
  const flatbuffers::TypeTable *table = kiln::fb::FileHeaderTypeTable();
  ASSERT_EQ(table->num_elems, std::size(kHeaderFields));
  for (size_t i = 0; i < table->num_elems; ++i) {
    EXPECT_STREQ(table->names[i], kHeaderFields[i].name);
    EXPECT_EQ(static_cast<uint64_t>(table->values[i]), kHeaderFields[i].offset)
        << kHeaderFields[i].name;
  }
  EXPECT_EQ(static_cast<uint64_t>(table->values[table->num_elems]), kHeaderSize);

  // The bytes written: each field little-endian at its offset.
  std::vector<uint8_t> bytes = makeSampleEngine();
  std::vector<std::string> warnings;
  auto header = checkEngineHeader(bytes, warnings);
  ASSERT_TRUE(header.ok()) << header.status().message();
  auto at = [&](uint64_t offset, int size) {
    uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i)
      value = value << 8 | bytes[offset + i];
    return value;
  };
  EXPECT_EQ(at(8, 4), header->format_major());
  EXPECT_EQ(at(12, 4), header->format_minor());
  EXPECT_EQ(at(16, 8), header->metadata_offset());
  EXPECT_EQ(at(24, 8), header->metadata_size());
  EXPECT_EQ(at(32, 8), header->weights_offset());
  EXPECT_EQ(at(40, 8), header->weights_size());
  EXPECT_EQ(at(48, 4), header->checksum());
  EXPECT_EQ(at(52, 4) | at(56, 4) | at(60, 4), 0u);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(header->magic()->Get(i), static_cast<uint8_t>(kEngineMagic[i]));
}

TEST(EngineFile, CorruptedByteFailsTheChecksum) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  bytes[bytes.size() - 5] ^= 0x40; // a weight
  EXPECT_REFUSED(verify(bytes), ErrorCode::Corrupted, "checksum mismatch");
  bytes = makeSampleEngine();
  bytes[100] ^= 0x01; // the metadata
  EXPECT_REFUSED(verify(bytes), ErrorCode::Corrupted, "checksum mismatch");
}

TEST(EngineFile, TruncatedFile) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 100);
  EXPECT_REFUSED(verify(cut), ErrorCode::Truncated,
                 "found " + std::to_string(bytes.size() - 100));
  std::vector<uint8_t> header(bytes.begin(), bytes.begin() + 40);
  EXPECT_REFUSED(verify(header), ErrorCode::Truncated, "the header needs 64 bytes");
  std::vector<uint8_t> noWeights(bytes.begin(), bytes.begin() + 200);
  EXPECT_REFUSED(verify(noWeights), ErrorCode::Truncated, "truncated engine");
}

TEST(EngineFile, TrailingBytesAreRefused) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  bytes.resize(bytes.size() + 3, 0);
  EXPECT_REFUSED(verify(bytes), ErrorCode::InvalidEngine, "3 unexpected bytes");
}

TEST(EngineFile, ForeignFilesAreNotEngines) {
  // The first bytes of an ONNX model (a protobuf ModelProto: ir_version,
  // producer_name "pytorch").
  std::vector<uint8_t> onnx = {0x08, 0x08, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h',
                               0x1a, 0x05, '2', '.', '1', '1', 0x3a, 0x80, 0x01};
  EXPECT_REFUSED(verify(onnx), ErrorCode::NotAnEngine,
                 "not a Kiln engine: expected the magic \"KILNENG\\x00\", found "
                 "\"\\x08\\x08\\x12\\x07pyto\"");
  std::mt19937 random(7);
  std::vector<uint8_t> noise(4096);
  for (uint8_t &b : noise)
    b = static_cast<uint8_t>(random());
  EXPECT_REFUSED(verify(noise), ErrorCode::NotAnEngine, "not a Kiln engine");
  EXPECT_REFUSED(verify({}), ErrorCode::NotAnEngine, "the file has only 0 bytes");
}

TEST(EngineFile, WrongMajorVersionIsRefused) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  patchU32(bytes, 8, 2);
  EXPECT_REFUSED(verify(bytes), ErrorCode::VersionMismatch,
                 "engine format version 2.5 is not readable: this runtime reads format 1.x "
                 "(up to 1.5)");
}

TEST(EngineFile, NewerMinorVersionIsAcceptedWithAWarning) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  patchU32(bytes, 12, 6);
  std::vector<std::string> warnings;
  Status status = verify(bytes, &warnings);
  EXPECT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("format version 1.6 is newer"), std::string::npos) << warnings[0];
}

TEST(EngineFile, ReservedWordsMustBeZero) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  patchU32(bytes, 56, 1);
  EXPECT_REFUSED(verify(bytes), ErrorCode::InvalidEngine, "reserved words must be zero");
}

TEST(EngineFile, BadFlatBufferWithAValidChecksum) {
  std::mt19937 random(11);
  std::vector<uint8_t> metadata(512);
  for (uint8_t &b : metadata)
    b = static_cast<uint8_t>(random());
  std::memcpy(metadata.data() + 4, "KILN", 4); // right identifier, garbage tables
  std::vector<uint8_t> weights(64, 0);
  EXPECT_REFUSED(verify(encodeEngineFile(metadata, weights)), ErrorCode::InvalidEngine,
                 "the FlatBuffers verifier rejects");
  std::memcpy(metadata.data() + 4, "ONNX", 4);
  EXPECT_REFUSED(verify(encodeEngineFile(metadata, weights)), ErrorCode::InvalidEngine,
                 "expected the FlatBuffers identifier \"KILN\"");
}

TEST(EngineFile, MetadataWeightsSizeMustMatchTheFile) {
  auto bytes = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    float w[4] = {};
    b.addWeights(w, sizeof w);
    b.declaredWeightsSize = 1024;
  });
  EXPECT_REFUSED(verify(bytes), ErrorCode::InvalidEngine,
                 "the metadata says 1024 bytes of weights, the file holds 16");
}

TEST(EngineFile, OutOfRangeBufferRefs) {
  auto arena = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t) {
    b.arenaSize = 1024;
    ConvSpec conv;
    conv.x = {fb::DType::F32, {1, 4, 4, 4}, {}, EngineBuilder::arena(768)}; // 256 bytes
    conv.w = {fb::DType::F32, {4, 4, 1, 1}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F32, {1, 4, 4, 4}, {}, EngineBuilder::arena(900)};
    (void)input;
    b.addConv("conv", conv);
  });
  EXPECT_REFUSED(verify(arena), ErrorCode::InvalidEngine,
                 "step 0 'conv': y: bytes [900, 1156) lie outside the arena (1024 bytes)");

  auto binding = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.addCopy("copy", EngineBuilder::binding(input, 8), EngineBuilder::binding(output), 16);
  });
  EXPECT_REFUSED(verify(binding), ErrorCode::InvalidEngine,
                 "src: bytes [8, 24) lie outside the binding 'input' (16 bytes)");

  auto index = sampleWith([](EngineBuilder &b, uint32_t, uint32_t output) {
    b.addCopy("copy", EngineBuilder::binding(7), EngineBuilder::binding(output), 16);
  });
  EXPECT_REFUSED(verify(index), ErrorCode::InvalidEngine,
                 "binding index 7 but the engine has 2 bindings");

  auto weights = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    GemmSpec g;
    g.a = EngineBuilder::binding(input);
    g.b = EngineBuilder::weights(0);
    g.d = EngineBuilder::binding(output);
    g.m = 1, g.n = 4, g.k = 4, g.lda = 4, g.ldb = 4, g.ldd = 4;
    b.addGemm("fc", g);
  });
  EXPECT_REFUSED(verify(weights), ErrorCode::InvalidEngine,
                 "step 0 'fc': b: bytes [0, 64) lie outside the weights (0 bytes)");

  auto launch = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t) {
    b.arenaSize = 256;
    b.addLaunch("k", "k", {1}, {32}, {EngineBuilder::binding(input), EngineBuilder::arena(256)});
  });
  EXPECT_REFUSED(verify(launch), ErrorCode::InvalidEngine,
                 "argument 1: bytes [256, 256) lie outside the arena (256 bytes)");
}

// Sizes computed from a corrupt shape must not wrap around 64 bits into
// sizes that fit their region (found by fuzzing engines whose checksum was
// recomputed after the change).
TEST(EngineFile, SizesThatOverflowAreRefused) {
  constexpr int64_t kHuge = int64_t(1) << 62;
  auto conv = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1024;
    ConvSpec c;
    c.x = {fb::DType::F32, {kHuge + 1, 4, 4, 4}, {}, EngineBuilder::arena(0)};
    c.w = {fb::DType::F32, {4, 4, 1, 1}, {}, EngineBuilder::arena(0)};
    c.y = {fb::DType::F32, {1, 4, 4, 4}, {}, EngineBuilder::arena(0)};
    b.addConv("conv", c);
  });
  EXPECT_REFUSED(verify(conv), ErrorCode::InvalidEngine,
                 "step 0 'conv': x: its shape and strides span more bytes than a 64-bit size "
                 "counts");

  auto gemm = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.arenaSize = 1024;
    GemmSpec g;
    g.a = EngineBuilder::binding(input);
    g.b = EngineBuilder::arena(0);
    g.d = EngineBuilder::arena(0);
    g.m = 1, g.n = 4, g.k = 4, g.lda = 4, g.ldb = 4, g.ldd = 4;
    g.batch = 5, g.strideD = kHuge;
    (void)output;
    b.addGemm("fc", g);
  });
  EXPECT_REFUSED(verify(gemm), ErrorCode::InvalidEngine,
                 "step 0 'fc': d: its shape and strides span more bytes than a 64-bit size counts");

  EngineBuilder builder;
  builder.addBinding("input", fb::DType::F32, {kHuge, 4}, true);
  builder.addBinding("output", fb::DType::F32, {1, 4}, false);
  EXPECT_REFUSED(verify(builder.file()), ErrorCode::InvalidEngine,
                 "binding 0 'input': shape [4611686018427387904,4] holds more bytes than a "
                 "64-bit size counts");
}

TEST(EngineFile, LaunchOfAnUnknownKernel) {
  auto bytes = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.addLaunch("relu1", "kiln_relu", {1}, {32},
                {EngineBuilder::binding(input), EngineBuilder::binding(output)});
  });
  EXPECT_REFUSED(verify(bytes), ErrorCode::InvalidEngine,
                 "step 0 'relu1': launches kernel 'kiln_relu', which the PTX does not define");

  auto arguments = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t) {
    b.addLaunch("k", "k", {1}, {32}, {EngineBuilder::binding(input)});
  });
  EXPECT_REFUSED(verify(arguments), ErrorCode::InvalidEngine,
                 "with 1 arguments; the PTX declares 2 parameters");

  auto noCode = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.ptx.clear();
    b.addLaunch("k", "k", {1}, {32},
                {EngineBuilder::binding(input), EngineBuilder::binding(output)});
  });
  EXPECT_REFUSED(verify(noCode), ErrorCode::InvalidEngine, "the engine has no code");

  auto notCubin = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.addCode(90, {1, 2, 3, 4});
  });
  EXPECT_REFUSED(verify(notCubin), ErrorCode::InvalidEngine,
                 "expected a cubin (an ELF64 image), found something else");
}

TEST(EngineFile, LaunchBoundsAreKept) {
  auto launch = [](uint32_t bound, std::vector<uint32_t> block) {
    return sampleWith([=](EngineBuilder &b, uint32_t input, uint32_t output) {
      b.addKernel("k", bound);
      b.addLaunch("relu1", "k", {4}, block,
                  {EngineBuilder::binding(input), EngineBuilder::binding(output)});
    });
  };
  EXPECT_TRUE(verify(launch(256, {256})).ok());
  EXPECT_TRUE(verify(launch(256, {32, 8, 1})).ok());
  EXPECT_TRUE(verify(launch(0, {1024})).ok()); // no bound declared
  EXPECT_REFUSED(verify(launch(256, {512})), ErrorCode::InvalidEngine,
                 "step 0 'relu1': launches kernel 'k' with a block of 512 = 512 threads; "
                 "the kernel's launch bound (max_threads_per_block) is 256");
  EXPECT_REFUSED(verify(launch(128, {32, 8, 1})), ErrorCode::InvalidEngine,
                 "with a block of 32x8x1 = 256 threads; the kernel's launch bound "
                 "(max_threads_per_block) is 128");
  // A bound on another kernel does not apply.
  auto other = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.addKernel("other", 32);
    b.addLaunch("relu1", "k", {4}, {256},
                {EngineBuilder::binding(input), EngineBuilder::binding(output)});
  });
  EXPECT_TRUE(verify(other).ok());
}

TEST(EngineFile, DynamicSharedMemoryIsBounded) {
  auto launch = [](uint32_t sharedMem) {
    return sampleWith([=](EngineBuilder &b, uint32_t input, uint32_t output) {
      b.addLaunch("conv1", "k", {4}, {128},
                  {EngineBuilder::binding(input), EngineBuilder::binding(output)}, sharedMem);
    });
  };
  // A CUTLASS convolution's 96 KiB is fine; the loader raises the limit.
  EXPECT_TRUE(verify(launch(96 * 1024)).ok());
  EXPECT_REFUSED(verify(launch(300 * 1024)), ErrorCode::InvalidEngine,
                 "step 0 'conv1': asks for 307200 bytes of dynamic shared memory, more than "
                 "any GPU has (256 KiB)");
}

TEST(EngineFile, KernelTableIsChecked) {
  auto twice = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.addKernel("k", 256);
    b.addKernel("k", 128);
  });
  EXPECT_REFUSED(verify(twice), ErrorCode::InvalidEngine,
                 "kernel 1 'k': a kernel of that name is listed before");
  auto tooMany = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) { b.addKernel("k", 2048); });
  EXPECT_REFUSED(verify(tooMany), ErrorCode::InvalidEngine,
                 "kernel 0 'k': max_threads_per_block is 2048, more than the 1024");
  auto unnamed = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) { b.addKernel("", 64); });
  EXPECT_REFUSED(verify(unnamed), ErrorCode::InvalidEngine, "kernel 0 '': the name is empty");
}

TEST(EngineFile, ArchitectureNewerThanAnyKnown) {
  auto bytes = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) { b.archs = {90, 200}; });
  EXPECT_REFUSED(verify(bytes), ErrorCode::VersionMismatch,
                 "engine built for sm_200 (Engine.archs), newer than any GPU architecture "
                 "this runtime knows (newest: sm_121)");
  auto unknown = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) { b.archs = {91}; });
  EXPECT_REFUSED(verify(unknown), ErrorCode::VersionMismatch,
                 "not a GPU architecture this runtime knows");
}

TEST(EngineFile, ConvShapesAndDtypes) {
  auto channels = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1 << 16;
    ConvSpec conv;
    conv.x = {fb::DType::F32, {1, 4, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.w = {fb::DType::F32, {8, 3, 3, 3}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F32, {1, 8, 6, 6}, {}, EngineBuilder::arena(0)};
    b.addConv("conv", conv);
  });
  EXPECT_REFUSED(verify(channels), ErrorCode::InvalidEngine, "channels do not match");

  auto spatial = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1 << 16;
    ConvSpec conv;
    conv.x = {fb::DType::F32, {1, 4, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.w = {fb::DType::F32, {8, 4, 3, 3}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F32, {1, 8, 8, 8}, {}, EngineBuilder::arena(0)};
    b.addConv("conv", conv);
  });
  EXPECT_REFUSED(verify(spatial), ErrorCode::InvalidEngine,
                 "spatial dimension 0 of y should be 6");

  auto dtypes = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1 << 16;
    ConvSpec conv;
    conv.x = {fb::DType::F16, {1, 4, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.w = {fb::DType::F32, {8, 4, 3, 3}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F16, {1, 8, 6, 6}, {}, EngineBuilder::arena(0)};
    b.addConv("conv", conv);
  });
  EXPECT_REFUSED(verify(dtypes), ErrorCode::InvalidEngine,
                 "expected x, w and y of one dtype, found f16, f32, f16");

  auto hardSwish = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1 << 16;
    ConvSpec conv;
    conv.x = {fb::DType::F16, {1, 8, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.w = {fb::DType::F16, {8, 8, 1, 1}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F16, {1, 8, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.activation = fb::Activation::HardSwish;
    b.addConv("conv + hswish", conv);
  });
  EXPECT_REFUSED(verify(hardSwish), ErrorCode::Unsupported,
                 "activation HardSwish cannot be fused into a cuDNN convolution graph");
}

TEST(EngineFile, GemmTypesAndLeadingDimensions) {
  auto types = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    GemmSpec g;
    g.a = g.b = EngineBuilder::binding(input);
    g.d = EngineBuilder::binding(output);
    g.aType = g.bType = fb::DType::I8;
    g.m = 1, g.n = 1, g.k = 1, g.lda = g.ldb = g.ldd = 1;
    b.addGemm("fc", g);
  });
  EXPECT_REFUSED(verify(types), ErrorCode::Unsupported, "GEMM types a i8, b i8, c f32, d f32");

  auto ld = sampleWith([](EngineBuilder &b, uint32_t input, uint32_t output) {
    GemmSpec g;
    g.a = g.b = EngineBuilder::binding(input);
    g.d = EngineBuilder::binding(output);
    g.m = 1, g.n = 2, g.k = 2, g.lda = 1, g.ldb = 2, g.ldd = 2;
    b.addGemm("fc", g);
  });
  EXPECT_REFUSED(verify(ld), ErrorCode::InvalidEngine, "a: leading dimension 1 below its 2 columns");
}

// Tests the verifier's rules for INT8 steps: a cuDNN int8 convolution takes
// NHWC i8 data with a multiple of 4 channels per group into f32 and nothing
// fused; a cuBLASLt int8 GEMM is TN with K a multiple of 4, into i32.
TEST(EngineVerifier, Int8ConvAndGemmRules) {
  // Strides of an NCHW-shaped tensor stored NHWC or NCHW.
  auto stridesFor = [](const std::vector<int64_t> &s, bool channelsLast) {
    return channelsLast ? std::vector<int64_t>{s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]}
                        : std::vector<int64_t>{s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
  };
  auto conv = [&](int64_t channels, bool channelsLast, bool withBias) {
    return sampleWith([=](EngineBuilder &b, uint32_t, uint32_t) {
      ConvSpec c;
      std::vector<int64_t> x = {1, channels, 4, 4}, w = {8, channels, 1, 1}, y = {1, 8, 4, 4};
      c.x = {fb::DType::I8, x, stridesFor(x, channelsLast), EngineBuilder::arena(b.allocateArena(256))};
      c.w = {fb::DType::I8, w, stridesFor(w, channelsLast), EngineBuilder::arena(b.allocateArena(256))};
      c.y = {fb::DType::F32, y, stridesFor(y, channelsLast), EngineBuilder::arena(b.allocateArena(512))};
      c.compute = fb::DType::I32;
      if (withBias) {
        c.hasBias = true;
        c.bias = {fb::DType::F32, {8}, {}, EngineBuilder::arena(b.allocateArena(32))};
      }
      b.addConv("qconv", c, "int8");
    });
  };
  EXPECT_TRUE(verify(conv(4, true, false)).ok()) << verify(conv(4, true, false)).message();
  EXPECT_REFUSED(verify(conv(4, false, false)), ErrorCode::Unsupported,
                 "cuDNN's int8 convolutions run on channels-last (NHWC) tensors");
  EXPECT_REFUSED(verify(conv(3, true, false)), ErrorCode::Unsupported,
                 "a multiple of 4 input channels per group, found 3");
  EXPECT_REFUSED(verify(conv(4, true, true)), ErrorCode::Unsupported,
                 "an int8 convolution without a scale carries no bias");

  auto gemm = [](bool transB, int64_t k) {
    return sampleWith([=](EngineBuilder &b, uint32_t, uint32_t) {
      GemmSpec g;
      g.a = EngineBuilder::arena(b.allocateArena(256));
      g.b = EngineBuilder::arena(b.allocateArena(256));
      g.d = EngineBuilder::arena(b.allocateArena(256));
      g.aType = g.bType = fb::DType::I8;
      g.cType = g.dType = g.compute = fb::DType::I32;
      g.transB = transB;
      g.m = 4, g.n = 4, g.k = k, g.lda = k, g.ldb = transB ? k : 4, g.ldd = 4;
      b.addGemm("fc", g, "int8");
    });
  };
  EXPECT_TRUE(verify(gemm(true, 8)).ok()) << verify(gemm(true, 8)).message();
  EXPECT_REFUSED(verify(gemm(false, 8)), ErrorCode::Unsupported,
                 "cuBLASLt's int8 kernels take the TN form");
  EXPECT_REFUSED(verify(gemm(true, 6)), ErrorCode::Unsupported,
                 "an int8 GEMM needs K, lda and ldb multiples of 4, found 6");
}

namespace {

/// What a fused INT8 convolution step of the tests below changes from the
/// valid one: y = relu(conv(x, w) * scale + bias + z * 0.5), i8 NHWC.
struct FusedInt8Change {
  fb::DType y = fb::DType::I8, scale = fb::DType::F32, bias = fb::DType::F32,
            z = fb::DType::I8;
  std::vector<int64_t> scaleShape = {8};
  bool hasBias = true, hasZ = true;
  fb::Activation activation = fb::Activation::Relu;
  float zScale = 0.5f, alpha = 1, postScale = 1;
};

std::vector<uint8_t> fusedInt8Conv(const FusedInt8Change &change) {
  return sampleWith([&](EngineBuilder &b, uint32_t, uint32_t) {
    auto nhwc = [](const std::vector<int64_t> &s) {
      return std::vector<int64_t>{s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]};
    };
    std::vector<int64_t> x = {1, 8, 4, 4}, w = {8, 8, 1, 1}, y = {1, 8, 4, 4};
    ConvSpec c;
    c.x = {fb::DType::I8, x, nhwc(x), EngineBuilder::arena(b.allocateArena(128))};
    c.w = {fb::DType::I8, w, nhwc(w), EngineBuilder::arena(b.allocateArena(64))};
    c.y = {change.y, y, nhwc(y), EngineBuilder::arena(b.allocateArena(512))};
    c.compute = fb::DType::I32;
    c.hasScale = true;
    c.scale = {change.scale, change.scaleShape, {}, EngineBuilder::arena(b.allocateArena(64))};
    c.hasBias = change.hasBias;
    c.bias = {change.bias, {8}, {}, EngineBuilder::arena(b.allocateArena(32))};
    c.hasZ = change.hasZ;
    c.z = {change.z, y, nhwc(y), EngineBuilder::arena(b.allocateArena(512))};
    c.zScale = change.zScale;
    c.activation = change.activation;
    c.alpha = change.alpha;
    c.postScale = change.postScale;
    b.addConv("qconv", c, "int8");
  });
}

} // namespace

// Tests that a fused INT8 convolution (format 1.2: scale, bias, int8
// residual with its scale, relu or clip, i8 or float y) verifies, and each bad
// value of it is refused with what was expected and found.
TEST(EngineVerifier, FusedInt8Conv) {
  auto ok = [](const FusedInt8Change &change) {
    Status status = verify(fusedInt8Conv(change));
    EXPECT_TRUE(status.ok()) << status.message();
  };
  ok({});
  FusedInt8Change floatOut;
  floatOut.y = fb::DType::F32;
  floatOut.hasZ = false;
  floatOut.zScale = 1;
  ok(floatOut);
  FusedInt8Change halfOut;
  halfOut.y = fb::DType::F16;
  halfOut.activation = fb::Activation::None;
  ok(halfOut);
  FusedInt8Change nchwScale;
  nchwScale.scaleShape = {1, 8, 1, 1};
  ok(nchwScale);
  FusedInt8Change clip; // ReLU6, its bounds in output units
  clip.activation = fb::Activation::Clip;
  ok(clip);

  FusedInt8Change c;
  c.scaleShape = {4};
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine,
                 "the scale of a fused int8 convolution must be f32 of shape [8] or [1,8,1...] "
                 "(one value per output channel), found f32 [4]");
  c = {};
  c.scaleShape = {1, 8, 2, 1};
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "found f32 [1,8,2,1]");
  c = {};
  c.scale = fb::DType::F16;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "found f16 [8]");
  c = {};
  c.hasBias = false;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine,
                 "a fused int8 convolution needs an f32 bias (zeros when the layer has none, "
                 "so that a format 1.1 runtime refuses the step), found none");
  c = {};
  c.bias = fb::DType::F16;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "found f16");
  c = {};
  c.z = fb::DType::F32;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::Unsupported,
                 "the residual z of a fused int8 convolution must be i8, found f32");
  c = {};
  c.y = fb::DType::I32;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::Unsupported,
                 "an i8, f32 or f16 y; found w i8, y i32");
  c = {};
  c.activation = fb::Activation::HardSwish;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::Unsupported,
                 "activation HardSwish in a fused int8 convolution (cuDNN's int8 graph takes "
                 "Relu, Clip, LeakyRelu, Sigmoid, Tanh, Gelu, GeluTanh, Silu, Elu or none)");
  c = {};
  c.zScale = std::numeric_limits<float>::infinity();
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "z_scale is inf");
  c = {};
  c.alpha = 2;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::Unsupported,
                 "a fused int8 convolution has no alpha");
}

// Tests format 1.5's post_scale: a fused INT8 step may carry an activation
// that does not commute with the output's scale (silu, sigmoid, tanh, gelu,
// leaky relu, elu) with a finite positive post_scale after it, an int8 or a
// float output; a post_scale with relu, clip or no activation (a 1.4 runtime
// would run such a step without it), a NaN, zero, negative or infinite one,
// one on a float convolution or on an int8 one without a scale are refused.
TEST(EngineVerifier, FusedInt8PostScale) {
  FusedInt8Change silu;
  silu.activation = fb::Activation::Silu;
  silu.postScale = 40;
  for (fb::Activation activation :
       {fb::Activation::Silu, fb::Activation::Sigmoid, fb::Activation::Tanh,
        fb::Activation::Gelu, fb::Activation::GeluTanh, fb::Activation::LeakyRelu,
        fb::Activation::Elu}) {
    FusedInt8Change change = silu;
    change.activation = activation;
    Status status = verify(fusedInt8Conv(change));
    EXPECT_TRUE(status.ok()) << fb::EnumNameActivation(activation) << ": " << status.message();
  }
  FusedInt8Change halfOut = silu; // no post scale: the output stays in real units
  halfOut.y = fb::DType::F16;
  halfOut.postScale = 1;
  Status status = verify(fusedInt8Conv(halfOut));
  EXPECT_TRUE(status.ok()) << status.message();

  FusedInt8Change c = silu;
  c.activation = fb::Activation::Relu;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine,
                 "post_scale 40.000000 with activation Relu: it commutes with the output's "
                 "scale, which the scale holds");
  c.activation = fb::Activation::Clip;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "with activation Clip");
  c.activation = fb::Activation::None;
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "with activation None");
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), 0.0f, -2.0f,
                    std::numeric_limits<float>::infinity()}) {
    c = silu;
    c.postScale = bad;
    EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine,
                   "; it must be finite and positive (1 / the output's scale)");
  }
  c = silu;
  c.postScale = std::numeric_limits<float>::quiet_NaN();
  EXPECT_REFUSED(verify(fusedInt8Conv(c)), ErrorCode::InvalidEngine, "post_scale is nan");

  auto floatConv = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.arenaSize = 1 << 16;
    ConvSpec conv;
    conv.x = {fb::DType::F16, {1, 8, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.w = {fb::DType::F16, {8, 8, 1, 1}, {}, EngineBuilder::arena(0)};
    conv.y = {fb::DType::F16, {1, 8, 8, 8}, {}, EngineBuilder::arena(0)};
    conv.activation = fb::Activation::Silu;
    conv.postScale = 2;
    b.addConv("conv + silu", conv);
  });
  EXPECT_REFUSED(verify(floatConv), ErrorCode::InvalidEngine,
                 "post_scale 2.000000 belongs to a fused int8 convolution (i8 x with a "
                 "scale), found on f16 data");
  auto unfused = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    std::vector<int64_t> x = {1, 8, 4, 4}, w = {8, 8, 1, 1};
    auto nhwc = [](const std::vector<int64_t> &s) {
      return std::vector<int64_t>{s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]};
    };
    ConvSpec conv;
    conv.x = {fb::DType::I8, x, nhwc(x), EngineBuilder::arena(b.allocateArena(128))};
    conv.w = {fb::DType::I8, w, nhwc(w), EngineBuilder::arena(b.allocateArena(64))};
    conv.y = {fb::DType::F32, x, nhwc(x), EngineBuilder::arena(b.allocateArena(512))};
    conv.compute = fb::DType::I32;
    conv.postScale = 2;
    b.addConv("qconv", conv, "int8");
  });
  EXPECT_REFUSED(verify(unfused), ErrorCode::InvalidEngine, "found on one without a scale");
}

// Tests that post_scale (format 1.5) shows in the engine's JSON and text.
TEST(EngineFile, FormatOnePointFive) {
  FusedInt8Change silu;
  silu.activation = fb::Activation::Silu;
  silu.postScale = 40;
  auto file = EngineFile::fromBytes(fusedInt8Conv(silu));
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::string json = inspectEngineJson(*file);
  EXPECT_NE(json.find("\"post_scale\": 40"), std::string::npos) << json;
  std::string text = inspectEngineText(*file);
  EXPECT_NE(text.find("*scale +bias +z*0.5 Silu *40"), std::string::npos) << text;
  auto relu = EngineFile::fromBytes(fusedInt8Conv({}));
  ASSERT_TRUE(relu.ok()) << relu.status().message();
  EXPECT_NE(inspectEngineJson(*relu).find("\"post_scale\": 1"), std::string::npos);
  EXPECT_EQ(inspectEngineText(*relu).find("Relu *"), std::string::npos);
}

// Tests the format versions around the fused INT8 epilogue: a file that says
// 1.2, 1.1 or 1.0 (the older ones have no fused steps) is read without a
// warning, and the new fields show in the engine's JSON.
TEST(EngineFile, FormatOnePointTwo) {
  std::vector<uint8_t> bytes = fusedInt8Conv({});
  std::vector<std::string> warnings;
  for (uint32_t older : {0u, 1u, 2u}) {
    std::vector<uint8_t> old = makeSampleEngine();
    patchU32(old, 12, older);
    Status status = verify(old, &warnings);
    EXPECT_TRUE(status.ok()) << status.message();
    EXPECT_TRUE(warnings.empty()) << "format 1." << older << ": " << warnings.front();
  }
  auto file = EngineFile::fromBytes(bytes);
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::string json = inspectEngineJson(*file);
  EXPECT_NE(json.find("\"z_scale\": 0.5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"scale\": {"), std::string::npos) << json;
  std::string text = inspectEngineText(*file);
  EXPECT_NE(text.find("*scale +bias +z*0.5 Relu"), std::string::npos) << text;
}

namespace {

/// What an attention step of the tests below changes from the valid one:
/// f16 q, k, v and o [B, S, H, D] = [2, 8, 2, 64] seen as strided
/// [B, H, S, D] windows of the arena, a [2, 1, 8, 8] mask.
struct AttentionChange {
  fb::DType q = fb::DType::F16, v = fb::DType::F16, bias = fb::DType::F16;
  std::vector<int64_t> kShape = {2, 2, 8, 64}, biasShape = {2, 1, 8, 8};
  std::vector<int64_t> qStrides = {1024, 64, 128, 1};
  int64_t head = 64;
  uint64_t oOffset = 0;
  uint64_t arena = 0; ///< the arena's size; 0: what the tensors need
  float scale = 0.125f;
  std::vector<int64_t> knobs;
};

std::vector<uint8_t> attentionEngine(const AttentionChange &change) {
  return sampleWith([&](EngineBuilder &b, uint32_t, uint32_t) {
    int64_t d = change.head;
    std::vector<int64_t> shape = {2, 2, 8, d}, bshd = {8 * 2 * d, d, 2 * d, 1};
    uint64_t bytes = 2 * 8 * 2 * d * 2;
    AttentionSpec a;
    a.q = {change.q, shape, change.qStrides, EngineBuilder::arena(b.allocateArena(bytes))};
    a.k = {fb::DType::F16, change.kShape, {}, EngineBuilder::arena(b.allocateArena(bytes))};
    a.v = {change.v, shape, bshd, EngineBuilder::arena(b.allocateArena(bytes))};
    a.hasBias = !change.biasShape.empty();
    a.bias = {change.bias, change.biasShape, {}, EngineBuilder::arena(b.allocateArena(256))};
    uint64_t o = b.allocateArena(bytes);
    a.o = {fb::DType::F16, shape, bshd, EngineBuilder::arena(o + change.oOffset)};
    a.scale = change.scale;
    a.knobs = change.knobs;
    if (change.arena)
      b.arenaSize = change.arena;
    b.addAttention("attention0", a, "fp16");
  });
}

} // namespace

// Tests that a fused attention step (format 1.3) verifies, and each bad value
// of it is refused with what was expected and found.
TEST(EngineVerifier, Attention) {
  auto ok = [](const AttentionChange &change) {
    Status status = verify(attentionEngine(change));
    EXPECT_TRUE(status.ok()) << status.message();
  };
  ok({});
  AttentionChange noBias;
  noBias.biasShape = {};
  ok(noBias);
  AttentionChange bf16;
  bf16.q = bf16.v = fb::DType::BF16;
  EXPECT_REFUSED(verify(attentionEngine(bf16)), ErrorCode::InvalidEngine,
                 "q, k, v and o must have one dtype, found q bf16 and k f16");

  AttentionChange c;
  c.q = fb::DType::F32;
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::Unsupported,
                 "step 0 'attention0': attention runs on f16 or bf16, found q f32");
  c = {};
  c.kShape = {2, 2, 8, 32};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "k must be [2,2,8,64], found [2,2,8,32]");
  c = {};
  c.kShape = {2, 8, 64};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "k must be [B, H, S, D] (rank 4), found [2,8,64]");
  c = {};
  c.head = 12;
  c.kShape = {2, 2, 8, 12};
  c.qStrides = {};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::Unsupported,
                 "head sizes that are multiples of 8, found 12 and 12");
  c = {};
  c.qStrides = {1024, 64, 132, 1};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::Unsupported,
                 "q strides [1024,64,132,1]: cuDNN's attention needs unit stride in the "
                 "head dimension and the others multiples of 16 bytes");
  c = {};
  c.qStrides = {1024, 64, 128, 2};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::Unsupported, "q strides [1024,64,128,2]");
  c = {};
  c.oOffset = 8;
  c.arena = 17000;
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::Unsupported,
                 "o starts at byte 12552, not a multiple of the 16 bytes");
  c = {};
  c.biasShape = {2, 2, 1, 8};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "bias must be [2 or 1,2 or 1,8,8], found [2,2,1,8]");
  c = {};
  c.bias = fb::DType::F32;
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "bias must be f16 like q, found f32");
  c = {};
  c.scale = std::numeric_limits<float>::quiet_NaN();
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine, "not finite");
  c = {};
  c.knobs = {24};
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "knobs must be (type, value) pairs, found 1 numbers");
  // The output's last element past the arena.
  c = {};
  c.arena = 16000;
  EXPECT_REFUSED(verify(attentionEngine(c)), ErrorCode::InvalidEngine,
                 "o: bytes [12544, 16640) lie outside the arena (16000 bytes)");
}

// An engine this runtime's builder wrote, opened after checking that its
// header says the current format, 1.5.
Expected<EngineFile> openWrittenEngine(const std::vector<uint8_t> &bytes) {
  std::vector<std::string> warnings;
  auto header = checkEngineHeader(bytes, warnings);
  if (!header)
    return header.takeStatus();
  EXPECT_EQ(header->format_minor(), 5u);
  return EngineFile::fromBytes(bytes);
}

// A diamond of copies (format 1.4): "a" from the input, "left" and "right"
// from "a", "join" of "left" into the output after both; `deps` per step.
std::vector<uint8_t> diamondEngine(const std::vector<std::vector<uint32_t>> &deps) {
  return sampleWith([&](EngineBuilder &b, uint32_t input, uint32_t output) {
    b.arenaSize = 768;
    const char *names[] = {"a", "left", "right", "join"};
    fb::BufferRef src[] = {EngineBuilder::binding(input), EngineBuilder::arena(0),
                           EngineBuilder::arena(0), EngineBuilder::arena(256)};
    fb::BufferRef dst[] = {EngineBuilder::arena(0), EngineBuilder::arena(256),
                           EngineBuilder::arena(512), EngineBuilder::binding(output)};
    for (size_t i = 0; i < 4; ++i) {
      if (i < deps.size())
        b.nextDeps = deps[i];
      b.addCopy(names[i], src[i], dst[i], 16);
    }
  });
}

// Tests format 1.4: Step.deps is read, shown by inspection with the width
// (the most steps that may run at once), and checked: a dependency on the
// step itself or a later one, or out of order, is refused naming the step;
// an engine without deps (before 1.4) reads as a chain, width 1; a 1.3
// header is read without a warning.
TEST(EngineFile, FormatOnePointFour) {
  auto file = openWrittenEngine(diamondEngine({{}, {0}, {0}, {1, 2}}));
  ASSERT_TRUE(file.ok()) << file.status().message();
  StepDeps deps = engineStepDeps(file->metadata());
  EXPECT_EQ(deps, (StepDeps{{}, {0}, {0}, {1, 2}}));
  EXPECT_TRUE(engineRecordsDeps(file->metadata()));
  std::string json = inspectEngineJson(*file);
  EXPECT_NE(json.find("\"deps\": [1, 2]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"deps_recorded\": true,\n    \"width\": 2"), std::string::npos) << json;
  std::string text = inspectEngineText(*file);
  EXPECT_NE(text.find("deps: 1, 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("deps: none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("width: 2 (the most steps that may run at once)"), std::string::npos)
      << text;

  EXPECT_REFUSED(verify(diamondEngine({{}, {1}})), ErrorCode::InvalidEngine,
                 "step 1 'left': deps: step 1 is not an earlier step");
  EXPECT_REFUSED(verify(diamondEngine({{}, {0}, {0}, {2, 5}})), ErrorCode::InvalidEngine,
                 "step 3 'join': deps: step 5 is not an earlier step");
  EXPECT_REFUSED(verify(diamondEngine({{}, {0}, {0}, {2, 1}})), ErrorCode::InvalidEngine,
                 "step 3 'join': deps: expected ascending step indices without repeats, "
                 "found 1 after 2");

  std::vector<uint8_t> old = diamondEngine({});
  auto oldFile = EngineFile::fromBytes(old);
  ASSERT_TRUE(oldFile.ok()) << oldFile.status().message();
  EXPECT_FALSE(engineRecordsDeps(oldFile->metadata()));
  EXPECT_EQ(engineStepDeps(oldFile->metadata()), (StepDeps{{}, {0}, {1}, {2}}));
  text = inspectEngineText(*oldFile);
  EXPECT_NE(text.find("width: 1 (no dependencies recorded"), std::string::npos) << text;
  EXPECT_EQ(text.find("deps:"), std::string::npos) << text;
  patchU32(old, 12, 3);
  std::vector<std::string> warnings;
  Status status = verify(old, &warnings);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

// Tests format 1.3 (which 1.4 extends), an attention step shows in the
// engine's JSON and text, and a runtime that does not know the step kind (a
// 1.2 one sees StepKind 5 as unknown) refuses it by name rather than
// misreading it.
TEST(EngineFile, FormatOnePointThree) {
  auto file = openWrittenEngine(attentionEngine({}));
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::string json = inspectEngineJson(*file);
  EXPECT_NE(json.find("\"kind\": \"attention\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"scale\": 0.125"), std::string::npos) << json;
  EXPECT_NE(json.find("\"strides\": [1024, 64, 128, 1]"), std::string::npos) << json;
  std::string text = inspectEngineText(*file);
  EXPECT_NE(text.find("softmax(0.125 * [2x2x8x64] * [2x2x8x64]^T + bias [2x1x8x8]) * "
                      "[2x2x8x64] -> [2x2x8x64] f16"),
            std::string::npos)
      << text;

  // A step kind one past the newest this runtime knows, as a 1.2 runtime
  // sees an attention step: FlatBuffers lets unknown union members through,
  // the consistency check names it.
  auto future = sampleWith([](EngineBuilder &b, uint32_t, uint32_t) {
    b.addStepOfUnknownKind(
        "next", static_cast<fb::StepKind>(static_cast<int>(fb::StepKind::MAX) + 1));
  });
  EXPECT_REFUSED(verify(future), ErrorCode::InvalidEngine,
                 "step 0 'next': unknown step kind " +
                     std::to_string(static_cast<int>(fb::StepKind::MAX) + 1));
}

TEST(EngineVerifier, SelectCode) {
  EngineBuilder builder;
  uint32_t in = builder.addBinding("in", fb::DType::F32, {4}, true);
  builder.archs = {80, 90};
  builder.ptx = fakePtx({{"k", 1}});
  builder.addLaunch("k", "k", {1}, {4}, {EngineBuilder::binding(in)});
  std::vector<uint8_t> metadata = builder.metadata();
  const fb::Engine *engine = fb::GetEngine(metadata.data());

  std::vector<std::string> warnings;
  auto older = selectCode(*engine, 75, warnings);
  EXPECT_REFUSED(older.status(), ErrorCode::VersionMismatch,
                 "the engine was built for sm_80, sm_90; this GPU is sm_75, older than sm_80");
  auto newer = selectCode(*engine, 100, warnings);
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->kind, CodeChoice::Ptx);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no cubin for sm_100"), std::string::npos);
}

TEST(EngineVerifier, LibraryVersions) {
  EngineBuilder builder;
  builder.cudnnVersion = 91900;
  builder.cublasVersion = 130100;
  builder.cudaVersion = 13000;
  uint32_t in = builder.addBinding("in", fb::DType::F32, {4, 4}, true);
  uint32_t out = builder.addBinding("out", fb::DType::F32, {4, 4}, false);
  GemmSpec g;
  g.a = g.b = EngineBuilder::binding(in);
  g.d = EngineBuilder::binding(out);
  g.m = g.n = g.k = 4, g.lda = g.ldb = g.ldd = 4;
  builder.addGemm("fc", g);
  builder.arenaSize = 4096;
  ConvSpec conv;
  conv.x = {fb::DType::F32, {1, 1, 4, 4}, {}, EngineBuilder::arena(0)};
  conv.w = {fb::DType::F32, {1, 1, 1, 1}, {}, EngineBuilder::arena(0)};
  conv.y = {fb::DType::F32, {1, 1, 4, 4}, {}, EngineBuilder::arena(0)};
  builder.addConv("conv", conv);
  std::vector<uint8_t> metadata = builder.metadata();
  const fb::Engine *engine = fb::GetEngine(metadata.data());

  std::vector<std::string> warnings;
  EXPECT_TRUE(checkLibraryVersions(*engine, {13000, 91900, 130100}, false, warnings).ok());
  EXPECT_TRUE(warnings.empty());
  Status newerMinor = checkLibraryVersions(*engine, {13000, 92100, 130200}, false, warnings);
  EXPECT_TRUE(newerMinor.ok()) << newerMinor.message();
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_REFUSED(checkLibraryVersions(*engine, {13000, 91400, 130100}, false, warnings),
                 ErrorCode::VersionMismatch,
                 "the engine was built with cuDNN 9.19.0, this process loaded 9.14.0");
  EXPECT_REFUSED(checkLibraryVersions(*engine, {13000, 91900, 120900}, false, warnings),
                 ErrorCode::VersionMismatch, "cuBLASLt 13.1.0, this process loaded 12.9.0");
  EXPECT_REFUSED(checkLibraryVersions(*engine, {12080, 91900, 130100}, true, warnings),
                 ErrorCode::VersionMismatch, "too old to JIT-compile its PTX");
}

TEST(EngineFile, WriterIsAtomicAndRoundTrips) {
  std::string dir = tempDir();
  std::string path = dir + "/model.kiln";
  EngineBuilder builder;
  builder.addBinding("x", fb::DType::F32, {2}, true);
  float w[3] = {1, 2, 3};
  builder.addWeights(w, sizeof w);
  std::vector<uint8_t> metadata = builder.metadata();
  ASSERT_TRUE(writeEngineFile(path, metadata, builder.weightBytes()).ok());
  auto file = EngineFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->weights().size, sizeof w);
  EXPECT_EQ(std::memcmp(file->weights().data, w, sizeof w), 0);
  // Only the file itself: no temporary left behind.
  DIR *listing = opendir(dir.c_str());
  int entries = 0;
  while (dirent *entry = readdir(listing))
    if (entry->d_name[0] != '.')
      ++entries;
  closedir(listing);
  EXPECT_EQ(entries, 1);
  std::remove(path.c_str());
  rmdir(dir.c_str());

  Status missing = writeEngineFile("/nonexistent-dir/model.kiln", metadata, {});
  EXPECT_EQ(missing.code(), ErrorCode::IoError);
  auto absent = EngineFile::open("/nonexistent-dir/model.kiln");
  EXPECT_EQ(absent.status().code(), ErrorCode::IoError);
}

TEST(Runtime, LoadRefusesBeforeTouchingTheGpu) {
  std::vector<uint8_t> bytes = makeSampleEngine();
  bytes[bytes.size() / 2] ^= 0xff;
  auto engine = Engine::loadFromMemory(bytes.data(), bytes.size());
  EXPECT_REFUSED(engine.status(), ErrorCode::Corrupted, "checksum mismatch");
}

TEST(CApi, ErrorsCarryAMessage) {
  const char garbage[] = "definitely not an engine";
  kiln_engine *engine = nullptr;
  EXPECT_EQ(kiln_engine_load_from_memory(garbage, sizeof garbage, -1, &engine),
            KILN_ERROR_NOT_AN_ENGINE);
  EXPECT_EQ(engine, nullptr);
  EXPECT_NE(std::string(kiln_last_error()).find("not a Kiln engine"), std::string::npos);
  EXPECT_EQ(kiln_engine_load("/nonexistent.kiln", -1, &engine), KILN_ERROR_IO);
  EXPECT_EQ(kiln_engine_load(nullptr, -1, &engine), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kiln_status_name(KILN_ERROR_CORRUPTED), "corrupted engine");
}
