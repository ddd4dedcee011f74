//===- NodeImporter.cpp - the binder ONNX op handlers work through --------===//

#include "NodeImporter.h"
#include "ShapeFolding.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln::onnx_import {

RankedTensorType ValueEntry::getType() const {
  if (value)
    return llvm::cast<RankedTensorType>(value.getType());
  return llvm::cast<RankedTensorType>(constant.getType());
}

//===----------------------------------------------------------------------===//
// ImportState
//===----------------------------------------------------------------------===//

ImportState::ImportState(MLIRContext &context, StringRef modelPath)
    : context(context), builder(&context), modelPath(modelPath.str()),
      fileLoc(FileLineColLoc::get(&context, modelPath, 0, 0)) {
  llvm::SmallString<256> dir(modelPath);
  llvm::sys::path::remove_filename(dir);
  modelDir = dir.empty() ? "." : std::string(dir);
}

Location ImportState::nameLoc(StringRef name) {
  return NameLoc::get(StringAttr::get(&context, name), fileLoc);
}

Value ImportState::materialize(ValueEntry &entry, StringRef name) {
  if (entry.value)
    return entry.value;
  ElementsAttr attr = entry.constant;
  // Values evaluated at import time may be large (a ConstantOfShape feeding a
  // mask, a folded Range): give them the storage weights get.
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr))
    attr = makeStorageAttr(dense, name);
  entry.value = nn::ConstantOp::create(builder, entry.loc, attr);
  return entry.value;
}

Value ImportState::getQuantizedStorage(Value quantized, Location loc) {
  Value &storage = quantizedStorage[quantized];
  if (!storage)
    storage = materializeQuantizedStorage(builder, loc, quantized);
  return storage;
}

//===----------------------------------------------------------------------===//
// NodeImporter: the node and its errors
//===----------------------------------------------------------------------===//

NodeImporter::NodeImporter(ImportState &state, const onnx::NodeProto &node, size_t index,
                           int64_t opset)
    : state(state), node(node), opset(opset),
      name(node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                               : node.name()),
      loc(state.nameLoc(name)) {}

std::string NodeImporter::describe() const {
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  return "node '" + name + "' (" + node.op_type() + ", domain " + domain + ", opset " +
         std::to_string(opset) + ")";
}

InFlightDiagnostic NodeImporter::emitError() {
  failedFlag = true;
  InFlightDiagnostic diag = mlir::emitError(loc);
  diag << describe() << ": ";
  return diag;
}

