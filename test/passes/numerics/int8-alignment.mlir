// Tests that padding INT8 convs to 32 channels (zero weights of scale 1,
// zero bias, zero-filled inputs, sliced outputs) leaves the results exactly
// as they were, alone and after the Q/DQ passes on a fake-quantized graph.
// RUN: kiln-check-numerics %s --atol 0 --rtol 0 --pass-pipeline='builtin.module(func.func(kiln-pad-for-alignment,kiln-fold-constants))' | FileCheck %s
// RUN: kiln-check-numerics %s --atol 0.0500001 --rtol 1 --pass-pipeline='builtin.module(kiln-propagate-qdq,func.func(kiln-fuse-layers,kiln-fuse-qdq,kiln-pad-for-alignment,kiln-fold-constants))' --print-transformed | FileCheck %s --check-prefix=QDQ
// CHECK: @int8_chain: 1 result(s) agree
// QDQ: nn.conv {{.*}} -> tensor<1x32x4x4x!quant.uniform<i8:f32, 5.000000e-02>>
// QDQ: @qdq_chain: 1 result(s) agree
!q = !quant.uniform<i8:f32, 0.05>
!w1 = !quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2, 0.3, 0.1, 0.2, 0.3}>
!b1 = !quant.uniform<i32:f32:0, {0.005, 0.01, 0.015, 0.005, 0.01, 0.015}>
!w2 = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>
func.func @int8_chain(%x: tensor<1x3x4x4x!q>) -> tensor<1x4x4x4xf32> {
  %w1 = nn.constant dense<[[[[3]], [[-5]], [[7]]], [[[1]], [[2]], [[3]]], [[[-9]], [[4]], [[1]]],
                           [[[6]], [[-6]], [[2]]], [[[0]], [[8]], [[-3]]], [[[5]], [[5]], [[5]]]]>
        : tensor<6x3x1x1xi8> as tensor<6x3x1x1x!w1>
  %b1 = nn.constant dense<[10, -20, 30, -40, 50, -60]> : tensor<6xi32> as tensor<6x!b1>
  %c1 = nn.conv %x, %w1 bias %b1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
        : (tensor<1x3x4x4x!q>, tensor<6x3x1x1x!w1>, tensor<6x!b1>) -> tensor<1x6x4x4x!q>
  %w2 = nn.constant dense<-2> : tensor<4x6x3x3xi8> as tensor<4x6x3x3x!w2>
  %c2 = nn.conv %c1, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
        : (tensor<1x6x4x4x!q>, tensor<4x6x3x3x!w2>) -> tensor<1x4x4x4xf32>
  return %c2 : tensor<1x4x4x4xf32>
}
func.func @qdq_chain(%x: tensor<1x3x4x4xf32>, %w: tensor<5x3x3x3xf32>) -> tensor<1x5x4x4xf32> {
  %q = nn.quantize %x : tensor<1x3x4x4xf32> to tensor<1x3x4x4x!q>
  %d = nn.dequantize %q : tensor<1x3x4x4x!q>
  %wc = nn.constant dense<0.25> : tensor<5x3x3x3xf32>
  %c = nn.conv %d, %wc strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x4x4xf32>, tensor<5x3x3x3xf32>) -> tensor<1x5x4x4xf32>
  %r = nn.relu %c : tensor<1x5x4x4xf32>
  %qo = nn.quantize %r : tensor<1x5x4x4xf32> to tensor<1x5x4x4x!q>
  %y = nn.dequantize %qo : tensor<1x5x4x4x!q>
  return %y : tensor<1x5x4x4xf32>
}
