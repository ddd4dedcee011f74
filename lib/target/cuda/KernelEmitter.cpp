//===- KernelEmitter.cpp - one CUDA kernel per group of nn ops ------------===//
//
// Reads a group (block arguments = inputs, terminator operands = outputs,
// nn.constants = literals and tables), checks it is one op, a chain of
// pointwise ops, a pad or transpose with a float cast before or after it, or
// softmax or a normalization with a float cast after it, and hands it to the
// family that emits its kernel.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "kiln/reference/Tensor.h"

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

//===----------------------------------------------------------------------===//
// What is supported
//===----------------------------------------------------------------------===//

/// Why `type` cannot be a kernel's tensor, or an empty string.
static std::string whyNotTensor(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return "is not a ranked tensor";
  if (!tensor.hasStaticShape())
    return "has a dynamic shape";
  if (!isSupportedElement(tensor.getElementType())) {
    std::string text;
    llvm::raw_string_ostream(text)
        << "has element type " << tensor.getElementType() << ", which kernels cannot hold";
    return text;
  }
  return "";
}

/// Whether `conv` is depthwise (groups = input channels = output channels)
/// and channels-last: the quantized convolutions Conv.cpp runs (INT8).
static bool isDepthwiseChannelsLast(ConvOp conv) {
  int64_t groups = conv.getGroups();
  auto output = llvm::dyn_cast<RankedTensorType>(conv.getType());
  return conv.getLayout() == Layout::channels_last && groups > 1 && output &&
         conv.getInput().getType().getShape().back() == groups &&
         output.getShape().back() == groups;
}

/// Why emitKernel cannot emit `op`, or an empty string.
static std::string whyNot(Operation *op) {
  if (!llvm::isa<NNDialect>(op->getDialect()))
    return "is not an nn op";
  if (llvm::isa<ConvTransposeOp, MatmulOp, GemmOp>(op))
    return "runs in cuDNN or cuBLASLt, not in a generated kernel";
  if (auto conv = llvm::dyn_cast<ConvOp>(op);
      conv && !isDepthwiseChannelsLast(conv) &&
      llvm::any_of(op->getOperandTypes(),
                   [](Type type) { return isQuantizedElement(getElementTypeOrSelf(type)); }))
    return "is quantized and not depthwise channels-last: quantized convolutions run in "
           "cuDNN, not in a generated kernel (but for Kiln's INT8 depthwise kernel)";
  for (Type type : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    std::string why = whyNotTensor(type);
    if (!why.empty())
      return "has a tensor that " + why;
  }
  if (auto concat = llvm::dyn_cast<ConcatOp>(op); concat && concat.getInPlace())
    return "is in place: its producers write into its result, so it needs no kernel";
  if (auto reduce = llvm::dyn_cast<ReduceOp>(op))
    if (llvm::isa<IntegerType>(reduce.getInput().getType().getElementType()) &&
        (reduce.getKind() == ReduceKind::log_sum || reduce.getKind() == ReduceKind::log_sum_exp))
      return "takes the log of an integer reduction";
  if (auto topK = llvm::dyn_cast<TopKOp>(op))
    if (static_cast<int64_t>(topK.getK()) >
        topK.getInput().getType().getDimSize(topK.getAxis()))
      return "asks for more elements than its axis holds";
  if (auto constant = llvm::dyn_cast<ConstantOp>(op)) {
    llvm::Expected<kiln::reference::Tensor> value =
        kiln::reference::Tensor::fromAttr(constant.getValue(), constant.getType());
    if (!value) {
      std::string why = "cannot be read: " + llvm::toString(value.takeError());
      return why;
    }
  }
  bool known = isElementOp(op) ||
               llvm::isa<ConstantOp, ReduceOp, GlobalPoolOp, ArgMaxOp, ArgMinOp, SoftmaxOp,
                         LogSoftmaxOp, LayerNormOp, InstanceNormOp, GroupNormOp, PoolOp,
                         LRNOp, ConcatOp, SplitOp, SliceOp, ReshapeOp, FlattenOp,
                         TransposeOp, PadOp, GatherOp, GatherElementsOp, ExpandOp, TileOp,
                         ResizeOp, CumSumOp, TopKOp, ConvOp>(op);
  return known ? "" : "has no kernel generator";
}

bool kiln::cuda::canEmit(Operation *op) { return whyNot(op).empty(); }

