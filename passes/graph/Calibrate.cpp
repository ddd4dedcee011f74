//===- Calibrate.cpp - implicit INT8: ranges from a calibration set -------===//
//
// Finds the activations that quantizable layers read, measures them over a
// calibration set on the GPU (an FP32 engine, CalibrateOnGpu.cpp) or on the
// reference interpreter (or takes their scales from a calibration cache),
// and inserts quantize/dequantize pairs for kiln-propagate-qdq and
// kiln-fuse-qdq to turn into INT8 layers.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"
#include "passes/graph/CalibrateOnGpu.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/calibration/Calibration.h"
#include "kiln/reference/Interpreter.h"
#include "kiln/reference/Npy.h"
#include "kiln/runtime/HostRunner.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

#define DEBUG_TYPE "kiln-calibrate"

namespace kiln {
#define GEN_PASS_DEF_CALIBRATEPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::nn;
using namespace kiln::calibration;
namespace ref = kiln::reference;

namespace {

/// An activation to quantize: the tensor measured, its name in the cache,
/// and the operands that will read its dequantized value.
struct Point {
  Value value;
  std::string name;
  llvm::SetVector<OpOperand *> uses;
  /// The layers each use is read for (a shuffle's operand may serve several).
  llvm::DenseMap<OpOperand *, SmallVector<Operation *, 1>> layersOf;
};

/// The plan: what to measure, and which of it INT8 layers will read.
struct Plan {
  /// Every activation a layer planned in INT8 reads, in program order: all
  /// are measured (and kept in the cache), whichever are quantized.
  std::vector<Point> points;
  /// Constant operands of planned layers, quantized directly.
  SmallVector<OpOperand *> constants;
  /// The layers that will run in INT8 (see findInt8Layers).
  llvm::DenseSet<Operation *> int8Layers;
};

bool isFloat32(Value value) {
  auto type = llvm::dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32();
}

/// The operands of a quantizable layer that INT8 reads: its quantized
/// operands and, for a linear layer, its epilogue residual.
SmallVector<OpOperand *> getInt8Operands(QuantizableOpInterface layer) {
  SmallVector<OpOperand *> operands = layer.getQuantizedOperands();
  if (Value residual = getEpilogueResidual(layer))
    for (OpOperand &operand : layer->getOpOperands())
      if (operand.get() == residual && !llvm::is_contained(operands, &operand))
        operands.push_back(&operand);
  return operands;
}

/// Follows `use` back through layers that commute with quantization (max
/// pool, reshape, flatten, transpose, slice, ...) to the tensor whose scale
/// they carry; returns the operand that will read the dequantized value.
OpOperand *getQuantizationRoot(OpOperand *use) {
  while (Operation *producer = use->get().getDefiningOp()) {
    std::optional<SmallVector<unsigned>> data = getQuantCommutingOperands(producer);
    if (!data || data->size() != 1 || (*data)[0] != 0 || producer->getNumResults() != 1)
      break;
    OpOperand &input = producer->getOpOperand(0);
    if (!isFloat32(input.get()) || input.get().getDefiningOp<ConstantOp>())
      break;
    use = &input;
  }
  return use;
}

/// The reason a conv stays in float under implicit INT8 because its input
/// has too few channels for INT8 tensor cores, or empty. INT8 MMA reduces
/// 32 int8 per instruction (16 with CUTLASS's smallest tiles) against 8
/// halves for FP16 at half the rate, so a conv with C input channels per
/// filter tap pads C to 16-32 in INT8 but to 8 in FP16: below 16 channels
/// INT8 does at least twice FP16's math per useful product and its
/// throughput advantage is gone. Depthwise convs (one channel per group)
/// do not use tensor cores; INT8 halves their memory traffic, so they stay.
/// Whether `conv` is depthwise: one input channel per group.
bool isDepthwise(ConvOp conv) {
  auto filter = llvm::dyn_cast<RankedTensorType>(conv.getFilter().getType());
  if (!filter || filter.getRank() < 3 || conv.getGroups() <= 1)
    return false;
  int64_t channelAxis = conv.getLayout() == Layout::channels_last ? filter.getRank() - 1 : 1;
  return filter.getDimSize(channelAxis) == 1;
}

std::string whyTooFewInt8Channels(ConvOp conv, unsigned minChannels) {
  if (minChannels == 0)
    return "";
  auto filter = llvm::dyn_cast<RankedTensorType>(conv.getFilter().getType());
  if (!filter || filter.getRank() < 3)
    return "";
  int64_t channelAxis = conv.getLayout() == Layout::channels_last ? filter.getRank() - 1 : 1;
  int64_t channels = filter.getDimSize(channelAxis);
  if (ShapedType::isDynamic(channels) || channels >= static_cast<int64_t>(minChannels))
    return "";
  if (isDepthwise(conv))
    return ""; // No tensor cores either way.
  return llvm::formatv("{0} input channel{1}{2}, fewer than {3} (--int8-min-channels): INT8 "
                       "tensor cores reduce 16-32 int8 per filter tap, so the channels "
                       "would be padded and most of the INT8 math wasted",
                       channels, channels == 1 ? "" : "s",
                       conv.getGroups() > 1 ? " per group" : "", minChannels)
      .str();
}

struct CalibratePass : kiln::impl::CalibratePassBase<CalibratePass> {
  using CalibratePassBase::CalibratePassBase;
  CalibratePass() = default;
  CalibratePass(const CalibratePass &other) : CalibratePassBase(other) {}

