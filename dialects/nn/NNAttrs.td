//===- NNAttrs.td - enums and attributes of the nn dialect -*- tablegen -*-===//

#ifndef KILN_NN_ATTRS
#define KILN_NN_ATTRS

include "dialects/nn/NNBase.td"
include "mlir/IR/EnumAttr.td"

// Enums are stored as integer attributes and written as bare keywords in the
// ops' custom forms (`nn.pool max ...`).
class NN_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::kiln::nn";
}

def NN_LayoutAttr : NN_Enum<"Layout", "position of the channel dimension", [
  I32EnumAttrCase<"channels_first", 0>,
  I32EnumAttrCase<"channels_last", 1>]>;

// Where the sequence and head dimensions sit in nn.attention's tensors.
def NN_AttentionLayoutAttr : NN_Enum<"AttentionLayout",
    "order of the batch, head, sequence and feature dimensions of attention", [
  I32EnumAttrCase<"bhsd", 0>,
  I32EnumAttrCase<"bshd", 1>]>;

def NN_PoolKindAttr : NN_Enum<"PoolKind", "pooling function", [
  I32EnumAttrCase<"max", 0>,
  I32EnumAttrCase<"avg", 1>]>;

def NN_ReduceKindAttr : NN_Enum<"ReduceKind", "reduction function", [
  I32EnumAttrCase<"sum", 0>,
  I32EnumAttrCase<"mean", 1>,
  I32EnumAttrCase<"max", 2>,
  I32EnumAttrCase<"min", 3>,
  I32EnumAttrCase<"prod", 4>,
  I32EnumAttrCase<"l1", 5>,
  I32EnumAttrCase<"l2", 6>,
  I32EnumAttrCase<"sum_square", 7>,
  I32EnumAttrCase<"log_sum", 8>,
  I32EnumAttrCase<"log_sum_exp", 9>]>;

def NN_PadModeAttr : NN_Enum<"PadMode", "how padded elements are filled", [
  I32EnumAttrCase<"constant", 0>,
  I32EnumAttrCase<"reflect", 1>,
  I32EnumAttrCase<"edge", 2>,
  I32EnumAttrCase<"wrap", 3>]>;

def NN_ResizeModeAttr : NN_Enum<"ResizeMode", "interpolation of a resize", [
  I32EnumAttrCase<"nearest", 0>,
  I32EnumAttrCase<"linear", 1>,
  I32EnumAttrCase<"cubic", 2>]>;

def NN_CoordinateTransformAttr : NN_Enum<"CoordinateTransform",
    "how output coordinates map to input coordinates in a resize", [
  I32EnumAttrCase<"half_pixel", 0>,
  I32EnumAttrCase<"half_pixel_symmetric", 1>,
  I32EnumAttrCase<"pytorch_half_pixel", 2>,
  I32EnumAttrCase<"align_corners", 3>,
  I32EnumAttrCase<"asymmetric", 4>,
  I32EnumAttrCase<"tf_crop_and_resize", 5>,
  I32EnumAttrCase<"tf_half_pixel_for_nn", 6>]>;

def NN_NearestModeAttr : NN_Enum<"NearestMode",
    "rounding of a nearest-neighbour resize", [
  I32EnumAttrCase<"round_prefer_floor", 0>,
  I32EnumAttrCase<"round_prefer_ceil", 1>,
  I32EnumAttrCase<"floor", 2>,
  I32EnumAttrCase<"ceil", 3>]>;

def NN_GeluApproximationAttr : NN_Enum<"GeluApproximation", "form of gelu", [
  I32EnumAttrCase<"none", 0>,
  I32EnumAttrCase<"tanh", 1>]>;

def NN_ActivationKind : NN_Enum<"ActivationKind",
    "activation a fused epilogue applies", [
  I32EnumAttrCase<"relu", 0>,
  I32EnumAttrCase<"clip", 1>,
  I32EnumAttrCase<"leaky_relu", 2>,
  I32EnumAttrCase<"elu", 3>,
  I32EnumAttrCase<"sigmoid", 4>,
  I32EnumAttrCase<"tanh", 5>,
  I32EnumAttrCase<"gelu", 6>,
  I32EnumAttrCase<"gelu_tanh", 7>,
  I32EnumAttrCase<"silu", 8>,
  I32EnumAttrCase<"hard_sigmoid", 9>,
  I32EnumAttrCase<"hard_swish", 10>]>;

def NN_ActivationAttr : AttrDef<NN_Dialect, "Activation"> {
  let mnemonic = "activation";
  let summary = "an activation fused into a layer's epilogue";
  let description = [{
    The activation a convolution, matmul or gemm applies to its result after
    the bias and the residual add. Parameters, where the function has any:
    `clip` takes `min` and `max`; `leaky_relu` and `elu` take `alpha`;
    `hard_sigmoid` takes `alpha` and `beta` (`max(0, min(1, alpha * x + beta))`).

    ```mlir
    #nn.activation<relu>
    #nn.activation<clip, min = 0.0, max = 6.0>
    #nn.activation<leaky_relu, alpha = 0.1>
    ```
  }];
  let parameters = (ins "ActivationKind":$kind,
                        "::llvm::APFloat":$alpha,
                        "::llvm::APFloat":$beta);
  let builders = [
    AttrBuilder<(ins "ActivationKind":$kind,
                     CArg<"double", "0.0">:$alpha,
                     CArg<"double", "0.0">:$beta), [{
      return $_get($_ctxt, kind, ::llvm::APFloat(alpha), ::llvm::APFloat(beta));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Names of the parameters `kind` takes, in order ("min", "max" for clip).
    static ::llvm::ArrayRef<::llvm::StringRef> getParameterNames(ActivationKind kind);
    /// Applies the activation to one value, in double precision.
    double apply(double x) const;
    /// The activation in units of `scale` (act(x) / scale as a function of
    /// x / scale) when it commutes with a positive scale: relu as is, clip
    /// with its bounds divided (rounded to f32, as engines store them); null
    /// for the others. An INT8 epilogue then works in the output's step.
    ActivationAttr inUnitsOf(double scale) const;
  }];
}

#endif // KILN_NN_ATTRS
