//===- Emitter.cpp - shared machinery of the CUDA kernel emitters ---------===//

#include "Emitter.h"

#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// Width and signedness of an integer or quantized storage type.
namespace {
struct IntegerForm {
  unsigned width;
  bool isSigned;
};
} // namespace

static std::optional<IntegerForm> integerForm(Type type) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type))
    return IntegerForm{quantized.getStorageTypeIntegralWidth(), quantized.isSigned()};
  if (auto integer = llvm::dyn_cast<IntegerType>(type))
    return IntegerForm{integer.getWidth(), !integer.isUnsigned()};
  return std::nullopt;
}

bool kiln::cuda::detail::isFloat(Type type) { return llvm::isa<FloatType>(type); }

bool kiln::cuda::detail::isQuantizedElement(Type type) {
  return llvm::isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(type);
}

int64_t kiln::cuda::detail::quantizedAxis(Type type) {
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return perAxis.getQuantizedDimension();
  return -1;
}

bool kiln::cuda::detail::isSupportedElement(Type type) {
  if (auto floatType = llvm::dyn_cast<FloatType>(type))
    return floatType.isF16() || floatType.isBF16() || floatType.isF32() || floatType.isF64();
  if (llvm::isa<IntegerType>(type))
    return llvm::is_contained({1u, 8u, 16u, 32u, 64u}, type.getIntOrFloatBitWidth());
  if (isQuantizedElement(type)) {
    auto quantized = llvm::cast<quant::QuantizedType>(type);
    unsigned width = quantized.getStorageTypeIntegralWidth();
    return (width == 8 || width == 32) && isSupportedElement(quantized.getExpressedType());
  }
  return false;
}

std::string kiln::cuda::detail::storageType(Type type) {
  if (type.isF16())
    return "__half";
  if (type.isBF16())
    return "__nv_bfloat16";
  if (type.isF32())
    return "float";
  if (type.isF64())
    return "double";
  IntegerForm form = *integerForm(type);
  switch (form.width) {
  case 1:
    return "unsigned char";
  case 8:
    return form.isSigned ? "signed char" : "unsigned char";
  case 16:
    return form.isSigned ? "short" : "unsigned short";
  case 32:
    return form.isSigned ? "int" : "unsigned";
  default:
    return form.isSigned ? "long long" : "unsigned long long";
  }
}

std::string kiln::cuda::detail::valueType(Type type) {
  if (type.isF16() || type.isBF16() || type.isF32())
    return "float";
  if (type.isInteger(1))
    return "bool";
  return storageType(type);
}

int64_t kiln::cuda::detail::storageBytes(Type type) {
  if (auto floatType = llvm::dyn_cast<FloatType>(type))
    return floatType.getWidth() / 8;
  unsigned width = integerForm(type)->width;
  return width == 1 ? 1 : width / 8;
}

std::string kiln::cuda::detail::fromStorage(Type type, StringRef storage) {
  if (type.isF16())
    return ("__half2float(" + storage + ")").str();
  if (type.isBF16())
    return ("__bfloat162float(" + storage + ")").str();
  if (type.isInteger(1))
    return ("(" + storage + " != 0)").str();
  return storage.str();
}

std::string kiln::cuda::detail::toStorage(Type type, StringRef value) {
  if (type.isF16())
    return ("__float2half_rn(" + value + ")").str();
  if (type.isBF16())
    return ("__float2bfloat16_rn(" + value + ")").str();
  if (type.isInteger(1))
    return ("(unsigned char)(" + value + ")").str();
  return value.str();
}

Compute kiln::cuda::detail::computeFor(ArrayRef<Type> types) {
  for (Type type : types)
    if (type.isF64() || isQuantizedElement(type) ||
        (llvm::isa<IntegerType>(type) && !type.isInteger(1)))
      return Compute::Double;
  return Compute::Float;
}

StringRef kiln::cuda::detail::computeType(Compute compute) {
  return compute == Compute::Double ? "double" : "float";
}

