//===- EngineWriter.cpp - the engine dialect into the engine file's FlatBuffer -===//
//
// Walks the one network function in order: bindings from its arguments,
// buffer references from the buffer ops, one Step per step op; weights go to
// their own section and kernels through NVRTC. docs/engine-writer.md maps each
// field.
//
//===----------------------------------------------------------------------===//

#include "kiln/engine/EngineWriter.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/engine_generated.h"
#include "kiln/target/cuda/KernelEmitter.h"
#include "kiln/target/cuda/Nvrtc.h"
#include "lib/engine/LibraryVersions.h"
#include "lib/engine/StepDependencies.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;
using namespace kiln::engine;
namespace fb = kiln::fb;
using kiln::nn::ActivationKind;

namespace {

/// Where a buffer's first byte lives.
struct Ref {
  fb::Region region = fb::Region::Arena;
  uint64_t offset = 0;
  uint32_t binding = 0;
  fb::BufferRef toFb() const { return fb::BufferRef(offset, binding, region); }
};

/// An arena tensor and the steps that touch it.
struct ArenaUse {
  AllocOp alloc;
  uint32_t first = ~0u, last = 0;
};

class Writer {
public:
  Writer(ModuleOp module, const EngineWriterOptions &options)
      : module(module), options(options) {}

  FailureOr<EngineBytes> run();
  FailureOr<StepAlone> runOneStep(Operation *op);

private:
  LogicalResult collectBindings(func::FuncOp func);
  LogicalResult placeWeight(WeightOp op);
  LogicalResult visitBuffer(Operation *op);
  FailureOr<flatbuffers::Offset<fb::Step>> visitStep(Operation *op, uint32_t index);
  flatbuffers::Offset<fb::Step> finishStep(Operation *op, fb::StepKind kind,
                                           flatbuffers::Offset<void> step,
                                           StringRef precision, StringRef tactic);
  flatbuffers::Offset<fb::TensorDesc> tensorDesc(Value value, bool channelsLast = false);
  FailureOr<flatbuffers::Offset<fb::ConvStep>> convStep(ConvOp op);
  FailureOr<flatbuffers::Offset<fb::GemmStep>> gemmStep(GemmOp op);
  LogicalResult compileKernels();
  void noteUse(Value buffer, uint32_t step);
  /// The earlier steps `op` waits for (Step.deps).
  std::vector<uint32_t> stepDependencies(Operation *op);

  ModuleOp module;
  const EngineWriterOptions &options;
  flatbuffers::FlatBufferBuilder builder{1 << 16};
  llvm::DenseMap<Value, Ref> refs;
  llvm::DenseMap<Attribute, uint64_t> weightOffsets;
  std::vector<uint8_t> weights;
  std::vector<flatbuffers::Offset<fb::Binding>> bindings;
  llvm::StringSet<> bindingNames;
  llvm::MapVector<Operation *, ArenaUse> arenaUses;
  /// Whole engines record Step.deps; a step serialized alone does not.
  bool recordDeps = false;
  StepDependencies dependencies;
  std::vector<uint32_t> currentDeps;
  std::vector<unsigned> archs;
  std::vector<flatbuffers::Offset<fb::CodeObject>> code;
  std::vector<flatbuffers::Offset<fb::Kernel>> kernelBounds;
  std::string ptx;
};

} // namespace

static fb::DType getDType(Type type) {
  if (type.isF32())
    return fb::DType::F32;
  if (type.isF16())
    return fb::DType::F16;
  if (type.isBF16())
    return fb::DType::BF16;
  if (type.isInteger(1))
    return fb::DType::Bool;
  if (type.isUnsignedInteger(8))
    return fb::DType::U8;
  if (type.isInteger(8))
    return fb::DType::I8;
  if (type.isInteger(32))
    return fb::DType::I32;
  // The dialect's buffers admit nothing else.
  return fb::DType::I64;
}

std::optional<unsigned> kiln::engine::parseArch(StringRef arch) {
  unsigned value = 0;
  if (!arch.consume_front("sm_") || (arch.consume_back("a"), arch.getAsInteger(10, value)) ||
      value < 50)
    return std::nullopt;
  return value;
}

