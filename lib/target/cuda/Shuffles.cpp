//===- Shuffles.cpp - data movement: copies, gathers, transposes ----------===//
//
// Shuffles copy stored elements without converting them (quantized integers
// and NaN payloads stay as they are). Those that read each input through
// strides (reshape of a contiguous tensor, expand, slices with positive
// steps, transposes that keep the innermost dimension, concat and split,
// one phase per piece) go through the pointwise engine and vectorize. The
// others gather: one thread per output element computes its source (pad,
// gather, gather_elements, tile, negative-step slices, reshapes of strided
// tensors). Transposes that move the innermost dimension go through a
// 32 × 32 tile in shared memory, so both reads and writes coalesce. A pad or
// a transpose may carry a float cast fused before or after it: it then
// converts each element as it moves it (a reformat that changes layout and
// type in one kernel).
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "kiln/reference/Tensor.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

//===----------------------------------------------------------------------===//
// Gathers
//===----------------------------------------------------------------------===//

Launch kiln::cuda::detail::emitGather(
    KernelWriter &w, const TensorView &output, int64_t bound,
    function_ref<std::string(ArrayRef<std::string>)> source) {
  int64_t count = output.numElements();
  emitIndexTypes(w, std::max({bound, count, output.extent()}) + gridStrideThreads(count));
  if (count > 0) {
    w.open("for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < " + std::to_string(count) +
           "; i += gridDim.x * blockDim.x)");
    SmallVector<std::string> o = emitCoordinates(w, "i", output.shape(), "o");
    std::string value = source(o);
    w.line(output.pointer + "[" + offsetExpr(o, output.strides) + "] = " + value + ";");
    w.close();
  }
  return gridStrideLaunch(count);
}

/// Emits the conversion of `storage`, an element stored as `from`, by the
/// float cast fused into the shuffle, and returns it stored as `to`;
/// `storage` itself when no cast is fused.
static std::string converted(KernelWriter &w, Operation *cast, Type from, Type to,
                             const std::string &storage) {
  if (!cast)
    return storage;
  std::string value = w.fresh("c");
  w.line("const " + valueType(from) + " " + value + " = " + fromStorage(from, storage) + ";");
  return toStorage(to, emitFusedCast(w, cast, value));
}

/// `index`, counted from the end when negative, clamped into [0, size)
/// (the reference rejects indices out of range; a kernel cannot).
static std::string normalizedIndex(KernelWriter &w, const std::string &index, int64_t size) {
  std::string name = w.fresh("g");
  w.line("const long long " + name + "r = (long long)" + index + ";");
  w.line("const S " + name + " = (S)kiln_min<long long>(kiln_max<long long>(" + name + "r < 0 ? " +
         name + "r + " + std::to_string(size) + " : " + name + "r, 0), " +
         std::to_string(size - 1) + ");");
  return name;
}

static Launch emitPad(KernelWriter &w, PadOp op, const TensorView &input,
                      const TensorView &output, Operation *convert) {
  int64_t rank = input.rank();
  ArrayRef<int64_t> pads = op.getPads();
  PadMode mode = op.getMode();
  Type type = output.element();
  int64_t axis = quantizedAxis(type);
  return emitGather(w, output, input.extent(), [&](ArrayRef<std::string> o) {
    // Negative pads crop first; the filling modes then see the cropped size.
    SmallVector<std::string> sources;
    std::string inside;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t cropBegin = std::max<int64_t>(0, -pads[d]);
      int64_t cropped = input.shape()[d] - cropBegin - std::max<int64_t>(0, -pads[rank + d]);
      int64_t begin = std::max<int64_t>(0, pads[d]), end = std::max<int64_t>(0, pads[rank + d]);
      std::string p = "p" + std::to_string(d);
      if (begin == 0 && end == 0) {
        sources.push_back(cropBegin == 0 ? o[d]
                                         : "(" + o[d] + " + " + std::to_string(cropBegin) + ")");
        continue;
      }
      std::string size = std::to_string(cropped);
      w.line("S " + p + " = (S)" + o[d] + " - " + std::to_string(begin) + ";");
      switch (mode) {
      case PadMode::constant:
        inside += (inside.empty() ? "" : " && ") + p + " >= 0 && " + p + " < " + size;
        break;
      case PadMode::edge:
        w.line(p + " = kiln_min<S>(kiln_max<S>(" + p + ", 0), " + std::to_string(cropped - 1) +
               ");");
        break;
      case PadMode::wrap:
        w.line(p + " = ((" + p + " % " + size + ") + " + size + ") % " + size + ";");
        break;
      case PadMode::reflect:
        if (cropped == 1) {
          w.line(p + " = 0;");
        } else {
          // Mirror without repeating the edge, period 2 (size - 1), as numpy.
          std::string period = std::to_string(2 * (cropped - 1));
          w.line(p + " = ((" + p + " % " + period + ") + " + period + ") % " + period + ";");
          w.line(p + " = " + p + " < " + size + " ? " + p + " : " + period + " - " + p + ";");
        }
        break;
      }
      sources.push_back("(I)(" + p + " + " + std::to_string(cropBegin) + ")");
    }
    std::string load = input.loadStorage(offsetExpr(sources, input.strides));
    if (inside.empty())
      return converted(w, convert, input.element(), type, load);
    // The fill value is a real value, converted as the pad's result type
    // stores it, then by a cast fused after the pad (two roundings, as the
    // graph has them).
    Type padded = getElementTypeOrSelf(op.getType());
    std::string fill = storageOfReal(w, padded, output.shape(), op.getValue().convertToDouble(),
                                     axis >= 0 ? o[axis] : "");
    if (!convert)
      return "(" + inside + " ? " + load + " : " + fill + ")";
    if (padded != type)
      fill = converted(w, convert, padded, type, fill);
    // The conversion's statements read the element: only inside the input.
    std::string element = w.fresh("r");
    w.line(storageType(type) + " " + element + " = " + fill + ";");
    w.open("if (" + inside + ")");
    w.line(element + " = " + converted(w, convert, input.element(), type, load) + ";");
    w.close();
    return element;
  });
}