//===----------------------------------------------------------------------===//
// Literals
//===----------------------------------------------------------------------===//

std::string kiln::cuda::detail::floatLiteral(double value, Compute compute) {
  bool isDouble = compute == Compute::Double;
  StringRef suffix = isDouble ? "" : "f";
  if (std::isnan(value))
    return isDouble ? "(0.0 / 0.0)" : "(0.0f / 0.0f)";
  if (std::isinf(value))
    return (Twine(value < 0 ? "(-1.0" : "(1.0") + suffix + " / 0.0" + suffix + ")").str();
  // The shortest decimal that reads back as the same value.
  char buffer[64];
  for (int digits = isDouble ? 15 : 6; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
    double back = std::strtod(buffer, nullptr);
    if (isDouble ? back == value : static_cast<float>(back) == static_cast<float>(value))
      break;
  }
  std::string text = buffer;
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text + suffix.str();
}

std::string kiln::cuda::detail::intLiteral(Type type, int64_t value) {
  IntegerForm form = *integerForm(type);
  if (form.width == 1)
    return value ? "true" : "false";
  if (form.width == 64 && !form.isSigned)
    return std::to_string(static_cast<uint64_t>(value)) + "ull";
  if (form.width == 64) {
    if (value == INT64_MIN)
      return "(-9223372036854775807ll - 1)";
    return std::to_string(value) + "ll";
  }
  if (form.width == 32 && !form.isSigned)
    return std::to_string(static_cast<uint32_t>(value)) + "u";
  if (value == INT32_MIN)
    return "(-2147483647 - 1)";
  return std::to_string(value);
}

std::string kiln::cuda::detail::valueLiteral(Type type, double value) {
  if (auto floatType = llvm::dyn_cast<FloatType>(type))
    return floatLiteral(kiln::reference::roundToFloatType(floatType, value),
                        type.isF64() ? Compute::Double : Compute::Float);
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type)) {
    auto params = kiln::reference::getQuantParams(quantized, {1}, 0);
    return intLiteral(quantized.getStorageType(),
                      kiln::reference::quantizeValue(quantized, params, value));
  }
  auto integer = llvm::cast<IntegerType>(type);
  return intLiteral(integer, kiln::reference::truncateToInteger(integer, value));
}

//===----------------------------------------------------------------------===//
// KernelWriter
//===----------------------------------------------------------------------===//

std::string KernelWriter::table(StringRef name, StringRef ctype,
                                ArrayRef<std::string> values) {
  std::string contents = (ctype + "[" + Twine(values.size()) + "]=").str();
  for (const std::string &value : values)
    contents += value + ",";
  auto it = tableNames.find(contents);
  if (it != tableNames.end())
    return it->second;
  std::string tableName = entryName + "_" + fresh(name);
  tableNames[contents] = tableName;
  llvm::raw_string_ostream os(tables);
  os << "alignas(16) static __device__ const " << ctype << " " << tableName << "["
     << values.size() << "] = {";
  for (auto [i, value] : llvm::enumerate(values)) {
    if (i % 12 == 0)
      os << "\n    ";
    os << value << (i + 1 < values.size() ? ", " : "");
  }
  os << "};\n";
  return tableName;
}

std::string KernelWriter::fresh(StringRef prefix) {
  return (prefix + Twine(counters[prefix]++)).str();
}

void KernelWriter::line(const Twine &text) {
  body.append(2 * depth, ' ');
  body += text.str();
  body += '\n';
}

void KernelWriter::open(const Twine &text) {
  line(text.isTriviallyEmpty() ? Twine("{") : text + " {");
  ++depth;
}

void KernelWriter::close(StringRef suffix) {
  --depth;
  line("}" + suffix);
}

void KernelWriter::openVariant(const std::array<uint32_t, 3> &block) {
  line(llvm::formatv(
      "if (blockDim.x == {0} && blockDim.y == {1} && blockDim.z == {2}) {{ {3}", block[0],
      block[1], block[2], launchVariantMarker(block)));
  ++depth;
}

