//===- EngineOps.cpp - verifiers of the engine dialect's ops --------------===//

#include "dialects/engine/EngineDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace kiln::engine;
using kiln::nn::ActivationKind;
using kiln::nn::Layout;

#define GET_OP_CLASSES
#include "dialects/engine/EngineOps.cpp.inc"

static bool isContiguous(MemRefType type) { return type.getLayout().isIdentity(); }

/// The element type a tensor of a dispatch region stores in memory: the
/// storage type of a quantized element, else the element itself.
static Type getStorageElementType(Type element) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element))
    return quantized.getStorageType();
  return element;
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  auto valueType = llvm::cast<ShapedType>(getValue().getType());
  MemRefType type = getType();
  if (!isContiguous(type))
    return emitOpError("weights must be contiguous, got ") << type;
  if (valueType.getShape() != type.getShape() ||
      getStorageElementType(valueType.getElementType()) != type.getElementType())
    return emitOpError("value of type ")
           << valueType << " does not match the buffer " << type;
  return success();
}

LogicalResult AllocOp::verify() {
  if (!isContiguous(getType()))
    return emitOpError("arena buffers are contiguous; use engine.view for a window, got ")
           << getType();
  return success();
}

int64_t AllocOp::getSizeInBytes() { return getExtentInBytes(getType()); }

LogicalResult ViewOp::verify() {
  MemRefType source = getSource().getType(), result = getType();
  if (!isContiguous(source))
    return emitOpError("source must be contiguous, got ") << source;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(result.getStridesAndOffset(strides, offset)) || offset != 0 ||
      llvm::any_of(strides, [](int64_t s) { return ShapedType::isDynamic(s) || s < 0; }))
    return emitOpError("result layout must be static non-negative strides with offset 0 "
                       "(the byte offset says where it starts), got ")
           << result;
  int64_t elementSize = getElementSize(result.getElementType());
  if (getByteOffset() % elementSize != 0)
    return emitOpError("byte offset ")
           << getByteOffset() << " is not a multiple of the element size " << elementSize;
  int64_t end = getByteOffset() + getExtentInBytes(result);
  int64_t size = getExtentInBytes(source);
  if (end > size)
    return emitOpError("view reaches byte ") << end << " of a " << size << "-byte source";
  return success();
}

//===----------------------------------------------------------------------===//
// ConvOp
//===----------------------------------------------------------------------===//

/// The fused INT8 epilogue: a scale of one f32 per output channel on an i8
/// convolution, with an f32 bias, an i8 residual, relu and an i8, f32 or
/// f16 output (what the runtime's cuDNN graph runs).
LogicalResult ConvOp::verifyInt8Epilogue(int64_t outChannels) {
  Type element = getX().getType().getElementType();
  if (!getScale()) {
    if (getResidualScale().convertToFloat() != 1.0f)
      return emitOpError("residual_scale needs a fused int8 epilogue (a scale)");
    if (getPostScale().convertToFloat() != 1.0f)
      return emitOpError("post_scale needs a fused int8 epilogue (a scale)");
    return success();
  }
  if (!element.isInteger(8))
    return emitOpError("a scale belongs to an int8 convolution, not one on ") << element;
  MemRefType scale = getScale().getType();
  if (!scale.getElementType().isF32() || scale.getNumElements() != outChannels)
    return emitOpError("scale must hold one f32 per output channel (")
           << outChannels << "), found " << scale;
  if (!getBias() || !getBias().getType().getElementType().isF32())
    return emitOpError("a fused int8 convolution needs an f32 bias (zeros when the layer "
                       "has none, so that a format 1.1 runtime refuses the step)");
  if (getResidual() && !getResidual().getType().getElementType().isInteger(8))
    return emitOpError("the residual of a fused int8 convolution must be i8, found ")
           << getResidual().getType().getElementType();
  if (!std::isfinite(getResidualScale().convertToFloat()))
    return emitOpError("residual_scale must be finite");
  Type out = getY().getType().getElementType();
  if (!out.isInteger(8) && !out.isF32() && !out.isF16())
    return emitOpError("a fused int8 convolution writes i8, f32 or f16, not ") << out;
  // Relu, clip and none work in the output's units (the scale divided);
  // the others run on real values, post_scale after them (format 1.5).
  float post = getPostScale().convertToFloat();
  if (!std::isfinite(post) || !(post > 0))
    return emitOpError("post_scale must be finite and positive, found ") << post;
  if (auto activation = getActivationAttr();
      activation && (activation.getKind() == ActivationKind::hard_sigmoid ||
                     activation.getKind() == ActivationKind::hard_swish))
    return emitOpError("cuDNN's fused int8 graph cannot run activation ") << activation;
  if (auto activation = getActivationAttr();
      post != 1.0f && (!activation || activation.getKind() == ActivationKind::relu ||
                       activation.getKind() == ActivationKind::clip))
    return emitOpError("post_scale is for activations that do not commute with the output's "
                       "scale; with relu, clip or none the scale holds it");
  if (getTransposed() || getAlpha().convertToFloat() != 1.0f)
    return emitOpError("a fused int8 convolution has no transposition and no alpha (the "
                       "scale holds it)");
  if (getLayout() != Layout::channels_last)
    return emitOpError("cuDNN runs int8 convolutions channels-last only");
  return success();
}

