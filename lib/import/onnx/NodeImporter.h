//===- NodeImporter.h - what an ONNX op handler sees of the importer -*- C++ -*-===//
//
// The importer walks the ONNX graph in order and hands each node to the
// handler registered for its (op type, opset range). A handler reads the
// node through a NodeImporter, a binder in the spirit of torch-mlir's
// OpBinder: typed access to inputs (as SSA values or as constants known at
// import time), to attributes (every attribute a handler does not read is
// reported as unsupported, so none is dropped silently), and to the results
// it must define. Errors name the node: its name, op type, domain and opset.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_IMPORT_ONNX_NODEIMPORTER_H
#define KILN_LIB_IMPORT_ONNX_NODEIMPORTER_H

#include "OnnxTensors.h"

#include "dialects/nn/NNDialect.h"
#include "dialects/nn/NNShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace kiln::onnx_import {

/// Import-time evaluation (shape arithmetic) only looks at constants up to
/// this size: it is for shapes and indices, not for weights.
constexpr int64_t kFoldElementLimit = 1 << 16;

/// What the importer knows about one ONNX value.
struct ValueEntry {
  /// The SSA value, once something needed one.
  mlir::Value value;
  /// Contents known at import time: an initializer, a Constant node or the
  /// result of import-time evaluation. Materialized as nn.constant on demand.
  mlir::ElementsAttr constant;
  /// Where the value is defined: the producing node, or the initializer.
  mlir::Location loc;
  /// The producer failed to import; consumers are skipped without a second
  /// error so that the report lists root causes only.
  bool poisoned = false;
  /// For a graph input given a value at import (OnnxImportOptions::
  /// inputValues): what ops that need a constant read instead.
  mlir::DenseElementsAttr boundValue;
  /// For a graph input: its position among @main's arguments.
  std::optional<unsigned> argumentIndex;

  mlir::RankedTensorType getType() const;
};

/// State shared by all the nodes of the graph being imported.
class ImportState {
public:
  ImportState(mlir::MLIRContext &context, llvm::StringRef modelPath);

  mlir::MLIRContext &context;
  mlir::OpBuilder builder;
  /// The model file, as given; locations point there.
  std::string modelPath;
  /// The folder of the model, which external data paths are relative to.
  std::string modelDir;
  llvm::StringMap<ValueEntry> values;
  /// Where graph inputs needed as constants without a value are reported
  /// (OnnxImportOptions::missingInputValues), or null.
  llvm::SmallVectorImpl<std::pair<std::string, unsigned>> *missingInputValues = nullptr;

  /// `NameLoc(name, FileLineColLoc(modelPath, 0, 0))`.
  mlir::Location nameLoc(llvm::StringRef name);

  /// The SSA value of `entry`, creating its nn.constant at the insertion
  /// point if it has none yet.
  mlir::Value materialize(ValueEntry &entry, llvm::StringRef name);

  /// The integers a quantized value stores, as ONNX sees them, made once
  /// per value at its first such use (see materializeQuantizedStorage).
  mlir::Value getQuantizedStorage(mlir::Value quantized, mlir::Location loc);

private:
  mlir::FileLineColLoc fileLoc;
  llvm::DenseMap<mlir::Value, mlir::Value> quantizedStorage;
};

/// One ONNX node being imported: the binder a handler works through.
class NodeImporter {
public:
  NodeImporter(ImportState &state, const onnx::NodeProto &node, size_t index,
               int64_t opset);

  //===--------------------------------------------------------------------===//
  // The node
  //===--------------------------------------------------------------------===//

  llvm::StringRef getOpType() const { return node.op_type(); }
  int64_t getOpset() const { return opset; }
  /// `NameLoc(<node name, or <OpType>_<index>>, <model file>)`.
  mlir::Location getLoc() const { return loc; }
  mlir::OpBuilder &getBuilder() { return state.builder; }
  mlir::MLIRContext *getContext() { return &state.context; }
  ImportState &getState() { return state; }

  /// `node 'conv1' (Conv, domain ai.onnx, opset 13)`, the prefix of every
  /// error about this node.
  std::string describe() const;

  /// An error at the node's location, prefixed with describe(). Any error
  /// marks the node as failed.
  mlir::InFlightDiagnostic emitError();
  mlir::LogicalResult error(const llvm::Twine &message);
  bool hasFailed() const { return failedFlag; }

  //===--------------------------------------------------------------------===//
  // Inputs
  //===--------------------------------------------------------------------===//

  /// Number of input slots, trailing omitted optional inputs included.
  size_t getNumInputs() const { return node.input_size(); }
  /// Whether input `i` is given (present and not the empty name).
  bool hasInput(size_t i) const;
  llvm::StringRef getInputName(size_t i) const;
  /// The type of input `i`, without materializing anything.
  mlir::RankedTensorType getInputType(size_t i);

