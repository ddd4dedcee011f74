// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=depthwise-conv=kernel | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=depthwise-conv=cudnn -verify-diagnostics -o /dev/null

// Tests that an INT8 depthwise conv (int8 data, per-channel int8 weights, an
// i32 bias, ReLU6, int8 output) becomes one dispatch holding the quantized
// conv and its whole epilogue (Kiln's INT8 depthwise kernel): no cuDNN step,
// no f32 sums, no epilogue kernel. Under depthwise-conv=cudnn it is refused
// as before (one channel per group), naming the kernel that runs it. (A
// grouped INT8 conv that is not depthwise stays refused under every setting:
// kiln-convert-nn-to-engine-int8.mlir.)
// CHECK-LABEL: func.func @int8_depthwise
// CHECK-NOT: engine.conv
// CHECK-NOT: engine.alloc : memref<{{.*}}xf32>
// CHECK: engine.dispatch ins(%arg0{{.*}} : memref<1x8x8x16xi8>{{.*}}) outs(%arg1 : memref<1x8x8x16xi8>)
// CHECK: nn.conv {{.*}} groups 16 layout channels_last activation <clip, min = 0.000000e+00, max = 6.000000e+00>
// CHECK-SAME: -> tensor<1x8x8x16x!quant.uniform<i8:f32, 2.500000e-02>>
// CHECK: {layers = ["dw"], precision = "int8"}
// CHECK-NOT: engine.dispatch
!x = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32:0, {0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02}>
!b = !quant.uniform<i32:f32:0, {5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3, 5.0e-4, 1.0e-3}>
!y = !quant.uniform<i8:f32, 0.025>
func.func @int8_depthwise(%x: tensor<1x8x8x16x!x>) -> tensor<1x8x8x16x!y> {
  %w = nn.constant dense<3> : tensor<16x3x3x1xi8> as tensor<16x3x3x1x!w>
  %b = nn.constant dense<7> : tensor<16xi32> as tensor<16x!b>
  // expected-error @unknown {{cannot lower layer 'dw' (nn.conv) to the engine: cuDNN's int8 convolutions need a multiple of 4 input channels per group, found 1 (in 16 groups, or with a computed filter, which the lowering cannot pad; depthwise-conv=auto or kernel runs it in Kiln's INT8 depthwise kernel)}}
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 16
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x8x8x16x!x>, tensor<16x3x3x1x!w>, tensor<16x!b>) -> tensor<1x8x8x16x!y> loc("dw")
  return %y : tensor<1x8x8x16x!y>
}

// -----

// Tests that an INT8 depthwise conv with an int8 residual and a float
// output is one dispatch too (the residual read as int8).
// CHECK-LABEL: func.func @int8_depthwise_residual_float_out
// CHECK-NOT: engine.conv
// CHECK: engine.dispatch ins(%arg0, %{{.*}}, %arg1 : memref<2x6x6x32xi8>, memref<32x5x5x1xi8>, memref<2x6x6x32xi8>) outs(%arg2 : memref<2x6x6x32xf32>)
// CHECK: nn.conv {{.*}} residual {{.*}} strides [1, 1] pads [2, 2, 2, 2] {{.*}} groups 32
// CHECK: {precision = "int8"}
!x = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32, 0.02>
!r = !quant.uniform<i8:f32, 0.1>
func.func @int8_depthwise_residual_float_out(%x: tensor<2x6x6x32x!x>, %r: tensor<2x6x6x32x!r>) -> tensor<2x6x6x32xf32> {
  %w = nn.constant dense<-2> : tensor<32x5x5x1xi8> as tensor<32x5x5x1x!w>
  // expected-error @below {{found 1 (in 32 groups}}
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [2, 2, 2, 2] dilations [1, 1] groups 32
       layout channels_last
       : (tensor<2x6x6x32x!x>, tensor<32x5x5x1x!w>, tensor<2x6x6x32x!r>) -> tensor<2x6x6x32xf32>
  return %y : tensor<2x6x6x32xf32>
}
