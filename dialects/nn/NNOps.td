//===- NNOps.td - all ops of the nn dialect -*- tablegen -*-===//

#ifndef KILN_NN_OPS
#define KILN_NN_OPS

include "dialects/nn/NNOpBase.td"
include "dialects/nn/NNLinearOps.td"
include "dialects/nn/NNNormOps.td"
include "dialects/nn/NNPoolReduceOps.td"
include "dialects/nn/NNShapeOps.td"
include "dialects/nn/NNElementwiseOps.td"

def NN_ConstantOp : NN_Op<"constant", [ConstantLike, Pure]> {
  let summary = "a constant tensor: weights, biases, folded values";
  let description = [{
    Holds `value`, dense or (for weights) a `dense_resource` blob so that
    large weights never go through text. A quantized weight stores its
    integer values and names its quantized type after `as`.

    ```mlir
    %w = nn.constant dense_resource<conv1_weight> : tensor<64x3x7x7xf32>
    %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
    %q = nn.constant dense<[12, -7]> : tensor<2xi8>
           as tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "attr-dict custom<ConstantValue>($value, type($result))";
  let builders = [
    OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
      build($_builder, $_state, ::llvm::cast<::mlir::TensorType>(value.getType()), value);
    }]>
  ];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // KILN_NN_OPS
