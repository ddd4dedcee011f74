//===- OnnxImporter.h - ONNX models into the nn dialect -*- C++ -*-===//

#ifndef KILN_IMPORT_ONNXIMPORTER_H
#define KILN_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <utility>

namespace kiln {

struct OnnxImportOptions {
  /// Sizes for inputs whose shapes have symbolic or unknown dimensions, by
  /// input name (`--input-shape name=1x3x224x224`).
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Values of model inputs that the graph needs at import time, by input
  /// name (`--input-value name=tensor.pb`): a Reshape's shape, Resize's
  /// scales or a reduction's axes fed as inputs, as ONNX's backend tests do.
  /// Such an input stays an argument of @main (its shape is the value's),
  /// but where an op needs a constant the importer uses this value, so the
  /// IR is only valid for it.
  llvm::StringMap<mlir::DenseElementsAttr> inputValues;
  /// When set, receives the graph inputs that an op needed as a constant and
  /// that `inputValues` had no value for (the import fails then): each
  /// input's name and its position among @main's arguments, once, in the
  /// order the ops asked. A caller that holds values for them (a test data
  /// set's input_N.pb) can import again with those values.
  llvm::SmallVectorImpl<std::pair<std::string, unsigned>> *missingInputValues = nullptr;
};

/// Imports the ONNX model at `path` (binary protobuf; ONNX's textual syntax
/// when the file ends in `.onnxtxt`) into a module holding one
/// `func.func @main` of nn ops. Every problem is reported through the
/// context's diagnostics (all unsupported nodes at once); returns null then.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(llvm::StringRef path,
                                                  mlir::MLIRContext &context,
                                                  const OnnxImportOptions &options);

/// Reads a serialized ONNX TensorProto (`input_0.pb` of the ONNX test data
/// sets) as a dense attribute; errors go through the context's diagnostics.
mlir::FailureOr<mlir::DenseElementsAttr> readOnnxTensorFile(llvm::StringRef path,
                                                            mlir::MLIRContext &context);

} // namespace kiln

#endif // KILN_IMPORT_ONNXIMPORTER_H
