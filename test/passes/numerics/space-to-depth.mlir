// Tests that strided convs over few channels blocked into stride-1 convs
// (kiln-space-to-depth) keep the numerics: ResNet's stem (7×7/2 padded by 3,
// batch norm, relu, max pool) through the FP16 graph pipeline with and
// without the pass, and the pass alone on half-precision channels-last
// convs: a 3×3/2 stem with a residual, end padding past the image, a 4×4/4
// patch embedding, a bias and clip.
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16})' --print-transformed | FileCheck %s --check-prefixes=STEM,IR
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16 space-to-depth=false})' --print-transformed | FileCheck %s --check-prefixes=STEM,OFF
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(func.func(kiln-space-to-depth))' | FileCheck %s --check-prefix=ALONE
// IR: nn.conv {{.*}} strides [1, 1] pads [2, 2, 1, 1] {{.*}} -> tensor<2x16x16x8xf16>
// OFF: nn.conv {{.*}} strides [2, 2] pads [3, 3, 3, 3] {{.*}} -> tensor<2x16x16x8xf16>
// STEM: @stem: 1 result(s) agree
// ALONE-DAG: @nhwc_stem: 1 result(s) agree
// ALONE-DAG: @end_padding: 1 result(s) agree
// ALONE-DAG: @patchify: 1 result(s) agree
// ALONE-DAG: @bias_clip: 1 result(s) agree
func.func @stem(%x: tensor<2x3x32x32xf32>, %w: tensor<8x3x7x7xf32>, %g: tensor<8xf32>,
                %b: tensor<8xf32>, %m: tensor<8xf32>) -> tensor<2x8x8x8xf32> {
  %v = nn.constant dense<1.5> : tensor<8xf32>
  %c = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       : (tensor<2x3x32x32xf32>, tensor<8x3x7x7xf32>) -> tensor<2x8x16x16xf32>
  %n = nn.batch_norm %c, %g, %b, %m, %v
       : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %r = nn.relu %n : tensor<2x8x16x16xf32>
  %p = nn.pool max %r kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<2x8x16x16xf32>) -> tensor<2x8x8x8xf32>
  return %p : tensor<2x8x8x8xf32>
}
func.func @nhwc_stem(%x: tensor<1x8x8x3xf16>, %w: tensor<4x3x3x3xf16>, %r: tensor<1x4x4x4xf16>) -> tensor<1x4x4x4xf16> {
  %c = nn.conv %x, %w residual %r strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x3xf16>, tensor<4x3x3x3xf16>, tensor<1x4x4x4xf16>) -> tensor<1x4x4x4xf16>
  return %c : tensor<1x4x4x4xf16>
}
func.func @end_padding(%x: tensor<1x8x8x2xf16>, %w: tensor<8x3x3x2xf16>) -> tensor<1x5x5x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [2, 2, 2, 2] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x2xf16>, tensor<8x3x3x2xf16>) -> tensor<1x5x5x8xf16>
  return %c : tensor<1x5x5x8xf16>
}
func.func @patchify(%x: tensor<1x3x8x8xf16>, %w: tensor<16x4x4x3xf16>) -> tensor<1x2x2x16xf16> {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x3x8x8xf16>
  %c = nn.conv %t, %w strides [4, 4] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x3xf16>, tensor<16x4x4x3xf16>) -> tensor<1x2x2x16xf16>
  return %c : tensor<1x2x2x16xf16>
}
func.func @bias_clip(%x: tensor<2x3x12x10xf16>, %w: tensor<8x5x5x3xf16>, %b: tensor<8xf16>) -> tensor<2x6x5x8xf16> {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x12x10xf16>
  %c = nn.conv %t, %w bias %b strides [2, 2] pads [2, 2, 2, 2] dilations [1, 1] layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<2x12x10x3xf16>, tensor<8x5x5x3xf16>, tensor<8xf16>) -> tensor<2x6x5x8xf16>
  return %c : tensor<2x6x5x8xf16>
}
