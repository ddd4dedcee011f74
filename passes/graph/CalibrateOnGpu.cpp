//===- CalibrateOnGpu.cpp - kiln-calibrate's runs on the GPU --------------===//
//
// An FP32 engine of the network whose outputs are the tensors kiln-calibrate
// measures, built with Kiln's own pipelines and run through the runtime.
// Output bindings rather than reads from the arena: the planner reuses arena
// space, so a measured tensor would have to be pinned there anyway, and an
// output binding is what the runtime already copies back.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/CalibrateOnGpu.h"

#include "passes/Passes.h"

#include "kiln/engine/EngineWriter.h"
#include "kiln/runtime/DataType.h"
#include "kiln/runtime/HostRunner.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Parallel.h"

using namespace mlir;
using namespace kiln;
namespace ref = kiln::reference;

struct GpuCalibrationRun::State {
  runtime::Engine engine;
  runtime::HostRunner runner;
  std::vector<std::vector<uint8_t>> inputBytes; // reused across batches
  std::vector<std::vector<uint8_t>> outputBytes;
};

GpuCalibrationRun::GpuCalibrationRun(std::unique_ptr<State> state, std::string deviceName)
    : state(std::move(state)), deviceName(std::move(deviceName)) {}
GpuCalibrationRun::~GpuCalibrationRun() = default;

FailureOr<std::vector<uint8_t>>
GpuCalibrationRun::buildEngine(ModuleOp module, StringRef mainName, unsigned firstMeasured,
                               StringRef arch, std::string &why) {
  // The network returning only the measured tensors: what only the model's
  // own outputs need is dead and goes.
  OwningOpRef<ModuleOp> copy = module.clone();
  auto main = copy->lookupSymbol<func::FuncOp>(mainName);
  auto terminator = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  SmallVector<Value> measured(terminator.getOperands().drop_front(firstMeasured));
  terminator->setOperands(measured);
  MLIRContext *context = module.getContext();
  main.setFunctionType(
      FunctionType::get(context, main.getArgumentTypes(), terminator->getOperandTypes()));
  SmallVector<DictionaryAttr> names;
  for (unsigned k = 0; k < measured.size(); ++k)
    names.push_back(DictionaryAttr::get(
        context, {NamedAttribute(StringAttr::get(context, "kiln.name"),
                                 StringAttr::get(context, "measured_" + Twine(k)))}));
  main.setAllResultAttrs(names);
  for (Type type : main.getArgumentTypes())
    if (auto ranked = llvm::dyn_cast<RankedTensorType>(type); !ranked || !ranked.hasStaticShape()) {
      llvm::raw_string_ostream os(why);
      os << "the network's input " << type
         << " has no static shape (give its sizes, e.g. --input-shape)";
      return failure();
    }

  // Built at FP32 with the libraries' heuristic tactics (timing them would
  // cost more than it saves over a calibration set); the build's own
  // errors explain a failure, so they are kept for `why`.
  std::vector<std::string> errors;
  ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      errors.push_back(diag.str());
    return success();
  });
  PassManager pm(context);
  GraphPipelineOptions graph;
  graph.precision = "fp32";
  buildGraphLayoutPipeline(pm, graph);
  EnginePipelineOptions lowering;
  lowering.tactics = "heuristic";
  lowering.arch = arch.str();
  buildEnginePipeline(pm, lowering);
  FailureOr<engine::EngineBytes> bytes = failure();
  if (succeeded(pm.run(*copy))) {
    engine::EngineWriterOptions writer;
    writer.archs = {arch.str()};
    writer.buildOptions = "kiln-calibrate: FP32, the measured tensors as outputs";
    bytes = engine::serializeEngine(*copy, writer);
  }
  if (failed(bytes)) {
    why = "the FP32 engine of the network cannot be built: " +
          (errors.empty() ? std::string("no reason given") : llvm::join(errors, "; "));
    return failure();
  }
  return engine::encodeEngine(*bytes);
}

