//===- ResizeOp.cpp - reference kernel of nn.resize -----------------------===//
//
// ONNX Resize (opset 18+ semantics) over every dimension: each output
// coordinate maps to an input coordinate by the coordinate transform, then
// each dimension contributes its taps (one for nearest, two for linear, four
// for cubic) and the output is the weighted sum over the product of taps.
// Coordinates and weights are computed in float, as onnxruntime does, so
// nearest-neighbour ties and linear weights land where its do (align_corners
// with scales follows ONNX, where onnxruntime does not: originalCoordinate).
//
//===----------------------------------------------------------------------===//

#include "kiln/reference/ResizeTaps.h"

#include "Kernels.h"

#include <cmath>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;


/// Input coordinate of output coordinate `x` along a dimension resized from
/// `inLength` to `outLength` by `scale`. `resizedLength` is ONNX's
/// `length_resized` of align_corners: `scale · inLength` when scales are
/// given (ONNX defines scale = length_resized / length_original; fractional
/// then, as ONNX's reference implementation and backend tests have it, see
/// onnx/onnx#2462 — onnxruntime uses the integer outLength instead), else the
/// output size. tf_crop_and_resize samples the region of interest
/// [roiStart, roiEnd] (normalized; ONNX's default is [0, 1], the whole input)
/// at the integer output size, as onnxruntime.
static float originalCoordinate(CoordinateTransform transform, float x, float scale,
                                float outLength, float inLength, float resizedLength,
                                float roiStart, float roiEnd) {
  switch (transform) {
  case CoordinateTransform::half_pixel:
    return (x + 0.5f) / scale - 0.5f;
  case CoordinateTransform::half_pixel_symmetric: {
    float adjustment = outLength / (scale * inLength);
    float center = inLength / 2;
    float offset = center * (1 - adjustment);
    return offset + ((x + 0.5f) / scale - 0.5f);
  }
  case CoordinateTransform::pytorch_half_pixel:
    return outLength > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
  case CoordinateTransform::align_corners:
    return resizedLength == 1 ? 0.0f : x * (inLength - 1) / (resizedLength - 1);
  case CoordinateTransform::asymmetric:
    return x / scale;
  case CoordinateTransform::tf_crop_and_resize:
    return outLength > 1
               ? roiStart * (inLength - 1) +
                     (x * (roiEnd - roiStart) * (inLength - 1)) / (outLength - 1)
               : static_cast<float>(0.5 * (roiStart + roiEnd) * (inLength - 1));
  case CoordinateTransform::tf_half_pixel_for_nn:
    return (x + 0.5f) / scale;
  }
  llvm_unreachable("unknown coordinate transform");
}

/// onnxruntime's rounding of a nearest-neighbour coordinate.
static int64_t nearestPixel(NearestMode mode, float x) {
  switch (mode) {
  case NearestMode::round_prefer_floor:
    if (x == static_cast<float>(static_cast<int64_t>(x)) + 0.5f)
      return static_cast<int64_t>(std::floor(x));
    return static_cast<int64_t>(std::round(x));
  case NearestMode::round_prefer_ceil:
    return static_cast<int64_t>(std::round(x));
  case NearestMode::floor:
    return static_cast<int64_t>(std::floor(x));
  case NearestMode::ceil:
    return static_cast<int64_t>(std::ceil(x));
  }
  llvm_unreachable("unknown nearest mode");
}

