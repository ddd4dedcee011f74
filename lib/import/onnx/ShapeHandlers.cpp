//===- ShapeHandlers.cpp - data movement: reshape, slice, concat, pad, ... -===//
//
// Ops that move elements without arithmetic. They keep quantized types (they
// commute with quantization) and are evaluated at import time when their
// input is a known constant, which is how PyTorch's shape arithmetic
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) folds away. Squeeze,
// Unsqueeze and Flatten's constant case become nn.reshape; DepthToSpace and
// SpaceToDepth become reshape + transpose + reshape; Trilu a where with a
// constant mask.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "ShapeFolding.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// Defines the result as `input` reshaped to `shape`: folded for known
/// constants, else nn.reshape (nothing when the shape does not change).
LogicalResult reshapeTo(NodeImporter &node, ArrayRef<int64_t> shape) {
  if (DenseElementsAttr known = node.getKnownConstant(0))
    return node.setConstantResult(
        0, known.reshape(llvm::cast<ShapedType>(known.getType()).clone(shape)));
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(input))
    return failure();
  FailureOr<Value> result = node.reshape(*input, shape);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importReshape(NodeImporter &node) {
  bool allowZero = node.getOpset() >= 14 && node.getIntAttr("allowzero", 0) != 0;
  FailureOr<SmallVector<int64_t>> requested = node.getIntsInput(1, "shape");
  if (failed(requested))
    return failure();
  RankedTensorType type = node.getInputType(0);
  SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, size] : llvm::enumerate(*requested)) {
    if (size == 0 && !allowZero) {
      // 0 copies the input's size, unless allowzero makes it a real 0.
      if (static_cast<int64_t>(i) >= type.getRank())
        return node.error("shape entry " + Twine(i) + " is 0 (copy) but the input has "
                          "rank " + Twine(type.getRank()));
      size = type.getDimSize(i);
    } else if (size == -1) {
      if (inferred >= 0)
        return node.error("shape has more than one -1");
      inferred = i;
      shape.push_back(1);
      continue;
    } else if (size < -1) {
      return node.error("shape entry " + Twine(size) + " is invalid");
    }
    shape.push_back(size);
    known *= size;
  }
  if (inferred >= 0) {
    if (known == 0 || type.getNumElements() % known != 0)
      return node.error("cannot infer the -1 of shape: " + Twine(type.getNumElements()) +
                        " elements do not divide into " + Twine(known));
    shape[inferred] = type.getNumElements() / known;
  }
  return reshapeTo(node, shape);
}

LogicalResult importFlatten(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  int64_t axis = node.getIntAttr("axis", 1);
  // Flatten's axis may equal the rank (everything in the rows).
  if (axis < -rank || axis > rank)
    return node.error("axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
  axis = axis < 0 ? axis + rank : axis;
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d)
    rows *= type.getDimSize(d);
  int64_t columns = rows ? type.getNumElements() / rows : 0;
  if (node.getKnownConstant(0))
    return reshapeTo(node, {rows, columns});
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(input))
    return failure();
  FailureOr<nn::FlattenOp> op = node.create<nn::FlattenOp>(*input, axis);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// Squeeze's axes: given (attribute or input) or every unit dimension.
LogicalResult squeeze(NodeImporter &node, std::optional<SmallVector<int64_t>> axes) {
  RankedTensorType type = node.getInputType(0);
  SmallVector<int64_t> squeezed;
  if (axes) {
    FailureOr<SmallVector<int64_t>> normalized =
        node.normalizeAxes(*axes, type.getRank(), /*sortUnique=*/true);
    if (failed(normalized))
      return failure();
    squeezed = *normalized;
    for (int64_t axis : squeezed)
      if (type.getDimSize(axis) != 1)
        return node.error("cannot squeeze dimension " + Twine(axis) + " of size " +
                          Twine(type.getDimSize(axis)));
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.getDimSize(d) == 1)
        squeezed.push_back(d);
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(squeezed, d))
      shape.push_back(type.getDimSize(d));
  return reshapeTo(node, shape);
}

LogicalResult importSqueeze11(NodeImporter &node) {
  return squeeze(node, node.getOptionalIntsAttr("axes"));
}