std::optional<std::string> kiln::cuda::withLaunchBound(StringRef source, uint32_t threads) {
  // KernelWriter::finish declares the bound once, on the entry function.
  constexpr StringLiteral marker = "__launch_bounds__(";
  size_t start = source.find(marker);
  if (start == StringRef::npos || source.find(marker, start + 1) != StringRef::npos)
    return std::nullopt;
  size_t digits = start + marker.size();
  size_t end = source.find(')', digits);
  if (end == StringRef::npos || end == digits ||
      !llvm::all_of(source.slice(digits, end), llvm::isDigit))
    return std::nullopt;
  return (source.take_front(digits) + Twine(threads) + source.drop_front(end)).str();
}

static constexpr StringLiteral kVariantMarker = "// kiln launch variant ";

std::string kiln::cuda::launchVariantMarker(const std::array<uint32_t, 3> &block) {
  return (kVariantMarker + Twine(block[0]) + "x" + Twine(block[1]) + "x" +
          Twine(block[2]))
      .str();
}

bool kiln::cuda::hasLaunchVariantBodies(StringRef source) {
  return source.contains(kVariantMarker);
}

std::optional<std::string>
kiln::cuda::withLaunchVariant(StringRef source, const std::array<uint32_t, 3> &block) {
  if (!hasLaunchVariantBodies(source))
    return source.str();
  // Bodies do not nest: a marked line opens one, the next marked line closes it.
  std::string wanted = launchVariantMarker(block), text;
  bool found = false, inside = false, keep = true;
  while (!source.empty()) {
    auto [line, rest] = source.split('\n');
    source = rest;
    size_t at = line.find(kVariantMarker);
    bool marked = at != StringRef::npos;
    if (marked && !inside) {
      keep = line.drop_front(at).rtrim() == wanted;
      found |= keep;
    }
    if (keep)
      (text += line) += '\n';
    if (marked) {
      inside = !inside;
      if (!inside)
        keep = true;
    }
  }
  if (!found || inside)
    return std::nullopt;
  return text;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// The C literal of element `index` of `tensor` in its storage form.
static std::string storageLiteral(const kiln::reference::Tensor &tensor, int64_t index) {
  Type type = tensor.getElementType();
  if (!tensor.holdsFloats()) {
    int64_t value = tensor.getInts()[index];
    if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type))
      return intLiteral(quantized.getStorageType(), value);
    return type.isInteger(1) ? std::to_string(value) : intLiteral(type, value);
  }
  double value = tensor.getFloats()[index];
  if (type.isF32() || type.isF64())
    return floatLiteral(value, type.isF64() ? Compute::Double : Compute::Float);
  // Half types spelled by their bits, which static initialization accepts.
  llvm::APFloat half(value);
  bool losesInfo = false;
  half.convert(llvm::cast<FloatType>(type).getFloatSemantics(),
               llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  std::string bits;
  llvm::raw_string_ostream(bits) << llvm::format_hex(
      half.bitcastToAPInt().getZExtValue(), 6);
  return (type.isF16() ? "__half_raw{" : "__nv_bfloat16_raw{") + bits + "}";
}

/// The value-form literal of element `index` of `tensor`.
static std::string valueLiteralOf(const kiln::reference::Tensor &tensor, int64_t index) {
  Type type = tensor.getElementType();
  if (tensor.holdsFloats())
    return floatLiteral(tensor.getFloats()[index],
                        type.isF64() ? Compute::Double : Compute::Float);
  int64_t value = tensor.getInts()[index];
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type))
    return intLiteral(quantized.getStorageType(), value);
  return intLiteral(type, value);
}

/// A constant as a kernel reads it: a literal when all its elements are
/// equal, else a table of its elements.
static TensorView constantView(KernelWriter &w, ConstantOp constant) {
  kiln::reference::Tensor tensor =
      cantFail(kiln::reference::Tensor::fromAttr(constant.getValue(), constant.getType()));
  TensorView view;
  view.type = constant.getType();
  view.strides = rowMajorStrides(view.shape());
  int64_t count = tensor.getNumElements();
  bool splat = count > 0;
  for (int64_t i = 1; i < count && splat; ++i)
    splat = tensor.holdsFloats()
                ? llvm::bit_cast<uint64_t>(tensor.getFloats()[i]) ==
                      llvm::bit_cast<uint64_t>(tensor.getFloats()[0])
                : tensor.getInts()[i] == tensor.getInts()[0];
  if (splat) {
    view.splat = valueLiteralOf(tensor, 0);
    return view;
  }
  SmallVector<std::string> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(storageLiteral(tensor, i));
  if (values.empty())
    values.push_back("0");
  view.pointer = w.table("const", storageType(view.element()), values);
  return view;
}

