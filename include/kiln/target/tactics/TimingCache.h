//===- TimingCache.h - tactics chosen by timing, kept across builds -*- C++ -*-===//
//
// The timing cache of kiln-select-tactics: for each library call (a cuDNN
// convolution, a cuBLASLt GEMM) and generated kernel (its launch shape) the
// tactic that won its timing, keyed by the
// op's signature, the GPU (name and compute capability) and the library and
// its version. A JSON file (docs/codegen.md, "Tactics"); entries for other
// GPUs or library versions are kept but never match. Implicit INT8 keeps
// its choice among whole engines there too (library "kiln",
// PrecisionChoice.h), so a build with a warm cache times nothing.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TARGET_TACTICS_TIMINGCACHE_H
#define KILN_TARGET_TACTICS_TIMINGCACHE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace kiln::tactics {

/// The version of the file format this Kiln reads and writes.
constexpr int kTimingCacheVersion = 1;

/// How this Kiln times candidates (an entry's "timing"): each as a CUDA
/// graph of back-to-back runs, as engines run. Entries without it were
/// timed as enqueued by an older Kiln, the host's time to enqueue included,
/// which favours kernels that are cheap to launch over faster ones.
constexpr const char *kTimingMethod = "cuda-graph";

/// The library of a choice among whole engines (implicit INT8's, in
/// PrecisionChoice.h): Kiln's own. The file keeps choices in an array of
/// their own, "choices", beside the tactics' "entries".
constexpr llvm::StringLiteral kChoiceLibrary = "kiln";

/// What an entry applies to.
struct TacticKey {
  std::string signature;     ///< getTacticSignature() of the op
  std::string gpu;           ///< "NVIDIA H100 80GB HBM3"
  int computeCapability = 0; ///< 90
  std::string library;       ///< "cudnn", "cublaslt", "nvrtc" (generated kernels)
                             ///< or kChoiceLibrary
  int libraryVersion = 0;    ///< cudnnGetVersion() / cublasLtGetVersion() / NVRTC's /
                             ///< the format of Kiln's choice

  bool operator<(const TacticKey &other) const {
    return std::tie(signature, library, libraryVersion, computeCapability, gpu) <
           std::tie(other.signature, other.library, other.libraryVersion,
                    other.computeCapability, other.gpu);
  }
};

/// The winner of one timing.
struct CachedTactic {
  std::string description;    ///< "cudnn engine 12 (knobs 2=1)"
  int64_t engineId = -1;      ///< cuDNN engine, or -1
  std::vector<int64_t> knobs; ///< cuDNN backend knob (type, value) pairs
  std::vector<uint64_t> algo; ///< cuBLASLt: the 8 words of cublasLtMatmulAlgo_t
  std::vector<int64_t> grid, block; ///< a generated kernel's launch (3 sizes each)
  std::string engine;         ///< a choice: the engine chosen ("int8", "float", "mixed")
  std::vector<std::string> layerPrecision; ///< a choice: its NAME:PRECISION constraints
  uint64_t workspace = 0;     ///< bytes
  double milliseconds = 0;    ///< median time when it was timed
  int64_t candidates = 0;     ///< how many were timed
  std::string timing;         ///< how: kTimingMethod, or "enqueued" (older files)
};

class TimingCache {
public:
  /// Parses the text of a cache file; `name` is for messages. Anything that
  /// is not this format is an error saying what was expected and found.
  static llvm::Expected<TimingCache> parse(llvm::StringRef text, llvm::StringRef name);
  /// Reads a cache file; a file that does not exist is an empty cache.
  static llvm::Expected<TimingCache> read(llvm::StringRef path);

  /// The entry for `signature` computed by `library` at `libraryVersion` on
  /// a GPU of compute capability `computeCapability` named `gpu`; an empty
  /// `gpu` accepts any name (the first such entry in key order). After
  /// retimeOtherMethods(), entries not timed by kTimingMethod are not found
  /// unless `anyMethod` (what to fall back on when timing again fails).
  const CachedTactic *lookup(llvm::StringRef signature, llvm::StringRef library,
                             int libraryVersion, llvm::StringRef gpu, int computeCapability,
                             bool anyMethod = false) const;

  /// Where candidates can be timed: entries an older Kiln timed otherwise
  /// than kTimingMethod are passed over by lookup(), so they are timed again.
  void retimeOtherMethods() { onlyThisMethod = true; }

  /// Adds or replaces the entry of `key`, timed just now (kTimingMethod).
  void insert(const TacticKey &key, CachedTactic tactic);

  size_t size() const { return entries.size(); }
  /// The whole cache as JSON, entries in key order (so a rewrite of the same
  /// cache is byte-identical).
  std::string serialize() const;
  /// Writes serialize() to `path` through a temporary file and a rename.
  llvm::Error write(llvm::StringRef path) const;
  /// Adds the entry of `key` to the cache file at `path` as it is now
  /// (read, insert(), write()): for what is decided after the passes that
  /// time tactics have written theirs.
  static llvm::Error insertIntoFile(llvm::StringRef path, const TacticKey &key,
                                    CachedTactic tactic);

private:
  std::map<TacticKey, CachedTactic> entries;
  bool onlyThisMethod = false;
};

/// The signature of a conv or gemm step: its kind, each operand's name and
/// memref type (shape, element type, strides), and every attribute that
/// changes what the library computes (strides, pads, dilations, groups,
/// layout, epilogue, alpha/beta, precision, TF32), not those tactic
/// selection writes (engine_id, knobs, algo, workspace, tactic) nor names.
/// For an engine.launch: a hash of its kernel's source (its name and launch
/// bound left out), its arguments' memref types, grid, block and variants.
std::string getTacticSignature(mlir::Operation *op);

} // namespace kiln::tactics

#endif // KILN_TARGET_TACTICS_TIMINGCACHE_H
