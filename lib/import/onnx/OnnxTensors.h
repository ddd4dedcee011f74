//===- OnnxTensors.h - ONNX element types and tensors as MLIR attributes -*- C++ -*-===//
//
// Conversions between ONNX's TensorProto world and MLIR types and elements
// attributes, plus reading known constants back as numbers. Weights are
// copied byte for byte into `dense_resource` blobs (never through text).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_IMPORT_ONNX_ONNXTENSORS_H
#define KILN_LIB_IMPORT_ONNX_ONNXTENSORS_H

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

#include "onnx/onnx_pb.h"

#include <string>

namespace kiln::onnx_import {

/// Constants up to this many elements stay inline; see nn::makeWeightAttr.
constexpr int64_t kInlineElementLimit = nn::kInlineWeightLimit;

/// The MLIR element type of an ONNX `TensorProto::DataType`; null for the
/// types Kiln cannot handle (strings, complex numbers, 8- and 4-bit floats
/// and integers).
mlir::Type convertElementType(mlir::MLIRContext *context, int32_t dataType);

/// ONNX's name of a data type ("FLOAT", "STRING", ...), for messages.
std::string dataTypeName(int32_t dataType);

/// The most bytes one tensor may hold: 1 TiB, several times any GPU's memory.
/// Shapes past it (or past int64) are refused at import rather than
/// overflowing sizes in the passes, the kernels or the engine.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;

/// Why a tensor of `shape` (static dimensions, dynamic ones skipped) and
/// `element` type cannot be imported: a negative dimension, or more bytes
/// than kMaxTensorBytes; an empty string when it can.
std::string whyNotTensorShape(llvm::ArrayRef<int64_t> shape, mlir::Type element);

/// The most bytes a constant the importer computes (ConstantOfShape, a
/// folded Expand or Tile, ...) may hold: 2 GiB, the most an ONNX model's own
/// tensors hold without external data; it becomes weights of the engine.
constexpr int64_t kMaxConstantBytes = int64_t(1) << 31;

/// The bytes of a tensor of static `shape` and `element` type, assuming
/// whyNotTensorShape accepted it.
int64_t getTensorBytes(llvm::ArrayRef<int64_t> shape, mlir::Type element);

/// The ONNX data type of an MLIR element type (0 when it has none).
int32_t getOnnxDataType(mlir::Type elementType);

/// The contents of `tensor`: inline when small, else a `dense_resource` blob
/// named after `resourceName`. External data is read relative to `modelDir`.
llvm::Expected<mlir::ElementsAttr> convertTensor(mlir::MLIRContext *context,
                                                 const onnx::TensorProto &tensor,
                                                 llvm::StringRef modelDir,
                                                 llvm::StringRef resourceName);

/// `value` as inline or blob storage, by its size (kInlineElementLimit).
mlir::ElementsAttr makeStorageAttr(mlir::DenseElementsAttr value,
                                   llvm::StringRef resourceName);

/// The contents of a dense or dense_resource attribute as a dense one (null
/// if a blob's data is gone).
mlir::DenseElementsAttr toDense(mlir::ElementsAttr attr);

/// Integer (or boolean) elements as int64, by the type's signedness; float
/// elements truncated toward zero.
llvm::SmallVector<int64_t> getIntValues(mlir::DenseElementsAttr attr);

/// Elements as doubles, from any numeric type.
llvm::SmallVector<double> getDoubleValues(mlir::DenseElementsAttr attr);

/// A dense attribute of `type` from int64 values (integer or bool elements).
mlir::DenseElementsAttr makeIntAttr(mlir::RankedTensorType type,
                                    llvm::ArrayRef<int64_t> values);

/// A dense attribute of `type` from doubles, converted to the element type
/// (rounded to nearest for floats, truncated toward zero for integers).
mlir::DenseElementsAttr makeNumericAttr(mlir::RankedTensorType type,
                                        llvm::ArrayRef<double> values);

/// A 1-D i64 attribute, the type of ONNX shape tensors.
mlir::DenseElementsAttr makeI64Vector(mlir::MLIRContext *context,
                                      llvm::ArrayRef<int64_t> values);

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_ONNXTENSORS_H
