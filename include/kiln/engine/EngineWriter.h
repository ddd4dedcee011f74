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
#include <string>
#include <vector>

namespace kiln::engine {

struct EngineWriterOptions {
  /// GPU architectures the kernels are compiled for ("sm_90"); the PTX is
  /// for the lowest one.
  std::vector<std::string> archs = {"sm_90"};
  /// How the engine was built, recorded as is (the command line's options).
  std::string buildOptions;
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