  kiln::PassStatistic numTensors{this, "calibrated-tensors", "Activations given a scale"};
  kiln::PassStatistic numWeights{this, "quantized-weights",
                                 "Weights quantized per channel"};
  kiln::PassStatistic numKeptFloat{this, "kept-float-convs",
                                   "Convs kept in float: too few input channels for INT8"};
  kiln::PassStatistic numConstrained{this, "kept-float-by-constraint",
                                     "Quantizable layers a layer-precision entry keeps in float"};
  kiln::PassStatistic numFloatFollowers{
      this, "float-followers",
      "Adds and average pools left in float: no layer that runs in INT8 reads their result"};
  kiln::PassStatistic numShared{this, "concat-shared-scales",
                                "Measured concat inputs given their concat's scale"};

  void runOnOperation() override {
    func::FuncOp main = findMain();
    if (!main)
      return;
    std::optional<Calibrator> algorithm = parseCalibrator(calibrator);
    if (!algorithm) {
      main.emitError() << "kiln-calibrate: unknown calibrator '" << calibrator
                       << "' (expected " << getCalibratorChoices() << ")";
      return signalPassFailure();
    }
    if (device != "auto" && device != "gpu" && device != "cpu") {
      main.emitError() << "kiln-calibrate: unknown calibration device '" << device
                       << "' (expected auto, gpu or cpu)";
      return signalPassFailure();
    }
    if (*algorithm == Calibrator::percentile && !(percentile > 0.0 && percentile <= 100.0)) {
      main.emitError() << "kiln-calibrate: the percentile must lie in (0, 100], got "
                       << percentile;
      return signalPassFailure();
    }
    bool haveCache = !cache.empty() && llvm::sys::fs::exists(cache);
    if (calibDir.empty() && !haveCache) {
      main.emitError() << "kiln-calibrate: no calibration set (calib-dir)"
                       << (cache.empty() ? std::string(" and no calibration cache")
                                         : " and the calibration cache '" + cache +
                                               "' does not exist");
      return signalPassFailure();
    }

    Plan plan = planPoints(main);
    const std::vector<Point> &points = plan.points;
    if (points.empty() && plan.constants.empty())
      return; // Nothing quantizable: the model stays float.

    llvm::StringMap<double> scales;
    if (haveCache) {
      if (failed(readScales(main, points, *algorithm, scales)))
        return signalPassFailure();
    } else {
      CalibrationCache computed;
      computed.algorithm = *algorithm;
      computed.percentile = percentile;
      computed.kilnVersion = getKilnVersion().str();
      if (failed(measure(main, points, *algorithm, computed)))
        return signalPassFailure();
      for (auto &[name, scale] : computed.scales)
        scales[name] = scale;
      if (!cache.empty())
        if (llvm::Error err = writeCalibrationCache(cache, computed)) {
          main.emitError() << "kiln-calibrate: cannot write the calibration cache '"
                           << cache << "': " << llvm::toString(std::move(err));
          return signalPassFailure();
        }
    }
    shareConcatScales(main, plan, scales);
    insertPairs(main, plan, scales);
    quantizeConstants(plan);
  }

