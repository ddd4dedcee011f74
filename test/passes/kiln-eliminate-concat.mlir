// RUN: kiln-opt %s -split-input-file -kiln-eliminate-concat | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-eliminate-concat -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: EliminateConcatPass
// STATS-NEXT: (S) 1 eliminated-concats - Concats made in place

// Tests that an inception-style concat of four branches becomes in place.
// CHECK-LABEL: func.func @inception_output
// CHECK: nn.concat {{.*}} axis 1 in_place
func.func @inception_output(%x: tensor<1x8x4x4xf32>, %w: tensor<4x8x1x1xf32>) -> tensor<1x12x4x4xf32> {
  %a = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %b = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %p = nn.pool max %x kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = nn.conv %p, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %y = nn.concat %a, %b, %c axis 1 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
  return %y : tensor<1x12x4x4xf32>
}

// -----

// STATS: EliminateConcatPass
// STATS-NEXT: (S) 0 eliminated-concats - Concats made in place

// Tests that a concat keeps its copy when an input has another user, is a
// function argument, is a constant, or appears twice.
// CHECK-LABEL: func.func @must_not_eliminate
// CHECK-NOT: in_place
func.func @must_not_eliminate(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>)
    -> (tensor<4x4xf32>, tensor<2x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %a = nn.relu %x : tensor<2x4xf32>
  %b = nn.exp %y : tensor<2x4xf32>
  %used = nn.concat %a, %b axis 0 : tensor<2x4xf32>, tensor<2x4xf32>
  %c = nn.neg %y : tensor<2x4xf32>
  %arg = nn.concat %c, %x axis 0 : tensor<2x4xf32>, tensor<2x4xf32>
  %k = nn.constant dense<1.0> : tensor<2x4xf32>
  %d = nn.sigmoid %y : tensor<2x4xf32>
  %const = nn.concat %d, %k axis 0 : tensor<2x4xf32>, tensor<2x4xf32>
  %e = nn.tanh %y : tensor<2x4xf32>
  %twice = nn.concat %e, %e axis 0 : tensor<2x4xf32>, tensor<2x4xf32>
  return %used, %a, %arg, %const, %twice : tensor<4x4xf32>, tensor<2x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
