//===- ModelLoader.h - reading ONNX files into protobuf messages -*- C++ -*-===//
//
// The one place that parses files: binary protobuf, or ONNX's textual syntax
// for `.onnxtxt`. Kept apart because it is compiled with C++ exceptions (the
// ONNX text parser throws on malformed numbers) while the rest of the
// importer follows LLVM and is not.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_IMPORT_ONNX_MODELLOADER_H
#define KILN_LIB_IMPORT_ONNX_MODELLOADER_H

#include "llvm/ADT/StringRef.h"

#include "onnx/onnx_pb.h"

#include <string>

namespace kiln::onnx_import {

/// Reads the model at `path`; on failure returns false and says why in
/// `error` (not a file, not ONNX, truncated, a text syntax error...).
bool loadModel(llvm::StringRef path, onnx::ModelProto &model, std::string &error);

/// Reads a serialized TensorProto (the `.pb` files of ONNX test data).
bool loadTensor(llvm::StringRef path, onnx::TensorProto &tensor, std::string &error);

/// `first` when a model at `opset` gets `opType` from the very ONNX schema in
/// force at `first` (an op unchanged since, like Selu-6 or Sin-7, means the
/// same in an opset-6 model as at opset 11); `opset` otherwise. Asks ONNX's
/// schema registry, which is why it lives in this file.
int64_t schemaEquivalentOpset(const std::string &opType, int64_t opset, int64_t first);

/// Checks a default-domain `node` against ONNX's schema of its op at `opset`
/// (input and output counts, attribute names and types, required
/// attributes): an empty string when it conforms, when the registry has no
/// schema or when the library predates `opset`, else ONNX's message.
std::string checkNodeSchema(const onnx::NodeProto &node, int64_t opset);

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_MODELLOADER_H
