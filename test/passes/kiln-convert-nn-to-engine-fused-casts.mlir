// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// A float cast that no pointwise layer shares joins the pad or transpose it
// reads or that reads it: one kernel moves and converts each element, as
// TensorRT's reformat layers change layout and type at once. An input's
// conversion read by a transpose that a pad reads moves after the
// transpose, so the transpose stays a strided view of the binding. Softmax
// and the normalizations store their result converted by a cast that alone
// reads it.
// STATS: (S) 1 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS: (S) 1 fused-casts
// STATS: (S) 1 fused-casts
// STATS: (S) 1 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 1 fused-casts
// STATS: (S) 1 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 0 fused-casts
// STATS: (S) 1 fused-casts
// STATS: (S) 0 fused-casts

// Tests that an NHWC result transposed back to NCHW and widened to an f32
// output is one kernel writing the binding (an FP16 network's f32 output).
// CHECK-LABEL: func.func @transpose_then_widen
// CHECK: engine.dispatch ins(%arg0 : memref<1x8x8x32xf16>) outs(%arg1 : memref<1x32x8x8xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<1x8x8x32xf16>):
// CHECK-NEXT: nn.transpose
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @transpose_then_widen(%x: tensor<1x8x8x32xf16>) -> tensor<1x32x8x8xf32> {
  %t = nn.transpose %x permutation [0, 3, 1, 2] : tensor<1x8x8x32xf16> loc("Reformat output of pool")
  %c = nn.cast %t : tensor<1x32x8x8xf16> to tensor<1x32x8x8xf32> loc("pool_cast")
  return %c : tensor<1x32x8x8xf32>
}

// -----

// Tests that a conversion before a transpose that is a kernel (read by a
// pointwise layer, not a pad) joins it: two kernels, not three.
// CHECK-LABEL: func.func @narrow_then_transpose
// CHECK: engine.dispatch ins(%arg0 : memref<1x16x8x8xf32>) outs(%[[T:.*]] : memref<1x8x8x16xf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: nn.transpose
// CHECK-NEXT: engine.yield
// CHECK: engine.dispatch ins(%[[T]] : memref<1x8x8x16xf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.relu
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @narrow_then_transpose(%x: tensor<1x16x8x8xf32>) -> tensor<1x8x8x16xf16> {
  %c = nn.cast %x : tensor<1x16x8x8xf32> to tensor<1x16x8x8xf16> loc("x")
  %t = nn.transpose %c permutation [0, 2, 3, 1] : tensor<1x16x8x8xf16> loc("reformat")
  %r = nn.relu %t : tensor<1x8x8x16xf16> loc("relu")
  return %r : tensor<1x8x8x16xf16>
}

// -----

// Tests that a pad after a conversion does the conversion (an FP16 input
// padded for an FP32 layer).
// CHECK-LABEL: func.func @widen_then_pad
// CHECK: engine.dispatch ins(%arg0 : memref<1x4x6x6xf16>) outs(%arg1 : memref<1x4x8x8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: nn.pad
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @widen_then_pad(%x: tensor<1x4x6x6xf16>) -> tensor<1x4x8x8xf32> {
  %c = nn.cast %x : tensor<1x4x6x6xf16> to tensor<1x4x6x6xf32> loc("widen")
  %p = nn.pad %c pads [0, 0, 1, 1, 0, 0, 1, 1] : tensor<1x4x6x6xf32> loc("pad")
  return %p : tensor<1x4x8x8xf32>
}

// -----

// Tests that a pad's result narrowed to bf16 is one kernel.
// CHECK-LABEL: func.func @pad_then_narrow
// CHECK: engine.dispatch ins(%arg0 : memref<1x6x6x3xf32>) outs(%arg1 : memref<1x6x6x8xbf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.pad
// CHECK-NEXT: nn.cast
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @pad_then_narrow(%x: tensor<1x6x6x3xf32>) -> tensor<1x6x6x8xbf16> {
  %p = nn.pad %x pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<1x6x6x3xf32> loc("pad")
  %c = nn.cast %p : tensor<1x6x6x8xf32> to tensor<1x6x6x8xbf16> loc("narrow")
  return %c : tensor<1x6x6x8xbf16>
}

