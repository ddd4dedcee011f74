//===- PrecisionChoice.cpp - INT8 or float per layer, by timing -----------===//

#include "passes/PrecisionChoice.h"
#include "passes/MinCut.h"
#include "passes/PassUtils.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"
#include "kiln/runtime/HostRunner.h"
#include "kiln/runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>

using namespace mlir;
using namespace kiln;

/// The bytes a launch reads and writes when all it does is change one
/// tensor's element type (quantize, dequantize, cast): kiln-outline-kernels
/// marks such launches; one input, one output, as many elements, other
/// types. (An INT8 epilogue kernel without
/// a bias has that shape too, f32 sums to i8, but computes a layer.)
static int64_t getConversionBytes(Operation *op) {
  auto launch = llvm::dyn_cast<engine::LaunchOp>(op);
  if (!launch || !launch->hasAttr(engine::kConversionAttr) ||
      launch.getArgs().size() != 2 || launch.getNumOutputs() != 1)
    return 0;
  auto in = llvm::dyn_cast<MemRefType>(launch.getArgs()[0].getType());
  auto out = llvm::dyn_cast<MemRefType>(launch.getArgs()[1].getType());
  if (!in || !out || !in.hasStaticShape() || !out.hasStaticShape() ||
      in.getNumElements() != out.getNumElements() ||
      in.getElementType() == out.getElementType())
    return 0;
  return in.getNumElements() * (engine::getElementSize(in.getElementType()) +
                                engine::getElementSize(out.getElementType()));
}

std::vector<TimedStep> kiln::getSteps(ModuleOp module) {
  std::vector<TimedStep> steps;
  for (auto func : module.getOps<func::FuncOp>()) {
    for (Operation &op : func.getBody().front()) {
      if (!engine::isStep(&op))
        continue;
      TimedStep &step = steps.emplace_back();
      if (auto names = op.getAttrOfType<ArrayAttr>("layers"))
        for (StringRef name : names.getAsValueRange<StringAttr>())
          step.layers.push_back(name.str());
      step.conversionBytes = getConversionBytes(&op);
    }
  }
  return steps;
}

FailureOr<EngineTiming> kiln::timeEngineOnGpu(ModuleOp module,
                                              const engine::EngineWriterOptions &options,
                                              engine::EngineBytes &serialized,
                                              std::string &why, bool &noDevice) {
  noDevice = false;
  FailureOr<engine::EngineBytes> bytes = engine::serializeEngine(module, options);
  if (failed(bytes)) {
    why = "the engine cannot be serialized";
    return failure();
  }
  serialized = std::move(*bytes);
  std::vector<uint8_t> file = engine::encodeEngine(serialized);
  runtime::Expected<runtime::Engine> loaded =
      runtime::Engine::loadFromMemory(file.data(), file.size());
  if (!loaded) {
    noDevice = loaded.status().code() == runtime::ErrorCode::NoDevice;
    why = "the engine does not load: " + loaded.status().message();
    return failure();
  }
  runtime::Expected<runtime::HostRunner> runner = runtime::HostRunner::create(*loaded);
  if (!runner) {
    why = "the engine cannot run: " + runner.status().message();
    return failure();
  }
  std::vector<TimedStep> described = getSteps(module);
  if (described.size() != loaded->numSteps()) {
    why = llvm::formatv("the engine has {0} steps, the module {1}", loaded->numSteps(),
                        described.size());
    return failure();
  }
  // Step times vary little from run to run; whole runs a little more.
  runtime::Expected<std::vector<float>> steps = runner->timeSteps(10);
  if (!steps) {
    why = "the engine does not run: " + steps.status().message();
    return failure();
  }
  runtime::Expected<float> graph = runner->timeGraph(100);
  if (!graph) {
    why = "the engine does not run as a CUDA graph: " + graph.status().message();
    return failure();
  }
  EngineTiming timing;
  timing.graphMilliseconds = *graph;
  for (size_t i = 0; i < described.size(); ++i) {
    described[i].milliseconds = (*steps)[i];
    timing.steps.push_back(std::move(described[i]));
  }
  return timing;
}

