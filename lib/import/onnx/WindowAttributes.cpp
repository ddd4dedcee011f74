//===- WindowAttributes.cpp - Conv and pooling window attributes ----------===//

#include "WindowAttributes.h"

using namespace mlir;

namespace kiln::onnx_import {

/// One attribute with one entry per spatial dimension, or `fill` when absent.
static FailureOr<SmallVector<int64_t>> readPerDimension(NodeImporter &node,
                                                        StringRef name, size_t rank,
                                                        int64_t fill, size_t perDim = 1) {
  SmallVector<int64_t> values =
      node.getIntsAttr(name, SmallVector<int64_t>(rank * perDim, fill));
  if (values.size() != rank * perDim) {
    node.emitError() << "attribute '" << name << "' has " << values.size()
                     << " entries, expected " << rank * perDim;
    return failure();
  }
  if (name != "pads" && llvm::any_of(values, [](int64_t v) { return v <= 0; })) {
    node.emitError() << "attribute '" << name << "' must be positive";
    return failure();
  }
  return values;
}

FailureOr<Window> readWindow(NodeImporter &node, ArrayRef<int64_t> spatial,
                             std::optional<ArrayRef<int64_t>> weightKernel,
                             bool withDilations) {
  size_t rank = spatial.size();
  Window window;
  std::optional<SmallVector<int64_t>> kernel = node.getOptionalIntsAttr("kernel_shape");
  if (weightKernel) {
    if (kernel && ArrayRef<int64_t>(*kernel) != *weightKernel) {
      node.emitError() << "kernel_shape does not match the filter's spatial shape";
      return failure();
    }
    window.kernel.assign(weightKernel->begin(), weightKernel->end());
  } else if (!kernel) {
    node.emitError() << "attribute 'kernel_shape' is required";
    return failure();
  } else {
    window.kernel = *kernel;
  }
  if (window.kernel.size() != rank) {
    node.emitError() << "the kernel has " << window.kernel.size()
                     << " dimensions but the input has " << rank << " spatial ones";
    return failure();
  }
  FailureOr<SmallVector<int64_t>> strides = readPerDimension(node, "strides", rank, 1);
  FailureOr<SmallVector<int64_t>> dilations =
      withDilations ? readPerDimension(node, "dilations", rank, 1)
                    : FailureOr<SmallVector<int64_t>>(SmallVector<int64_t>(rank, 1));
  if (failed(strides) || failed(dilations))
    return failure();
  window.strides = *strides;
  window.dilations = *dilations;

  std::string autoPad = node.getStringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    FailureOr<SmallVector<int64_t>> pads = readPerDimension(node, "pads", rank, 0, 2);
    if (failed(pads))
      return failure();
    if (llvm::any_of(*pads, [](int64_t p) { return p < 0; })) {
      node.emitError() << "pads must be non-negative";
      return failure();
    }
    window.pads = *pads;
    return window;
  }
  if (node.hasAttr("pads")) {
    node.emitError() << "pads and auto_pad " << autoPad << " cannot be used together";
    return failure();
  }
  window.pads.assign(2 * rank, 0);
  if (autoPad == "VALID")
    return window;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    node.emitError() << "auto_pad '" << autoPad << "' is not supported";
    return failure();
  }
  // SAME: the output has ceil(in / stride) elements; the padding that takes
  // goes to the end (SAME_UPPER) or the beginning (SAME_LOWER) when odd.
  for (size_t i = 0; i < rank; ++i) {
    int64_t out = (spatial[i] + window.strides[i] - 1) / window.strides[i];
    int64_t extent = (window.kernel[i] - 1) * window.dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * window.strides[i] + extent - spatial[i]);
    int64_t small = total / 2, large = total - small;
    window.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    window.pads[rank + i] = autoPad == "SAME_UPPER" ? large : small;
  }
  return window;
}

} // namespace kiln::onnx_import
