//===- ShapeFolding.cpp - evaluating ONNX ops on constants at import ------===//

#include "ShapeFolding.h"

#include "OnnxTensors.h"

#include "dialects/nn/NNShapes.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx_import {

/// Row-major strides of `shape`.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// For each element of the broadcast shape `out`, the index of the element
/// of an operand of shape `in` it reads (numpy broadcasting).
static SmallVector<int64_t> broadcastIndices(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  int64_t count = 1;
  for (int64_t d : out)
    count *= d;
  SmallVector<int64_t> inStrides = getStrides(in), outStrides = getStrides(out);
  size_t offset = out.size() - in.size();
  SmallVector<int64_t> indices(count);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t index = 0;
    for (size_t d = 0; d < in.size(); ++d) {
      int64_t coordinate = (flat / outStrides[offset + d]) % out[offset + d];
      if (in[d] != 1)
        index += coordinate * inStrides[d];
    }
    indices[flat] = index;
  }
  return indices;
}

static bool isFoldableNumeric(Type type) {
  return llvm::isa<IntegerType>(type) || type.isF32() || type.isF64();
}

/// Rounds `v` to the precision of `type` (f32 arithmetic done in doubles is
/// exact once rounded back for +, -, *, / of f32 inputs).
static double roundTo(Type type, double v) {
  return type.isF32() ? static_cast<double>(static_cast<float>(v)) : v;
}

/// The comparisons, alike for integers and floats (NaN compares false).
template <typename T>
static bool compare(FoldBinary kind, T x, T y) {
  switch (kind) {
  case FoldBinary::Equal:
    return x == y;
  case FoldBinary::Less:
    return x < y;
  case FoldBinary::LessEqual:
    return x <= y;
  case FoldBinary::Greater:
    return x > y;
  case FoldBinary::GreaterEqual:
    return x >= y;
  default:
    llvm_unreachable("not a comparison");
  }
}

DenseElementsAttr foldBinary(FoldBinary kind, DenseElementsAttr lhs,
                             DenseElementsAttr rhs) {
  if (!lhs || !rhs)
    return {}; // An input left out: the op's own checks name it.
  Type element = lhs.getElementType();
  if (element != rhs.getElementType() || !isFoldableNumeric(element))
    return {};
  auto lhsType = llvm::cast<RankedTensorType>(lhs.getType());
  auto rhsType = llvm::cast<RankedTensorType>(rhs.getType());
  FailureOr<nn::Shape> shape =
      nn::broadcastShapes(std::nullopt, {lhsType.getShape(), rhsType.getShape()});
  if (failed(shape))
    return {};
  bool isBool = element.isInteger(1);
  bool isLogic = kind == FoldBinary::And || kind == FoldBinary::Or || kind == FoldBinary::Xor;
  if (isLogic != isBool && !(isBool && kind == FoldBinary::Equal))
    return {};
  bool isCompare = kind >= FoldBinary::Equal && kind <= FoldBinary::GreaterEqual;
  Type resultElement = isCompare ? IntegerType::get(element.getContext(), 1) : element;
  auto resultType = RankedTensorType::get(*shape, resultElement);
  SmallVector<int64_t> li = broadcastIndices(lhsType.getShape(), *shape);
  SmallVector<int64_t> ri = broadcastIndices(rhsType.getShape(), *shape);

  if (llvm::isa<IntegerType>(element)) {
    SmallVector<int64_t> a = getIntValues(lhs), b = getIntValues(rhs), out;
    for (size_t i = 0; i < li.size(); ++i) {
      int64_t x = a[li[i]], y = b[ri[i]];
      // Wrapping arithmetic, as the op would in its integer type.
      uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
      switch (kind) {
      case FoldBinary::Add:
        out.push_back(static_cast<int64_t>(ux + uy));
        break;
      case FoldBinary::Sub:
        out.push_back(static_cast<int64_t>(ux - uy));
        break;
      case FoldBinary::Mul:
        out.push_back(static_cast<int64_t>(ux * uy));
        break;
      case FoldBinary::Div:
      case FoldBinary::Mod:
      case FoldBinary::FMod: {
        if (y == 0 || (x == INT64_MIN && y == -1))
          return {}; // Left to run time, which defines it per target.
        if (kind == FoldBinary::Div) {
          out.push_back(x / y); // Truncating, as nn.div on integers.
        } else {
          int64_t r = x % y;
          // Mod without fmod takes the sign of the divisor (Python's %).
          if (kind == FoldBinary::Mod && r != 0 && ((r < 0) != (y < 0)))
            r += y;
          out.push_back(r);
        }
        break;
      }
      case FoldBinary::Max:
        out.push_back(std::max(x, y));
        break;
      case FoldBinary::Min:
        out.push_back(std::min(x, y));
        break;
      case FoldBinary::Equal:
      case FoldBinary::Less:
      case FoldBinary::LessEqual:
      case FoldBinary::Greater:
      case FoldBinary::GreaterEqual:
        out.push_back(compare(kind, x, y));
        break;
      case FoldBinary::And:
        out.push_back(x && y);
        break;
      case FoldBinary::Or:
        out.push_back(x || y);
        break;
      case FoldBinary::Xor:
        out.push_back((x != 0) != (y != 0));
        break;
      }
    }
    return makeIntAttr(resultType, out);
  }

  SmallVector<double> a = getDoubleValues(lhs), b = getDoubleValues(rhs), out;
  for (size_t i = 0; i < li.size(); ++i) {
    double x = a[li[i]], y = b[ri[i]];
    switch (kind) {
    case FoldBinary::Add:
      out.push_back(roundTo(element, x + y));
      break;
    case FoldBinary::Sub:
      out.push_back(roundTo(element, x - y));
      break;
    case FoldBinary::Mul:
      out.push_back(roundTo(element, x * y));
      break;
    case FoldBinary::Div:
      out.push_back(roundTo(element, x / y));
      break;
    case FoldBinary::FMod:
      out.push_back(std::fmod(x, y));
      break;
    case FoldBinary::Max:
      out.push_back(std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y));
      break;
    case FoldBinary::Min:
      out.push_back(std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y));
      break;
    case FoldBinary::Equal:
    case FoldBinary::Less:
    case FoldBinary::LessEqual:
    case FoldBinary::Greater:
    case FoldBinary::GreaterEqual:
      out.push_back(compare(kind, x, y));
      break;
    default:
      return {}; // Mod without fmod is integer-only; logic is boolean-only.
    }
  }
  return makeNumericAttr(resultType, out);
}

