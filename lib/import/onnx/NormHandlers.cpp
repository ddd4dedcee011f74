//===- NormHandlers.cpp - normalizations, LRN, softmax and relatives ------===//
//
// Softmax, LogSoftmax and Hardmax before opset 13 work on the input coerced
// to 2-D at `axis` (everything from `axis` on is one row); the importer
// flattens, applies the op on the last axis and reshapes back, unless the
// axis is already the last. Hardmax becomes arg_max + equal + cast.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// Epsilon as the F32 the nn ops store.
llvm::APFloat readEpsilon(NodeImporter &node) {
  return llvm::APFloat(node.getFloatAttr("epsilon", 1e-5f));
}

/// mean((x − mean)²) over `axes`, kept as 1s: the population variance of `x`
/// around its `mean` (reduced over the same axes, kept).
FailureOr<Value> populationVariance(NodeImporter &node, Value x, Value mean,
                                    ArrayRef<int64_t> axes) {
  FailureOr<nn::SubOp> centered = node.create<nn::SubOp>(x, mean);
  if (failed(centered))
    return failure();
  FailureOr<nn::MulOp> squared = node.create<nn::MulOp>(*centered, *centered);
  if (failed(squared))
    return failure();
  FailureOr<nn::ReduceOp> variance = node.create<nn::ReduceOp>(
      squared->getResult(), nn::ReduceKind::mean, axes, /*keep_dims=*/true);
  if (failed(variance))
    return failure();
  return variance->getResult();
}

/// BatchNormalization in training mode (opsets 14 on), as its schema
/// defines it: the batch's own statistics, the mean and the population
/// variance over every axis but the channels (1), normalize `x`; the optional
/// outputs are the running statistics updated with them, `running · momentum
/// + batch · (1 − momentum)`.
LogicalResult batchNormTraining(NodeImporter &node, Value x, ArrayRef<Value> params,
                                llvm::APFloat epsilon) {
  float momentum = node.getFloatAttr("momentum", 0.9f);
  auto type = llvm::cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2)
    return node.error("training mode needs an input with a batch and a channel "
                      "dimension");
  SmallVector<int64_t> axes = {0};
  llvm::append_range(axes, llvm::seq<int64_t>(2, type.getRank()));
  int64_t channels = type.getDimSize(1);
  FailureOr<nn::ReduceOp> meanKept =
      node.create<nn::ReduceOp>(x, nn::ReduceKind::mean, axes, /*keep_dims=*/true);
  if (failed(meanKept))
    return failure();
  FailureOr<Value> varianceKept = populationVariance(node, x, *meanKept, axes);
  if (failed(varianceKept))
    return failure();
  FailureOr<Value> mean = node.reshape(*meanKept, {channels});
  FailureOr<Value> variance = node.reshape(*varianceKept, {channels});
  if (failed(mean) || failed(variance))
    return failure();
  FailureOr<nn::BatchNormOp> op =
      node.create<nn::BatchNormOp>(x, params[0], params[1], *mean, *variance, epsilon,
                                   nn::Layout::channels_first);
  if (failed(op) || failed(node.setResult(0, *op)))
    return failure();

  Type element = type.getElementType();
  auto update = [&](size_t output, Value running, Value batch) -> LogicalResult {
    if (!node.hasOutput(output))
      return success();
    FailureOr<nn::MulOp> kept =
        node.create<nn::MulOp>(running, node.createScalar(element, momentum));
    FailureOr<nn::MulOp> added =
        node.create<nn::MulOp>(batch, node.createScalar(element, 1.0 - momentum));
    if (failed(kept) || failed(added))
      return failure();
    FailureOr<nn::AddOp> sum = node.create<nn::AddOp>(*kept, *added);
    if (failed(sum))
      return failure();
    return node.setResult(output, *sum);
  };
  if (failed(update(1, params[2], *mean)))
    return failure();
  return update(2, params[3], *variance);
}

