//===- Emitter.h - shared machinery of the CUDA kernel emitters -*- C++ -*-===//
//
// Private to lib/target/cuda. Element types and their C forms, exact
// literals, tensors as a kernel sees them (a pointer, a shape, strides),
// index arithmetic with compile-time constants, and the writer that collects
// one kernel's source. The families (Pointwise.cpp, Reductions.cpp, ...) build on
// these.
//
// Every element has two C forms: its *storage* in memory (`__half`, `signed
// char`, one byte for i1, the storage integer of a quantized type) and its
// *value*, what kernels compute with (float for f16/bf16/f32, double for
// f64, integers as themselves, bool for i1, the storage integer for
// quantized types). Arithmetic runs in a *compute* type: float, or double
// when an operand is f64 or quantized (the reference's dequantized reals are
// doubles).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_TARGET_CUDA_EMITTER_H
#define KILN_LIB_TARGET_CUDA_EMITTER_H

#include "kiln/target/cuda/KernelEmitter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <functional>
#include <optional>
#include <string>

namespace kiln::cuda::detail {

/// The GPU Kiln tunes launches for (H100: 132 SMs of 2048 threads).
constexpr int64_t kNumSMs = 132;
constexpr int64_t kThreadsPerSM = 2048;
/// Threads per block of elementwise kernels.
constexpr int64_t kBlockSize = 256;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

enum class Compute { Float, Double };

/// Whether kernels can hold elements of `type`: f16, bf16, f32, f64,
/// integers of 1 to 64 bits, and uniformly quantized types (per tensor or per
/// axis) with 8- or 32-bit storage.
bool isSupportedElement(mlir::Type type);
/// Whether `type` is a float type (not quantized).
bool isFloat(mlir::Type type);
bool isQuantizedElement(mlir::Type type);
/// The quantized dimension of a per-axis type, or -1.
int64_t quantizedAxis(mlir::Type type);

std::string storageType(mlir::Type type);
std::string valueType(mlir::Type type);
int64_t storageBytes(mlir::Type type);
/// The value of storage expression `storage`.
std::string fromStorage(mlir::Type type, llvm::StringRef storage);
/// The storage of value expression `value`.
std::string toStorage(mlir::Type type, llvm::StringRef value);

/// The compute type of arithmetic on `types`: double when one of them is
/// f64 or quantized.
Compute computeFor(llvm::ArrayRef<mlir::Type> types);
llvm::StringRef computeType(Compute compute);

/// An exact C literal of `value` in float (which must hold it) or double:
/// "0.5f", "-3.0", "(1.0f / 0.0f)".
std::string floatLiteral(double value, Compute compute);
/// The value-form literal of real `value` in `type`: rounded to a float type
/// (ties to even), converted to an integer as the reference's casts do, or
/// quantized to a quantized type's storage.
std::string valueLiteral(mlir::Type type, double value);
/// A literal of integer `value` in the value form of integer `type`.
std::string intLiteral(mlir::Type type, int64_t value);

//===----------------------------------------------------------------------===//
// The kernel under construction
//===----------------------------------------------------------------------===//

/// Collects a kernel's source: module-scope tables, then the function body.
class KernelWriter {
public:
  explicit KernelWriter(llvm::StringRef entry) : entryName(entry.str()) {}

  llvm::StringRef entry() const { return entryName; }

  /// A module-scope constant array `<entry>_<name>` of `ctype` holding
  /// `values` (C expressions), 16-byte aligned; equal tables are shared.
  /// Returns its name.
  std::string table(llvm::StringRef name, llvm::StringRef ctype,
                    llvm::ArrayRef<std::string> values);

  /// A local name not used before in this kernel.
  std::string fresh(llvm::StringRef prefix);

  void line(const llvm::Twine &text);
  /// `text {` and one level deeper.
  void open(const llvm::Twine &text);
  /// `}` (plus `suffix`) one level up.
  void close(llvm::StringRef suffix = "");
  /// Opens (closes) the body of a launch variant: code that runs when the
  /// kernel is launched with blocks of `block` (the guard and the marker
  /// comment withLaunchVariant looks for). Each body ends in `return;`.
  void openVariant(const std::array<uint32_t, 3> &block);
  void closeVariant(const std::array<uint32_t, 3> &block);

  /// The kernel: tables, then `extern "C" __global__` with `params` and a
  /// launch bound of `maxThreads` threads per block.
  std::string finish(llvm::ArrayRef<std::string> params, int64_t maxThreads) const;

private:
  std::string entryName;
  std::string tables, body;
  llvm::StringMap<std::string> tableNames; // contents -> name
  llvm::StringMap<unsigned> counters;
  unsigned depth = 1;
};

//===----------------------------------------------------------------------===//
// Tensors as kernels see them
//===----------------------------------------------------------------------===//

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// A group input, output or inline constant: where its elements are and how
/// they are laid out.
struct TensorView {
  /// The pointer parameter or table; empty for a splat.
  std::string pointer;
  mlir::RankedTensorType type;
  llvm::SmallVector<int64_t> strides;
  /// For a splat constant, the value-form literal of every element.
  std::string splat;
  /// Elements between the buffer's start and `pointer` (a slice of a bigger
  /// buffer), for sizing indices.
  int64_t offset = 0;

