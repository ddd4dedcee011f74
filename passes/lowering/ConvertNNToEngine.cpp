//===- ConvertNNToEngine.cpp - the nn graph becomes the engine's steps ----===//
//
// The network function on tensors becomes one function on buffers: bindings
// for its inputs and outputs, weights, arena allocations and views, and the
// steps (cuDNN convolutions, cuBLASLt GEMMs, copies, and dispatch groups of
// nn layers that one generated kernel will run).
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"
#include "passes/lowering/AttentionLowering.h"
#include "passes/lowering/Int8Lowering.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"
#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "kiln-convert-nn-to-engine"

namespace kiln {
#define GEN_PASS_DEF_CONVERTNNTOENGINEPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;

Value kiln::buildActivation(OpBuilder &builder, Location loc, Value x, ActivationAttr attr) {
  MLIRContext *context = builder.getContext();
  OperationState state(loc, "nn." + stringifyActivationKind(attr.getKind()).str());
  state.addOperands(x);
  state.addTypes(x.getType());
  auto f32 = [&](const APFloat &value) {
    return builder.getF32FloatAttr(value.convertToDouble());
  };
  switch (attr.getKind()) {
  case ActivationKind::gelu_tanh:
    state.name = OperationName("nn.gelu", context);
    state.addAttribute("approximation",
                       GeluApproximationAttr::get(context, GeluApproximation::tanh));
    break;
  case ActivationKind::leaky_relu:
  case ActivationKind::elu:
    state.addAttribute("alpha", f32(attr.getAlpha()));
    break;
  case ActivationKind::hard_sigmoid:
    state.addAttribute("alpha", f32(attr.getAlpha()));
    state.addAttribute("beta", f32(attr.getBeta()));
    break;
  case ActivationKind::clip:
    if (!attr.getAlpha().isInfinity())
      state.addAttribute("min", builder.getF64FloatAttr(attr.getAlpha().convertToDouble()));
    if (!attr.getBeta().isInfinity())
      state.addAttribute("max", builder.getF64FloatAttr(attr.getBeta().convertToDouble()));
    break;
  default:
    break;
  }
  return builder.create(state)->getResult(0);
}

namespace {

/// Constants up to this many elements are cloned into the dispatch groups
/// that read them instead of becoming weights.
constexpr int64_t kMaxInlineElements = 64;

Type storageType(Type element) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element))
    return quantized.getStorageType();
  return element;
}

MemRefType bufferTypeOf(Type tensor) {
  auto type = llvm::cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), storageType(type.getElementType()));
}

bool isEngineElement(Type type) {
  if (type.isF32() || type.isF16() || type.isBF16())
    return true;
  auto integer = llvm::dyn_cast<IntegerType>(type);
  if (!integer)
    return false;
  unsigned width = integer.getWidth();
  if (integer.isUnsigned())
    return width == 8;
  return integer.isSignless() && (width == 1 || width == 8 || width == 32 || width == 64);
}

std::string str(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

/// Whether `value` (a tensor or a buffer) holds no elements: a step that
/// would only write it moves zero bytes and is dropped.
bool isEmpty(Value value) {
  return llvm::cast<ShapedType>(value.getType()).getNumElements() == 0;
}

bool isContiguous(Value buffer) {
  return llvm::cast<MemRefType>(buffer.getType()).getLayout().isIdentity();
}

/// Whether `op` only renames the dimensions of contiguous data, so its result
/// can be a view of its input's buffer.
bool isViewLike(Operation *op) {
  if (llvm::isa<ReshapeOp, FlattenOp>(op))
    return true;
  if (auto transpose = llvm::dyn_cast<TransposeOp>(op)) {
    // Moving only unit dimensions keeps the order of the data.
    return transposeKeepsOrder(transpose.getInput().getType().getShape(),
                               transpose.getPermutation());
  }
  return false;
}

bool isPointwise(Operation *op) {
  return llvm::isa<PointwiseOpInterface>(op) && op->getNumResults() == 1;
}

/// Whether every use of `value` is an operand of fused attention (q, k or
/// v), which reads its operands through strides.
bool onlyAttentionReads(Value value) {
  return !value.use_empty() && llvm::all_of(value.getUses(), [](OpOperand &use) {
    return llvm::isa<AttentionOp>(use.getOwner()) && use.getOperandNumber() < 3;
  });
}

/// Whether `slice` takes a window of whole rows' innermost elements (the
/// last dimension only, unit steps) and is only read by fused attention,
/// directly or through reshapes that split that dimension: a strided view
/// then replaces the copy (the Q, K and V slices of a merged projection).
bool isAttentionWindow(SliceOp slice) {
  auto type = llvm::cast<RankedTensorType>(slice.getInput().getType());
  int64_t last = type.getRank() - 1;
  for (int64_t i = 0; i <= last; ++i)
    if (slice.getSteps()[i] != 1 ||
        (i < last && (slice.getStarts()[i] != 0 || slice.getEnds()[i] != type.getDimSize(i))))
      return false;
  Value result = slice.getResult();
  if (onlyAttentionReads(result))
    return true;
  return !result.use_empty() && llvm::all_of(result.getUsers(), [](Operation *user) {
    return llvm::isa<ReshapeOp>(user) && onlyAttentionReads(user->getResult(0));
  });
}

/// The one op that uses `value`, or null when none or several do.
Operation *soleUser(Value value) {
  Operation *user = nullptr;
  for (Operation *candidate : value.getUsers()) {
    if (user && user != candidate)
      return nullptr;
    user = candidate;
  }
  return user;
}

/// Whether `cast` is a float cast read only by a pad: the pad's kernel then
/// converts each element as it moves it (findGroups groups the two).
bool isCastIntoPad(Operation *op) {
  auto cast = llvm::dyn_cast<CastOp>(op);
  if (!cast || !cast.isFloatToFloat())
    return false;
  Operation *user = soleUser(cast.getResult());
  return user && llvm::isa<PadOp>(user);
}

/// Whether `transpose` is read only by a pad, directly or through a float
/// cast that the pad's kernel does, which gathers each output element from
/// its input through the input's strides: the transpose is then a strided
/// view of its input rather than a kernel of its own (the layout conversion
/// of an image ahead of the channel padding of its first conv, f32 NCHW ->
/// NHWC -> f16 -> 3 channels padded to 8, is one kernel instead of three).
bool isGatheredTranspose(TransposeOp transpose) {
  Operation *user = soleUser(transpose.getResult());
  return user && (llvm::isa<PadOp>(user) || isCastIntoPad(user));
}

/// Whether `op` is a pad or a transpose that runs as a kernel of its own (not
/// a view), which a float cast before or after it can join.
bool isConvertingShuffle(Operation *op) {
  if (llvm::isa<PadOp>(op))
    return true;
  auto transpose = llvm::dyn_cast<TransposeOp>(op);
  return transpose && !isViewLike(op) && !isGatheredTranspose(transpose);
}

bool isSmallConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return false;
  auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
  return dense && dense.getNumElements() <= kMaxInlineElements;
}

/// The precision a step runs in, from its element type and `kiln.precision`.
StringAttr precisionOf(Operation *op) {
  MLIRContext *context = op->getContext();
  if (auto attr = op->getAttrOfType<StringAttr>("kiln.precision"))
    return attr;
  // A 16-bit GEMM that writes f32 computes in its operands' precision.
  if (auto gemm = llvm::dyn_cast<GemmOp>(op)) {
    Type computed = gemm.getA().getType().getElementType();
    if (isWidenedFloatResult(computed, gemm.getType().getElementType()))
      return StringAttr::get(context, getPrecisionName(computed));
  }
  for (TypeRange types : {TypeRange(op->getResultTypes()), TypeRange(op->getOperandTypes())})
    for (Type type : types)
      if (StringRef found = getPrecisionName(getElementTypeOrSelf(type)); !found.empty())
        return StringAttr::get(context, found);
  return {};
}