LogicalResult importBatchNormalization(NodeImporter &node) {
  llvm::APFloat epsilon = readEpsilon(node);
  bool training = node.getOpset() >= 14 && node.getIntAttr("training_mode", 0) != 0;
  if (!training) {
    // Momentum updates running statistics in training only.
    node.ignoreAttr("momentum");
    if (failed(node.checkNoOutputsBeyond(1, "running statistics exist in training only")))
      return failure();
  }
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  // BatchNormalization-15 lets scale, bias and statistics have their own types.
  Type element = llvm::cast<RankedTensorType>(x->getType()).getElementType();
  SmallVector<Value> params;
  for (size_t i = 1; i <= 4; ++i) {
    FailureOr<Value> param = node.getInputAs(i, element);
    if (failed(param))
      return failure();
    params.push_back(*param);
  }
  if (training)
    return batchNormTraining(node, *x, params, epsilon);
  FailureOr<nn::BatchNormOp> op =
      node.create<nn::BatchNormOp>(*x, params[0], params[1], params[2], params[3],
                                   epsilon, nn::Layout::channels_first);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// stash_type says in which precision the statistics are computed; nn ops
/// use at least FP32, which is what the default (1, float) asks.
LogicalResult checkStashType(NodeImporter &node) {
  int64_t stash = node.getIntAttr("stash_type", onnx::TensorProto::FLOAT);
  if (stash != onnx::TensorProto::FLOAT)
    return node.error("stash_type " + dataTypeName(stash) +
                      " is not supported (statistics are computed in FP32)");
  return success();
}

/// LayerNormalization's optional Mean and InvStdDev outputs, as ONNX's
/// function body defines them, in the stash type (FP32) over the normalized
/// dimensions (kept as 1s): mean(x) and 1 / sqrt(mean((x - mean)²) + eps).
LogicalResult layerNormStatistics(NodeImporter &node, Value x, int64_t axis,
                                  float epsilon) {
  if (!node.hasOutput(1) && !node.hasOutput(2))
    return success();
  Type f32 = node.getBuilder().getF32Type();
  Value stash = node.castTo(x, f32);
  int64_t rank = llvm::cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(axis, rank));
  FailureOr<nn::ReduceOp> mean =
      node.create<nn::ReduceOp>(stash, nn::ReduceKind::mean, axes, /*keep_dims=*/true);
  if (failed(mean) || failed(node.setResult(1, *mean)))
    return failure();
  if (!node.hasOutput(2))
    return success();
  FailureOr<Value> variance = populationVariance(node, stash, *mean, axes);
  if (failed(variance))
    return failure();
  FailureOr<nn::AddOp> shifted =
      node.create<nn::AddOp>(*variance, node.createScalar(f32, epsilon));
  if (failed(shifted))
    return failure();
  FailureOr<nn::SqrtOp> deviation = node.create<nn::SqrtOp>(shifted->getResult());
  if (failed(deviation))
    return failure();
  FailureOr<nn::ReciprocalOp> inverse =
      node.create<nn::ReciprocalOp>(deviation->getResult());
  if (failed(inverse))
    return failure();
  return node.setResult(2, *inverse);
}

