//===- NNShapeOps.td - data movement and shape manipulation -*- tablegen -*-===//
//
// Ops that move or select elements without arithmetic on them ("shuffles" in
// TensorRT's words). All accept quantized tensors and commute with
// quantization, except where noted.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_NN_SHAPE_OPS
#define KILN_NN_SHAPE_OPS

include "dialects/nn/NNOpBase.td"

class NN_ShuffleOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, traits # [Pure, NN_QuantCommutingOpInterface]>;

def NN_ConcatOp : NN_ShuffleOp<"concat", [InferTypeOpAdaptor]> {
  let summary = "concatenation along an axis";
  let description = [{
    Joins `inputs` (same rank, equal sizes except along `axis`, equal
    element types; quantized inputs must share one scale) along `axis`.

    With `in_place` (set by `kiln-eliminate-concat`) no copy is made: each
    input's producer writes straight into its slice of the result, so the
    memory planner allocates every input as a view of the result. That needs
    each input to be computed by a layer for this concat alone.

    ```mlir
    %y = nn.concat %a, %b axis 1 : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
    %z = nn.concat %c, %d axis 1 in_place : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_AnyTensor>:$inputs,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       UnitAttr:$in_place);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = [{
    $inputs `axis` $axis (`in_place` $in_place^)? attr-dict `:` type($inputs)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Why `input` cannot be written in place into this concat's result, or
    /// null when it can.
    const char *whyNotInPlace(::mlir::Value input);
  }];
}

def NN_SplitOp : NN_ShuffleOp<"split", [InferTypeOpAdaptor]> {
  let summary = "split into pieces along an axis";
  let description = [{
    Cuts `input` along `axis` into pieces of the given `sizes`, which sum to
    that dimension (ONNX `Split`; the importer resolves `num_outputs`).

    ```mlir
    %a, %b, %c = nn.split %x axis 2 sizes [768, 768, 768] : tensor<1x128x2304xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<NN_AnyTensor>:$results);
  let assemblyFormat = "$input `axis` $axis `sizes` $sizes attr-dict `:` type($input)";
}

def NN_SliceOp : NN_ShuffleOp<"slice", [InferTypeOpAdaptor]> {
  let summary = "strided slice with static bounds";
  let description = [{
    Takes elements `starts[i], starts[i] + steps[i], …` up to but excluding
    `ends[i]` in every dimension, as ONNX `Slice` after its bounds are
    clamped: `0 ≤ start ≤ dim` and `0 ≤ end ≤ dim` for positive steps,
    `0 ≤ start < dim` and `-1 ≤ end < dim` for negative steps (with `-1`
    meaning "through index 0"). There is one entry per dimension.

    ```mlir
    %y = nn.slice %x starts [0, 0, 2] ends [1, 128, 10] steps [1, 1, 2]
         : tensor<1x128x16xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input,
                       DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends,
                       DenseI64ArrayAttr:$steps);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = [{
    $input `starts` $starts `ends` $ends `steps` $steps attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def NN_ReshapeOp : NN_ShuffleOp<"reshape"> {
  let summary = "reinterpret a tensor with another shape";
  let description = [{
    The elements in row-major order, with the result type's shape (same
    element type and count). ONNX `Reshape`, `Squeeze`, `Unsqueeze` and
    `Flatten` become this op once their shapes are known.

    ```mlir
    %y = nn.reshape %x : tensor<1x2048x1x1xf32> to tensor<1x2048xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_FlattenOp : NN_ShuffleOp<"flatten", [InferTypeOpAdaptor]> {
  let summary = "collapse into a matrix at an axis";
  let description = [{
    ONNX `Flatten`: dimensions before `axis` become the rows, the rest the
    columns of a 2-D result.

    ```mlir
    %y = nn.flatten %x axis 1 : tensor<1x2048x1x1xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
}

def NN_TransposeOp : NN_ShuffleOp<"transpose", [InferTypeOpAdaptor]> {
  let summary = "permute dimensions";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.

    ```mlir
    %y = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$input `permutation` $permutation attr-dict `:` type($input)";
  let hasFolder = 1;
}

def NN_PadOp : NN_ShuffleOp<"pad", [InferTypeOpAdaptor]> {
  let summary = "pad (or crop, with negative amounts) every dimension";
  let description = [{
    ONNX `Pad` with static amounts: `pads` lists all the begins then all the
    ends; a negative amount removes elements. `mode` fills the new elements
    with `value` (`constant`), by mirroring without the edge (`reflect`), by
    repeating the edge (`edge`) or by wrapping around (`wrap`).

    ```mlir
    %y = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<NN_PadModeAttr, "::kiln::nn::PadMode::constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = [{
    $input `pads` $pads (`mode` $mode^)? (`value` $value^)? attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def NN_GatherOp : NN_ShuffleOp<"gather", [InferTypeOpAdaptor]> {
  let summary = "gather slices along an axis by index";
  let description = [{
    ONNX `Gather`: the result is `data` with dimension `axis` replaced by
    the dimensions of `indices` (negative indices count from the end).

    ```mlir
    %y = nn.gather %table, %ids axis 0 : tensor<30522x768xf32>, tensor<1x128xi64>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$data, NN_IndexTensor:$indices,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$data `,` $indices `axis` $axis attr-dict `:` type(operands)";
}

def NN_GatherElementsOp : NN_ShuffleOp<"gather_elements", [InferTypeOpAdaptor]> {
  let summary = "gather single elements along an axis by index";
  let description = [{
    ONNX `GatherElements`: `result[i…] = data[i… with index(axis) replaced
    by indices[i…]]`; the result has the shape of `indices`.

    ```mlir
    %y = nn.gather_elements %x, %idx axis 1 : tensor<3x4xf32>, tensor<3x2xi64>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$data, NN_IndexTensor:$indices,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$data `,` $indices `axis` $axis attr-dict `:` type(operands)";
}

def NN_ResizeOp : NN_Op<"resize", [Pure,
    DeclareOpInterfaceMethods<NN_QuantCommutingOpInterface,
                              ["commutesWithQuantization"]>]> {
  let summary = "resize by interpolation";
  let description = [{
    ONNX `Resize` (and `Upsample`) with a static output shape, which the
    result type gives. `scales` (one per dimension) are kept when the model
    gave them, since the coordinate transform uses them rather than the
    ratio of sizes. Nearest-neighbour resizing commutes with quantization.

    `tf_crop_and_resize` samples the region of interest `roi` (ONNX's
    normalized `[start_0, ..., start_n-1, end_0, ..., end_n-1]`, one start
    and one end per dimension; without it the whole input, `[0, 1]`), and an
    output coordinate whose input coordinate falls outside the input takes
    `extrapolation_value`. `tf_half_pixel_for_nn` (ONNX Resize-11 and 12)
    maps `x` to `(x + 0.5) / scale`.

    ```mlir
    %y = nn.resize %x mode nearest coordinate_transform asymmetric
           nearest_mode floor scales [1.0, 1.0, 2.0, 2.0]
         : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>

    %c = nn.resize %x mode linear coordinate_transform tf_crop_and_resize
           extrapolation_value 10.0 roi [0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 1.2, 1.7]
         : tensor<1x1x4x4xf32> to tensor<1x1x3x3xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input,
                       NN_ResizeModeAttr:$mode,
                       DefaultValuedAttr<NN_CoordinateTransformAttr,
                         "::kiln::nn::CoordinateTransform::half_pixel">:$coordinate_transform,
                       DefaultValuedAttr<NN_NearestModeAttr,
                         "::kiln::nn::NearestMode::round_prefer_floor">:$nearest_mode,
                       DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside,
                       DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value,
                       OptionalAttr<DenseF32ArrayAttr>:$scales,
                       OptionalAttr<DenseF32ArrayAttr>:$roi);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = [{
    $input `mode` $mode (`coordinate_transform` $coordinate_transform^)?
    (`nearest_mode` $nearest_mode^)? (`cubic_coeff_a` $cubic_coeff_a^)?
    (`exclude_outside` $exclude_outside^)?
    (`extrapolation_value` $extrapolation_value^)? (`scales` $scales^)?
    (`roi` $roi^)?
    attr-dict `:` type($input) `to` type($result)
  }];
  let hasVerifier = 1;
}

def NN_ExpandOp : NN_ShuffleOp<"expand", [InferTypeOpAdaptor]> {
  let summary = "broadcast to a shape";
  let description = [{
    ONNX `Expand`: the result shape is the numpy broadcast of the input's
    shape and `shape` (so a 1 in `shape` keeps the input's size).

    ```mlir
    %y = nn.expand %x shape [4, 3, 8] : tensor<3x1xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$input `shape` $shape attr-dict `:` type($input)";
  let hasFolder = 1;
}

def NN_TileOp : NN_ShuffleOp<"tile", [InferTypeOpAdaptor]> {
  let summary = "repeat a tensor along each dimension";
  let description = [{
    ONNX `Tile`: dimension `i` is repeated `repeats[i]` times.

    ```mlir
    %y = nn.tile %x repeats [1, 2] : tensor<3x4xf32>
    ```
  }];
  let arguments = (ins NN_AnyTensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs NN_AnyTensor:$result);
  let assemblyFormat = "$input `repeats` $repeats attr-dict `:` type($input)";
  let hasFolder = 1;
}

#endif // KILN_NN_SHAPE_OPS