ArrayAttr layersOf(ArrayRef<Operation *> ops) {
  llvm::SetVector<StringRef> names;
  for (Operation *op : ops)
    for (StringRef name : getLayerNames(op))
      names.insert(name);
  if (names.empty())
    return {};
  Builder builder(ops.front()->getContext());
  return builder.getStrArrayAttr(names.getArrayRef());
}


/// Whether cuDNN has no engine for `conv`: cuDNN 9.19 refuses a 1-D grouped
/// convolution whose fused activation is not of the RELU_FWD family (relu,
/// clip, leaky relu) -- the silu of ONNX's causal-conv node tests failed in
/// check_support while the same convolutions with a bias only ran.
bool cudnnRefuses(ConvOp conv) {
  ActivationAttr activation = conv.getActivationAttr();
  if (conv.getGroups() == 1 || conv.getStrides().size() != 1 || !activation)
    return false;
  ActivationKind kind = activation.getKind();
  return kind != ActivationKind::relu && kind != ActivationKind::clip &&
         kind != ActivationKind::leaky_relu;
}

/// Whether `conv` is depthwise: one input and one output channel per group.
bool isDepthwise(ConvOp conv) {
  int64_t rank = conv.getInput().getType().getRank();
  int64_t channelDim = conv.getLayout() == Layout::channels_last ? rank - 1 : 1;
  int64_t groups = conv.getGroups();
  return groups > 1 && conv.getInput().getType().getDimSize(channelDim) == groups &&
         conv.getType().getDimSize(channelDim) == groups;
}

/// Where depthwise convolutions run (the pass's `depthwise-conv`).
enum class DepthwisePath { Auto, Cudnn, Kernel };

/// Whether `conv` runs in a generated kernel rather than cuDNN. `auto` is
/// the kernel for every depthwise convolution until GPU measurements
/// (bench/depthwise.sh) say where cuDNN wins.
bool runsInKernel(ConvOp conv, DepthwisePath depthwise) {
  if (cudnnRefuses(conv))
    return true;
  return depthwise != DepthwisePath::Cudnn && isDepthwise(conv);
}

/// Lowers one network function.
class FunctionLowering {
public:
  FunctionLowering(func::FuncOp function, DepthwisePath depthwise, bool int8InCudnn,
                   bool approximateGelu)
      : function(function), depthwise(depthwise), int8InCudnn(int8InCudnn),
        approximateGelu(approximateGelu) {}

  LogicalResult run();

private:
  LogicalResult check();
  void findGroups();
  void findInPlaceConcats();

  bool isComputed(Value value) {
    Operation *op = value.getDefiningOp();
    return op && !llvm::isa<ConstantOp>(op);
  }
  bool hasFixedDestination(Value value);
  Value getDestination(Value value);
  Value getBuffer(Value value);
  Value view(Value source, MemRefType type, int64_t byteOffset);
  Value alloc(Type tensorType);
  Value sliceOfConcat(ConcatOp concat, unsigned index);

  LogicalResult lower(Operation *op);
  template <typename ConvLike>
  LogicalResult lowerConv(ConvLike conv);
  LogicalResult lowerGemm(GemmOp gemm);
  LogicalResult lowerMatmul(MatmulOp matmul);
  void lowerInt8Conv(ConvOp conv);
  void lowerInt8Product(Operation *op);
  void emitInt8Epilogue(Operation *layer, Value acc, Type accType);
  void lowerViewLike(Operation *op);
  /// `result` (a reshape of the strided view `source` that splits its
  /// innermost dimension) as a strided view, or null when it is not one.
  Value splitInnermost(Value source, Value result);
  void lowerAttentionWindow(SliceOp slice);
  void lowerGatheredTranspose(TransposeOp transpose);
  void emitDispatch(ArrayRef<Operation *> members, ArrayAttr layers = {},
                    StringAttr precision = {});
  void emitActivation(Operation *layer, ActivationAttr activation, Value from, Value to,
                      ArrayAttr layers);
  void emitCopy(Value source, Value target, Operation *layer);
  ActivationAttr gemmEpilogue(Operation *layer, ActivationAttr activation);
  StringAttr tf32(Operation *op) {
    auto attr = op->getAttrOfType<StringAttr>("kiln.precision");
    return attr && attr.getValue() == "tf32" ? attr : StringAttr();
  }

  func::FuncOp function;
  DepthwisePath depthwise;
  bool int8InCudnn; ///< int8-epilogue=cudnn: fused INT8 convs where cuDNN can
  bool approximateGelu; ///< gelu-epilogue=auto: 16-bit GEMMs fuse erf GELU as tanh
  func::FuncOp lowered;
  OpBuilder builder{function.getContext()};
  /// The buffer each tensor lives in.
  DenseMap<Value, Value> buffers;
  /// Views made of a destination, to the destination they view.
  DenseMap<Value, Value> viewed;
  /// The first result index each returned value has, and whether each output
  /// binding is taken.
  DenseMap<Value, unsigned> resultIndex;
  SmallVector<bool> bound;
  SmallVector<Value> outputs;
  /// Pointwise layers: the representative of each one's group, and the
  /// members of each group in order.
  DenseMap<Operation *, Operation *> groupOf;
  DenseMap<Operation *, SmallVector<Operation *>> members;
  Operation *findGroup(Operation *op) {
    Operation *parent = groupOf.lookup(op);
    if (parent == op)
      return op;
    Operation *root = findGroup(parent);
    groupOf[op] = root;
    return root;
  }
  DenseSet<Operation *> inPlaceConcats;
};

LogicalResult FunctionLowering::check() {
  bool ok = true;
  auto fail = [&](Operation *op, const Twine &reason) {
    op->emitError() << "cannot lower layer '" << getLayerName(op) << "' (" << op->getName()
                    << ") to the engine: " << reason;
    ok = false;
  };
  auto checkType = [&](Operation *op, Type type) {
    auto tensor = llvm::dyn_cast<RankedTensorType>(type);
    if (!tensor) {
      fail(op, "unranked or non-tensor type " + str(type));
      return false;
    }
    if (!tensor.hasStaticShape()) {
      fail(op, "dynamic shape " + str(type));
      return false;
    }
    if (!isEngineElement(storageType(tensor.getElementType()))) {
      fail(op, "element type " + str(tensor.getElementType()) +
                   " has no engine buffer type");
      return false;
    }
    return true;
  };
  for (auto [index, type] : llvm::enumerate(function.getArgumentTypes())) {
    auto tensor = llvm::dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape() ||
        !isEngineElement(storageType(tensor.getElementType()))) {
      function.emitError() << "cannot lower input #" << index << " of type " << type
                           << ": the engine needs static shapes of its element types";
      ok = false;
    }
  }
  function.walk([&](Operation *op) {
    if (op == function || llvm::isa<func::ReturnOp>(op))
      return;
    if (op->getDialect() != function->getContext()->getLoadedDialect<NNDialect>()) {
      fail(op, "only nn layers lower");
      return;
    }
    for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
      if (!checkType(op, type))
        return;
    if (isInt8Layer(op))
      if (std::string why = whyNotInt8Lowerable(op, depthwise != DepthwisePath::Cudnn);
          !why.empty())
        return fail(op, why);
    if (auto attention = llvm::dyn_cast<AttentionOp>(op))
      if (std::string why = whyNotFusedAttention(attention); !why.empty())
        return fail(op, why);
    // A product over an empty inner dimension (K = 0, or no input channels)
    // is all zeros plus its bias, not something cuBLASLt or cuDNN compute.
    if (llvm::isa<MatmulOp, GemmOp, ConvOp, ConvTransposeOp>(op) && !isEmpty(op->getResult(0)))
      for (Value operand : op->getOperands().take_front(2))
        if (isEmpty(operand))
          return fail(op, "operand " + str(operand.getType()) +
                              " is empty while the result is not (a product over an "
                              "empty inner dimension)");
  });
  return success(ok);
}