  /// Input `i` as an SSA value; an error when it is absent. A quantized value
  /// (the result of QuantizeLinear) is given as its integer storage, as ONNX
  /// sees it.
  mlir::FailureOr<mlir::Value> getInput(size_t i);
  /// As getInput, but a quantized value keeps its quantized type: for the
  /// ops that commute with quantization and for DequantizeLinear. Per-axis
  /// quantization is kept only when `allowPerAxis` (ops that keep every
  /// dimension's size, or move it as transpose does): elsewhere the
  /// quantized dimension could change size.
  mlir::FailureOr<mlir::Value> getInputKeepQuantized(size_t i, bool allowPerAxis = false);
  /// As getInput, converted to `elementType` (evaluated at import time when
  /// the input is a known constant).
  mlir::FailureOr<mlir::Value> getInputAs(size_t i, mlir::Type elementType);
  /// As getInput, but a null value when the input is absent.
  mlir::FailureOr<mlir::Value> getOptionalInput(size_t i);

  /// Whether the contents of input `i` are known at import time and small
  /// enough to evaluate on (kFoldElementLimit, or a splat).
  bool isKnownConstant(size_t i);
  /// Those contents when isKnownConstant(i); null otherwise.
  mlir::DenseElementsAttr getKnownConstant(size_t i);
  /// The known contents of input `i` whatever their size (dense or blob), for
  /// ops that take constants over as they are (quantized weights); null when
  /// not known.
  mlir::ElementsAttr getConstantStorage(size_t i);
  /// The contents of input `i`, which the op needs at import time; an error
  /// naming the input (`what`) when they are not known.
  mlir::FailureOr<mlir::DenseElementsAttr> getConstantInput(size_t i,
                                                           llvm::StringRef what);
  /// A constant integer input as values, e.g. Reshape's shape.
  mlir::FailureOr<llvm::SmallVector<int64_t>> getIntsInput(size_t i,
                                                           llvm::StringRef what);
  /// A constant scalar (or one-element) integer input, e.g. TopK's k.
  mlir::FailureOr<int64_t> getIntInput(size_t i, llvm::StringRef what);
  /// A constant scalar (or one-element) numeric input, e.g. Clip's bounds.
  mlir::FailureOr<double> getScalarInput(size_t i, llvm::StringRef what);
  /// A constant float input as values, e.g. Resize's scales.
  mlir::FailureOr<llvm::SmallVector<double>> getFloatsInput(size_t i,
                                                            llvm::StringRef what);
  /// Whether every given input is a known constant (import-time evaluation).
  bool allInputsKnown();
  /// Whether input `i` is computed by the graph from values known only at run
  /// time: not a constant, not a graph input (which a caller can bind).
  bool isComputedAtRunTime(size_t i);

  //===--------------------------------------------------------------------===//
  // Attributes (reading one marks it as handled)
  //===--------------------------------------------------------------------===//

  bool hasAttr(llvm::StringRef name) const;
  int64_t getIntAttr(llvm::StringRef name, int64_t defaultValue);
  mlir::FailureOr<int64_t> getRequiredIntAttr(llvm::StringRef name);
  float getFloatAttr(llvm::StringRef name, float defaultValue);
  std::string getStringAttr(llvm::StringRef name, llvm::StringRef defaultValue);
  llvm::SmallVector<int64_t> getIntsAttr(llvm::StringRef name,
                                         llvm::ArrayRef<int64_t> defaultValue = {});
  std::optional<llvm::SmallVector<int64_t>> getOptionalIntsAttr(llvm::StringRef name);
  llvm::SmallVector<float> getFloatsAttr(llvm::StringRef name);
  const onnx::TensorProto *getTensorAttr(llvm::StringRef name);
  /// Marks an attribute handled without reading it; the caller says why in
  /// a comment (e.g. BatchNormalization's momentum only matters in training).
  void ignoreAttr(llvm::StringRef name);
  /// Errors for every attribute of the node that no one read.
  mlir::LogicalResult checkAllAttributesHandled();

  //===--------------------------------------------------------------------===//
  // Results
  //===--------------------------------------------------------------------===//

  size_t getNumOutputs() const { return node.output_size(); }
  /// Whether output `i` is requested (present and not the empty name).
  bool hasOutput(size_t i) const;
  llvm::StringRef getOutputName(size_t i) const;
  mlir::LogicalResult setResult(size_t i, mlir::Value value);
  /// Defines output `i` as a value known at import time (no IR unless a
  /// consumer needs it as a tensor).
  mlir::LogicalResult setConstantResult(size_t i, mlir::ElementsAttr value);
  /// An error when any output from `count` on is requested.
  mlir::LogicalResult checkNoOutputsBeyond(size_t count, llvm::StringRef why);

