// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -verify-diagnostics | FileCheck %s
// RUN: not kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=int8-epilogue=fast 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: int8-epilogue must be cudnn or kernel, got 'fast'

// Tests that an INT8 conv with int8 output, i32 bias and relu becomes one
// fused cuDNN step: the scale per channel is input scale x weight scale /
// output scale (0.5 x {0.02, 0.04, 0.06, 0.08} / 0.25), the bias dequantized
// over the output scale ({0.1, -0.4, 0.9, -1.6} / 0.25), and no epilogue
// kernel follows.
// CHECK-LABEL: func.func @fused_int8_out
// CHECK-SAME: %[[X:.*]]: memref<1x4x4x8xi8> {{.*}}, %[[OUT:.*]]: memref<1x4x4x4xi8>
// CHECK-DAG: %[[W:.*]] = engine.weight {{.*}} : memref<4x1x1x8xi8>
// CHECK-DAG: %[[S:.*]] = engine.weight dense<[4.000000e-02, 8.000000e-02, 1.200000e-01, 1.600000e-01]> : tensor<4xf32> {name = "qconv.int8_scale"} : memref<4xf32>
// CHECK-DAG: %[[B:.*]] = engine.weight dense<[0.399999976, -1.5999999, 3.600000e+00, -6.39999962]> : tensor<4xf32> {name = "qconv.int8_bias"} : memref<4xf32>
// CHECK-NOT: engine.alloc
// CHECK: engine.conv %[[X]] : memref<1x4x4x8xi8>, %[[W]] : memref<4x1x1x8xi8> bias %[[B]] : memref<4xf32> scale %[[S]] : memref<4xf32> -> %[[OUT]] : memref<1x4x4x4xi8>
// CHECK-SAME: layout channels_last activation <relu> {layers = ["qconv"], precision = "int8"}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04, 0.06, 0.08}>
!b = !quant.uniform<i32:f32:0, {0.01, 0.02, 0.03, 0.04}>
!y = !quant.uniform<i8:f32, 0.25>
func.func @fused_int8_out(%x: tensor<1x4x4x8x!x>) -> tensor<1x4x4x4x!y> {
  %w = nn.constant dense<3> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %b = nn.constant dense<[10, -20, 30, -40]> : tensor<4xi32> as tensor<4x!b>
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>, tensor<4x!b>) -> tensor<1x4x4x4x!y> loc("qconv")
  return %y : tensor<1x4x4x4x!y>
}

// -----

// Tests that an int8 residual is read as is by the fused step, scaled by its
// scale over the output's (0.125 / 0.25), with per-tensor weights (one scale
// repeated: 0.5 x 0.5 / 0.25) and zeros for the missing bias.
// CHECK-LABEL: func.func @fused_int8_residual
// CHECK-SAME: %[[X:[^:]*]]: memref<1x2x2x4xi8> {{.*}}, %[[R:[^:]*]]: memref<1x2x2x4xi8> {engine.input = "input_1"}
// CHECK-DAG: %[[S:.*]] = engine.weight dense<1.000000e+00> : tensor<4xf32> : memref<4xf32>
// CHECK-DAG: %[[B:.*]] = engine.weight dense<0.000000e+00> : tensor<4xf32> : memref<4xf32>
// CHECK: engine.conv %[[X]] : memref<1x2x2x4xi8>, %{{.*}} : memref<4x1x1x4xi8> bias %[[B]] : memref<4xf32> residual %[[R]] : memref<1x2x2x4xi8> scale %[[S]] : memref<4xf32> -> %{{.*}} : memref<1x2x2x4xi8>
// CHECK-SAME: activation <relu> {precision = "int8", residual_scale = 5.000000e-01 : f32}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!r = !quant.uniform<i8:f32, 0.125>
!y = !quant.uniform<i8:f32, 0.25>
func.func @fused_int8_residual(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y>
  return %y : tensor<1x2x2x4x!y>
}

// -----