//===----------------------------------------------------------------------===//
// The group
//===----------------------------------------------------------------------===//

namespace {
class GroupEmitter {
public:
  GroupEmitter(Block &block, StringRef entry, ArrayRef<BufferLayout> inputLayouts,
               ArrayRef<BufferLayout> outputLayouts)
      : block(block), inputLayouts(inputLayouts), outputLayouts(outputLayouts), w(entry) {}

  FailureOr<KernelSource> run();

private:
  /// The diagnostic location of the group as a whole.
  Location groupLoc() const;
  LogicalResult readInterface();
  FailureOr<Launch> emitPointwiseGroup();
  FailureOr<Launch> emitSingleOp(Operation *op);
  FailureOr<Launch> emitWithFusedCast(CastOp cast);

  Block &block;
  ArrayRef<BufferLayout> inputLayouts, outputLayouts;
  KernelWriter w;
  Operation *terminator = nullptr;
  DenseMap<Value, TensorView> views; // inputs and constants
  SmallVector<TensorView> outputs;
  SmallVector<std::string> params;
  SmallVector<Operation *> ops; // everything but constants and the terminator
};
} // namespace

Location GroupEmitter::groupLoc() const {
  if (terminator)
    return terminator->getLoc();
  if (Operation *parent = block.getParentOp())
    return parent->getLoc();
  return UnknownLoc::get(block.getParent() ? block.getParent()->getContext() : nullptr);
}

/// `layout`'s strides for `type`, or row-major ones when there is no layout.
static FailureOr<SmallVector<int64_t>> stridesFor(RankedTensorType type,
                                                  ArrayRef<BufferLayout> layouts,
                                                  size_t index) {
  if (layouts.empty() || layouts[index].strides.empty())
    return rowMajorStrides(type.getShape());
  if (static_cast<int64_t>(layouts[index].strides.size()) != type.getRank())
    return failure();
  return SmallVector<int64_t>(layouts[index].strides);
}

LogicalResult GroupEmitter::readInterface() {
  size_t numInputs = block.getNumArguments();
  size_t numOutputs = terminator->getNumOperands();
  if (!inputLayouts.empty() && inputLayouts.size() != numInputs)
    return emitError(groupLoc()) << "got " << inputLayouts.size() << " input layouts for "
                                 << numInputs << " group inputs";
  if (!outputLayouts.empty() && outputLayouts.size() != numOutputs)
    return emitError(groupLoc()) << "got " << outputLayouts.size()
                                 << " output layouts for " << numOutputs
                                 << " group outputs";

  auto makeView = [&](Value value, ArrayRef<BufferLayout> layouts, size_t index,
                      StringRef kind) -> FailureOr<TensorView> {
    std::string why = whyNotTensor(value.getType());
    if (!why.empty())
      return emitError(groupLoc()) << "group " << kind << " #" << index << " " << why;
    TensorView view;
    view.type = llvm::cast<RankedTensorType>(value.getType());
    FailureOr<SmallVector<int64_t>> strides = stridesFor(view.type, layouts, index);
    if (failed(strides))
      return emitError(groupLoc()) << "the layout of group " << kind << " #" << index
                                   << " has " << layouts[index].strides.size()
                                   << " strides for a tensor of rank " << view.rank();
    if (llvm::any_of(*strides, [](int64_t stride) { return stride < 0; }))
      return emitError(groupLoc()) << "the layout of group " << kind << " #" << index
                                   << " has a negative stride";
    view.strides = std::move(*strides);
    view.pointer = (kind == "input" ? "in" : "out") + std::to_string(index);
    return view;
  };

  // The ops first, so that an unsupported one is named.
  for (Operation &op : block.without_terminator()) {
    std::string why = whyNot(&op);
    if (!why.empty())
      return op.emitError() << "'" << op.getName() << "' " << why;
  }
  for (BlockArgument argument : block.getArguments()) {
    FailureOr<TensorView> view =
        makeView(argument, inputLayouts, argument.getArgNumber(), "input");
    if (failed(view))
      return failure();
    params.push_back("const " + storageType(view->element()) + " *__restrict__ " +
                     view->pointer);
    views[argument] = std::move(*view);
  }
  for (auto [j, value] : llvm::enumerate(terminator->getOperands())) {
    FailureOr<TensorView> view = makeView(value, outputLayouts, j, "output");
    if (failed(view))
      return failure();
    params.push_back(storageType(view->element()) + " *__restrict__ " + view->pointer);
    outputs.push_back(std::move(*view));
  }

  for (Operation &op : block.without_terminator()) {
    if (auto constant = llvm::dyn_cast<ConstantOp>(op))
      views[constant] = constantView(w, constant);
    else
      ops.push_back(&op);
  }
  return success();
}

