//===- PoolReduceHandlers.cpp - pooling, reductions, ArgMax, TopK, CumSum --===//
//
// The reductions changed how they take their axes: an attribute up to opset
// 17 (ReduceSum: 12), an input after, with noop_with_empty_axes. Each form is
// its own handler; both end in one nn.reduce with sorted, non-negative axes
// ("all axes" spelled out).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "WindowAttributes.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult pool(NodeImporter &node, nn::PoolKind kind) {
  RankedTensorType type = node.getInputType(0);
  if (type.getRank() < 3)
    return node.error("input must have a batch, a channel and spatial dimensions");
  bool isMax = kind == nn::PoolKind::max;
  // AveragePool has dilations from opset 19, MaxPool always.
  bool withDilations = isMax || node.getOpset() >= 19;
  FailureOr<Window> window =
      readWindow(node, type.getShape().drop_front(2), std::nullopt, withDilations);
  if (failed(window))
    return failure();
  bool ceilMode = node.getIntAttr("ceil_mode", 0) != 0;
  bool countIncludePad = !isMax && node.getIntAttr("count_include_pad", 0) != 0;
  bool columnMajor = false;
  if (isMax) {
    // storage_order only lays out the indices output.
    columnMajor = node.getIntAttr("storage_order", 0) != 0;
  } else if (llvm::any_of(window->dilations, [](int64_t d) { return d != 1; })) {
    return node.error("dilated average pooling is not supported (nn.pool applies "
                      "dilations to max pooling only)");
  }
  FailureOr<Value> input = isMax ? node.getInputKeepQuantized(0) : node.getInput(0);
  if (failed(input))
    return failure();
  FailureOr<nn::PoolOp> op = node.create<nn::PoolOp>(
      *input, kind, window->kernel, window->strides, window->pads, window->dilations,
      ceilMode, countIncludePad, nn::Layout::channels_first);
  if (failed(op) || failed(node.setResult(0, *op)))
    return failure();
  if (!isMax || !node.hasOutput(1))
    return success();
  FailureOr<nn::MaxPoolIndicesOp> indices = node.create<nn::MaxPoolIndicesOp>(
      *input, window->kernel, window->strides, window->pads, window->dilations, ceilMode,
      columnMajor);
  if (failed(indices))
    return failure();
  return node.setResult(1, *indices);
}

LogicalResult importMaxPool(NodeImporter &node) { return pool(node, nn::PoolKind::max); }
LogicalResult importAveragePool(NodeImporter &node) {
  return pool(node, nn::PoolKind::avg);
}