static MemRefType memrefOf(Value value) { return llvm::cast<MemRefType>(value.getType()); }

/// The precision a step computes in when the IR does not say: the data's
/// type, TF32 where allowed for FP32.
static std::string defaultPrecision(Type element, bool allowTf32) {
  if (element.isF32() && allowTf32)
    return "tf32";
  return kiln::nn::getPrecisionName(element).str();
}

/// cuDNN and cuBLASLt accumulate integers in I32, floats in F32.
static fb::DType computeType(Type element) {
  return element.isInteger(8) ? fb::DType::I32 : fb::DType::F32;
}

//===----------------------------------------------------------------------===//
// Bindings and buffers
//===----------------------------------------------------------------------===//

LogicalResult Writer::collectBindings(func::FuncOp func) {
  for (BlockArgument argument : func.getArguments()) {
    unsigned index = argument.getArgNumber();
    auto input = func.getArgAttrOfType<StringAttr>(index, kInputAttr);
    auto output = func.getArgAttrOfType<StringAttr>(index, kOutputAttr);
    if (!input == !output)
      return func.emitError("argument #")
             << index << " must carry exactly one of " << kInputAttr << " and " << kOutputAttr
             << " (the binding's name)";
    auto type = llvm::dyn_cast<MemRefType>(argument.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return func.emitError("argument #")
             << index << " must be a contiguous memref of static shape, got "
             << argument.getType();
    StringRef name = (input ? input : output).getValue();
    if (!bindingNames.insert(name).second)
      return func.emitError("argument #") << index << ": binding name '" << name
                                          << "' is used twice";
    auto layout = func.getArgAttrOfType<StringAttr>(index, kLayoutAttr);
    std::vector<int64_t> shape = type.getShape().vec();
    bindings.push_back(fb::CreateBindingDirect(
        builder, name.str().c_str(),
        getDType(type.getElementType()), &shape, bool(input),
        layout ? layout.getValue().str().c_str() : ""));
    refs[argument] = Ref{fb::Region::Binding, 0, index};
  }
  return success();
}

/// Appends the bytes of `value`, one element after another, to `out`.
static LogicalResult appendBytes(Operation *op, ElementsAttr value, MemRefType type,
                                 std::vector<uint8_t> &out) {
  int64_t elementSize = getElementSize(type.getElementType());
  size_t expected = size_t(type.getNumElements()) * elementSize;
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op->emitError("weight blob '")
             << resource.getRawHandle().getKey() << "' has no data";
    ArrayRef<char> data = blob->getData();
    if (data.size() != expected)
      return op->emitError("weight blob '")
             << resource.getRawHandle().getKey() << "' holds " << data.size()
             << " bytes, the buffer takes " << expected;
    out.insert(out.end(), data.begin(), data.end());
    return success();
  }
  auto dense = llvm::dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return op->emitError("cannot serialize a weight of attribute kind ") << value;
  if (type.getElementType().isInteger(1)) {
    for (bool bit : dense.getValues<bool>())
      out.push_back(bit ? 1 : 0);
    return success();
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
      out.insert(out.end(), raw.begin(), raw.begin() + elementSize);
    return success();
  }
  if (raw.size() != expected)
    return op->emitError("weight data holds ") << raw.size() << " bytes, the buffer takes "
                                               << expected;
  out.insert(out.end(), raw.begin(), raw.end());
  return success();
}

LogicalResult Writer::placeWeight(WeightOp op) {
  Attribute key = op.getValue();
  auto [it, inserted] = weightOffsets.try_emplace(key, 0);
  if (inserted) {
    weights.resize(llvm::alignTo(weights.size(), kWeightAlignment), 0);
    it->second = weights.size();
    if (failed(appendBytes(op, op.getValue(), op.getType(), weights)))
      return failure();
  }
  refs[op.getResult()] = Ref{fb::Region::Weights, it->second, 0};
  return success();
}