/// Whether an operand or a result of `op` is quantized.
static bool hasQuantizedType(Operation *op) {
  auto quantized = [](Type type) { return nn::isQuantized(getElementTypeOrSelf(type)); };
  return llvm::any_of(op->getOperandTypes(), quantized) ||
         llvm::any_of(op->getResultTypes(), quantized);
}

/// The convs, GEMMs and matmuls that run in INT8: those with quantized
/// operands or results (pooling, concatenation and the like follow their
/// neighbours' types).
static bool isInt8Layer(Operation *op) {
  return llvm::isa<nn::ConvOp, nn::GemmOp, nn::MatmulOp>(op) && hasQuantizedType(op);
}

/// A layer that runs in whatever type its neighbours give it: a conversion,
/// or a layer on quantized tensors.
static bool followsNeighbours(Operation *op) {
  if (isTypeConversion(op))
    return true;
  return op->getNumResults() > 0 && !isInt8Layer(op) && hasQuantizedType(op);
}

Int8Network kiln::getInt8Network(ModuleOp module, StringRef floatPrecision) {
  MLIRContext *context = module.getContext();
  Type floatType = llvm::StringSwitch<Type>(floatPrecision)
                       .Case("fp16", Float16Type::get(context))
                       .Case("bf16", BFloat16Type::get(context))
                       .Default(Float32Type::get(context));
  int64_t floatBytes = engine::getElementSize(floatType);
  Int8Network network;
  llvm::DenseMap<Operation *, size_t> layerOf;
  module.walk([&](Operation *op) {
    if (!isInt8Layer(op))
      return;
    std::vector<std::string> names;
    for (StringRef name : getLayerNames(op))
      names.push_back(name.str());
    if (names.empty())
      return; // Nothing a constraint could name.
    layerOf[op] = network.layers.size();
    network.layers.push_back(std::move(names));
  });

  // Each tensor a layer or a network input produces, followed through the
  // layers that follow their neighbours to the layers that read it. An
  // INT8 layer with a float result writes it in its own epilogue: a float
  // layer reading it as it is (no quantize, dequantize or cast between) is
  // no border.
  auto trace = [&](Value produced, Int8Tensor tensor) {
    bool writesFloat = !tensor.layers.empty() &&
                       !nn::isQuantized(getElementTypeOrSelf(produced.getType()));
    llvm::SmallVector<std::pair<Value, bool>> work{{produced, false}};
    llvm::DenseSet<Value> seen;
    while (!work.empty()) {
      auto [value, converted] = work.pop_back_val();
      if (!seen.insert(value).second)
        continue;
      bool free = writesFloat && !converted;
      for (Operation *user : value.getUsers()) {
        if (auto it = layerOf.find(user); it != layerOf.end()) {
          tensor.layers.push_back(it->second);
        } else if (user->hasTrait<OpTrait::IsTerminator>()) {
          tensor.floatEnd |= !free && getElementTypeOrSelf(value.getType()) == floatType;
        } else if (followsNeighbours(user)) {
          bool conversion = isTypeConversion(user);
          for (Value result : user->getResults())
            work.push_back({result, converted || conversion});
        } else {
          tensor.floatEnd |= !free;
        }
      }
    }
    llvm::sort(tensor.layers);
    tensor.layers.erase(llvm::unique(tensor.layers), tensor.layers.end());
    auto shaped = llvm::dyn_cast<ShapedType>(produced.getType());
    if (shaped && shaped.hasStaticShape())
      tensor.bytes = shaped.getNumElements() * (floatBytes + 1);
    // A border only where two INT8 layers, or one and a float layer, meet.
    if (!tensor.layers.empty() && (tensor.layers.size() > 1 || tensor.floatEnd))
      network.tensors.push_back(std::move(tensor));
  };
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    for (BlockArgument argument : func.getArguments())
      trace(argument, {{}, getElementTypeOrSelf(argument.getType()) == floatType, 0});
    func.walk([&](Operation *op) {
      if (op->hasTrait<OpTrait::ConstantLike>() || followsNeighbours(op))
        return;
      auto it = layerOf.find(op);
      for (Value result : op->getResults()) {
        if (it != layerOf.end())
          trace(result, {{it->second}, false, 0});
        else
          trace(result, {{}, true, 0});
      }
    });
  }
  return network;
}

