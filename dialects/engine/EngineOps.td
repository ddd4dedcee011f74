//===- EngineOps.td - ops of the engine dialect ----------*- tablegen -*-===//

#ifndef KILN_ENGINE_OPS
#define KILN_ENGINE_OPS

include "dialects/engine/EngineBase.td"
include "dialects/nn/NNAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

class Engine_Op<string mnemonic, list<Trait> traits = []>
    : Op<Engine_Dialect, mnemonic, traits>;

// Attributes every step may carry, for profiles and inspection.
defvar StepInfo = (ins OptionalAttr<StrArrayAttr>:$layers,
                       OptionalAttr<StrAttr>:$precision,
                       OptionalAttr<StrAttr>:$tactic);

class Engine_StepOp<string mnemonic, list<Trait> traits = []>
    : Engine_Op<mnemonic, traits> {
  code stepClassDeclaration = [{
    /// The name profiles report: the layers joined with " + ", or the op name.
    std::string getStepName() { return ::kiln::engine::getStepName(getOperation()); }
  }];
  let extraClassDeclaration = stepClassDeclaration;
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

def Engine_WeightOp : Engine_Op<"weight", [Pure]> {
  let summary = "a constant buffer in the engine's weights section";
  let description = [{
    A weight of the network. `value` has the buffer's shape and element type;
    large weights are `dense_resource` blobs, which the serializer copies
    into the weights section without going through text.

    ```mlir
    %w = engine.weight dense_resource<conv1.weight> : memref<64x3x7x7xf16>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<StrAttr>:$name);
  let results = (outs Engine_Buffer:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Engine_AllocOp : Engine_Op<"alloc", [Pure]> {
  let summary = "a tensor in the activation arena";
  let description = [{
    An activation buffer. Its place in the arena is `offset` (bytes), which
    `kiln-plan-memory` assigns; an engine cannot be serialized before every
    alloc has one.

    ```mlir
    %0 = engine.alloc {offset = 0 : i64} : memref<1x64x56x56xf16>
    ```
  }];
  let arguments = (ins OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$offset,
                       OptionalAttr<StrAttr>:$name);
  let results = (outs Engine_Buffer:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Bytes the buffer takes.
    int64_t getSizeInBytes();
  }];
}

def Engine_ViewOp : Engine_Op<"view", [Pure]> {
  let summary = "a window into another buffer";
  let description = [{
    Views the bytes of `source` from `byte_offset` on as another buffer:
    with the identity layout it is a reshape (same bytes, new shape); with a
    `strided<[...]>` layout (offset 0) it is a strided window, such as the
    slice of an in-place concatenation one producer writes. The source must
    be contiguous, and every element the view reaches must lie inside it.

    ```mlir
    %s = engine.view %cat[65536] : memref<1x32x32x256xf16> to memref<1x32x32x64xf16, strided<[262144, 8192, 256, 1]>>
    ```
  }];
  let arguments = (ins Engine_Buffer:$source,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$byte_offset);
  let results = (outs Engine_Buffer:$result);
  let assemblyFormat = [{
    $source `[` $byte_offset `]` attr-dict `:` type($source) `to` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Library calls
//===----------------------------------------------------------------------===//

def Engine_ConvOp : Engine_StepOp<"conv", [AttrSizedOperandSegments]> {
  let summary = "a convolution through cuDNN, with its fused epilogue";
  let description = [{
    `y = act(alpha * conv(x, w) + bias + residual)` as one cuDNN graph.
    Buffers follow the `nn` conventions: `x` and `y` are `NC…` or, with
    `layout = channels_last`, `N…C`; `w` is `KC/g…` (or `K…C/g` when
    channels-last) and, when `transposed`, `CK/g…` (data gradient);
    `bias` has `K` elements; `residual` has `y`'s shape.

    `engine_id` and `knobs` (pairs of knob type and value) name the cuDNN
    engine chosen by tactic timing; -1 lets the runtime take cuDNN's
    heuristic at load. `workspace` is the bytes that engine needs.

    A fused INT8 convolution (i8 `x` and `w`) has a `scale`: `y = act(
    conv(x, w) * scale + bias + residual * residual_scale)` with the int32
    sums, `scale` f32 with one value per output channel, `bias` f32 (always
    present: zeros when the layer has none, so that a format 1.1 runtime
    refuses the step), `residual` i8, `act` relu, clip or none, and `y` i8
    (rounded half to even, saturated), f32 or f16. Without a scale an int8
    convolution writes its f32 sums and nothing is fused.

    `act` may also be an activation that does not commute with the output's
    scale (silu, sigmoid, tanh, gelu, gelu_tanh, leaky_relu, elu: format
    1.5): scale, bias and `residual_scale` are then in real units and
    `post_scale` (1 / the output's scale; 1, the default, for a float
    output) multiplies after the activation, `y = act(...) * post_scale`.
    Relu, clip and none take no `post_scale`: they work in the output's
    units, their `scale` already divided.

    ```mlir
    engine.conv %x : memref<1x8x8x32xi8>, %w : memref<32x3x3x32xi8>
        bias %b : memref<32xf32> residual %r : memref<1x8x8x32xi8>
        scale %s : memref<32xf32> -> %y : memref<1x8x8x32xi8>
        strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
        layout channels_last activation <relu> {residual_scale = 0.5 : f32}
    ```

    ```mlir
    engine.conv %x : memref<1x56x56x64xf16>, %w : memref<64x3x3x64xf16>
        bias %b : memref<64xf16> residual %r : memref<1x56x56x64xf16>
        -> %y : memref<1x56x56x64xf16> strides [1, 1] pads [1, 1, 1, 1]
        dilations [1, 1] layout channels_last activation <relu>
        {layers = ["conv1", "relu1"], precision = "fp16"}
    ```
  }];
  let arguments = !con((ins Arg<Engine_Buffer, "input", [MemRead]>:$x,
                            Arg<Engine_Buffer, "filter", [MemRead]>:$w,
                            Arg<Optional<Engine_Buffer>, "bias", [MemRead]>:$bias,
                            Arg<Optional<Engine_Buffer>, "residual", [MemRead]>:$residual,
                            Arg<Optional<Engine_Buffer>, "INT8 per-channel scale", [MemRead]>:$scale,
                            Arg<Engine_Buffer, "output", [MemWrite]>:$y,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations,
                            DefaultValuedAttr<I64Attr, "1">:$groups,
                            UnitAttr:$transposed,
                            DefaultValuedAttr<NN_LayoutAttr, "::kiln::nn::Layout::channels_first">:$layout,
                            OptionalAttr<NN_ActivationAttr>:$activation,
                            DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                            UnitAttr:$allow_tf32,
                            DefaultValuedAttr<I64Attr, "-1">:$engine_id,
                            OptionalAttr<DenseI64ArrayAttr>:$knobs,
                            DefaultValuedAttr<I64Attr, "0">:$workspace,
                            DefaultValuedAttr<F32Attr, "1.0">:$residual_scale),
                       StepInfo,
                       (ins DefaultValuedAttr<F32Attr, "1.0">:$post_scale));
  let assemblyFormat = [{
    $x `:` type($x) `,` $w `:` type($w)
    (`bias` $bias^ `:` type($bias))? (`residual` $residual^ `:` type($residual))?
    (`scale` $scale^ `:` type($scale))?
    `->` $y `:` type($y)
    (`transposed` $transposed^)?
    `strides` $strides `pads` $pads `dilations` $dilations
    (`groups` $groups^)? (`layout` $layout^)? (`activation` $activation^)?
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = stepClassDeclaration # [{
    ::mlir::LogicalResult verifyInt8Epilogue(int64_t outChannels);
  }];
}

def Engine_GemmOp : Engine_StepOp<"gemm", [AttrSizedOperandSegments]> {
  let summary = "a (batched) matrix product through cuBLASLt, with its epilogue";
  let description = [{
    Row-major `d = act(alpha * op(a) op(b) + beta * c + bias)` for each
    batch index: `a` is `[batch…, M, K]` (`[batch…, K, M]` with `trans_a`),
    `b` is `[batch…, K, N]` (`[batch…, N, K]` with `trans_b`), `d` and `c`
    are `[batch…, M, N]`, `bias` has `N` elements. Leading batch dimensions
    of `a`, `b` and `c` either match `d`'s or are all 1 (broadcast). The
    activation, if any, is one cuBLASLt fuses: `relu` or `gelu_tanh`.

    `algo` holds the 8 words of the `cublasLtMatmulAlgo_t` chosen by tactic
    timing; without it the runtime takes cuBLASLt's heuristic at load.

    ```mlir
    engine.gemm %a : memref<64x2048xf16>, %b : memref<1000x2048xf16>
        bias %bias : memref<1000xf16> -> %d : memref<64x1000xf16> trans_b activation <relu>
    ```
  }];
  let arguments = !con((ins Arg<Engine_Buffer, "a", [MemRead]>:$a,
                            Arg<Engine_Buffer, "b", [MemRead]>:$b,
                            Arg<Optional<Engine_Buffer>, "bias", [MemRead]>:$bias,
                            Arg<Optional<Engine_Buffer>, "c", [MemRead]>:$c,
                            Arg<Engine_Buffer, "d", [MemWrite]>:$d,
                            UnitAttr:$trans_a,
                            UnitAttr:$trans_b,
                            DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                            DefaultValuedAttr<F32Attr, "1.0">:$beta,
                            OptionalAttr<NN_ActivationAttr>:$activation,
                            UnitAttr:$allow_tf32,
                            OptionalAttr<DenseI64ArrayAttr>:$algo,
                            DefaultValuedAttr<I64Attr, "0">:$workspace),
                       StepInfo);
  let assemblyFormat = [{
    $a `:` type($a) `,` $b `:` type($b)
    (`bias` $bias^ `:` type($bias))? (`c` $c^ `:` type($c))?
    `->` $d `:` type($d)
    (`trans_a` $trans_a^)? (`trans_b` $trans_b^)? (`activation` $activation^)?
    attr-dict
  }];
  let hasVerifier = 1;
}

def Engine_AttentionOp : Engine_StepOp<"attention"> {
  let summary = "fused scaled dot-product attention through cuDNN (flash attention)";
  let description = [{
    `o = softmax(scale * q kᵀ + bias) v` for each batch and head, as one
    cuDNN SDPA kernel. Buffers are seen in logical `[B, H, S, D]` order:
    `q` is `[B, H, Sq, D]`, `k` `[B, H, Skv, D]`, `v` `[B, H, Skv, Dv]` and
    `o` `[B, H, Sq, Dv]`; their memory order is in their strides, so the
    `[B, S, H, D]` layout a projection GEMM writes is a strided view
    (strides `[S*H*D, D, H*D, 1]`), read and written without transposes.
    `bias` (an additive mask) is `[B or 1, H or 1, Sq, Skv]`. Element types
    are f16 or bf16 (all alike); head sizes are multiples of 8, and every
    stride but the last (1) a multiple of 8 elements (cuDNN's 16-byte
    loads). Rows whose scores are all -inf give 0.

    `engine_id` and `knobs` name the cuDNN engine chosen by tactic timing;
    -1 lets the runtime take cuDNN's heuristic at load. `workspace` is the
    bytes that engine needs.

    ```mlir
    engine.attention %q : memref<2x12x128x64xf16, strided<[98304, 64, 768, 1]>>,
        %k : memref<2x12x128x64xf16, strided<[98304, 64, 768, 1]>>,
        %v : memref<2x12x128x64xf16, strided<[98304, 64, 768, 1]>>
        bias %mask : memref<2x1x128x128xf16>
        -> %o : memref<2x12x128x64xf16, strided<[98304, 64, 768, 1]>>
        scale 0.125 {layers = ["attention0"], precision = "fp16"}
    ```
  }];
  let arguments = !con((ins Arg<Engine_Buffer, "queries", [MemRead]>:$q,
                            Arg<Engine_Buffer, "keys", [MemRead]>:$k,
                            Arg<Engine_Buffer, "values", [MemRead]>:$v,
                            Arg<Optional<Engine_Buffer>, "additive mask", [MemRead]>:$bias,
                            Arg<Engine_Buffer, "output", [MemWrite]>:$o,
                            F32Attr:$scale,
                            DefaultValuedAttr<I64Attr, "-1">:$engine_id,
                            OptionalAttr<DenseI64ArrayAttr>:$knobs,
                            DefaultValuedAttr<I64Attr, "0">:$workspace),
                       StepInfo);
  let assemblyFormat = [{
    $q `:` type($q) `,` $k `:` type($k) `,` $v `:` type($v)
    (`bias` $bias^ `:` type($bias))?
    `->` $o `:` type($o) `scale` $scale attr-dict
  }];
  let hasVerifier = 1;
}

def Engine_CopyOp : Engine_StepOp<"copy"> {
  let summary = "a device-to-device copy";
  let description = [{
    Copies `source` into `target`: both contiguous, of the same size in
    bytes (shapes may differ).

    ```mlir
    engine.copy %a, %b : memref<1x8xf32>, memref<8xf32>
    ```
  }];
  let arguments = !con((ins Arg<Engine_Buffer, "source", [MemRead]>:$source,
                            Arg<Engine_Buffer, "target", [MemWrite]>:$target),
                       StepInfo);
  let assemblyFormat = "$source `,` $target attr-dict `:` type($source) `,` type($target)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Generated kernels
//===----------------------------------------------------------------------===//

def Engine_KernelOp : Engine_Op<"kernel", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "CUDA C++ source of a kernel Kiln generated";
  let description = [{
    One `extern "C" __global__` function named like the symbol, and its
    helpers. The serializer compiles all kernels of the module, after the
    common prelude, into one cubin per architecture plus PTX.

    `max_threads_per_block` is the kernel's launch bound: the source declares
    `__launch_bounds__` with it, every launch of the kernel uses at most that
    many threads per block, and the engine file records it (`Engine.kernels`)
    for the loader to check. Without it (hand-written kernels) the device's
    limit applies.

    ```mlir
    engine.kernel @relu_0 max_threads_per_block 256
        source "extern \"C\" __global__ void __launch_bounds__(256) relu_0(...) {...}"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<ConfinedAttr<I32Attr, [IntMinValue<1>, IntMaxValue<1024>]>>
                           :$max_threads_per_block,
                       StrAttr:$source);
  let assemblyFormat = [{
    $sym_name (`max_threads_per_block` $max_threads_per_block^)? `source` $source attr-dict
  }];
  let hasVerifier = 1;
}

def Engine_LaunchOp : Engine_StepOp<"launch",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "a launch of a generated kernel";
  let description = [{
    Launches `kernel` on a `grid` of blocks of `block` threads with
    `shared_memory` bytes of dynamic shared memory. The kernel's parameters
    are the device addresses of `args`, in order; the last `num_outputs`
    are written, the others read.

    `variants`, when present, lists other launch shapes the kernel runs
    correctly with (a grid-stride kernel: any block size once its launch
    bound allows it), six sizes each (grid, then block);
    `kiln-select-tactics` times them and may make one the launch's grid and
    block, raising the kernel's launch bound to match.

    ```mlir
    engine.launch @relu_0(%a, %b) grid [128, 1, 1] block [256, 1, 1] outputs 1
        : memref<1x64x56x56xf16>, memref<1x64x56x56xf16>
    ```
  }];
  let arguments = !con((ins FlatSymbolRefAttr:$kernel,
                            Variadic<Engine_Buffer>:$args,
                            DenseI32ArrayAttr:$grid,
                            DenseI32ArrayAttr:$block,
                            DefaultValuedAttr<I32Attr, "0">:$shared_memory,
                            I32Attr:$num_outputs),
                       StepInfo,
                       (ins OptionalAttr<DenseI32ArrayAttr>:$variants));
  let assemblyFormat = [{
    $kernel `(` $args `)` `grid` $grid `block` $block
    (`shared_memory` $shared_memory^)? `outputs` $num_outputs
    attr-dict `:` type($args)
  }];
  let hasVerifier = 1;
}

def Engine_DispatchOp : Engine_StepOp<"dispatch",
    [IsolatedFromAbove, SingleBlockImplicitTerminator<"YieldOp">,
     AttrSizedOperandSegments]> {
  let summary = "a group of nn layers that one generated kernel will run";
  let description = [{
    The layers in the region compute, on tensors, what the kernel will: the
    block's arguments stand for `inputs` (same shapes and element types) and
    the yielded values are written to `outputs`. `kiln-outline-kernels` turns
    each dispatch into an `engine.kernel` and an `engine.launch`.

    ```mlir
    engine.dispatch ins(%a, %b : memref<8xf32>, memref<8xf32>) outs(%c : memref<8xf32>) {
    ^bb0(%x: tensor<8xf32>, %y: tensor<8xf32>):
      %s = nn.add %x, %y : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
      %r = nn.relu %s : tensor<8xf32>
      engine.yield %r : tensor<8xf32>
    } {layers = ["add1", "relu1"]}
    ```
  }];
  let arguments = !con((ins Arg<Variadic<Engine_Buffer>, "inputs", [MemRead]>:$inputs,
                            Arg<Variadic<Engine_Buffer>, "outputs", [MemWrite]>:$outputs),
                       StepInfo);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `ins` `(` $inputs `:` type($inputs) `)` `outs` `(` $outputs `:` type($outputs) `)`
    $body attr-dict
  }];
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::mlir::ValueRange":$inputs, "::mlir::ValueRange":$outputs)>];
}

def Engine_YieldOp : Engine_Op<"yield", [Pure, Terminator, HasParent<"DispatchOp">]> {
  let summary = "the values a dispatch writes to its outputs";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ /* no values */ }]>];
}

#endif // KILN_ENGINE_OPS