// Tests that an INT8 conv whose output stays float is fused too: the scale is
// input scale x weight scale (nothing to requantize), the output f32.
// CHECK-LABEL: func.func @fused_float_out
// CHECK: %[[S:.*]] = engine.weight dense<2.500000e-01> : tensor<8xf32>
// CHECK: engine.conv %{{.*}} : memref<1x4x4x4xi8>, %{{.*}} : memref<8x3x3x4xi8> bias %{{.*}} : memref<8xf32> scale %[[S]] : memref<8xf32> -> %{{.*}} : memref<1x2x2x8xf32>
// CHECK-SAME: strides [2, 2] pads [1, 1, 1, 1]
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @fused_float_out(%x: tensor<1x4x4x4x!x>) -> tensor<1x2x2x8xf32> {
  %w = nn.constant dense<1> : tensor<8x3x3x4xi8> as tensor<8x3x3x4x!w>
  %y = nn.conv %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x4x!x>, tensor<8x3x3x4x!w>) -> tensor<1x2x2x8xf32>
  return %y : tensor<1x2x2x8xf32>
}

// -----

// Tests that an RGB stem keeps its padding kernel and runs fused after it.
// CHECK-LABEL: func.func @fused_rgb_stem
// CHECK: %[[WIDE:.*]] = engine.alloc : memref<1x2x2x4xi8>
// CHECK: engine.dispatch ins(%{{.*}} : memref<1x2x2x3xi8>) outs(%[[WIDE]] : memref<1x2x2x4xi8>)
// CHECK: engine.conv %[[WIDE]] : memref<1x2x2x4xi8>, %{{.*}} : memref<2x1x1x4xi8> bias {{.*}} scale {{.*}} -> %{{.*}} : memref<1x2x2x2xi8>
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.5>
func.func @fused_rgb_stem(%x: tensor<1x2x2x3x!x>) -> tensor<1x2x2x2x!y> {
  %w = nn.constant dense<[[[[1, 2, 3]]], [[[1, 2, 3]]]]> : tensor<2x1x1x3xi8> as tensor<2x1x1x3x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x3x!x>, tensor<2x1x1x3x!w>) -> tensor<1x2x2x2x!y>
  return %y : tensor<1x2x2x2x!y>
}

// -----

// Tests that ReLU6 (clip 0..6) with an int8 output is fused with its bounds
// in units of the output's step (6 / 0.25 = 24), so the graph ends in the
// conversion to int8.
// CHECK-LABEL: func.func @fused_clip_int8_out
// CHECK: engine.conv {{.*}} scale {{.*}} -> %{{.*}} : memref<1x4x4x4xi8>
// CHECK-SAME: activation <clip, min = 0.000000e+00, max = 2.400000e+01> {layers = ["qconv6"], precision = "int8"}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.25>
func.func @fused_clip_int8_out(%x: tensor<1x4x4x8x!x>) -> tensor<1x4x4x4x!y> {
  %w = nn.constant dense<1> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>) -> tensor<1x4x4x4x!y> loc("qconv6")
  return %y : tensor<1x4x4x4x!y>
}

// -----

// Tests that clip with a float output keeps its bounds (nothing to requantize).
// CHECK-LABEL: func.func @fused_clip_float_out
// CHECK: engine.conv {{.*}} scale {{.*}} -> %{{.*}} : memref<1x4x4x4xf32>
// CHECK-SAME: activation <clip, min = -1.000000e+00, max = 6.000000e+00>
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @fused_clip_float_out(%x: tensor<1x4x4x8x!x>) -> tensor<1x4x4x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <clip, min = -1.0, max = 6.0>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Tests that a float residual keeps the epilogue kernel (cuDNN's fused int8
// graph takes an int8 residual).
// CHECK-LABEL: func.func @float_residual_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x2x2x4xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]], %{{.*}} : memref<1x2x2x4xf32>, memref<1x2x2x4xf32>)
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @float_residual_not_fused(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %y : tensor<1x2x2x4xf32>
}

// -----

// Tests that SiLU with an int8 output is fused (format 1.5): it does not
// commute with the division by the output's scale, so the scale is the real
// one (0.5 x {0.02, 0.04, 0.06, 0.08}), the bias the dequantized one ({0.1,
// -0.4, 0.9, -1.6}), the activation runs on real values and post_scale = 1 /
// 0.25 follows it; no epilogue kernel.
// CHECK-LABEL: func.func @fused_silu_int8_out
// CHECK-DAG: %[[S:.*]] = engine.weight dense<[0.00999999977, 2.000000e-02, 3.000000e-02, 4.000000e-02]> : tensor<4xf32> {name = "qsilu.int8_scale"}
// CHECK-DAG: %[[B:.*]] = engine.weight dense<[0.099999994, -0.399999976, 0.899999976, -1.5999999]> : tensor<4xf32> {name = "qsilu.int8_bias"}
// CHECK-NOT: engine.alloc
// CHECK: engine.conv %{{.*}} : memref<1x4x4x8xi8>, %{{.*}} : memref<4x1x1x8xi8> bias %[[B]] : memref<4xf32> scale %[[S]] : memref<4xf32> -> %{{.*}} : memref<1x4x4x4xi8>
// CHECK-SAME: layout channels_last activation <silu> {layers = ["qsilu"], post_scale = 4.000000e+00 : f32, precision = "int8"}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04, 0.06, 0.08}>
!b = !quant.uniform<i32:f32:0, {0.01, 0.02, 0.03, 0.04}>
!y = !quant.uniform<i8:f32, 0.25>
func.func @fused_silu_int8_out(%x: tensor<1x4x4x8x!x>) -> tensor<1x4x4x4x!y> {
  %w = nn.constant dense<3> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %b = nn.constant dense<[10, -20, 30, -40]> : tensor<4xi32> as tensor<4x!b>
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <silu>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>, tensor<4x!b>) -> tensor<1x4x4x4x!y> loc("qsilu")
  return %y : tensor<1x4x4x4x!y>
}

