//===- Passes.td - Kiln's passes -*- tablegen -*-===//
//
// Every pass of the compiler: its argument (`kiln-<verb>-<object>`), summary,
// options. Graph passes run on `func.func` bodies of nn ops. Statistics are
// `kiln::PassStatistic` members of the passes (passes/PassStatistics.h): ODS
// statistics count nothing in a release build of LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES
#define KILN_PASSES

include "mlir/Pass/PassBase.td"

def EliminateDeadLayersPass
    : Pass<"kiln-eliminate-dead-layers", "::mlir::func::FuncOp"> {
  let summary = "Remove layers whose results are never used";
  let description = [{
    Erases side-effect-free nn ops none of whose results are used, repeatedly,
    so whole dead branches disappear (an ONNX model's unused outputs of Split
    or TopK, a branch only a removed output read).
  }];
}

def FoldConstantsPass : Pass<"kiln-fold-constants", "::mlir::func::FuncOp"> {
  let summary = "Evaluate layers whose inputs are all constant";
  let description = [{
    Every nn layer whose operands are all `nn.constant`s is evaluated by the
    reference interpreter (so folding computes exactly what the layer
    means, in its element type) and replaced by a constant; large results
    become `dense_resource` blobs rather than text. This is what turns
    batch-norm folding's weight arithmetic, cast weights and PyTorch's
    shape subgraphs into plain weights. Results larger than `max-elements`
    stay unevaluated (an expand of a splat to a huge tensor is cheaper to
    compute than to store).
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 26",
           "Do not fold layers whose results hold more elements than this">
  ];
}

def FoldBatchNormPass : Pass<"kiln-fold-batchnorm", "::mlir::func::FuncOp"> {
  let summary = "Fold inference batch normalization into the layer before it";
  let description = [{
    `batch_norm(conv(x, w, b))` becomes `conv(x, w · s, (b − mean) · s + β)`
    with `s = γ / sqrt(var + ε)` per output channel; likewise for
    conv_transpose (one group), gemm (`beta` 1) and 2-D matmul, whose output
    channels are the result's last dimension. The new weights are written as
    nn arithmetic on the old ones, which `kiln-fold-constants` evaluates.

    The producer must feed only the batch norm and carry no residual or
    activation (those come after the normalization). A batch norm with no
    such producer becomes a per-channel scale, `x · s + (β − mean · s)`,
    which later fuses like any multiply-add.

    This changes numerics by rounding, so it is a pass of its own, never a
    canonicalization.
  }];
  let options = [
    Option<"lowerUnfused", "lower-unfused", "bool", /*default=*/"true",
           "Rewrite batch norms that cannot fold into per-channel mul + add">
  ];
}

def FuseLayersPass : Pass<"kiln-fuse-layers", "::mlir::func::FuncOp"> {
  let summary = "Fuse layers: epilogues, pad + conv, softmax + log, softmax formulas, "
                "reduce → pool, shuffle chains, identity arithmetic";
  let description = [{
    The layer fusions of TensorRT's catalog (seeds/). Into neighbours:
    - `conv(pad(x))` with zero constant spatial padding → conv of x with the
      padding added to its own;
    - `log(softmax(x))` → `log_softmax(x)`;
    - softmax and log_softmax written out as ONNX's function bodies define
      them (`m = max(x)`, `e = exp(x − m)`, then `e / Σe` or
      `(x − m) − log Σe`, both reductions over the same one axis, keeping
      it) → `softmax` / `log_softmax`, whose kernel subtracts in FP32;
    - a float mean or max reduction over exactly the spatial dimensions →
      `global_pool` (plus a reshape without keep_dims);
    - `transpose(transpose(x))` → one transpose (or none); `flatten` → the
      reshape it is, so reshape chains collapse;
    - shuffle + reduce: a reduction of `transpose(x)` reduces x over the
      permuted axes, followed by a transpose of the kept dimensions only (a
      reshape, or nothing, when their order is kept); a reduction of
      `reshape(x)` reduces x when the reshape splits or merges runs of
      dimensions each wholly reduced or wholly kept, followed by a reshape
      of the smaller result (a run mixing reduced and kept dimensions stays);
    - conv + pool: an average pool without padding after a float conv
      without activation or residual (whose result only the pool reads)
      becomes one conv: the filter spread over the pool's window and divided
      by its size, stride conv × pool, the conv's bias; only where the merged
      conv takes no more multiply-adds than the conv alone (DenseNet's 1×1
      conv + 2×2/2 pool: a 2×2/2 conv). Max pools and activations between
      are not linear and stay;
    - `x · 1`, `x / 1`, `x + 0`, `x − 0` → `x` where no broadcast grows x;
    - activations exported as arithmetic become the activation, so they
      fuse into epilogues: `x · sigmoid(x)` → silu, `x · hard_sigmoid(x)` →
      hard_swish, and the erf form of GELU → gelu.
    Into conv, conv_transpose, matmul and gemm epilogues:
    - `add(op, c)` where `c` is a per-output-channel constant becomes the
      op's bias (added to an existing bias);
    - `add(op, r)` where `r` has the result's shape becomes the op's
      residual, when the op has no residual and no activation yet;
    - an activation (relu, clip, leaky_relu, elu, sigmoid, tanh, gelu,
      silu, hard_sigmoid, hard_swish) after the op becomes its activation.
    The layer before an epilogue fusion must feed only the fused op. The fused layer's location joins the names of
    the layers it covers (`conv1 + bn1 + relu1` in reports).
  }];
  let options = [
    Option<"fuseResidual", "fuse-residual", "bool", /*default=*/"true",
           "Fuse elementwise residual adds into the epilogue">,
    Option<"fuseActivation", "fuse-activation", "bool", /*default=*/"true",
           "Fuse activations into the epilogue">
  ];
}

def FuseAttentionPass : Pass<"kiln-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Replace exported scaled dot-product attention by one nn.attention";
  let description = [{
    Finds, from each softmax over the last dimension of a rank-4 float
    tensor, the attention an exporter writes (torch.onnx.export of a
    transformer with SDPA attention, and its variants) and replaces it by
    one `nn.attention`, which cuDNN runs as one fused flash-attention step:
    - `s = matmul(q', kᵀ')` where `q'` and `kᵀ'` are q and kᵀ each
      multiplied or divided by scalar constants (any number, or none);
    - optionally more scalar factors on `s`, then optionally `add(s, mask)`
      with a rank-4 mask broadcasting to the scores (the op's `bias`);
    - `p = softmax(s, axis 3)` (or the softmax written out as ONNX's
      function body, which the pass first makes one softmax, as
      kiln-fuse-layers does), optionally `where(isnan(p), 0, p)` (imported
      as `where(not(equal(p, p)), 0, p)`), then `o = matmul(p, v)`.
    The scale is the product of all the factors. Every intermediate value
    must feed only the next step; q, kᵀ, v and o are static rank-4 tensors
    of one float type (`B × H × Sq × D`, `B × H × D × Skv`,
    `B × H × Skv × Dv`), and neither matmul has an epilogue.

    Layout: when q and v are `transpose [0, 2, 1, 3]` of `B × S × H × D`
    tensors, kᵀ is `transpose [0, 2, 3, 1]` of one (one transpose, or a
    chain composing to it, such as `[0, 1, 3, 2]` of k's head transpose),
    and o's only user is `transpose [0, 2, 1, 3]`, the attention takes the
    projections directly in layout `bshd` and replaces that output
    transpose; the head transposes left without users are removed.
    Otherwise the layout is `bhsd`, with k read through kᵀ's transposes
    where they compose to `[0, 1, 3, 2]`, else one new transpose.

    A fully masked row, NaN in the unfused graph without the guard, is 0
    in `nn.attention`. The scale is applied once to q · kᵀ rather than to
    each factor, so the rounding differs slightly. An attention one of whose
    layers a `layer-precision` entry keeps in FP32 or TF32 (by layer or op
    name, as kiln-assign-precision reads them) is left unfused, since
    `nn.attention` runs only in FP16 or BF16. The fused layer's location
    names every layer it replaces.

    kiln-compile runs this pass when the precision is fp16, bf16, int8 or
    best, unless `--fuse-attention=false`.
  }];
  let options = [
    ListOption<"layerPrecision", "layer-precision", "std::string",
               "kiln-assign-precision's NAME:PRECISION constraints; attention "
               "with a layer kept in fp32 or tf32 is not fused">
  ];
}

def PropagateQDQPass : Pass<"kiln-propagate-qdq", "::mlir::ModuleOp"> {
  let summary = "Move dequantize forward and quantize backward through layers "
                "that commute with quantization";
  let description = [{
    TensorRT's rule of explicit quantization: `op(dequantize(q))` becomes
    `dequantize(op(q))` and `quantize(op(x))` becomes `op(quantize(x))` for
    every layer whose `QuantCommutingOpInterface` says it commutes (max
    pool, reshape, flatten, transpose, slice, split, gather, pad with a zero
    fill, nearest resize, concat of equal scales). Sigmoid, softmax, div and
    the like do not implement the interface and are never crossed. Both
    moves are exact: the layer runs on the same integers.

    Per-axis quantized tensors are not moved (a shuffle would move their
    axis). A concat whose dequantized inputs have different scales is not
    crossed (a remark says so). A quantize moves backward through a layer
    whose result has several users only when every user is a quantize of
    the same type (Q1 = Q2): the equality is recorded in the module
    attribute `engine.assumptions` (`"scale(a) == scale(b)"`), which the
    engine carries so that a refit can refuse new scales that break it. A
    concat crossed backward records that each input takes the concat's
    scale. Different scales are not merged: with `strict-scales` they are
    an error naming both layers, else a warning.

    First, uint8 activations with zero point 128 (ONNX Runtime's
    `quantize_static`) are re-expressed as int8 with zero point 0: `q − 128`
    with the same scale, which is exact, since
    `clamp(round(x/s) + 128, 0, 255) − 128 = clamp(round(x/s), −128, 127)`.
    Finally `quantize(dequantize(q))` of one type becomes `q` (exact).
  }];
  let options = [
    Option<"strictScales", "strict-scales", "bool", /*default=*/"false",
           "Make quantize scales that must be equal for a propagation, and "
           "differ, an error instead of a warning">
  ];
}

def FoldEpilogueQDQPass : Pass<"kiln-fold-epilogue-qdq", "::mlir::func::FuncOp"> {
  let summary = "Remove quantize/dequantize pairs that split a linear layer "
                "from its residual add or activation";
  let description = [{
    ONNX Runtime's `quantize_static` (QDQ format) quantizes a conv's output
    before its ReLU and before the residual add, and the add's output before
    its ReLU. Those pairs keep the add and the activation out of the conv's
    epilogue, so Q/DQ would stay inside the network. This pass removes a
    pair (symmetric, per tensor, used once) between
    - a conv/conv_transpose/gemm/matmul without residual or activation and
      an add (on the add's first such operand; the other operand keeps its
      pair and becomes the INT8 residual), and
    - a linear layer without activation, or an add, and an activation an
      epilogue can apply (relu, clip, ...),
    so that `kiln-fuse-layers` builds conv + add + activation and
    `kiln-fuse-qdq` quantizes it once, at the end, as TensorRT runs it.

    This drops a rounding: the fused layer's output differs from the Q/DQ
    graph's by the removed pair's half step before the next quantize
    (about one output step when the scales are alike, as
    `quantize_static`'s are). It is off in the default pipeline (where such
    a pair is reported, rule 9) and on with `kiln-compile
    --fold-qdq-epilogues` (pipeline option `fold-qdq-epilogues`).
  }];
}

def FuseQDQPass : Pass<"kiln-fuse-qdq", "::mlir::func::FuncOp"> {
  let summary = "Absorb dequantized inputs and a quantized output into "
                "quantizable layers (INT8 layers)";
  let description = [{
    A layer of `QuantizableOpInterface` (conv, conv_transpose, gemm, matmul,
    add, average pool, global average pool) whose quantized operands all
    come from `nn.dequantize` reads the quantized tensors itself:
    - conv, conv_transpose, gemm, matmul: the data input must be dequantized;
      the weight is a dequantized quantized constant (kept as is) or a float
      constant (batch norm folded into it), quantized to int8 symmetric per
      output channel (`max |w| / 127`, exact for weights whose channels
      reach ±127, as `quantize_static`'s do). A constant bias becomes int32
      with scale `input scale × weight scale` per channel; a residual that
      is dequantized is read as INT8. The fused epilogue (bias, residual,
      activation, fused before by `kiln-fuse-layers`) stays. A following
      `nn.quantize` becomes the layer's result type, unless the residual is
      float: then the output stays float and the quantize stays (TensorRT's
      rule: a float residual limits the output to float).
    - add: both operands dequantized and the result quantized.
    - average pool, global average pool: input dequantized, result quantized.

    A quantize/dequantize pair between a linear layer and an add keeps them
    apart (the add cannot become the layer's residual). Where the pair is
    redundant (it requantizes a value already on its grid, as
    `quantize(dequantize(q))` of one type) it is removed exactly, by
    `kiln-propagate-qdq`; otherwise removing it would drop a rounding, so a
    warning names both layers and the pair stays.

    INT8 layers are symmetric: an int8 zero point other than 0 is an error
    naming the layer (uint8 with zero point 128 was shifted to int8 by
    `kiln-propagate-qdq`).
  }];
}

def CalibratePass : Pass<"kiln-calibrate", "::mlir::ModuleOp"> {
  let summary = "Implicit INT8: measure activation ranges on a calibration set "
                "and insert quantize/dequantize pairs";
  let description = [{
    Runs `main` (the float model, after batch-norm folding and epilogue
    fusion) over a calibration set (on the GPU or the reference
    interpreter: `device` below), collects
    per-tensor statistics of every activation a quantizable layer reads
    (the data inputs and residuals of conv, conv_transpose, gemm, matmul,
    the inputs of add and average pools; through max pools and shuffles
    back to the tensor they move), computes a symmetric per-tensor scale
    for each with the chosen calibrator, and inserts
    `nn.quantize`/`nn.dequantize` pairs there. Constant weights of linear
    layers become int8 per output channel (`max |w| / 127`) behind an
    `nn.dequantize`; other constant operands per tensor. `kiln-propagate-qdq`
    and `kiln-fuse-qdq` then make INT8 layers of them. Layers without an
    INT8 implementation are left in float, and so is a convolution whose
    input has too few channels for INT8 tensor cores (`int8-min-channels`,
    docs/calibration.md): it is marked `kiln.int8_kept_float` with the
    reason, which `--report` prints, and the INT8 layers that read its
    output still get their quantize. So is a layer that `layer-precision`
    constrains to a float precision (TensorRT's per-layer precision under
    implicit INT8), e.g. `fc:fp16` for the classifier. An add or average
    pool, which runs in INT8 only with a quantized result, gets its pairs
    only where its result is read quantized (by a layer that runs in INT8,
    through other adds and pools, or by a quantize, directly or through
    layers that commute with quantization, a concat included); otherwise it
    stays float (statistic `float-followers`), its inputs still measured
    for the cache. A linear layer without a constant weight (a matmul of
    two activations) has no INT8 form and gets no pairs either.

    Calibrators: `entropy` (TensorRT's KL divergence over a 2048-bin
    histogram of |x|), `minmax` (max |x|), `percentile` (the `percentile`
    of |x| on the same histogram), `mse` (the threshold whose quantization
    of the histogram has the least squared error). With `cache` naming an existing file,
    its scales are used and nothing runs (a tensor missing from it is an
    error listing every missing name); otherwise the scales are written
    there. The calibration set (`calib-dir`) holds `<input>.<index>.npy`
    (or `.pb`) files, or a folder per batch of `<input>.npy` files.

    A concat that an INT8 layer reads passes its scale to its measured
    inputs (TensorRT's rule: no requantize between a concat's inputs and
    its output); residual-add inputs keep their own scales.

    `device`: `auto` runs the batches on the GPU when one is present (an
    FP32 engine of the network whose outputs are the measured tensors, built
    with the layout and engine pipelines and run through the runtime), else
    on the reference interpreter with a remark saying why; `gpu` fails
    without one; `cpu` always uses the interpreter. Both feed the same
    statistics.
  }];
  let dependentDialects = ["::kiln::engine::EngineDialect"];
  let options = [
    Option<"device", "device", "std::string", /*default=*/"\"auto\"",
           "Where the calibration batches run: auto, gpu or cpu">,
    Option<"engineFile", "engine", "std::string", /*default=*/"",
           "Also write the FP32 engine that calibration on the GPU runs to this "
           "file (built without a GPU too, for inspection)">,
    Option<"calibDir", "calib-dir", "std::string", /*default=*/"",
           "Folder of calibration batches (.npy or ONNX .pb)">,
    Option<"calibrator", "calibrator", "std::string", /*default=*/"\"mse\"",
           "entropy, minmax, percentile or mse">,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "Percentile of |x| for the percentile calibrator">,
    Option<"cache", "cache", "std::string", /*default=*/"",
           "Calibration cache: read when it exists (calibration is skipped), "
           "else written">,
    Option<"progress", "progress", "bool", /*default=*/"true",
           "Print progress per batch to stderr">,
    Option<"int8MinChannels", "int8-min-channels", "unsigned", /*default=*/"16",
           "A convolution (not depthwise) with fewer input channels per group "
           "than this stays in float, the compile precision (INT8 tensor cores "
           "reduce 16-32 int8 per filter tap, so 3 channels waste 5-10x of the "
           "math); 0 turns the rule off">,
    Option<"int8Depthwise", "int8-depthwise", "bool", /*default=*/"true",
           "Depthwise convolutions may be INT8 (Kiln's INT8 depthwise kernel); "
           "false keeps them in float, as kiln-compile does with "
           "--depthwise-conv=cudnn, whose int8 convolutions need 4 channels per "
           "group">,
    ListOption<"layerPrecision", "layer-precision", "std::string",
               "Per-layer constraints NAME:PRECISION (layer or op name), as "
               "kiln-assign-precision takes them: a quantizable layer constrained "
               "to fp32, tf32, fp16 or bf16 is not made INT8">
  ];
}

def MergeHorizontalPass : Pass<"kiln-merge-horizontal", "::mlir::func::FuncOp"> {
  let summary = "Merge convolutions, and attention's projections, of one input into one wider layer";
  let description = [{
    Convolutions that read the same tensor with the same kernel size,
    strides, pads, dilations, layout and epilogue activation, one group and
    no residual (GoogLeNet's inception 1×1 branches) become one convolution
    whose filters and biases are concatenated along the output channels;
    each original result is a slice of the merged one. A missing bias is
    zeros. One wide convolution keeps the GPU busier than several narrow
    ones, and reads its input once.

    Matrix products of one input by constant `K × N` weights (the same `K`,
    weight type and activation, no residual) merge likewise along `N` when
    each result only feeds fused attention (`nn.attention` in layout
    `bshd`, as its q, k or v, through one reshape): BERT's Q, K and V
    projections become one GEMM three times as wide, and the lowering reads
    each slice of it as a strided view, so the merge adds no copy. Other
    products are left alone: their slices would be copies.
  }];
  let options = [
    Option<"minGroupSize", "min-group-size", "unsigned", /*default=*/"2",
           "Merge only groups of at least this many convolutions">
  ];
}

def EliminateConcatPass : Pass<"kiln-eliminate-concat", "::mlir::func::FuncOp"> {
  let summary = "Let producers write into their slice of a concatenation";
  let description = [{
    Marks `nn.concat` ops `in_place` when every input is computed by a layer
    (not a constant or an argument) that feeds only this concat: each
    producer then writes straight into its slice of the result and the copy
    disappears (GoogLeNet's inception outputs, DenseNet's blocks). A concat
    with an input that is also used elsewhere keeps its copy.
  }];
}

def SetIOTypesPass : Pass<"kiln-set-io-types", "::mlir::func::FuncOp"> {
  let summary = "Give the network's float32 inputs and outputs another type";
  let description = [{
    TensorRT's I/O formats: with `input-type=fp16` (or `bf16`) every float32
    argument of the function becomes that type, widened to float32 where it
    is read (`nn.cast`); with `output-type`, every float32 result is
    narrowed where it is returned. Other types (integers, booleans, inputs
    already in half precision) are left alone, with a warning when that
    leaves the option nothing to do; `fp32` (the default) changes nothing.
    Only the public function (the network) changes; functions it calls keep
    their types. Run before `kiln-assign-precision`, which cancels the round trip
    where a half-precision layer reads the input or writes the output, so the
    engine converts nothing at its edges.
  }];
  let dependentDialects = ["::kiln::nn::NNDialect"];
  let options = [
    Option<"inputType", "input-type", "std::string", /*default=*/"\"fp32\"",
           "Type of float32 inputs: fp32, fp16 or bf16">,
    Option<"outputType", "output-type", "std::string", /*default=*/"\"fp32\"",
           "Type of float32 outputs: fp32, fp16 or bf16">
  ];
}

def AssignPrecisionPass : Pass<"kiln-assign-precision", "::mlir::func::FuncOp"> {
  let summary = "Choose each layer's precision and insert casts at the boundaries";
  let description = [{
    Gives every float layer a precision: the global `precision`, unless a
    `layer-precision` constraint names the layer (by its location name) or
    its op type (`nn.softmax`):
    - `fp32`: float32 tensors; `tf32`: float32 tensors whose convolutions and
      matrix products may use TF32 tensor cores (marked `kiln.precision =
      "tf32"`); `fp16` / `bf16`: half-precision tensors;
    - `int8`: layers already quantized (after `kiln-fuse-qdq` or calibration)
      stay INT8 and the rest run in FP16, as in TensorRT's INT8 mode; a
      constraint asking INT8 of a layer without quantization parameters is
      an error with `constraint-mode=obey` and a warning (and the global
      precision) with `prefer`;
    - `best`: FP16 everywhere it is allowed, INT8 where quantized.
    Numerically fragile layers (softmax, log_softmax, layer, instance and
    group norm, LRN, and sum-like reductions) run in FP32 whatever the global
    mode, unless a constraint names them. Casts are inserted only where
    precision changes, one per value and type, and a round trip through a
    wider type (f16 → f32 → f16) cancels. Function arguments and results
    keep their types.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"fp32\"",
           "Global precision: fp32, tf32, fp16, bf16, int8 or best">,
    ListOption<"layerPrecision", "layer-precision", "std::string",
               "Per-layer constraints NAME:PRECISION, NAME a layer name or an op "
               "name such as nn.softmax">,
    Option<"constraintMode", "constraint-mode", "std::string", /*default=*/"\"obey\"",
           "obey: a constraint that cannot be met is an error; prefer: a warning"
           " and the global precision">
  ];
}

def ConvertLayoutPass : Pass<"kiln-convert-layout", "::mlir::func::FuncOp"> {
  let summary = "Convert layout-sensitive layers to channels-last (NHWC)";
  let description = [{
    Tensor-core convolutions want channels-last activations. Every
    channels-first convolution, pooling and normalization layer becomes
    channels-last between a transpose of its data (and filter) into NHWC and
    a transpose of its result back. The transposes then move out of the way:
    a transpose sinks below pointwise layers, slices and concatenations, two
    transposes compose (and vanish when they cancel), a transpose that only
    moves unit dimensions becomes a reshape, and a pointwise layer meeting a
    transposed operand and a function argument, a constant or a value whose
    transpose only moves unit dimensions (a squeeze-and-excitation gate,
    N×C×1×1) transposes the latter instead, so transposes end at the graph's
    edges. A transpose with several users sinks through all of them when
    each takes it and at most one carries it on to a copy that does not
    cancel within three layers (EfficientNet's gated value, read by the
    squeeze pool and by the gate's multiply); otherwise it stays.
  }];
}

def SpaceToDepthPass : Pass<"kiln-space-to-depth", "::mlir::func::FuncOp"> {
  let summary = "Make strided half-precision convs on few channels stride 1 over pixel blocks";
  let description = [{
    A half-precision channels-last 2-D convolution of stride `s` (the same
    in both dimensions, one group, no dilation) whose input channels `C` are
    not a multiple of `half-alignment` (a network's RGB stem: tensor cores
    take 3 channels only padded to 8) becomes a stride-1 convolution over
    the input's `s × s` pixel blocks folded into channels (space-to-depth),
    when that takes fewer multiply-adds per output than padding `C` to the
    alignment:
    - each pixel's channels are zero-padded to `C'`, the fewest that make
      `s² · C'` aligned, and each block's pixels become its `s² · C'`
      channels (row-major: block row, block column, channel); an input
      that is the transpose of an NCHW image is blocked from the image
      directly, one transpose instead of two, which the lowering runs as one
      kernel with the image's cast and padding;
    - the filter gets `lead = (s − pad_begin mod s) mod s` zero taps before
      its window (making the begin padding whole blocks) and zero taps after
      to a whole number of blocks `K' = ⌈(K + lead) / s⌉`, then is blocked
      the same way (the constant folding after evaluates it);
    - the blocked conv pads `(pad_begin + lead) / s` blocks before and as
      many after as its last output's window needs; bias, residual and
      activation stay. An input whose sizes are not multiples of `s`, or a
      blocked conv that would need negative padding, is left alone.
    ResNet's 7×7/2 stem over 3 channels (392 multiply-adds per output,
    padded to 8) becomes a 4×4/1 conv over 16 (256); a 3×3/2 stem (72)
    becomes 2×2/1 over 16 (64). Results are the same sums of the same
    products: only zero terms are added or dropped.
  }];
  let options = [
    Option<"halfAlignment", "half-alignment", "unsigned", /*default=*/"8",
           "Channel multiple of f16/bf16 convolutions (1 turns the pass off)">
  ];
}

def PadForAlignmentPass : Pass<"kiln-pad-for-alignment", "::mlir::func::FuncOp"> {
  let summary = "Pad convolution channels to tensor-core multiples with zeros";
  let description = [{
    Tensor cores take FP16 channels in multiples of 8. A half-precision
    (f16, bf16) convolution of one group whose input or output channel count
    is not a multiple of `half-alignment` gets:
    - input channels: its input padded with zero channels and its filter with
      zero weights for them;
    - output channels: zero filters (and zero bias) for the extra channels,
      a residual padded with zeros, and a slice back to the real channels.
    Padding never changes results: the extra inputs meet zero weights. The
    slices then move down through pointwise layers, and a convolution that
    reads a slice of trailing channels reads the whole tensor with zero
    weights for the extra channels instead, so the padding flows between
    layers and is stripped only where something else reads it (outputs,
    reshapes, concats). INT8 convolutions (quantized input and filter, after
    `kiln-fuse-qdq`) are padded to `int8-alignment` the same way: the new
    filter channels hold zeros with scale 1, the new bias channels zeros
    with scale input scale × 1, and padded activations hold the quantized
    zero (zero point 0).
  }];
  let options = [
    Option<"halfAlignment", "half-alignment", "unsigned", /*default=*/"8",
           "Channel multiple for f16/bf16 convolutions (1 turns padding off)">,
    Option<"int8Alignment", "int8-alignment", "unsigned", /*default=*/"32",
           "Channel multiple for INT8 convolutions (1 turns padding off)">
  ];
}

//===----------------------------------------------------------------------===//
// Lowering to the engine dialect
//===----------------------------------------------------------------------===//

def ConvertNNToEnginePass
    : Pass<"kiln-convert-nn-to-engine", "::mlir::ModuleOp"> {
  let summary = "Lower the optimized nn graph to the engine's steps on buffers";
  let description = [{
    Each network function on tensors becomes a function on memrefs: its
    arguments are the input bindings (`engine.input` = the tensor's
    `kiln.name`), followed by one output binding per result
    (`engine.output`); it returns nothing. Then, layer by layer:
    - `nn.constant` becomes an `engine.weight` (blobs stay blobs); small
      dense constants read by a dispatch group are cloned into it instead;
    - `nn.conv` / `nn.conv_transpose` become `engine.conv` with their
      epilogue; an activation cuDNN cannot fuse (hard sigmoid, hard swish)
      follows as a dispatch;
    - `nn.gemm` / `nn.matmul` become `engine.gemm`: a C broadcast over rows
      is the bias vector, a full C is `c` scaled by beta, a residual is `c`;
      `[B…, M, K] × [K, N]` folds the batch into M through views; batch
      broadcasting one batch stride cannot express goes to a dispatch;
      activations other than relu and gelu_tanh follow as a dispatch, except
      that erf GELU in an f16/bf16 GEMM fuses as the tanh form
      (`gelu-epilogue=auto`, the default: at most 4.8e-4 apart, under half
      an f16 ulp there; `exact` keeps it a dispatch);
    - reshapes, flattens and transposes that only move unit dimensions
      become `engine.view`s of their input's buffer (an `engine.copy` where
      that would alias an input binding or a weight with an output);
    - a transpose read only by a pad (an image's NCHW -> NHWC reformat
      ahead of its channel padding for the first conv), directly or through
      a float cast the pad's kernel does, is a strided view of its input's
      buffer: the pad's kernel gathers through the view's strides, one
      kernel instead of two; an input's float conversion read by such a
      transpose moves after it, so the view is of the binding;
    - an `in_place` concat is one allocation whose producers write straight
      into views of their slices (strided when the axis is not outermost);
    - pointwise layers group into one `engine.dispatch` per tree of
      single-use intermediates of one shape (operands may broadcast); a
      float cast (f32, f16, bf16) that no pointwise layer shares joins the
      pad it alone feeds, else the pad, transpose, softmax or normalization
      kernel it alone reads, else the pad or transpose that alone reads it:
      one kernel moves (or computes) and converts (a reformat that converts,
      as TensorRT's; statistic `fused-casts`); every other layer becomes a
      dispatch of its own.
    The layer computing a result writes into its output binding. Every step
    carries `layers` and `precision` (`allow_tf32` for TF32 convs and GEMMs).
    What cannot lower (dynamic shapes, quantized convolutions and GEMMs,
    element types the engine lacks) is an error naming the layer.

    An `nn.conv` goes to a dispatch (a generated kernel, docs/codegen.md)
    instead of cuDNN when cuDNN has no engine for it (a 1-D grouped
    convolution whose fused activation is not relu, clip or leaky relu, as
    the causal-conv node tests showed), or when it is depthwise (groups =
    input channels = output channels) and `depthwise-conv` is `auto` or
    `kernel`. An INT8 depthwise convolution (channels-last, int8 data and
    weights) then goes to a dispatch too, its whole epilogue in the kernel;
    under `cudnn` it is refused (cuDNN's int8 convolutions need 4 channels
    per group).

    An INT8 convolution runs its whole epilogue in cuDNN's graph (one step:
    per-channel scale, bias, int8 residual, relu or clip, int8 or float output;
    `Int8Lowering.cpp`) unless `int8-epilogue` is `kernel` or the layer
    needs what that graph lacks (a float residual, another activation, an
    output zero point): then cuDNN writes f32 sums and a generated kernel
    applies the epilogue.
  }];
  let options = [
    Option<"depthwiseConv", "depthwise-conv", "std::string", "\"auto\"",
           "Where depthwise convolutions run: auto (Kiln's rule; now the "
           "generated kernel), cudnn or kernel">,
    Option<"geluEpilogue", "gelu-epilogue", "std::string", "\"auto\"",
           "How an erf GELU after a GEMM runs: auto (in f16/bf16 GEMMs, cuBLASLt's "
           "GELU epilogue, its tanh form, within half an f16 ulp) or exact (a "
           "generated kernel after the GEMM)">,
    Option<"int8Epilogue", "int8-epilogue", "std::string", "\"cudnn\"",
           "Where INT8 convolutions apply their epilogue: cudnn (inside cuDNN's "
           "graph where it can run it) or kernel (always a generated kernel)">,
  ];
  let dependentDialects = ["::kiln::engine::EngineDialect"];
}

def OutlineKernelsPass : Pass<"kiln-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "Turn each dispatch group into a generated CUDA kernel and its launch";
  let description = [{
    Every `engine.dispatch` becomes an `engine.launch` of an `engine.kernel`
    whose CUDA C++ the kernel generator (`lib/target/cuda`, docs/codegen.md)
    writes for the group: one kernel per group, its shapes compiled in, its
    parameters the group's input buffers then its output buffers (strided
    views honoured). Groups whose kernels come out the same (same source
    and launch shape, e.g. the repeated blocks of a ResNet) share one
    kernel. A group the generator cannot handle is an error naming its
    layers.
  }];
  let dependentDialects = ["::kiln::engine::EngineDialect"];
}

def SelectTacticsPass : Pass<"kiln-select-tactics", "::mlir::ModuleOp"> {
  let summary = "Choose each cuDNN convolution's engine and cuBLASLt GEMM's algorithm";
  let description = [{
    For every `engine.conv` and `engine.gemm`: with a GPU, the candidates
    cuDNN (heuristics modes A and B, and its fallback list) or cuBLASLt (the
    first of its heuristic's list) offer are run on scratch memory and timed
    (warm-up, then the median of several runs, CUDA events); the fastest
    becomes the op's `engine_id`/`knobs`/`workspace` or `algo`/`workspace`,
    with a readable `tactic`. A timing cache (`timing-cache`, a JSON file
    keyed by op signature, GPU and library version) is read first: a hit is
    reused without timing; new winners are merged into it and the file is
    rewritten atomically at the end. Without a GPU, a hit is reused and a
    miss is left to the library's heuristic at load. Each op records how in
    `engine.tactic_source` (`timed` or `cache`; absent: the heuristic).

    Generated kernels whose `engine.launch` lists `variants` (grid-stride
    kernels) are tuned the same way: every variant is compiled once with
    NVRTC (all kernels in one translation unit), each is launched a few
    times on scratch memory, and the fastest becomes the launch's grid and
    block (the kernel's launch bound follows); cache entries are keyed by a
    hash of the kernel's source, its launch signature, the GPU and NVRTC's
    version (`nvrtc-version` stands for it in tests).

    `mode`: `auto` (time when a GPU is present, else the cache), `time`
    (a GPU is required), `cache` (never time), `heuristic` (leave the ops
    alone). Kernels with a body per launch variant (row kernels, depthwise
    convolutions) keep only the body of the shape they are launched with;
    `launch-variant=N` (tests) launches every kernel with its N-th variant. Without a GPU, cache entries apply when they were made with the
    cuDNN / cuBLASLt this compiler loads (or `cudnn-version` /
    `cublaslt-version`), for the compute capability of `arch`, on the GPU
    named `gpu` (any name when empty). A malformed cache is an error.

    With `int8-conv-kernel=auto`, fused INT8 convolutions that CUTLASS's
    implicit-GEMM kernels can run (channels-last, one group, int8 output, C
    and K multiples of 16) are then compared with those kernels: every configuration is compiled with
    NVRTC and timed (or taken from the cache, library `nvrtc`), and when
    the fastest beats the cuDNN engine's time the conv becomes an
    `engine.launch` of an `engine.kernel` holding it, on the same buffers.
    Without a cuDNN time cuDNN stays. `int8-conv-kernel=cutlass:<config>`
    forces a configuration on every eligible conv; `cudnn` (the default, until
    the kernels beat cuDNN on the H100: docs/codegen.md) never uses one.

    With `conv-gemm=auto` (the default), each float convolution that is a
    matrix product (channels-last, 1x1 filter, unit strides, no padding,
    one group, relu, gelu_tanh or no activation, rows evenly spaced, as in
    a concat's slice) and has a cuDNN time is compared with the cuBLASLt
    GEMM on views of the same buffers (`y[NHW, K] = act(alpha x[NHW, C]
    w[K, C]^T + bias + residual)`, timed or from the cache, library
    `cublaslt`); when the GEMM is faster it replaces the conv.
    `conv-gemm=always` (tests) replaces every eligible conv, `never` none.
  }];
  let options = [
    Option<"timingCache", "timing-cache", "std::string", /*default=*/"\"\"",
           "Timing cache file to read and update (none when empty)">,
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto, time, cache or heuristic">,
    Option<"arch", "arch", "std::string", /*default=*/"\"sm_90\"",
           "Without a GPU: the architecture whose cache entries apply">,
    Option<"minArch", "min-arch", "std::string", /*default=*/"\"\"",
           "The oldest architecture the engine's kernels are compiled for (kiln-compile's "
           "lowest --arch; empty: arch, or the GPU's): kernels needing a newer one "
           "(split-K CUTLASS convolutions, sm_90) are not chosen">,
    Option<"gpu", "gpu", "std::string", /*default=*/"\"\"",
           "Without a GPU: the GPU name whose cache entries apply (empty: any)">,
    Option<"cudnnVersion", "cudnn-version", "int", /*default=*/"0",
           "Without a GPU: the cuDNN version of cache entries (0: the loaded cuDNN's)">,
    Option<"cublasLtVersion", "cublaslt-version", "int", /*default=*/"0",
           "Without a GPU: the cuBLASLt version of cache entries (0: the loaded one's)">,
    Option<"maxWorkspace", "max-workspace", "int64_t", /*default=*/"256 << 20",
           "Candidates needing more workspace bytes are not timed">,
    Option<"progress", "progress", "bool", /*default=*/"false",
           "Print a line per op on stderr while timing">,
    Option<"nvrtcVersion", "nvrtc-version", "int", /*default=*/"0",
           "Without a GPU: the NVRTC version of kernel cache entries (0: the linked one's)">,
    Option<"launchVariant", "launch-variant", "int", /*default=*/"-1",
           "For tests: every kernel launch with variants takes variant N (from 0; the "
           "last when it has fewer) and nothing is timed">,
    Option<"int8ConvKernel", "int8-conv-kernel", "std::string", /*default=*/"\"cudnn\"",
           "Fused INT8 convolutions: cudnn (the default), auto (CUTLASS kernels timed "
           "against cuDNN), or cutlass:<config> (every eligible one takes that kernel)">,
    Option<"convGemm", "conv-gemm", "std::string", /*default=*/"\"auto\"",
           "Pointwise float convolutions as cuBLASLt GEMMs: auto (where timed faster "
           "than cuDNN), always or never">
  ];
}

def PlanMemoryPass : Pass<"kiln-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place every activation buffer in one arena";
  let description = [{
    Computes the live range of each `engine.alloc` over the step order (a
    view keeps its source alive; a step uses the buffers it reads or
    writes), then walks the steps assigning offsets in one arena: 256-byte
    aligned, best fit among the freed ranges, growing the arena only when
    none fits (as TensorRT's allocator). A pointwise dispatch's output takes
    the range of an input of the same shape and size whose last use is that
    dispatch (in place). Sets each alloc's `offset` and the module's
    `engine.arena_size`; with `report`, a remark per function gives the
    arena size against the sum of all tensors and the peak live bytes.

    Reused bytes order steps: the engine writer makes a step that writes
    bytes wait for the earlier steps that touched them (`Step.deps`), so
    reuse can serialize branches that auxiliary streams would run at once.
    With `concurrency=branches` (the default) a tensor takes only freed
    bytes whose earlier users (writers and readers, judged part by part)
    are ancestors of every step that uses it in the dataflow (the
    dependencies the steps would have if no two buffers shared a byte),
    and a pointwise output goes in place only over an input whose other
    readers the dispatch waits for anyway; otherwise the arena grows. Reuse
    then adds no dependency. `concurrency=none` takes any freed bytes (the
    smallest arena). The report adds the width (the most steps that may run
    at once) as planned and in the dataflow, and the steps that wait only
    because of reused bytes (statistic `reuse-serialized-steps`).
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Remark the arena size, the sum of all tensors and the peak">,
    Option<"concurrency", "concurrency", "std::string", /*default=*/"\"branches\"",
           "Which freed bytes a tensor may take: none (any: the smallest arena) or "
           "branches (only those whose earlier users its own users wait for anyway, "
           "so reuse orders no independent steps)">
  ];
}

#endif // KILN_PASSES
