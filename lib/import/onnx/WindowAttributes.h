//===- WindowAttributes.h - Conv and pooling window attributes -*- C++ -*-===//
//
// kernel_shape, strides, dilations, pads and auto_pad, shared by Conv and
// the pooling ops: ONNX's auto_pad is resolved into explicit pads here, so
// the nn ops only ever see `pads`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_IMPORT_ONNX_WINDOWATTRIBUTES_H
#define KILN_LIB_IMPORT_ONNX_WINDOWATTRIBUTES_H

#include "NodeImporter.h"

namespace kiln::onnx_import {

struct Window {
  llvm::SmallVector<int64_t> kernel, strides, pads, dilations;
};

/// Reads the window of a Conv or pooling node over an input of spatial sizes
/// `spatial`. `weightKernel` is the filter's spatial shape for a Conv (which
/// `kernel_shape`, when given, must match); pools require `kernel_shape`.
/// Without `withDilations` the node has no dilations attribute (dilations
/// are all 1).
mlir::FailureOr<Window> readWindow(NodeImporter &node, llvm::ArrayRef<int64_t> spatial,
                                   std::optional<llvm::ArrayRef<int64_t>> weightKernel,
                                   bool withDilations);

} // namespace kiln::onnx_import

#endif // KILN_LIB_IMPORT_ONNX_WINDOWATTRIBUTES_H
