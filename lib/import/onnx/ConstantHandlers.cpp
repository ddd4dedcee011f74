//===- ConstantHandlers.cpp - constants, shape queries, casts, pass-throughs -===//
//
// Constant, Shape, Size, ConstantOfShape and Range produce values known at
// import time (no IR unless a consumer needs them as tensors); Identity and
// inference-mode Dropout forward their input; Cast and CastLike become
// nn.cast, or are evaluated when their input is known.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "ShapeFolding.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx_import {
namespace {

LogicalResult importConstant(NodeImporter &node) {
  MLIRContext *context = node.getContext();
  Builder b(context);
  static const char *const kForms[] = {"value",        "value_float",  "value_floats",
                                       "value_int",    "value_ints",   "value_string",
                                       "value_strings", "sparse_value"};
  int given = llvm::count_if(kForms, [&](const char *form) { return node.hasAttr(form); });
  if (given != 1)
    return node.error("expected exactly one value attribute, got " + Twine(given));

  if (const onnx::TensorProto *tensor = node.getTensorAttr("value")) {
    llvm::Expected<ElementsAttr> attr = convertTensor(
        context, *tensor, node.getState().modelDir, node.getOutputName(0));
    if (!attr)
      return node.error(llvm::toString(attr.takeError()));
    return node.setConstantResult(0, *attr);
  }
  if (node.hasAttr("value_float")) {
    float value = node.getFloatAttr("value_float", 0);
    return node.setConstantResult(
        0, DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), value));
  }
  if (node.hasAttr("value_floats")) {
    SmallVector<float> values = node.getFloatsAttr("value_floats");
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getF32Type());
    return node.setConstantResult(0, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  }
  if (node.hasAttr("value_int")) {
    int64_t value = node.getIntAttr("value_int", 0);
    return node.setConstantResult(
        0, DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), value));
  }
  if (node.hasAttr("value_ints"))
    return node.setConstantResult(0, makeI64Vector(context, node.getIntsAttr("value_ints")));
  return node.error("string and sparse constants are not supported");
}

/// Identity, and Dropout in inference: the input, quantized or known alike.
LogicalResult forwardInput(NodeImporter &node) {
  if (ElementsAttr known = node.getConstantStorage(0))
    return node.setConstantResult(0, known);
  FailureOr<Value> input = node.getInputKeepQuantized(0, /*allowPerAxis=*/true);
  if (failed(input))
    return failure();
  return node.setResult(0, *input);
}

LogicalResult importIdentity(NodeImporter &node) { return forwardInput(node); }

/// Dropout in inference: the input, and a mask that keeps everything.
LogicalResult dropoutInInference(NodeImporter &node) {
  if (failed(forwardInput(node)))
    return failure();
  if (!node.hasOutput(1))
    return success();
  RankedTensorType type = node.getInputType(0);
  auto maskType = RankedTensorType::get(type.getShape(), node.getBuilder().getI1Type());
  return node.setConstantResult(1, DenseElementsAttr::get(maskType, true));
}

LogicalResult importDropout10(NodeImporter &node) {
  // The ratio only matters in training.
  node.ignoreAttr("ratio");
  return dropoutInInference(node);
}

LogicalResult importDropout12(NodeImporter &node) {
  // The seed only matters in training with a non-zero ratio, which is
  // refused below.
  node.ignoreAttr("seed");
  if (node.hasInput(2)) {
    FailureOr<DenseElementsAttr> training = node.getConstantInput(2, "training_mode");
    if (failed(training))
      return failure();
    bool isTraining =
        llvm::any_of(getIntValues(*training), [](int64_t v) { return v != 0; });
    // Training with a ratio of 0 drops nothing and scales by 1: the same as
    // inference. Any other ratio draws a random mask.
    if (isTraining) {
      FailureOr<double> ratio =
          node.hasInput(1) ? node.getScalarInput(1, "ratio") : FailureOr<double>(0.5);
      if (failed(ratio))
        return failure();
      if (*ratio != 0.0) {
        std::string text;
        llvm::raw_string_ostream(text) << llvm::format("%g", *ratio);
        return node.error("training_mode=true with ratio " + text +
                          " draws a random mask; Kiln compiles inference graphs");
      }
    }
  }
  return dropoutInInference(node);
}

LogicalResult importShape(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  if (!type.hasStaticShape())
    return node.error("the input's shape is not static");
  int64_t rank = type.getRank();
  int64_t start = 0, end = rank;
  if (node.getOpset() >= 15) {
    // Out-of-range bounds clamp, as in Slice.
    auto clamp = [&](int64_t v) {
      v = v < 0 ? v + rank : v;
      return std::clamp<int64_t>(v, 0, rank);
    };
    start = clamp(node.getIntAttr("start", 0));
    end = clamp(node.getIntAttr("end", rank));
  }
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> dims(shape.begin() + start, shape.begin() + std::max(start, end));
  return node.setConstantResult(0, makeI64Vector(node.getContext(), dims));
}