LogicalResult globalPool(NodeImporter &node, nn::PoolKind kind) {
  FailureOr<Value> input =
      kind == nn::PoolKind::max ? node.getInputKeepQuantized(0) : node.getInput(0);
  if (failed(input))
    return failure();
  FailureOr<nn::GlobalPoolOp> op =
      node.create<nn::GlobalPoolOp>(*input, kind, nn::Layout::channels_first);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importGlobalMaxPool(NodeImporter &node) {
  return globalPool(node, nn::PoolKind::max);
}
LogicalResult importGlobalAveragePool(NodeImporter &node) {
  return globalPool(node, nn::PoolKind::avg);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// A reduction over no dimension at all (of a scalar) is its per-element
/// function: the identity, or |x|, x², log x for the kinds that apply one.
FailureOr<Value> reduceScalar(NodeImporter &node, nn::ReduceKind kind, Value x) {
  switch (kind) {
  case nn::ReduceKind::l1:
  case nn::ReduceKind::l2: {
    FailureOr<nn::AbsOp> op = node.create<nn::AbsOp>(x);
    return failed(op) ? FailureOr<Value>(failure()) : FailureOr<Value>(op->getResult());
  }
  case nn::ReduceKind::sum_square: {
    FailureOr<nn::MulOp> op = node.create<nn::MulOp>(x, x);
    return failed(op) ? FailureOr<Value>(failure()) : FailureOr<Value>(op->getResult());
  }
  case nn::ReduceKind::log_sum: {
    FailureOr<nn::LogOp> op = node.create<nn::LogOp>(x);
    return failed(op) ? FailureOr<Value>(failure()) : FailureOr<Value>(op->getResult());
  }
  default:
    return x;
  }
}

/// `axes` empty means every axis, or nothing with noop_with_empty_axes.
LogicalResult reduce(NodeImporter &node, nn::ReduceKind kind, ArrayRef<int64_t> axes,
                     bool noopWithEmptyAxes) {
  bool keepDims = node.getIntAttr("keepdims", 1) != 0;
  FailureOr<Value> input = node.getInput(0);
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  if (axes.empty() && noopWithEmptyAxes)
    return node.setResult(0, *input);
  SmallVector<int64_t> reduced;
  if (axes.empty()) {
    reduced = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  } else {
    FailureOr<SmallVector<int64_t>> normalized =
        node.normalizeAxes(axes, type.getRank(), /*sortUnique=*/true);
    if (failed(normalized))
      return failure();
    reduced = *normalized;
  }
  if (reduced.empty()) {
    FailureOr<Value> result = reduceScalar(node, kind, *input);
    if (failed(result))
      return failure();
    return node.setResult(0, *result);
  }
  // ReduceMax/ReduceMin take booleans from opset 20 (any / all): reduce
  // them as unsigned 0/1 bytes, whose empty max and min are 0 and 255, so
  // an empty any is false and an empty all true.
  Type element = type.getElementType();
  bool isBool = element.isInteger(1) &&
                (kind == nn::ReduceKind::max || kind == nn::ReduceKind::min);
  Value operand =
      isBool ? node.castTo(*input, node.getBuilder().getIntegerType(8, /*isSigned=*/false))
             : *input;
  FailureOr<nn::ReduceOp> op = node.create<nn::ReduceOp>(operand, kind, reduced, keepDims);
  if (failed(op))
    return failure();
  return node.setResult(0, isBool ? node.castTo(*op, element) : op->getResult());
}

template <nn::ReduceKind Kind> LogicalResult importReduceAxesAttr(NodeImporter &node) {
  return reduce(node, Kind, node.getIntsAttr("axes"), /*noopWithEmptyAxes=*/false);
}

/// Opsets 1 to 10 (the same schema as 11, which added negative axes).
template <nn::ReduceKind Kind> LogicalResult importReduceAxesAttrV1(NodeImporter &node) {
  SmallVector<int64_t> axes = node.getIntsAttr("axes");
  if (llvm::any_of(axes, [](int64_t axis) { return axis < 0; }))
    return node.error("negative axes are only defined from opset 11");
  return reduce(node, Kind, axes, /*noopWithEmptyAxes=*/false);
}

template <nn::ReduceKind Kind> LogicalResult importReduceAxesInput(NodeImporter &node) {
  bool noop = node.getIntAttr("noop_with_empty_axes", 0) != 0;
  SmallVector<int64_t> axes;
  if (node.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> given = node.getIntsInput(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  return reduce(node, Kind, axes, noop);
}

//===----------------------------------------------------------------------===//
// ArgMax, ArgMin, TopK, CumSum
//===----------------------------------------------------------------------===//

template <typename OpT> LogicalResult importArg(NodeImporter &node) {
  FailureOr<Value> input = node.getInput(0);
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  bool keepDims = node.getIntAttr("keepdims", 1) != 0;
  bool selectLast = node.getOpset() >= 12 && node.getIntAttr("select_last_index", 0) != 0;
  FailureOr<OpT> op = node.create<OpT>(*input, *axis, keepDims, selectLast);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importTopK(NodeImporter &node) {
  FailureOr<Value> input = node.getInput(0);
  FailureOr<int64_t> k = node.getIntInput(1, "K");
  if (failed(input) || failed(k))
    return failure();
  if (*k < 0)
    return node.error("K must be non-negative, not " + Twine(*k));
  auto type = llvm::cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getIntAttr("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  bool largest = node.getIntAttr("largest", 1) != 0;
  bool sorted = node.getIntAttr("sorted", 1) != 0;
  FailureOr<nn::TopKOp> op = node.create<nn::TopKOp>(*input, *k, *axis, !largest, !sorted);
  if (failed(op))
    return failure();
  if (failed(node.setResult(0, op->getValues())))
    return failure();
  return node.setResult(1, op->getIndices());
}

LogicalResult importCumSum(NodeImporter &node) {
  FailureOr<Value> input = node.getInput(0);
  FailureOr<int64_t> axisValue = node.getIntInput(1, "axis");
  if (failed(input) || failed(axisValue))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis = node.normalizeAxis(*axisValue, type.getRank());
  if (failed(axis))
    return failure();
  bool exclusive = node.getIntAttr("exclusive", 0) != 0;
  bool reverse = node.getIntAttr("reverse", 0) != 0;
  FailureOr<nn::CumSumOp> op = node.create<nn::CumSumOp>(*input, *axis, exclusive, reverse);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// ReduceSum took its axes as an input from opset 13, the others from 18.
/// Models older than opset 11 use the first schema (no negative axes).
template <nn::ReduceKind Kind>
void addReduce(HandlerTable &table, StringRef opType, int64_t inputSince) {
  table.add(opType, 1, kMinOpset - 1, importReduceAxesAttrV1<Kind>);
  table.add(opType, kMinOpset, inputSince - 1, importReduceAxesAttr<Kind>);
  table.add(opType, inputSince, kMaxOpset, importReduceAxesInput<Kind>);
}

} // namespace

void addPoolReduceHandlers(HandlerTable &table) {
  table.add("MaxPool", kMinOpset, kMaxOpset, importMaxPool);
  table.add("AveragePool", kMinOpset, kMaxOpset, importAveragePool);
  table.add("GlobalMaxPool", kMinOpset, kMaxOpset, importGlobalMaxPool);
  table.add("GlobalAveragePool", kMinOpset, kMaxOpset, importGlobalAveragePool);

  using nn::ReduceKind;
  addReduce<ReduceKind::sum>(table, "ReduceSum", 13);
  addReduce<ReduceKind::mean>(table, "ReduceMean", 18);
  addReduce<ReduceKind::max>(table, "ReduceMax", 18);
  addReduce<ReduceKind::min>(table, "ReduceMin", 18);
  addReduce<ReduceKind::prod>(table, "ReduceProd", 18);
  addReduce<ReduceKind::l1>(table, "ReduceL1", 18);
  addReduce<ReduceKind::l2>(table, "ReduceL2", 18);
  addReduce<ReduceKind::sum_square>(table, "ReduceSumSquare", 18);
  addReduce<ReduceKind::log_sum>(table, "ReduceLogSum", 18);
  addReduce<ReduceKind::log_sum_exp>(table, "ReduceLogSumExp", 18);

  table.add("ArgMax", kMinOpset, kMaxOpset, importArg<nn::ArgMaxOp>);
  table.add("ArgMin", kMinOpset, kMaxOpset, importArg<nn::ArgMinOp>);
  table.add("TopK", kMinOpset, kMaxOpset, importTopK);
  table.add("CumSum", kMinOpset, kMaxOpset, importCumSum);
}

} // namespace kiln::onnx_import