/// Pointwise layers join the group of the pointwise layer that alone reads
/// their result, when it has their shape: each group is a tree of
/// single-use intermediates whose root writes the only result.
void FunctionLowering::findGroups() {
  for (Operation &op : function.getBody().front())
    if (isPointwise(&op) && !llvm::isa<ConstantOp>(op))
      groupOf[&op] = &op;
  for (Operation &op : function.getBody().front()) {
    if (!groupOf.count(&op))
      continue;
    for (Value operand : op.getOperands()) {
      Operation *producer = operand.getDefiningOp();
      if (!producer || !groupOf.count(producer) || soleUser(operand) != &op)
        continue;
      if (operand.getType() != op.getResult(0).getType() &&
          llvm::cast<ShapedType>(operand.getType()).getShape() !=
              llvm::cast<ShapedType>(op.getResult(0).getType()).getShape())
        continue;
      groupOf[findGroup(producer)] = findGroup(&op);
    }
  }
  // A float cast left alone joins the pad or transpose it reads or that
  // reads it: one kernel moves and converts each element (TensorRT's
  // reformat layers change layout and type at once). A pad that reads it
  // first, so that a transpose before the cast stays a view the pad gathers
  // through (isGatheredTranspose). Softmax and the normalizations store
  // their result converted by a cast that alone reads it (an FP16 network's
  // f32 output).
  DenseMap<Operation *, unsigned> sizes;
  for (auto &entry : groupOf)
    ++sizes[findGroup(entry.first)];
  for (Operation &op : function.getBody().front()) {
    auto cast = llvm::dyn_cast<CastOp>(op);
    if (!cast || !cast.isFloatToFloat() || sizes.lookup(findGroup(&op)) != 1)
      continue;
    Operation *producer = cast.getInput().getDefiningOp();
    Operation *reader = soleUser(cast.getResult());
    Operation *shuffle = nullptr; // or the row op
    if (reader && llvm::isa<PadOp>(reader))
      shuffle = reader;
    else if (producer && (isConvertingShuffle(producer) || isRowNormalization(producer)) &&
             soleUser(cast.getInput()) == &op)
      shuffle = producer;
    else if (reader && isConvertingShuffle(reader))
      shuffle = reader;
    if (!shuffle || groupOf.count(shuffle))
      continue;
    groupOf[shuffle] = findGroup(&op);
  }
  for (Operation &op : function.getBody().front())
    if (groupOf.count(&op))
      members[findGroup(&op)].push_back(&op);
}

/// In-place concats whose inputs all are computed by layers writing straight
/// into their slice; a concat that is itself a slice of another stays a copy,
/// since a slice of a strided slice cannot be viewed.
void FunctionLowering::findInPlaceConcats() {
  for (Operation &op : llvm::reverse(function.getBody().front())) {
    auto concat = llvm::dyn_cast<ConcatOp>(op);
    if (!concat || !concat.getInPlace())
      continue;
    bool ok = llvm::all_of(concat.getInputs(), [&](Value input) {
      Operation *producer = input.getDefiningOp();
      return producer && isComputed(input) && !isViewLike(producer) &&
             !llvm::isa<ConcatOp>(producer) && soleUser(input) == concat;
    });
    if (Operation *user = soleUser(concat.getResult()))
      ok &= !inPlaceConcats.contains(user);
    if (ok)
      inPlaceConcats.insert(concat);
  }
}

bool FunctionLowering::hasFixedDestination(Value value) {
  if (!isComputed(value))
    return false;
  if (auto it = resultIndex.find(value); it != resultIndex.end() && !bound[it->second])
    return true;
  Operation *user = soleUser(value);
  if (!user || resultIndex.count(value))
    return false;
  if (inPlaceConcats.contains(user))
    return true;
  return isViewLike(user) && hasFixedDestination(user->getResult(0));
}

Value FunctionLowering::view(Value source, MemRefType type, int64_t byteOffset) {
  if (source.getType() == type && byteOffset == 0)
    return source;
  return engine::ViewOp::create(builder, source.getLoc(), type, source, byteOffset);
}

Value FunctionLowering::alloc(Type tensorType) {
  return engine::AllocOp::create(builder, builder.getUnknownLoc(), bufferTypeOf(tensorType),
                                 IntegerAttr(), StringAttr());
}

Value FunctionLowering::sliceOfConcat(ConcatOp concat, unsigned index) {
  Value whole = getDestination(concat.getResult());
  auto wholeType = llvm::cast<MemRefType>(whole.getType());
  SmallVector<int64_t> strides = engine::getElementStrides(wholeType);
  int64_t axis = concat.getAxis();
  int64_t before = 0;
  for (Value input : concat.getInputs().take_front(index))
    before += llvm::cast<ShapedType>(input.getType()).getDimSize(axis);
  MemRefType slice = bufferTypeOf(concat.getInputs()[index].getType());
  // Outside the leading unit dimensions the slice skips the other inputs.
  bool contiguous = llvm::all_of(wholeType.getShape().take_front(axis),
                                 [](int64_t d) { return d == 1; });
  if (!contiguous)
    slice = MemRefType::get(slice.getShape(), slice.getElementType(),
                            StridedLayoutAttr::get(builder.getContext(), 0, strides));
  int64_t offset = before * strides[axis] * engine::getElementSize(wholeType.getElementType());
  return view(whole, slice, offset);
}

Value FunctionLowering::getDestination(Value value) {
  if (auto it = buffers.find(value); it != buffers.end())
    return it->second;
  Value buffer;
  if (auto it = resultIndex.find(value);
      it != resultIndex.end() && isComputed(value) && !bound[it->second]) {
    buffer = outputs[it->second];
    bound[it->second] = true;
  } else if (Operation *user = soleUser(value); user && isComputed(value)) {
    if (inPlaceConcats.contains(user)) {
      buffer = sliceOfConcat(llvm::cast<ConcatOp>(user),
                             value.getUses().begin()->getOperandNumber());
    } else if (isViewLike(user) && hasFixedDestination(user->getResult(0))) {
      Value target = getDestination(user->getResult(0));
      if (isContiguous(target)) {
        buffer = view(target, bufferTypeOf(value.getType()), 0);
        viewed[buffer] = target;
      }
    }
  }
  if (!buffer)
    buffer = alloc(value.getType());
  buffers[value] = buffer;
  return buffer;
}

Value FunctionLowering::getBuffer(Value value) {
  if (auto it = buffers.find(value); it != buffers.end())
    return it->second;
  auto constant = value.getDefiningOp<ConstantOp>();
  assert(constant && "layers are lowered in order");
  std::string name = getLayerName(constant);
  auto weight = engine::WeightOp::create(
      builder, constant.getLoc(), bufferTypeOf(value.getType()), constant.getValue(),
      name.empty() ? StringAttr() : builder.getStringAttr(name));
  buffers[value] = weight;
  return weight;
}