  /// "kept FP16 by --layer-precision fc:fp16" when a layer-precision entry
  /// names one of the layer's names (or its op) with a float precision, as
  /// kiln-assign-precision matches them; else empty. Entries are checked
  /// there; malformed ones are left to it.
  std::string keptByConstraint(QuantizableOpInterface layer) {
    SmallVector<StringRef> names = getLayerNames(layer);
    names.push_back(layer->getName().getStringRef());
    for (StringRef entry : layerPrecision) {
      auto [name, value] = StringRef(entry).rsplit(':');
      std::optional<StringRef> shown = llvm::StringSwitch<std::optional<StringRef>>(value)
                                           .Case("fp32", StringRef("FP32"))
                                           .Case("tf32", StringRef("TF32"))
                                           .Case("fp16", StringRef("FP16"))
                                           .Case("bf16", StringRef("BF16"))
                                           .Default(std::nullopt);
      if (shown && llvm::is_contained(names, name))
        return ("kept " + *shown + " by --layer-precision " + entry).str();
    }
    return "";
  }

  /// `main`, else the only function with a body.
  func::FuncOp findMain() {
    ModuleOp module = getOperation();
    if (auto main = module.lookupSymbol<func::FuncOp>("main"))
      return main;
    func::FuncOp only;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      if (only) {
        module.emitError() << "kiln-calibrate: no @main, and more than one function to "
                              "calibrate";
        signalPassFailure();
        return {};
      }
      only = function;
    }
    return only; // A module without functions has nothing to calibrate.
  }

  /// The activations to measure, in program order, the constant operands
  /// to quantize directly, and the layers that will run in INT8.
  Plan planPoints(func::FuncOp main) {
    Plan plan;
    llvm::MapVector<Value, Point> points;
    SmallVector<Operation *> planned;
    main.walk([&](QuantizableOpInterface layer) {
      if (!layer.isQuantizable())
        return;
      if (std::string kept = keptByConstraint(layer); !kept.empty()) {
        layer->setAttr(kInt8KeptFloatAttr, StringAttr::get(&getContext(), kept));
        ++numConstrained;
        return;
      }
      if (auto conv = llvm::dyn_cast<ConvOp>(layer.getOperation())) {
        std::string why = whyTooFewInt8Channels(conv, int8MinChannels);
        if (why.empty() && !int8Depthwise && isDepthwise(conv))
          why = "depthwise, with --depthwise-conv=cudnn: cuDNN's int8 convolutions "
                "need 4 input channels per group (Kiln's INT8 depthwise kernel runs "
                "under auto or kernel)";
        if (!why.empty()) {
          // Stays float: its operands get no pair; an INT8 layer reading its
          // result still quantizes it, as any float producer's.
          conv->setAttr(kInt8KeptFloatAttr, StringAttr::get(&getContext(), why));
          ++numKeptFloat;
          return;
        }
      }
      planned.push_back(layer);
      for (OpOperand *operand : getInt8Operands(layer)) {
        Value value = operand->get();
        if (!isFloat32(value) || value.getDefiningOp<DequantizeOp>())
          continue; // Already quantized (explicit Q/DQ), or not float32.
        if (value.getDefiningOp<ConstantOp>()) {
          plan.constants.push_back(operand);
          continue;
        }
        OpOperand *use = getQuantizationRoot(operand);
        Point &point = points[use->get()];
        point.value = use->get();
        point.uses.insert(use);
        point.layersOf[use].push_back(layer);
      }
    });
    llvm::StringSet<> names;
    for (auto &[value, point] : points) {
      std::string name = nameOf(main, value);
      std::string unique = name;
      for (int k = 2; !names.insert(unique).second; ++k)
        unique = name + " #" + std::to_string(k);
      point.name = unique;
    }
    plan.int8Layers = findInt8Layers(planned);
    for (auto &[value, point] : points)
      plan.points.push_back(std::move(point));
    return plan;
  }