LogicalResult Writer::visitBuffer(Operation *op) {
  if (auto weight = llvm::dyn_cast<WeightOp>(op))
    return placeWeight(weight);
  if (auto alloc = llvm::dyn_cast<AllocOp>(op)) {
    std::optional<int64_t> offset = alloc.getOffset();
    if (!offset)
      return alloc.emitError("arena buffer has no offset: run kiln-plan-memory first");
    refs[alloc.getResult()] = Ref{fb::Region::Arena, uint64_t(*offset), 0};
    arenaUses[alloc].alloc = alloc;
    return success();
  }
  auto view = llvm::cast<ViewOp>(op);
  Ref ref = refs.lookup(view.getSource());
  ref.offset += view.getByteOffset();
  refs[view.getResult()] = ref;
  return success();
}

void Writer::noteUse(Value buffer, uint32_t step) {
  while (auto view = buffer.getDefiningOp<ViewOp>())
    buffer = view.getSource();
  auto alloc = buffer.getDefiningOp<AllocOp>();
  if (!alloc)
    return;
  ArenaUse &use = arenaUses[alloc];
  use.first = std::min(use.first, step);
  use.last = std::max(use.last, step);
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

/// cuDNN's convention: dimensions in `N, C, spatial…` order whatever the
/// layout, the strides saying where each lies. A channels-last buffer
/// `N, spatial…, C` is described with its last dimension moved second.
flatbuffers::Offset<fb::TensorDesc> Writer::tensorDesc(Value value, bool channelsLast) {
  if (!value)
    return 0;
  MemRefType type = memrefOf(value);
  fb::BufferRef ref = refs.lookup(value).toFb();
  SmallVector<int64_t> strides = getElementStrides(type);
  std::vector<int64_t> shape = type.getShape().vec(), strideVec(strides.begin(), strides.end());
  if (channelsLast && shape.size() >= 3) {
    std::rotate(shape.begin() + 1, shape.end() - 1, shape.end());
    std::rotate(strideVec.begin() + 1, strideVec.end() - 1, strideVec.end());
  }
  return fb::CreateTensorDescDirect(builder, getDType(type.getElementType()), &shape,
                                    &strideVec, &ref);
}

/// The activation of a cuDNN epilogue and its two parameters.
static std::tuple<fb::Activation, float, float> getActivation(kiln::nn::ActivationAttr attr) {
  if (!attr)
    return {fb::Activation::None, 0.0f, 0.0f};
  float alpha = attr.getAlpha().convertToDouble(), beta = attr.getBeta().convertToDouble();
  switch (attr.getKind()) {
  case ActivationKind::relu:
    return {fb::Activation::Relu, 0, 0};
  case ActivationKind::clip:
    return {fb::Activation::Clip, alpha, beta};
  case ActivationKind::leaky_relu:
    return {fb::Activation::LeakyRelu, alpha, 0};
  case ActivationKind::elu:
    return {fb::Activation::Elu, alpha, 0};
  case ActivationKind::sigmoid:
    return {fb::Activation::Sigmoid, 0, 0};
  case ActivationKind::tanh:
    return {fb::Activation::Tanh, 0, 0};
  case ActivationKind::gelu:
    return {fb::Activation::Gelu, 0, 0};
  case ActivationKind::gelu_tanh:
    return {fb::Activation::GeluTanh, 0, 0};
  case ActivationKind::silu:
    return {fb::Activation::Silu, 0, 0};
  case ActivationKind::hard_sigmoid:
    return {fb::Activation::HardSigmoid, alpha, beta};
  case ActivationKind::hard_swish:
    return {fb::Activation::HardSwish, 0, 0};
  }
  return {fb::Activation::None, 0, 0};
}

FailureOr<flatbuffers::Offset<fb::ConvStep>> Writer::convStep(ConvOp op) {
  bool channelsLast = op.getLayout() == kiln::nn::Layout::channels_last;
  auto x = tensorDesc(op.getX(), channelsLast), w = tensorDesc(op.getW(), channelsLast),
       bias = tensorDesc(op.getBias()), z = tensorDesc(op.getResidual(), channelsLast),
       y = tensorDesc(op.getY(), channelsLast), scale = tensorDesc(op.getScale());
  ArrayRef<int64_t> pads = op.getPads();
  size_t spatial = pads.size() / 2;
  std::vector<int64_t> begin(pads.begin(), pads.begin() + spatial),
      end(pads.begin() + spatial, pads.end()), strides(op.getStrides().vec()),
      dilations(op.getDilations().vec()), knobs;
  if (auto attr = op.getKnobs())
    knobs.assign(attr->begin(), attr->end());
  auto [activation, actAlpha, actBeta] = getActivation(op.getActivationAttr());
  return fb::CreateConvStepDirect(
      builder, x, w, bias, z, y, &begin, &end, &strides, &dilations, op.getGroups(),
      op.getTransposed(), computeType(memrefOf(op.getX()).getElementType()), activation,
      actAlpha, actBeta, int64_t(op.getEngineId()), &knobs, op.getWorkspace(),
      op.getAlpha().convertToFloat(), scale, op.getResidualScale().convertToFloat(),
      op.getPostScale().convertToFloat());
}

namespace {
/// One GEMM operand as cuBLASLt sees it: row stride and batch stride.
struct MatrixLayout {
  int64_t ld = 0, batchStride = 0;
};
} // namespace

/// The leading dimension and batch stride of `operand` in a GEMM of `batch`
/// matrices: the batch stride is 0 when the operand is broadcast; otherwise
/// its batch dimensions must collapse into one stride.
static FailureOr<MatrixLayout> getMatrixLayout(GemmOp op, Value operand, StringRef name,
                                               int64_t batch) {
  MemRefType type = memrefOf(operand);
  SmallVector<int64_t> strides = getElementStrides(type);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();
  MatrixLayout layout;
  layout.ld = strides[rank - 2];
  int64_t ownBatch = 1;
  for (int64_t d : shape.drop_back(2))
    ownBatch *= d;
  if (ownBatch == 1)
    return layout;
  if (ownBatch != batch)
    return op.emitError("operand ")
           << name << " broadcasts only some batch dimensions (" << type
           << "); cuBLASLt takes one batch stride";
  for (int64_t i = rank - 4; i >= 0; --i)
    if (shape[i] != 1 && strides[i] != strides[i + 1] * shape[i + 1])
      return op.emitError("batch dimensions of operand ")
             << name << " (" << type << ") do not collapse into one stride";
  layout.batchStride = strides[rank - 3];
  return layout;
}

FailureOr<flatbuffers::Offset<fb::GemmStep>> Writer::gemmStep(GemmOp op) {
  MemRefType a = memrefOf(op.getA()), b = memrefOf(op.getB()), d = memrefOf(op.getD());
  int64_t m = d.getShape().end()[-2], n = d.getShape().end()[-1];
  int64_t k = a.getShape().end()[op.getTransA() ? -2 : -1];
  int64_t batch = 1;
  for (int64_t dim : d.getShape().drop_back(2))
    batch *= dim;
  Value c = op.getC() ? op.getC() : op.getD();
  FailureOr<MatrixLayout> la = getMatrixLayout(op, op.getA(), "a", batch);
  if (failed(la))
    return failure();
  FailureOr<MatrixLayout> lb = getMatrixLayout(op, op.getB(), "b", batch);
  if (failed(lb))
    return failure();
  FailureOr<MatrixLayout> lc = getMatrixLayout(op, c, "c", batch);
  if (failed(lc))
    return failure();
  FailureOr<MatrixLayout> ld = getMatrixLayout(op, op.getD(), "d", batch);
  if (failed(ld))
    return failure();
  fb::GemmEpilogue epilogue = fb::GemmEpilogue::None;
  if (auto activation = op.getActivationAttr())
    epilogue = activation.getKind() == ActivationKind::relu ? fb::GemmEpilogue::Relu
                                                            : fb::GemmEpilogue::Gelu;
  std::vector<uint64_t> algo;
  if (auto words = op.getAlgo())
    algo.assign(words->begin(), words->end());
  fb::BufferRef refA = refs.lookup(op.getA()).toFb(), refB = refs.lookup(op.getB()).toFb(),
                refC = refs.lookup(c).toFb(), refD = refs.lookup(op.getD()).toFb(),
                refBias = op.getBias() ? refs.lookup(op.getBias()).toFb() : fb::BufferRef();
  fb::DType dType = getDType(d.getElementType());
  return fb::CreateGemmStepDirect(
      builder, &refA, &refB, &refC, &refD, &refBias, bool(op.getC()), bool(op.getBias()),
      getDType(a.getElementType()), getDType(b.getElementType()),
      getDType(memrefOf(c).getElementType()), dType,
      op.getBias() ? getDType(memrefOf(op.getBias()).getElementType()) : dType,
      computeType(a.getElementType()), op.getTransA(), op.getTransB(), m, n, k, batch, la->ld,
      lb->ld, lc->ld, ld->ld, la->batchStride, lb->batchStride, lc->batchStride,
      ld->batchStride, op.getAlpha().convertToFloat(),
      op.getC() ? op.getBeta().convertToFloat() : 0.0f, epilogue, &algo, op.getWorkspace());
}

flatbuffers::Offset<fb::Step> Writer::finishStep(Operation *op, fb::StepKind kind,
                                                 flatbuffers::Offset<void> step,
                                                 StringRef precision, StringRef tactic) {
  std::vector<std::string> layers;
  if (auto attr = op->getAttrOfType<ArrayAttr>("layers"))
    for (auto name : attr.getAsValueRange<StringAttr>())
      layers.push_back(name.str());
  if (auto attr = op->getAttrOfType<StringAttr>("precision"))
    precision = attr.getValue();
  if (auto attr = op->getAttrOfType<StringAttr>("tactic"))
    tactic = attr.getValue();
  fb::TacticSource source = fb::TacticSource::Heuristic;
  if (auto attr = op->getAttrOfType<StringAttr>(kTacticSourceAttr))
    source = attr.getValue() == "timed"   ? fb::TacticSource::Timed
             : attr.getValue() == "cache" ? fb::TacticSource::Cache
                                          : fb::TacticSource::Heuristic;
  auto layerOffsets = builder.CreateVectorOfStrings(layers);
  flatbuffers::Offset<flatbuffers::Vector<uint32_t>> deps;
  if (recordDeps)
    deps = builder.CreateVector(currentDeps);
  return fb::CreateStep(builder, kind, step, builder.CreateString(getStepName(op)),
                        layerOffsets, builder.CreateString(precision.str()),
                        builder.CreateString(tactic.str()), source, deps);
}

/// Each buffer operand with the bytes its memref type reaches from its
/// reference, read or written as the op's memory effects say. An op that
/// does not say what it touches waits for every earlier step.
std::vector<uint32_t> Writer::stepDependencies(Operation *op) {
  std::optional<SmallVector<BufferAccess>> accesses =
      getStepAccesses(op, [&](Value value) -> std::optional<BufferLocation> {
        auto it = refs.find(value);
        if (it == refs.end())
          return std::nullopt;
        return BufferLocation{it->second.region, it->second.binding,
                              int64_t(it->second.offset)};
      });
  return accesses ? dependencies.addStep(*accesses) : dependencies.addBarrier();
}

FailureOr<flatbuffers::Offset<fb::Step>> Writer::visitStep(Operation *op, uint32_t index) {
  for (Value operand : op->getOperands())
    noteUse(operand, index);
  if (recordDeps)
    currentDeps = stepDependencies(op);
  if (auto conv = llvm::dyn_cast<ConvOp>(op)) {
    FailureOr<flatbuffers::Offset<fb::ConvStep>> step = convStep(conv);
    if (failed(step))
      return failure();
    Type element = memrefOf(conv.getX()).getElementType();
    int64_t engineId = conv.getEngineId();
    std::string tactic =
        engineId < 0 ? "cudnn heuristic" : "cudnn engine " + std::to_string(engineId);
    if (conv.getAllowTf32())
      tactic += ", tf32 allowed";
    return finishStep(op, fb::StepKind::ConvStep, step->Union(),
                      defaultPrecision(element, conv.getAllowTf32()), tactic);
  }
  if (auto gemm = llvm::dyn_cast<GemmOp>(op)) {
    FailureOr<flatbuffers::Offset<fb::GemmStep>> step = gemmStep(gemm);
    if (failed(step))
      return failure();
    Type element = memrefOf(gemm.getA()).getElementType();
    std::string tactic = gemm.getAlgo() ? "cublaslt algo" : "cublaslt heuristic";
    if (gemm.getAllowTf32())
      tactic += ", tf32 allowed";
    return finishStep(op, fb::StepKind::GemmStep, step->Union(),
                      defaultPrecision(element, gemm.getAllowTf32()), tactic);
  }
  if (auto attention = llvm::dyn_cast<AttentionOp>(op)) {
    // Logical [B, H, S, D] dims with the buffers' strides: a [B, S, H, D]
    // view is already described so.
    std::vector<int64_t> knobs;
    if (auto attr = attention.getKnobs())
      knobs.assign(attr->begin(), attr->end());
    auto step = fb::CreateAttentionStepDirect(
        builder, tensorDesc(attention.getQ()), tensorDesc(attention.getK()),
        tensorDesc(attention.getV()), tensorDesc(attention.getBias()),
        tensorDesc(attention.getO()), attention.getScale().convertToFloat(),
        attention.getEngineId(), &knobs, attention.getWorkspace());
    Type element = memrefOf(attention.getQ()).getElementType();
    int64_t engineId = attention.getEngineId();
    return finishStep(op, fb::StepKind::AttentionStep, step.Union(),
                      defaultPrecision(element, false),
                      engineId < 0 ? "cudnn heuristic"
                                   : "cudnn engine " + std::to_string(engineId));
  }
  if (auto launch = llvm::dyn_cast<LaunchOp>(op)) {
    std::vector<uint32_t> grid(launch.getGrid().begin(), launch.getGrid().end()),
        block(launch.getBlock().begin(), launch.getBlock().end());
    std::vector<fb::BufferRef> args;
    for (Value arg : launch.getArgs())
      args.push_back(refs.lookup(arg).toFb());
    auto step = fb::CreateLaunchStepDirect(builder, launch.getKernel().str().c_str(), &grid,
                                           &block, launch.getSharedMemory(), &args);
    return finishStep(op, fb::StepKind::LaunchStep, step.Union(), "", "generated");
  }
  if (auto copy = llvm::dyn_cast<CopyOp>(op)) {
    fb::BufferRef src = refs.lookup(copy.getSource()).toFb(),
                  dst = refs.lookup(copy.getTarget()).toFb();
    auto step = fb::CreateCopyStep(builder, &src, &dst,
                                   getExtentInBytes(memrefOf(copy.getSource())));
    return finishStep(op, fb::StepKind::CopyStep, step.Union(), "", "");
  }
  if (llvm::isa<DispatchOp>(op))
    return op->emitError("dispatch groups are not kernels yet: run kiln-outline-kernels first");
  return op->emitError("cannot be serialized into an engine file");
}

//===----------------------------------------------------------------------===//
// Kernels and the whole engine
//===----------------------------------------------------------------------===//

LogicalResult Writer::compileKernels() {
  auto kernels = llvm::to_vector(module.getOps<KernelOp>());
  if (kernels.empty())
    return success();
  std::string source = kiln::cuda::prelude().str();
  for (KernelOp kernel : kernels) {
    source += "\n" + kernel.getSource().str() + "\n";
    // The launch bound, for the loader to hold launches to (0: none).
    kernelBounds.push_back(fb::CreateKernelDirect(builder, kernel.getSymName().str().c_str(),
                                                  kernel.getMaxThreadsPerBlock().value_or(0)));
  }
  llvm::Expected<kiln::cuda::CompiledCuda> compiled = kiln::cuda::compileCuda(source, archs);
  if (!compiled)
    return kernels.front().emitError("kernels do not compile: ")
           << llvm::toString(compiled.takeError());
  for (const kiln::cuda::CompiledCuda::Cubin &cubin : compiled->cubins) {
    auto image = builder.CreateVector(reinterpret_cast<const uint8_t *>(cubin.image.data()),
                                      cubin.image.size());
    code.push_back(fb::CreateCodeObject(builder, cubin.arch, image));
  }
  ptx = std::move(compiled->ptx);
  return success();
}

static flatbuffers::Offset<fb::BuildConfig>
writeBuildConfig(flatbuffers::FlatBufferBuilder &builder, const BuildConfig &config) {
  auto strings = [&](const std::vector<std::string> &list) {
    return builder.CreateVectorOfStrings(list);
  };
  auto layerPrecision = strings(config.layerPrecision);
  std::vector<flatbuffers::Offset<fb::InputShape>> shapes;
  for (const auto &[name, sizes] : config.inputShapes)
    shapes.push_back(fb::CreateInputShapeDirect(builder, name.c_str(), &sizes));
  auto inputShapes = builder.CreateVector(shapes);
  auto inputValues = strings(config.inputValues);
  return fb::CreateBuildConfig(
      builder, builder.CreateString(config.precision), layerPrecision,
      builder.CreateString(config.constraintMode), config.channelsLast, config.halfAlignment,
      config.int8Alignment, config.foldQDQEpilogues, builder.CreateString(config.depthwiseConv),
      builder.CreateString(config.int8Epilogue), config.int8,
      builder.CreateString(config.calibrator), config.percentile, inputShapes, inputValues,
      builder.CreateString(config.geluEpilogue), config.fuseAttention,
      builder.CreateString(config.int8ConvKernel), config.int8MinChannels,
      builder.CreateString(config.memoryConcurrency), builder.CreateString(config.inputType),
      builder.CreateString(config.outputType), config.spaceToDepth);
}

FailureOr<EngineBytes> Writer::run() {
  // Every field is written, defaults too: what the file says does not hang
  // on the reader's idea of the defaults.
  builder.ForceDefaults(true);
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("an engine module holds one func.func (the network), found ")
           << funcs.size();
  func::FuncOp func = funcs.front();
  for (const std::string &arch : options.archs) {
    std::optional<unsigned> number = parseArch(arch);
    if (!number)
      return module.emitError("bad GPU architecture '")
             << arch << "': expected sm_<compute capability>, e.g. sm_90";
    archs.push_back(*number);
  }
  if (failed(collectBindings(func)) || failed(compileKernels()))
    return failure();

  std::vector<flatbuffers::Offset<fb::Step>> steps;
  recordDeps = true;
  // Arena tensors without a name take the first step that touches them.
  std::vector<std::string> stepNames;
  for (Operation &op : func.getBody().front()) {
    if (!isStep(&op)) {
      if (!llvm::isa<func::ReturnOp>(op) && failed(visitBuffer(&op)))
        return failure();
      continue;
    }
    FailureOr<flatbuffers::Offset<fb::Step>> step = visitStep(&op, steps.size());
    if (failed(step))
      return failure();
    steps.push_back(*step);
    stepNames.push_back(getStepName(&op));
  }

  uint64_t arenaSize = 0;
  std::vector<flatbuffers::Offset<fb::ArenaTensor>> arenaTensors;
  for (auto &[op, use] : arenaUses) {
    uint64_t offset = *use.alloc.getOffset(), size = use.alloc.getSizeInBytes();
    arenaSize = std::max(arenaSize, offset + size);
    std::string name;
    if (auto attr = use.alloc.getNameAttr())
      name = attr.getValue().str();
    else if (use.first != ~0u)
      name = stepNames[use.first];
    if (use.first == ~0u)
      use.first = use.last = 0;
    arenaTensors.push_back(fb::CreateArenaTensorDirect(builder, name.c_str(), offset, size,
                                                       use.first, use.last));
  }
  if (auto attr = module->getAttrOfType<IntegerAttr>(kArenaSizeAttr)) {
    if (attr.getInt() < int64_t(arenaSize))
      return module.emitError(kArenaSizeAttr)
             << " is " << attr.getInt() << " but the buffers reach byte " << arenaSize;
    arenaSize = attr.getInt();
  }
  std::vector<std::string> assumptions;
  if (auto attr = module->getAttrOfType<ArrayAttr>("engine.assumptions"))
    for (Attribute item : attr) {
      auto text = llvm::dyn_cast<StringAttr>(item);
      if (!text)
        return module.emitError("engine.assumptions must be an array of strings");
      assumptions.push_back(text.str());
    }

  std::vector<flatbuffers::Offset<flatbuffers::String>> assumptionOffsets;
  for (const std::string &text : assumptions)
    assumptionOffsets.push_back(builder.CreateString(text));

  flatbuffers::Offset<fb::BuildConfig> buildConfig;
  if (options.buildConfig)
    buildConfig = writeBuildConfig(builder, *options.buildConfig);

  std::vector<uint32_t> archs32(archs.begin(), archs.end());
  LibraryVersions versions = getLibraryVersions();
  auto engine = fb::CreateEngineDirect(
      builder, KILN_VERSION, options.buildOptions.c_str(), &archs32, versions.cuda, versions.cudnn,
      versions.cublas, &bindings, arenaSize, &arenaTensors, weights.size(), &code, ptx.c_str(),
      &steps, assumptionOffsets.empty() ? nullptr : &assumptionOffsets,
      kernelBounds.empty() ? nullptr : &kernelBounds, buildConfig);
  fb::FinishEngineBuffer(builder, engine);
  EngineBytes bytes;
  bytes.metadata.assign(builder.GetBufferPointer(),
                        builder.GetBufferPointer() + builder.GetSize());
  bytes.weights = std::move(weights);
  return bytes;
}

/// Each operand in its own range of a scratch arena, then the step as the
/// engine file would hold it, as the root of its own buffer. Ranges start
/// 256-byte aligned, as arena buffers do, plus the offset of a view in its
/// buffer (a concat's slice), so that the libraries see the alignment the
/// engine will have.
FailureOr<StepAlone> Writer::runOneStep(Operation *op) {
  builder.ForceDefaults(true);
  uint64_t next = 0;
  for (Value operand : op->getOperands()) {
    if (refs.count(operand))
      continue;
    uint64_t inBuffer = 0;
    for (Value v = operand; auto view = v.getDefiningOp<ViewOp>(); v = view.getSource())
      inBuffer += view.getByteOffset();
    uint64_t start = next + inBuffer % kWeightAlignment;
    refs[operand] = Ref{fb::Region::Arena, start, 0};
    next = llvm::alignTo(start + getExtentInBytes(memrefOf(operand)), kWeightAlignment);
  }
  FailureOr<flatbuffers::Offset<fb::Step>> step = visitStep(op, 0);
  if (failed(step))
    return failure();
  if (!llvm::isa<ConvOp, GemmOp, AttentionOp, LaunchOp>(op))
    return op->emitError(
        "only conv, gemm, attention and launch steps are serialized alone for tactic timing");
  builder.Finish(*step);
  StepAlone alone;
  alone.step.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  alone.scratchBytes = next;
  return alone;
}

FailureOr<StepAlone> kiln::engine::serializeStepAlone(Operation *op) {
  EngineWriterOptions options;
  return Writer(op->getParentOfType<ModuleOp>(), options).runOneStep(op);
}

FailureOr<EngineBytes> kiln::engine::serializeEngine(ModuleOp module,
                                                     const EngineWriterOptions &options) {
  return Writer(module, options).run();
}

LogicalResult kiln::engine::writeEngine(ModuleOp module, const EngineWriterOptions &options,
                                        StringRef path) {
  FailureOr<EngineBytes> engine = serializeEngine(module, options);
  if (failed(engine))
    return failure();
  kiln::runtime::Status status =
      kiln::runtime::writeEngineFile(path.str(), engine->metadata, engine->weights);
  if (!status.ok())
    return module.emitError("cannot write ") << path << ": " << status.message();
  return success();
}

std::vector<uint8_t> kiln::engine::encodeEngine(const EngineBytes &engine) {
  return kiln::runtime::encodeEngineFile(engine.metadata, engine.weights);
}