LogicalResult NodeImporter::error(const Twine &message) {
  emitError() << message;
  return failure();
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

bool NodeImporter::hasInput(size_t i) const {
  return i < static_cast<size_t>(node.input_size()) && !node.input(i).empty();
}

StringRef NodeImporter::getInputName(size_t i) const {
  return hasInput(i) ? StringRef(node.input(i)) : StringRef();
}

ValueEntry *NodeImporter::getInputEntry(size_t i) {
  if (!hasInput(i))
    return nullptr;
  auto it = state.values.find(node.input(i));
  return it == state.values.end() ? nullptr : &it->second;
}

RankedTensorType NodeImporter::getInputType(size_t i) {
  ValueEntry *entry = getInputEntry(i);
  return entry ? entry->getType() : RankedTensorType();
}

/// The SSA value of input `i` as it is, quantized or not.
static FailureOr<Value> materializeInput(NodeImporter &node, ImportState &state,
                                         ValueEntry *entry, size_t i) {
  if (!node.hasInput(i)) {
    node.emitError() << "input #" << i << " is required";
    return failure();
  }
  // The driver checks every input name before calling a handler.
  assert(entry && "undefined input reached a handler");
  return state.materialize(*entry, node.getInputName(i));
}

FailureOr<Value> NodeImporter::getInputKeepQuantized(size_t i, bool allowPerAxis) {
  FailureOr<Value> value = materializeInput(*this, state, getInputEntry(i), i);
  if (failed(value))
    return failure();
  Type element = llvm::cast<RankedTensorType>(value->getType()).getElementType();
  if (llvm::isa<quant::UniformQuantizedPerAxisType>(element) && !allowPerAxis)
    return getInput(i);
  return value;
}

FailureOr<Value> NodeImporter::getInput(size_t i) {
  ValueEntry *entry = getInputEntry(i);
  FailureOr<Value> value = materializeInput(*this, state, entry, i);
  if (failed(value))
    return failure();
  auto type = llvm::cast<RankedTensorType>(value->getType());
  if (!nn::isQuantized(type.getElementType()))
    return value;
  return state.getQuantizedStorage(*value, entry->loc);
}

FailureOr<Value> NodeImporter::getInputAs(size_t i, Type elementType) {
  if (DenseElementsAttr known = getKnownConstant(i);
      known && known.getElementType() != elementType)
    if (DenseElementsAttr converted = foldCast(known, elementType))
      return createConstant(converted);
  FailureOr<Value> value = getInput(i);
  if (failed(value))
    return failure();
  return castTo(*value, elementType);
}

FailureOr<Value> NodeImporter::getOptionalInput(size_t i) {
  if (!hasInput(i))
    return Value();
  return getInput(i);
}

/// What import-time evaluation may read of `entry`: its contents, or the
/// value a graph input is bound to (the IR is then valid for that value only).
static ElementsAttr getEvaluableContents(const ValueEntry *entry) {
  if (!entry)
    return ElementsAttr();
  return entry->constant ? entry->constant : ElementsAttr(entry->boundValue);
}

bool NodeImporter::isKnownConstant(size_t i) {
  ElementsAttr contents = getEvaluableContents(getInputEntry(i));
  if (!contents)
    return false;
  auto type = llvm::cast<ShapedType>(contents.getType());
  auto dense = llvm::dyn_cast<DenseElementsAttr>(contents);
  return type.getNumElements() <= kFoldElementLimit || (dense && dense.isSplat());
}

DenseElementsAttr NodeImporter::getKnownConstant(size_t i) {
  // Blobs are copied into a dense attribute (kept by the context) only here,
  // when an op is about to be evaluated on them.
  return isKnownConstant(i) ? toDense(getEvaluableContents(getInputEntry(i)))
                            : DenseElementsAttr();
}

bool NodeImporter::isComputedAtRunTime(size_t i) {
  ValueEntry *entry = getInputEntry(i);
  return entry && !getEvaluableContents(entry) && !entry->argumentIndex;
}

/// Reports the graph inputs that `value` is computed from (the arguments of
/// @main in its backward slice) as missing input values: bound, import-time
/// evaluation may compute it (a window's size cast to float, then a Range).
static void reportMissingRoots(ImportState &state, Value value) {
  llvm::SmallVector<Value> work = {value};
  llvm::SmallPtrSet<Operation *, 16> visited;
  llvm::SmallVector<unsigned> arguments;
  while (!work.empty()) {
    Value next = work.pop_back_val();
    if (auto argument = llvm::dyn_cast<BlockArgument>(next)) {
      arguments.push_back(argument.getArgNumber());
      continue;
    }
    Operation *op = next.getDefiningOp();
    if (op && visited.insert(op).second)
      llvm::append_range(work, op->getOperands());
  }
  for (const auto &named : state.values) {
    const ValueEntry &entry = named.getValue();
    if (!entry.argumentIndex || entry.boundValue ||
        !llvm::is_contained(arguments, *entry.argumentIndex))
      continue;
    std::pair<std::string, unsigned> missing{named.getKey().str(), *entry.argumentIndex};
    if (!llvm::is_contained(*state.missingInputValues, missing))
      state.missingInputValues->push_back(std::move(missing));
  }
}

ElementsAttr NodeImporter::getConstantStorage(size_t i) {
  ValueEntry *entry = getInputEntry(i);
  return entry ? entry->constant : ElementsAttr();
}

FailureOr<DenseElementsAttr> NodeImporter::getConstantInput(size_t i, StringRef what) {
  if (!hasInput(i)) {
    emitError() << "input '" << what << "' (#" << i << ") is required";
    return failure();
  }
  if (DenseElementsAttr known = getKnownConstant(i))
    return known;
  ValueEntry *entry = getInputEntry(i);
  if (entry && entry->boundValue)
    return entry->boundValue;
  if (entry && state.missingInputValues && !entry->boundValue) {
    if (entry->argumentIndex) {
      std::pair<std::string, unsigned> missing{node.input(i), *entry->argumentIndex};
      if (!llvm::is_contained(*state.missingInputValues, missing))
        state.missingInputValues->push_back(std::move(missing));
    } else if (entry->value) {
      reportMissingRoots(state, entry->value);
    }
  }
  emitError() << "input '" << what << "' ('" << node.input(i)
              << "') must be a constant: an initializer, a Constant node, shape "
                 "arithmetic the importer can evaluate, or a graph input given with "
                 "--input-value";
  return failure();
}

FailureOr<SmallVector<int64_t>> NodeImporter::getIntsInput(size_t i, StringRef what) {
  FailureOr<DenseElementsAttr> attr = getConstantInput(i, what);
  if (failed(attr))
    return failure();
  if (!llvm::isa<IntegerType>(attr->getElementType())) {
    emitError() << "input '" << what << "' must hold integers, not "
                << attr->getElementType();
    return failure();
  }
  if (attr->getType().getRank() > 1) {
    emitError() << "input '" << what << "' must be 1-D";
    return failure();
  }
  return getIntValues(*attr);
}

FailureOr<int64_t> NodeImporter::getIntInput(size_t i, StringRef what) {
  FailureOr<SmallVector<int64_t>> values = getIntsInput(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1) {
    emitError() << "input '" << what << "' must hold one value, not "
                << values->size();
    return failure();
  }
  return values->front();
}

FailureOr<double> NodeImporter::getScalarInput(size_t i, StringRef what) {
  FailureOr<DenseElementsAttr> attr = getConstantInput(i, what);
  if (failed(attr))
    return failure();
  if (attr->getNumElements() != 1) {
    emitError() << "input '" << what << "' must hold one value, not "
                << attr->getNumElements();
    return failure();
  }
  return getDoubleValues(*attr).front();
}

FailureOr<SmallVector<double>> NodeImporter::getFloatsInput(size_t i, StringRef what) {
  FailureOr<DenseElementsAttr> attr = getConstantInput(i, what);
  if (failed(attr))
    return failure();
  return getDoubleValues(*attr);
}

bool NodeImporter::allInputsKnown() {
  for (size_t i = 0, e = getNumInputs(); i < e; ++i)
    if (hasInput(i) && !isKnownConstant(i))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

static StringRef attributeTypeName(onnx::AttributeProto::AttributeType type) {
  return onnx::AttributeProto::AttributeType_Name(type);
}

const onnx::AttributeProto *
NodeImporter::findAttr(StringRef attrName, onnx::AttributeProto::AttributeType type) {
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.name() != attrName)
      continue;
    handledAttrs.insert(attrName);
    if (!attr.ref_attr_name().empty()) {
      emitError() << "attribute '" << attrName
                  << "' refers to a function attribute, which is not supported";
      return nullptr;
    }
    // Old exporters leave `type` unset; the populated field tells.
    onnx::AttributeProto::AttributeType actual = attr.type();
    if (actual == onnx::AttributeProto::UNDEFINED) {
      if (attr.has_i())
        actual = onnx::AttributeProto::INT;
      else if (attr.has_f())
        actual = onnx::AttributeProto::FLOAT;
      else if (attr.has_s())
        actual = onnx::AttributeProto::STRING;
      else if (attr.has_t())
        actual = onnx::AttributeProto::TENSOR;
      else if (attr.ints_size())
        actual = onnx::AttributeProto::INTS;
      else if (attr.floats_size())
        actual = onnx::AttributeProto::FLOATS;
    }
    if (actual != type) {
      emitError() << "attribute '" << attrName << "' must be " << attributeTypeName(type)
                  << ", not " << attributeTypeName(actual);
      return nullptr;
    }
    return &attr;
  }
  return nullptr;
}

