// RUN: kiln-opt %s | FileCheck %s
// Round trip through the generic form too.
// RUN: kiln-opt %s -mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: engine.kernel @relu_0 source
engine.kernel @relu_0 source "extern \"C\" __global__ void relu_0(const float *x, float *y) {}"

// CHECK-LABEL: engine.kernel @relu_1 max_threads_per_block 128 source
engine.kernel @relu_1 max_threads_per_block 128 source "extern \"C\" __global__ void __launch_bounds__(128) relu_1(const float *x, float *y) {}"

// CHECK-LABEL: func.func @main
// CHECK-SAME: engine.input = "image"
// CHECK-SAME: engine.output = "probabilities"
func.func @main(%image: memref<1x16x16x8xf16> {engine.input = "image", engine.layout = "NHWC"},
                %out: memref<1x10xf32> {engine.output = "probabilities"}) {
  // CHECK: engine.weight dense<1.000000e+00> : tensor<8x3x3x8xf16> : memref<8x3x3x8xf16>
  %w = engine.weight dense<1.0> : tensor<8x3x3x8xf16> : memref<8x3x3x8xf16>
  // CHECK: engine.weight dense<{{.*}}> : tensor<8xf16> {name = "conv1.bias"} : memref<8xf16>
  %b = engine.weight dense<0.5> : tensor<8xf16> {name = "conv1.bias"} : memref<8xf16>
  // CHECK: engine.alloc {offset = 0 : i64} : memref<1x16x16x8xf16>
  %y = engine.alloc {offset = 0 : i64} : memref<1x16x16x8xf16>
  // CHECK: engine.alloc : memref<1x16x16x16xf16>
  %cat = engine.alloc : memref<1x16x16x16xf16>
  // CHECK: engine.view %{{.*}}[16] : memref<1x16x16x16xf16> to memref<1x16x16x8xf16, strided<[4096, 256, 16, 1]>>
  %half = engine.view %cat[16] : memref<1x16x16x16xf16> to memref<1x16x16x8xf16, strided<[4096, 256, 16, 1]>>
  // CHECK: engine.conv %{{.*}} : memref<1x16x16x8xf16>, %{{.*}} : memref<8x3x3x8xf16> bias %{{.*}} : memref<8xf16> residual %{{.*}} : memref<1x16x16x8xf16> -> %{{.*}} : memref<1x16x16x8xf16> strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last activation <relu> {layers = ["conv1", "relu1"], precision = "fp16"}
  engine.conv %image : memref<1x16x16x8xf16>, %w : memref<8x3x3x8xf16>
      bias %b : memref<8xf16> residual %image : memref<1x16x16x8xf16>
      -> %y : memref<1x16x16x8xf16> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "relu1"], precision = "fp16"}
  // CHECK: engine.conv {{.*}} groups 8 layout channels_last {engine_id = 3 : i64, knobs = array<i64: 1, 2>, workspace = 1024 : i64}
  %dw = engine.weight dense<1.0> : tensor<8x3x3x1xf16> : memref<8x3x3x1xf16>
  engine.conv %y : memref<1x16x16x8xf16>, %dw : memref<8x3x3x1xf16>
      -> %half : memref<1x16x16x8xf16, strided<[4096, 256, 16, 1]>>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 8
      layout channels_last {engine_id = 3, knobs = array<i64: 1, 2>, workspace = 1024}
  // CHECK: engine.conv {{.*}} transposed strides [2, 2]
  %up = engine.alloc : memref<1x8x32x32xf32>
  %x32 = engine.alloc : memref<1x4x16x16xf32>
  %wt = engine.weight dense<0.25> : tensor<4x8x2x2xf32> : memref<4x8x2x2xf32>
  engine.conv %x32 : memref<1x4x16x16xf32>, %wt : memref<4x8x2x2xf32>
      -> %up : memref<1x8x32x32xf32> transposed strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
  // A fused INT8 convolution: per-channel scale, bias, int8 residual and its scale.
  // CHECK: engine.conv %{{.*}} : memref<1x4x4x8xi8>, %{{.*}} : memref<8x1x1x8xi8> bias %{{.*}} : memref<8xf32> residual %{{.*}} : memref<1x4x4x8xi8> scale %{{.*}} : memref<8xf32> -> %{{.*}} : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last activation <relu> {precision = "int8", residual_scale = 5.000000e-01 : f32}
  %qx = engine.alloc : memref<1x4x4x8xi8>
  %qy = engine.alloc : memref<1x4x4x8xi8>
  %qw = engine.weight dense<1> : tensor<8x1x1x8xi8> : memref<8x1x1x8xi8>
  %qs = engine.weight dense<0.25> : tensor<8xf32> : memref<8xf32>
  %qb = engine.weight dense<0.0> : tensor<8xf32> : memref<8xf32>
  engine.conv %qx : memref<1x4x4x8xi8>, %qw : memref<8x1x1x8xi8>
      bias %qb : memref<8xf32> residual %qx : memref<1x4x4x8xi8> scale %qs : memref<8xf32>
      -> %qy : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
      layout channels_last activation <relu> {precision = "int8", residual_scale = 0.5 : f32}
  // A fused INT8 convolution with SiLU (format 1.5): post_scale after it.
  // CHECK: engine.conv %{{.*}} scale %{{.*}} : memref<8xf32> -> %{{.*}} : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last activation <silu> {post_scale = 4.000000e+01 : f32, precision = "int8", residual_scale = 2.500000e-01 : f32}
  engine.conv %qx : memref<1x4x4x8xi8>, %qw : memref<8x1x1x8xi8>
      bias %qb : memref<8xf32> residual %qx : memref<1x4x4x8xi8> scale %qs : memref<8xf32>
      -> %qy : memref<1x4x4x8xi8> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
      layout channels_last activation <silu>
      {precision = "int8", residual_scale = 0.25 : f32, post_scale = 40.0 : f32}

  %flat = engine.view %y[0] : memref<1x16x16x8xf16> to memref<1x2048xf16>
  %fc = engine.weight dense<0.1> : tensor<10x2048xf16> : memref<10x2048xf16>
  %fcb = engine.weight dense<0.0> : tensor<10xf16> : memref<10xf16>
  %logits = engine.alloc : memref<1x10xf16>
  // CHECK: engine.gemm %{{.*}} : memref<1x2048xf16>, %{{.*}} : memref<10x2048xf16> bias %{{.*}} : memref<10xf16> -> %{{.*}} : memref<1x10xf16> trans_b activation <relu>
  engine.gemm %flat : memref<1x2048xf16>, %fc : memref<10x2048xf16> bias %fcb : memref<10xf16>
      -> %logits : memref<1x10xf16> trans_b activation <relu>
  // A 16-bit GEMM writing f32, with an f32 bias (a widened classifier).
  %fcb32 = engine.weight dense<0.0> : tensor<10xf32> : memref<10xf32>
  %wide = engine.alloc : memref<1x10xf32>
  // CHECK: engine.gemm %{{.*}} : memref<1x2048xf16>, %{{.*}} : memref<10x2048xf16> bias %{{.*}} : memref<10xf32> -> %{{.*}} : memref<1x10xf32> trans_b
  engine.gemm %flat : memref<1x2048xf16>, %fc : memref<10x2048xf16> bias %fcb32 : memref<10xf32>
      -> %wide : memref<1x10xf32> trans_b
  // CHECK: engine.gemm {{.*}} c %{{.*}} : memref<12x128x128xf32> -> {{.*}} trans_b {algo = array<i64: 1, 2, 3, 4, 5, 6, 7, 8>}
  %q = engine.alloc : memref<12x128x64xf32>
  %k = engine.alloc : memref<12x128x64xf32>
  %s = engine.alloc : memref<12x128x128xf32>
  engine.gemm %q : memref<12x128x64xf32>, %k : memref<12x128x64xf32> c %s : memref<12x128x128xf32>
      -> %s : memref<12x128x128xf32> trans_b {algo = array<i64: 1, 2, 3, 4, 5, 6, 7, 8>}

  %probs = engine.alloc : memref<1x10xf32>
  // CHECK: engine.dispatch ins(%{{.*}} : memref<1x10xf16>) outs(%{{.*}} : memref<1x10xf32>) {
  // CHECK: nn.cast
  // CHECK: engine.yield %{{.*}} : tensor<1x10xf32>
  // CHECK: } {layers = ["softmax"]}
  engine.dispatch ins(%logits : memref<1x10xf16>) outs(%probs : memref<1x10xf32>) {
  ^bb0(%l: tensor<1x10xf16>):
    %c = nn.cast %l : tensor<1x10xf16> to tensor<1x10xf32>
    %p = nn.softmax %c axis 1 : tensor<1x10xf32>
    engine.yield %p : tensor<1x10xf32>
  } {layers = ["softmax"]}
  // CHECK: engine.launch @relu_0(%{{.*}}, %{{.*}}) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["relu"]} : memref<1x10xf32>, memref<1x10xf32>
  engine.launch @relu_0(%probs, %out) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["relu"]}
      : memref<1x10xf32>, memref<1x10xf32>
  // CHECK: engine.launch @relu_0{{.*}} shared_memory 128 outputs 1
  engine.launch @relu_0(%probs, %out) grid [1, 1, 1] block [32, 1, 1] shared_memory 128 outputs 1
      : memref<1x10xf32>, memref<1x10xf32>
  // CHECK: engine.copy %{{.*}}, %{{.*}} : memref<1x10xf32>, memref<10xf32>
  %copy = engine.alloc : memref<10xf32>
  engine.copy %probs, %copy : memref<1x10xf32>, memref<10xf32>
  return
}