// -----

// Tests that a cast that a pointwise layer shares stays in the pointwise
// group (its kernel already converts): the transpose is a kernel of its own.
// CHECK-LABEL: func.func @cast_in_pointwise_chain
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.relu
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.transpose
// CHECK-NEXT: engine.yield
// CHECK: return
func.func @cast_in_pointwise_chain(%x: tensor<1x16x8x8xf16>) -> tensor<1x8x8x16xf32> {
  %r = nn.relu %x : tensor<1x16x8x8xf16> loc("relu")
  %c = nn.cast %r : tensor<1x16x8x8xf16> to tensor<1x16x8x8xf32> loc("widen")
  %t = nn.transpose %c permutation [0, 2, 3, 1] : tensor<1x16x8x8xf32> loc("reformat")
  return %t : tensor<1x8x8x16xf32>
}

// -----

// Tests that a conversion to an integer type is not fused: a transpose or
// pad moves float elements only when it converts.
// CHECK-LABEL: func.func @integer_cast
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.pad
// CHECK-NEXT: engine.yield
// CHECK: return
func.func @integer_cast(%x: tensor<1x6x6x3xf32>) -> tensor<1x6x6x8xi32> {
  %c = nn.cast %x : tensor<1x6x6x3xf32> to tensor<1x6x6x3xi32> loc("to_int")
  %p = nn.pad %c pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<1x6x6x3xi32> loc("pad")
  return %p : tensor<1x6x6x8xi32>
}

// -----

// Tests that a transpose whose result is also an output keeps its own
// kernel: the cast after it cannot take it in.
// CHECK-LABEL: func.func @transpose_also_output
// CHECK-COUNT-2: engine.dispatch
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @transpose_also_output(%x: tensor<1x8x8x32xf16>) -> (tensor<1x32x8x8xf16>, tensor<1x32x8x8xf32>) {
  %t = nn.transpose %x permutation [0, 3, 1, 2] : tensor<1x8x8x32xf16> loc("reformat")
  %c = nn.cast %t : tensor<1x32x8x8xf16> to tensor<1x32x8x8xf32> loc("widen")
  return %t, %c : tensor<1x32x8x8xf16>, tensor<1x32x8x8xf32>
}

// -----

// Tests that a conversion with two readers is not fused into either.
// CHECK-LABEL: func.func @cast_two_readers
// CHECK-COUNT-3: engine.dispatch
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @cast_two_readers(%x: tensor<1x6x6x3xf32>) -> (tensor<1x6x6x8xf16>, tensor<1x6x6x3xf16>) {
  %c = nn.cast %x : tensor<1x6x6x3xf32> to tensor<1x6x6x3xf16> loc("x")
  %p = nn.pad %c pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<1x6x6x3xf16> loc("pad")
  %r = nn.relu %c : tensor<1x6x6x3xf16> loc("relu")
  return %p, %r : tensor<1x6x6x8xf16>, tensor<1x6x6x3xf16>
}

// -----

// Tests that the conversion of a computed tensor (not a function input)
// stays before its transpose: the transpose is a view of the converted
// buffer and the pad gathers through it, as without the fusion.
// CHECK-LABEL: func.func @computed_image
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.relu
// CHECK-NEXT: nn.cast
// CHECK: engine.view
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.pad
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @computed_image(%x: tensor<2x3x5x6xf32>) -> tensor<2x5x6x8xf16> {
  %r = nn.relu %x : tensor<2x3x5x6xf32> loc("relu")
  %h = nn.cast %r : tensor<2x3x5x6xf32> to tensor<2x3x5x6xf16> loc("narrow")
  %t = nn.transpose %h permutation [0, 2, 3, 1] : tensor<2x3x5x6xf16> loc("reformat")
  %p = nn.pad %t pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16> loc("pad")
  return %p : tensor<2x5x6x8xf16>
}