LogicalResult importSqueeze13(NodeImporter &node) {
  if (!node.hasInput(1))
    return squeeze(node, std::nullopt);
  FailureOr<SmallVector<int64_t>> axes = node.getIntsInput(1, "axes");
  if (failed(axes))
    return failure();
  return squeeze(node, *axes);
}

LogicalResult unsqueeze(NodeImporter &node, ArrayRef<int64_t> axes) {
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank() + axes.size();
  FailureOr<SmallVector<int64_t>> inserted =
      node.normalizeAxes(axes, rank, /*sortUnique=*/true);
  if (failed(inserted))
    return failure();
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> remaining = type.getShape();
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(*inserted, d)) {
      shape.push_back(1);
    } else {
      shape.push_back(remaining.front());
      remaining = remaining.drop_front();
    }
  }
  return reshapeTo(node, shape);
}

LogicalResult importUnsqueeze11(NodeImporter &node) {
  std::optional<SmallVector<int64_t>> axes = node.getOptionalIntsAttr("axes");
  if (!axes)
    return node.error("attribute 'axes' is required");
  return unsqueeze(node, *axes);
}

LogicalResult importUnsqueeze13(NodeImporter &node) {
  FailureOr<SmallVector<int64_t>> axes = node.getIntsInput(1, "axes");
  if (failed(axes))
    return failure();
  return unsqueeze(node, *axes);
}

