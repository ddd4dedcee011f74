//===- ModelLoader.cpp - reading ONNX files into protobuf messages --------===//

#include "ModelLoader.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>
#include <exception>
#include <stdexcept>

namespace kiln::onnx_import {

/// The file's bytes, or an error for what is not a readable regular file.
static std::unique_ptr<llvm::MemoryBuffer> readFile(llvm::StringRef path, bool text,
                                                    std::string &error) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    error = "cannot open '" + path.str() + "': " + ec.message();
    return nullptr;
  }
  if (!llvm::sys::fs::is_regular_file(status)) {
    error = "'" + path.str() + "' is not a file";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/text,
                                            /*RequiresNullTerminator=*/text);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return nullptr;
  }
  return std::move(*buffer);
}

/// Parses a binary message, allowing the 2 GiB protobuf's format permits
/// (larger models keep their weights in external data files).
static bool parseBinary(const llvm::MemoryBuffer &buffer,
                        google::protobuf::MessageLite &message) {
  if (buffer.getBufferSize() > static_cast<size_t>(INT_MAX))
    return false;
  google::protobuf::io::ArrayInputStream stream(buffer.getBufferStart(),
                                                static_cast<int>(buffer.getBufferSize()));
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT_MAX);
  return message.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
}

static bool parseText(const llvm::MemoryBuffer &buffer, onnx::ModelProto &model,
                      std::string &error) {
  try {
    onnx::Common::Status status =
        onnx::OnnxParser::Parse(model, buffer.getBufferStart());
    if (!status.IsOK()) {
      error = status.ErrorMessage();
      return false;
    }
  } catch (const std::logic_error &e) {
    // std::stoll and friends: the parser hands them the literal as written.
    error = std::string("a number is malformed or out of range (") + e.what() + ")";
    return false;
  } catch (const std::exception &e) {
    error = e.what();
    return false;
  }
  return true;
}

bool loadModel(llvm::StringRef path, onnx::ModelProto &model, std::string &error) {
  bool text = path.ends_with(".onnxtxt");
  std::unique_ptr<llvm::MemoryBuffer> buffer = readFile(path, text, error);
  if (!buffer)
    return false;
  if (text) {
    std::string reason;
    if (!parseText(*buffer, model, reason)) {
      error = "cannot parse ONNX text syntax: " + reason;
      return false;
    }
  } else if (!parseBinary(*buffer, model)) {
    error = "not an ONNX model, or a truncated one (the protobuf does not parse)";
    return false;
  }
  // An empty file, or other protobuf that happens to parse, has neither.
  if (model.ir_version() == 0 || !model.has_graph()) {
    error = "not an ONNX model (no ir_version or no graph)";
    return false;
  }
  return true;
}

bool loadTensor(llvm::StringRef path, onnx::TensorProto &tensor, std::string &error) {
  std::unique_ptr<llvm::MemoryBuffer> buffer = readFile(path, /*text=*/false, error);
  if (!buffer)
    return false;
  if (!parseBinary(*buffer, tensor)) {
    error = "not a serialized ONNX TensorProto, or a truncated one";
    return false;
  }
  return true;
}

int64_t schemaEquivalentOpset(const std::string &opType, int64_t opset, int64_t first) {
  const onnx::OpSchema *old = onnx::OpSchemaRegistry::Schema(opType, opset, "");
  const onnx::OpSchema *later = onnx::OpSchemaRegistry::Schema(opType, first, "");
  if (old && later && old->SinceVersion() == later->SinceVersion())
    return first;
  return opset;
}

std::string checkNodeSchema(const onnx::NodeProto &node, int64_t opset) {
  // A library older than the model's opset would check the node against an
  // older schema of its op (ReduceMean-13 for an opset-18 model): skip it.
  const auto &ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto range = ranges.find("");
  if (range == ranges.end() || opset > range->second.second)
    return "";
  const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(node.op_type(), opset, "");
  if (!schema)
    return "";
  try {
    schema->Verify(node);
  } catch (const std::exception &e) {
    // The first line of ONNX's message (a "==> Context: ..." line may
    // follow), without its "Node (name)": the error already names the node.
    std::string text = llvm::StringRef(e.what()).split('\n').first.trim().str();
    std::string prefix = "Node (" + node.name() + ")";
    if (llvm::StringRef(text).starts_with(prefix + "'s "))
      return text.substr(prefix.size() + 3);
    if (llvm::StringRef(text).starts_with(prefix + " "))
      return "it" + text.substr(prefix.size());
    return text;
  }
  return "";
}

} // namespace kiln::onnx_import
