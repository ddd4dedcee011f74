//===- EngineWriter.h - the engine dialect serialized into a .kiln file -*- C++ -*-===//
//
// The translation at the end of the compiler: one module of the `engine`
// dialect becomes the engine file's metadata (the FlatBuffer of
// runtime/schema/engine.fbs) and its weights section. See docs/engine-writer.md.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ENGINE_ENGINEWRITER_H
#define KILN_ENGINE_ENGINEWRITER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiln::engine {

/// The build decisions recorded in the engine (schema table BuildConfig) so
/// that a refit can rebuild the network with new weights the same way.
struct BuildConfig {
  std::string precision = "fp32";
  std::vector<std::string> layerPrecision;
  std::string constraintMode = "obey";
  bool channelsLast = true;
  unsigned halfAlignment = 8;
  unsigned int8Alignment = 32;
  bool foldQDQEpilogues = false;
  std::string depthwiseConv = "auto";
  std::string int8Epilogue = "cudnn";
  std::string geluEpilogue = "auto";
  bool fuseAttention = true;
  std::string int8ConvKernel = "cudnn";
  int64_t int8MinChannels = 16;
  std::string memoryConcurrency = "branches";
  std::string inputType = "fp32", outputType = "fp32";
  bool spaceToDepth = true;
  bool int8 = false;
  std::string calibrator = "entropy";
  double percentile = 99.99;
  /// --input-shape: each input's name and sizes.
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputShapes;
  std::vector<std::string> inputValues;
};

/// The compute capability an architecture names: 90 for "sm_90" or
/// "sm_90a"; none for anything else or below sm_50.
std::optional<unsigned> parseArch(llvm::StringRef arch);

struct EngineWriterOptions {
  /// GPU architectures the kernels are compiled for ("sm_90"); the PTX is
  /// for the lowest one.
  std::vector<std::string> archs = {"sm_90"};
  /// How the engine was built, recorded as is (the command line's options).
  std::string buildOptions;
  /// The same, for a refit (not written when absent).
  std::optional<BuildConfig> buildConfig;
};

/// The two parts of an engine file, before the header joins them.
struct EngineBytes {
  /// The FlatBuffer (kiln.fb.Engine).
  std::vector<uint8_t> metadata;
  /// The weights section: every weight at a 256-byte-aligned offset.
  std::vector<uint8_t> weights;
};

/// Byte alignment of each weight inside the weights section.
constexpr uint64_t kWeightAlignment = 256;

/// Serializes `module` into memory. Emits a diagnostic at the offending op
/// and fails for anything the engine file cannot represent.
mlir::FailureOr<EngineBytes> serializeEngine(mlir::ModuleOp module,
                                             const EngineWriterOptions &options);

/// One conv, gemm or launch step serialized alone (for tactic timing): a FlatBuffer
/// whose root is a `kiln.fb.Step`, every buffer it uses placed in the arena
/// region of a scratch arena of `scratchBytes`.
struct StepAlone {
  std::vector<uint8_t> step;
  uint64_t scratchBytes = 0;
};
mlir::FailureOr<StepAlone> serializeStepAlone(mlir::Operation *op);

/// Serializes `module` and writes the engine file at `path` (through a
/// temporary file and a rename). Nothing is written when serialization fails.
mlir::LogicalResult writeEngine(mlir::ModuleOp module, const EngineWriterOptions &options,
                                llvm::StringRef path);

/// The bytes of the whole engine file: header, metadata, weights.
std::vector<uint8_t> encodeEngine(const EngineBytes &engine);

/// Prints the metadata of `engine` as JSON through the schema's reflection
/// tables, after verifying the FlatBuffer (for tests and inspection).
mlir::LogicalResult printEngineJson(const EngineBytes &engine, llvm::raw_ostream &os);

} // namespace kiln::engine

#endif // KILN_ENGINE_ENGINEWRITER_H
