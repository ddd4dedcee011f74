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

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_MODELLOADER_H
