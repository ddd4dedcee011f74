//===- PassUtils.h - helpers shared by Kiln's graph passes -*- C++ -*-===//

#ifndef KILN_PASSES_PASSUTILS_H
#define KILN_PASSES_PASSUTILS_H

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// Reshapes a 1-D per-channel tensor to rank `rank` with its entries along
/// `axis` and size 1 elsewhere, so it broadcasts over a tensor of that rank.
mlir::Value reshapeAlongAxis(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::Value vector, int64_t rank, int64_t axis);

/// `value` rounded up to a multiple of `multiple` (both positive): a channel
/// count padded to an alignment.
inline int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// A rank-0 constant of `elementType` holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Type elementType, double value);

/// The location of a layer made by fusing `into` with `absorbed`: both names,
/// so reports can print `conv1 + bn1 + relu1`.
mlir::Location fusedLocation(mlir::Operation *into, mlir::Operation *absorbed);

/// The names of the layers a (fused) layer covers, from its location, as
/// TensorRT writes them: `conv1 + bn1 + relu1`. Empty when it has none.
std::string getLayerName(mlir::Operation *op);
/// The same names, one entry each, in order.
llvm::SmallVector<llvm::StringRef> getLayerNames(mlir::Operation *op);

/// The precision a layer runs in, as reports print it: its `kiln.precision`
/// (tf32) or the name of its first result's element type (fp32, fp16, bf16,
/// int8); empty for a layer without results or of another type.
llvm::StringRef getLayerPrecision(mlir::Operation *op);

/// Set by kiln-calibrate on a layer it leaves in float although it has an
/// INT8 implementation; the value is the reason, which `--report` prints
/// after `kept <the compile's float precision>: ` (a conv with too few input
/// channels), or whole when it starts with `kept ` (a layer-precision
/// constraint, which names its precision).
inline constexpr llvm::StringLiteral kInt8KeptFloatAttr = "kiln.int8_kept_float";

/// Quantize, dequantize and cast: the ops that only change an element type
/// (a border between INT8 and float layers).
bool isTypeConversion(mlir::Operation *op);

/// Conv, conv_transpose, matmul and gemm: the layers with a fused epilogue.
bool hasEpilogue(mlir::Operation *op);

/// The epilogue operands and attribute of such a layer.
mlir::Value getEpilogueBias(mlir::Operation *op);
mlir::Value getEpilogueResidual(mlir::Operation *op);
nn::ActivationAttr getEpilogueActivation(mlir::Operation *op);

/// The result dimension holding a layer's output channels (what a bias runs
/// along), and how many there are.
int64_t getOutputChannelAxis(mlir::Operation *op);

/// Clones an epilogue layer at the rewriter's insertion point with the given
/// epilogue (null values and attributes clear it), fuses `absorbed`'s
/// location into it, and replaces `absorbed` with the clone's result.
mlir::Operation *replaceWithEpilogue(mlir::PatternRewriter &rewriter,
                                     mlir::Operation *layer, mlir::Operation *absorbed,
                                     mlir::Value bias, mlir::Value residual,
                                     nn::ActivationAttr activation);

/// Why each fusion would not happen here, or null when it would: the passes
/// decide with these, and `kiln-compile --report` explains with them.
const char *whyNotFusable(mlir::Value layerResult);
const char *whyNotFuseActivation(nn::PointwiseOpInterface activation);
const char *whyNotFoldBatchNorm(nn::BatchNormOp bn);
const char *whyNotFoldPool(nn::ConvOp conv, nn::PoolOp pool);

/// Whether kiln-fuse-attention's pattern (FuseAttention.cpp) ends at
/// `softmax`: still there after the fusion stage, the attention was left
/// unfused by the pipeline's precision gate or a precision constraint.
bool matchesAttention(nn::SoftmaxOp softmax);

/// The operands that carry a layer's data when it commutes with
/// quantization (all of a concat's, else the first), or nullopt when it does
/// not commute (QuantCommutingOpInterface, and a pad filling with 0).
std::optional<llvm::SmallVector<unsigned>> getQuantCommutingOperands(mlir::Operation *op);

/// A float constant `weight` of `layer` as an int8 constant, symmetric per
/// output channel for linear layers (`max |w| / 127`) and per tensor
/// otherwise; null when it is not a static f32 constant. A dequantized int8
/// constant is returned as is. (kiln-fuse-qdq, kiln-calibrate)
mlir::Value quantizeConstantWeight(mlir::OpBuilder &builder, mlir::Operation *layer,
                                   mlir::Value weight);

/// Why an `nn.quantize` or `nn.dequantize` is still in the graph after the
/// Q/DQ passes ("at the network input", "sigmoid does not commute with
/// quantization"), for `kiln-compile --report`.
std::string whyQuantizationKept(mlir::Operation *op);

/// The fusion catalog's rewrites that merge neighbouring layers: pad into
/// conv, softmax + log, the softmax formulas below, reduce into global pool,
/// transpose chains, flatten as reshape, and identity arithmetic
/// (SimplifyPatterns.cpp).
void populateSimplifyPatterns(mlir::RewritePatternSet &patterns);

/// Softmax and log-softmax written out as ONNX's function bodies (max,
/// subtract, exp, sum, then divide or subtract the log) → one softmax or
/// log_softmax; labelled "expanded-softmax". Part of populateSimplifyPatterns;
/// kiln-fuse-attention runs it too, so that an attention whose softmax is
/// the formula still fuses.
void populateSoftmaxFormulaPatterns(mlir::RewritePatternSet &patterns);

/// Shuffle + reduce: a reduction over a transposed or reshaped tensor reduces
/// the original tensor, and the (smaller) shuffle follows it
/// (ShuffleReduce.cpp).
void populateShuffleReducePatterns(mlir::RewritePatternSet &patterns);

/// Conv + pool: an average pool without padding after a conv without
/// activation becomes one conv, where it costs no more multiply-adds
/// (ConvPool.cpp).
void populateConvPoolPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_PASSES_PASSUTILS_H
