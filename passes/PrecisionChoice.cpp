//===- PrecisionChoice.cpp - INT8 or float per layer, by timing -----------===//

#include "passes/PrecisionChoice.h"
#include "passes/PassUtils.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"
#include "kiln/runtime/HostRunner.h"
#include "kiln/runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace mlir;
using namespace kiln;

std::vector<std::vector<std::string>> kiln::getStepLayers(ModuleOp module) {
  std::vector<std::vector<std::string>> steps;
  for (auto func : module.getOps<func::FuncOp>()) {
    for (Operation &op : func.getBody().front()) {
      if (!engine::isStep(&op))
        continue;
      std::vector<std::string> &layers = steps.emplace_back();
      if (auto names = op.getAttrOfType<ArrayAttr>("layers"))
        for (StringRef name : names.getAsValueRange<StringAttr>())
          layers.push_back(name.str());
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
  std::vector<std::vector<std::string>> layers = getStepLayers(module);
  if (layers.size() != loaded->numSteps()) {
    why = llvm::formatv("the engine has {0} steps, the module {1}", loaded->numSteps(),
                        layers.size());
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
  for (size_t i = 0; i < layers.size(); ++i)
    timing.steps.push_back({std::move(layers[i]), (*steps)[i]});
  return timing;
}

std::vector<std::vector<std::string>> kiln::getInt8Layers(ModuleOp module) {
  std::vector<std::vector<std::string>> layers;
  auto quantized = [](Type type) { return nn::isQuantized(getElementTypeOrSelf(type)); };
  module.walk([&](Operation *op) {
    // The layers whose arithmetic INT8 changes; pooling, concatenation and
    // the like follow their neighbours' types.
    if (!llvm::isa<nn::ConvOp, nn::GemmOp, nn::MatmulOp>(op))
      return;
    if (llvm::none_of(op->getOperandTypes(), quantized) &&
        llvm::none_of(op->getResultTypes(), quantized))
      return;
    std::vector<std::string> &names = layers.emplace_back();
    for (StringRef name : getLayerNames(op))
      names.push_back(name.str());
    if (names.empty())
      layers.pop_back(); // Nothing a constraint could name.
  });
  return layers;
}

std::vector<Int8Unit> kiln::chooseInt8Units(ArrayRef<std::vector<std::string>> int8Layers,
                                            const EngineTiming &int8Engine,
                                            const EngineTiming &floatEngine,
                                            double threshold) {
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
  std::vector<Int8Unit> units;
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
  std::vector<bool> coveredByFloat(units.size(), false);
  auto addTimes = [&](const EngineTiming &timing, bool isFloat) {
    for (const TimedStep &step : timing.steps) {
      llvm::SmallVector<unsigned> covered = layersOfStep(step);
      if (covered.empty())
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
  for (auto [unit, covered] : llvm::zip(units, coveredByFloat))
    unit.keepFloat = covered && unit.floatMilliseconds < threshold * unit.int8Milliseconds;
  return units;
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

void kiln::printInt8Units(ArrayRef<Int8Unit> units, llvm::raw_ostream &os) {
  double int8Total = 0, chosenTotal = 0;
  size_t kept = 0;
  for (const Int8Unit &unit : units) {
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
                      kept, units.size(), int8Total, chosenTotal);
}