void FunctionLowering::emitDispatch(ArrayRef<Operation *> members, ArrayAttr layers,
                                    StringAttr precision) {
  DenseSet<Operation *> inGroup(members.begin(), members.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Value> results;
  for (Operation *member : members) {
    for (Value operand : member->getOperands()) {
      Operation *producer = operand.getDefiningOp();
      if ((!producer || !inGroup.contains(producer)) && !isSmallConstant(operand))
        inputs.insert(operand);
    }
    for (Value result : member->getResults())
      if (llvm::any_of(result.getUsers(),
                       [&](Operation *user) { return !inGroup.contains(user); }) ||
          result.use_empty() || resultIndex.count(result))
        results.push_back(result);
  }
  SmallVector<Value> inputBuffers, outputBuffers;
  if (!results.empty() && llvm::all_of(results, isEmpty)) {
    // Nothing to compute: the results hold no elements.
    for (Value result : results)
      getDestination(result);
    return;
  }
  for (Value input : inputs)
    inputBuffers.push_back(getBuffer(input));
  for (Value result : results)
    outputBuffers.push_back(getDestination(result));

  SmallVector<Location> locations;
  for (Operation *member : members)
    locations.push_back(member->getLoc());
  Location loc = FusedLoc::get(builder.getContext(), locations);
  auto dispatch = engine::DispatchOp::create(builder, loc, inputBuffers, outputBuffers);
  Block &body = dispatch.getBody().front();
  IRMapping mapping;
  for (auto [input, argument] : llvm::zip(inputs, body.getArguments())) {
    argument.setType(input.getType());
    mapping.map(input, argument);
  }
  OpBuilder inner = OpBuilder::atBlockEnd(&body);
  for (Operation *member : members) {
    for (Value operand : member->getOperands())
      if (!mapping.contains(operand) && isSmallConstant(operand))
        inner.clone(*operand.getDefiningOp(), mapping);
    inner.clone(*member, mapping);
  }
  SmallVector<Value> yielded;
  for (Value result : results)
    yielded.push_back(mapping.lookup(result));
  engine::YieldOp::create(inner, loc, yielded);
  dispatch.setLayersAttr(layers ? layers : layersOf(members));
  if (!precision)
    precision = precisionOf(members.back());
  if (precision)
    dispatch.setPrecisionAttr(precision);
}

void FunctionLowering::emitActivation(Operation *layer, ActivationAttr activation,
                                      Value from, Value to, ArrayAttr layers) {
  auto dispatch = engine::DispatchOp::create(builder, layer->getLoc(), {from}, {to});
  Block &body = dispatch.getBody().front();
  OpBuilder inner = OpBuilder::atBlockEnd(&body);
  Value result = buildActivation(inner, layer->getLoc(), body.getArgument(0), activation);
  engine::YieldOp::create(inner, layer->getLoc(), result);
  dispatch.setLayersAttr(layers);
  if (StringAttr precision = precisionOf(layer))
    dispatch.setPrecisionAttr(precision);
}

/// A quantize left on its own (its producer runs in float, e.g. a stem kept
/// in FP16 under INT8) whose only reader is a max pool becomes the pool's
/// result: the pool reads the float tensor and writes the quantized one, the
/// same values (max commutes with quantization), in one kernel instead of
/// two, without the full-size quantized tensor between them. A widening cast
/// before the quantize (f16 to f32, exact) goes too. Not where the float
/// tensor comes from a pointwise layer read only here (its kernel writes the
/// int8 tensor itself). Returns how many.
static int64_t foldQuantizesIntoMaxPools(func::FuncOp function) {
  SmallVector<PoolOp> pools;
  function.walk([&](PoolOp pool) {
    auto quantize = pool.getInput().getDefiningOp<QuantizeOp>();
    if (pool.getKind() == PoolKind::max && quantize && quantize->hasOneUse() &&
        whyNotQuantizingMaxPool(quantize.getType().getElementType(), pool.getLayout(),
                                pool.getType().getRank())
            .empty())
      pools.push_back(pool);
  });
  int64_t folded = 0;
  for (PoolOp pool : pools) {
    auto quantize = pool.getInput().getDefiningOp<QuantizeOp>();
    SmallVector<Location> locs{quantize.getLoc(), pool.getLoc()};
    Value x = quantize.getInput();
    // Exact: every value of `from` is one of `to` (f16 or bf16 to f32; not
    // bf16 to f16, whose range is smaller).
    auto isExact = [](CastOp cast) {
      auto from = llvm::dyn_cast<FloatType>(cast.getInput().getType().getElementType());
      auto to = llvm::dyn_cast<FloatType>(cast.getType().getElementType());
      return from && to &&
             llvm::APFloat::isRepresentableBy(from.getFloatSemantics(), to.getFloatSemantics());
    };
    auto cast = x.getDefiningOp<CastOp>();
    if (cast && !(cast->hasOneUse() && isExact(cast)))
      cast = CastOp();
    if (cast) {
      x = cast.getInput();
      locs.insert(locs.begin(), cast.getLoc());
    }
    // A pointwise producer whose only reader this is would take the quantize
    // into its own kernel and write int8: the pool then reads fewer bytes.
    if (Operation *producer = x.getDefiningOp();
        producer && isPointwise(producer) && !llvm::isa<ConstantOp>(producer) &&
        x.hasOneUse())
      continue;
    OpBuilder builder(pool);
    Operation *fused = builder.clone(*pool);
    fused->setOperand(0, x);
    fused->setLoc(builder.getFusedLoc(locs));
    pool.replaceAllUsesWith(fused->getResult(0));
    pool.erase();
    quantize.erase();
    if (cast)
      cast.erase();
    ++folded;
  }
  return folded;
}

/// Whether `gemm`'s C is cuBLASLt's bias vector: a row of N values (any
/// leading unit dimensions) broadcast over the rows, added unscaled.
static bool hasBiasRow(GemmOp gemm) {
  Value bias = gemm.getBias();
  if (!bias || gemm.getBeta().convertToDouble() != 1.0)
    return false;
  auto type = llvm::cast<RankedTensorType>(bias.getType());
  int64_t n = gemm.getType().getShape().back();
  return type.getNumElements() == n && type.getRank() >= 1 && type.getShape().back() == n;
}

/// An input's float conversion read only by a transpose that a pad alone
/// reads (an FP16 engine's image: f32 NCHW -> f16 -> NHWC -> channels padded
/// to 8), directly or through reshapes (the image's pixel blocks,
/// kiln-space-to-depth), is done after the transpose: the transpose becomes
/// a strided view of the binding, and the pad's kernel reads the f32 image
/// through it, converts and pads (isGatheredTranspose, findGroups): one
/// kernel instead of two. Only for function inputs, whose buffers a view
/// can always take.
static void moveInputCastsAfterTransposes(func::FuncOp function) {
  struct Hoist {
    TransposeOp transpose;
    SmallVector<ReshapeOp> reshapes; ///< from the transpose up
    CastOp cast;
  };
  SmallVector<Hoist> hoists;
  function.walk([&](TransposeOp transpose) {
    if (!transpose->hasOneUse() || !llvm::isa<PadOp>(*transpose->user_begin()))
      return;
    Hoist hoist{transpose, {}, {}};
    Value input = transpose.getInput();
    while (auto reshape = input.getDefiningOp<ReshapeOp>()) {
      if (!reshape->hasOneUse())
        return;
      hoist.reshapes.push_back(reshape);
      input = reshape.getInput();
    }
    hoist.cast = input.getDefiningOp<CastOp>();
    if (hoist.cast && hoist.cast.isFloatToFloat() && hoist.cast->hasOneUse() &&
        llvm::isa<BlockArgument>(hoist.cast.getInput()))
      hoists.push_back(std::move(hoist));
  });
  for (auto &[transpose, reshapes, cast] : hoists) {
    OpBuilder builder(transpose);
    Value moved = cast.getInput();
    Type wide = getElementTypeOrSelf(moved.getType());
    for (ReshapeOp reshape : llvm::reverse(reshapes))
      moved = ReshapeOp::create(builder, reshape.getLoc(), reshape.getType().clone(wide), moved);
    moved = TransposeOp::create(builder, transpose.getLoc(), moved, transpose.getPermutation());
    Value converted = CastOp::create(builder, cast.getLoc(), transpose.getType(), moved);
    transpose.replaceAllUsesWith(converted);
    transpose.erase();
    for (ReshapeOp reshape : reshapes)
      reshape.erase();
    cast.erase();
  }
}

/// A float GEMM whose only reader widens its f16 or bf16 result to f32 (the
/// cast before a network's f32 output, after the classifier; or any other
/// such cast, e.g. before a layer kept in FP32) writes f32 itself:
/// cuBLASLt's epilogue stores its f32 sums as they are, so the logits are
/// not rounded to 16 bits (the engine is then closer to the f32 result than
/// the nn graph it lowers, which rounds first), and no cast kernel runs. Only where
/// the GEMM stays one cuBLASLt call with a result as wide as the cast's:
/// no residual, an activation cuBLASLt fuses at any width (relu,
/// gelu_tanh), and no bias or a constant bias row (widened to f32 here,
/// cuBLASLt's bias type for an f32 result). Returns how many.
static int64_t foldWideningCastsIntoGemms(func::FuncOp function) {
  SmallVector<CastOp> casts;
  function.walk([&](CastOp cast) {
    auto gemm = cast.getInput().getDefiningOp<GemmOp>();
    if (!gemm || !gemm->hasOneUse() || gemm.getResidual() ||
        isQuantized(gemm.getA().getType().getElementType()) ||
        !isWidenedFloatResult(gemm.getType().getElementType(), cast.getType().getElementType()))
      return;
    if (ActivationAttr activation = gemm.getActivationAttr();
        activation && !engine::isGemmEpilogueActivation(activation.getKind()))
      return;
    if (Value bias = gemm.getBias();
        bias && !(hasBiasRow(gemm) && bias.getDefiningOp<ConstantOp>()))
      return;
    casts.push_back(cast);
  });
  int64_t folded = 0;
  for (CastOp cast : casts) {
    auto gemm = cast.getInput().getDefiningOp<GemmOp>();
    Type wide = cast.getType().getElementType();
    OpBuilder builder(gemm);
    Operation *widened = builder.clone(*gemm);
    if (Value bias = gemm.getBias()) {
      auto constant = bias.getDefiningOp<ConstantOp>();
      llvm::Expected<reference::Tensor> values =
          reference::Tensor::fromAttr(constant.getValue(), constant.getType());
      if (!values) {
        llvm::consumeError(values.takeError());
        widened->erase();
        continue;
      }
      // Exact: every f16 or bf16 value is an f32 value.
      reference::Tensor widenedBias = reference::Tensor::fromReals(
          wide, constant.getType().getShape(), values->toReals());
      auto type = constant.getType().clone(wide);
      llvm::cast<GemmOp>(widened).getBiasMutable().assign(ConstantOp::create(
          builder, constant.getLoc(), type,
          nn::makeWeightAttr(widenedBias.toAttr(), "kiln_widened")));
    }
    Value oldBias = gemm.getBias();
    // It computes in the operands' precision, whatever it writes.
    if (!widened->hasAttr("kiln.precision"))
      widened->setAttr("kiln.precision",
                       builder.getStringAttr(getPrecisionName(gemm.getType().getElementType())));
    widened->getResult(0).setType(cast.getType());
    widened->setLoc(builder.getFusedLoc({gemm.getLoc(), cast.getLoc()}));
    cast.replaceAllUsesWith(widened->getResult(0));
    cast.erase();
    gemm.erase();
    if (oldBias && oldBias.use_empty())
      oldBias.getDefiningOp()->erase();
    ++folded;
  }
  return folded;
}

/// The layers of an epilogue split in two steps: the last name (the
/// activation, fused last) goes to the second.
static std::pair<ArrayAttr, ArrayAttr> splitLayers(Operation *op) {
  Builder builder(op->getContext());
  SmallVector<StringRef> names = getLayerNames(op);
  if (names.size() < 2)
    return {builder.getStrArrayAttr(names), builder.getStrArrayAttr(names)};
  return {builder.getStrArrayAttr(ArrayRef(names).drop_back()),
          builder.getStrArrayAttr(names.back())};
}

template <typename ConvLike>
LogicalResult FunctionLowering::lowerConv(ConvLike conv) {
  Value x = getBuffer(conv.getInput()), w = getBuffer(conv.getFilter());
  Value bias = conv.getBias() ? getBuffer(conv.getBias()) : Value();
  Value residual = conv.getResidual() ? getBuffer(conv.getResidual()) : Value();
  ActivationAttr activation = conv.getActivationAttr();
  bool split = activation && (activation.getKind() == ActivationKind::hard_sigmoid ||
                              activation.getKind() == ActivationKind::hard_swish);
  Value y = getDestination(conv.getResult());
  Value out = split ? alloc(conv.getType()) : y;
  auto [convLayers, activationLayers] = splitLayers(conv);
  bool transposed = std::is_same_v<ConvLike, ConvTransposeOp>;
  auto step = engine::ConvOp::create(
      builder, conv.getLoc(), x, w, bias, residual, /*scale=*/Value(), out, conv.getStrides(),
      conv.getPads(), conv.getDilations(), conv.getGroups(), transposed, conv.getLayout(),
      split ? ActivationAttr() : activation, APFloat(1.0f), bool(tf32(conv)),
      /*engine_id=*/uint64_t(-1), DenseI64ArrayAttr(), /*workspace=*/0,
      /*residual_scale=*/APFloat(1.0f),
      split ? convLayers : layersOf(conv.getOperation()), precisionOf(conv), StringAttr(),
      /*post_scale=*/APFloat(1.0f));
  (void)step;
  if (split)
    emitActivation(conv, activation, out, y, activationLayers);
  return success();
}

/// An INT8 convolution: cuDNN multiplies the int8 data and weights and, where
/// its graph can, applies the epilogue too; otherwise it writes an f32 tensor
/// of integer sums and a generated kernel applies the epilogue.
/// Input channels short of a multiple of 4 (an RGB image) are padded.
void FunctionLowering::lowerInt8Conv(ConvOp conv) {
  Value x = getBuffer(conv.getInput()), w;
  RankedTensorType inputType = conv.getInput().getType();
  int64_t channels = inputType.getShape().back(), padded = (channels + 3) / 4 * 4;
  if (padded == channels) {
    w = getBuffer(conv.getFilter());
  } else {
    // A kernel pads the data with zero channels; the filter gets zero weights.
    SmallVector<int64_t> shape(inputType.getShape());
    shape.back() = padded;
    auto paddedType = RankedTensorType::get(shape, inputType.getElementType());
    Value wide = alloc(paddedType);
    auto pad = engine::DispatchOp::create(builder, conv.getLoc(), {x}, {wide});
    Block &body = pad.getBody().front();
    body.getArgument(0).setType(inputType);
    OpBuilder inner = OpBuilder::atBlockEnd(&body);
    SmallVector<int64_t> pads(2 * shape.size(), 0);
    pads.back() = padded - channels;
    Value result = PadOp::create(inner, conv.getLoc(), body.getArgument(0), pads,
                                 PadMode::constant, APFloat(0.0));
    engine::YieldOp::create(inner, conv.getLoc(), result);
    pad.setLayersAttr(layersOf(conv.getOperation()));
    pad.setPrecisionAttr(builder.getStringAttr("int8"));
    x = wide;
    DenseElementsAttr filter = paddedInt8Filter(conv.getFilter(), padded);
    std::string name = getLayerName(conv.getFilter().getDefiningOp());
    w = engine::WeightOp::create(builder, conv.getFilter().getLoc(),
                                 MemRefType::get(filter.getType().getShape(),
                                                 builder.getIntegerType(8)),
                                 filter, name.empty() ? StringAttr() : builder.getStringAttr(name));
  }
  if (int8InCudnn && whyNotFusedInt8Conv(conv).empty()) { // the epilogue inside cuDNN's graph
    Value residual = conv.getResidual() ? getBuffer(conv.getResidual()) : Value();
    buildFusedInt8Conv(builder, conv, x, w, residual, getDestination(conv.getResult()),
                       layersOf(conv.getOperation()));
    return;
  }
  auto accType = RankedTensorType::get(conv.getType().getShape(), builder.getF32Type());
  Value acc = alloc(accType);
  engine::ConvOp::create(builder, conv.getLoc(), x, w, Value(), Value(), Value(), acc,
                         conv.getStrides(), conv.getPads(), conv.getDilations(),
                         conv.getGroups(), /*transposed=*/false, conv.getLayout(),
                         ActivationAttr(), APFloat(1.0f), /*allow_tf32=*/false,
                         /*engine_id=*/uint64_t(-1), DenseI64ArrayAttr(), /*workspace=*/0,
                         /*residual_scale=*/APFloat(1.0f), layersOf(conv.getOperation()),
                         builder.getStringAttr("int8"), StringAttr(),
                         /*post_scale=*/APFloat(1.0f));
  emitInt8Epilogue(conv, acc, accType);
}

/// An INT8 gemm or matmul: cuBLASLt's IMMA kernels multiply A [rows, K] by
/// B stored [N, K] (constant weights stored [K, N] are transposed here) into
/// i32; the epilogue kernel reads the i32 sums through their scales.
void FunctionLowering::lowerInt8Product(Operation *op) {
  Location loc = op->getLoc();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  auto resultType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  int64_t k = llvm::cast<RankedTensorType>(lhs.getType()).getShape().back();
  int64_t n = resultType.getShape().back();
  int64_t rows = resultType.getNumElements() / n;
  Type i8 = builder.getIntegerType(8), i32 = builder.getIntegerType(32);
  Value a = view(getBuffer(lhs), MemRefType::get({rows, k}, i8), 0);
  auto gemm = llvm::dyn_cast<GemmOp>(op);
  Value b;
  if (gemm && gemm.getTransB()) {
    b = view(getBuffer(rhs), MemRefType::get({n, k}, i8), 0);
  } else {
    std::string name = getLayerName(rhs.getDefiningOp());
    b = engine::WeightOp::create(builder, rhs.getLoc(), MemRefType::get({n, k}, i8),
                                 transposedInt8Weight(rhs),
                                 name.empty() ? StringAttr() : builder.getStringAttr(name));
  }
  Value acc = alloc(RankedTensorType::get(resultType.getShape(), i32));
  engine::GemmOp::create(builder, loc, a, b, Value(), Value(),
                         view(acc, MemRefType::get({rows, n}, i32), 0), /*trans_a=*/false,
                         /*trans_b=*/true, APFloat(1.0f), APFloat(1.0f), ActivationAttr(),
                         /*allow_tf32=*/false, DenseI64ArrayAttr(), 0, layersOf(op),
                         builder.getStringAttr("int8"), StringAttr());
  // The sums' scales, one per output column (one for all when they agree).
  std::vector<double> scales = accumulatorScales(op, n);
  Type f32 = builder.getF32Type();
  int64_t low = std::numeric_limits<int32_t>::min(), high = std::numeric_limits<int32_t>::max();
  Type element;
  if (llvm::all_of(scales, [&](double s) { return s == scales.front(); }))
    element = quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i32, f32,
                                               scales.front(), 0, low, high);
  else
    element = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, i32, f32, scales, SmallVector<int64_t>(n, 0),
        resultType.getRank() - 1, low, high);
  emitInt8Epilogue(op, acc, RankedTensorType::get(resultType.getShape(), element));
}