  mlir::Type element() const { return type.getElementType(); }
  llvm::ArrayRef<int64_t> shape() const { return type.getShape(); }
  int64_t rank() const { return type.getRank(); }
  int64_t numElements() const { return type.getNumElements(); }
  bool isRowMajor() const;
  /// One past the largest offset of an element (0 when empty).
  int64_t extent() const;
  /// Value of the element at `offset`.
  std::string load(llvm::StringRef offset) const;
  /// Storage of the element at `offset`.
  std::string loadStorage(llvm::StringRef offset) const;
  /// The statement storing value `value` at `offset`.
  std::string store(llvm::StringRef offset, llvm::StringRef value) const;
};

/// Real value, in `compute`, of value-form `value` of element type `type`:
/// float types widen, integers convert, quantized storage is dequantized
/// (as a double: `(q - zero) * scale` with the scale of `channel` for
/// per-axis types).
std::string realOf(KernelWriter &w, mlir::Type type, llvm::StringRef value,
                   Compute compute, llvm::StringRef channel = "");
/// Value form of `type` for real `real` held in `compute`: rounded to a
/// float type (ties to even), converted to an integer (truncated, with the
/// reference's out-of-range results), or quantized.
std::string fromReal(KernelWriter &w, mlir::Type type, llvm::StringRef real,
                     Compute compute, llvm::StringRef channel = "");

/// Storage-form expression of real `value` converted to `type` as the
/// reference's fromReals does (rounded, truncated or quantized); for a
/// per-axis type of a tensor of `shape`, one value per channel, picked by
/// `channel`.
std::string storageOfReal(KernelWriter &w, mlir::Type type, llvm::ArrayRef<int64_t> shape,
                          double value, llvm::StringRef channel);

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

/// Emits `typedef unsigned I; typedef int S;`, or their 64-bit forms when an
/// index up to `bound` (an element count or offset, plus the grid's threads)
/// needs them. Returns whether 64-bit.
bool emitIndexTypes(KernelWriter &w, int64_t bound);

/// Emits the coordinates of row-major position `linear` in `shape` as
/// `const I <prefix><d> = ...;` and returns one expression per dimension
/// ("0" for dimensions of size 1).
llvm::SmallVector<std::string> emitCoordinates(KernelWriter &w, llvm::StringRef linear,
                                               llvm::ArrayRef<int64_t> shape,
                                               llvm::StringRef prefix);

/// `c0 * s0 + c1 * s1 + ...` without the zero terms ("0" if none).
std::string offsetExpr(llvm::ArrayRef<std::string> coords, llvm::ArrayRef<int64_t> strides);

/// Strides reading a tensor of `shape` with `strides` at every position of
/// the numpy broadcast shape `target`: 0 where it broadcasts.
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> shape,
                                            llvm::ArrayRef<int64_t> strides,
                                            llvm::ArrayRef<int64_t> target);

/// An iteration space with fewer dimensions: size-1 dimensions dropped and
/// neighbours merged where every tensor's strides allow it.
struct CollapsedSpace {
  llvm::SmallVector<int64_t> shape;
  /// Per tensor, its strides over `shape`.
  llvm::SmallVector<llvm::SmallVector<int64_t>> strides;
  /// Per original dimension, its collapsed dimension (-1 when dropped).
  llvm::SmallVector<int64_t> dimOf;
};
/// Collapses `shape` read through each of `strides`; dimensions marked in
/// `alone` are merged with no neighbour.
CollapsedSpace collapse(llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<llvm::SmallVector<int64_t>> strides,
                        llvm::ArrayRef<bool> alone = {});

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

struct Launch {
  std::array<uint32_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  /// Other shapes the kernel runs correctly with (KernelSource::variants).
  llvm::SmallVector<LaunchShape> variants;
};

/// Blocks for a grid-stride loop over `threads` threads of `blockSize`:
/// enough to fill the GPU, at least one.
uint32_t gridStrideBlocks(int64_t threads, int64_t blockSize = kBlockSize);

/// The launch of grid-stride loops over `threads` threads: blocks of
/// kBlockSize, and as variants every block size of 64 to 1024 threads (a
/// power of two) up to the one that covers `threads`.
Launch gridStrideLaunch(int64_t threads);

/// The most threads a grid of gridStrideLaunch(`threads`), or any of its
/// variants, has (what index types must count up to).
int64_t gridStrideThreads(int64_t threads);

/// Power of two at least `n` (1 for n <= 1).
int64_t nextPowerOf2(int64_t n);

} // namespace kiln::cuda::detail

#endif // KILN_LIB_TARGET_CUDA_EMITTER_H
