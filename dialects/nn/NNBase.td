//===- NNBase.td - the nn dialect and its type constraints -*- tablegen -*-===//
//
// The graph-level dialect of Kiln: one op per concept users know from ONNX and
// TensorRT, on ranked tensors, with result types inferred by the ops.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_NN_BASE
#define KILN_NN_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::kiln::nn";
  let summary = "Kiln's graph-level dialect of neural-network layers";
  let description = [{
    The `nn` dialect holds a trained network as a graph of layers on ranked
    tensors. Each op is one concept that users know from ONNX and TensorRT
    (a convolution, a pooling window, a softmax, an elementwise activation),
    carries the attributes that Kiln's graph passes need, and infers its own
    result type, so the dialect does not rely on ONNX shape inference.

    Quantized tensors use the element types of MLIR's `quant` dialect: a
    tensor of `!quant.uniform<i8:f32, 0.05>` is an INT8 tensor whose real
    value is `0.05 * q`. Per-channel scales use the per-axis form
    `!quant.uniform<i8:f32:0, {0.1, 0.2}>`. The quantization of a layer's
    inputs and output is therefore visible in its types; `nn.quantize` and
    `nn.dequantize` move between the two worlds.

    Conventions: convolutions, pooling and normalizations default to
    channels-first (`NC…`) tensors; the `layout` attribute marks those a
    layout pass has turned channels-last (`N…C`). Pads are listed as all the
    begins followed by all the ends, as in ONNX. Axes are non-negative once
    in the dialect (the importer normalizes ONNX's negative axes).

    Large weights live in `nn.constant` ops as `dense_resource` blobs.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def NN_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def NN_Int : AnyTypeOf<[I8, I16, I32, I64, UI8, UI16, UI32, UI64], "integer">;
def NN_Bool : TypeAlias<I1, "boolean">;
def NN_Index : AnyTypeOf<[I32, I64], "32- or 64-bit index">;
def NN_Quantized : Type<CPred<"::llvm::isa<::mlir::quant::UniformQuantizedType,"
                              "::mlir::quant::UniformQuantizedPerAxisType>($_self)">,
                        "uniformly quantized">;

def NN_FloatTensor : RankedTensorOf<[NN_Float]>;
def NN_FloatOrQuantTensor : RankedTensorOf<[NN_Float, NN_Quantized]>;
def NN_NumericTensor : RankedTensorOf<[NN_Float, NN_Int]>;
def NN_ArithmeticTensor : RankedTensorOf<[NN_Float, NN_Int, NN_Quantized]>;
def NN_NumericOrBoolTensor : RankedTensorOf<[NN_Float, NN_Int, NN_Bool]>;
def NN_AnyTensor : RankedTensorOf<[NN_Float, NN_Int, NN_Bool, NN_Quantized]>;
def NN_BoolTensor : RankedTensorOf<[NN_Bool]>;
def NN_IndexTensor : RankedTensorOf<[NN_Index]>;
def NN_I64Tensor : RankedTensorOf<[I64]>;
def NN_QuantTensor : RankedTensorOf<[NN_Quantized]>;
def NN_StorageTensor : RankedTensorOf<[I8, UI8, I32]>;

#endif // KILN_NN_BASE
