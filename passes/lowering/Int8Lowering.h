//===- Int8Lowering.h - INT8 layers to library calls + epilogue kernels -*- C++ -*-===//
//
// A fused INT8 layer (what kiln-fuse-qdq makes: int8 data and weights,
// per-channel weight scales, an i32 bias) lowers in two steps: the library
// call multiplies the stored integers (cuDNN's int8 convolution into f32,
// cuBLASLt's IMMA GEMM into i32), and a generated kernel applies the epilogue
// in float: the per-channel scale, bias, residual, activation and the
// requantization to the output's scale (or a float result).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_LOWERING_INT8LOWERING_H
#define KILN_PASSES_LOWERING_INT8LOWERING_H

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/Builders.h"

#include <string>
#include <vector>

namespace kiln {

/// Whether `op` is a conv, gemm or matmul with a quantized operand: one the
/// INT8 path lowers.
bool isInt8Layer(mlir::Operation *op);

/// Why the INT8 path cannot lower `op` (zero points, signedness, layout,
/// channel or inner-dimension alignment, operand kinds), or "" when it can.
/// With `depthwiseInKernel` (kiln-convert-nn-to-engine's depthwise-conv is
/// auto or kernel), a depthwise conv (isInt8DepthwiseConv) is lowerable: it
/// runs in Kiln's generated depthwise kernel, not cuDNN, so cuDNN's multiple
/// of 4 channels per group does not apply.
std::string whyNotInt8Lowerable(mlir::Operation *op, bool depthwiseInKernel = false);

/// Whether `conv` is a channels-last depthwise conv (groups = input channels
/// = output channels) whose integer sums stay exact in f32 (fewer than 1024
/// filter taps: |sum| < 1024 * 128 * 128 = 2^24), the INT8 form Kiln's
/// depthwise kernel runs.
bool isInt8DepthwiseConv(nn::ConvOp conv);

/// The real value of one unit of the layer's integer accumulator for each
/// output channel: input scale × weight scale (× alpha for a gemm), `count`
/// entries (per-tensor weights repeat their scale).
std::vector<double> accumulatorScales(mlir::Operation *op, int64_t count);

/// The filter of a matmul/gemm whose weight is stored [K, N] as the [N, K]
/// int8 constant cuBLASLt's IMMA kernels want (our trans_b), or null when
/// the weight is not a constant.
mlir::DenseElementsAttr transposedInt8Weight(mlir::Value weight);

/// A channels-last conv filter [K, ..., C] as an int8 constant with `channels`
/// input channels, the new ones zero (cuDNN wants a multiple of 4), or null
/// when the filter is not a constant.
mlir::DenseElementsAttr paddedInt8Filter(mlir::Value filter, int64_t channels);

/// Why the epilogue of INT8 convolution `conv` (one whyNotInt8Lowerable
/// accepts) cannot run inside cuDNN's fused int8 graph, or "" when it can:
/// an int8 output per tensor with zero point 0 or an f32/f16 output, a
/// constant bias, an int8 residual per tensor with zero point 0, no
/// activation or one isFusedInt8Activation accepts.
std::string whyNotFusedInt8Conv(nn::ConvOp conv);

/// Whether cuDNN's fused int8 graph runs activation `kind`: relu and clip
/// in the output's units, the others cuDNN's pointwise has (leaky relu, elu,
/// sigmoid, tanh, gelu, gelu_tanh, silu) on real values before post_scale;
/// not hard_sigmoid or hard_swish.
bool isFusedInt8Activation(nn::ActivationKind kind);

/// The fused form of INT8 convolution `conv` (whyNotFusedInt8Conv is ""):
/// an engine.conv from `x` and `w` (its int8 data and filter buffers) and
/// `residual` (the residual's buffer or null) into `y`. With relu, clip or
/// no activation the scale and bias are f32 weights in units of the
/// output's step (input scale × weight scale / output scale; without
/// requantization, input × weight scale), the residual's scale over the
/// output's and clip's bounds over the output's scale too. With another
/// activation they stay in real units and the step's post_scale is 1 /
/// the output's scale (1 for a float output).
void buildFusedInt8Conv(mlir::OpBuilder &builder, nn::ConvOp conv, mlir::Value x,
                        mlir::Value w, mlir::Value residual, mlir::Value y,
                        mlir::ArrayAttr layers);

/// The epilogue of `layer` on tensors, inside a dispatch: `acc` is the
/// accumulator (f32 holding integers, or an i32 tensor typed with the
/// accumulator's quantized type), `bias` and `residual` the block arguments
/// standing for the layer's epilogue operands (or null). Returns the value to
/// write: `layer`'s result type, requantized when that is quantized.
mlir::Value buildInt8Epilogue(mlir::OpBuilder &builder, mlir::Operation *layer,
                              mlir::Value acc, mlir::Value bias, mlir::Value residual);

/// The activation `attr` describes, as an nn layer applied to `x`
/// (ConvertNNToEngine.cpp).
mlir::Value buildActivation(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value x,
                            nn::ActivationAttr attr);

} // namespace kiln

#endif // KILN_PASSES_LOWERING_INT8LOWERING_H
