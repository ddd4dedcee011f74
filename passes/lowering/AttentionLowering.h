//===- AttentionLowering.h - nn.attention to cuDNN's fused attention -*- C++ -*-===//
//
// An nn.attention layer becomes one engine.attention step (cuDNN SDPA). The
// step sees every operand in logical [B, H, S, D] order; a bshd operand is a
// strided view of the buffer its producer wrote ([B, S, H, D]: the reshaped
// output of a projection GEMM), so neither the heads nor the output are
// transposed. The bias is read as it is (broadcast dimensions of size 1 in
// the sequences become zero strides).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_LOWERING_ATTENTIONLOWERING_H
#define KILN_PASSES_LOWERING_ATTENTIONLOWERING_H

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace kiln {

/// Why cuDNN's fused attention cannot run `op`, or "" when it can: f16 or
/// bf16 elements, head sizes multiples of 8, a rank-4 bias of the same type.
std::string whyNotFusedAttention(nn::AttentionOp op);

/// Builds the engine.attention of `op` (whyNotFusedAttention is "") from the
/// buffers of its operands and of its result `o`, laid out as `op` says.
void buildAttention(mlir::OpBuilder &builder, nn::AttentionOp op, mlir::Value q,
                    mlir::Value k, mlir::Value v, mlir::Value bias, mlir::Value o,
                    mlir::ArrayAttr layers, mlir::StringAttr precision);

} // namespace kiln

#endif // KILN_PASSES_LOWERING_ATTENTIONLOWERING_H