FailureOr<Launch> GroupEmitter::emitPointwiseGroup() {
  PointwisePhase phase;
  ArrayRef<int64_t> shape = outputs.front().shape();
  phase.shape.assign(shape.begin(), shape.end());
  for (auto [value, view] : llvm::zip(terminator->getOperands(), outputs)) {
    if (view.shape() != shape)
      return emitError(groupLoc())
             << "the outputs of a pointwise group must have one shape, got "
             << view.type << " and " << outputs.front().type;
    phase.outputs.push_back({value, view, view.strides});
  }
  // Every input, constant and intermediate value broadcasts to the outputs'
  // shape; the leaves are read through broadcast strides.
  DenseSet<Value> seen;
  auto addLeaf = [&](Value value) -> LogicalResult {
    auto type = llvm::cast<RankedTensorType>(value.getType());
    if (!kiln::nn::broadcastsTo(type.getShape(), shape))
      return emitError(value.getLoc())
             << "pointwise group value of type " << type
             << " does not broadcast to the group's shape";
    auto it = views.find(value);
    if (it == views.end() || !seen.insert(value).second)
      return success();
    phase.leaves.push_back({value, it->second,
                            broadcastStrides(type.getShape(), it->second.strides, shape)});
    return success();
  };
  for (Operation *op : ops) {
    phase.ops.push_back(op);
    for (Value operand : op->getOperands())
      if (failed(addLeaf(operand)))
        return failure();
    for (Value result : op->getResults())
      if (failed(addLeaf(result)))
        return failure();
  }
  for (Value value : terminator->getOperands())
    if (failed(addLeaf(value)))
      return failure();
  return emitPointwise(w, {phase});
}

FailureOr<Launch> GroupEmitter::emitSingleOp(Operation *op) {
  OpKernel kernel;
  kernel.op = op;
  for (Value operand : op->getOperands())
    kernel.operands.push_back(views.lookup(operand));
  kernel.results.resize(op->getNumResults());
  for (auto [value, view] : llvm::zip(terminator->getOperands(), outputs)) {
    auto result = llvm::dyn_cast<OpResult>(value);
    if (!result || result.getOwner() != op)
      return emitError(groupLoc())
             << "a group with '" << op->getName()
             << "' must output only its results, not other values";
    if (kernel.results[result.getResultNumber()])
      return emitError(groupLoc())
             << "a group outputs result #" << result.getResultNumber() << " of '"
             << op->getName() << "' twice";
    kernel.results[result.getResultNumber()] = view;
  }
  return llvm::TypeSwitch<Operation *, FailureOr<Launch>>(op)
      .Case([&](BatchNormOp) { return emitBatchNorm(w, kernel); })
      .Case<ReduceOp, GlobalPoolOp, ArgMaxOp, ArgMinOp>(
          [&](Operation *) { return emitReductionOp(w, kernel); })
      .Case<SoftmaxOp, LogSoftmaxOp, LayerNormOp, InstanceNormOp, GroupNormOp>(
          [&](Operation *) { return emitNormOp(w, kernel); })
      .Case<PoolOp, LRNOp>([&](Operation *) { return emitWindowOp(w, kernel); })
      .Case<ConcatOp, SplitOp, SliceOp, ReshapeOp, FlattenOp, TransposeOp, PadOp, GatherOp,
            GatherElementsOp, ExpandOp, TileOp>(
          [&](Operation *) { return emitShuffle(w, kernel); })
      .Case([&](ResizeOp) { return emitResize(w, kernel); })
      .Case<CumSumOp, TopKOp>([&](Operation *) { return emitScanOp(w, kernel); })
      .Case([&](ConvOp) { return emitConv(w, kernel); })
      .Default([&](Operation *) -> FailureOr<Launch> {
        return op->emitError() << "'" << op->getName() << "' has no kernel generator";
      });
}

