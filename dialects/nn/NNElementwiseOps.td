//===- NNElementwiseOps.td - pointwise activations and arithmetic -*- tablegen -*-===//

#ifndef KILN_NN_ELEMENTWISE_OPS
#define KILN_NN_ELEMENTWISE_OPS

include "dialects/nn/NNOpBase.td"

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

class NN_UnaryOp<string mnemonic, string formula, Type type = NN_FloatTensor,
                 list<Trait> traits = [], string exampleElement = "f32">
    : NN_Op<mnemonic, traits # [Pure, SameOperandsAndResultType,
                                InferTypeOpInterface, NN_PointwiseOpInterface]> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes `}] # formula # [{` for every element.

    ```mlir
    %y = nn.}] # mnemonic # [{ %x : tensor<4x16x}] # exampleElement # [{>
    ```
  }];
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

// An unary op that a conv or gemm epilogue can absorb as `kind`.
class NN_ActivationOp<string mnemonic, string formula, string kind,
                      list<Trait> traits = []>
    : NN_UnaryOp<mnemonic, formula, NN_FloatTensor, traits # [
        DeclareOpInterfaceMethods<NN_PointwiseOpInterface, ["getAsActivation"]>]> {
  let extraClassDefinition = [{
    ::kiln::nn::ActivationAttr $cppClass::getAsActivation() {
      return ::kiln::nn::ActivationAttr::get(getContext(),
                                             ::kiln::nn::ActivationKind::}] # kind # [{);
    }
  }];
}

def NN_ReluOp : NN_ActivationOp<"relu", "max(x, 0)", "relu">;
def NN_SigmoidOp : NN_ActivationOp<"sigmoid", "1 / (1 + exp(-x))", "sigmoid">;
def NN_TanhOp : NN_ActivationOp<"tanh", "tanh(x)", "tanh">;
def NN_SiluOp : NN_ActivationOp<"silu", "x · sigmoid(x)", "silu">;
def NN_HardSwishOp : NN_ActivationOp<"hard_swish", "x · max(0, min(1, x / 6 + 1/2))",
                                     "hard_swish">;

