//===- NNLinearOps.td - convolutions and matrix products -*- tablegen -*-===//

#ifndef KILN_NN_LINEAR_OPS
#define KILN_NN_LINEAR_OPS

include "dialects/nn/NNOpBase.td"

class NN_ConvBase<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, traits # [Pure, AttrSizedOperandSegments,
        NN_InferQuantizableResult,
        DeclareOpInterfaceMethods<NN_QuantizableOpInterface,
                                  ["getQuantizedOperands"]>,
        NN_LayoutSensitiveOpInterface]> {
  let hasVerifier = 1;
  let extraClassDefinition = NN_QuantizableResultDefs.isCompatibleReturnTypes;
}

def NN_ConvOp : NN_ConvBase<"conv"> {
  let summary = "N-d convolution with an optional fused epilogue";
  let description = !strconcat([{
    Cross-correlation of `input` (`N × C × D1 … Dk`) with `filter`
    (`M × C/groups × K1 … Kk`), as ONNX `Conv`. `strides` and `dilations`
    have one entry per spatial dimension, `pads` two (all begins, then all
    ends). With `layout channels_last` the input and result are `N × D… × C`
    and the filter `M × K… × C/groups`.
  }], NN_EpilogueDescription, [{

    ```mlir
    %y = nn.conv %x, %w bias %b strides [2, 2] pads [3, 3, 3, 3]
           dilations [1, 1] activation <relu>
         : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>)
           -> tensor<1x64x112x112xf32>
    ```
  }]);
  let arguments = (ins NN_FloatOrQuantTensor:$input,
                       NN_FloatOrQuantTensor:$filter,
                       Optional<NN_FloatOrQuantTensor>:$bias,
                       Optional<NN_FloatOrQuantTensor>:$residual,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "1">:$groups,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout,
                       OptionalAttr<NN_ActivationAttr>:$activation);
  let results = (outs NN_FloatOrQuantTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? (`residual` $residual^)?
    `strides` $strides `pads` $pads `dilations` $dilations
    (`groups` $groups^)? (`layout` $layout^)? (`activation` $activation^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def NN_ConvTransposeOp : NN_ConvBase<"conv_transpose"> {
  let summary = "N-d transposed convolution with an optional fused epilogue";
  let description = !strconcat([{
    The gradient of `nn.conv` with respect to its input, as ONNX
    `ConvTranspose`: `input` is `N × C × D…`, `filter` is
    `C × M/groups × K…`, and each output size is
    `stride × (in − 1) + output_padding + (K − 1) × dilation + 1 − pad_begin − pad_end`.
    (ONNX's `output_shape` and `auto_pad` are resolved into `pads` and
    `output_padding` by the importer.)
  }], NN_EpilogueDescription, [{

    ```mlir
    %y = nn.conv_transpose %x, %w strides [2, 2] pads [1, 1, 1, 1]
           dilations [1, 1] output_padding [1, 1]
         : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x32x32xf32>
    ```
  }]);
  let arguments = (ins NN_FloatOrQuantTensor:$input,
                       NN_FloatOrQuantTensor:$filter,
                       Optional<NN_FloatOrQuantTensor>:$bias,
                       Optional<NN_FloatOrQuantTensor>:$residual,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                       DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "1">:$groups,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout,
                       OptionalAttr<NN_ActivationAttr>:$activation);
  let results = (outs NN_FloatOrQuantTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? (`residual` $residual^)?
    `strides` $strides `pads` $pads `dilations` $dilations
    (`output_padding` $output_padding^)?
    (`groups` $groups^)? (`layout` $layout^)? (`activation` $activation^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def NN_MatmulOp : NN_Op<"matmul", [Pure, AttrSizedOperandSegments,
    NN_InferQuantizableResult,
    DeclareOpInterfaceMethods<NN_QuantizableOpInterface,
                              ["getQuantizedOperands"]>]> {
  let summary = "matrix product with numpy broadcasting and a fused epilogue";
  let description = !strconcat([{
    `numpy.matmul` semantics, as ONNX `MatMul`: the last two dimensions are
    multiplied, leading (batch) dimensions broadcast, and a 1-D operand is
    promoted to a matrix and its unit dimension removed from the result.
    The bias has the size of the result's last dimension.
  }], NN_EpilogueDescription, [{

    ```mlir
    %y = nn.matmul %a, %b bias %bias activation <gelu>
         : (tensor<8x128x768xf16>, tensor<768x3072xf16>, tensor<3072xf16>)
           -> tensor<8x128x3072xf16>
    ```
  }]);
  let arguments = (ins NN_FloatOrQuantTensor:$lhs,
                       NN_FloatOrQuantTensor:$rhs,
                       Optional<NN_FloatOrQuantTensor>:$bias,
                       Optional<NN_FloatOrQuantTensor>:$residual,
                       OptionalAttr<NN_ActivationAttr>:$activation);
  let results = (outs NN_FloatOrQuantTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? (`residual` $residual^)?
    (`activation` $activation^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDefinition = NN_QuantizableResultDefs.isCompatibleReturnTypes;
}

def NN_GemmOp : NN_Op<"gemm", [Pure, AttrSizedOperandSegments,
    NN_InferQuantizableResult,
    DeclareOpInterfaceMethods<NN_QuantizableOpInterface,
                              ["getQuantizedOperands"]>]> {
  let summary = "general matrix multiply: alpha · op(A) · op(B) + beta · C";
  let description = !strconcat([{
    ONNX `Gemm` on 2-D operands: `op(X)` is `X` or its transpose
    (`trans_a`, `trans_b`), and `C` (the bias) broadcasts to `M × N`.
  }], NN_EpilogueDescription, [{

    Widening. A float GEMM on `f16` or `bf16` operands may write an `f32`
    result (its bias and residual are then `f32` too): it accumulates in
    `f32`, and writes the sums without rounding them to 16 bits.
    `kiln-convert-nn-to-engine` folds a widening cast that is a 16-bit
    GEMM's only reader (an FP16 network's classifier before its f32 logits)
    into the GEMM this way.

    ```mlir
    %y = nn.gemm %x, %w bias %b trans_b
         : (tensor<1x2048xf32>, tensor<1000x2048xf32>, tensor<1000xf32>)
           -> tensor<1x1000xf32>
    ```
  }]);
  let arguments = (ins NN_FloatOrQuantTensor:$a,
                       NN_FloatOrQuantTensor:$b,
                       Optional<NN_FloatOrQuantTensor>:$bias,
                       Optional<NN_FloatOrQuantTensor>:$residual,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0">:$beta,
                       UnitAttr:$trans_a,
                       UnitAttr:$trans_b,
                       OptionalAttr<NN_ActivationAttr>:$activation);
  let results = (outs NN_FloatOrQuantTensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`bias` $bias^)? (`residual` $residual^)?
    (`alpha` $alpha^)? (`beta` $beta^)? (`trans_a` $trans_a^)?
    (`trans_b` $trans_b^)? (`activation` $activation^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  // isCompatibleReturnTypes (InferTypeOpAdaptorWithIsCompatible): also an
  // f32 result of f16 or bf16 operands, in NNLinearOps.cpp.
}

def NN_AttentionOp : NN_Op<"attention", [Pure, InferTypeOpAdaptor]> {
  let summary = "scaled dot-product attention: softmax(scale · q · kᵀ + bias) · v";
  let description = [{
    Fused multi-head attention, per batch and head:
    `result = softmax(scale · q · kᵀ + bias) · v`, the softmax taken along
    the key sequence. With `layout bhsd`, `q` is `B × H × Sq × D`, `k` is
    `B × H × Skv × D`, `v` is `B × H × Skv × Dv` and the result
    `B × H × Sq × Dv`; with `layout bshd` the same tensors have their
    sequence and head dimensions swapped (`q` is `B × Sq × H × D`, the result
    `B × Sq × H × Dv`), the layout a projection writes, so the heads need no
    transpose.

    `bias` is added to the scores before the softmax (a mask of 0 and −inf,
    or a relative-position bias). It has rank 4 and broadcasts to the scores
    `B × H × Sq × Skv`, always in that order whatever `layout` is.

    A row whose scores are all −inf (a query whose keys are all masked) has
    a zero output row, not the NaN a plain softmax gives: this is what the
    exporters' `Where(IsNaN(p), 0, p)` guard computes.

    All operands and the result have one float element type.

    ```mlir
    %o = nn.attention bshd %q, %k, %v bias %mask scale 1.250000e-01
         : tensor<32x128x12x64xf16>, tensor<32x128x12x64xf16>,
           tensor<32x128x12x64xf16>, tensor<32x1x128x128xf16>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$q, NN_FloatTensor:$k, NN_FloatTensor:$v,
                       Optional<NN_FloatTensor>:$bias, F32Attr:$scale,
                       NN_AttentionLayoutAttr:$layout);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = [{
    $layout $q `,` $k `,` $v (`bias` $bias^)? `scale` $scale attr-dict `:`
    type($q) `,` type($k) `,` type($v) (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The dimension of `q`, `k`, `v` and the result holding the heads, and
    /// the one holding the sequence (1 and 2 in bhsd, 2 and 1 in bshd).
    int64_t getHeadAxis() { return getLayout() == AttentionLayout::bhsd ? 1 : 2; }
    int64_t getSequenceAxis() { return getLayout() == AttentionLayout::bhsd ? 2 : 1; }
  }];
}

#endif // KILN_NN_LINEAR_OPS
