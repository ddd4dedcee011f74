//===- LinearHandlers.cpp - Conv, ConvTranspose, MatMul, Gemm -------------===//
//
// The layers with weights. The importer fills only the op and its bias; the
// other parts of the fused epilogue (residual, activation) are for the
// fusion passes. auto_pad and ConvTranspose's output_shape are resolved into
// explicit pads here.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "WindowAttributes.h"

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// Checks that input and filter are N-d tensors of the same rank (>= 3).
LogicalResult checkConvolutionRanks(NodeImporter &node, Value x, Value w) {
  int64_t rank = llvm::cast<RankedTensorType>(x.getType()).getRank();
  if (rank < 3 || llvm::cast<RankedTensorType>(w.getType()).getRank() != rank)
    return node.error("input and filter must have the same rank, 3 or more");
  return success();
}

LogicalResult importConv(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0), w = node.getInput(1),
                   bias = node.getOptionalInput(2);
  if (failed(x) || failed(w) || failed(bias) ||
      failed(checkConvolutionRanks(node, *x, *w)))
    return failure();
  auto input = llvm::cast<RankedTensorType>(x->getType());
  auto filter = llvm::cast<RankedTensorType>(w->getType());
  FailureOr<Window> window = readWindow(node, input.getShape().drop_front(2),
                                        filter.getShape().drop_front(2),
                                        /*withDilations=*/true);
  int64_t groups = node.getIntAttr("group", 1);
  if (failed(window))
    return failure();
  if (groups <= 0)
    return node.error("group must be positive");
  FailureOr<nn::ConvOp> op = node.create<nn::ConvOp>(
      *x, *w, *bias, /*residual=*/Value(), window->strides, window->pads,
      window->dilations, groups, nn::Layout::channels_first, nn::ActivationAttr());
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

/// ConvTranspose's pads: given, or derived from output_shape / auto_pad as
/// ONNX specifies. From opset 11 the extra padding of an odd total goes to
/// the start except with SAME_UPPER, and SAME makes the output `input *
/// stride`; ConvTranspose-1 (opsets 1 to 10) puts it at the end except with
/// SAME_UPPER, and SAME makes the output as large as the input. An
/// output_shape larger than the transposed convolution produces grows
/// `outputPadding` instead (nn pads are never negative), as ONNX's reference
/// implementation does.
FailureOr<SmallVector<int64_t>> convTransposePads(NodeImporter &node,
                                                  ArrayRef<int64_t> spatial,
                                                  ArrayRef<int64_t> kernel,
                                                  ArrayRef<int64_t> strides,
                                                  ArrayRef<int64_t> dilations,
                                                  SmallVectorImpl<int64_t> &outputPadding) {
  size_t rank = spatial.size();
  std::string autoPad = node.getStringAttr("auto_pad", "NOTSET");
  std::optional<SmallVector<int64_t>> outputShape = node.getOptionalIntsAttr("output_shape");
  SmallVector<int64_t> pads = node.getIntsAttr("pads", SmallVector<int64_t>(2 * rank, 0));
  if (pads.size() != 2 * rank) {
    node.emitError() << "attribute 'pads' has " << pads.size() << " entries, expected "
                     << 2 * rank;
    return failure();
  }
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER") {
    node.emitError() << "auto_pad '" << autoPad << "' is not supported";
    return failure();
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * rank, 0);
  bool legacy = node.getOpset() < 11;
  if (!outputShape && autoPad == "NOTSET")
    return pads;

  SmallVector<int64_t> target;
  if (outputShape) {
    // Either the spatial sizes or the whole N x C x ... shape.
    target = *outputShape;
    if (target.size() == rank + 2)
      target.erase(target.begin(), target.begin() + 2);
    if (target.size() != rank) {
      node.emitError() << "output_shape has " << outputShape->size()
                       << " entries for " << rank << " spatial dimensions";
      return failure();
    }
  } else {
    for (size_t i = 0; i < rank; ++i)
      target.push_back(legacy ? spatial[i] : spatial[i] * strides[i]);
  }
  for (size_t i = 0; i < rank; ++i) {
    int64_t total = strides[i] * (spatial[i] - 1) + outputPadding[i] +
                    (kernel[i] - 1) * dilations[i] + 1 - target[i];
    if (total < 0) {
      outputPadding[i] -= total;
      if (outputPadding[i] >= strides[i] && outputPadding[i] >= dilations[i]) {
        node.emitError() << "output size " << target[i] << " of spatial dimension " << i
                         << " exceeds what the transposed convolution produces by "
                         << outputPadding[i] << ", more than its stride allows";
        return failure();
      }
      total = 0;
    }
    int64_t half = total / 2;
    bool extraAtEnd = (autoPad == "SAME_UPPER") != legacy;
    pads[i] = extraAtEnd ? half : total - half;
    pads[rank + i] = extraAtEnd ? total - half : half;
  }
  return pads;
}

