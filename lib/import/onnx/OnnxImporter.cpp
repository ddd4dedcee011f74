//===- OnnxImporter.cpp - ONNX models into the nn dialect -----------------===//
//
// The driver: loads the model, turns initializers into known constants and
// graph inputs into the arguments of `func.func @main`, checks up front that
// every node has a handler (so that all unsupported ops are reported at
// once), then imports the nodes in order and returns the graph outputs.
//
//===----------------------------------------------------------------------===//

#include "kiln/import/OnnxImporter.h"

#include "ModelLoader.h"
#include "NodeImporter.h"
#include "OnnxTensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln {
namespace onnx_import {
namespace {

/// Prints a shape as `1x3x224x224`, `?` for an unknown dimension.
std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (i)
      text += "x";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return text.empty() ? "scalar" : text;
}

bool isDefaultDomain(StringRef domain) { return domain.empty() || domain == "ai.onnx"; }

class ModelImporter {
public:
  ModelImporter(MLIRContext &context, StringRef path, const onnx::ModelProto &model,
                const OnnxImportOptions &options)
      : context(context), model(model), graph(model.graph()), options(options),
        state(context, path), fileLoc(FileLineColLoc::get(&context, path, 0, 0)) {
    state.missingInputValues = options.missingInputValues;
  }

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult readOpsets();
  LogicalResult importInitializers();
  FailureOr<RankedTensorType> getInputType(const onnx::ValueInfoProto &input);
  LogicalResult checkOpsSupported();
  void importNodes();
  LogicalResult importNode(const onnx::NodeProto &node, size_t index, HandlerFn handler);
  LogicalResult verifyNewOps(NodeImporter &node, Operation *before);
  void poisonOutputs(const onnx::NodeProto &node);
  LogicalResult buildReturn(func::FuncOp func);

  InFlightDiagnostic emitError() { return mlir::emitError(fileLoc); }

  MLIRContext &context;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  const OnnxImportOptions &options;
  ImportState state;
  Location fileLoc;
  int64_t defaultOpset = 0;
  llvm::StringMap<int64_t> otherOpsets;
  bool failedFlag = false;
};

LogicalResult ModelImporter::readOpsets() {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    if (isDefaultDomain(opset.domain()))
      defaultOpset = opset.version();
    else
      otherOpsets[opset.domain()] = opset.version();
  }
  if (defaultOpset == 0)
    return emitError() << "the model imports no opset of the default ONNX domain";
  return success();
}

LogicalResult ModelImporter::importInitializers() {
  bool ok = true;
  if (graph.sparse_initializer_size()) {
    emitError() << "sparse initializers are not supported ('"
                << graph.sparse_initializer(0).values().name() << "')";
    ok = false;
  }
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    llvm::Expected<ElementsAttr> attr =
        convertTensor(&context, tensor, state.modelDir, tensor.name());
    if (!attr) {
      emitError() << "initializer '" << tensor.name()
                  << "': " << llvm::toString(attr.takeError());
      ok = false;
      continue;
    }
    state.values.insert({tensor.name(), ValueEntry{{}, *attr, state.nameLoc(tensor.name())}});
  }
  return success(ok);
}