def NN_GeluOp : NN_ActivationOp<"gelu", "x · Φ(x)", "gelu"> {
  let description = [{
    `x · Φ(x)` with `Φ` the standard normal CDF, computed with `erf`, or
    with ONNX's `tanh` approximation when `approximation tanh`.

    ```mlir
    %y = nn.gelu %x approximation tanh : tensor<1x128x3072xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<NN_GeluApproximationAttr,
                         "::kiln::nn::GeluApproximation::none">:$approximation);
  let assemblyFormat = "$input (`approximation` $approximation^)? attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::kiln::nn::ActivationAttr $cppClass::getAsActivation() {
      return ::kiln::nn::ActivationAttr::get(getContext(),
          getApproximation() == ::kiln::nn::GeluApproximation::tanh
              ? ::kiln::nn::ActivationKind::gelu_tanh
              : ::kiln::nn::ActivationKind::gelu);
    }
  }];
}

def NN_LeakyReluOp : NN_ActivationOp<"leaky_relu", "x < 0 ? alpha · x : x",
                                     "leaky_relu"> {
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01">:$alpha);
  let assemblyFormat = "$input (`alpha` $alpha^)? attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::kiln::nn::ActivationAttr $cppClass::getAsActivation() {
      return ::kiln::nn::ActivationAttr::get(
          getContext(), ::kiln::nn::ActivationKind::leaky_relu,
          getAlpha().convertToDouble());
    }
  }];
}

def NN_EluOp : NN_ActivationOp<"elu", "x < 0 ? alpha · (exp(x) − 1) : x", "elu"> {
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha);
  let assemblyFormat = "$input (`alpha` $alpha^)? attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::kiln::nn::ActivationAttr $cppClass::getAsActivation() {
      return ::kiln::nn::ActivationAttr::get(
          getContext(), ::kiln::nn::ActivationKind::elu, getAlpha().convertToDouble());
    }
  }];
}

def NN_HardSigmoidOp : NN_ActivationOp<"hard_sigmoid",
    "max(0, min(1, alpha · x + beta))", "hard_sigmoid"> {
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5">:$beta);
  let assemblyFormat = [{
    $input (`alpha` $alpha^)? (`beta` $beta^)? attr-dict `:` type($input)
  }];
  let extraClassDefinition = [{
    ::kiln::nn::ActivationAttr $cppClass::getAsActivation() {
      return ::kiln::nn::ActivationAttr::get(
          getContext(), ::kiln::nn::ActivationKind::hard_sigmoid,
          getAlpha().convertToDouble(), getBeta().convertToDouble());
    }
  }];
}

def NN_SoftplusOp : NN_UnaryOp<"softplus", "log(1 + exp(x))">;
def NN_ExpOp : NN_UnaryOp<"exp", "exp(x)">;
def NN_LogOp : NN_UnaryOp<"log", "log(x)">;
def NN_SqrtOp : NN_UnaryOp<"sqrt", "sqrt(x)">;
def NN_RsqrtOp : NN_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def NN_ErfOp : NN_UnaryOp<"erf", "erf(x)">;
def NN_ReciprocalOp : NN_UnaryOp<"reciprocal", "1 / x">;
def NN_FloorOp : NN_UnaryOp<"floor", "floor(x)">;
def NN_CeilOp : NN_UnaryOp<"ceil", "ceil(x)">;
def NN_RoundOp : NN_UnaryOp<"round", "x rounded to the nearest integer, ties to even">;
def NN_SinOp : NN_UnaryOp<"sin", "sin(x)">;
def NN_CosOp : NN_UnaryOp<"cos", "cos(x)">;
def NN_AbsOp : NN_UnaryOp<"abs", "|x|", NN_NumericTensor>;
def NN_NegOp : NN_UnaryOp<"neg", "−x", NN_NumericTensor>;
def NN_SignOp : NN_UnaryOp<"sign", "−1, 0 or 1 by the sign of x", NN_NumericTensor>;
def NN_NotOp : NN_UnaryOp<"not", "logical not", NN_BoolTensor, [], "i1">;

def NN_ClipOp : NN_Op<"clip", [Pure, SameOperandsAndResultType,
    InferTypeOpInterface,
    DeclareOpInterfaceMethods<NN_PointwiseOpInterface, ["getAsActivation"]>]> {
  let summary = "clamp to a range";
  let description = [{
    `min(max(x, min), max)`; either bound may be absent, not both (ONNX
    `Clip`, whose bound inputs the importer requires to be constant; a clip
    without bounds is an identity the importer drops). `relu6` is
    `clip min 0.0 max 6.0`.

    ```mlir
    %y = nn.clip %x min 0.0 max 6.0 : tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$input,
                       OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let results = (outs NN_NumericTensor:$result);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Binary, with numpy broadcasting
//===----------------------------------------------------------------------===//

class NN_BinaryOp<string mnemonic, string formula, Type type, Type resultType,
                  bit boolResult = 0, list<Trait> traits = [],
                  string exampleElement = "f32">
    : NN_Op<mnemonic, traits # [Pure, NN_PointwiseOpInterface,
                                InferTypeOpAdaptorWithIsCompatible]> {
  let summary = "elementwise " # formula # " with broadcasting";
  let description = [{
    Computes `}] # formula # [{` element by element after numpy broadcasting
    of the operands, which have the same element type.

    ```mlir
    %z = nn.}] # mnemonic # [{ %x, %y
         : (tensor<8x1x16x}] # exampleElement # [{>, tensor<4x1x}] # exampleElement #
         [{>) -> tensor<8x4x16x}] # !if(boolResult, "i1", exampleElement) # [{>
    ```
  }];
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs resultType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = !strconcat([{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::kiln::nn::inferElementwiseResult(
          context, location, adaptor.getOperands().getTypes(),
          /*boolResult=*/}] # !if(boolResult, "true", "false") # [{, inferred);
    }
  }], NN_QuantizableResultDefs.isCompatibleReturnTypes);
}

class NN_ArithOp<string mnemonic, string formula, list<Trait> traits = []>
    : NN_BinaryOp<mnemonic, formula, NN_NumericTensor, NN_NumericTensor, 0, traits>;

def NN_AddOp : NN_BinaryOp<"add", "x + y", NN_ArithmeticTensor, NN_ArithmeticTensor, 0,
    [NN_QuantizableOpInterface, Commutative]>;