bool NodeImporter::hasAttr(StringRef attrName) const {
  return llvm::any_of(node.attribute(), [&](const onnx::AttributeProto &attr) {
    return attr.name() == attrName;
  });
}

int64_t NodeImporter::getIntAttr(StringRef attrName, int64_t defaultValue) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::INT);
  return attr ? attr->i() : defaultValue;
}

FailureOr<int64_t> NodeImporter::getRequiredIntAttr(StringRef attrName) {
  if (!hasAttr(attrName)) {
    emitError() << "attribute '" << attrName << "' is required";
    return failure();
  }
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::INT);
  if (!attr)
    return failure();
  return attr->i();
}

float NodeImporter::getFloatAttr(StringRef attrName, float defaultValue) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::FLOAT);
  return attr ? attr->f() : defaultValue;
}

std::string NodeImporter::getStringAttr(StringRef attrName, StringRef defaultValue) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::STRING);
  return attr ? attr->s() : defaultValue.str();
}

SmallVector<int64_t> NodeImporter::getIntsAttr(StringRef attrName,
                                               ArrayRef<int64_t> defaultValue) {
  std::optional<SmallVector<int64_t>> values = getOptionalIntsAttr(attrName);
  return values ? *values : SmallVector<int64_t>(defaultValue);
}