double ConversionCost::operator()(int64_t bytes) const {
  return launchMilliseconds + millisecondsPerByte * static_cast<double>(bytes);
}

ConversionCost kiln::fitConversionCost(ArrayRef<const EngineTiming *> engines) {
  std::vector<std::pair<double, double>> points; // (bytes, milliseconds)
  for (const EngineTiming *timing : engines)
    for (const TimedStep &step : timing->steps)
      if (step.conversionBytes > 0)
        points.push_back({static_cast<double>(step.conversionBytes), step.milliseconds});
  ConversionCost cost;
  cost.samples = points.size();
  if (points.empty())
    return cost;
  double n = points.size(), meanBytes = 0, meanTime = 0;
  for (auto [bytes, time] : points) {
    meanBytes += bytes / n;
    meanTime += time / n;
  }
  double covariance = 0, variance = 0;
  for (auto [bytes, time] : points) {
    covariance += (bytes - meanBytes) * (time - meanTime);
    variance += (bytes - meanBytes) * (bytes - meanBytes);
  }
  if (variance > 0 && covariance > 0) {
    cost.millisecondsPerByte = covariance / variance;
    cost.launchMilliseconds = meanTime - cost.millisecondsPerByte * meanBytes;
    if (cost.launchMilliseconds < 0) { // Through the origin instead.
      double timeBytes = 0, bytesSquared = 0;
      for (auto [bytes, time] : points) {
        timeBytes += time * bytes;
        bytesSquared += bytes * bytes;
      }
      cost.launchMilliseconds = 0;
      cost.millisecondsPerByte = timeBytes / bytesSquared;
    }
    return cost;
  }
  // One size (or times that do not grow with it): every conversion costs
  // the mean of those timed.
  cost.launchMilliseconds = meanTime;
  return cost;
}