void KernelWriter::closeVariant(const std::array<uint32_t, 3> &block) {
  --depth;
  line("} " + launchVariantMarker(block));
}

std::string KernelWriter::finish(ArrayRef<std::string> params, int64_t maxThreads) const {
  std::string text = tables;
  llvm::raw_string_ostream os(text);
  os << "extern \"C\" __global__ void __launch_bounds__(" << maxThreads << ") " << entryName
     << "(";
  for (auto [i, param] : llvm::enumerate(params))
    os << (i ? ",\n    " : "") << param;
  os << ") {\n" << body << "}\n";
  return text;
}

//===----------------------------------------------------------------------===//
// TensorView and real values
//===----------------------------------------------------------------------===//

SmallVector<int64_t> kiln::cuda::detail::rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

bool TensorView::isRowMajor() const {
  SmallVector<int64_t> dense = rowMajorStrides(shape());
  for (int64_t d = 0; d < rank(); ++d)
    if (shape()[d] != 1 && strides[d] != dense[d])
      return false;
  return true;
}

int64_t TensorView::extent() const {
  if (numElements() == 0)
    return 0;
  int64_t last = offset;
  for (int64_t d = 0; d < rank(); ++d)
    last += (shape()[d] - 1) * strides[d];
  return last + 1;
}

std::string TensorView::load(StringRef offset) const {
  if (!splat.empty())
    return splat;
  return fromStorage(element(), loadStorage(offset));
}

std::string TensorView::loadStorage(StringRef offset) const {
  return (pointer + "[" + offset + "]").str();
}

std::string TensorView::store(StringRef offset, StringRef value) const {
  return (pointer + "[" + offset + "] = " + toStorage(element(), value) + ";").str();
}

namespace {
/// The scale and zero point of a quantized element as C expressions.
struct QuantExprs {
  std::string scale, zero, low, high;
};
} // namespace

/// Scales are float32 unless the type expresses f64 (ONNX scales are float
/// tensors; the reference rounds them the same way).
static QuantExprs quantExprs(KernelWriter &w, quant::QuantizedType type,
                             StringRef channel) {
  Compute precision = type.getExpressedType().isF64() ? Compute::Double : Compute::Float;
  auto scaleText = [&](double scale) {
    return floatLiteral(precision == Compute::Double
                            ? scale
                            : static_cast<double>(static_cast<float>(scale)),
                        precision);
  };
  QuantExprs exprs;
  exprs.low = std::to_string(type.getStorageTypeMin());
  exprs.high = std::to_string(type.getStorageTypeMax());
  if (auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(type)) {
    exprs.scale = scaleText(uniform.getScale());
    exprs.zero = std::to_string(uniform.getZeroPoint());
    return exprs;
  }
  auto perAxis = llvm::cast<quant::UniformQuantizedPerAxisType>(type);
  SmallVector<std::string> scales, zeros;
  for (double scale : perAxis.getScales())
    scales.push_back(scaleText(scale));
  for (int64_t zero : perAxis.getZeroPoints())
    zeros.push_back(std::to_string(zero));
  exprs.scale = w.table("scale", computeType(precision), scales) + "[" + channel.str() + "]";
  if (llvm::all_of(perAxis.getZeroPoints(), [](int64_t z) { return z == 0; }))
    exprs.zero = "0";
  else
    exprs.zero = w.table("zero", "int", zeros) + "[" + channel.str() + "]";
  return exprs;
}