/// The dispatch that turns a layer's integer sums `acc` (standing for a
/// tensor of `accType`) into its result.
void FunctionLowering::emitInt8Epilogue(Operation *layer, Value acc, Type accType) {
  SmallVector<Value> inputs{acc};
  SmallVector<Type> types{accType};
  Value bias = getEpilogueBias(layer), residual = getEpilogueResidual(layer);
  for (Value operand : {bias, residual}) {
    if (!operand)
      continue;
    inputs.push_back(getBuffer(operand));
    types.push_back(operand.getType());
  }
  Value y = getDestination(layer->getResult(0));
  auto dispatch = engine::DispatchOp::create(builder, layer->getLoc(), inputs, {y});
  Block &body = dispatch.getBody().front();
  for (auto [argument, type] : llvm::zip(body.getArguments(), types))
    argument.setType(type);
  OpBuilder inner = OpBuilder::atBlockEnd(&body);
  Value result = buildInt8Epilogue(inner, layer, body.getArgument(0),
                                   bias ? body.getArgument(1) : Value(),
                                   residual ? body.getArguments().back() : Value());
  engine::YieldOp::create(inner, layer->getLoc(), result);
  dispatch.setLayersAttr(layersOf(layer));
  dispatch.setPrecisionAttr(builder.getStringAttr("int8"));
}