Int8Choice kiln::chooseInt8Units(const Int8Network &network,
                                 const EngineTiming &int8Engine,
                                 const EngineTiming &floatEngine, double threshold) {
  ArrayRef<std::vector<std::string>> int8Layers = network.layers;
  // Layer k by each name it covers; layers a step of either engine covers
  // together join one class.
  llvm::StringMap<unsigned> layerOf;
  for (auto [k, names] : llvm::enumerate(int8Layers))
    for (const std::string &name : names)
      layerOf.try_emplace(name, k);
  llvm::EquivalenceClasses<unsigned> classes;
  for (unsigned k = 0; k < int8Layers.size(); ++k)
    classes.insert(k);
  auto layersOfStep = [&](const TimedStep &step) {
    llvm::SmallVector<unsigned> covered;
    for (const std::string &name : step.layers)
      if (auto it = layerOf.find(name); it != layerOf.end())
        covered.push_back(it->second);
    return covered;
  };
  for (const EngineTiming *timing : {&int8Engine, &floatEngine})
    for (const TimedStep &step : timing->steps) {
      llvm::SmallVector<unsigned> covered = layersOfStep(step);
      for (unsigned k : covered)
        classes.unionSets(covered.front(), k);
    }

  // One unit per class, in the order of its first layer.
  Int8Choice choice;
  std::vector<Int8Unit> &units = choice.units;
  llvm::DenseMap<unsigned, size_t> unitOfLeader;
  std::vector<size_t> unitOfLayer(int8Layers.size());
  for (unsigned k = 0; k < int8Layers.size(); ++k) {
    unsigned leader = classes.getLeaderValue(k);
    auto [it, inserted] = unitOfLeader.try_emplace(leader, units.size());
    if (inserted)
      units.emplace_back();
    unitOfLayer[k] = it->second;
    llvm::append_range(units[it->second].layers, int8Layers[k]);
  }
  // A unit's steps. In the INT8 engine, a conversion named after a unit
  // with a float neighbour is that border's (priced below); one of a unit
  // without (an output's: INT8 layers write a float output in their own
  // epilogue or convert it after) is the unit's, as the float engine's
  // casts of its inputs and outputs are.
  std::vector<bool> bordersFloat(units.size(), false);
  for (const Int8Tensor &tensor : network.tensors)
    if (tensor.floatEnd)
      for (size_t layer : tensor.layers)
        if (layer < unitOfLayer.size())
          bordersFloat[unitOfLayer[layer]] = true;
  std::vector<bool> coveredByFloat(units.size(), false);
  auto addTimes = [&](const EngineTiming &timing, bool isFloat) {
    for (const TimedStep &step : timing.steps) {
      llvm::SmallVector<unsigned> covered = layersOfStep(step);
      if (covered.empty() || (!isFloat && step.conversionBytes > 0 &&
                              bordersFloat[unitOfLayer[covered.front()]]))
        continue;
      size_t unit = unitOfLayer[covered.front()];
      (isFloat ? units[unit].floatMilliseconds : units[unit].int8Milliseconds) +=
          step.milliseconds;
      if (isFloat)
        coveredByFloat[unit] = true;
    }
  };
  addTimes(int8Engine, false);
  addTimes(floatEngine, true);
  choice.conversion = fitConversionCost({&int8Engine, &floatEngine});

  // The minimum cut: source = INT8, sink = float. A unit on the source side
  // cuts its edge to the sink (its INT8 time), one on the sink side its
  // edge from the source (its float time, biased by the threshold).
  const size_t source = 0, sink = 1;
  MinCut graph(2 + units.size());
  auto node = [](size_t unit) { return 2 + unit; };
  for (auto [unit, covered] : llvm::enumerate(coveredByFloat)) {
    graph.addEdge(source, node(unit),
                  covered ? units[unit].floatMilliseconds / threshold : MinCut::infinite);
    graph.addEdge(node(unit), sink, units[unit].int8Milliseconds);
  }
  // A tensor costs one conversion when its ends are not all of one label:
  // [some end float] + [some end INT8] - 1, each term a node the tensor's
  // units force to their side (Kohli, Kumar and Torr's P^n construction for
  // two labels); with two units, an edge each way; with a float end, only
  // [some unit INT8].
  std::vector<llvm::SmallVector<size_t>> tensorUnits;
  for (const Int8Tensor &tensor : network.tensors) {
    llvm::SmallVector<size_t> &ends = tensorUnits.emplace_back();
    for (size_t layer : tensor.layers)
      if (layer < unitOfLayer.size())
        ends.push_back(unitOfLayer[layer]);
    llvm::sort(ends);
    ends.erase(llvm::unique(ends), ends.end());
    double cost = choice.conversion(tensor.bytes);
    if (ends.empty() || (ends.size() == 1 && !tensor.floatEnd) || cost <= 0)
      continue;
    if (tensor.floatEnd && ends.size() == 1) {
      graph.addEdge(node(ends.front()), sink, cost);
    } else if (!tensor.floatEnd && ends.size() == 2) {
      graph.addEdge(node(ends[0]), node(ends[1]), cost);
      graph.addEdge(node(ends[1]), node(ends[0]), cost);
    } else {
      size_t anyInt8 = graph.addNode();
      for (size_t unit : ends)
        graph.addEdge(node(unit), anyInt8, MinCut::infinite);
      graph.addEdge(anyInt8, sink, cost);
      if (!tensor.floatEnd) {
        size_t anyFloat = graph.addNode();
        graph.addEdge(source, anyFloat, cost);
        for (size_t unit : ends)
          graph.addEdge(anyFloat, node(unit), MinCut::infinite);
      }
    }
  }
  graph.solve(source, sink);
  for (auto [unit, info] : llvm::enumerate(units))
    info.keepFloat = !graph.onSourceSide(node(unit));

  for (auto [tensor, ends] : llvm::zip(network.tensors, tensorUnits)) {
    size_t inFloat =
        llvm::count_if(ends, [&](size_t unit) { return units[unit].keepFloat; });
    bool floats = tensor.floatEnd || inFloat > 0;
    bool int8s = inFloat < ends.size();
    if (floats && int8s) {
      ++choice.borders;
      choice.borderMilliseconds += choice.conversion(tensor.bytes);
    }
  }
  return choice;
}

std::vector<std::string> kiln::floatConstraints(ArrayRef<Int8Unit> units,
                                                StringRef floatPrecision) {
  std::vector<std::string> constraints;
  llvm::StringSet<> seen;
  for (const Int8Unit &unit : units) {
    if (!unit.keepFloat)
      continue;
    for (const std::string &name : unit.layers)
      if (seen.insert(name).second)
        constraints.push_back(name + ":" + floatPrecision.str());
  }
  return constraints;
}

