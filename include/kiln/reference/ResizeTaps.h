//===- ResizeTaps.h - where nn.resize reads, per output coordinate -*- C++ -*-===//
//
// The reference interpreter's resize and the generated CUDA kernels share
// these, so their coordinates and weights agree to the bit: they are
// computed in float on the host, as onnxruntime computes them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_RESIZETAPS_H
#define KILN_REFERENCE_RESIZETAPS_H

#include "dialects/nn/NNDialect.h"

#include "llvm/ADT/SmallVector.h"

#include <utility>
#include <vector>

namespace kiln::reference {

/// The input positions and weights one output coordinate reads along one
/// dimension (one tap for nearest, up to two for linear, four for cubic; taps
/// of weight 0 are dropped); `outside` when the coordinate falls outside the
/// input under tf_crop_and_resize, which then yields the extrapolation value.
struct ResizeTaps {
  llvm::SmallVector<std::pair<int64_t, double>, 4> taps;
  bool outside = false;
};

/// The taps of every output coordinate of dimension `dim` of `op`, resized
/// from `inLength` to `outLength` with the op's scale and region of interest
/// for it, if it has them.
std::vector<ResizeTaps> resizeTaps(nn::ResizeOp op, int64_t dim, int64_t inLength,
                                   int64_t outLength);

} // namespace kiln::reference

#endif // KILN_REFERENCE_RESIZETAPS_H
