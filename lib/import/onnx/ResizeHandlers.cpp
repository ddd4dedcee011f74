//===- ResizeHandlers.cpp - Resize and Upsample ---------------------------===//
//
// Resize grew over its versions: opset 11 added roi, sizes and the
// coordinate transforms (tf_half_pixel_for_nn only until 12), 13 made roi
// and scales optional, 18 added axes, keep_aspect_ratio_policy and
// antialias, 19 half_pixel_symmetric. Each range is a handler over one
// shared reader. The output shape must be known at import (constant scales
// or sizes); the nn op keeps the scales when the model gave scales, since
// the coordinate transform uses them rather than the ratio of sizes, and the
// region of interest of tf_crop_and_resize (a constant roi input), the only
// transform that reads it.
//
// Upsample only exists up to opset 10 (deprecated there); it is a nearest or
// linear resize with asymmetric coordinates.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// What a resize computes once its attributes and inputs are read.
struct ResizeSpec {
  nn::ResizeMode mode = nn::ResizeMode::nearest;
  nn::CoordinateTransform transform = nn::CoordinateTransform::half_pixel;
  nn::NearestMode nearestMode = nn::NearestMode::round_prefer_floor;
  float cubicCoeffA = -0.75f;
  bool excludeOutside = false;
  float extrapolationValue = 0.0f;
  SmallVector<int64_t> outputShape;
  /// Per dimension; empty when the model gave sizes (scales follow from them).
  SmallVector<float> scales;
  /// Every dimension's start, then every end; empty for the whole input.
  SmallVector<float> roi;
};

LogicalResult emitResize(NodeImporter &node, const ResizeSpec &spec) {
  bool nearest = spec.mode == nn::ResizeMode::nearest;
  // Nearest-neighbour resizing picks values, so it commutes with quantization.
  FailureOr<Value> input = nearest ? node.getInputKeepQuantized(0) : node.getInput(0);
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  auto arrayOrNull = [&](ArrayRef<float> values) {
    return values.empty() ? DenseF32ArrayAttr()
                          : node.getBuilder().getDenseF32ArrayAttr(values);
  };
  auto op = nn::ResizeOp::create(node.getBuilder(), node.getLoc(),
                                 type.clone(spec.outputShape), *input, spec.mode,
                                 spec.transform, spec.nearestMode,
                                 llvm::APFloat(spec.cubicCoeffA), spec.excludeOutside,
                                 llvm::APFloat(spec.extrapolationValue),
                                 arrayOrNull(spec.scales), arrayOrNull(spec.roi));
  return node.setResult(0, op);
}

/// Output sizes from scales: floor(size · scale), as ONNX's reference.
SmallVector<int64_t> scaledShape(ArrayRef<int64_t> shape, ArrayRef<float> scales) {
  SmallVector<int64_t> out;
  for (auto [size, scale] : llvm::zip(shape, scales))
    out.push_back(static_cast<int64_t>(std::floor(size * static_cast<double>(scale))));
  return out;
}

LogicalResult readResizeAttributes(NodeImporter &node, ResizeSpec &spec) {
  std::string mode = node.getStringAttr("mode", "nearest");
  std::optional<nn::ResizeMode> parsedMode = nn::symbolizeResizeMode(mode);
  if (!parsedMode)
    return node.error("mode '" + mode + "' is not supported");
  spec.mode = *parsedMode;

  std::string transform = node.getStringAttr("coordinate_transformation_mode", "half_pixel");
  std::optional<nn::CoordinateTransform> parsedTransform =
      nn::symbolizeCoordinateTransform(transform);
  // Each version defines its own list: half_pixel_symmetric from 19,
  // tf_half_pixel_for_nn up to 12.
  bool known = parsedTransform &&
               (*parsedTransform != nn::CoordinateTransform::half_pixel_symmetric ||
                node.getOpset() >= 19) &&
               (*parsedTransform != nn::CoordinateTransform::tf_half_pixel_for_nn ||
                node.getOpset() <= 12);
  if (!known)
    return node.error("coordinate_transformation_mode '" + transform +
                      "' is not defined at opset " + Twine(node.getOpset()));
  spec.transform = *parsedTransform;

  std::string nearestMode = node.getStringAttr("nearest_mode", "round_prefer_floor");
  std::optional<nn::NearestMode> parsedNearest = nn::symbolizeNearestMode(nearestMode);
  if (!parsedNearest)
    return node.error("nearest_mode '" + nearestMode + "' is not supported");
  spec.nearestMode = *parsedNearest;
  spec.cubicCoeffA = node.getFloatAttr("cubic_coeff_a", -0.75f);
  spec.excludeOutside = node.getIntAttr("exclude_outside", 0) != 0;
  // Only tf_crop_and_resize extrapolates; elsewhere the value is unused.
  spec.extrapolationValue = node.getFloatAttr("extrapolation_value", 0.0f);
  if (spec.transform != nn::CoordinateTransform::tf_crop_and_resize)
    spec.extrapolationValue = 0.0f;
  return success();
}

