// RUN: kiln-opt %s -split-input-file -kiln-merge-horizontal | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-merge-horizontal="min-group-size=3" | FileCheck %s --check-prefix=THREE
// RUN: kiln-opt %s -split-input-file -kiln-merge-horizontal -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: MergeHorizontalPass
// STATS-NEXT: (S) 3 merged-convs - Convolutions merged into a wider one
// STATS-NEXT: (S) 0 merged-matmuls - Attention projections merged into a wider one
// STATS-NEXT: (S) 1 wide-convs - Wider convolutions the merged ones became
// STATS-NEXT: (S) 0 wide-matmuls - Wider matrix products the merged ones became

// Tests GoogLeNet's inception 1x1 branches: three 1x1 convs of one input
// (one without bias) become one conv of 64+96+16 filters, sliced back.
// CHECK-LABEL: func.func @inception_1x1
// CHECK-SAME: (%[[X:.*]]: tensor<1x192x28x28xf32>, %[[W1:.*]]: tensor<64x192x1x1xf32>, %[[B1:.*]]: tensor<64xf32>, %[[W2:.*]]: tensor<96x192x1x1xf32>, %[[B2:.*]]: tensor<96xf32>, %[[W3:.*]]: tensor<16x192x1x1xf32>)
// CHECK: %[[Z:.*]] = nn.constant dense<0.000000e+00> : tensor<16xf32>
// CHECK: %[[W:.*]] = nn.concat %[[W1]], %[[W2]], %[[W3]] axis 0
// CHECK: %[[B:.*]] = nn.concat %[[B1]], %[[B2]], %[[Z]] axis 0
// CHECK: %[[C:.*]] = nn.conv %[[X]], %[[W]] bias %[[B]] {{.*}} activation <relu> : ({{.*}}) -> tensor<1x176x28x28xf32>
// CHECK-NEXT: nn.slice %[[C]] starts [0, 0, 0, 0] ends [1, 64, 28, 28]
// CHECK-NEXT: nn.slice %[[C]] starts [0, 64, 0, 0] ends [1, 160, 28, 28]
// CHECK-NEXT: nn.slice %[[C]] starts [0, 160, 0, 0] ends [1, 176, 28, 28]
// CHECK-NOT: nn.conv
// CHECK: return
// THREE-LABEL: func.func @inception_1x1
// THREE-COUNT-1: nn.conv
func.func @inception_1x1(%x: tensor<1x192x28x28xf32>, %w1: tensor<64x192x1x1xf32>, %b1: tensor<64xf32>,
                         %w2: tensor<96x192x1x1xf32>, %b2: tensor<96xf32>, %w3: tensor<16x192x1x1xf32>)
    -> (tensor<1x64x28x28xf32>, tensor<1x96x28x28xf32>, tensor<1x16x28x28xf32>) {
  %a = nn.conv %x, %w1 bias %b1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x192x28x28xf32>, tensor<64x192x1x1xf32>, tensor<64xf32>) -> tensor<1x64x28x28xf32>
  %b = nn.conv %x, %w2 bias %b2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x192x28x28xf32>, tensor<96x192x1x1xf32>, tensor<96xf32>) -> tensor<1x96x28x28xf32>
  %c = nn.conv %x, %w3 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x192x28x28xf32>, tensor<16x192x1x1xf32>) -> tensor<1x16x28x28xf32>
  return %a, %b, %c : tensor<1x64x28x28xf32>, tensor<1x96x28x28xf32>, tensor<1x16x28x28xf32>
}

// -----

// STATS: MergeHorizontalPass
// STATS-NEXT: (S) 2 merged-convs - Convolutions merged into a wider one
// STATS-NEXT: (S) 0 merged-matmuls - Attention projections merged into a wider one
// STATS-NEXT: (S) 1 wide-convs - Wider convolutions the merged ones became
// STATS-NEXT: (S) 0 wide-matmuls - Wider matrix products the merged ones became

// Tests that convs differing in kernel size, stride, activation, input or
// with a residual are not merged, and that a pair still is (but not with
// min-group-size=3).
// CHECK-LABEL: func.func @must_not_merge
// CHECK: %[[M:.*]] = nn.conv %arg0, %{{.*}} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>)
// CHECK-COUNT-5: nn.conv
// CHECK-NOT: nn.conv
// CHECK: return
// THREE-LABEL: func.func @must_not_merge
// THREE-COUNT-7: nn.conv
func.func @must_not_merge(%x: tensor<1x8x8x8xf32>, %y: tensor<1x8x8x8xf32>, %w1: tensor<4x8x1x1xf32>,
                          %w3: tensor<4x8x3x3xf32>, %r: tensor<1x4x8x8xf32>)
    -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>,
        tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %a = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  %b = nn.conv %x, %w3 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x3x3xf32>) -> tensor<1x4x8x8xf32>
  %c = nn.conv %x, %w1 strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %d = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  %e = nn.conv %y, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  %f = nn.conv %x, %w1 residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %g = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  %s = nn.add %a, %g : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %s, %b, %c, %d, %e, %f : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>,
      tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}