std::string kiln::cuda::detail::realOf(KernelWriter &w, Type type, StringRef value, Compute compute,
                           StringRef channel) {
  StringRef target = computeType(compute);
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type)) {
    // (q - zero) * scale in double, as the reference's toReals.
    QuantExprs q = quantExprs(w, quantized, channel);
    std::string centered = q.zero == "0" ? ("(double)(" + value + ")").str()
                                         : ("(double)((int)(" + value + ") - " + q.zero +
                                            ")")
                                               .str();
    std::string real = "__dmul_rn(" + centered + ", (double)" + q.scale + ")";
    return compute == Compute::Double ? real : "(float)" + real;
  }
  if ((type.isF64() && compute == Compute::Double) ||
      (isFloat(type) && !type.isF64() && compute == Compute::Float))
    return value.str();
  return ("(" + target + ")(" + value + ")").str();
}

std::string kiln::cuda::detail::fromReal(KernelWriter &w, Type type, StringRef real, Compute compute,
                             StringRef channel) {
  if (type.isF32())
    return compute == Compute::Float ? real.str() : ("(float)(" + real + ")").str();
  if (type.isF16())
    return ("kiln_round_f16(" + real + ")").str();
  if (type.isBF16())
    return ("kiln_round_bf16(" + real + ")").str();
  if (type.isF64())
    return compute == Compute::Double ? real.str() : ("(double)(" + real + ")").str();
  if (type.isInteger(1))
    return ("(" + real + " != 0)").str();
  std::string ctype = storageType(type);
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type)) {
    QuantExprs q = quantExprs(w, quantized, channel);
    bool f64 = quantized.getExpressedType().isF64();
    return ("(" + ctype + ")kiln_quantize((" + (f64 ? "double" : "float") + ")(" + real +
            "), " + q.scale + ", " + q.zero + ", " + q.low + ", " + q.high + ")")
        .str();
  }
  // As kiln::reference::truncateToInteger: through int32, or int64 for
  // wider types and ui32; ui64 has its own upper range.
  IntegerForm form = *integerForm(type);
  StringRef helper = "kiln_trunc_i32";
  if (form.width == 64 && !form.isSigned)
    helper = "kiln_trunc_u64";
  else if (form.width == 64 || (form.width == 32 && !form.isSigned))
    helper = "kiln_trunc_i64";
  return ("(" + ctype + ")" + helper + "((double)(" + real + "))").str();
}

std::string kiln::cuda::detail::storageOfReal(KernelWriter &w, Type type,
                                             ArrayRef<int64_t> shape, double value,
                                             StringRef channel) {
  int64_t axis = quantizedAxis(type);
  int64_t channels = axis >= 0 ? shape[axis] : 1;
  SmallVector<int64_t> perChannel(shape.size(), 1);
  if (axis >= 0)
    perChannel[axis] = channels;
  kiln::reference::Tensor converted = kiln::reference::Tensor::fromReals(
      type, perChannel, std::vector<double>(channels, value));
  if (converted.holdsFloats())
    return toStorage(type, floatLiteral(converted.getFloats()[0],
                                        type.isF64() ? Compute::Double : Compute::Float));
  if (axis < 0)
    return "(" + storageType(type) + ")" + std::to_string(converted.getInts()[0]);
  SmallVector<std::string> values;
  for (int64_t v : converted.getInts())
    values.push_back(std::to_string(v));
  return w.table("fill", storageType(type), values) + "[" + channel.str() + "]";
}

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

bool kiln::cuda::detail::emitIndexTypes(KernelWriter &w, int64_t bound) {
  bool wide = bound >= (int64_t{1} << 31) - 1;
  if (wide) {
    w.line("typedef unsigned long long I;");
    w.line("typedef long long S;");
  } else {
    w.line("typedef unsigned I;");
    w.line("typedef int S;");
  }
  return wide;
}

SmallVector<std::string> kiln::cuda::detail::emitCoordinates(KernelWriter &w, StringRef linear,
                                                  ArrayRef<int64_t> shape,
                                                  StringRef prefix) {
  SmallVector<std::string> coords;
  int64_t inner = 1;
  SmallVector<int64_t> inners(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    inners[d] = inner;
    inner *= shape[d];
  }
  bool outermost = true;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (size == 1) {
      coords.push_back("0");
      continue;
    }
    std::string expr = linear.str();
    if (inners[d] != 1)
      expr = "(" + expr + " / " + std::to_string(inners[d]) + ")";
    if (!outermost)
      expr += " % " + std::to_string(size);
    outermost = false;
    std::string name = (prefix + Twine(d)).str();
    w.line("const I " + name + " = " + expr + ";");
    coords.push_back(name);
  }
  return coords;
}

