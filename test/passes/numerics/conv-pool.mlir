// Tests that conv + average pool → one conv keeps the numerics: DenseNet's
// transition (BN, ReLU, 1×1 conv, 2×2 average pool of stride 2), a padded
// strided 3×3 conv before a pool on an odd size, a depthwise conv, and a
// channels-last conv, through kiln-fuse-layers and the whole pipeline.
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm,kiln-fold-constants,kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' --print-transformed | FileCheck %s --check-prefixes=CHECK,IR
// IR-NOT: nn.pool
// CHECK-DAG: @transition: 1 result(s) agree
// CHECK-DAG: @strided: 1 result(s) agree
// CHECK-DAG: @depthwise: 1 result(s) agree
// CHECK-DAG: @channels_last: 1 result(s) agree
func.func @transition(%x: tensor<1x8x8x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                      %m: tensor<8xf32>, %w: tensor<4x8x1x1xf32>, %wb: tensor<4xf32>)
    -> tensor<1x4x4x4xf32> {
  %v = nn.constant dense<1.5> : tensor<8xf32>
  %n = nn.batch_norm %x, %g, %b, %m, %v
       : tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %r = nn.relu %n : tensor<1x8x8x8xf32>
  %c = nn.conv %r, %w bias %wb strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}
func.func @strided(%x: tensor<1x3x15x15xf32>, %w: tensor<5x3x3x3xf32>) -> tensor<1x5x4x4xf32> {
  %c = nn.conv %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x15x15xf32>, tensor<5x3x3x3xf32>) -> tensor<1x5x8x8xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x5x8x8xf32>) -> tensor<1x5x4x4xf32>
  return %p : tensor<1x5x4x4xf32>
}
func.func @depthwise(%x: tensor<1x6x9x9xf32>, %w: tensor<6x1x3x3xf32>, %b: tensor<6xf32>)
    -> tensor<1x6x4x4xf32> {
  %c = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 6
       : (tensor<1x6x9x9xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<1x6x9x9xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x6x9x9xf32>) -> tensor<1x6x4x4xf32>
  return %p : tensor<1x6x4x4xf32>
}
func.func @channels_last(%x: tensor<1x6x6x4xf32>, %w: tensor<8x1x1x4xf32>) -> tensor<1x3x3x8xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x6x6x4xf32>, tensor<8x1x1x4xf32>) -> tensor<1x6x6x8xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x6x6x8xf32>) -> tensor<1x3x3x8xf32>
  return %p : tensor<1x3x3x8xf32>
}
