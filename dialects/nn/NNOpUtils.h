//===- NNOpUtils.h - helpers private to the nn op implementations -*- C++ -*-===//
//
// The custom parsers infer result types before an op's default attribute
// values are filled in, so inference reads default-valued attributes through
// these helpers instead of the adaptors' value getters.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_NN_NNOPUTILS_H
#define KILN_DIALECTS_NN_NNOPUTILS_H

#include "dialects/nn/NNDialect.h"

namespace kiln::nn::detail {

inline Layout layoutOr(LayoutAttr attr) {
  return attr ? attr.getValue() : Layout::channels_first;
}

inline int64_t groupsOr(mlir::IntegerAttr attr) { return attr ? attr.getInt() : 1; }

inline PadMode padModeOr(PadModeAttr attr) {
  return attr ? attr.getValue() : PadMode::constant;
}

} // namespace kiln::nn::detail

#endif // KILN_DIALECTS_NN_NNOPUTILS_H
