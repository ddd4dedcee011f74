//===- NNNormOps.cpp - normalizations and softmax -------------------------===//

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNOpUtils.h"
#include "dialects/nn/NNShapes.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::nn::detail;

/// Shared by the per-channel normalizations: checks the input's rank and that
/// each parameter is 1-D with one entry per channel and the input's element
/// type; returns the channel count.
static FailureOr<int64_t>
verifyChannelNorm(std::optional<Location> location, Value inputValue, LayoutAttr layout,
                  int64_t minRank, ArrayRef<std::pair<StringRef, Value>> params) {
  auto input = llvm::cast<RankedTensorType>(inputValue.getType());
  if (input.getRank() < minRank)
    return shapeError(location, "input must have rank " + Twine(minRank) +
                                    " or more, got " + Twine(input.getRank()));
  int64_t channels = input.getDimSize(
      layoutOr(layout) == Layout::channels_last ? input.getRank() - 1 : 1);
  for (auto [name, value] : params) {
    auto type = llvm::cast<RankedTensorType>(value.getType());
    if (type.getElementType() != input.getElementType())
      return shapeError(location, Twine(name) + " element type differs from the input's");
    if (type.getRank() != 1 || !sizesCompatible(type.getDimSize(0), channels))
      return shapeError(location, Twine(name) +
                                      " must be 1-D with one entry per channel (" +
                                      Twine(channels) + ")");
  }
  return channels;
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(verifyChannelNorm(location, adaptor.getInput(), adaptor.getLayoutAttr(), 2,
                               {{"scale", adaptor.getScale()},
                                {"bias", adaptor.getBias()},
                                {"mean", adaptor.getMean()},
                                {"variance", adaptor.getVariance()}})))
    return failure();
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult InstanceNormOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> location,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &inferred) {
  if (failed(verifyChannelNorm(
          location, adaptor.getInput(), adaptor.getLayoutAttr(), 3,
          {{"scale", adaptor.getScale()}, {"bias", adaptor.getBias()}})))
    return failure();
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult GroupNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  FailureOr<int64_t> channels =
      verifyChannelNorm(location, adaptor.getInput(), adaptor.getLayoutAttr(), 3,
                        {{"scale", adaptor.getScale()}, {"bias", adaptor.getBias()}});
  if (failed(channels))
    return failure();
  int64_t groups = adaptor.getGroupsAttr() ? adaptor.getGroupsAttr().getInt() : 0;
  if (groups <= 0)
    return shapeError(location, "groups must be positive");
  if (!ShapedType::isDynamic(*channels) && *channels % groups != 0)
    return shapeError(location, Twine(*channels) + " channels are not divisible into " +
                                    Twine(groups) + " groups");
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LRNOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                      Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  if (failed(verifyChannelNorm(location, adaptor.getInput(), adaptor.getLayoutAttr(), 3,
                               {})))
    return failure();
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(location, axis, input.getRank())))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (auto [name, value] : {std::pair<StringRef, Value>{"scale", adaptor.getScale()},
                             {"bias", adaptor.getBias()}}) {
    if (!value)
      continue;
    auto type = llvm::cast<RankedTensorType>(value.getType());
    if (type.getElementType() != input.getElementType())
      return shapeError(location, Twine(name) + " element type differs from the input's");
    if (!broadcastsTo(type.getShape(), normalized))
      return shapeError(location,
                        Twine(name) + " does not broadcast to the normalized dimensions");
  }
  inferred.push_back(input);
  return success();
}

static LogicalResult inferSoftmax(std::optional<Location> location, Value inputValue,
                                  int64_t axis, SmallVectorImpl<Type> &inferred) {
  auto input = llvm::cast<RankedTensorType>(inputValue.getType());
  if (failed(verifyAxis(location, axis, input.getRank())))
    return failure();
  inferred.push_back(input);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferSoftmax(location, adaptor.getInput(), adaptor.getAxis(), inferred);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> location,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  return inferSoftmax(location, adaptor.getInput(), adaptor.getAxis(), inferred);
}