// -----

// Tests that SiLU with an f16 output is fused without a post_scale (nothing
// to requantize): the real scale, silu, f16.
// CHECK-LABEL: func.func @fused_silu_half_out
// CHECK: %[[S:.*]] = engine.weight dense<2.500000e-01> : tensor<8xf32>
// CHECK: engine.conv {{.*}} scale %[[S]] : memref<8xf32> -> %{{.*}} : memref<1x4x4x8xf16>
// CHECK-SAME: layout channels_last activation <silu> {precision = "int8"}
// CHECK-NOT: post_scale
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f16, 0.5>
!w = !quant.uniform<i8:f16, 0.5>
func.func @fused_silu_half_out(%x: tensor<1x4x4x4x!x>) -> tensor<1x4x4x8xf16> {
  %w = nn.constant dense<1> : tensor<8x1x1x4xi8> as tensor<8x1x1x4x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <silu>
       : (tensor<1x4x4x4x!x>, tensor<8x1x1x4x!w>) -> tensor<1x4x4x8xf16>
  return %y : tensor<1x4x4x8xf16>
}

// -----

// Tests that sigmoid with an int8 residual is fused: the residual's scale
// stays real (0.125, not over the output's), the scale real (0.5 x 0.5),
// post_scale 1 / 0.0078125 = 128.
// CHECK-LABEL: func.func @fused_sigmoid_residual
// CHECK-DAG: %[[S:.*]] = engine.weight dense<2.500000e-01> : tensor<4xf32> : memref<4xf32>
// CHECK-DAG: %[[B:.*]] = engine.weight dense<0.000000e+00> : tensor<4xf32> : memref<4xf32>
// CHECK: engine.conv %{{.*}} bias %[[B]] : memref<4xf32> residual %{{.*}} : memref<1x2x2x4xi8> scale %[[S]] : memref<4xf32> -> %{{.*}} : memref<1x2x2x4xi8>
// CHECK-SAME: activation <sigmoid> {post_scale = 1.280000e+02 : f32, precision = "int8", residual_scale = 1.250000e-01 : f32}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!r = !quant.uniform<i8:f32, 0.125>
!y = !quant.uniform<i8:f32, 0.0078125>
func.func @fused_sigmoid_residual(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <sigmoid>
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y>
  return %y : tensor<1x2x2x4x!y>
}

// -----

// Tests that an activation cuDNN's pointwise operations lack (hard swish)
// keeps the epilogue kernel.
// CHECK-LABEL: func.func @hard_swish_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x2x2x4xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]] : memref<1x2x2x4xf32>)
// CHECK: nn.hard_swish
// CHECK: nn.quantize
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.0078125>
func.func @hard_swish_not_fused(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x4x!y> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <hard_swish>
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>) -> tensor<1x2x2x4x!y>
  return %y : tensor<1x2x2x4x!y>
}

// -----

