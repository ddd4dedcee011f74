//===- NNPoolReduceOps.td - pooling, reductions, arg/top-k, scans -*- tablegen -*-===//

#ifndef KILN_NN_POOL_REDUCE_OPS
#define KILN_NN_POOL_REDUCE_OPS

include "dialects/nn/NNOpBase.td"

/// What nn.pool takes: ONNX MaxPool's types (floats, int8, uint8) and
/// quantized values.
def NN_PoolTensor : RankedTensorOf<[NN_Float, I8, UI8, NN_Quantized]>;

def NN_PoolOp : NN_Op<"pool", [Pure, NN_InferQuantizableResult,
    DeclareOpInterfaceMethods<NN_QuantizableOpInterface, ["isQuantizable"]>,
    DeclareOpInterfaceMethods<NN_QuantCommutingOpInterface,
                              ["commutesWithQuantization"]>,
    NN_LayoutSensitiveOpInterface]> {
  let summary = "max or average pooling over a sliding window";
  let description = [{
    ONNX `MaxPool` / `AveragePool` over the spatial dimensions of an
    `N × C × D…` tensor. With `ceil_mode` the output size rounds up (a
    window may start in the padding but never only in it); with
    `count_include_pad` an average divides by the full window size, else by
    the number of elements inside the input. `dilations` apply to max pools.
    Max pooling commutes with quantization; average pooling is quantizable.
    Max pooling also takes integers (ONNX `MaxPool` of `uint8` and `int8`);
    average pooling needs floats or quantized values. A max pool may
    quantize a float input (a quantized result type, 8-bit, per tensor or per
    channel): the max pool of the quantized input, in one layer, NaN counting
    as 0 as it quantizes to the zero point (`kiln-convert-nn-to-engine` folds
    a quantize left on its own into the max pool it feeds).

    ```mlir
    %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1]
           dilations [1, 1]
         : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins NN_PoolTensor:$input,
                       NN_PoolKindAttr:$kind,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       UnitAttr:$ceil_mode,
                       UnitAttr:$count_include_pad,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let results = (outs NN_PoolTensor:$result);
  let assemblyFormat = [{
    $kind $input `kernel` $kernel `strides` $strides `pads` $pads
    `dilations` $dilations (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` $count_include_pad^)? (`layout` $layout^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  // A max pool may also quantize a float input, whatever float type its
  // quantized type expresses (the verifier checks the rest).
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r) {
      return ::kiln::nn::isCompatibleQuantizedReturnTypes(l, r) ||
             ::kiln::nn::isQuantizingPoolResult(l, r);
    }
  }];
}