/// Whether cuBLASLt can run a batch of `operand` against the result's batch:
/// one batch stride, so its batch dimensions either are the result's or all 1.
static bool isPlainBatch(ArrayRef<int64_t> shape, ArrayRef<int64_t> batch) {
  ArrayRef<int64_t> own = shape.drop_back(2);
  if (llvm::all_of(own, [](int64_t d) { return d == 1; }))
    return true;
  if (own.size() > batch.size())
    return false;
  SmallVector<int64_t> padded(batch.size() - own.size(), 1);
  padded.append(own.begin(), own.end());
  return ArrayRef<int64_t>(padded) == batch;
}

/// The activation cuBLASLt applies in `layer`'s epilogue, or null when it
/// cannot (the activation then follows as a dispatch). cuBLASLt fuses relu
/// and GELU in its tanh form. With gelu-epilogue=auto, erf GELU in an f16 or
/// bf16 GEMM fuses as the tanh form too: the two differ by at most 4.8e-4
/// (at |x| ≈ 2.7), under half a unit in the last place of f16 there (9.8e-4)
/// and far under bf16's, while the separate kernel would write and read the
/// whole product once more.
ActivationAttr FunctionLowering::gemmEpilogue(Operation *layer, ActivationAttr activation) {
  if (!activation)
    return {};
  if (engine::isGemmEpilogueActivation(activation.getKind()))
    return activation;
  if (activation.getKind() == ActivationKind::gelu) {
    Type element = getElementTypeOrSelf(layer->getResult(0).getType());
    if (approximateGelu && (element.isF16() || element.isBF16()))
      return ActivationAttr::get(layer->getContext(), ActivationKind::gelu_tanh);
  }
  return {};
}

LogicalResult FunctionLowering::lowerMatmul(MatmulOp matmul) {
  auto lhsType = matmul.getLhs().getType(), rhsType = matmul.getRhs().getType();
  auto resultType = matmul.getType();
  ActivationAttr activation = matmul.getActivationAttr();
  ActivationAttr epilogue = gemmEpilogue(matmul, activation);
  bool fusable = !activation || epilogue;
  if (lhsType.getRank() < 2 || rhsType.getRank() < 2) {
    emitDispatch(matmul.getOperation());
    return success();
  }
  ArrayRef<int64_t> batch = resultType.getShape().drop_back(2);
  ArrayRef<int64_t> rhsBatch = rhsType.getShape().drop_back(2);
  bool rhsUnbatched = llvm::all_of(rhsBatch, [](int64_t d) { return d == 1; });
  Value d = getDestination(matmul.getResult());
  int64_t lhsRows = lhsType.getNumElements() / lhsType.getShape().back();
  bool fold = rhsUnbatched && lhsType.getRank() > 2 && isContiguous(d) &&
              lhsRows == resultType.getNumElements() / resultType.getShape().back();
  if (!fold && (!isPlainBatch(lhsType.getShape(), batch) ||
                !isPlainBatch(rhsType.getShape(), batch))) {
    // Broadcasting batch dimensions a single batch stride cannot express.
    emitDispatch(matmul.getOperation());
    return success();
  }
  Value a = getBuffer(matmul.getLhs()), b = getBuffer(matmul.getRhs());
  Value bias = matmul.getBias() ? getBuffer(matmul.getBias()) : Value();
  Value c = matmul.getResidual() ? getBuffer(matmul.getResidual()) : Value();
  Value out = fusable ? d : alloc(resultType);
  Value target = out;
  if (fold) {
    // [B…, M, K] x [K, N]: the batch folds into M, one larger GEMM.
    Type element = llvm::cast<MemRefType>(a.getType()).getElementType();
    int64_t k = lhsType.getShape().back(), n = resultType.getShape().back();
    a = view(a, MemRefType::get({lhsRows, k}, element), 0);
    b = view(b, MemRefType::get(rhsType.getShape().take_back(2),
                                llvm::cast<MemRefType>(b.getType()).getElementType()),
             0);
    MemRefType flat = MemRefType::get(
        {lhsRows, n}, llvm::cast<MemRefType>(out.getType()).getElementType());
    target = view(out, flat, 0);
    if (c)
      c = view(c, MemRefType::get({lhsRows, n},
                                  llvm::cast<MemRefType>(c.getType()).getElementType()),
               0);
  }
  auto [gemmLayers, activationLayers] = splitLayers(matmul);
  engine::GemmOp::create(builder, matmul.getLoc(), a, b, bias, c, target, false, false,
                         APFloat(1.0f), APFloat(1.0f), epilogue,
                         bool(tf32(matmul)), DenseI64ArrayAttr(), 0,
                         fusable ? layersOf(matmul.getOperation()) : gemmLayers,
                         precisionOf(matmul), StringAttr());
  if (!fusable)
    emitActivation(matmul, activation, out, d, activationLayers);
  return success();
}