  //===--------------------------------------------------------------------===//
  // Building nn ops
  //===--------------------------------------------------------------------===//

  /// Creates an op whose result types it infers, reporting a shape error as
  /// an error of this node instead of aborting (the builders that infer
  /// types treat a failure as fatal).
  template <typename OpT, typename... Args>
  mlir::FailureOr<OpT> create(Args &&...args) {
    mlir::OperationState state(loc, OpT::getOperationName());
    OpT::build(getBuilder(), state, mlir::TypeRange(), std::forward<Args>(args)...);
    mlir::MLIRContext *ctx = getContext();
    llvm::SmallVector<mlir::Type> types;
    if (mlir::failed(inferChecked(OpT::getOperationName(), [&](mlir::Location at) {
          return OpT::inferReturnTypes(ctx, at, state.operands,
                                       state.attributes.getDictionary(ctx),
                                       state.getRawProperties(), state.regions, types);
        })))
      return mlir::failure();
    state.addTypes(types);
    return llvm::cast<OpT>(getBuilder().create(state));
  }

  /// An nn.constant at the node's location; blobs beyond kInlineElementLimit.
  mlir::Value createConstant(mlir::DenseElementsAttr value);
  /// A rank-0 constant of `elementType` holding `value`.
  mlir::Value createScalar(mlir::Type elementType, double value);
  /// nn.reshape to `shape`, keeping the element type.
  mlir::FailureOr<mlir::Value> reshape(mlir::Value input, llvm::ArrayRef<int64_t> shape);
  /// nn.cast to `elementType` (nothing when it already has it).
  mlir::Value castTo(mlir::Value input, mlir::Type elementType);

  /// `axis` in [-rank, rank) made non-negative; an error otherwise.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what = "axis");
  /// Every axis normalized; sorted and unique when `sortUnique`.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank, bool sortUnique,
                llvm::StringRef what = "axes");

private:
  mlir::LogicalResult
  inferChecked(llvm::StringRef opName,
               llvm::function_ref<mlir::LogicalResult(mlir::Location)> infer);
  const onnx::AttributeProto *findAttr(llvm::StringRef name,
                                       onnx::AttributeProto::AttributeType type);
  ValueEntry *getInputEntry(size_t i);

  ImportState &state;
  const onnx::NodeProto &node;
  int64_t opset;
  /// The node's name, or `<OpType>_<index>` when the model gives none.
  std::string name;
  mlir::Location loc;
  llvm::StringSet<> handledAttrs;
  bool failedFlag = false;
};

//===----------------------------------------------------------------------===//
// Handler table
//===----------------------------------------------------------------------===//

using HandlerFn = mlir::LogicalResult (*)(NodeImporter &node);

/// One handler for an op type over a range of the model's default-domain
/// opset (inclusive).
struct OpHandler {
  int64_t minOpset, maxOpset;
  HandlerFn handler;
};

class HandlerTable {
public:
  void add(llvm::StringRef opType, int64_t minOpset, int64_t maxOpset, HandlerFn fn);
  /// The handler covering `opset`, or null.
  HandlerFn lookup(llvm::StringRef opType, int64_t opset) const;
  bool hasOpType(llvm::StringRef opType) const { return table.count(opType); }
  /// "11-12, 13-21": what an op supports, for errors.
  std::string describeOpsets(llvm::StringRef opType) const;

  /// The table of every handler, built once.
  static const HandlerTable &get();

private:
  llvm::StringMap<llvm::SmallVector<OpHandler, 2>> table;
};

/// The opsets of the default domain the importer knows.
constexpr int64_t kMinOpset = 11, kMaxOpset = 21;

// One registration function per op family (one file each).
void addConstantHandlers(HandlerTable &table);
void addElementwiseHandlers(HandlerTable &table);
void addEinsumHandlers(HandlerTable &table);
void addLinearHandlers(HandlerTable &table);
void addNormHandlers(HandlerTable &table);
void addPoolReduceHandlers(HandlerTable &table);
void addQuantHandlers(HandlerTable &table);
void addResizeHandlers(HandlerTable &table);
void addShapeHandlers(HandlerTable &table);

/// The integers that the quantized `value` stores, as ONNX sees the output
/// of QuantizeLinear: `cast(round(dequantize(value) / scale) + zero_point)`,
/// which is exact for 8-bit storage (the only kind QuantizeLinear makes).
mlir::Value materializeQuantizedStorage(mlir::OpBuilder &builder, mlir::Location loc,
                                        mlir::Value value);

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_NODEIMPORTER_H