LogicalResult importConvTranspose(NodeImporter &node) {
  FailureOr<Value> x = node.getInput(0), w = node.getInput(1),
                   bias = node.getOptionalInput(2);
  if (failed(x) || failed(w) || failed(bias) ||
      failed(checkConvolutionRanks(node, *x, *w)))
    return failure();
  auto input = llvm::cast<RankedTensorType>(x->getType());
  auto filter = llvm::cast<RankedTensorType>(w->getType());
  ArrayRef<int64_t> spatial = input.getShape().drop_front(2);
  ArrayRef<int64_t> kernel = filter.getShape().drop_front(2);
  size_t rank = spatial.size();
  if (std::optional<SmallVector<int64_t>> given = node.getOptionalIntsAttr("kernel_shape");
      given && ArrayRef<int64_t>(*given) != kernel)
    return node.error("kernel_shape does not match the filter's spatial shape");
  SmallVector<int64_t> strides = node.getIntsAttr("strides", SmallVector<int64_t>(rank, 1));
  SmallVector<int64_t> dilations =
      node.getIntsAttr("dilations", SmallVector<int64_t>(rank, 1));
  SmallVector<int64_t> outputPadding =
      node.getIntsAttr("output_padding", SmallVector<int64_t>(rank, 0));
  int64_t groups = node.getIntAttr("group", 1);
  if (strides.size() != rank || dilations.size() != rank || outputPadding.size() != rank)
    return node.error("strides, dilations and output_padding need one entry per "
                      "spatial dimension");
  if (groups <= 0)
    return node.error("group must be positive");
  FailureOr<SmallVector<int64_t>> pads =
      convTransposePads(node, spatial, kernel, strides, dilations, outputPadding);
  if (failed(pads))
    return failure();
  bool anyOutputPadding = llvm::any_of(outputPadding, [](int64_t p) { return p != 0; });
  DenseI64ArrayAttr outputPaddingAttr =
      anyOutputPadding ? node.getBuilder().getDenseI64ArrayAttr(outputPadding)
                       : DenseI64ArrayAttr();
  FailureOr<nn::ConvTransposeOp> op = node.create<nn::ConvTransposeOp>(
      *x, *w, *bias, /*residual=*/Value(), strides, *pads, dilations, outputPaddingAttr,
      groups, nn::Layout::channels_first, nn::ActivationAttr());
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importMatMul(NodeImporter &node) {
  FailureOr<Value> a = node.getInput(0), b = node.getInput(1);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<nn::MatmulOp> op =
      node.create<nn::MatmulOp>(*a, *b, Value(), Value(), nn::ActivationAttr());
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

LogicalResult importGemm(NodeImporter &node) {
  float alpha = node.getFloatAttr("alpha", 1.0f), beta = node.getFloatAttr("beta", 1.0f);
  bool transA = node.getIntAttr("transA", 0) != 0;
  bool transB = node.getIntAttr("transB", 0) != 0;
  FailureOr<Value> a = node.getInput(0), b = node.getInput(1), c = node.getOptionalInput(2);
  if (failed(a) || failed(b) || failed(c))
    return failure();
  FailureOr<nn::GemmOp> op = node.create<nn::GemmOp>(
      *a, *b, *c, /*residual=*/Value(), llvm::APFloat(alpha), llvm::APFloat(beta), transA,
      transB, nn::ActivationAttr());
  if (failed(op))
    return failure();
  return node.setResult(0, *op);
}

} // namespace

void addLinearHandlers(HandlerTable &table) {
  table.add("Conv", kMinOpset, kMaxOpset, importConv);
  // One handler: convTransposePads follows the opset's padding rule.
  table.add("ConvTranspose", 1, kMaxOpset, importConvTranspose);
  table.add("MatMul", kMinOpset, kMaxOpset, importMatMul);
  table.add("Gemm", kMinOpset, kMaxOpset, importGemm);
}

} // namespace kiln::onnx_import