static Launch emitGatherOp(KernelWriter &w, GatherOp op, const TensorView &data,
                           const TensorView &indices, const TensorView &output) {
  int64_t axis = op.getAxis(), indexRank = indices.rank();
  return emitGather(w, output, std::max(data.extent(), indices.extent()),
                    [&](ArrayRef<std::string> o) {
                      ArrayRef<std::string> at = o.slice(axis, indexRank);
                      std::string index = normalizedIndex(
                          w, indices.load(offsetExpr(at, indices.strides)),
                          data.shape()[axis]);
                      SmallVector<std::string> sources(o.take_front(axis));
                      sources.push_back("(I)" + index);
                      llvm::append_range(sources, o.drop_front(axis + indexRank));
                      return data.loadStorage(offsetExpr(sources, data.strides));
                    });
}

static Launch emitGatherElements(KernelWriter &w, GatherElementsOp op, const TensorView &data,
                                 const TensorView &indices, const TensorView &output) {
  int64_t axis = op.getAxis();
  return emitGather(w, output, std::max(data.extent(), indices.extent()),
                    [&](ArrayRef<std::string> o) {
                      std::string index = normalizedIndex(
                          w, indices.load(offsetExpr(o, indices.strides)), data.shape()[axis]);
                      SmallVector<std::string> sources(o);
                      sources[axis] = "(I)" + index;
                      return data.loadStorage(offsetExpr(sources, data.strides));
                    });
}

static Launch emitTile(KernelWriter &w, const TensorView &input, const TensorView &output) {
  return emitGather(w, output, input.extent(), [&](ArrayRef<std::string> o) {
    SmallVector<std::string> sources;
    for (auto [d, coord] : llvm::enumerate(o)) {
      int64_t size = input.shape()[d];
      sources.push_back(size == output.shape()[d] || size == 1
                            ? (size == 1 ? "0" : coord)
                            : "(" + coord + " % " + std::to_string(size) + ")");
    }
    return input.loadStorage(offsetExpr(sources, input.strides));
  });
}

/// Slices with a negative step, which the unsigned offsets of the pointwise
/// engine cannot walk.
static Launch emitSliceGather(KernelWriter &w, SliceOp op, const TensorView &input,
                              const TensorView &output) {
  return emitGather(w, output, input.extent(), [&](ArrayRef<std::string> o) {
    SmallVector<std::string> sources;
    for (auto [d, coord] : llvm::enumerate(o)) {
      int64_t start = op.getStarts()[d], step = op.getSteps()[d];
      sources.push_back("(I)(" + std::to_string(start) + " + (S)" + coord + " * " +
                        std::to_string(step) + ")");
    }
    return input.loadStorage(offsetExpr(sources, input.strides));
  });
}

