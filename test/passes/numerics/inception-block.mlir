// Tests that horizontal merging, concat elimination, pad + conv and layout
// conversion keep the numerics of an inception block (GoogLeNet).
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fuse-layers,kiln-merge-horizontal))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-merge-horizontal,kiln-eliminate-concat,kiln-fold-constants))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-convert-layout))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' | FileCheck %s
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16})' | FileCheck %s
// CHECK: @inception: 1 result(s) agree
func.func @inception(%x: tensor<1x12x8x8xf32>, %w1: tensor<6x12x1x1xf32>, %b1: tensor<6xf32>,
                     %w2: tensor<4x12x1x1xf32>, %w3: tensor<6x4x3x3xf32>, %w4: tensor<3x12x1x1xf32>,
                     %w5: tensor<5x3x5x5xf32>, %w6: tensor<4x12x1x1xf32>) -> tensor<1x21x8x8xf32> {
  %a = nn.conv %x, %w1 bias %b1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x12x8x8xf32>, tensor<6x12x1x1xf32>, tensor<6xf32>) -> tensor<1x6x8x8xf32>
  %ar = nn.relu %a : tensor<1x6x8x8xf32>
  %b = nn.conv %x, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x12x8x8xf32>, tensor<4x12x1x1xf32>) -> tensor<1x4x8x8xf32>
  %br = nn.relu %b : tensor<1x4x8x8xf32>
  %bp = nn.pad %br pads [0, 0, 1, 1, 0, 0, 1, 1] : tensor<1x4x8x8xf32>
  %b3 = nn.conv %bp, %w3 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x4x10x10xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x8x8xf32>
  %c = nn.conv %x, %w4 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x12x8x8xf32>, tensor<3x12x1x1xf32>) -> tensor<1x3x8x8xf32>
  %cr = nn.relu %c : tensor<1x3x8x8xf32>
  %c5 = nn.conv %cr, %w5 strides [1, 1] pads [2, 2, 2, 2] dilations [1, 1]
        : (tensor<1x3x8x8xf32>, tensor<5x3x5x5xf32>) -> tensor<1x5x8x8xf32>
  %p = nn.pool max %x kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x12x8x8xf32>) -> tensor<1x12x8x8xf32>
  %d = nn.conv %p, %w6 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x12x8x8xf32>, tensor<4x12x1x1xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.concat %ar, %b3, %c5, %d axis 1
       : tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>, tensor<1x5x8x8xf32>, tensor<1x4x8x8xf32>
  return %y : tensor<1x21x8x8xf32>
}