def NN_SubOp : NN_ArithOp<"sub", "x − y">;
def NN_MulOp : NN_ArithOp<"mul", "x · y", [Commutative]>;
def NN_DivOp : NN_ArithOp<"div", "x / y (truncating for integers)">;
def NN_PowOp : NN_ArithOp<"pow", "x ^ y">;
def NN_MaxOp : NN_ArithOp<"max", "max(x, y)", [Commutative]>;
def NN_MinOp : NN_ArithOp<"min", "min(x, y)", [Commutative]>;
def NN_PReluOp : NN_ArithOp<"prelu", "x < 0 ? slope · x : x"> {
  let description = [{
    ONNX `PRelu`: `lhs < 0 ? rhs · lhs : lhs`, where the slope `rhs`
    broadcasts to the shape of `lhs` (in one direction only), so the result
    has the shape of `lhs`.

    ```mlir
    %y = nn.prelu %x, %slope
         : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let extraClassDefinition = !strconcat([{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::kiln::nn::inferPReluResult(location, adaptor.getLhs().getType(),
                                          adaptor.getRhs().getType(), inferred);
    }
  }], NN_QuantizableResultDefs.isCompatibleReturnTypes);
}

def NN_ModOp : NN_BinaryOp<"mod", "x mod y", NN_NumericTensor, NN_NumericTensor> {
  let description = [{
    ONNX `Mod`: with `fmod` the result takes the sign of the dividend (C's
    `fmod`, required for floats); otherwise of the divisor (Python's `%`).

    ```mlir
    %z = nn.mod %x, %y fmod : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$lhs, NN_NumericTensor:$rhs,
                       UnitAttr:$fmod);
  let assemblyFormat = [{
    $lhs `,` $rhs (`fmod` $fmod^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class NN_CompareOp<string mnemonic, string formula, list<Trait> traits = []>
    : NN_BinaryOp<mnemonic, formula, NN_NumericTensor, NN_BoolTensor, 1, traits>;

def NN_EqualOp : NN_BinaryOp<"equal", "x == y", NN_NumericOrBoolTensor,
                             NN_BoolTensor, 1, [Commutative]>;
def NN_GreaterOp : NN_CompareOp<"greater", "x > y">;
def NN_GreaterEqualOp : NN_CompareOp<"greater_equal", "x >= y">;
def NN_LessOp : NN_CompareOp<"less", "x < y">;
def NN_LessEqualOp : NN_CompareOp<"less_equal", "x <= y">;

class NN_LogicOp<string mnemonic, string formula>
    : NN_BinaryOp<mnemonic, formula, NN_BoolTensor, NN_BoolTensor, 1, [Commutative],
                  "i1">;

def NN_AndOp : NN_LogicOp<"and", "x and y">;
def NN_OrOp : NN_LogicOp<"or", "x or y">;
def NN_XorOp : NN_LogicOp<"xor", "x xor y">;

def NN_WhereOp : NN_Op<"where", [Pure, InferTypeOpAdaptor, NN_PointwiseOpInterface]> {
  let summary = "select by a condition, with broadcasting";
  let description = [{
    `condition ? x : y` element by element after broadcasting all three.

    ```mlir
    %z = nn.where %mask, %x, %y : tensor<1x1x128x128xi1>, tensor<1x12x128x128xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins NN_BoolTensor:$condition, NN_AnyTensor:$x, NN_AnyTensor:$y);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` type(operands)";
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def NN_CastOp : NN_Op<"cast", [Pure, SameOperandsAndResultShape,
                               NN_PointwiseOpInterface]> {
  let summary = "convert element type";
  let description = [{
    ONNX `Cast`: float to float rounds to nearest even, float to integer
    truncates toward zero, integer to bool is `x != 0`.

    ```mlir
    %y = nn.cast %x : tensor<1x3x224x224xf32> to tensor<1x3x224x224xf16>
    ```
  }];
  let arguments = (ins NN_NumericOrBoolTensor:$input);
  let results = (outs NN_NumericOrBoolTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// Whether both element types are float types (f64, f32, f16, bf16): a
    /// rounding, which a kernel that moves elements can do as it moves them.
    bool isFloatToFloat();
  }];
}

def NN_QuantizeOp : NN_Op<"quantize", [Pure, SameOperandsAndResultShape,
                                       NN_PointwiseOpInterface]> {
  let summary = "quantize a float tensor (ONNX QuantizeLinear)";
  let description = [{
    `saturate(round_half_to_even(x / scale) + zero_point)` into the storage
    type of the result's quantized element type, which carries the scale and
    zero point: per tensor, or per channel along its quantized dimension.

    ```mlir
    %q = nn.quantize %x : tensor<1x64x56x56xf32>
                          to tensor<1x64x56x56x!quant.uniform<i8:f32, 0.0235>>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def NN_DequantizeOp : NN_Op<"dequantize", [Pure, InferTypeOpAdaptor,
                                           NN_PointwiseOpInterface]> {
  let summary = "dequantize to the expressed float type (ONNX DequantizeLinear)";
  let description = [{
    `(q − zero_point) · scale`, into the float type the quantized element
    type expresses.

    ```mlir
    %x = nn.dequantize %q : tensor<64x!quant.uniform<i8:f32, 0.5>>
    ```
  }];
  let arguments = (ins NN_QuantTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // KILN_NN_ELEMENTWISE_OPS