FailureOr<RankedTensorType> ModelImporter::getInputType(const onnx::ValueInfoProto &input) {
  const std::string &name = input.name();
  if (!input.type().has_tensor_type())
    return emitError() << "input '" << name << "' is not a tensor (sequences, maps and "
                       << "optionals are not supported)";
  const onnx::TypeProto::Tensor &tensor = input.type().tensor_type();
  Type element = convertElementType(&context, tensor.elem_type());
  if (!element)
    return emitError() << "input '" << name << "' has element type "
                       << dataTypeName(tensor.elem_type())
                       << ", which Kiln does not support";

  SmallVector<int64_t> shape;
  if (tensor.has_shape())
    for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value() : ShapedType::kDynamic);

  // A value given for the input fixes its shape too.
  if (auto value = options.inputValues.find(name); value != options.inputValues.end()) {
    auto valueType = llvm::cast<RankedTensorType>(value->second.getType());
    bool fits = valueType.getElementType() == element &&
                (!tensor.has_shape() || valueType.getRank() == static_cast<int64_t>(shape.size()));
    for (size_t i = 0; fits && tensor.has_shape() && i < shape.size(); ++i)
      fits = ShapedType::isDynamic(shape[i]) || shape[i] == valueType.getDimSize(i);
    if (!fits)
      return emitError() << "--input-value for '" << name << "' is a " << valueType
                         << " but the input is " << dataTypeName(tensor.elem_type())
                         << " of shape " << formatShape(shape);
    return valueType;
  }
  auto given = options.inputShapes.find(name);
  if (given != options.inputShapes.end()) {
    ArrayRef<int64_t> fixed = given->second;
    if (tensor.has_shape() && fixed.size() != shape.size())
      return emitError() << "--input-shape " << name << "=" << formatShape(fixed)
                         << " has rank " << fixed.size() << " but the model's input has "
                         << "shape " << formatShape(shape) << " (rank " << shape.size()
                         << ")";
    for (size_t i = 0; i < shape.size(); ++i)
      if (!ShapedType::isDynamic(shape[i]) && shape[i] != fixed[i])
        return emitError() << "--input-shape " << name << "=" << formatShape(fixed)
                           << " contradicts the model's static size " << shape[i]
                           << " of dimension " << i;
    return RankedTensorType::get(fixed, element);
  }
  if (!tensor.has_shape())
    return emitError() << "input '" << name << "' has no shape in the model; give one "
                       << "with --input-shape " << name << "=<d0>x<d1>...";
  for (auto [i, dim] : llvm::enumerate(tensor.shape().dim())) {
    if (dim.has_dim_value())
      continue;
    std::string symbol = dim.has_dim_param() ? "'" + dim.dim_param() + "'" : "unknown";
    return emitError() << "input '" << name << "' dimension " << i << " is " << symbol
                       << " (shape " << formatShape(shape)
                       << "); fix it with --input-shape " << name << "=<d0>x<d1>... "
                       << "(dynamic shapes are not supported yet)";
  }
  return RankedTensorType::get(shape, element);
}

/// The opset a default-domain node is imported at (see schemaEquivalentOpset).
static int64_t effectiveOpset(const std::string &opType, int64_t opset) {
  return opset >= kMinOpset ? opset : schemaEquivalentOpset(opType, opset, kMinOpset);
}

LogicalResult ModelImporter::checkOpsSupported() {
  const HandlerTable &table = HandlerTable::get();
  size_t unsupported = 0;
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    bool defaultDomain = isDefaultDomain(node.domain());
    int64_t opset = defaultDomain ? effectiveOpset(node.op_type(), defaultOpset)
                                  : otherOpsets.lookup(node.domain());
    NodeImporter binder(state, node, index, opset);
    if (!defaultDomain) {
      binder.emitError() << "domain '" << node.domain()
                         << "' is not supported (Kiln imports the default ONNX domain)";
    } else if (!table.hasOpType(node.op_type())) {
      binder.emitError() << "op type '" << node.op_type() << "' is not supported";
    } else if (!table.lookup(node.op_type(), opset)) {
      binder.emitError() << node.op_type() << " is not supported at opset " << opset
                         << " (supported opsets: "
                         << table.describeOpsets(node.op_type()) << ")";
    } else {
      continue;
    }
    ++unsupported;
  }
  if (unsupported)
    return emitError() << unsupported << " of " << graph.node_size()
                       << " nodes use ops the importer does not support";
  return success();
}

void ModelImporter::poisonOutputs(const onnx::NodeProto &node) {
  for (const std::string &output : node.output()) {
    if (output.empty())
      continue;
    ValueEntry &entry =
        state.values.try_emplace(output, ValueEntry{{}, {}, fileLoc}).first->second;
    entry.poisoned = true;
  }
}

LogicalResult ModelImporter::verifyNewOps(NodeImporter &node, Operation *before) {
  Block *block = state.builder.getInsertionBlock();
  auto begin = before ? std::next(before->getIterator()) : block->begin();
  std::string messages;
  bool ok = true;
  {
    ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return success();
      if (!messages.empty())
        messages += "; ";
      messages += diag.str();
      return success();
    });
    for (Operation &op : llvm::make_range(begin, block->end()))
      ok &= succeeded(mlir::verify(&op, /*verifyRecursively=*/false));
  }
  if (ok)
    return success();
  return node.error("the nn IR it maps to is invalid: " + messages);
}