DenseElementsAttr foldUnary(FoldUnary kind, DenseElementsAttr input) {
  Type element = input.getElementType();
  if (!isFoldableNumeric(element))
    return {};
  auto type = llvm::cast<RankedTensorType>(input.getType());
  if ((kind == FoldUnary::Not) != element.isInteger(1))
    return {};
  if (llvm::isa<IntegerType>(element)) {
    SmallVector<int64_t> values = getIntValues(input);
    for (int64_t &v : values) {
      switch (kind) {
      case FoldUnary::Neg:
        v = static_cast<int64_t>(0 - static_cast<uint64_t>(v));
        break;
      case FoldUnary::Abs:
        v = v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v;
        break;
      case FoldUnary::Not:
        v = !v;
        break;
      case FoldUnary::Floor:
      case FoldUnary::Ceil:
        return {}; // Float-only in ONNX.
      }
    }
    return makeIntAttr(type, values);
  }
  SmallVector<double> values = getDoubleValues(input);
  for (double &v : values) {
    switch (kind) {
    case FoldUnary::Neg:
      v = -v;
      break;
    case FoldUnary::Abs:
      v = std::fabs(v);
      break;
    case FoldUnary::Floor:
      v = std::floor(v);
      break;
    case FoldUnary::Ceil:
      v = std::ceil(v);
      break;
    case FoldUnary::Not:
      return {};
    }
  }
  return makeNumericAttr(type, values);
}

DenseElementsAttr foldWhere(DenseElementsAttr condition, DenseElementsAttr x,
                            DenseElementsAttr y) {
  if (!condition || !x || !y)
    return {}; // An input left out: the op's own checks name it.
  if (x.getElementType() != y.getElementType() ||
      !condition.getElementType().isInteger(1))
    return {};
  auto ct = llvm::cast<RankedTensorType>(condition.getType());
  auto xt = llvm::cast<RankedTensorType>(x.getType());
  auto yt = llvm::cast<RankedTensorType>(y.getType());
  FailureOr<nn::Shape> shape =
      nn::broadcastShapes(std::nullopt, {ct.getShape(), xt.getShape(), yt.getShape()});
  if (failed(shape))
    return {};
  SmallVector<int64_t> ci = broadcastIndices(ct.getShape(), *shape);
  SmallVector<int64_t> xi = broadcastIndices(xt.getShape(), *shape);
  SmallVector<int64_t> yi = broadcastIndices(yt.getShape(), *shape);
  SmallVector<bool> c;
  for (bool v : condition.getValues<bool>())
    c.push_back(v);
  SmallVector<Attribute> xs(x.getValues<Attribute>()), ys(y.getValues<Attribute>()), out;
  for (size_t i = 0; i < ci.size(); ++i)
    out.push_back(c[ci[i]] ? xs[xi[i]] : ys[yi[i]]);
  return DenseElementsAttr::get(RankedTensorType::get(*shape, x.getElementType()), out);
}