  /// The planned layers that will run in INT8. A linear layer (conv,
  /// conv_transpose, gemm, matmul) with a constant weight does, whatever its
  /// result: its epilogue may write float (kiln-fuse-qdq's FuseLinearLayer;
  /// an activation-by-activation matmul stays float). An add or average
  /// pool runs in INT8 only with a quantized result (FuseQuantizedLayer),
  /// i.e. where an INT8 layer or an explicit quantize reads its result,
  /// directly or through layers that commute with quantization (a max pool,
  /// a reshape, a concat: kiln-propagate-qdq moves the reader's quantize
  /// back through them). One whose readers all stay float (a layer kept in
  /// float by a layer-precision entry, such as a mixed engine's, or one
  /// without an INT8 form) stays float: quantizing its inputs would only
  /// round them and cost a conversion. As the INT8 choice's minimum cut
  /// assumes (PrecisionChoice.h): such layers follow their neighbours.
  llvm::DenseSet<Operation *> findInt8Layers(ArrayRef<Operation *> planned) {
    llvm::DenseSet<Operation *> int8;
    llvm::DenseSet<OpOperand *> readInInt8;
    auto add = [&](Operation *layer) {
      int8.insert(layer);
      for (OpOperand *operand : getInt8Operands(llvm::cast<QuantizableOpInterface>(layer)))
        readInInt8.insert(operand);
    };
    for (Operation *layer : planned)
      if (hasEpilogue(layer) && hasConstantWeight(layer))
        add(layer);
    // Readers come after their producers: in reverse, a chain of adds and
    // pools (an add feeding a pool feeding a conv) settles in one pass; the
    // loop only repeats for graphs that are not in that order.
    for (bool changed = true; changed;) {
      changed = false;
      for (Operation *layer : llvm::reverse(planned)) {
        if (int8.contains(layer) || hasEpilogue(layer) || layer->getNumResults() != 1 ||
            !isReadInInt8(layer->getResult(0), readInInt8))
          continue;
        add(layer);
        changed = true;
      }
    }
    // Said by --report (Int8Report.cpp), as for the layers kept float above.
    for (Operation *layer : planned) {
      if (int8.contains(layer))
        continue;
      StringRef why = "its weight is not a constant: no INT8 form";
      if (!hasEpilogue(layer)) {
        why = "no layer that runs in INT8 reads its result (an add or average pool "
              "runs in INT8 only with a quantized result)";
        ++numFloatFollowers;
      }
      layer->setAttr(kInt8KeptFloatAttr, StringAttr::get(layer->getContext(), why));
    }
    return int8;
  }

  /// Whether a linear layer's weight is a constant, or a dequantized one
  /// (what kiln-fuse-qdq can quantize, or has).
  static bool hasConstantWeight(Operation *layer) {
    Value weight = layer->getOperand(1);
    if (auto dequantize = weight.getDefiningOp<DequantizeOp>())
      weight = dequantize.getInput();
    return weight.getDefiningOp<ConstantOp>() != nullptr;
  }

  /// Whether `value` is read quantized: by one of `readInInt8` or by a
  /// quantize, directly or through layers that commute with quantization.
  static bool isReadInInt8(Value value, const llvm::DenseSet<OpOperand *> &readInInt8) {
    SmallVector<Value> work{value};
    llvm::DenseSet<Value> seen;
    while (!work.empty()) {
      Value current = work.pop_back_val();
      if (!seen.insert(current).second)
        continue;
      for (OpOperand &use : current.getUses()) {
        Operation *user = use.getOwner();
        if (readInInt8.contains(&use) || llvm::isa<QuantizeOp>(user))
          return true;
        std::optional<SmallVector<unsigned>> data = getQuantCommutingOperands(user);
        if (data && llvm::is_contained(*data, use.getOperandNumber()))
          llvm::append_range(work, user->getResults());
      }
    }
    return false;
  }

  /// The uses of `point` that layers running in INT8 read: where its pair goes.
  static SmallVector<OpOperand *> getPairedUses(const Point &point,
                                               const llvm::DenseSet<Operation *> &int8) {
    SmallVector<OpOperand *> uses;
    for (OpOperand *use : point.uses)
      if (llvm::any_of(point.layersOf.lookup(use),
                       [&](Operation *layer) { return int8.contains(layer); }))
        uses.push_back(use);
    return uses;
  }


  /// A tensor's name in the cache: the input's name, or the layer that
  /// computes it (with `[k]` for result k of a layer with several).
  static std::string nameOf(func::FuncOp main, Value value) {
    if (auto argument = llvm::dyn_cast<BlockArgument>(value)) {
      if (auto name = main.getArgAttrOfType<StringAttr>(argument.getArgNumber(), "kiln.name"))
        return name.str();
      return "arg" + std::to_string(argument.getArgNumber());
    }
    Operation *op = value.getDefiningOp();
    std::string name = getLayerName(op);
    if (name.empty())
      name = op->getName().getStringRef().str();
    if (op->getNumResults() > 1)
      name += "[" + std::to_string(llvm::cast<OpResult>(value).getResultNumber()) + "]";
    return name;
  }

