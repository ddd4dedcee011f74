//===- NNOpBase.td - base classes shared by nn op families -*- tablegen -*-===//

#ifndef KILN_NN_OP_BASE
#define KILN_NN_OP_BASE

include "dialects/nn/NNAttrs.td"
include "dialects/nn/NNInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Every quantized operand and result is a valid quantized tensor (8-bit
// storage, or 32-bit for biases; per-axis scales that fit their dimension),
// and only nn.quantize (and a max pool, which commutes with quantization:
// isQuantizingMaxPool) makes a quantized result from float operands.
def NN_ValidQuantizedTypes : NativeOpTrait<"ValidQuantizedTypes"> {
  let cppNamespace = "::kiln::nn::OpTrait";
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits # [NN_ValidQuantizedTypes]>;

// A layer whose result element type may be quantized with its own scale: the
// op infers the shape and the float type, and accepts a declared quantized
// type of the same shape and expressed type. Its assembly spells the result
// type out, since the scale cannot be inferred.
def NN_InferQuantizableResult : TraitList<[InferTypeOpAdaptorWithIsCompatible]>;

// Definition shared by every op with NN_InferQuantizableResult.
def NN_QuantizableResultDefs {
  code isCompatibleReturnTypes = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r) {
      return ::kiln::nn::isCompatibleQuantizedReturnTypes(l, r);
    }
  }];
}

// The fused epilogue of a linear layer: out = act(op(x) + bias + residual).
defvar NN_EpilogueDescription = [{
    Epilogue. The layer may carry a fused epilogue: an optional `bias`
    (broadcast along the output channels), an optional `residual` tensor of
    the result's shape added after the bias, and an optional `activation`
    applied last: `result = activation(op(...) + bias + residual)`.

    Quantization. In INT8 the input and weight are quantized tensors
    (per-tensor input, per-tensor or per-output-channel weight), the bias is
    either float or `i32` quantized with scale `input scale × weight scale`,
    and the result is float or quantized with its own scale.
}];

#endif // KILN_NN_OP_BASE