/// Resize-18's antialias stretches the linear and cubic filters by
/// max(1, 1 / scale): it changes nothing for nearest, nor where no dimension
/// shrinks. nn.resize has no stretched filter for the rest.
LogicalResult checkAntialias(NodeImporter &node, const ResizeSpec &spec) {
  if (node.getOpset() < 18)
    return success();
  int64_t antialias = node.getIntAttr("antialias", 0);
  if (antialias == 0 || spec.mode == nn::ResizeMode::nearest)
    return success();
  ArrayRef<int64_t> shape = node.getInputType(0).getShape();
  for (auto [d, size] : llvm::enumerate(spec.outputShape)) {
    bool shrinks = spec.scales.empty() ? size < shape[d] : spec.scales[d] < 1.0f;
    if (shrinks)
      return node.error("attribute 'antialias' = " + Twine(antialias) +
                        " is not supported when downsampling (dimension " + Twine(d) +
                        "): nn.resize has no antialiasing filter for " +
                        nn::stringifyResizeMode(spec.mode) + " resizing");
  }
  return success();
}

/// The region of interest of tf_crop_and_resize (input 1, normalized starts
/// then ends of the dimensions `axes`), spread over every dimension: those
/// not in `axes` keep the whole input. Other transforms ignore roi.
LogicalResult readResizeRoi(NodeImporter &node, ArrayRef<int64_t> axes, int64_t rank,
                            ResizeSpec &spec) {
  if (spec.transform != nn::CoordinateTransform::tf_crop_and_resize)
    return success();
  RankedTensorType type = node.getInputType(1);
  if (!node.hasInput(1) || !type || type.getNumElements() == 0)
    return success(); // ONNX's default: [0, 1] for every dimension
  FailureOr<SmallVector<double>> roi = node.getFloatsInput(1, "roi");
  if (failed(roi))
    return failure();
  int64_t count = static_cast<int64_t>(axes.size());
  if (static_cast<int64_t>(roi->size()) != 2 * count)
    return node.error("roi has " + Twine(roi->size()) + " values, expected " +
                      Twine(2 * count) + " (a start and an end for each of the " +
                      Twine(count) + " resized dimensions)");
  if (llvm::any_of(*roi, [](double v) { return !std::isfinite(v); }))
    return node.error("roi values must be finite");
  spec.roi.assign(rank, 0.0f);
  spec.roi.append(rank, 1.0f);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    spec.roi[axis] = static_cast<float>((*roi)[i]);
    spec.roi[rank + axis] = static_cast<float>((*roi)[count + i]);
  }
  return success();
}