// -----

// Tests that a softmax whose probabilities an f32 output takes stores them
// converted: one kernel, labelled with the softmax's precision.
// CHECK-LABEL: func.func @softmax_then_widen
// CHECK: engine.dispatch ins(%arg0 : memref<4x10xf16>) outs(%arg1 : memref<4x10xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.softmax
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK-NEXT: } {layers = ["softmax", "probabilities"], precision = "fp16"}
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @softmax_then_widen(%x: tensor<4x10xf16>) -> tensor<4x10xf32> {
  %s = nn.softmax %x axis 1 : tensor<4x10xf16> loc("softmax")
  %c = nn.cast %s : tensor<4x10xf16> to tensor<4x10xf32> loc("probabilities")
  return %c : tensor<4x10xf32>
}

// -----

// Tests that an encoder's last layer norm writes the f32 output (BERT's
// hidden states in an FP16 engine).
// CHECK-LABEL: func.func @layer_norm_then_widen
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.layer_norm
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @layer_norm_then_widen(%x: tensor<2x8x64xf16>, %g: tensor<64xf16>, %b: tensor<64xf16>) -> tensor<2x8x64xf32> {
  %n = nn.layer_norm %x, %g, %b axis 2 : tensor<2x8x64xf16>, tensor<64xf16>, tensor<64xf16> loc("ln")
  %c = nn.cast %n : tensor<2x8x64xf16> to tensor<2x8x64xf32> loc("hidden")
  return %c : tensor<2x8x64xf32>
}

// -----

// Tests that a softmax whose result is also an output keeps its own kernel
// and the cast its own.
// CHECK-LABEL: func.func @softmax_also_output
// CHECK-COUNT-2: engine.dispatch
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @softmax_also_output(%x: tensor<4x10xf16>) -> (tensor<4x10xf16>, tensor<4x10xf32>) {
  %s = nn.softmax %x axis 1 : tensor<4x10xf16> loc("softmax")
  %c = nn.cast %s : tensor<4x10xf16> to tensor<4x10xf32> loc("probabilities")
  return %s, %c : tensor<4x10xf16>, tensor<4x10xf32>
}

// -----

// Tests that a pad read by two layers keeps its own kernel: the cast after
// it is a kernel too.
// CHECK-LABEL: func.func @pad_two_readers
// CHECK-COUNT-3: engine.dispatch
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @pad_two_readers(%x: tensor<1x6x6x3xf16>) -> (tensor<1x6x6x8xf32>, tensor<1x6x6x8xf16>) {
  %p = nn.pad %x pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<1x6x6x3xf16> loc("pad")
  %c = nn.cast %p : tensor<1x6x6x8xf16> to tensor<1x6x6x8xf32> loc("widen")
  %r = nn.relu %p : tensor<1x6x6x8xf16> loc("relu")
  return %c, %r : tensor<1x6x6x8xf32>, tensor<1x6x6x8xf16>
}

// -----

// Tests that a transpose moving only unit dimensions stays a view: the cast
// reading it is a kernel of its own.
// CHECK-LABEL: func.func @view_transpose
// CHECK: engine.view
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @view_transpose(%x: tensor<2x8x1x1xf16>) -> tensor<2x1x1x8xf32> {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x8x1x1xf16> loc("squeeze")
  %c = nn.cast %t : tensor<2x1x1x8xf16> to tensor<2x1x1x8xf32> loc("widen")
  return %c : tensor<2x1x1x8xf32>
}

// -----

