// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @weight_type(%o: memref<4xf32>) {
  // expected-error @+1 {{value of type 'tensor<4xf16>' does not match the buffer 'memref<4xf32>'}}
  %w = engine.weight dense<1.0> : tensor<4xf16> : memref<4xf32>
  return
}

// -----

func.func @alloc_strided() {
  // expected-error @+1 {{arena buffers are contiguous}}
  %a = engine.alloc : memref<4x4xf32, strided<[8, 1]>>
  return
}

// -----

func.func @alloc_f64() {
  // expected-error @+1 {{must be statically shaped memref of element type of an engine buffer values}}
  %a = engine.alloc : memref<4xf64>
  return
}

// -----

func.func @view_out_of_bounds() {
  %a = engine.alloc : memref<16xf32>
  // expected-error @+1 {{view reaches byte 68 of a 64-byte source}}
  %v = engine.view %a[4] : memref<16xf32> to memref<16xf32>
  return
}

// -----

func.func @view_misaligned() {
  %a = engine.alloc : memref<16xf32>
  // expected-error @+1 {{byte offset 2 is not a multiple of the element size 4}}
  %v = engine.view %a[2] : memref<16xf32> to memref<8xf32>
  return
}

// -----

func.func @view_layout_offset() {
  %a = engine.alloc : memref<16xf32>
  // expected-error @+1 {{result layout must be static non-negative strides with offset 0}}
  %v = engine.view %a[0] : memref<16xf32> to memref<4xf32, strided<[2], offset: 4>>
  return
}

// -----