// Tests that engine.attention round-trips with strided [B, S, H, D] views,
// a bias and a chosen cuDNN engine, and without a bias on contiguous buffers.
// CHECK-LABEL: func.func @attention
func.func @attention(%qkv: memref<2x8x3x64xf16>, %mask: memref<2x1x8x8xf16>,
                     %o: memref<2x8x64xf16>, %bq: memref<2x4x16x32xbf16>,
                     %bo: memref<2x4x16x32xbf16>) {
  %q = engine.view %qkv[0] : memref<2x8x3x64xf16> to memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>
  %k = engine.view %qkv[128] : memref<2x8x3x64xf16> to memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>
  %v = engine.view %qkv[256] : memref<2x8x3x64xf16> to memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>
  %ov = engine.view %o[0] : memref<2x8x64xf16> to memref<2x1x8x64xf16>
  // CHECK: engine.attention %{{.*}} : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>, %{{.*}} : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>, %{{.*}} : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>> bias %{{.*}} : memref<2x1x8x8xf16> -> %{{.*}} : memref<2x1x8x64xf16> scale 1.250000e-01 {engine_id = 8 : i64, knobs = array<i64: 24, 26>, layers = ["attention0"], precision = "fp16", workspace = 1024 : i64}
  engine.attention %q : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>,
      %k : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>,
      %v : memref<2x1x8x64xf16, strided<[1536, 64, 192, 1]>>
      bias %mask : memref<2x1x8x8xf16> -> %ov : memref<2x1x8x64xf16> scale 0.125
      {layers = ["attention0"], precision = "fp16", engine_id = 8, knobs = array<i64: 24, 26>, workspace = 1024}
  // CHECK: engine.attention %{{.*}} : memref<2x4x16x32xbf16>, %{{.*}} : memref<2x4x16x32xbf16>, %{{.*}} : memref<2x4x16x32xbf16> -> %{{.*}} : memref<2x4x16x32xbf16> scale 1.000000e+00{{$}}
  engine.attention %bq : memref<2x4x16x32xbf16>, %bq : memref<2x4x16x32xbf16>,
      %bq : memref<2x4x16x32xbf16> -> %bo : memref<2x4x16x32xbf16> scale 1.0
  return
}