DenseElementsAttr foldCast(DenseElementsAttr input, Type elementType) {
  Type from = input.getElementType();
  if (!llvm::isa<IntegerType, FloatType>(from) ||
      !llvm::isa<IntegerType, FloatType>(elementType))
    return {};
  auto type = llvm::cast<RankedTensorType>(input.getType()).clone(elementType);
  if (elementType.isInteger(1)) {
    SmallVector<int64_t> bits;
    for (double v : getDoubleValues(input))
      bits.push_back(v != 0);
    return makeIntAttr(type, bits);
  }
  if (llvm::isa<IntegerType>(from) && llvm::isa<IntegerType>(elementType))
    return makeIntAttr(type, getIntValues(input));
  if (llvm::isa<FloatType>(elementType))
    return makeNumericAttr(type, getDoubleValues(input));
  return makeIntAttr(type, getIntValues(input)); // Float to integer truncates.
}

DenseElementsAttr foldSlice(DenseElementsAttr input, ArrayRef<int64_t> starts,
                            ArrayRef<int64_t> ends, ArrayRef<int64_t> steps) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> outShape;
  for (size_t d = 0; d < starts.size(); ++d) {
    int64_t span = steps[d] > 0 ? ends[d] - starts[d] : starts[d] - ends[d];
    int64_t stride = std::abs(steps[d]);
    outShape.push_back(std::max<int64_t>(0, (span + stride - 1) / stride));
  }
  SmallVector<int64_t> inStrides = getStrides(type.getShape());
  SmallVector<int64_t> outStrides = getStrides(outShape);
  int64_t count = 1;
  for (int64_t d : outShape)
    count *= d;
  SmallVector<Attribute> values(input.getValues<Attribute>()), out;
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t index = 0;
    for (size_t d = 0; d < outShape.size(); ++d) {
      int64_t coordinate = (flat / outStrides[d]) % outShape[d];
      index += (starts[d] + coordinate * steps[d]) * inStrides[d];
    }
    out.push_back(values[index]);
  }
  return DenseElementsAttr::get(type.clone(outShape), out);
}

DenseElementsAttr foldGather(DenseElementsAttr data, DenseElementsAttr indices,
                             int64_t axis) {
  auto dataType = llvm::cast<RankedTensorType>(data.getType());
  auto indicesType = llvm::cast<RankedTensorType>(indices.getType());
  ArrayRef<int64_t> shape = dataType.getShape();
  int64_t size = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  SmallVector<int64_t> picks = getIntValues(indices);
  for (int64_t &p : picks) {
    if (p < -size || p >= size)
      return {};
    p = p < 0 ? p + size : p;
  }
  SmallVector<Attribute> values(data.getValues<Attribute>()), out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p : picks)
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * size + p) * inner + i]);
  SmallVector<int64_t> outShape(shape.take_front(axis));
  llvm::append_range(outShape, indicesType.getShape());
  llvm::append_range(outShape, shape.drop_front(axis + 1));
  return DenseElementsAttr::get(dataType.clone(outShape), out);
}

DenseElementsAttr foldConcat(ArrayRef<DenseElementsAttr> inputs, int64_t axis) {
  auto first = llvm::cast<RankedTensorType>(inputs.front().getType());
  SmallVector<int64_t> outShape(first.getShape());
  outShape[axis] = 0;
  for (DenseElementsAttr input : inputs) {
    auto type = llvm::cast<RankedTensorType>(input.getType());
    if (type.getElementType() != first.getElementType() ||
        type.getRank() != first.getRank())
      return {};
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && type.getDimSize(d) != first.getDimSize(d))
        return {};
    outShape[axis] += type.getDimSize(axis);
  }
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= outShape[d];
  SmallVector<SmallVector<Attribute>> values;
  SmallVector<int64_t> chunk;
  for (DenseElementsAttr input : inputs) {
    values.emplace_back(input.getValues<Attribute>());
    chunk.push_back(outer ? static_cast<int64_t>(values.back().size()) / outer : 0);
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < inputs.size(); ++i)
      out.append(values[i].begin() + o * chunk[i], values[i].begin() + (o + 1) * chunk[i]);
  return DenseElementsAttr::get(first.clone(outShape), out);
}

} // namespace kiln::onnx_import