std::optional<SmallVector<int64_t>> NodeImporter::getOptionalIntsAttr(StringRef attrName) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::INTS);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

SmallVector<float> NodeImporter::getFloatsAttr(StringRef attrName) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::FLOATS);
  if (!attr)
    return {};
  return SmallVector<float>(attr->floats().begin(), attr->floats().end());
}

const onnx::TensorProto *NodeImporter::getTensorAttr(StringRef attrName) {
  const onnx::AttributeProto *attr = findAttr(attrName, onnx::AttributeProto::TENSOR);
  return attr ? &attr->t() : nullptr;
}

void NodeImporter::ignoreAttr(StringRef attrName) { handledAttrs.insert(attrName); }

LogicalResult NodeImporter::checkAllAttributesHandled() {
  bool ok = true;
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (handledAttrs.contains(attr.name()))
      continue;
    emitError() << "attribute '" << attr.name() << "' is not supported";
    ok = false;
  }
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

bool NodeImporter::hasOutput(size_t i) const {
  return i < static_cast<size_t>(node.output_size()) && !node.output(i).empty();
}

StringRef NodeImporter::getOutputName(size_t i) const {
  return hasOutput(i) ? StringRef(node.output(i)) : StringRef();
}

LogicalResult NodeImporter::setResult(size_t i, Value value) {
  if (!hasOutput(i))
    return success(); // An omitted optional output: nothing to define.
  ValueEntry &entry = state.values.try_emplace(node.output(i), ValueEntry{{}, {}, loc})
                          .first->second;
  entry.value = value;
  return success();
}

LogicalResult NodeImporter::setConstantResult(size_t i, ElementsAttr value) {
  if (!hasOutput(i))
    return success();
  ValueEntry &entry = state.values.try_emplace(node.output(i), ValueEntry{{}, {}, loc})
                          .first->second;
  entry.constant = value;
  return success();
}

LogicalResult NodeImporter::checkNoOutputsBeyond(size_t count, StringRef why) {
  for (size_t i = count, e = getNumOutputs(); i < e; ++i)
    if (hasOutput(i))
      return error("output #" + Twine(i) + " ('" + node.output(i) +
                   "') is not supported: " + why);
  return success();
}

//===----------------------------------------------------------------------===//
// Building nn ops
//===----------------------------------------------------------------------===//

LogicalResult
NodeImporter::inferChecked(StringRef opName,
                           llvm::function_ref<LogicalResult(Location)> infer) {
  std::string messages;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler capture(getContext(), [&](Diagnostic &diag) {
      if (!messages.empty())
        messages += "; ";
      messages += diag.str();
      return success();
    });
    result = infer(loc);
  }
  if (succeeded(result))
    return success();
  emitError() << "cannot build " << opName << ": "
              << (messages.empty() ? "invalid operands or attributes" : messages);
  return failure();
}

