//===- RowKernel.h - threads that share rows of a reduction -*- C++ -*-===//
//
// Private to lib/target/cuda. Reductions, softmax and the normalizations
// (Reductions.cpp, Norms.cpp) all reduce *rows*: a view of the input splits
// into row dimensions and element dimensions (the reduced ones), and each row
// is shared by a group of threads that combine their partial results with
// warp shuffles or shared memory:
// - row layout, when the elements of a row are contiguous (or there are
//   fewer than 32 rows): G consecutive threads of a warp (G <= 32, several
//   rows per block) or the G threads along x of a block take a row, striding
//   along it;
// - column layout, when consecutive rows are contiguous instead (softmax over
//   channels of NCHW, instance norm of NHWC) and there are at least 32 rows:
//   32 threads take 32 neighbouring rows (coalesced) and Y threads split each
//   row, combining in shared memory.
// When a thread's share of a row is at most kMaxCached elements they stay in
// registers, so softmax and the normalizations read memory once.
//
// The threads per row (and so the rows per block) are baked into the code:
// register arrays and reductions are sized by them. Launch variants are
// therefore separate bodies of one kernel, one per shape, each guarded by the
// block it runs with (KernelWriter::openVariant); tactic timing compiles each
// alone (withLaunchVariant) and the chosen one is all the engine keeps.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_TARGET_CUDA_ROWKERNEL_H
#define KILN_LIB_TARGET_CUDA_ROWKERNEL_H

#include "Families.h"

#include "dialects/nn/NNDialect.h"

namespace kiln::cuda::detail {

/// Elements a thread keeps in registers.
constexpr int64_t kMaxCached = 16;

/// A tensor a row kernel reads or writes, with its strides over the view (0
/// along dimensions it does not move in: a reduction's output along the
/// reduced ones, a layer norm's scale along the rows).
struct RowTensor {
  TensorView view;
  llvm::SmallVector<int64_t> strides;
};

/// The threads of a row kernel and the loops they run.
class RowKernel {
public:
  RowKernel(KernelWriter &w, llvm::ArrayRef<int64_t> viewShape, llvm::ArrayRef<bool> reduced,
            llvm::SmallVector<RowTensor> tensors, llvm::ArrayRef<bool> alone = {});

  /// Emits `body` (which starts with emitPreamble()) once per launch shape
  /// (a variant each when there are several) and returns the launch: the
  /// emitter's shape, with the others as variants.
  Launch emit(llvm::function_ref<void()> body);

  int64_t rows() const { return numRows; }
  int64_t elems() const { return numElems; }
  bool cached() const { return perThread <= kMaxCached; }
  /// Elements per thread (the size of register arrays when cached()).
  int64_t share() const { return perThread; }
  Launch launch() const;
  const RowTensor &tensor(unsigned t) const { return tensors[t]; }

  /// Index types, the row and lane of this thread, `active`, and the row's
  /// base offset in each tensor.
  void emitPreamble();
  /// Runs `body` for each of this thread's elements of its row (when
  /// active); inside, offset(t) addresses the element in tensor t and, when
  /// cached(), `u` indexes register arrays.
  void forEachElement(llvm::function_ref<void()> body);
  /// Offset of the current element in tensor `t` (the first call in a loop
  /// emits the element's coordinates).
  std::string offset(unsigned t);
  /// Offset of the row in tensor `t` (its element 0 for outputs that drop the
  /// reduced dimensions).
  std::string rowOffset(unsigned t) const { return rowBases[t]; }
  /// The row coordinate along view dimension `dim` (a row dimension that
  /// collapse kept alone).
  std::string rowCoordinate(int64_t dim) const;
  /// `value` combined over the row's threads with `op` (a lambda's name).
  std::string combine(llvm::StringRef value, llvm::StringRef op) const;
  /// Emits `var = combine(var, op);` when the row has several threads.
  void combineInPlace(llvm::StringRef var, llvm::StringRef op);

private:
  /// Threads per row (along x, or along y in columns) and rows per block.
  struct Shape {
    int64_t group, rowsPerBlock;
  };
  void select(size_t index);

  KernelWriter &w;
  llvm::SmallVector<Shape> shapes;
  size_t defaultShape = 0;
  llvm::SmallVector<RowTensor> tensors;
  CollapsedSpace rowSpace, elemSpace;
  llvm::SmallVector<int64_t> rowDimOf; // view dimension -> collapsed row dimension
  int64_t numRows = 1, numElems = 1;
  bool columns = false;
  int64_t group = 1, rowsPerBlock = 1, perThread = 1;
  llvm::SmallVector<std::string> rowCoords, rowBases, elementOffsets;
  bool needCoordinates = false;
};

/// Strides over `viewShape` of an output that keeps the dimensions where
/// `reduced` is false (and, with `keepDims`, size-1 reduced ones).
llvm::SmallVector<int64_t> keptStrides(const TensorView &output, llvm::ArrayRef<bool> reduced,
                                       bool keepDims);

/// Float or double: the compute type of a float (or quantized) element type.
Compute computeOf(mlir::Type type);

/// What the sums of a row kernel (reductions, softmax's sum of exponentials,
/// the normalizations' mean and variance) accumulate in: float for f16 and
/// bf16 inputs, double for every other float or quantized input (the
/// reference's precision, which f32 results need to round to its bits).
///
/// Why float is enough for 16-bit data: a row of N terms summed in float
/// (each thread in order, then a tree) is off by at most about N * 2^-24 of
/// the sum of magnitudes; the results are rounded to 11 (f16) or 8 (bf16)
/// significant bits, so for rows up to thousands of elements they are the
/// reference's bits unless the exact result lies within that error of a
/// rounding boundary (then one ulp of the 16-bit type). Double arithmetic
/// (and double exp, division and sqrt) would make these memory-bound
/// kernels compute-bound on GPUs with slow FP64.
Compute accumulationOf(mlir::Type element);

/// `name(x)` of a math function in `compute`: `expf`, `logf`, `sqrtf` for
/// float (the correctly rounded or 1-ulp functions, not the __ intrinsics),
/// `exp`, `log`, `sqrt` for double.
std::string mathCall(llvm::StringRef name, llvm::StringRef x, Compute compute);

/// The dimensions an N × C × spatial tensor reduces over per (sample,
/// channel): its spatial ones, in either layout.
llvm::SmallVector<bool> spatialMask(int64_t rank, nn::Layout layout);

} // namespace kiln::cuda::detail

#endif // KILN_LIB_TARGET_CUDA_ROWKERNEL_H
