//===- Conv.h - the generated convolutions' shared pieces -------*- C++ -*-===//
//
// Private to lib/target/cuda: what Conv.cpp (the direct convolution, the
// entry point) and DepthwiseConv.cpp (the depthwise channels-last kernels)
// share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_TARGET_CUDA_CONV_H
#define KILN_LIB_TARGET_CUDA_CONV_H

#include "Families.h"

#include "dialects/nn/NNDialect.h"

namespace kiln::cuda::detail {

/// What both strategies need to know of a convolution.
struct ConvShape {
  nn::ConvOp op;
  const TensorView *input, *filter, *bias = nullptr, *residual = nullptr;
  const TensorView *output;
  bool channelsLast;
  int64_t channelDim, inChannels, outChannels, groups, cPerGroup, mPerGroup;
  /// Spatial dimensions of input and output (in their layout), and of the
  /// filter.
  llvm::SmallVector<int64_t> spatial, filterSpatial;
  /// The filter's dimension of input channels.
  int64_t filterChannelDim;
  Compute compute;
};

/// The epilogue's activation applied to `x` (a variable of `compute`), as
/// ActivationAttr::apply defines it.
std::string activate(nn::ActivationAttr activation, llvm::StringRef x, Compute compute);

/// The vector width of the depthwise channels-last kernel for `s`, or 0 when
/// it does not apply.
int64_t depthwiseWidth(const ConvShape &s);

/// The depthwise channels-last kernel of `s`, `maxWidth` channels a thread
/// at most (depthwiseWidth).
Launch emitDepthwiseConv(KernelWriter &w, const ConvShape &s, int64_t maxWidth);

} // namespace kiln::cuda::detail

#endif // KILN_LIB_TARGET_CUDA_CONV_H