LogicalResult ModelImporter::importNode(const onnx::NodeProto &node, size_t index,
                                        HandlerFn handler) {
  NodeImporter binder(state, node, index, effectiveOpset(node.op_type(), defaultOpset));
  for (const std::string &input : node.input()) {
    if (input.empty() || state.values.count(input))
      continue;
    return binder.error("input '" + input + "' is not defined by a graph input, an "
                        "initializer or an earlier node");
  }
  for (const std::string &output : node.output())
    if (!output.empty() && state.values.count(output))
      return binder.error("output '" + output + "' is already defined");
  // Every op in scope but Constant reads a first input; handlers rely on it.
  if (node.op_type() != "Constant" && !binder.hasInput(0))
    return binder.error("input #0 is required");
  // What ONNX's own checker would refuse (extra inputs, attributes of the
  // wrong type, ...) is an error rather than something handlers ignore.
  if (std::string why = checkNodeSchema(node, defaultOpset); !why.empty())
    return binder.error("does not conform to its ONNX schema: " + why);

  Block *block = state.builder.getInsertionBlock();
  Operation *before = block->empty() ? nullptr : &block->back();
  if (failed(handler(binder)) || binder.hasFailed())
    return failure();
  if (failed(binder.checkAllAttributesHandled()))
    return failure();
  for (const std::string &output : node.output()) {
    if (output.empty())
      continue;
    auto entry = state.values.find(output);
    if (entry == state.values.end())
      return binder.error("output '" + output + "' was not defined by the importer");
    // Shapes computed from the model's numbers (Reshape, Expand, Tile,
    // ConstantOfShape, ...) are checked like the inputs' before anything
    // sizes a buffer or a kernel by them.
    Type type = entry->second.value ? entry->second.value.getType()
                                    : Type(entry->second.constant.getType());
    if (auto tensor = llvm::dyn_cast_or_null<RankedTensorType>(type)) {
      if (std::string why = whyNotTensorShape(tensor.getShape(), tensor.getElementType());
          !why.empty())
        return binder.error("output '" + output + "' of shape " +
                            formatShape(tensor.getShape()) + ": " + why);
      if (!entry->second.value && tensor.hasStaticShape() &&
          getTensorBytes(tensor.getShape(), tensor.getElementType()) > kMaxConstantBytes)
        return binder.error("output '" + output + "' is a constant of shape " +
                            formatShape(tensor.getShape()) + ", more than the " +
                            std::to_string(kMaxConstantBytes >> 30) +
                            " GiB the importer makes into weights");
    }
  }
  return verifyNewOps(binder, before);
}

void ModelImporter::importNodes() {
  const HandlerTable &table = HandlerTable::get();
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    bool poisoned = llvm::any_of(node.input(), [&](const std::string &input) {
      auto it = state.values.find(input);
      return !input.empty() && it != state.values.end() && it->second.poisoned;
    });
    HandlerFn handler = table.lookup(node.op_type(),
                                     effectiveOpset(node.op_type(), defaultOpset));
    if (poisoned || failed(importNode(node, index, handler))) {
      failedFlag |= !poisoned;
      poisonOutputs(node);
    }
  }
}

LogicalResult ModelImporter::buildReturn(func::FuncOp func) {
  SmallVector<Value> results;
  bool ok = true;
  // ONNX requires outputs; an engine without any would compute nothing.
  if (graph.output_size() == 0)
    return emitError() << "the graph has no outputs";
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = state.values.find(output.name());
    if (it == state.values.end()) {
      emitError() << "graph output '" << output.name() << "' is not defined";
      ok = false;
      continue;
    }
    if (it->second.poisoned) {
      ok = false; // Already reported where it went wrong.
      continue;
    }
    Value value = state.materialize(it->second, output.name());
    auto type = llvm::cast<RankedTensorType>(value.getType());
    // Outside the graph a quantized tensor is its integers, as in ONNX.
    if (nn::isQuantized(type.getElementType())) {
      value = state.getQuantizedStorage(value, it->second.loc);
      type = llvm::cast<RankedTensorType>(value.getType());
    }
    // The declared type is a check on the import, not an input to it.
    if (output.type().has_tensor_type()) {
      const onnx::TypeProto::Tensor &declared = output.type().tensor_type();
      Type element = convertElementType(&context, declared.elem_type());
      bool mismatch = element && element != type.getElementType();
      SmallVector<int64_t> shape;
      if (declared.has_shape()) {
        for (const onnx::TensorShapeProto::Dimension &dim : declared.shape().dim())
          shape.push_back(dim.has_dim_value() ? dim.dim_value() : ShapedType::kDynamic);
        mismatch |= static_cast<int64_t>(shape.size()) != type.getRank();
        for (size_t i = 0; !mismatch && i < shape.size(); ++i)
          mismatch |= !ShapedType::isDynamic(shape[i]) && shape[i] != type.getDimSize(i);
      }
      if (mismatch) {
        emitError() << "graph output '" << output.name() << "' is declared as "
                    << dataTypeName(declared.elem_type())
                    << (declared.has_shape() ? " of shape " + formatShape(shape) : "")
                    << " but the graph computes " << type;
        ok = false;
        continue;
      }
    }
    results.push_back(value);
  }
  if (!ok)
    return failure();
  func::ReturnOp::create(state.builder, fileLoc, results);
  func.setFunctionType(
      FunctionType::get(&context, func.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "kiln.name", StringAttr::get(&context, output.name()));
  return success();
}

