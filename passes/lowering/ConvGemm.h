//===- ConvGemm.h - pointwise convolutions as cuBLASLt GEMMs ----*- C++ -*-===//
//
// A channels-last 1x1 convolution with unit strides and no padding is a
// matrix product: y[N*H*W, K] = x[N*H*W, C] * w[K, C]^T, and its epilogue
// (alpha, bias, residual, relu) is cuBLASLt's: d = act(alpha * a b^T +
// beta * c + bias). kiln-select-tactics times that GEMM against cuDNN's
// best engine for the convolution and keeps the faster.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_LOWERING_CONVGEMM_H
#define KILN_PASSES_LOWERING_CONVGEMM_H

#include "dialects/engine/EngineDialect.h"

#include "mlir/IR/Builders.h"

namespace kiln {

/// Whether `conv` has a GEMM form: a 2-D, channels-last, ungrouped, untransposed float convolution (f32,
/// f16 or bf16 throughout) with a 1x1 filter, unit strides and no padding,
/// relu, gelu_tanh or no activation, no INT8 scales, and buffers whose
/// batch and spatial dimensions collapse into one row dimension.
bool hasGemmForm(engine::ConvOp conv);

/// Builds, before `conv`, the engine.gemm computing it on views of the same
/// buffers (`hasGemmForm` must hold), with the convolution's layers and
/// precision. The convolution is left in place.
engine::GemmOp buildConvGemm(mlir::OpBuilder &builder, engine::ConvOp conv);

/// Erases `step` and the views only it used: the GEMM form's when the
/// convolution stays, the convolution's (a concat's slice) when it goes.
void eraseWithOwnViews(mlir::Operation *step);

} // namespace kiln

#endif // KILN_PASSES_LOWERING_CONVGEMM_H
