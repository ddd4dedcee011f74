//===- NNNormOps.td - normalizations and softmax -*- tablegen -*-===//

#ifndef KILN_NN_NORM_OPS
#define KILN_NN_NORM_OPS

include "dialects/nn/NNOpBase.td"

class NN_NormOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, traits # [Pure, InferTypeOpAdaptor]> {
  let results = (outs NN_FloatTensor:$result);
}

def NN_BatchNormOp : NN_NormOp<"batch_norm", [NN_LayoutSensitiveOpInterface]> {
  let summary = "batch normalization with running statistics (inference)";
  let description = [{
    `scale · (x − mean) / sqrt(variance + epsilon) + bias` per channel, as
    ONNX `BatchNormalization` in inference mode. `scale`, `bias`, `mean` and
    `variance` are 1-D with one entry per channel.

    ```mlir
    %y = nn.batch_norm %x, %scale, %bias, %mean, %var epsilon 1.0e-05
         : tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>,
           tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       NN_FloatTensor:$bias, NN_FloatTensor:$mean,
                       NN_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance
    (`epsilon` $epsilon^)? (`layout` $layout^)? attr-dict `:` type(operands)
  }];
}

def NN_LayerNormOp : NN_NormOp<"layer_norm"> {
  let summary = "layer normalization over the trailing dimensions";
  let description = [{
    Normalizes over dimensions `[axis, rank)`: `(x − mean) / sqrt(var +
    epsilon) · scale + bias`, as ONNX `LayerNormalization`. `scale` and the
    optional `bias` have the shape of the normalized dimensions (or
    broadcast to it). Statistics are accumulated in at least FP32.

    ```mlir
    %y = nn.layer_norm %x, %gamma, %beta axis 2 epsilon 9.99999996E-13
         : tensor<1x128x768xf32>, tensor<768xf32>, tensor<768xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       Optional<NN_FloatTensor>:$bias,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? `axis` $axis (`epsilon` $epsilon^)?
    attr-dict `:` type(operands)
  }];
}

def NN_InstanceNormOp : NN_NormOp<"instance_norm", [NN_LayoutSensitiveOpInterface]> {
  let summary = "instance normalization";
  let description = [{
    Normalizes each channel of each sample over its spatial dimensions, then
    applies the per-channel `scale` and `bias`, as ONNX
    `InstanceNormalization`.

    ```mlir
    %y = nn.instance_norm %x, %scale, %bias epsilon 1.0e-05
         : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       NN_FloatTensor:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias (`epsilon` $epsilon^)? (`layout` $layout^)?
    attr-dict `:` type(operands)
  }];
}

def NN_GroupNormOp : NN_NormOp<"group_norm", [NN_LayoutSensitiveOpInterface]> {
  let summary = "group normalization";
  let description = [{
    Splits the channels into `groups` groups, normalizes each group of each
    sample over its channels and spatial dimensions, then applies the
    per-channel `scale` and `bias` (ONNX `GroupNormalization`; the importer
    expands opset 18's per-group scale to per-channel).

    ```mlir
    %y = nn.group_norm %x, %scale, %bias groups 4 epsilon 1.0e-05
         : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       NN_FloatTensor:$bias,
                       ConfinedAttr<I64Attr, [IntPositive]>:$groups,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `groups` $groups (`epsilon` $epsilon^)?
    (`layout` $layout^)? attr-dict `:` type(operands)
  }];
}

def NN_LRNOp : NN_NormOp<"lrn", [NN_LayoutSensitiveOpInterface]> {
  let summary = "local response normalization across channels";
  let description = [{
    ONNX `LRN`: `x / (bias + alpha / size · Σ x²)^beta`, the sum taken over
    `size` neighbouring channels (GoogLeNet's normalization).

    ```mlir
    %y = nn.lrn %x size 5 alpha 9.99999974E-5 beta 7.500000e-01 bias 1.000000e+00
         : tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input,
                       ConfinedAttr<I64Attr, [IntPositive]>:$size,
                       DefaultValuedAttr<F32Attr, "1.0e-4">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.75">:$beta,
                       DefaultValuedAttr<F32Attr, "1.0">:$bias,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let assemblyFormat = [{
    $input `size` $size (`alpha` $alpha^)? (`beta` $beta^)? (`bias` $bias^)?
    (`layout` $layout^)? attr-dict `:` type(operands)
  }];
}

class NN_SoftmaxBase<string mnemonic> : NN_NormOp<mnemonic> {
  let arguments = (ins NN_FloatTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
}

def NN_SoftmaxOp : NN_SoftmaxBase<"softmax"> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x − max) / Σ exp(x − max)` along `axis` (ONNX `Softmax` since opset
    13; the importer rewrites older opsets' coerced-2-D form).

    ```mlir
    %y = nn.softmax %x axis 3 : tensor<1x12x128x128xf32>
    ```
  }];
}

def NN_LogSoftmaxOp : NN_SoftmaxBase<"log_softmax"> {
  let summary = "log of softmax along one axis";
  let description = [{
    `x − max − log Σ exp(x − max)` along `axis`, computed without forming
    the softmax (so it does not underflow).

    ```mlir
    %y = nn.log_softmax %x axis 1 : tensor<8x1000xf32>
    ```
  }];
}

#endif // KILN_NN_NORM_OPS