/// Reads scales (input 2) or sizes (input 3), for the dimensions `axes`
/// (opset 18) or all, with keep_aspect_ratio_policy applied to sizes.
LogicalResult readResizeTarget(NodeImporter &node, ResizeSpec &spec) {
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::string policy = "stretch";
  if (node.getOpset() >= 18) {
    if (std::optional<SmallVector<int64_t>> given = node.getOptionalIntsAttr("axes")) {
      FailureOr<SmallVector<int64_t>> normalized =
          node.normalizeAxes(*given, rank, /*sortUnique=*/false);
      if (failed(normalized))
        return failure();
      axes = *normalized;
    }
    policy = node.getStringAttr("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      return node.error("keep_aspect_ratio_policy '" + policy + "' is not supported");
  }
  // An empty tensor stands for an omitted input (opset 11 needs scales
  // present even when sizes are given).
  auto given = [&](size_t i) {
    RankedTensorType t = node.getInputType(i);
    return node.hasInput(i) && t && t.getNumElements() > 0;
  };
  if (given(2) == given(3))
    return node.error("needs exactly one of scales and sizes");
  if (failed(readResizeRoi(node, axes, rank, spec)))
    return failure();

  if (given(2)) {
    FailureOr<SmallVector<double>> scales = node.getFloatsInput(2, "scales");
    if (failed(scales))
      return failure();
    if (scales->size() != axes.size())
      return node.error(Twine(scales->size()) + " scales for " + Twine(axes.size()) +
                        " resized dimensions");
    spec.scales.assign(rank, 1.0f);
    for (auto [axis, scale] : llvm::zip(axes, *scales)) {
      if (!(scale > 0))
        return node.error("scales must be positive");
      spec.scales[axis] = static_cast<float>(scale);
    }
    spec.outputShape = scaledShape(shape, spec.scales);
    return success();
  }

  FailureOr<SmallVector<int64_t>> sizes = node.getIntsInput(3, "sizes");
  if (failed(sizes))
    return failure();
  if (sizes->size() != axes.size())
    return node.error(Twine(sizes->size()) + " sizes for " + Twine(axes.size()) +
                      " resized dimensions");
  spec.outputShape.assign(shape.begin(), shape.end());
  if (policy == "stretch") {
    for (auto [axis, size] : llvm::zip(axes, *sizes))
      spec.outputShape[axis] = size;
    return success();
  }
  // One scale for every resized axis, the smallest (not_larger) or the
  // largest (not_smaller) of the requested ratios; sizes round half up.
  double scale = policy == "not_larger" ? INFINITY : 0.0;
  for (auto [axis, size] : llvm::zip(axes, *sizes)) {
    double ratio = static_cast<double>(size) / shape[axis];
    scale = policy == "not_larger" ? std::min(scale, ratio) : std::max(scale, ratio);
  }
  spec.scales.assign(rank, 1.0f);
  for (int64_t axis : axes) {
    spec.scales[axis] = static_cast<float>(scale);
    spec.outputShape[axis] = static_cast<int64_t>(scale * shape[axis] + 0.5);
  }
  return success();
}

LogicalResult importResize(NodeImporter &node) {
  ResizeSpec spec;
  if (failed(readResizeAttributes(node, spec)) || failed(readResizeTarget(node, spec)) ||
      failed(checkAntialias(node, spec)))
    return failure();
  return emitResize(node, spec);
}

/// Upsample's scales come from an attribute (opsets 7-8) or an input (9-10).
LogicalResult upsample(NodeImporter &node, ArrayRef<float> scales) {
  ResizeSpec spec;
  std::string mode = node.getStringAttr("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return node.error("mode '" + mode + "' is not supported");
  spec.mode = mode == "nearest" ? nn::ResizeMode::nearest : nn::ResizeMode::linear;
  spec.transform = nn::CoordinateTransform::asymmetric;
  spec.nearestMode = nn::NearestMode::floor;
  RankedTensorType type = node.getInputType(0);
  if (static_cast<int64_t>(scales.size()) != type.getRank())
    return node.error("expected one scale per dimension");
  if (llvm::any_of(scales, [](float s) { return !(s >= 1); }))
    return node.error("Upsample scales must be at least 1");
  spec.scales.assign(scales.begin(), scales.end());
  spec.outputShape = scaledShape(type.getShape(), spec.scales);
  return emitResize(node, spec);
}

LogicalResult importUpsample7(NodeImporter &node) {
  return upsample(node, node.getFloatsAttr("scales"));
}

LogicalResult importUpsample9(NodeImporter &node) {
  FailureOr<SmallVector<double>> scales = node.getFloatsInput(1, "scales");
  if (failed(scales))
    return failure();
  SmallVector<float> values(scales->begin(), scales->end());
  return upsample(node, values);
}

} // namespace

void addResizeHandlers(HandlerTable &table) {
  // The versions differ in which attributes exist; one reader checks them by
  // opset, so the ranges share a handler.
  table.add("Resize", kMinOpset, kMaxOpset, importResize);
  // Upsample predates the opsets Kiln targets and was deprecated in 10;
  // models exported for those opsets still use it.
  table.add("Upsample", 7, 8, importUpsample7);
  table.add("Upsample", 9, 10, importUpsample9);
}

} // namespace kiln::onnx_import