static bool isShuffleThatConverts(Operation *op) { return llvm::isa<PadOp, TransposeOp>(op); }

/// The cast of a group of two ops that are a float cast and a pad or a
/// transpose that reads it or whose result it reads, or softmax or a
/// normalization whose result it reads; or null.
static CastOp getFusedCast(ArrayRef<Operation *> ops) {
  if (ops.size() != 2)
    return {};
  if (auto cast = llvm::dyn_cast<CastOp>(ops[0]);
      cast && cast.isFloatToFloat() && isShuffleThatConverts(ops[1]) &&
      ops[1]->getOperand(0) == cast.getResult())
    return cast;
  if (auto cast = llvm::dyn_cast<CastOp>(ops[1]);
      cast && cast.isFloatToFloat() &&
      (isShuffleThatConverts(ops[0]) || isRowNormalization(ops[0])) &&
      cast.getInput() == ops[0]->getResult(0))
    return cast;
  return {};
}

FailureOr<Launch> GroupEmitter::emitWithFusedCast(CastOp cast) {
  bool castFirst = ops.front() == cast.getOperation();
  Operation *op = castFirst ? ops.back() : ops.front();
  if (terminator->getNumOperands() != 1 ||
      terminator->getOperand(0) != ops.back()->getResult(0))
    return emitError(groupLoc())
           << "a group of a cast and '" << op->getName()
           << "' must output only the result of its second op";
  OpKernel kernel;
  kernel.op = op;
  kernel.convert = cast;
  for (Value operand : op->getOperands()) {
    auto view = views.find(castFirst && operand == cast.getResult() ? cast.getInput() : operand);
    if (view == views.end())
      return emitError(groupLoc()) << "a group of a cast and '" << op->getName()
                                   << "' must read group inputs";
    kernel.operands.push_back(view->second);
  }
  kernel.results.push_back(outputs.front());
  if (isShuffleThatConverts(op))
    return emitShuffle(w, kernel);
  return emitNormOp(w, kernel);
}

FailureOr<KernelSource> GroupEmitter::run() {
  if (block.empty() || !block.mightHaveTerminator())
    return emitError(groupLoc()) << "a group's block must end in a terminator";
  terminator = block.getTerminator();
  StringRef entry = w.entry();
  if (entry.empty() || llvm::isDigit(entry.front()) ||
      !llvm::all_of(entry, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return emitError(groupLoc()) << "kernel name '" << entry
                                 << "' is not a C identifier";
  if (failed(readInterface()))
    return failure();
  if (outputs.empty())
    return emitError(groupLoc()) << "a group must have at least one output";

  FailureOr<Launch> launch;
  if (llvm::all_of(ops, [](Operation *op) { return llvm::isa<PointwiseOpInterface>(op); })) {
    launch = emitPointwiseGroup();
  } else if (ops.size() == 1) {
    launch = emitSingleOp(ops.front());
  } else if (CastOp cast = getFusedCast(ops)) {
    launch = emitWithFusedCast(cast);
  } else {
    Operation *other = *llvm::find_if(
        ops, [](Operation *op) { return !llvm::isa<PointwiseOpInterface>(op); });
    return other->emitError()
           << "'" << other->getName()
           << "' must be alone in its group: a group holds one op, a chain of "
              "pointwise ops, or a pad, transpose, softmax or normalization with a float cast";
  }
  if (failed(launch))
    return failure();

  KernelSource kernel;
  kernel.entry = entry.str();
  kernel.grid = launch->grid;
  kernel.block = launch->block;
  kernel.variants = std::move(launch->variants);
  kernel.source =
      w.finish(params, int64_t{launch->block[0]} * launch->block[1] * launch->block[2]);
  return kernel;
}

FailureOr<KernelSource> kiln::cuda::emitKernel(Block &group, StringRef entry,
                                               ArrayRef<BufferLayout> inputLayouts,
                                               ArrayRef<BufferLayout> outputLayouts) {
  return GroupEmitter(group, entry, inputLayouts, outputLayouts).run();
}