/// A reshape of a strided tensor: the output's row-major position,
/// decomposed over the input's shape.
static Launch emitReshapeGather(KernelWriter &w, const TensorView &input,
                                const TensorView &output) {
  return emitGather(w, output, input.extent(), [&](ArrayRef<std::string>) {
    SmallVector<std::string> sources = emitCoordinates(w, "i", input.shape(), "q");
    return input.loadStorage(offsetExpr(sources, input.strides));
  });
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

/// The dimension of `shape` (of size > 1) with the smallest stride, or -1.
static int64_t innermostDim(ArrayRef<int64_t> shape, ArrayRef<int64_t> strides) {
  int64_t best = -1;
  for (auto [d, size] : llvm::enumerate(shape))
    if (size > 1 && (best < 0 || strides[d] < strides[best]))
      best = static_cast<int64_t>(d);
  return best;
}

/// A transpose whose input and output are contiguous along different
/// dimensions A (the output's) and B (the input's): each block moves a
/// 32 × 32 tile of the (A, B) plane of one position of the other dimensions
/// through shared memory. Blocks are 32 threads wide and 8, 16 or 32 rows
/// high (launch variants, timed as tactics; 8 by default): each thread
/// moves 32 / rows elements of the tile each way.
static Launch emitTiledTranspose(KernelWriter &w, const TensorView &input,
                                 const TensorView &output, ArrayRef<int64_t> inStrides,
                                 int64_t a, int64_t b, Operation *convert) {
  ArrayRef<int64_t> shape = output.shape();
  int64_t tilesA = (shape[a] + 31) / 32, tilesB = (shape[b] + 31) / 32;
  SmallVector<int64_t> batchShape, batchIn, batchOut;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (static_cast<int64_t>(d) == a || static_cast<int64_t>(d) == b)
      continue;
    batchShape.push_back(size);
    batchIn.push_back(inStrides[d]);
    batchOut.push_back(output.strides[d]);
  }
  int64_t batch = 1;
  for (int64_t size : batchShape)
    batch *= size;
  int64_t blocks = batch * tilesA * tilesB;
  emitIndexTypes(w, std::max({input.extent(), output.extent(), blocks}));
  std::string ctype = storageType(output.element());
  w.line("__shared__ " + ctype + " tile[32][33];");
  w.line("const I t = blockIdx.x;");
  w.line("const I ta = t % " + std::to_string(tilesA) + " * 32;");
  w.line("const I tb = t / " + std::to_string(tilesA) + " % " + std::to_string(tilesB) +
         " * 32;");
  w.line("const I batch = t / " + std::to_string(tilesA * tilesB) + ";");
  SmallVector<std::string> coords = emitCoordinates(w, "batch", batchShape, "n");
  std::string inBase = offsetExpr(coords, batchIn), outBase = offsetExpr(coords, batchOut);
  std::string sizeA = std::to_string(shape[a]), sizeB = std::to_string(shape[b]);
  auto body = [&](uint32_t rows) {
    std::string step = std::to_string(rows);
    // Read: threads along B, which the input walks contiguously.
    w.line("#pragma unroll");
    w.open("for (int j = threadIdx.y; j < 32; j += " + step + ")");
    w.line("const I ia = ta + j, ib = tb + threadIdx.x;");
    w.open("if (ia < " + sizeA + " && ib < " + sizeB + ")");
    // The tile holds the output's storage: a fused cast converts on the way in.
    std::string load = input.pointer + "[" + inBase + " + ia * " +
                       std::to_string(inStrides[a]) + " + ib * " +
                       std::to_string(inStrides[b]) + "]";
    w.line("tile[j][threadIdx.x] = " +
           converted(w, convert, input.element(), output.element(), load) + ";");
    w.close();
    w.close();
    w.line("__syncthreads();");
    // Write: threads along A, which the output walks contiguously.
    w.line("#pragma unroll");
    w.open("for (int j = threadIdx.y; j < 32; j += " + step + ")");
    w.line("const I ib = tb + j, ia = ta + threadIdx.x;");
    w.open("if (ia < " + sizeA + " && ib < " + sizeB + ")");
    w.line(output.pointer + "[" + outBase + " + ia * " + std::to_string(output.strides[a]) +
           " + ib * " + std::to_string(output.strides[b]) + "] = tile[threadIdx.x][j];");
    w.close();
    w.close();
  };
  Launch launch;
  launch.grid = {static_cast<uint32_t>(std::max<int64_t>(1, blocks)), 1, 1};
  launch.block = {32, 8, 1};
  for (uint32_t rows : {8u, 16u, 32u}) {
    LaunchShape variant{launch.grid, {32, rows, 1}};
    w.openVariant(variant.block);
    body(rows);
    w.line("return;");
    w.closeVariant(variant.block);
    launch.variants.push_back(variant);
  }
  return launch;
}