OwningOpRef<ModuleOp> ModelImporter::run() {
  if (failed(readOpsets()))
    return nullptr;
  bool ok = succeeded(importInitializers());

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> arguments;
  llvm::StringSet<> inputNames;
  for (auto [index, input] : llvm::enumerate(graph.input())) {
    // A binding is found by its name.
    if (input.name().empty()) {
      emitError() << "graph input #" << index << " has no name";
      ok = false;
      continue;
    }
    if (!inputNames.insert(input.name()).second) {
      emitError() << "graph input '" << input.name() << "' is listed more than once";
      ok = false;
      continue;
    }
    // Old exporters list initializers as inputs too; they stay weights.
    if (state.values.count(input.name()))
      continue;
    FailureOr<RankedTensorType> type = getInputType(input);
    if (failed(type)) {
      ok = false;
      continue;
    }
    if (std::string why = whyNotTensorShape(type->getShape(), type->getElementType());
        !why.empty()) {
      emitError() << "input '" << input.name() << "' of shape "
                  << formatShape(type->getShape()) << ": " << why;
      ok = false;
      continue;
    }
    argTypes.push_back(*type);
    arguments.push_back(&input);
  }
  auto checkNamesInputs = [&](StringRef option, StringRef name) {
    if (inputNames.contains(name))
      return;
    std::string names;
    for (const onnx::ValueInfoProto &input : graph.input())
      if (!state.values.count(input.name())) // Not an initializer.
        names += (names.empty() ? "'" : ", '") + input.name() + "'";
    emitError() << option << " names '" << name
                << "', which is not an input of the model (inputs: " << names << ")";
    ok = false;
  };
  for (const auto &given : options.inputShapes)
    checkNamesInputs("--input-shape", given.getKey());
  for (const auto &given : options.inputValues)
    checkNamesInputs("--input-value", given.getKey());
  if (!ok || failed(checkOpsSupported()))
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  state.builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(state.builder, fileLoc, "main",
                                   FunctionType::get(&context, argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(arguments)) {
    BlockArgument arg = entry->getArgument(i);
    arg.setLoc(state.nameLoc(input->name()));
    func.setArgAttr(i, "kiln.name", StringAttr::get(&context, input->name()));
    ValueEntry value{arg, {}, arg.getLoc()};
    value.boundValue = options.inputValues.lookup(input->name());
    value.argumentIndex = i;
    state.values.insert({input->name(), value});
  }
  state.builder.setInsertionPointToEnd(entry);

  importNodes();
  if (failedFlag || failed(buildReturn(func)))
    return nullptr;
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

} // namespace
} // namespace onnx_import

static void loadDialects(MLIRContext &context) {
  context.loadDialect<nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
}

OwningOpRef<ModuleOp> importOnnxModel(StringRef path, MLIRContext &context,
                                      const OnnxImportOptions &options) {
  loadDialects(context);
  onnx::ModelProto model;
  std::string error;
  if (!onnx_import::loadModel(path, model, error)) {
    mlir::emitError(FileLineColLoc::get(&context, path, 0, 0)) << error;
    return nullptr;
  }
  onnx_import::ModelImporter importer(context, path, model, options);
  return importer.run();
}

FailureOr<DenseElementsAttr> readOnnxTensorFile(StringRef path, MLIRContext &context) {
  loadDialects(context);
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  onnx::TensorProto tensor;
  std::string error;
  if (!onnx_import::loadTensor(path, tensor, error))
    return mlir::emitError(loc) << error;
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  llvm::Expected<ElementsAttr> attr = onnx_import::convertTensor(
      &context, tensor, dir.empty() ? "." : dir.str(), tensor.name());
  if (!attr)
    return mlir::emitError(loc) << "tensor '" << tensor.name()
                                << "': " << llvm::toString(attr.takeError());
  DenseElementsAttr dense = onnx_import::toDense(*attr);
  if (!dense)
    return mlir::emitError(loc) << "tensor '" << tensor.name() << "' has no data";
  return dense;
}

} // namespace kiln