LogicalResult importSize(NodeImporter &node) {
  RankedTensorType type = node.getInputType(0);
  if (!type.hasStaticShape())
    return node.error("the input's shape is not static");
  auto scalar = RankedTensorType::get({}, node.getBuilder().getI64Type());
  return node.setConstantResult(0, DenseElementsAttr::get(scalar, type.getNumElements()));
}

LogicalResult importConstantOfShape(NodeImporter &node) {
  FailureOr<SmallVector<int64_t>> shape = node.getIntsInput(0, "shape");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return node.error("shape has a negative size");
  Attribute fill = node.getBuilder().getF32FloatAttr(0.0f);
  Type element = node.getBuilder().getF32Type();
  if (const onnx::TensorProto *value = node.getTensorAttr("value")) {
    llvm::Expected<ElementsAttr> attr =
        convertTensor(node.getContext(), *value, node.getState().modelDir, "");
    if (!attr)
      return node.error("attribute 'value': " + llvm::toString(attr.takeError()));
    auto dense = llvm::dyn_cast<DenseElementsAttr>(*attr);
    if (!dense || dense.getNumElements() != 1)
      return node.error("attribute 'value' must hold one element");
    element = dense.getElementType();
    fill = *dense.value_begin<Attribute>();
  }
  auto type = RankedTensorType::get(*shape, element);
  return node.setConstantResult(0, DenseElementsAttr::get(type, fill));
}

LogicalResult importRange(NodeImporter &node) {
  FailureOr<DenseElementsAttr> start = node.getConstantInput(0, "start");
  if (failed(start))
    return failure();
  FailureOr<double> first = node.getScalarInput(0, "start");
  FailureOr<double> limit = node.getScalarInput(1, "limit");
  FailureOr<double> delta = node.getScalarInput(2, "delta");
  if (failed(first) || failed(limit) || failed(delta))
    return failure();
  if (*delta == 0)
    return node.error("delta must not be zero");
  Type element = start->getElementType();
  // The count in floating point first: a NaN or one past int64 is not a
  // number of elements (casting it would be undefined).
  double steps = std::ceil((*limit - *first) / *delta);
  if (std::isnan(steps))
    return node.error("start, limit and delta give no number of elements (NaN)");
  constexpr int64_t kMaxRange = kFoldElementLimit * 64;
  if (steps > static_cast<double>(kMaxRange))
    return node.error(llvm::formatv("range of {0:e} elements is too large to import ({1} at "
                                    "most)",
                                    steps, kMaxRange));
  int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
  auto type = RankedTensorType::get({count}, element);
  if (llvm::isa<IntegerType>(element)) {
    SmallVector<int64_t> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(static_cast<int64_t>(*first) + i * static_cast<int64_t>(*delta));
    return node.setConstantResult(0, makeIntAttr(type, values));
  }
  // ONNX defines Range as repeated addition in the element type.
  SmallVector<double> values;
  double value = *first;
  for (int64_t i = 0; i < count; ++i) {
    values.push_back(value);
    value = element.isF32() ? static_cast<float>(value + *delta) : value + *delta;
  }
  return node.setConstantResult(0, makeNumericAttr(type, values));
}

/// Cast and CastLike to `element`.
LogicalResult castTo(NodeImporter &node, Type element) {
  if (DenseElementsAttr known = node.getKnownConstant(0))
    if (DenseElementsAttr folded = foldCast(known, element))
      return node.setConstantResult(0, folded);
  FailureOr<Value> input = node.getInput(0);
  if (failed(input))
    return failure();
  return node.setResult(0, node.castTo(*input, element));
}

LogicalResult importCast(NodeImporter &node) {
  FailureOr<int64_t> to = node.getRequiredIntAttr("to");
  if (failed(to))
    return failure();
  // Saturation only changes casts to float8, which Kiln does not have.
  if (node.getOpset() >= 19)
    node.ignoreAttr("saturate");
  Type element = convertElementType(node.getContext(), *to);
  if (!element)
    return node.error("casting to " + dataTypeName(*to) + " is not supported");
  return castTo(node, element);
}

LogicalResult importCastLike(NodeImporter &node) {
  if (node.getOpset() >= 19)
    node.ignoreAttr("saturate");
  if (!node.hasInput(1))
    return node.error("input #1 (target_type) is required");
  return castTo(node, node.getInputType(1).getElementType());
}

} // namespace

void addConstantHandlers(HandlerTable &table) {
  table.add("Constant", kMinOpset, kMaxOpset, importConstant);
  table.add("Identity", kMinOpset, kMaxOpset, importIdentity);
  table.add("Dropout", kMinOpset, 11, importDropout10);
  table.add("Dropout", 12, kMaxOpset, importDropout12);
  table.add("Shape", kMinOpset, kMaxOpset, importShape);
  table.add("Size", kMinOpset, kMaxOpset, importSize);
  table.add("ConstantOfShape", kMinOpset, kMaxOpset, importConstantOfShape);
  table.add("Range", kMinOpset, kMaxOpset, importRange);
  table.add("Cast", kMinOpset, kMaxOpset, importCast);
  table.add("CastLike", 15, kMaxOpset, importCastLike);
}

} // namespace kiln::onnx_import