static Launch emitTranspose(KernelWriter &w, TransposeOp op, const TensorView &input,
                            const TensorView &output, Operation *convert) {
  // The input's strides along the output's dimensions.
  SmallVector<int64_t> inStrides;
  for (int64_t p : op.getPermutation())
    inStrides.push_back(input.strides[p]);
  int64_t a = innermostDim(output.shape(), output.strides);
  int64_t b = innermostDim(output.shape(), inStrides);
  if (a >= 0 && b >= 0 && a != b && output.shape()[a] >= 16 && output.shape()[b] >= 16)
    return emitTiledTranspose(w, input, output, inStrides, a, b, convert);
  PointwisePhase phase = copyPhase(op.getInput(), input, inStrides, output);
  if (convert) {
    // The leaf stands for what the cast reads; the output is what it writes.
    phase.leaves.front().value = convert->getOperand(0);
    phase.ops.push_back(convert);
    phase.outputs.front().value = convert->getResult(0);
  }
  return emitPointwise(w, {phase});
}

//===----------------------------------------------------------------------===//
// Entry
//===----------------------------------------------------------------------===//

FailureOr<Launch> kiln::cuda::detail::emitShuffle(KernelWriter &w, OpKernel &kernel) {
  Operation *op = kernel.op;
  // Split writes several results; the others one.
  if (auto split = llvm::dyn_cast<SplitOp>(op)) {
    const TensorView &input = kernel.operands[0];
    int64_t axis = split.getAxis(), start = 0;
    std::vector<PointwisePhase> phases;
    for (auto [i, size] : llvm::enumerate(split.getSizes())) {
      if (const std::optional<TensorView> &output = kernel.results[i])
        phases.push_back(copyPhase(split.getInput(),
                                   shiftedView(input, start * input.strides[axis],
                                               output->shape(), input.strides),
                                   input.strides, *output));
      start += size;
    }
    return emitPointwise(w, phases);
  }
  const TensorView &input = kernel.operands[0], &output = *kernel.results[0];
  if (kernel.convert && !llvm::isa<TransposeOp, PadOp>(op))
    return op->emitError() << "'" << op->getName()
                           << "' cannot convert as it moves: a cast fuses only into a pad "
                              "or a transpose";
  return llvm::TypeSwitch<Operation *, FailureOr<Launch>>(op)
      .Case([&](ConcatOp concat) {
        int64_t axis = concat.getAxis(), start = 0;
        std::vector<PointwisePhase> phases;
        for (auto [value, piece] : llvm::zip(concat.getInputs(), kernel.operands)) {
          phases.push_back(copyPhase(value, piece, piece.strides,
                                     shiftedView(output, start * output.strides[axis],
                                                 piece.shape(), output.strides)));
          start += piece.shape()[axis];
        }
        return emitPointwise(w, phases);
      })
      .Case([&](SliceOp slice) {
        if (llvm::any_of(slice.getSteps(), [](int64_t step) { return step < 0; }))
          return emitSliceGather(w, slice, input, output);
        int64_t offset = 0;
        SmallVector<int64_t> strides;
        for (auto [d, start] : llvm::enumerate(slice.getStarts())) {
          offset += start * input.strides[d];
          strides.push_back(input.strides[d] * slice.getSteps()[d]);
        }
        return emitPointwise(
            w, {copyPhase(slice.getInput(), shiftedView(input, offset, output.shape(), strides),
                          strides, output)});
      })
      .Case<ReshapeOp, FlattenOp>([&](Operation *) {
        if (!input.isRowMajor())
          return emitReshapeGather(w, input, output);
        return emitPointwise(w, {copyPhase(op->getOperand(0), input,
                                           rowMajorStrides(output.shape()), output)});
      })
      .Case([&](ExpandOp expand) {
        return emitPointwise(
            w, {copyPhase(expand.getInput(), input,
                          broadcastStrides(input.shape(), input.strides, output.shape()),
                          output)});
      })
      .Case([&](TransposeOp transpose) {
        return emitTranspose(w, transpose, input, output, kernel.convert);
      })
      .Case([&](PadOp pad) { return emitPad(w, pad, input, output, kernel.convert); })
      .Case([&](GatherOp gather) {
        return emitGatherOp(w, gather, input, kernel.operands[1], output);
      })
      .Case([&](GatherElementsOp gather) {
        return emitGatherElements(w, gather, input, kernel.operands[1], output);
      })
      .Case([&](TileOp) { return emitTile(w, input, output); })
      .Default([](Operation *) -> FailureOr<Launch> { return failure(); });
}