void kiln::printInt8Units(const Int8Choice &choice, llvm::raw_ostream &os) {
  double int8Total = 0, chosenTotal = 0;
  size_t kept = 0;
  for (const Int8Unit &unit : choice.units) {
    int8Total += unit.int8Milliseconds;
    chosenTotal += unit.keepFloat ? unit.floatMilliseconds : unit.int8Milliseconds;
    if (!unit.keepFloat)
      continue;
    ++kept;
    std::string name = unit.layers.front();
    if (unit.layers.size() > 1)
      name += llvm::formatv(" (+{0} more)", unit.layers.size() - 1).str();
    os << llvm::formatv("  float: {0,-48} int8 {1,8:f4} ms  float {2,8:f4} ms\n", name,
                        unit.int8Milliseconds, unit.floatMilliseconds);
  }
  os << llvm::formatv("  {0} of {1} INT8 layer groups kept in float; their steps: "
                      "{2:f4} ms in INT8 -> {3:f4} ms as chosen\n",
                      kept, choice.units.size(), int8Total, chosenTotal);
  const ConversionCost &cost = choice.conversion;
  os << llvm::formatv("  {0} INT8/float borders, {1:f4} ms of conversions",
                      choice.borders, choice.borderMilliseconds);
  if (cost.samples == 0)
    os << " (no conversion step timed: borders priced at 0)\n";
  else
    os << llvm::formatv(" ({0:f4} ms + {1:f2} ms/MB, fitted to {2} conversion steps)\n",
                        cost.launchMilliseconds, cost.millisecondsPerByte * 1e6,
                        cost.samples);
}

/// `loc` with only the layer names of its NameLocs: where the model file
/// was when it was imported is no part of the network.
static Location withoutFiles(Location loc) {
  MLIRContext *context = loc->getContext();
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return NameLoc::get(name.getName());
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    SmallVector<Location> parts;
    for (Location part : fused.getLocations())
      parts.push_back(withoutFiles(part));
    return FusedLoc::get(context, parts);
  }
  return UnknownLoc::get(context);
}

std::string kiln::getInt8ChoiceSignature(ModuleOp imported, StringRef buildOptions,
                                         const Int8ChoiceVersions &versions) {
  // Constants of more than 16 elements (weights, biases, tables) as zeros of
  // their type: their values change no engine's speed. Smaller ones (shapes,
  // indices, pads) stay, as they may.
  OwningOpRef<ModuleOp> structure = imported.clone();
  structure->walk([](Operation *op) {
    op->setLoc(withoutFiles(op->getLoc()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument argument : block.getArguments())
          argument.setLoc(withoutFiles(argument.getLoc()));
    for (NamedAttribute attribute : llvm::to_vector(op->getAttrs())) {
      auto elements = llvm::dyn_cast<ElementsAttr>(attribute.getValue());
      if (!elements || elements.getNumElements() <= 16)
        continue;
      auto type = llvm::cast<ShapedType>(elements.getType());
      Type elementType = type.getElementType();
      Attribute zero;
      if (llvm::isa<FloatType>(elementType))
        zero = FloatAttr::get(elementType, 0.0);
      else if (llvm::isa<IntegerType>(elementType))
        zero = IntegerAttr::get(elementType, 0);
      if (zero)
        op->setAttr(attribute.getName(), DenseElementsAttr::get(type, zero));
    }
  });
  std::string text;
  llvm::raw_string_ostream os(text);
  // Layer names are locations: the mixed engine's constraints name them.
  OpPrintingFlags flags;
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  structure->print(os, flags);
  return formatv("int8-layers graph={0} options={1} cudnn={2} cublaslt={3} nvrtc={4} kiln={5}",
                 llvm::format_hex_no_prefix(llvm::xxh3_64bits(text), 16),
                 llvm::format_hex_no_prefix(llvm::xxh3_64bits(buildOptions), 16),
                 versions.cudnn, versions.cublasLt, versions.nvrtc, versions.kiln)
      .str();
}