  LogicalResult readScales(func::FuncOp main, ArrayRef<Point> points, Calibrator algorithm,
                           llvm::StringMap<double> &scales) {
    llvm::Expected<CalibrationCache> read = readCalibrationCache(cache);
    if (!read) {
      main.emitError() << "kiln-calibrate: " << llvm::toString(read.takeError());
      return failure();
    }
    llvm::StringMap<double> cached;
    for (auto &[name, scale] : read->scales)
      cached[name] = scale;
    SmallVector<std::string> missing;
    for (const Point &point : points) {
      auto it = cached.find(point.name);
      if (it == cached.end())
        missing.push_back("'" + point.name + "'");
      else
        scales[point.name] = it->second;
    }
    if (!missing.empty()) {
      main.emitError() << "kiln-calibrate: the calibration cache '" << cache
                       << "' does not match the model: " << missing.size() << " of "
                       << points.size() << " tensors are missing: "
                       << llvm::join(missing, ", ");
      return failure();
    }
    if (!calibDir.empty() && read->algorithm != algorithm)
      main.emitWarning() << "kiln-calibrate: using the calibration cache '" << cache
                         << "', made with " << getCalibratorName(read->algorithm)
                         << ", not " << getCalibratorName(algorithm)
                         << "; delete it to calibrate again";
    return success();
  }

  /// Reads one batch, checking each file against the input it feeds.
  FailureOr<SmallVector<ref::Tensor>> readBatch(func::FuncOp main,
                                                const CalibrationBatch &batch,
                                                ArrayRef<std::string> inputNames) {
    SmallVector<ref::Tensor> inputs;
    for (auto [i, name] : llvm::enumerate(inputNames)) {
      const std::string &path = batch.files.at(name);
      auto type = llvm::cast<RankedTensorType>(main.getArgument(i).getType());
      llvm::Expected<ref::Tensor> read = readCalibrationTensor(path, getContext());
      if (read)
        read = ref::adaptNpyTensor(*read, type.getElementType());
      if (!read) {
        main.emitError() << "kiln-calibrate: " << path << ": "
                         << llvm::toString(read.takeError()) << " (input '" << name
                         << "' is " << type << ")";
        return failure();
      }
      bool fits = read->getRank() == type.getRank();
      for (int64_t d = 0; fits && d < type.getRank(); ++d)
        fits = type.isDynamicDim(d) || type.getDimSize(d) == read->getShape()[d];
      if (!fits) {
        main.emitError() << "kiln-calibrate: " << path << ": a " << read->getType()
                         << " for input '" << name << "', which is " << type;
        return failure();
      }
      inputs.push_back(std::move(*read));
    }
    return inputs;
  }