def NN_MaxPoolIndicesOp : NN_Op<"max_pool_indices", [Pure, InferTypeOpAdaptor]> {
  let summary = "where the maximum of each max-pooling window lies";
  let description = [{
    ONNX `MaxPool`'s optional `Indices` output, beside the `nn.pool max` of
    the same window: for each window of the channels-first `N × C × D…`
    input, the index (`i64`) of its maximum in the whole input flattened
    (batch and channel included, padding not), row-major over the spatial
    dimensions or, with `column_major` (ONNX `storage_order = 1`),
    column-major. Ties go to the first tap in window order (last spatial
    dimension fastest); NaNs are never the maximum.

    ```mlir
    %i = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0]
           dilations [1, 1] : (tensor<1x3x4x4xf32>) -> tensor<1x3x2x2xi64>
    ```
  }];
  let arguments = (ins NN_PoolTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       UnitAttr:$ceil_mode,
                       UnitAttr:$column_major);
  let results = (outs NN_I64Tensor:$result);
  let assemblyFormat = [{
    $input `kernel` $kernel `strides` $strides `pads` $pads
    `dilations` $dilations (`ceil_mode` $ceil_mode^)?
    (`column_major` $column_major^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NN_GlobalPoolOp : NN_Op<"global_pool", [Pure, NN_InferQuantizableResult,
    DeclareOpInterfaceMethods<NN_QuantizableOpInterface, ["isQuantizable"]>,
    DeclareOpInterfaceMethods<NN_QuantCommutingOpInterface,
                              ["commutesWithQuantization"]>,
    NN_LayoutSensitiveOpInterface]> {
  let summary = "max or average over all spatial dimensions";
  let description = [{
    ONNX `GlobalMaxPool` / `GlobalAveragePool`: every spatial dimension of
    the result is 1.

    ```mlir
    %y = nn.global_pool avg %x
         : (tensor<1x2048x7x7xf32>) -> tensor<1x2048x1x1xf32>
    ```
  }];
  let arguments = (ins NN_PoolTensor:$input,
                       NN_PoolKindAttr:$kind,
                       DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout);
  let results = (outs NN_FloatOrQuantTensor:$result);
  let assemblyFormat = [{
    $kind $input (`layout` $layout^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDefinition = NN_QuantizableResultDefs.isCompatibleReturnTypes;
}

def NN_ReduceOp : NN_Op<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "reduction over a set of axes";
  let description = [{
    Reduces `input` over `axes` (non-empty, sorted, unique, in range; the
    importer expands ONNX's "all axes" default) with one of the
    ONNX reductions: `sum`, `mean`, `max`, `min`, `prod`, `l1` (Σ|x|), `l2`
    (sqrt Σx²), `sum_square`, `log_sum`, `log_sum_exp`. Without `keep_dims`
    the reduced dimensions are removed. Accumulation is in at least FP32.

    ```mlir
    %y = nn.reduce mean %x axes [2, 3] keep_dims
         : tensor<1x2048x7x7xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$input,
                       NN_ReduceKindAttr:$kind,
                       DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs NN_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $input `axes` $axes (`keep_dims` $keep_dims^)? attr-dict `:` type($input)
  }];
}

class NN_ArgOp<string mnemonic, string extreme>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "index of the " # extreme # " along an axis";
  let description = [{
    The index (`i64`) of the }] # extreme # [{ element along `axis`, as ONNX
    `ArgMax`/`ArgMin`; ties go to the first index unless
    `select_last_index`.

    ```mlir
    %i = nn.}] # mnemonic # [{ %x axis 1 keep_dims : tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       UnitAttr:$keep_dims,
                       UnitAttr:$select_last_index);
  let results = (outs NN_I64Tensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis (`keep_dims` $keep_dims^)?
    (`select_last_index` $select_last_index^)? attr-dict `:` type($input)
  }];
}

def NN_ArgMaxOp : NN_ArgOp<"arg_max", "largest">;
def NN_ArgMinOp : NN_ArgOp<"arg_min", "smallest">;

def NN_TopKOp : NN_Op<"top_k", [Pure, InferTypeOpAdaptor]> {
  let summary = "the k largest (or smallest) elements along an axis";
  let description = [{
    ONNX `TopK` with a constant `k`: the `values` and their `indices`
    (`i64`) along `axis`, largest first unless `smallest`, in sorted order
    unless `unsorted`. Equal values keep the lower index first.

    ```mlir
    %v, %i = nn.top_k %x k 5 axis 1 : tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$k,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       UnitAttr:$smallest,
                       UnitAttr:$unsorted);
  let results = (outs NN_NumericTensor:$values, NN_I64Tensor:$indices);
  let assemblyFormat = [{
    $input `k` $k `axis` $axis (`smallest` $smallest^)? (`unsorted` $unsorted^)?
    attr-dict `:` type($input)
  }];
}

def NN_CumSumOp : NN_Op<"cumsum", [Pure, SameOperandsAndResultType,
                                   InferTypeOpInterface]> {
  let summary = "cumulative sum along an axis";
  let description = [{
    ONNX `CumSum` with a constant axis: inclusive unless `exclusive`, from
    the start unless `reverse`.

    ```mlir
    %y = nn.cumsum %x axis 1 exclusive : tensor<2x5xf32>
    ```
  }];
  let arguments = (ins NN_NumericTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       UnitAttr:$exclusive,
                       UnitAttr:$reverse);
  let results = (outs NN_NumericTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

#endif // KILN_NN_POOL_REDUCE_OPS