Value NodeImporter::createConstant(DenseElementsAttr value) {
  ElementsAttr attr = makeStorageAttr(value, "");
  return nn::ConstantOp::create(getBuilder(), loc, attr);
}

Value NodeImporter::createScalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  return nn::ConstantOp::create(getBuilder(), loc, makeNumericAttr(type, {value}));
}

FailureOr<Value> NodeImporter::reshape(Value input, ArrayRef<int64_t> shape) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  if (type.getShape() == shape)
    return input;
  auto result = RankedTensorType::get(shape, type.getElementType());
  if (type.getNumElements() != result.getNumElements()) {
    emitError() << "cannot reshape " << type << " to " << result
                << ": the element counts differ";
    return failure();
  }
  return nn::ReshapeOp::create(getBuilder(), loc, result, input).getResult();
}

Value NodeImporter::castTo(Value input, Type elementType) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  if (type.getElementType() == elementType)
    return input;
  return nn::CastOp::create(getBuilder(), loc, type.clone(elementType), input);
}

FailureOr<int64_t> NodeImporter::normalizeAxis(int64_t axis, int64_t rank,
                                               StringRef what) {
  if (axis < -rank || axis >= rank) {
    emitError() << what << " " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>> NodeImporter::normalizeAxes(ArrayRef<int64_t> axes,
                                                            int64_t rank,
                                                            bool sortUnique,
                                                            StringRef what) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, what);
    if (failed(normalized))
      return failure();
    result.push_back(*normalized);
  }
  if (sortUnique) {
    llvm::sort(result);
    if (std::adjacent_find(result.begin(), result.end()) != result.end()) {
      emitError() << what << " repeat an axis";
      return failure();
    }
  }
  return result;
}

//===----------------------------------------------------------------------===//
// HandlerTable
//===----------------------------------------------------------------------===//

void HandlerTable::add(StringRef opType, int64_t minOpset, int64_t maxOpset,
                       HandlerFn fn) {
  SmallVector<OpHandler, 2> &handlers = table[opType];
  assert(llvm::none_of(handlers,
                       [&](const OpHandler &h) {
                         return h.minOpset <= maxOpset && minOpset <= h.maxOpset;
                       }) &&
         "overlapping opset ranges for one op type");
  handlers.push_back({minOpset, maxOpset, fn});
  llvm::sort(handlers, [](const OpHandler &a, const OpHandler &b) {
    return a.minOpset < b.minOpset;
  });
}

HandlerFn HandlerTable::lookup(StringRef opType, int64_t opset) const {
  auto it = table.find(opType);
  if (it == table.end())
    return nullptr;
  for (const OpHandler &h : it->second)
    if (h.minOpset <= opset && opset <= h.maxOpset)
      return h.handler;
  return nullptr;
}

std::string HandlerTable::describeOpsets(StringRef opType) const {
  auto it = table.find(opType);
  if (it == table.end())
    return "none";
  // Adjacent ranges read as one: "11-21" rather than "11-12, 13-21".
  SmallVector<std::pair<int64_t, int64_t>> ranges;
  for (const OpHandler &h : it->second) {
    if (!ranges.empty() && ranges.back().second + 1 == h.minOpset)
      ranges.back().second = h.maxOpset;
    else
      ranges.push_back({h.minOpset, h.maxOpset});
  }
  std::string text;
  for (auto [lo, hi] : ranges) {
    if (!text.empty())
      text += ", ";
    text += std::to_string(lo) + "-" + std::to_string(hi);
  }
  return text;
}

const HandlerTable &HandlerTable::get() {
  static const HandlerTable table = [] {
    HandlerTable t;
    addConstantHandlers(t);
    addEinsumHandlers(t);
    addElementwiseHandlers(t);
    addLinearHandlers(t);
    addNormHandlers(t);
    addPoolReduceHandlers(t);
    addQuantHandlers(t);
    addResizeHandlers(t);
    addShapeHandlers(t);
    return t;
  }();
  return table;
}

} // namespace kiln::onnx_import
