//===- RowKernel.cpp - threads that share rows of a reduction -------------===//

#include "RowKernel.h"

#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

RowKernel::RowKernel(KernelWriter &w, ArrayRef<int64_t> viewShape, ArrayRef<bool> reduced,
                     SmallVector<RowTensor> tensorList, ArrayRef<bool> alone)
    : w(w), tensors(std::move(tensorList)) {
  // Row and element dimensions, each collapsed on its own.
  SmallVector<int64_t> rowShape, elemShape;
  SmallVector<SmallVector<int64_t>> rowStrides(tensors.size()), elemStrides(tensors.size());
  SmallVector<bool> rowAlone;
  SmallVector<int64_t> rowDims;
  for (auto [d, size] : llvm::enumerate(viewShape)) {
    bool isReduced = reduced[d];
    (isReduced ? elemShape : rowShape).push_back(size);
    for (auto [t, tensor] : llvm::enumerate(tensors))
      (isReduced ? elemStrides : rowStrides)[t].push_back(tensor.strides[d]);
    if (!isReduced) {
      rowAlone.push_back(!alone.empty() && alone[d]);
      rowDims.push_back(d);
    }
  }
  rowSpace = collapse(rowShape, rowStrides, rowAlone);
  elemSpace = collapse(elemShape, elemStrides);
  rowDimOf.assign(viewShape.size(), -1);
  for (auto [i, d] : llvm::enumerate(rowDims))
    rowDimOf[d] = rowSpace.dimOf[i];
  for (int64_t size : rowShape)
    numRows *= size;
  for (int64_t size : elemShape)
    numElems *= size;

  // Column layout when the input's rows, not its elements, are contiguous,
  // and there are rows enough for a warp; with fewer, strided reads by many
  // threads beat a few threads reading alone.
  bool elemsContiguous = !elemSpace.shape.empty() && elemSpace.strides[0].back() == 1;
  bool rowsContiguous = !rowSpace.shape.empty() && rowSpace.strides[0].back() == 1;
  columns = rowsContiguous && !elemsContiguous && numRows >= 32;
  // The emitter's shape: about 4 elements per thread (8 in columns).
  int64_t chosen = columns ? std::min<int64_t>(8, nextPowerOf2((numElems + 7) / 8))
                           : std::min<int64_t>(1024, nextPowerOf2((numElems + 3) / 4));
  // The launch variants: powers of two around it, from the fewest threads
  // that still keep a row's share in registers (all of them when it does
  // not fit anyway) to the most a row can use, within the block.
  int64_t most = std::min<int64_t>(columns ? 32 : 1024, nextPowerOf2(numElems));
  int64_t fewest = nextPowerOf2((numElems + kMaxCached - 1) / kMaxCached);
  if (fewest > most) // not cached even with the most threads
    fewest = std::min<int64_t>(chosen, columns ? 8 : kBlockSize);
  for (int64_t size = std::min(fewest, chosen); size <= std::max(most, chosen);
       size *= 2) {
    if (columns)
      shapes.push_back({size, 32});
    else
      shapes.push_back({size, size >= kBlockSize ? 1 : kBlockSize / size});
    if (size == chosen)
      defaultShape = shapes.size() - 1;
  }
  select(defaultShape);
}

void RowKernel::select(size_t index) {
  group = shapes[index].group;
  rowsPerBlock = shapes[index].rowsPerBlock;
  perThread = std::max<int64_t>(1, (numElems + group - 1) / group);
}

Launch RowKernel::launch() const {
  Launch launch;
  int64_t blocks = std::max<int64_t>(1, (numRows + rowsPerBlock - 1) / rowsPerBlock);
  launch.grid = {static_cast<uint32_t>(blocks), 1, 1};
  if (columns)
    launch.block = {32, static_cast<uint32_t>(group), 1};
  else
    launch.block = {static_cast<uint32_t>(group), static_cast<uint32_t>(rowsPerBlock), 1};
  return launch;
}

Launch RowKernel::emit(function_ref<void()> body) {
  if (shapes.size() == 1) {
    body();
    return launch();
  }
  // One body per shape, each chosen by the block it is launched with.
  SmallVector<LaunchShape> variants;
  for (size_t i = 0; i < shapes.size(); ++i) {
    select(i);
    Launch shape = launch();
    w.openVariant(shape.block);
    body();
    w.line("return;");
    w.closeVariant(shape.block);
    variants.push_back({shape.grid, shape.block});
  }
  select(defaultShape);
  Launch result = launch();
  result.variants = std::move(variants);
  return result;
}

