//===- NNDialect.h - the nn dialect: ops, attributes, interfaces -*- C++ -*-===//
//
// The one header users of the dialect include.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_NN_NNDIALECT_H
#define KILN_DIALECTS_NN_NNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/nn/NNDialect.h.inc"
#include "dialects/nn/NNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/nn/NNAttrs.h.inc"

#include "dialects/nn/NNInterfaces.h.inc"

namespace kiln::nn {
/// Whether the result types `declared` may stand for the inferred `inferred`:
/// the same shapes, and element types equal or differing only in a
/// quantization of the same expressed float type.
bool isCompatibleQuantizedReturnTypes(mlir::TypeRange inferred, mlir::TypeRange declared);

/// Whether a float layer that computes in `computed` may write `written`:
/// f32 from f16 or bf16 (nn.gemm, which accumulates in f32 anyway, writes
/// its f32 sums without rounding them to 16 bits first).
bool isWidenedFloatResult(mlir::Type computed, mlir::Type written);

/// Whether `op` is softmax, log-softmax or a layer, instance or group norm
/// with one result: a row kernel that can store its result converted by a
/// float cast after it (kiln-convert-nn-to-engine groups the two).
bool isRowNormalization(mlir::Operation *op);

/// Result type of a pointwise op on `operands` after numpy broadcasting;
/// `boolResult` gives an `i1` result (comparisons and logic).
llvm::LogicalResult inferElementwiseResult(mlir::MLIRContext *context,
                                           std::optional<mlir::Location> location,
                                           mlir::TypeRange operands, bool boolResult,
                                           llvm::SmallVectorImpl<mlir::Type> &inferred);

/// Constants up to this many elements stay inline (`dense<...>`); larger ones
/// are held as `dense_resource` blobs so that weights never go through text.
constexpr int64_t kInlineWeightLimit = 64;

/// How an nn.constant holds `value`: inline when small, splat or boolean
/// (bit-packed, no blob form), else a `dense_resource` blob named by
/// `resourceKey` (MLIR uniques the key).
mlir::ElementsAttr makeWeightAttr(mlir::DenseElementsAttr value,
                                  llvm::StringRef resourceKey);

/// The dimensions of a convolution's activation or filter split around its
/// channel dimension: for activations `lead` is the batch; for filters it is
/// the first channel dimension (`K` of a convolution's `KC…`).
struct ChannelSplit {
  int64_t lead, channel;
  llvm::ArrayRef<int64_t> spatial;
};
ChannelSplit splitChannels(llvm::ArrayRef<int64_t> shape, Layout layout);

/// The precision a tensor of `element` type runs in, as reports and engines
/// name it: "fp32", "fp16", "bf16", "int8" (quantized or i8 storage), or ""
/// for other types.
llvm::StringRef getPrecisionName(mlir::Type element);

/// Whether `op` is a max pool that quantizes its float input (max commutes
/// with quantization: the max pool of the quantized input, NaN counting as
/// the zero point): the one layer besides nn.quantize that makes a quantized
/// result from float operands.
bool isQuantizingMaxPool(mlir::Operation *op);

/// Why a max pool of `layout` over a rank-`rank` tensor cannot quantize to
/// `quantized` (8-bit, per tensor or per channel), or "" when it can.
std::string whyNotQuantizingMaxPool(mlir::Type quantized, Layout layout, int64_t rank);

/// Whether `declared` is `inferred` (a float tensor) quantized: a quantizing
/// pool's result.
bool isQuantizingPoolResult(mlir::TypeRange inferred, mlir::TypeRange declared);

/// Whether `declared` is `inferred` with a wider float element type: a
/// widening gemm's result (isWidenedFloatResult).
bool isWidenedGemmResult(mlir::TypeRange inferred, mlir::TypeRange declared);

/// Result type of nn.prelu: the slope broadcasts to the input one way only.
llvm::LogicalResult inferPReluResult(std::optional<mlir::Location> location,
                                     mlir::Type input, mlir::Type slope,
                                     llvm::SmallVectorImpl<mlir::Type> &inferred);
} // namespace kiln::nn

namespace kiln::nn::OpTrait {
llvm::LogicalResult verifyValidQuantizedTypes(mlir::Operation *op);

template <typename ConcreteType>
class ValidQuantizedTypes
    : public mlir::OpTrait::TraitBase<ConcreteType, ValidQuantizedTypes> {
public:
  static llvm::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifyValidQuantizedTypes(op);
  }
};
} // namespace kiln::nn::OpTrait

#define GET_OP_CLASSES
#include "dialects/nn/NNOps.h.inc"

#endif // KILN_DIALECTS_NN_NNDIALECT_H