LogicalResult importLayerNormalization(NodeImporter &node) {
  llvm::APFloat epsilon = readEpsilon(node);
  if (failed(checkStashType(node)))
    return failure();
  FailureOr<Value> x = node.getInput(0), scale = node.getInput(1),
                   bias = node.getOptionalInput(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  FailureOr<nn::LayerNormOp> op =
      node.create<nn::LayerNormOp>(*x, *scale, *bias, *axis, epsilon);
  if (failed(op) || failed(node.setResult(0, *op)))
    return failure();
  return layerNormStatistics(node, *x, *axis, epsilon.convertToFloat());
}

LogicalResult importInstanceNormalization(NodeImporter &node) {
  llvm::APFloat epsilon = readEpsilon(node);
  FailureOr<Value> x = node.getInput(0), scale = node.getInput(1), bias = node.getInput(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  FailureOr<nn::InstanceNormOp> op = node.create<nn::InstanceNormOp>(
      *x, *scale, *bias, epsilon, nn::Layout::channels_first);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// Opset 18's per-group scale or bias repeated for each channel of its group.
FailureOr<Value> expandPerGroup(NodeImporter &node, Value perGroup, int64_t groups,
                                int64_t channels) {
  auto type = llvm::cast<RankedTensorType>(perGroup.getType());
  if (type.getRank() != 1 || type.getDimSize(0) != groups) {
    node.emitError() << "per-group scale and bias must have " << groups
                     << " entries, got " << type;
    return failure();
  }
  FailureOr<Value> column = node.reshape(perGroup, {groups, 1});
  if (failed(column))
    return failure();
  FailureOr<nn::ExpandOp> wide =
      node.create<nn::ExpandOp>(*column, ArrayRef<int64_t>{groups, channels / groups});
  if (failed(wide))
    return failure();
  return node.reshape(*wide, {channels});
}

/// Opset 18 gives scale and bias per group; 21 per channel, with stash_type.
template <bool PerChannel> LogicalResult importGroupNormalization(NodeImporter &node) {
  llvm::APFloat epsilon = readEpsilon(node);
  FailureOr<int64_t> groups = node.getRequiredIntAttr("num_groups");
  if (failed(groups))
    return failure();
  if (PerChannel && failed(checkStashType(node)))
    return failure();
  FailureOr<Value> x = node.getInput(0), scale = node.getInput(1), bias = node.getInput(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (type.getRank() < 3 || *groups <= 0 || type.getDimSize(1) % *groups != 0)
    return node.error("needs an N x C x D... input whose " + Twine(type.getDimSize(1)) +
                      " channels divide into " + Twine(*groups) + " groups");
  if (!PerChannel) {
    int64_t channels = type.getDimSize(1);
    scale = expandPerGroup(node, *scale, *groups, channels);
    bias = expandPerGroup(node, *bias, *groups, channels);
    if (failed(scale) || failed(bias))
      return failure();
  }
  FailureOr<nn::GroupNormOp> op = node.create<nn::GroupNormOp>(
      *x, *scale, *bias, *groups, epsilon, nn::Layout::channels_first);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importLRN(NodeImporter &node) {
  FailureOr<int64_t> size = node.getRequiredIntAttr("size");
  float alpha = node.getFloatAttr("alpha", 1e-4f), beta = node.getFloatAttr("beta", 0.75f),
        bias = node.getFloatAttr("bias", 1.0f);
  FailureOr<Value> x = node.getInput(0);
  if (failed(size) || failed(x))
    return failure();
  FailureOr<nn::LRNOp> op =
      node.create<nn::LRNOp>(*x, *size, llvm::APFloat(alpha), llvm::APFloat(beta),
                             llvm::APFloat(bias), nn::Layout::channels_first);
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

//===----------------------------------------------------------------------===//
// Softmax, LogSoftmax, Hardmax
//===----------------------------------------------------------------------===//

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

/// The op along `axis` of `x`.
FailureOr<Value> softmaxAlong(NodeImporter &node, SoftmaxKind kind, Value x, int64_t axis) {
  if (kind == SoftmaxKind::Softmax) {
    FailureOr<nn::SoftmaxOp> op = node.create<nn::SoftmaxOp>(x, axis);
    return failed(op) ? FailureOr<Value>(failure()) : FailureOr<Value>(op->getResult());
  }
  if (kind == SoftmaxKind::LogSoftmax) {
    FailureOr<nn::LogSoftmaxOp> op = node.create<nn::LogSoftmaxOp>(x, axis);
    return failed(op) ? FailureOr<Value>(failure()) : FailureOr<Value>(op->getResult());
  }
  // Hardmax: 1 where the index equals the first maximum's, else 0.
  auto type = llvm::cast<RankedTensorType>(x.getType());
  FailureOr<nn::ArgMaxOp> argmax =
      node.create<nn::ArgMaxOp>(x, axis, /*keep_dims=*/true, /*select_last_index=*/false);
  if (failed(argmax))
    return failure();
  int64_t size = type.getDimSize(axis);
  // The indices along the axis become a constant of that many int64s.
  constexpr int64_t kMaxHardmaxAxis = int64_t(1) << 24;
  if (size > kMaxHardmaxAxis) {
    (void)node.error("Hardmax over an axis of " + Twine(size) + " elements: Kiln supports " +
                     Twine(kMaxHardmaxAxis) + " at most (its index table is a constant)");
    return failure();
  }
  SmallVector<int64_t> iotaShape(type.getRank(), 1);
  iotaShape[axis] = size;
  auto iotaType = RankedTensorType::get(iotaShape, node.getBuilder().getI64Type());
  Value iota = node.createConstant(
      makeIntAttr(iotaType, llvm::to_vector(llvm::seq<int64_t>(0, size))));
  FailureOr<nn::EqualOp> hit = node.create<nn::EqualOp>(iota, argmax->getResult());
  if (failed(hit))
    return failure();
  return node.castTo(*hit, type.getElementType());
}

template <SoftmaxKind Kind> LogicalResult importSoftmax13(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  FailureOr<int64_t> axis = node.normalizeAxis(node.getIntAttr("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result = softmaxAlong(node, Kind, *x, *axis);
  if (failed(result))
    return failure();
  return node.setResult(0, *result);
}

template <SoftmaxKind Kind> LogicalResult importSoftmax11(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  // Before opset 13 the axis (default 1) splits the input into a matrix.
  int64_t axisAttr = node.getIntAttr("axis", 1);
  if (rank == 0)
    return node.error("the input is a scalar, which has no axis");
  if (axisAttr < -rank || axisAttr >= rank)
    return node.error("axis " + Twine(axisAttr) + " is out of range for rank " +
                      Twine(rank) + " (expected " + Twine(-rank) + " to " + Twine(rank - 1) +
                      ")");
  int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (rank > 0 && axis == rank - 1) {
    FailureOr<Value> result = softmaxAlong(node, Kind, *x, axis);
    if (failed(result))
      return failure();
    return node.setResult(0, *result);
  }
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d)
    rows *= type.getDimSize(d);
  int64_t columns = rows ? type.getNumElements() / rows : 0;
  FailureOr<Value> matrix = node.reshape(*x, {rows, columns});
  if (failed(matrix))
    return failure();
  FailureOr<Value> result = softmaxAlong(node, Kind, *matrix, 1);
  if (failed(result))
    return failure();
  FailureOr<Value> restored = node.reshape(*result, type.getShape());
  if (failed(restored))
    return failure();
  return node.setResult(0, *restored);
}

template <SoftmaxKind Kind>
void addSoftmax(HandlerTable &table, StringRef opType) {
  table.add(opType, kMinOpset, 12, importSoftmax11<Kind>);
  table.add(opType, 13, kMaxOpset, importSoftmax13<Kind>);
}

} // namespace

void addNormHandlers(HandlerTable &table) {
  table.add("BatchNormalization", kMinOpset, kMaxOpset, importBatchNormalization);
  table.add("LayerNormalization", 17, kMaxOpset, importLayerNormalization);
  table.add("InstanceNormalization", kMinOpset, kMaxOpset, importInstanceNormalization);
  table.add("GroupNormalization", 18, 20, importGroupNormalization<false>);
  table.add("GroupNormalization", 21, kMaxOpset, importGroupNormalization<true>);
  table.add("LRN", kMinOpset, kMaxOpset, importLRN);
  addSoftmax<SoftmaxKind::Softmax>(table, "Softmax");
  addSoftmax<SoftmaxKind::LogSoftmax>(table, "LogSoftmax");
  addSoftmax<SoftmaxKind::Hardmax>(table, "Hardmax");
}

} // namespace kiln::onnx_import