std::string kiln::cuda::detail::offsetExpr(ArrayRef<std::string> coords, ArrayRef<int64_t> strides) {
  std::string expr;
  for (auto [coord, stride] : llvm::zip(coords, strides)) {
    if (coord == "0" || stride == 0)
      continue;
    if (!expr.empty())
      expr += " + ";
    expr += stride == 1 ? coord : coord + " * " + std::to_string(stride);
  }
  return expr.empty() ? "0" : expr;
}

SmallVector<int64_t> kiln::cuda::detail::broadcastStrides(ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> strides,
                                              ArrayRef<int64_t> target) {
  SmallVector<int64_t> result(target.size(), 0);
  int64_t offset = static_cast<int64_t>(target.size() - shape.size());
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (shape[d] != 1)
      result[offset + d] = strides[d];
  return result;
}

CollapsedSpace kiln::cuda::detail::collapse(ArrayRef<int64_t> shape,
                                ArrayRef<SmallVector<int64_t>> strides,
                                ArrayRef<bool> alone) {
  CollapsedSpace space;
  space.strides.resize(strides.size());
  space.dimOf.assign(shape.size(), -1);
  bool previousAlone = true;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (size == 1)
      continue;
    bool isAlone = !alone.empty() && alone[d];
    bool merge = !space.shape.empty() && !isAlone && !previousAlone;
    for (size_t t = 0; merge && t < strides.size(); ++t)
      merge = space.strides[t].back() == strides[t][d] * size;
    if (merge) {
      space.shape.back() *= size;
      for (size_t t = 0; t < strides.size(); ++t)
        space.strides[t].back() = strides[t][d];
    } else {
      space.shape.push_back(size);
      for (size_t t = 0; t < strides.size(); ++t)
        space.strides[t].push_back(strides[t][d]);
    }
    space.dimOf[d] = static_cast<int64_t>(space.shape.size()) - 1;
    previousAlone = isAlone;
  }
  return space;
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

uint32_t kiln::cuda::detail::gridStrideBlocks(int64_t threads, int64_t blockSize) {
  int64_t blocks = (threads + blockSize - 1) / blockSize;
  int64_t full = kNumSMs * (kThreadsPerSM / blockSize);
  return static_cast<uint32_t>(std::max<int64_t>(1, std::min(blocks, full)));
}

/// Block sizes grid-stride kernels may be timed with.
static constexpr int64_t kVariantBlockSizes[] = {64, 128, 256, 512, 1024};

Launch kiln::cuda::detail::gridStrideLaunch(int64_t threads) {
  Launch launch;
  launch.grid = {gridStrideBlocks(threads), 1, 1};
  launch.block = {static_cast<uint32_t>(kBlockSize), 1, 1};
  // Blocks bigger than the work would only add idle threads.
  int64_t largest = std::max<int64_t>(kVariantBlockSizes[0], nextPowerOf2(threads));
  for (int64_t size : kVariantBlockSizes)
    if (size <= largest || size == kBlockSize)
      launch.variants.push_back({{gridStrideBlocks(threads, size), 1, 1},
                                 {static_cast<uint32_t>(size), 1, 1}});
  return launch;
}

int64_t kiln::cuda::detail::gridStrideThreads(int64_t threads) {
  int64_t most = 0;
  for (int64_t size : kVariantBlockSizes)
    most = std::max(most, int64_t{gridStrideBlocks(threads, size)} * size);
  return most;
}

int64_t kiln::cuda::detail::nextPowerOf2(int64_t n) {
  int64_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}