LogicalResult ConvOp::verify() {
  MemRefType x = getX().getType(), w = getW().getType(), y = getY().getType();
  int64_t rank = x.getRank();
  if (rank < 3 || w.getRank() != rank || y.getRank() != rank)
    return emitOpError("input, filter and output must have the same rank, at least 3; got ")
           << x.getRank() << ", " << w.getRank() << " and " << y.getRank();
  size_t spatialRank = rank - 2;
  if (getStrides().size() != spatialRank || getDilations().size() != spatialRank ||
      getPads().size() != 2 * spatialRank)
    return emitOpError("expects ") << spatialRank << " strides and dilations and "
                                   << 2 * spatialRank << " pads";
  if (llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError("strides and dilations must be positive and pads non-negative");
  if (x.getElementType() != w.getElementType())
    return emitOpError("input and filter element types differ: ")
           << x.getElementType() << " vs " << w.getElementType();

  Layout layout = getLayout();
  kiln::nn::ChannelSplit in = kiln::nn::splitChannels(x.getShape(), layout),
                        filter = kiln::nn::splitChannels(w.getShape(), layout),
                        out = kiln::nn::splitChannels(y.getShape(), layout);
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError("groups must be positive");
  // A transposed convolution's filter is CK/g…; a convolution's is KC/g….
  int64_t inChannels = getTransposed() ? filter.lead : filter.channel * groups;
  int64_t outChannels = getTransposed() ? filter.channel * groups : filter.lead;
  if (in.channel != inChannels || out.channel != outChannels || in.lead != out.lead)
    return emitOpError("filter ")
           << w << " with " << groups << " group(s) does not map input " << x
           << " to output " << y;
  if (outChannels % groups != 0)
    return emitOpError("output channels ") << outChannels << " are not divisible by "
                                           << groups << " groups";
  if (!getTransposed()) {
    for (size_t i = 0; i < spatialRank; ++i) {
      int64_t window = getDilations()[i] * (filter.spatial[i] - 1) + 1;
      int64_t expected =
          (in.spatial[i] + getPads()[i] + getPads()[i + spatialRank] - window) /
              getStrides()[i] +
          1;
      if (out.spatial[i] != expected)
        return emitOpError("output spatial dimension ")
               << i << " is " << out.spatial[i] << ", expected " << expected;
    }
  }
  if (getBias() && getBias().getType().getNumElements() != outChannels)
    return emitOpError("bias must have ") << outChannels << " elements";
  if (getResidual() && getResidual().getType().getShape() != y.getShape())
    return emitOpError("residual must have the output's shape");
  if (failed(verifyInt8Epilogue(outChannels)))
    return failure();
  if (auto activation = getActivationAttr()) {
    switch (activation.getKind()) {
    case ActivationKind::hard_sigmoid:
    case ActivationKind::hard_swish:
      return emitOpError("cuDNN cannot fuse activation ") << activation;
    default:
      break;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// GemmOp
//===----------------------------------------------------------------------===//

/// Whether the batch dimensions of `operand` (all but the last two) either
/// match `batch` (aligned to the right) or are all 1.
static bool isBatchCompatible(MemRefType operand, ArrayRef<int64_t> batch) {
  ArrayRef<int64_t> own = operand.getShape().drop_back(2);
  if (llvm::all_of(own, [](int64_t d) { return d == 1; }))
    return true;
  if (own.size() > batch.size())
    return false;
  return llvm::all_of(llvm::zip(llvm::reverse(own), llvm::reverse(batch)),
                      [](auto pair) {
                        return std::get<0>(pair) == std::get<1>(pair) ||
                               std::get<0>(pair) == 1;
                      });
}

LogicalResult GemmOp::verify() {
  MemRefType a = getA().getType(), b = getB().getType(), d = getD().getType();
  if (a.getRank() < 2 || b.getRank() < 2 || d.getRank() < 2)
    return emitOpError("operands must be matrices or batches of them");
  int64_t m = a.getShape().end()[getTransA() ? -1 : -2];
  int64_t k = a.getShape().end()[getTransA() ? -2 : -1];
  int64_t kb = b.getShape().end()[getTransB() ? -1 : -2];
  int64_t n = b.getShape().end()[getTransB() ? -2 : -1];
  if (k != kb)
    return emitOpError("inner dimensions differ: ") << k << " vs " << kb;
  if (d.getShape().end()[-2] != m || d.getShape().end()[-1] != n)
    return emitOpError("result must be ") << m << "x" << n << " per batch, got " << d;
  ArrayRef<int64_t> batch = d.getShape().drop_back(2);
  if (!isBatchCompatible(a, batch) || !isBatchCompatible(b, batch))
    return emitOpError("batch dimensions of the operands must match the result's or be 1");
  // cuBLASLt wants unit stride along each matrix's rows.
  for (Value operand : getOperands()) {
    auto type = llvm::cast<MemRefType>(operand.getType());
    SmallVector<int64_t> strides = getElementStrides(type);
    if (type.getRank() >= 2 && (strides.empty() || strides.back() != 1))
      return emitOpError("operands need unit stride in their last dimension, got ") << type;
  }
  if (getBias() && getBias().getType().getNumElements() != n)
    return emitOpError("bias must have ") << n << " elements";
  // The runtime's rule (EngineVerifier): a bias of the result's type or f32.
  if (Type bias = getBias() ? getBias().getType().getElementType() : Type();
      bias && bias != d.getElementType() && !bias.isF32())
    return emitOpError("a ") << bias << " bias for a " << d.getElementType()
                             << " result (the result's type or f32)";
  if (getC()) {
    MemRefType c = getC().getType();
    if (c.getRank() < 2 || c.getShape().end()[-2] != m || c.getShape().end()[-1] != n ||
        !isBatchCompatible(c, batch))
      return emitOpError("c must be ") << m << "x" << n << " per batch, got " << c;
  }
  if (a.getElementType() != b.getElementType())
    return emitOpError("a and b element types differ");
  if (auto activation = getActivationAttr()) {
    if (!isGemmEpilogueActivation(activation.getKind()))
      return emitOpError("cuBLASLt fuses only relu and gelu_tanh, not ") << activation;
  }
  if (auto algo = getAlgo(); algo && algo->size() != 8)
    return emitOpError("algo must hold the 8 words of a cublasLtMatmulAlgo_t");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

/// cuDNN's SDPA kernels move q, k, v and o with 16-byte loads: unit stride
/// in the head dimension and every other stride a multiple of 16 bytes.
static LogicalResult verifyAttentionStrides(AttentionOp op, StringRef name,
                                            MemRefType type) {
  SmallVector<int64_t> strides = getElementStrides(type);
  if (strides.size() != 4)
    return op.emitOpError(name) << " must have static strides, got " << type;
  if (strides[3] != 1 && type.getDimSize(3) > 1)
    return op.emitOpError(name) << " needs unit stride in its last dimension, got " << type;
  int64_t elementSize = getElementSize(type.getElementType());
  for (int d = 0; d < 3; ++d)
    if (type.getDimSize(d) > 1 && (strides[d] * elementSize) % 16 != 0)
      return op.emitOpError(name) << " stride " << strides[d] << " of dimension " << d
                                  << " is not a multiple of 16 bytes, got " << type;
  return success();
}

LogicalResult AttentionOp::verify() {
  MemRefType q = getQ().getType(), k = getK().getType(), v = getV().getType(),
             o = getO().getType();
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4 || o.getRank() != 4)
    return emitOpError("q, k, v and o must be rank 4 ([B, H, S, D]), got ranks ")
           << q.getRank() << ", " << k.getRank() << ", " << v.getRank() << " and "
           << o.getRank();
  Type element = q.getElementType();
  if (!element.isF16() && !element.isBF16())
    return emitOpError("element type must be f16 or bf16, got ") << element;
  for (MemRefType type : {k, v, o})
    if (type.getElementType() != element)
      return emitOpError("q, k, v and o must have one element type, got ")
             << element << " and " << type.getElementType();
  int64_t batch = q.getDimSize(0), heads = q.getDimSize(1), sq = q.getDimSize(2),
          d = q.getDimSize(3), skv = k.getDimSize(2), dv = v.getDimSize(3);
  if (k.getShape() != ArrayRef<int64_t>{batch, heads, skv, d})
    return emitOpError("k must be [")
           << batch << ", " << heads << ", Skv, " << d << "], got " << k;
  if (v.getShape() != ArrayRef<int64_t>{batch, heads, skv, dv})
    return emitOpError("v must be [")
           << batch << ", " << heads << ", " << skv << ", Dv], got " << v;
  if (o.getShape() != ArrayRef<int64_t>{batch, heads, sq, dv})
    return emitOpError("o must be [")
           << batch << ", " << heads << ", " << sq << ", " << dv << "], got " << o;
  if (d % 8 != 0 || dv % 8 != 0)
    return emitOpError("head sizes must be multiples of 8 for cuDNN, got ") << d << " and "
                                                                           << dv;
  for (auto [name, type] : {std::pair<StringRef, MemRefType>{"q", q}, {"k", k}, {"v", v},
                            {"o", o}})
    if (failed(verifyAttentionStrides(*this, name, type)))
      return failure();
  if (Value bias = getBias()) {
    MemRefType b = llvm::cast<MemRefType>(bias.getType());
    if (b.getRank() != 4 || (b.getDimSize(0) != 1 && b.getDimSize(0) != batch) ||
        (b.getDimSize(1) != 1 && b.getDimSize(1) != heads) || b.getDimSize(2) != sq ||
        b.getDimSize(3) != skv)
      return emitOpError("bias must be [")
             << batch << " or 1, " << heads << " or 1, " << sq << ", " << skv << "], got "
             << b;
    if (b.getElementType() != element)
      return emitOpError("bias must have the element type ") << element << ", got " << b;
  }
  if (!std::isfinite(getScale().convertToFloat()))
    return emitOpError("scale must be finite");
  if (auto knobs = getKnobs(); knobs && knobs->size() % 2)
    return emitOpError("knobs must be (type, value) pairs, got ") << knobs->size()
                                                                  << " numbers";
  return success();
}

//===----------------------------------------------------------------------===//
// CopyOp
//===----------------------------------------------------------------------===//

LogicalResult CopyOp::verify() {
  MemRefType source = getSource().getType(), target = getTarget().getType();
  if (!isContiguous(source) || !isContiguous(target))
    return emitOpError("copies are between contiguous buffers");
  if (getExtentInBytes(source) != getExtentInBytes(target))
    return emitOpError("source has ")
           << getExtentInBytes(source) << " bytes, target " << getExtentInBytes(target);
  return success();
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

LogicalResult KernelOp::verify() {
  if (!getSource().contains(getSymName()))
    return emitOpError("source does not define the entry '") << getSymName() << "'";
  if (std::optional<uint32_t> bound = getMaxThreadsPerBlock()) {
    std::string declared = "__launch_bounds__(" + std::to_string(*bound) + ")";
    if (!getSource().contains(declared))
      return emitOpError("max_threads_per_block is ")
             << *bound << " but the source does not declare " << declared;
  }
  return success();
}

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel = symbolTable.lookupNearestSymbolFrom<KernelOp>(*this, getKernelAttr());
  if (!kernel)
    return emitOpError("'") << getKernel() << "' is not an engine.kernel of the module";
  if (getBlock().size() != 3) // verify() says so
    return success();
  int64_t threads = int64_t(getBlock()[0]) * getBlock()[1] * getBlock()[2];
  if (std::optional<uint32_t> bound = kernel.getMaxThreadsPerBlock(); bound && threads > *bound)
    return emitOpError("a block of ")
           << threads << " threads exceeds the launch bound of '" << getKernel() << "' ("
           << *bound << " threads per block)";
  return success();
}

LogicalResult LaunchOp::verify() {
  auto isDim3 = [](ArrayRef<int32_t> dims) {
    return dims.size() == 3 && llvm::all_of(dims, [](int32_t d) { return d > 0; });
  };
  if (!isDim3(getGrid()) || !isDim3(getBlock()))
    return emitOpError("grid and block must be three positive sizes");
  if (int64_t threads = int64_t(getBlock()[0]) * getBlock()[1] * getBlock()[2];
      threads > 1024)
    return emitOpError("a block has at most 1024 threads, got ") << threads;
  if (size_t(getNumOutputs()) > getArgs().size())
    return emitOpError("has ") << getArgs().size() << " arguments, fewer than "
                               << getNumOutputs() << " outputs";
  if (std::optional<ArrayRef<int32_t>> variants = getVariants()) {
    if (variants->size() % 6)
      return emitOpError("variants must be six sizes each (grid, block), got ")
             << variants->size() << " sizes";
    for (size_t i = 0; i < variants->size(); i += 6) {
      ArrayRef<int32_t> grid = variants->slice(i, 3), block = variants->slice(i + 3, 3);
      if (!isDim3(grid) || !isDim3(block))
        return emitOpError("variant #") << i / 6 << " must have three positive grid and "
                                        << "block sizes";
      if (int64_t threads = int64_t(block[0]) * block[1] * block[2]; threads > 1024)
        return emitOpError("variant #") << i / 6 << " has a block of " << threads
                                        << " threads, more than 1024";
    }
  }
  return success();
}

void LaunchOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  size_t firstOutput = getArgs().size() - getNumOutputs();
  for (auto [index, operand] : llvm::enumerate(getArgsMutable())) {
    if (index < firstOutput)
      effects.emplace_back(MemoryEffects::Read::get(), &operand);
    else
      effects.emplace_back(MemoryEffects::Write::get(), &operand);
  }
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

void DispatchOp::build(OpBuilder &builder, OperationState &state, ValueRange inputs,
                       ValueRange outputs) {
  state.addOperands(inputs);
  state.addOperands(outputs);
  state.getOrAddProperties<Properties>().operandSegmentSizes = {
      static_cast<int32_t>(inputs.size()), static_cast<int32_t>(outputs.size())};
  Region *body = state.addRegion();
  Block *block = new Block();
  body->push_back(block);
  for (Value input : inputs) {
    auto type = llvm::cast<MemRefType>(input.getType());
    block->addArgument(RankedTensorType::get(type.getShape(), type.getElementType()),
                       input.getLoc());
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(block);
}

/// Whether a tensor of the region stands for `buffer`: the same shape and the
/// same element type in memory.
static bool standsFor(Type tensor, Value buffer) {
  auto tensorType = llvm::dyn_cast<RankedTensorType>(tensor);
  auto bufferType = llvm::cast<MemRefType>(buffer.getType());
  return tensorType && tensorType.getShape() == bufferType.getShape() &&
         getStorageElementType(tensorType.getElementType()) == bufferType.getElementType();
}

LogicalResult DispatchOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("region has ") << body.getNumArguments() << " arguments for "
                                      << getInputs().size() << " inputs";
  for (auto [argument, input] : llvm::zip(body.getArguments(), getInputs()))
    if (!standsFor(argument.getType(), input))
      return emitOpError("region argument of type ")
             << argument.getType() << " does not stand for input " << input.getType();
  auto yield = llvm::cast<YieldOp>(body.getTerminator());
  if (yield.getValues().size() != getOutputs().size())
    return emitOpError("yields ") << yield.getValues().size() << " values for "
                                  << getOutputs().size() << " outputs";
  for (auto [value, output] : llvm::zip(yield.getValues(), getOutputs()))
    if (!standsFor(value.getType(), output))
      return emitOpError("yielded value of type ")
             << value.getType() << " does not stand for output " << output.getType();
  return success();
}