  /// Runs the model over the calibration set (twice for the histogram
  /// calibrators: ranges, then histograms) and computes each point's scale.
  LogicalResult measure(func::FuncOp main, ArrayRef<Point> points, Calibrator algorithm,
                        CalibrationCache &result) {
    SmallVector<std::string> inputNames;
    for (BlockArgument argument : main.getArguments())
      inputNames.push_back(nameOf(main, argument));
    llvm::Expected<std::vector<CalibrationBatch>> batches =
        findCalibrationBatches(calibDir, inputNames);
    if (!batches) {
      main.emitError() << "kiln-calibrate: " << llvm::toString(batches.takeError());
      return failure();
    }

    // A copy of the module whose main also returns every point.
    IRMapping mapping;
    OwningOpRef<ModuleOp> copy = llvm::cast<ModuleOp>(getOperation()->clone(mapping));
    auto copied = llvm::cast<func::FuncOp>(mapping.lookup(main.getOperation()));
    auto terminator = llvm::cast<func::ReturnOp>(copied.getBody().front().getTerminator());
    unsigned first = terminator.getNumOperands();
    for (const Point &point : points)
      terminator->insertOperands(terminator->getNumOperands(),
                                 mapping.lookup(point.value));
    copied.setFunctionType(FunctionType::get(&getContext(), copied.getArgumentTypes(),
                                             terminator->getOperandTypes()));

    if (!engineFile.empty() && failed(writeCalibrationEngine(main, *copy, copied, first)))
      return failure();
    std::unique_ptr<GpuCalibrationRun> gpu;
    auto building = std::chrono::steady_clock::now();
    if (device != "cpu") {
      std::string why;
      bool noDevice;
      gpu = GpuCalibrationRun::create(*copy, copied.getSymName(), first, why, noDevice);
      if (!gpu && device == "gpu") {
        main.emitError() << "kiln-calibrate: calibration on the GPU (device=gpu) is "
                            "not possible: "
                         << why;
        return failure();
      }
      if (!gpu)
        main.emitRemark() << "kiln-calibrate: calibrating on the reference interpreter, "
                          << (noDevice ? "no GPU: " : "not on the GPU: ") << why;
    }
    if (gpu && progress)
      llvm::errs() << llvm::formatv(
          "kiln-calibrate: on {0}, an FP32 engine with {1} measured tensors as outputs "
          "(built in {2:f2} s)\n",
          gpu->getDeviceName(), points.size(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - building).count());

    // Each measured tensor's values on one batch, from the GPU or the
    // interpreter; the statistics are the same either way.
    auto runBatch = [&](ArrayRef<ref::Tensor> inputs,
                        const CalibrationBatch &batch) -> FailureOr<std::vector<std::vector<double>>> {
      std::vector<std::vector<double>> values;
      if (gpu) {
        std::string why;
        FailureOr<std::vector<std::vector<double>>> ran = gpu->run(inputs, why);
        if (failed(ran))
          main.emitError() << "kiln-calibrate: the FP32 engine failed on batch " << batch.name
                           << ": " << why;
        return ran;
      }
      FailureOr<SmallVector<ref::Tensor>> outputs = ref::runFunction(copied, inputs);
      if (failed(outputs)) {
        main.emitError() << "kiln-calibrate: the reference interpreter failed on batch "
                         << batch.name;
        return failure();
      }
      for (unsigned k = 0; k < points.size(); ++k)
        values.push_back((*outputs)[first + k].toReals());
      return values;
    };

    auto started = std::chrono::steady_clock::now();
    std::vector<TensorStatistics> stats(points.size());
    bool histograms = algorithm != Calibrator::minmax;
    int passes = histograms ? 2 : 1;
    for (int pass = 0; pass < passes; ++pass) {
      for (auto [b, batch] : llvm::enumerate(*batches)) {
        if (progress)
          llvm::errs() << llvm::formatv("kiln-calibrate: {0}batch {1}/{2} ({3})\n",
                                        passes > 1 ? llvm::formatv("pass {0}/2, ", pass + 1).str()
                                                   : std::string(),
                                        b + 1, batches->size(),
                                        pass == 0 ? "ranges" : "histograms");
        FailureOr<SmallVector<ref::Tensor>> inputs = readBatch(main, batch, inputNames);
        if (failed(inputs))
          return failure();
        FailureOr<std::vector<std::vector<double>>> values = runBatch(*inputs, batch);
        if (failed(values))
          return failure();
        // Each tensor's statistics are its own: one task per tensor (at
        // ResNet-50 batch 64 a batch holds half a billion values).
        llvm::parallelFor(0, points.size(), [&](size_t k) {
          if (pass == 0)
            stats[k].addToRange((*values)[k]);
          else
            stats[k].addToHistogram((*values)[k]);
        });
      }
    }
    if (progress)
      llvm::errs() << llvm::formatv(
          "kiln-calibrate: {0} over {1} batches in {2:f2} s on {3}\n",
          passes > 1 ? "two passes" : "one pass",
          batches->size(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          gpu ? "the GPU" : "the reference interpreter");
    for (auto [k, point] : llvm::enumerate(points))
      result.scales.emplace_back(point.name, computeScale(stats[k], algorithm, percentile));
    return success();
  }

  /// TensorRT's rule for a concat in implicit INT8: its inputs take its
  /// output's scale, so each is written into its part of the output with no
  /// requantize (the concat becomes a copy, or nothing at all). An input that
  /// INT8 layers read too gives up its own scale. Consumers first, so that a
  /// concat of concats shares the last one's scale. The cache keeps what was
  /// measured; sharing applies to it as to fresh measurements.
  void shareConcatScales(func::FuncOp main, const Plan &plan,
                         llvm::StringMap<double> &scales) {
    llvm::DenseMap<Value, const Point *> byValue;
    for (const Point &point : plan.points)
      byValue[point.value] = &point;
    SmallVector<ConcatOp> concats;
    main.walk([&](ConcatOp concat) { concats.push_back(concat); });
    for (ConcatOp concat : llvm::reverse(concats)) {
      const Point *output = byValue.lookup(concat.getResult());
      if (!output || !getQuantCommutingOperands(concat) ||
          getPairedUses(*output, plan.int8Layers).empty())
        continue; // No INT8 layer reads it: each input keeps its scale.
      double scale = scales.lookup(output->name);
      for (OpOperand &operand : concat->getOpOperands()) {
        const Point *input = byValue.lookup(getQuantizationRoot(&operand)->get());
        if (!input || input == output || scales.lookup(input->name) == scale)
          continue;
        scales[input->name] = scale;
        ++numShared;
      }
    }
  }

  /// Writes the FP32 engine that calibration on the GPU runs (option
  /// `engine`), for inspection; for the GPU present, else for sm_90.
  LogicalResult writeCalibrationEngine(func::FuncOp main, ModuleOp copy, func::FuncOp copied,
                                       unsigned first) {
    std::string arch = "sm_90", why;
    if (runtime::Expected<runtime::DeviceDescription> device =
            runtime::describeCurrentDevice())
      arch = "sm_" + std::to_string(device->computeCapability);
    FailureOr<std::vector<uint8_t>> bytes =
        GpuCalibrationRun::buildEngine(copy, copied.getSymName(), first, arch, why);
    if (failed(bytes)) {
      main.emitError() << "kiln-calibrate: " << why;
      return failure();
    }
    if (llvm::Error err = llvm::writeToOutput(engineFile, [&](llvm::raw_ostream &os) {
          os.write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
          return llvm::Error::success();
        })) {
      main.emitError() << "kiln-calibrate: cannot write '" << engineFile
                       << "': " << llvm::toString(std::move(err));
      return failure();
    }
    return success();
  }

  void insertPairs(func::FuncOp main, const Plan &plan,
                   const llvm::StringMap<double> &scales) {
    OpBuilder builder(&getContext());
    Type i8 = IntegerType::get(&getContext(), 8);
    for (const Point &point : plan.points) {
      // Only where a layer that runs in INT8 reads it.
      SmallVector<OpOperand *> uses = getPairedUses(point, plan.int8Layers);
      if (uses.empty())
        continue;
      Location loc = main.getLoc();
      if (Operation *producer = point.value.getDefiningOp()) {
        builder.setInsertionPointAfter(producer);
        loc = producer->getLoc();
      } else {
        builder.setInsertionPointToStart(&main.getBody().front());
        loc = NameLoc::get(builder.getStringAttr(point.name));
      }
      // Scales are float32 in the engine and in ONNX.
      double scale = static_cast<float>(scales.lookup(point.name));
      auto type = llvm::cast<RankedTensorType>(point.value.getType());
      auto element = quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i8,
                                                      type.getElementType(), scale, 0, -128,
                                                      127);
      Value quantized = QuantizeOp::create(
          builder, loc, RankedTensorType::get(type.getShape(), element), point.value);
      Value dequantized = DequantizeOp::create(builder, loc, quantized);
      for (OpOperand *use : uses)
        use->set(dequantized);
      // The tensor is INT8 now: float layers that read it too read its
      // dequantized value (a reformat in TensorRT's terms), so the producer's
      // output quantize can fuse. The network's outputs keep the float value.
      Value value = point.value;
      value.replaceUsesWithIf(dequantized, [&](OpOperand &use) {
        return use.getOwner() != quantized.getDefiningOp() &&
               !llvm::isa<func::ReturnOp>(use.getOwner());
      });
      ++numTensors;
    }
  }

  /// Weights of linear layers int8 per output channel, other constant
  /// operands per tensor, each behind a dequantize.
  void quantizeConstants(const Plan &plan) {
    OpBuilder builder(&getContext());
    for (OpOperand *operand : plan.constants) {
      Operation *layer = operand->getOwner();
      if (!plan.int8Layers.contains(layer))
        continue;
      builder.setInsertionPoint(layer);
      Value quantized = quantizeConstantWeight(builder, layer, operand->get());
      if (!quantized)
        continue;
      operand->set(DequantizeOp::create(builder, operand->get().getLoc(), quantized));
      ++numWeights;
    }
  }
};

} // namespace