// Tests that an input's conversion that another layer also reads stays
// before the transpose (the transpose a view of the converted buffer, the
// pad gathering through it) and that a converted value also returned is
// written by a kernel of its own.
// CHECK-LABEL: func.func @input_cast_shared
// CHECK: engine.dispatch ins(%arg0 : memref<2x3x5x6xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK: engine.view %arg2
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.pad
// CHECK-NEXT: engine.yield
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @input_cast_shared(%x: tensor<2x3x5x6xf32>) -> (tensor<2x5x6x8xf16>, tensor<2x3x5x6xf16>) {
  %h = nn.cast %x : tensor<2x3x5x6xf32> to tensor<2x3x5x6xf16> loc("x")
  %t = nn.transpose %h permutation [0, 2, 3, 1] : tensor<2x3x5x6xf16> loc("reformat")
  %p = nn.pad %t pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16> loc("pad")
  return %p, %h : tensor<2x5x6x8xf16>, tensor<2x3x5x6xf16>
}

// -----

// Tests that an input's conversion moves after a transpose it reaches
// through reshapes: an FP16 image's pixel blocks (kiln-space-to-depth), f32
// NCHW -> blocks -> f16 -> channels padded, are gathered from the binding by
// the pad's kernel, which converts as it goes.
// CHECK-LABEL: func.func @input_blocks
// CHECK: %[[SPLIT:.*]] = engine.view %arg0[0] : memref<2x3x4x6xf32> to memref<2x3x2x2x3x2xf32>
// CHECK: %[[BLOCKS:.*]] = engine.view %[[SPLIT]][0] : memref<2x3x2x2x3x2xf32> to memref<2x2x3x2x2x3xf32, strided<[72, 12, 2, 6, 1, 24]>>
// CHECK: engine.dispatch ins(%[[BLOCKS]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast {{.*}} : tensor<2x2x3x2x2x3xf32> to tensor<2x2x3x2x2x3xf16>
// CHECK-NEXT: nn.pad
// CHECK-NEXT: engine.yield
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @input_blocks(%x: tensor<2x3x4x6xf32>) -> tensor<2x2x3x16xf16> {
  %h = nn.cast %x : tensor<2x3x4x6xf32> to tensor<2x3x4x6xf16> loc("x")
  %r = nn.reshape %h : tensor<2x3x4x6xf16> to tensor<2x3x2x2x3x2xf16> loc("blocks")
  %t = nn.transpose %r permutation [0, 2, 4, 3, 5, 1] : tensor<2x3x2x2x3x2xf16> loc("blocks")
  %p = nn.pad %t pads [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] : tensor<2x2x3x2x2x3xf16> loc("blocks")
  %m = nn.reshape %p : tensor<2x2x3x2x2x4xf16> to tensor<2x2x3x16xf16> loc("blocks")
  return %m : tensor<2x2x3x16xf16>
}

// -----

// Tests that the conversion stays before the reshape another layer also
// reads (here the function's second result): converted once, by a kernel
// of its own.
// CHECK-LABEL: func.func @input_blocks_shared
// CHECK: engine.dispatch ins(%arg0 : memref<2x3x4x6xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.cast
// CHECK-NEXT: engine.yield
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.pad
// CHECK-NEXT: engine.yield
// CHECK: return
func.func @input_blocks_shared(%x: tensor<2x3x4x6xf32>) -> (tensor<2x2x3x16xf16>, tensor<2x3x2x2x3x2xf16>) {
  %h = nn.cast %x : tensor<2x3x4x6xf32> to tensor<2x3x4x6xf16> loc("x")
  %r = nn.reshape %h : tensor<2x3x4x6xf16> to tensor<2x3x2x2x3x2xf16> loc("blocks")
  %t = nn.transpose %r permutation [0, 2, 4, 3, 5, 1] : tensor<2x3x2x2x3x2xf16> loc("blocks")
  %p = nn.pad %t pads [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] : tensor<2x2x3x2x2x3xf16> loc("blocks")
  %m = nn.reshape %p : tensor<2x2x3x2x2x4xf16> to tensor<2x2x3x16xf16> loc("blocks")
  return %m, %r : tensor<2x2x3x16xf16>, tensor<2x3x2x2x3x2xf16>
}