LogicalResult importTranspose(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  SmallVector<int64_t> reversed;
  for (int64_t d = type.getRank() - 1; d >= 0; --d)
    reversed.push_back(d);
  SmallVector<int64_t> permutation = node.getIntsAttr("perm", reversed);
  FailureOr<Value> input = node.getInputKeepQuantized(0, /*allowPerAxis=*/true);
  if (failed(input))
    return failure();
  FailureOr<nn::TransposeOp> op = node.create<nn::TransposeOp>(*input, permutation);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importConcat(NodeImporter &node) {
  FailureOr<int64_t> axisAttr = node.getRequiredIntAttr("axis");
  if (failed(axisAttr))
    return failure();
  for (size_t i = 0; i < node.getNumInputs(); ++i)
    if (!node.hasInput(i))
      return node.error("input #" + Twine(i) + " is empty");
  FailureOr<int64_t> axis = node.normalizeAxis(*axisAttr, node.getInputType(0).getRank());
  if (failed(axis))
    return failure();
  if (node.allInputsKnown()) {
    SmallVector<DenseElementsAttr> known;
    for (size_t i = 0; i < node.getNumInputs(); ++i)
      known.push_back(node.getKnownConstant(i));
    if (DenseElementsAttr folded = foldConcat(known, *axis))
      return node.setConstantResult(0, folded);
  }
  // Quantized inputs stay quantized when they share one type (one scale).
  Type first = node.getInputType(0).getElementType();
  bool sameType = llvm::all_of(llvm::seq<size_t>(0, node.getNumInputs()), [&](size_t i) {
    return node.getInputType(i).getElementType() == first;
  });
  SmallVector<Value> inputs;
  for (size_t i = 0; i < node.getNumInputs(); ++i) {
    FailureOr<Value> input = sameType ? node.getInputKeepQuantized(i) : node.getInput(i);
    if (failed(input))
      return failure();
    inputs.push_back(*input);
  }
  if (inputs.size() == 1)
    return node.setResult(0, inputs.front());
  FailureOr<nn::ConcatOp> op = node.create<nn::ConcatOp>(inputs, *axis);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// Splits input 0 along `axis` into `sizes` (one per output).
LogicalResult split(NodeImporter &node, int64_t axis, ArrayRef<int64_t> sizes) {
  if (sizes.size() != node.getNumOutputs())
    return node.error(Twine(sizes.size()) + " split sizes for " +
                      Twine(node.getNumOutputs()) + " outputs");
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(input))
    return failure();
  FailureOr<nn::SplitOp> op = node.create<nn::SplitOp>(*input, axis, sizes);
  if (failed(op))
    return failure();
  for (auto [i, result] : llvm::enumerate(op->getResults()))
    if (failed(node.setResult(i, result)))
      return failure();
  return success();
}

/// The axis, and sizes from the attribute or input when given, else an even
/// split into the outputs (opset 18: `num_outputs` parts, the last smaller).
LogicalResult importSplitWith(NodeImporter &node,
                              std::optional<SmallVector<int64_t>> given) {
  RankedTensorType type = node.getInputType(0);
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = type.getDimSize(*axis);
  if (given)
    return split(node, *axis, *given);
  int64_t parts = node.getNumOutputs();
  if (node.getOpset() >= 18) {
    FailureOr<int64_t> count = node.getRequiredIntAttr("num_outputs");
    if (failed(count))
      return failure();
    parts = *count;
    if (parts <= 0)
      return node.error("num_outputs must be positive");
    int64_t chunk = (dim + parts - 1) / parts;
    SmallVector<int64_t> sizes;
    for (int64_t left = dim; left > 0; left -= chunk)
      sizes.push_back(std::min(chunk, left));
    return split(node, *axis, sizes);
  }
  if (parts == 0 || dim % parts != 0)
    return node.error("dimension " + Twine(*axis) + " of size " + Twine(dim) +
                      " does not split evenly into " + Twine(parts) + " outputs");
  return split(node, *axis, SmallVector<int64_t>(parts, dim / parts));
}

LogicalResult importSplit11(NodeImporter &node) {
  return importSplitWith(node, node.getOptionalIntsAttr("split"));
}

LogicalResult importSplit13(NodeImporter &node) {
  if (!node.hasInput(1))
    return importSplitWith(node, std::nullopt);
  FailureOr<SmallVector<int64_t>> sizes = node.getIntsInput(1, "split");
  if (failed(sizes))
    return failure();
  if (node.getOpset() >= 18 && node.hasAttr("num_outputs"))
    return node.error("takes either the split input or num_outputs, not both");
  return importSplitWith(node, *sizes);
}

LogicalResult importSlice(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> starts = node.getIntsInput(1, "starts");
  FailureOr<SmallVector<int64_t>> ends = node.getIntsInput(2, "ends");
  if (failed(starts) || failed(ends))
    return failure();
  size_t count = starts->size();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, count));
  SmallVector<int64_t> steps(count, 1);
  if (node.hasInput(3)) {
    FailureOr<SmallVector<int64_t>> given = node.getIntsInput(3, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (node.hasInput(4)) {
    FailureOr<SmallVector<int64_t>> given = node.getIntsInput(4, "steps");
    if (failed(given))
      return failure();
    steps = *given;
  }
  if (ends->size() != count || axes.size() != count || steps.size() != count)
    return node.error("starts, ends, axes and steps must have the same length");

  // Every dimension in full unless sliced, bounds clamped as ONNX does.
  SmallVector<int64_t> first(rank, 0), last(type.getShape()), stride(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < count; ++i) {
    FailureOr<int64_t> axis = node.normalizeAxis(axes[i], rank, "slice axis");
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return node.error("axis " + Twine(*axis) + " is sliced twice");
    seen[*axis] = true;
    int64_t dim = type.getDimSize(*axis), start = (*starts)[i], end = (*ends)[i];
    int64_t step = steps[i];
    if (step == 0)
      return node.error("steps must be non-zero");
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    if (dim == 0) {
      start = end = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    first[*axis] = start;
    last[*axis] = end;
    stride[*axis] = step;
  }
  if (DenseElementsAttr known = node.getKnownConstant(0))
    return node.setConstantResult(0, foldSlice(known, first, last, stride));
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(input))
    return failure();
  FailureOr<nn::SliceOp> op = node.create<nn::SliceOp>(*input, first, last, stride);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importPad(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  std::string modeName = node.getStringAttr("mode", "constant");
  std::optional<nn::PadMode> mode = nn::symbolizePadMode(modeName);
  if (!mode || (*mode == nn::PadMode::wrap && node.getOpset() < 19))
    return node.error("mode '" + modeName + "' is not supported");
  FailureOr<SmallVector<int64_t>> given = node.getIntsInput(1, "pads");
  if (failed(given))
    return failure();
  double value = 0.0;
  if (node.hasInput(2)) {
    FailureOr<double> constant = node.getScalarInput(2, "constant_value");
    if (failed(constant))
      return failure();
    value = *constant;
  }
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (node.hasInput(3)) {
    FailureOr<SmallVector<int64_t>> listed = node.getIntsInput(3, "axes");
    if (failed(listed))
      return failure();
    FailureOr<SmallVector<int64_t>> normalized =
        node.normalizeAxes(*listed, rank, /*sortUnique=*/false);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  }
  int64_t count = axes.size();
  if (static_cast<int64_t>(given->size()) != 2 * count)
    return node.error("expected " + Twine(2 * count) + " pads, got " +
                      Twine(given->size()));
  SmallVector<int64_t> pads(2 * rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    pads[axes[i]] = (*given)[i];
    pads[rank + axes[i]] = (*given)[count + i];
  }
  // The padded value is a real number, so a quantized input is padded as
  // the integers ONNX sees.
  FailureOr<Value> input = node.getInput(0);
  if (failed(input))
    return failure();
  FailureOr<nn::PadOp> op = node.create<nn::PadOp>(
      *input, pads, *mode, llvm::APFloat(value));
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// Indices known at import time must lie in [-size, size) along the axis of
/// the data they pick from, as ONNX requires: the generated kernel clamps
/// an index it cannot refuse at run time, which would pick another element.
static LogicalResult checkKnownIndices(NodeImporter &node, int64_t axis, int64_t size) {
  DenseElementsAttr indices = node.getKnownConstant(1);
  if (!indices || ShapedType::isDynamic(size))
    return success();
  for (int64_t index : getIntValues(indices))
    if (index < -size || index >= size)
      return node.error("index " + Twine(index) + " is out of range for dimension " +
                        Twine(axis) + " of size " + Twine(size));
  return success();
}

LogicalResult importGather(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  if (node.isKnownConstant(0) && node.isKnownConstant(1)) {
    DenseElementsAttr data = node.getKnownConstant(0), indices = node.getKnownConstant(1);
    if (DenseElementsAttr folded = foldGather(data, indices, *axis))
      return node.setConstantResult(0, folded);
    return node.error("an index is out of range for dimension " + Twine(*axis) +
                      " of size " + Twine(type.getDimSize(*axis)));
  }
  if (failed(checkKnownIndices(node, *axis, type.getDimSize(*axis))))
    return failure();
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  FailureOr<Value> picks = node.getInput(1);
  if (failed(input) || failed(picks))
    return failure();
  FailureOr<nn::GatherOp> op = node.create<nn::GatherOp>(*input, *picks, *axis);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importGatherElements(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", 0), type.getRank());
  if (failed(axis) || failed(checkKnownIndices(node, *axis, type.getDimSize(*axis))))
    return failure();
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  FailureOr<Value> indices = node.getInput(1);
  if (failed(input) || failed(indices))
    return failure();
  FailureOr<nn::GatherElementsOp> op =
      node.create<nn::GatherElementsOp>(*input, *indices, *axis);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// Expand and Tile: the data (kept quantized, as they commute with it) and a
/// constant list of integers, input 1, named `what` in errors.
template <typename OpT>
static LogicalResult importWithIntList(NodeImporter &node, StringRef what) {
  FailureOr<SmallVector<int64_t>> list = node.getIntsInput(1, what);
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(list) || failed(input))
    return failure();
  FailureOr<OpT> op = node.create<OpT>(*input, *list);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importExpand(NodeImporter &node) {
  return importWithIntList<nn::ExpandOp>(node, "shape");
}

LogicalResult importTile(NodeImporter &node) {
  return importWithIntList<nn::TileOp>(node, "repeats");
}

/// reshape(input, split) -> transpose(permutation) -> reshape(merged).
LogicalResult shuffle(NodeImporter &node, ArrayRef<int64_t> split,
                      ArrayRef<int64_t> permutation, ArrayRef<int64_t> merged) {
  FailureOr<Value> input = node.getInputKeepQuantized(0);
  if (failed(input))
    return failure();
  FailureOr<Value> expanded = node.reshape(*input, split);
  if (failed(expanded))
    return failure();
  FailureOr<nn::TransposeOp> moved = node.create<nn::TransposeOp>(*expanded, permutation);
  if (failed(moved))
    return failure();
  FailureOr<Value> result = node.reshape(*moved, merged);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

LogicalResult importDepthToSpace(NodeImporter &node) {
  FailureOr<int64_t> block = node.getRequiredIntAttr("blocksize");
  std::string mode = node.getStringAttr("mode", "DCR");
  RankedTensorType type = node.getInputType(0);
  if (failed(block))
    return failure();
  if (type.getRank() != 4 || *block <= 0)
    return node.error("needs a 4-D input and a positive block size");
  int64_t b = *block, n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  if (c % (b * b) != 0)
    return node.error(Twine(c) + " channels are not divisible by blocksize² " +
                      Twine(b * b));
  SmallVector<int64_t> merged{n, c / (b * b), h * b, w * b};
  if (mode == "DCR")
    return shuffle(node, {n, b, b, c / (b * b), h, w}, {0, 3, 4, 1, 5, 2}, merged);
  if (mode == "CRD")
    return shuffle(node, {n, c / (b * b), b, b, h, w}, {0, 1, 4, 2, 5, 3}, merged);
  return node.error("mode '" + mode + "' is not supported");
}

LogicalResult importSpaceToDepth(NodeImporter &node) {
  FailureOr<int64_t> block = node.getRequiredIntAttr("blocksize");
  RankedTensorType type = node.getInputType(0);
  if (failed(block))
    return failure();
  if (type.getRank() != 4 || *block <= 0)
    return node.error("needs a 4-D input and a positive block size");
  int64_t b = *block, n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  if (h % b != 0 || w % b != 0)
    return node.error("spatial sizes " + Twine(h) + "x" + Twine(w) +
                      " are not divisible by the block size " + Twine(b));
  return shuffle(node, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4},
                 {n, c * b * b, h / b, w / b});
}

LogicalResult importTrilu(NodeImporter &node) {
  bool upper = node.getIntAttr("upper", 1) != 0;
  int64_t k = 0;
  if (node.hasInput(1)) {
    FailureOr<int64_t> given = node.getIntInput(1, "k");
    if (failed(given))
      return failure();
    k = *given;
  }
  FailureOr<Value> input = node.getInput(0);
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  if (type.getRank() < 2)
    return node.error("input must have rank 2 or more");
  // The kept triangle as a constant mask over the last two dimensions.
  int64_t rows = type.getDimSize(type.getRank() - 2), cols = type.getShape().back();
  SmallVector<bool> keep;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      keep.push_back(upper ? j - i >= k : j - i <= k);
  auto maskType = RankedTensorType::get({rows, cols}, node.getBuilder().getI1Type());
  Value mask = node.createConstant(DenseElementsAttr::get(maskType, ArrayRef<bool>(keep)));
  Value zero = node.createScalar(type.getElementType(), 0.0);
  FailureOr<nn::WhereOp> op = node.create<nn::WhereOp>(mask, *input, zero);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

} // namespace

void addShapeHandlers(HandlerTable &table) {
  table.add("Reshape", kMinOpset, kMaxOpset, importReshape);
  table.add("Flatten", kMinOpset, kMaxOpset, importFlatten);
  table.add("Squeeze", kMinOpset, 12, importSqueeze11);
  table.add("Squeeze", 13, kMaxOpset, importSqueeze13);
  table.add("Unsqueeze", kMinOpset, 12, importUnsqueeze11);
  table.add("Unsqueeze", 13, kMaxOpset, importUnsqueeze13);
  table.add("Transpose", kMinOpset, kMaxOpset, importTranspose);
  table.add("Concat", kMinOpset, kMaxOpset, importConcat);
  table.add("Split", kMinOpset, 12, importSplit11);
  table.add("Split", 13, kMaxOpset, importSplit13);
  table.add("Slice", kMinOpset, kMaxOpset, importSlice);
  table.add("Pad", kMinOpset, kMaxOpset, importPad);
  table.add("Gather", kMinOpset, kMaxOpset, importGather);
  table.add("GatherElements", kMinOpset, kMaxOpset, importGatherElements);
  table.add("Expand", kMinOpset, kMaxOpset, importExpand);
  table.add("Tile", kMinOpset, kMaxOpset, importTile);
  table.add("DepthToSpace", kMinOpset, kMaxOpset, importDepthToSpace);
  table.add("SpaceToDepth", kMinOpset, kMaxOpset, importSpaceToDepth);
  table.add("Trilu", 14, kMaxOpset, importTrilu);
}

} // namespace kiln::onnx_import