LogicalResult FunctionLowering::lowerGemm(GemmOp gemm) {
  auto resultType = gemm.getType();
  ActivationAttr activation = gemm.getActivationAttr();
  ActivationAttr epilogue = gemmEpilogue(gemm, activation);
  bool fusable = !activation || epilogue;
  // C broadcast over rows is cuBLASLt's bias vector; a whole matrix is `c`
  // scaled by beta; anything else (a column, a scalar) goes to a kernel.
  Value bias, c;
  double beta = gemm.getBeta().convertToDouble();
  bool expressible = true;
  if (Value cTensor = gemm.getBias()) {
    auto cType = llvm::cast<RankedTensorType>(cTensor.getType());
    if (hasBiasRow(gemm))
      bias = cTensor;
    else if (cType.getShape() == resultType.getShape())
      c = cTensor;
    else
      expressible = false;
  }
  if (gemm.getResidual()) {
    if (c)
      expressible = false;
    c = gemm.getResidual();
    beta = 1.0;
  }
  if (!expressible) {
    emitDispatch(gemm.getOperation());
    return success();
  }
  Value d = getDestination(gemm.getResult());
  Value out = fusable ? d : alloc(resultType);
  auto [gemmLayers, activationLayers] = splitLayers(gemm);
  engine::GemmOp::create(builder, gemm.getLoc(), getBuffer(gemm.getA()),
                         getBuffer(gemm.getB()), bias ? getBuffer(bias) : Value(),
                         c ? getBuffer(c) : Value(), out, gemm.getTransA(), gemm.getTransB(),
                         gemm.getAlpha(), APFloat(float(beta)),
                         epilogue, bool(tf32(gemm)),
                         DenseI64ArrayAttr(), 0,
                         fusable ? layersOf(gemm.getOperation()) : gemmLayers,
                         precisionOf(gemm), StringAttr());
  if (!fusable)
    emitActivation(gemm, activation, out, d, activationLayers);
  return success();
}

void FunctionLowering::emitCopy(Value source, Value target, Operation *layer) {
  if (isEmpty(target))
    return; // A copy of zero bytes.
  auto copy = engine::CopyOp::create(builder, layer ? layer->getLoc() : target.getLoc(),
                                     source, target, ArrayAttr(), StringAttr(), StringAttr());
  if (layer)
    copy.setLayersAttr(layersOf(layer));
}

void FunctionLowering::lowerViewLike(Operation *op) {
  Value input = op->getOperand(0), result = op->getResult(0);
  Value source = getBuffer(input);
  if (hasFixedDestination(result) || buffers.count(result)) {
    Value target = getDestination(result);
    if (viewed.lookup(source) == target)
      return; // The producer already wrote into the target.
    // Reshaping an input (or a constant) into an output must not alias them.
    if (isContiguous(source) && isContiguous(target))
      emitCopy(source, target, op);
    else
      emitDispatch(op);
    return;
  }
  if (!isContiguous(source)) {
    if (Value split = splitInnermost(source, result))
      buffers[result] = split;
    else
      emitDispatch(op);
    return;
  }
  buffers[result] = view(source, bufferTypeOf(result.getType()), 0);
}

Value FunctionLowering::splitInnermost(Value source, Value result) {
  auto view = source.getDefiningOp<engine::ViewOp>();
  auto sourceType = llvm::cast<MemRefType>(source.getType());
  auto resultType = llvm::cast<RankedTensorType>(result.getType());
  ArrayRef<int64_t> from = sourceType.getShape(), to = resultType.getShape();
  SmallVector<int64_t> strides = engine::getElementStrides(sourceType);
  // [..., N] with unit innermost stride to [..., N / d, d]: the leading
  // dimensions and their strides stay.
  if (!view || to.size() != from.size() + 1 || strides.back() != 1 ||
      from.drop_back() != to.drop_back(2) || to[to.size() - 2] * to.back() != from.back())
    return {};
  strides.back() = to.back();
  strides.push_back(1);
  auto type = MemRefType::get(to, sourceType.getElementType(),
                              StridedLayoutAttr::get(builder.getContext(), 0, strides));
  // A view of the contiguous buffer under `source`, not a view of a view.
  return engine::ViewOp::create(builder, result.getLoc(), type, view.getSource(),
                                view.getByteOffset());
}

void FunctionLowering::lowerAttentionWindow(SliceOp slice) {
  Value source = getBuffer(slice.getInput());
  auto sourceType = llvm::cast<MemRefType>(source.getType());
  auto resultType = llvm::cast<RankedTensorType>(slice.getType());
  int64_t start = slice.getStarts().back();
  auto type = MemRefType::get(
      resultType.getShape(), sourceType.getElementType(),
      StridedLayoutAttr::get(builder.getContext(), 0, engine::getElementStrides(sourceType)));
  int64_t bytes = sourceType.getElementTypeBitWidth() / 8;
  buffers[slice.getResult()] = view(source, type, start * bytes);
}

void FunctionLowering::lowerGatheredTranspose(TransposeOp transpose) {
  Value source = getBuffer(transpose.getInput());
  auto sourceType = llvm::cast<MemRefType>(source.getType());
  SmallVector<int64_t> from = engine::getElementStrides(sourceType), strides;
  for (int64_t p : transpose.getPermutation())
    strides.push_back(from[p]);
  auto resultType = llvm::cast<RankedTensorType>(transpose.getType());
  auto type = MemRefType::get(resultType.getShape(), sourceType.getElementType(),
                              StridedLayoutAttr::get(builder.getContext(), 0, strides));
  buffers[transpose.getResult()] = view(source, type, 0);
}

LogicalResult FunctionLowering::lower(Operation *op) {
  if (llvm::isa<ConstantOp>(op))
    return success(); // Weights are made where first read.
  if (isInt8Layer(op)) {
    // An INT8 depthwise conv and its whole epilogue: one generated kernel
    // (lib/target/cuda/Conv.cpp) on the int8 data.
    if (auto conv = llvm::dyn_cast<ConvOp>(op);
        conv && depthwise != DepthwisePath::Cudnn && isInt8DepthwiseConv(conv)) {
      emitDispatch(op, {}, builder.getStringAttr("int8"));
      return success();
    }
    if (auto conv = llvm::dyn_cast<ConvOp>(op))
      lowerInt8Conv(conv);
    else
      lowerInt8Product(op);
    return success();
  }
  if (auto conv = llvm::dyn_cast<ConvOp>(op)) {
    if (runsInKernel(conv, depthwise)) {
      emitDispatch(op);
      return success();
    }
    return lowerConv(conv);
  }
  if (auto conv = llvm::dyn_cast<ConvTransposeOp>(op))
    return lowerConv(conv);
  if (auto gemm = llvm::dyn_cast<GemmOp>(op))
    return lowerGemm(gemm);
  if (auto matmul = llvm::dyn_cast<MatmulOp>(op))
    return lowerMatmul(matmul);
  if (auto slice = llvm::dyn_cast<SliceOp>(op); slice && isAttentionWindow(slice) &&
                                                  isContiguous(getBuffer(slice.getInput()))) {
    lowerAttentionWindow(slice);
    return success();
  }
  if (auto attention = llvm::dyn_cast<AttentionOp>(op)) {
    Value bias = attention.getBias();
    buildAttention(builder, attention, getBuffer(attention.getQ()), getBuffer(attention.getK()),
                   getBuffer(attention.getV()), bias ? getBuffer(bias) : Value(),
                   getDestination(attention.getResult()), layersOf(op), precisionOf(op));
    return success();
  }
  if (isViewLike(op)) {
    lowerViewLike(op);
    return success();
  }
  if (auto transpose = llvm::dyn_cast<TransposeOp>(op);
      transpose && isGatheredTranspose(transpose) && !resultIndex.count(transpose.getResult()) &&
      isContiguous(getBuffer(transpose.getInput()))) {
    lowerGatheredTranspose(transpose);
    return success();
  }
  if (auto concat = llvm::dyn_cast<ConcatOp>(op); concat && inPlaceConcats.contains(op)) {
    getDestination(concat.getResult()); // Its producers wrote the slices.
    return success();
  }
  if (groupOf.count(op)) {
    // A group is emitted at its root, the member whose result leaves it.
    ArrayRef<Operation *> group = members[findGroup(op)];
    bool isRoot = llvm::none_of(op->getResult(0).getUsers(), [&](Operation *user) {
      return llvm::is_contained(group, user);
    });
    if (!isRoot)
      return success();
    // A norm that stores its result converted runs in its own precision.
    StringAttr precision;
    if (group.size() == 2 && isRowNormalization(group.front()))
      precision = precisionOf(group.front());
    emitDispatch(group, {}, precision);
    return success();
  }
  emitDispatch(op);
  return success();
}