/// Keys' cubic convolution weights of the four taps around a coordinate
/// whose fractional part is `s`, with coefficient `a`.
static std::array<float, 4> cubicCoefficients(float s, float a) {
  float t = std::fabs(s);
  return {((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
          ((a + 2) * t - (a + 3)) * t * t + 1,
          ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
          ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a};
}

/// The taps of output coordinate `x` along a dimension.
static ResizeTaps dimensionTaps(ResizeOp op, int64_t x, float scale, int64_t outLength,
                                int64_t inLength, float resizedLength, float roiStart,
                                float roiEnd) {
  float original = originalCoordinate(op.getCoordinateTransform(), static_cast<float>(x),
                                      scale, static_cast<float>(outLength),
                                      static_cast<float>(inLength), resizedLength,
                                      roiStart, roiEnd);
  ResizeTaps result;
  result.outside =
      op.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize &&
      (original < 0 || original > static_cast<float>(inLength - 1));
  auto clamp = [&](int64_t i) { return std::max<int64_t>(0, std::min(i, inLength - 1)); };
  switch (op.getMode()) {
  case ResizeMode::nearest:
    result.taps.push_back({clamp(nearestPixel(op.getNearestMode(), original)), 1.0});
    break;
  case ResizeMode::linear: {
    float in = std::max(0.0f, std::min(original, static_cast<float>(inLength - 1)));
    int64_t low = std::min(static_cast<int64_t>(in), inLength - 1);
    int64_t high = std::min(low + 1, inLength - 1);
    float toLow = std::fabs(in - static_cast<float>(low));
    float toHigh = std::fabs(in - static_cast<float>(high));
    if (low == high)
      toLow = toHigh = 0.5f;
    result.taps.push_back({low, toHigh});
    result.taps.push_back({high, toLow});
    break;
  }
  case ResizeMode::cubic: {
    float floorOriginal = std::floor(original);
    int64_t first = static_cast<int64_t>(floorOriginal) - 1;
    std::array<float, 4> weights =
        cubicCoefficients(original - floorOriginal, op.getCubicCoeffA().convertToFloat());
    if (op.getExcludeOutside()) {
      // Taps outside the input get no weight; the rest are renormalized.
      float sum = 0.0f;
      for (int64_t i = 0; i < 4; ++i) {
        if (first + i < 0 || first + i >= inLength)
          weights[i] = 0.0f;
        sum += weights[i];
      }
      for (float &w : weights)
        w = sum != 0.0f ? w / sum : 0.0f;
    }
    for (int64_t i = 0; i < 4; ++i)
      result.taps.push_back({clamp(first + i), weights[i]});
    break;
  }
  }
  // Zero weights (an integral coordinate) contribute nothing; dropping them
  // keeps the product of taps small and an inf tap from making a NaN.
  if (op.getMode() != ResizeMode::nearest) {
    llvm::erase_if(result.taps, [](const auto &tap) { return tap.second == 0.0; });
    if (result.taps.empty()) // every tap excluded: the output is 0
      result.taps.push_back({0, 0.0});
  }
  return result;
}

std::vector<ResizeTaps> kiln::reference::resizeTaps(ResizeOp op, int64_t dim,
                                                    int64_t inLength, int64_t outLength) {
  std::optional<ArrayRef<float>> scales = op.getScales();
  // Without scales the transform uses the ratio of sizes, in float.
  float scale = scales ? (*scales)[dim]
                       : static_cast<float>(outLength) / static_cast<float>(inLength);
  float resizedLength = scales ? scale * static_cast<float>(inLength)
                               : static_cast<float>(outLength);
  // ONNX's roi lists every dimension's start, then every dimension's end.
  std::optional<ArrayRef<float>> roi = op.getRoi();
  int64_t rank = op.getInput().getType().getRank();
  float roiStart = roi ? (*roi)[dim] : 0.0f, roiEnd = roi ? (*roi)[rank + dim] : 1.0f;
  std::vector<ResizeTaps> taps;
  taps.reserve(outLength);
  for (int64_t x = 0; x < outLength; ++x)
    taps.push_back(dimensionTaps(op, x, scale, outLength, inLength, resizedLength, roiStart,
                                 roiEnd));
  return taps;
}

static FailureOr<Tensor> evalResize(ResizeOp op, ArrayRef<Tensor> operands) {
  const Tensor &input = operands[0];
  int64_t rank = input.getRank();
  std::optional<ArrayRef<float>> scaleAttr = op.getScales();
  SmallVector<int64_t, 6> shape(op.getType().getShape());
  std::vector<std::vector<ResizeTaps>> taps(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = input.getShape()[d];
    if (ShapedType::isDynamic(shape[d])) {
      if (!scaleAttr)
        return op.emitOpError("a dynamic result size needs scales");
      shape[d] = static_cast<int64_t>(std::floor(in * (*scaleAttr)[d]));
    }
    if (in == 0 && shape[d] != 0)
      return op.emitOpError("cannot resize an empty dimension");
    taps[d] = resizeTaps(op, d, in, shape[d]);
  }

  SmallVector<int64_t, 6> strides = computeStrides(input.getShape());
  Type type = resultElementType(op);
  double extrapolation = op.getExtrapolationValue().convertToDouble();
  bool nearest = op.getMode() == ResizeMode::nearest;
  std::vector<double> reals = nearest ? std::vector<double>() : input.toReals();
  std::vector<double> out(numElementsOf(shape));
  std::vector<int64_t> sources(out.size(), -1); // nearest: the element copied
  SmallVector<const ResizeTaps *, 6> current(rank);
  SmallVector<size_t, 6> tap(rank);
  forEachPosition(shape, [&](int64_t p, ArrayRef<int64_t> coords) {
    bool outside = false;
    for (int64_t d = 0; d < rank; ++d) {
      current[d] = &taps[d][coords[d]];
      outside |= current[d]->outside;
    }
    if (outside) {
      out[p] = extrapolation;
      return;
    }
    if (nearest) {
      int64_t source = 0;
      for (int64_t d = 0; d < rank; ++d)
        source += current[d]->taps.front().first * strides[d];
      sources[p] = source;
      return;
    }
    // Sum over the product of every dimension's taps.
    double sum = 0.0;
    std::fill(tap.begin(), tap.end(), 0);
    while (true) {
      double weight = 1.0;
      int64_t source = 0;
      for (int64_t d = 0; d < rank; ++d) {
        weight *= current[d]->taps[tap[d]].second;
        source += current[d]->taps[tap[d]].first * strides[d];
      }
      sum += weight * reals[source];
      int64_t d = rank - 1;
      for (; d >= 0; --d) {
        if (++tap[d] < current[d]->taps.size())
          break;
        tap[d] = 0;
      }
      if (d < 0)
        break;
    }
    out[p] = sum;
  });

  if (!nearest)
    return Tensor::fromReals(type, shape, out);
  // Nearest copies storage: quantized and integer values stay exact, and only
  // the extrapolation value is converted to the element type.
  Tensor fill = Tensor::fromReals(type, shape, out);
  if (input.holdsFloats()) {
    std::vector<double> values(fill.getFloats().begin(), fill.getFloats().end());
    for (size_t i = 0; i < values.size(); ++i)
      if (sources[i] >= 0)
        values[i] = input.getFloats()[sources[i]];
    return Tensor(type, shape, std::move(values));
  }
  std::vector<int64_t> values(fill.getInts().begin(), fill.getInts().end());
  for (size_t i = 0; i < values.size(); ++i)
    if (sources[i] >= 0)
      values[i] = input.getInts()[sources[i]];
  return Tensor(type, shape, std::move(values));
}

void kiln::reference::detail::registerResizeKernels(KernelTable &table) {
  table.add<ResizeOp>(evalResize);
}