func.func @conv_ranks(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{input, filter and output must have the same rank, at least 3; got 4, 3 and 4}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @conv_attr_sizes(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{expects 2 strides and dilations and 4 pads}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @conv_channels(%x: memref<1x4x8x8xf32>, %w: memref<4x2x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{filter 'memref<4x2x3x3xf32>' with 1 group(s) does not map input}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x2x3x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @conv_spatial(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{output spatial dimension 0 is 8, expected 6}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
  return
}

// -----

func.func @conv_bias(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %b: memref<8xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{bias must have 4 elements}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3x3xf32> bias %b : memref<8xf32>
      -> %y : memref<1x4x8x8xf32> strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @conv_residual(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %r: memref<1x4x8x4xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{residual must have the output's shape}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3x3xf32> residual %r : memref<1x4x8x4xf32>
      -> %y : memref<1x4x8x8xf32> strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @conv_activation(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{cuDNN cannot fuse activation #nn.activation<hard_swish>}}
  engine.conv %x : memref<1x4x8x8xf32>, %w : memref<4x4x3x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] activation <hard_swish>
  return
}

// -----

func.func @conv_types(%x: memref<1x4x8x8xf16>, %w: memref<4x4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{input and filter element types differ: 'f16' vs 'f32'}}
  engine.conv %x : memref<1x4x8x8xf16>, %w : memref<4x4x3x3xf32> -> %y : memref<1x4x8x8xf32>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
  return
}

// -----

func.func @gemm_inner(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %d: memref<4x8xf32>) {
  // expected-error @+1 {{inner dimensions differ: 8 vs 4}}
  engine.gemm %a : memref<4x8xf32>, %b : memref<4x8xf32> -> %d : memref<4x8xf32>
  return
}

// -----

func.func @gemm_result(%a: memref<4x8xf32>, %b: memref<8x8xf32>, %d: memref<8x8xf32>) {
  // expected-error @+1 {{result must be 4x8 per batch, got 'memref<8x8xf32>'}}
  engine.gemm %a : memref<4x8xf32>, %b : memref<8x8xf32> -> %d : memref<8x8xf32>
  return
}

// -----

func.func @gemm_batch(%a: memref<3x4x8xf32>, %b: memref<2x8x8xf32>, %d: memref<3x4x8xf32>) {
  // expected-error @+1 {{batch dimensions of the operands must match the result's or be 1}}
  engine.gemm %a : memref<3x4x8xf32>, %b : memref<2x8x8xf32> -> %d : memref<3x4x8xf32>
  return
}

// -----

func.func @gemm_bias(%a: memref<4x8xf32>, %b: memref<8x6xf32>, %bias: memref<4xf32>, %d: memref<4x6xf32>) {
  // expected-error @+1 {{bias must have 6 elements}}
  engine.gemm %a : memref<4x8xf32>, %b : memref<8x6xf32> bias %bias : memref<4xf32> -> %d : memref<4x6xf32>
  return
}

// -----

// A bias of neither the result's type nor f32 (the runtime refuses it).
func.func @gemm_bias_type(%a: memref<4x8xf16>, %b: memref<8x6xf16>, %bias: memref<6xf16>, %d: memref<4x6xf32>) {
  // expected-error @+1 {{a 'f16' bias for a 'f32' result (the result's type or f32)}}
  engine.gemm %a : memref<4x8xf16>, %b : memref<8x6xf16> bias %bias : memref<6xf16> -> %d : memref<4x6xf32>
  return
}

// -----

func.func @gemm_activation(%a: memref<4x8xf32>, %b: memref<8x6xf32>, %d: memref<4x6xf32>) {
  // expected-error @+1 {{cuBLASLt fuses only relu and gelu_tanh, not #nn.activation<gelu>}}
  engine.gemm %a : memref<4x8xf32>, %b : memref<8x6xf32> -> %d : memref<4x6xf32> activation <gelu>
  return
}

// -----

func.func @gemm_stride(%a: memref<4x8xf32, strided<[16, 2]>>, %b: memref<8x6xf32>, %d: memref<4x6xf32>) {
  // expected-error @+1 {{operands need unit stride in their last dimension}}
  engine.gemm %a : memref<4x8xf32, strided<[16, 2]>>, %b : memref<8x6xf32> -> %d : memref<4x6xf32>
  return
}

// -----

func.func @gemm_algo(%a: memref<4x8xf32>, %b: memref<8x6xf32>, %d: memref<4x6xf32>) {
  // expected-error @+1 {{algo must hold the 8 words of a cublasLtMatmulAlgo_t}}
  engine.gemm %a : memref<4x8xf32>, %b : memref<8x6xf32> -> %d : memref<4x6xf32> {algo = array<i64: 1, 2>}
  return
}

// -----

func.func @copy_size(%a: memref<4xf32>, %b: memref<8xf32>) {
  // expected-error @+1 {{source has 16 bytes, target 32}}
  engine.copy %a, %b : memref<4xf32>, memref<8xf32>
  return
}

// -----

// expected-error @+1 {{source does not define the entry 'k'}}
engine.kernel @k source "__global__ void other() {}"

// -----

func.func @launch_unknown(%a: memref<4xf32>) {
  // expected-error @+1 {{'missing' is not an engine.kernel of the module}}
  engine.launch @missing(%a) grid [1, 1, 1] block [32, 1, 1] outputs 1 : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_block(%a: memref<4xf32>) {
  // expected-error @+1 {{a block has at most 1024 threads, got 2048}}
  engine.launch @k(%a) grid [1, 1, 1] block [1024, 2, 1] outputs 1 : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_variants_size(%a: memref<4xf32>) {
  // expected-error @+1 {{variants must be six sizes each (grid, block), got 4 sizes}}
  engine.launch @k(%a) grid [1, 1, 1] block [32, 1, 1] outputs 1 {variants = array<i32: 1, 1, 1, 64>} : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_variants_threads(%a: memref<4xf32>) {
  // expected-error @+1 {{variant #1 has a block of 2048 threads, more than 1024}}
  engine.launch @k(%a) grid [1, 1, 1] block [32, 1, 1] outputs 1 {variants = array<i32: 1, 1, 1, 32, 1, 1, 1, 1, 1, 1024, 2, 1>} : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_variants_zero(%a: memref<4xf32>) {
  // expected-error @+1 {{variant #0 must have three positive grid and block sizes}}
  engine.launch @k(%a) grid [1, 1, 1] block [32, 1, 1] outputs 1 {variants = array<i32: 0, 1, 1, 32, 1, 1>} : memref<4xf32>
  return
}

// -----

// expected-error @+1 {{max_threads_per_block is 128 but the source does not declare __launch_bounds__(128)}}
engine.kernel @k max_threads_per_block 128 source "extern \"C\" __global__ void __launch_bounds__(256) k() {}"

// -----

// expected-error @+1 {{attribute 'max_threads_per_block' failed to satisfy constraint}}
engine.kernel @k max_threads_per_block 2048 source "extern \"C\" __global__ void __launch_bounds__(2048) k() {}"

// -----

engine.kernel @k max_threads_per_block 128 source "extern \"C\" __global__ void __launch_bounds__(128) k() {}"
func.func @launch_over_bound(%a: memref<4xf32>) {
  // expected-error @+1 {{a block of 256 threads exceeds the launch bound of 'k' (128 threads per block)}}
  engine.launch @k(%a) grid [1, 1, 1] block [32, 8, 1] outputs 1 : memref<4xf32>
  return
}

// -----

// Tests that a launch within its kernel's bound verifies.
engine.kernel @k max_threads_per_block 128 source "extern \"C\" __global__ void __launch_bounds__(128) k() {}"
func.func @launch_within_bound(%a: memref<4xf32>) {
  engine.launch @k(%a) grid [1, 1, 1] block [32, 4, 1] outputs 1 : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_dims(%a: memref<4xf32>) {
  // expected-error @+1 {{grid and block must be three positive sizes}}
  engine.launch @k(%a) grid [1, 1] block [32, 1, 1] outputs 1 : memref<4xf32>
  return
}

// -----

engine.kernel @k source "extern \"C\" __global__ void k() {}"
func.func @launch_outputs(%a: memref<4xf32>) {
  // expected-error @+1 {{has 1 arguments, fewer than 2 outputs}}
  engine.launch @k(%a) grid [1, 1, 1] block [32, 1, 1] outputs 2 : memref<4xf32>
  return
}

// -----

func.func @dispatch_args(%a: memref<4xf32>, %b: memref<4xf32>) {
  // expected-error @+1 {{region argument of type 'tensor<4xf16>' does not stand for input 'memref<4xf32>'}}
  engine.dispatch ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: tensor<4xf16>):
    %c = nn.cast %x : tensor<4xf16> to tensor<4xf32>
    engine.yield %c : tensor<4xf32>
  }
  return
}

// -----

func.func @dispatch_yield(%a: memref<4xf32>, %b: memref<4xf32>) {
  // expected-error @+1 {{yields 0 values for 1 outputs}}
  engine.dispatch ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    engine.yield
  }
  return
}

// -----

func.func @dispatch_quantized(%a: memref<4xi8>, %b: memref<4xf32>) {
  // A quantized tensor stands for a buffer of its storage type.
  engine.dispatch ins(%a : memref<4xi8>) outs(%b : memref<4xf32>) {
  ^bb0(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>):
    %d = nn.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>>
    engine.yield %d : tensor<4xf32>
  }
  // expected-error @+1 {{yielded value of type 'tensor<4xf32>' does not stand for output 'memref<4xi8>'}}
  engine.dispatch ins(%b : memref<4xf32>) outs(%a : memref<4xi8>) {
  ^bb0(%x: tensor<4xf32>):
    engine.yield %x : tensor<4xf32>
  }
  return
}

// -----

// The fused INT8 convolution's refusals: the scale's size and type, the
// bias it needs, the residual's type, the activation, residual_scale alone.
func.func @int8_scale_size(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<4xf32> : memref<4xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{scale must hold one f32 per output channel (8), found 'memref<4xf32>'}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<4xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last
  return
}

// -----

func.func @int8_scale_f16(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf16> : memref<8xf16>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{scale must hold one f32 per output channel (8), found 'memref<8xf16>'}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf16> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last
  return
}

// -----

func.func @int8_scale_no_bias(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{a fused int8 convolution needs an f32 bias (zeros when the layer has none, so that a format 1.1 runtime refuses the step)}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last
  return
}

// -----

func.func @int8_float_residual(%x: memref<1x4x4x8xi8>, %r: memref<1x4x4x8xf32>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{the residual of a fused int8 convolution must be i8, found 'f32'}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      residual %r : memref<1x4x4x8xf32> scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
  return
}

// -----

func.func @int8_hard_swish(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{cuDNN's fused int8 graph cannot run activation #nn.activation<hard_swish>}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <hard_swish> {post_scale = 4.0 : f32}
  return
}

// -----

// post_scale (format 1.5) follows an activation that does not commute with
// the output's scale: refused with relu (or clip, or none), when zero, NaN
// or negative, and without a scale.
func.func @int8_post_scale_relu(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{post_scale is for activations that do not commute with the output's scale; with relu, clip or none the scale holds it}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <relu> {post_scale = 4.0 : f32}
  return
}

// -----

func.func @int8_post_scale_none(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{post_scale is for activations that do not commute}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {post_scale = 4.0 : f32}
  return
}

// -----

func.func @int8_post_scale_zero(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{post_scale must be finite and positive, found 0}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <silu> {post_scale = 0.0 : f32}
  return
}

// -----

func.func @int8_post_scale_nan(%x: memref<1x4x4x8xi8>, %y: memref<1x4x4x8xi8>) {
  %w = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %b = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{post_scale must be finite and positive, found nan}}
  engine.conv %x : memref<1x4x4x8xi8>, %w : memref<8x1x1x8xi8> bias %b : memref<8xf32>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <sigmoid> {post_scale = 0x7FC00000 : f32}
  return
}

// -----

func.func @post_scale_alone(%x: memref<1x4x4x8xf16>, %y: memref<1x4x4x8xf16>) {
  %w = engine.weight dense<1.0> : tensor<8x1x1x8xf16> : memref<8x1x1x8xf16>
  // expected-error @+1 {{post_scale needs a fused int8 epilogue (a scale)}}
  engine.conv %x : memref<1x4x4x8xf16>, %w : memref<8x1x1x8xf16>
      -> %y : memref<1x4x4x8xf16> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
      layout channels_last activation <silu> {post_scale = 2.0 : f32}
  return
}

// -----

func.func @float_scale(%x: memref<1x4x4x8xf16>, %y: memref<1x4x4x8xf16>) {
  %w = engine.weight dense<1.0> : tensor<8x1x1x8xf16> : memref<8x1x1x8xf16>
  %s = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  // expected-error @+1 {{a scale belongs to an int8 convolution, not one on 'f16'}}
  engine.conv %x : memref<1x4x4x8xf16>, %w : memref<8x1x1x8xf16>
      scale %s : memref<8xf32> -> %y : memref<1x4x4x8xf16> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last
  return
}

// -----

func.func @residual_scale_alone(%x: memref<1x4x4x8xf16>, %y: memref<1x4x4x8xf16>) {
  %w = engine.weight dense<1.0> : tensor<8x1x1x8xf16> : memref<8x1x1x8xf16>
  // expected-error @+1 {{residual_scale needs a fused int8 epilogue (a scale)}}
  engine.conv %x : memref<1x4x4x8xf16>, %w : memref<8x1x1x8xf16>
      residual %x : memref<1x4x4x8xf16> -> %y : memref<1x4x4x8xf16> strides [1, 1]
      pads [0, 0, 0, 0] dilations [1, 1] layout channels_last {residual_scale = 2.0 : f32}
  return
}

// -----

// Tests that attention refuses f32.
func.func @attention_f32(%q: memref<1x1x8x8xf32>, %o: memref<1x1x8x8xf32>) {
  // expected-error @+1 {{element type must be f16 or bf16, got 'f32'}}
  engine.attention %q : memref<1x1x8x8xf32>, %q : memref<1x1x8x8xf32>, %q : memref<1x1x8x8xf32> -> %o : memref<1x1x8x8xf32> scale 1.0
  return
}

// -----

// Tests that attention refuses k of another head size than q.
func.func @attention_k(%q: memref<1x2x8x16xf16>, %k: memref<1x2x8x8xf16>, %o: memref<1x2x8x16xf16>) {
  // expected-error @+1 {{k must be [1, 2, Skv, 16], got 'memref<1x2x8x8xf16>'}}
  engine.attention %q : memref<1x2x8x16xf16>, %k : memref<1x2x8x8xf16>, %q : memref<1x2x8x16xf16> -> %o : memref<1x2x8x16xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses an output of the wrong sequence length.
func.func @attention_o(%q: memref<1x2x8x16xf16>, %k: memref<1x2x4x16xf16>, %o: memref<1x2x4x16xf16>) {
  // expected-error @+1 {{o must be [1, 2, 8, 16], got 'memref<1x2x4x16xf16>'}}
  engine.attention %q : memref<1x2x8x16xf16>, %k : memref<1x2x4x16xf16>, %k : memref<1x2x4x16xf16> -> %o : memref<1x2x4x16xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses head sizes cuDNN cannot run.
func.func @attention_head(%q: memref<1x2x8x12xf16>, %o: memref<1x2x8x12xf16>) {
  // expected-error @+1 {{head sizes must be multiples of 8 for cuDNN, got 12 and 12}}
  engine.attention %q : memref<1x2x8x12xf16>, %q : memref<1x2x8x12xf16>, %q : memref<1x2x8x12xf16> -> %o : memref<1x2x8x12xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses strides that break cuDNN's 16-byte loads.
func.func @attention_stride(%qkv: memref<1x8x2x8xf16>, %o: memref<1x2x8x8xf16>) {
  %q = engine.view %qkv[0] : memref<1x8x2x8xf16> to memref<1x2x8x8xf16, strided<[128, 4, 16, 1]>>
  // expected-error @+1 {{q stride 4 of dimension 1 is not a multiple of 16 bytes}}
  engine.attention %q : memref<1x2x8x8xf16, strided<[128, 4, 16, 1]>>, %o : memref<1x2x8x8xf16>, %o : memref<1x2x8x8xf16> -> %o : memref<1x2x8x8xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses a bias that does not broadcast to [B, H, Sq, Skv].
func.func @attention_bias(%q: memref<2x2x8x8xf16>, %b: memref<2x2x1x8xf16>, %o: memref<2x2x8x8xf16>) {
  // expected-error @+1 {{bias must be [2 or 1, 2 or 1, 8, 8], got 'memref<2x2x1x8xf16>'}}
  engine.attention %q : memref<2x2x8x8xf16>, %q : memref<2x2x8x8xf16>, %q : memref<2x2x8x8xf16> bias %b : memref<2x2x1x8xf16> -> %o : memref<2x2x8x8xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses a bias of another element type.
func.func @attention_bias_type(%q: memref<1x1x8x8xf16>, %b: memref<1x1x8x8xf32>, %o: memref<1x1x8x8xf16>) {
  // expected-error @+1 {{bias must have the element type 'f16', got 'memref<1x1x8x8xf32>'}}
  engine.attention %q : memref<1x1x8x8xf16>, %q : memref<1x1x8x8xf16>, %q : memref<1x1x8x8xf16> bias %b : memref<1x1x8x8xf32> -> %o : memref<1x1x8x8xf16> scale 1.0
  return
}

// -----

// Tests that attention refuses knobs that are not pairs.
func.func @attention_knobs(%q: memref<1x1x8x8xf16>, %o: memref<1x1x8x8xf16>) {
  // expected-error @+1 {{knobs must be (type, value) pairs, got 3 numbers}}
  engine.attention %q : memref<1x1x8x8xf16>, %q : memref<1x1x8x8xf16>, %q : memref<1x1x8x8xf16> -> %o : memref<1x1x8x8xf16> scale 1.0 {knobs = array<i64: 1, 2, 3>}
  return
}