LogicalResult FunctionLowering::run() {
  if (failed(check()))
    return failure();
  MLIRContext *context = function.getContext();
  Block &body = function.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  for (auto [index, value] : llvm::enumerate(ret.getOperands()))
    resultIndex.try_emplace(value, index);
  findGroups();
  findInPlaceConcats();

  // The bindings: inputs, then one argument per result.
  SmallVector<Type> types;
  for (Type type : function.getArgumentTypes())
    types.push_back(bufferTypeOf(type));
  for (Type type : function.getResultTypes())
    types.push_back(bufferTypeOf(type));
  OpBuilder moduleBuilder(function);
  lowered = func::FuncOp::create(moduleBuilder, function.getLoc(), function.getName(),
                                 FunctionType::get(context, types, {}));
  unsigned numInputs = function.getNumArguments();
  for (unsigned i = 0; i < numInputs; ++i) {
    auto name = function.getArgAttrOfType<StringAttr>(i, "kiln.name");
    lowered.setArgAttr(i, engine::kInputAttr,
                       name ? name : StringAttr::get(context, "input_" + Twine(i)));
  }
  for (unsigned i = 0; i < function.getNumResults(); ++i) {
    auto name = function.getResultAttrOfType<StringAttr>(i, "kiln.name");
    lowered.setArgAttr(numInputs + i, engine::kOutputAttr,
                       name ? name : StringAttr::get(context, "output_" + Twine(i)));
  }
  Block *entry = lowered.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  for (unsigned i = 0; i < numInputs; ++i)
    buffers[function.getArgument(i)] = entry->getArgument(i);
  for (unsigned i = 0; i < function.getNumResults(); ++i)
    outputs.push_back(entry->getArgument(numInputs + i));
  bound.assign(outputs.size(), false);

  for (Operation &op : body.without_terminator())
    if (failed(lower(&op)))
      return failure();
  // Results that no layer wrote into their binding: inputs, weights, views
  // of them, a value returned twice.
  for (auto [index, value] : llvm::enumerate(ret.getOperands())) {
    if (isEmpty(value))
      continue; // An empty output binding needs no step.
    Value source = getBuffer(value);
    if (source == outputs[index] || viewed.lookup(source) == outputs[index])
      continue;
    Operation *layer = value.getDefiningOp();
    if (isContiguous(source)) {
      emitCopy(source, outputs[index], layer);
    } else {
      auto copy = engine::DispatchOp::create(builder, ret.getLoc(), {source},
                                             {outputs[index]});
      OpBuilder inner = OpBuilder::atBlockEnd(&copy.getBody().front());
      engine::YieldOp::create(inner, ret.getLoc(), copy.getBody().getArgument(0));
    }
  }
  func::ReturnOp::create(builder, ret.getLoc());
  // Weights first, in the order the steps read them.
  Operation *firstStep = nullptr;
  for (Operation &op : llvm::make_early_inc_range(*entry)) {
    if (!llvm::isa<engine::WeightOp>(op))
      firstStep = firstStep ? firstStep : &op;
    else if (firstStep)
      op.moveBefore(firstStep);
  }
  function.erase();
  return success();
}

struct ConvertNNToEnginePass
    : kiln::impl::ConvertNNToEnginePassBase<ConvertNNToEnginePass> {
  using ConvertNNToEnginePassBase::ConvertNNToEnginePassBase;
  ConvertNNToEnginePass() = default;
  ConvertNNToEnginePass(const ConvertNNToEnginePass &other)
      : ConvertNNToEnginePassBase(other) {}

  kiln::PassStatistic numConvs{this, "conv-steps", "cuDNN convolutions"};
  kiln::PassStatistic numGemms{this, "gemm-steps", "cuBLASLt matrix products"};
  kiln::PassStatistic numDispatches{this, "dispatch-steps",
                                    "Groups of layers for generated kernels"};
  kiln::PassStatistic numCopies{this, "copy-steps", "Copies between buffers"};
  kiln::PassStatistic numViews{this, "views", "Reshapes, slices and transposes lowered to views"};
  kiln::PassStatistic numWeights{this, "weights", "Weights the engine stores"};
  kiln::PassStatistic numQuantizingPools{this, "quantizing-pools",
                                         "Max pools that quantize their float input"};
  kiln::PassStatistic numWidenedGemms{
      this, "widened-gemms", "16-bit GEMMs that write the f32 their only reader casts to"};
  kiln::PassStatistic numFusedCasts{
      this, "fused-casts", "Float casts done by the kernel of a pad, transpose or norm"};

  void runOnOperation() override {
    std::optional<DepthwisePath> path =
        llvm::StringSwitch<std::optional<DepthwisePath>>(depthwiseConv)
            .Case("auto", DepthwisePath::Auto)
            .Case("cudnn", DepthwisePath::Cudnn)
            .Case("kernel", DepthwisePath::Kernel)
            .Default(std::nullopt);
    if (!path) {
      getOperation().emitError() << "depthwise-conv must be auto, cudnn or kernel, got '"
                                 << depthwiseConv << "'";
      return signalPassFailure();
    }
    if (geluEpilogue != "auto" && geluEpilogue != "exact") {
      getOperation().emitError() << "gelu-epilogue must be auto or exact, got '"
                                 << geluEpilogue << "'";
      return signalPassFailure();
    }
    if (int8Epilogue != "cudnn" && int8Epilogue != "kernel") {
      getOperation().emitError() << "int8-epilogue must be cudnn or kernel, got '"
                                 << int8Epilogue << "'";
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> functions;
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (!function.isExternal() &&
          llvm::any_of(function.getFunctionType().getInputs(),
                       [](Type t) { return llvm::isa<TensorType>(t); }) |
              llvm::any_of(function.getFunctionType().getResults(),
                           [](Type t) { return llvm::isa<TensorType>(t); }))
        functions.push_back(function);
    for (func::FuncOp function : functions)
      numQuantizingPools += foldQuantizesIntoMaxPools(function);
    for (func::FuncOp function : functions)
      numWidenedGemms += foldWideningCastsIntoGemms(function);
    for (func::FuncOp function : functions)
      moveInputCastsAfterTransposes(function);
    for (func::FuncOp function : functions)
      if (failed(FunctionLowering(function, *path, int8Epilogue == "cudnn", geluEpilogue == "auto")
                     .run()))
        return signalPassFailure();
    getOperation().walk([&](Operation *op) {
      llvm::TypeSwitch<Operation *>(op)
          .Case([&](engine::ConvOp) { ++numConvs; })
          .Case([&](engine::GemmOp) { ++numGemms; })
          .Case([&](engine::DispatchOp dispatch) {
            ++numDispatches;
            Block &body = dispatch.getBody().front();
            if (!body.getOps<CastOp>().empty() && llvm::any_of(body, [](Operation &op) {
                  return llvm::isa<PadOp, TransposeOp>(op) || isRowNormalization(&op);
                }))
              ++numFusedCasts;
          })
          .Case([&](engine::CopyOp) { ++numCopies; })
          .Case([&](engine::ViewOp) { ++numViews; })
          .Case([&](engine::WeightOp) { ++numWeights; });
    });
  }
};

} // namespace