std::unique_ptr<GpuCalibrationRun>
GpuCalibrationRun::create(ModuleOp module, StringRef mainName, unsigned firstMeasured,
                          std::string &why, bool &noDevice) {
  noDevice = false;
  runtime::Expected<runtime::DeviceDescription> device = runtime::describeCurrentDevice();
  if (!device) {
    noDevice = device.status().code() == runtime::ErrorCode::NoDevice;
    why = device.status().message();
    return nullptr;
  }
  std::string arch = "sm_" + std::to_string(device->computeCapability);
  FailureOr<std::vector<uint8_t>> file = buildEngine(module, mainName, firstMeasured, arch, why);
  if (failed(file))
    return nullptr;
  runtime::Expected<runtime::Engine> loaded =
      runtime::Engine::loadFromMemory(file->data(), file->size());
  if (!loaded) {
    why = "the FP32 engine does not load: " + loaded.status().message();
    return nullptr;
  }
  runtime::Expected<runtime::HostRunner> runner = runtime::HostRunner::create(*loaded);
  if (!runner) {
    why = "the FP32 engine cannot run: " + runner.status().message();
    return nullptr;
  }
  auto state = std::make_unique<State>(State{std::move(*loaded), std::move(*runner), {}, {}});
  return std::unique_ptr<GpuCalibrationRun>(new GpuCalibrationRun(
      std::move(state), device->name + " (" + arch + ")"));
}

FailureOr<std::vector<std::vector<double>>>
GpuCalibrationRun::run(ArrayRef<ref::Tensor> inputs, std::string &why) {
  const std::vector<runtime::BindingInfo> &bindings = state->engine.bindings();
  std::vector<const void *> pointers;
  state->inputBytes.resize(inputs.size());
  size_t input = 0;
  for (const runtime::BindingInfo &binding : bindings) {
    if (!binding.isInput)
      continue;
    if (input >= inputs.size()) {
      why = "the engine has more inputs than the network";
      return failure();
    }
    const ref::Tensor &tensor = inputs[input];
    size_t size = runtime::dataTypeSize(binding.dtype);
    if (static_cast<uint64_t>(tensor.getNumElements()) * size != binding.bytes) {
      why = "input '" + binding.name + "' takes " + std::to_string(binding.bytes) +
            " bytes, the batch's tensor has " + std::to_string(tensor.getNumElements()) +
            " elements of " + runtime::dataTypeName(binding.dtype);
      return failure();
    }
    std::vector<uint8_t> &bytes = state->inputBytes[input];
    bytes.resize(binding.bytes);
    std::vector<double> values = tensor.toReals();
    for (size_t i = 0; i < values.size(); ++i)
      runtime::storeFromDouble(bytes.data(), binding.dtype, i, values[i]);
    pointers.push_back(bytes.data());
    ++input;
  }
  if (runtime::Status status = state->runner.run(pointers, state->outputBytes); !status) {
    why = status.message();
    return failure();
  }
  // Output `measured_k` holds measured tensor k.
  std::vector<std::vector<double>> measured(state->outputBytes.size());
  struct Converted {
    const runtime::BindingInfo *binding;
    const std::vector<uint8_t> *bytes;
    std::vector<double> *values;
  };
  std::vector<Converted> conversions;
  std::vector<bool> seen(measured.size(), false);
  size_t output = 0;
  for (const runtime::BindingInfo &binding : bindings) {
    if (binding.isInput)
      continue;
    const std::vector<uint8_t> &bytes = state->outputBytes[output++];
    llvm::StringRef name = binding.name;
    size_t k;
    if (!name.consume_front("measured_") || name.getAsInteger(10, k) ||
        k >= measured.size() || seen[k]) {
      why = "the engine has an output '" + binding.name + "' that the calibration did not ask for";
      return failure();
    }
    seen[k] = true;
    conversions.push_back({&binding, &bytes, &measured[k]});
  }
  // One task per tensor: the values of a batch at batch 64 run to hundreds
  // of millions.
  llvm::parallelFor(0, conversions.size(), [&](size_t c) {
    const Converted &conversion = conversions[c];
    runtime::DataType dtype = conversion.binding->dtype;
    const uint8_t *bytes = conversion.bytes->data();
    size_t count = conversion.bytes->size() / std::max<size_t>(runtime::dataTypeSize(dtype), 1);
    std::vector<double> &values = *conversion.values;
    values.resize(count);
    for (size_t i = 0; i < count; ++i)
      values[i] = runtime::loadAsDouble(bytes, dtype, i);
  });
  return measured;
}