// Tests that an output with a zero point keeps the epilogue kernel (the
// graph's rounding to int8 has none), as does an int8 residual with one.
// CHECK-LABEL: func.func @zero_points_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x2x2x4xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]] : memref<1x2x2x4xf32>)
// CHECK: engine.conv %{{.*}} -> %[[ACC2:.*]] : memref<1x2x2x4xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC2]], %{{.*}} : memref<1x2x2x4xf32>, memref<1x2x2x4xi8>)
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.25:-3>
!r = !quant.uniform<i8:f32, 0.25:5>
!z = !quant.uniform<i8:f32, 0.25>
func.func @zero_points_not_fused(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4x!r>) -> (tensor<1x2x2x4x!y>, tensor<1x2x2x4x!z>) {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>) -> tensor<1x2x2x4x!y>
  %z = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!z>
  return %y, %z : tensor<1x2x2x4x!y>, tensor<1x2x2x4x!z>
}

// -----

// Tests that a residual quantized per channel keeps the epilogue kernel (the
// fused graph scales the residual by one number); per-channel weights fuse.
// CHECK-LABEL: func.func @per_channel_residual_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x2x2x4xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]], %{{.*}} : memref<1x2x2x4xf32>, memref<1x2x2x4xi8>)
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25, 0.5, 0.25}>
!r = !quant.uniform<i8:f32:3, {0.25, 0.5, 0.25, 0.5}>
!y = !quant.uniform<i8:f32, 0.25>
func.func @per_channel_residual_not_fused(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!y>
  return %y : tensor<1x2x2x4x!y>
}

// -----

// Tests that a 1-D grouped convolution with SiLU keeps the epilogue kernel
// (cuDNN has no engine for it: the float lowering's rule), while the same
// convolution with relu is fused.
// CHECK-LABEL: func.func @grouped_1d_silu_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x8x8xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]] : memref<1x8x8xf32>)
// CHECK: nn.silu
// CHECK: engine.conv {{.*}} scale {{.*}} -> %{{.*}} : memref<1x8x8xi8>
// CHECK-SAME: groups 2 layout channels_last activation <relu>
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.25>
func.func @grouped_1d_silu_not_fused(%x: tensor<1x8x8x!x>) -> (tensor<1x8x8x!y>, tensor<1x8x8x!y>) {
  %w = nn.constant dense<1> : tensor<8x3x4xi8> as tensor<8x3x4x!w>
  %y = nn.conv %x, %w strides [1] pads [1, 1] dilations [1] groups 2 layout channels_last
       activation <silu> : (tensor<1x8x8x!x>, tensor<8x3x4x!w>) -> tensor<1x8x8x!y>
  %z = nn.conv %x, %w strides [1] pads [1, 1] dilations [1] groups 2 layout channels_last
       activation <relu> : (tensor<1x8x8x!x>, tensor<8x3x4x!w>) -> tensor<1x8x8x!y>
  return %y, %z : tensor<1x8x8x!y>, tensor<1x8x8x!y>
}

// -----

// Tests that a 2-D grouped (not depthwise) convolution with SiLU keeps the
// epilogue kernel (cuDNN's int8 graph with SiLU was probed for groups = 1
// only), while the same convolution with relu is fused.
// CHECK-LABEL: func.func @grouped_2d_silu_not_fused
// CHECK: engine.conv %{{.*}} -> %[[ACC:.*]] : memref<1x4x4x8xf32>
// CHECK-NOT: scale
// CHECK: engine.dispatch ins(%[[ACC]] : memref<1x4x4x8xf32>)
// CHECK: nn.silu
// CHECK: engine.conv {{.*}} scale {{.*}} -> %{{.*}} : memref<1x4x4x8xi8>
// CHECK-SAME: groups 2 layout channels_last activation <relu>
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!y = !quant.uniform<i8:f32, 0.25>
func.func @grouped_2d_silu_not_fused(%x: tensor<1x4x4x8x!x>) -> (tensor<1x4x4x8x!y>, tensor<1x4x4x8x!y>) {
  %w = nn.constant dense<1> : tensor<8x1x1x4xi8> as tensor<8x1x1x4x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2
       layout channels_last activation <silu>
       : (tensor<1x4x4x8x!x>, tensor<8x1x1x4x!w>) -> tensor<1x4x4x8x!y>
  %z = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2
       layout channels_last activation <relu>
       : (tensor<1x4x4x8x!x>, tensor<8x1x1x4x!w>) -> tensor<1x4x4x8x!y>
  return %y, %z : tensor<1x4x4x8x!y>, tensor<1x4x4x8x!y>
}