void RowKernel::emitPreamble() {
  rowCoords.clear();
  rowBases.clear();
  elementOffsets.clear();
  int64_t bound = numRows + rowsPerBlock;
  for (const RowTensor &tensor : tensors)
    bound = std::max(bound, tensor.view.extent());
  emitIndexTypes(w, bound + numElems + group);
  if (columns) {
    w.line("const I row = (I)blockIdx.x * 32 + threadIdx.x;");
    w.line("const unsigned lane = threadIdx.y;");
  } else {
    w.line("const I row = (I)blockIdx.x * " + std::to_string(rowsPerBlock) +
           " + threadIdx.y;");
    w.line("const unsigned lane = threadIdx.x;");
  }
  w.line("const bool active = row < " + std::to_string(numRows) + ";");
  rowCoords = emitCoordinates(w, "row", rowSpace.shape, "r");
  for (auto [t, tensor] : llvm::enumerate(tensors)) {
    std::string base = offsetExpr(rowCoords, rowSpace.strides[t]);
    if (base != "0") {
      std::string name = "b" + std::to_string(t);
      w.line("const I " + name + " = " + base + ";");
      base = name;
    }
    rowBases.push_back(base);
  }
}

void RowKernel::forEachElement(function_ref<void()> body) {
  if (cached()) {
    w.line("#pragma unroll");
    w.open("for (int u = 0; u < " + std::to_string(perThread) + "; ++u)");
    w.line("const I k = lane + (I)u * " + std::to_string(group) + ";");
    w.open("if (active && k < " + std::to_string(numElems) + ")");
  } else {
    w.open("if (active)");
    w.open("for (I k = lane; k < " + std::to_string(numElems) + "; k += " +
           std::to_string(group) + ")");
  }
  needCoordinates = true;
  body();
  needCoordinates = false;
  w.close();
  w.close();
}

std::string RowKernel::offset(unsigned t) {
  if (needCoordinates) {
    SmallVector<std::string> coords = emitCoordinates(w, "k", elemSpace.shape, w.fresh("e"));
    elementOffsets.clear();
    for (auto [i, base] : llvm::enumerate(rowBases)) {
      std::string inner = offsetExpr(coords, elemSpace.strides[i]);
      elementOffsets.push_back(base == "0"    ? inner
                               : inner == "0" ? base
                                              : base + " + " + inner);
    }
    needCoordinates = false;
  }
  return elementOffsets[t];
}

std::string RowKernel::rowCoordinate(int64_t dim) const {
  int64_t collapsed = rowDimOf[dim];
  return collapsed < 0 ? "0" : rowCoords[collapsed];
}

std::string RowKernel::combine(StringRef value, StringRef op) const {
  if (group == 1)
    return value.str();
  std::string size = std::to_string(group);
  if (columns)
    return ("kiln_column_reduce<" + size + ">(" + value + ", " + op + ")").str();
  if (group <= 32)
    return ("kiln_warp_reduce<" + size + ">(" + value + ", " + op + ")").str();
  return ("kiln_block_reduce<" + size + ", " + std::to_string(rowsPerBlock) + ">(" + value +
          ", " + op + ")")
      .str();
}

void RowKernel::combineInPlace(StringRef var, StringRef op) {
  if (group > 1)
    w.line(var + " = " + combine(var, op) + ";");
}

//===----------------------------------------------------------------------===//
// Views of the ops
//===----------------------------------------------------------------------===//

/// Strides over `viewShape` of an output that keeps the dimensions where
/// `reduced` is false (and, with `keepDims`, size-1 reduced ones).
SmallVector<int64_t> kiln::cuda::detail::keptStrides(const TensorView &output, ArrayRef<bool> reduced,
                                        bool keepDims) {
  SmallVector<int64_t> strides;
  int64_t next = 0;
  for (bool isReduced : reduced) {
    if (isReduced) {
      strides.push_back(0);
      next += keepDims ? 1 : 0;
      continue;
    }
    strides.push_back(output.strides[next++]);
  }
  return strides;
}

/// The element type of a float value in compute form ("float" or "double").
Compute kiln::cuda::detail::computeOf(Type type) {
  return getExpressedType(type).isF64() ? Compute::Double : Compute::Float;
}

Compute kiln::cuda::detail::accumulationOf(Type element) {
  return element.isF16() || element.isBF16() ? Compute::Float : Compute::Double;
}

std::string kiln::cuda::detail::mathCall(StringRef name, StringRef x, Compute compute) {
  return (name + (compute == Compute::Float ? "f(" : "(") + x + ")").str();
}

SmallVector<bool> kiln::cuda::detail::spatialMask(int64_t rank, Layout layout) {
  SmallVector<bool> reduced(rank, true);
  reduced[0] = false;
  reduced[layout == Layout::channels_last ? rank - 1 : 1] = false;
  return reduced;
}
