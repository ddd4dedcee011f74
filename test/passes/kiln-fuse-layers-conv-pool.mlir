// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -kiln-fold-constants | FileCheck %s --check-prefix=FOLD
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FuseLayersPass
// STATS-NEXT: (S) 1 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 0 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests conv + pool (kiln-fuse-layers): DenseNet's transition, a 1×1 conv
// (bias from a folded BN) and a 2×2 average pool of stride 2, becomes one
// 2×2 conv of stride 2 whose filter is the 1×1 filter on each tap, divided
// by 4 (pads of the filter, added, times 1/4: layers that constant folding
// evaluates), with the conv's bias; the same multiply-adds, no pool.
// CHECK-LABEL: func.func @densenet_transition
// CHECK-NOT: nn.pool
// CHECK: %[[P0:.*]] = nn.pad %arg1 pads [0, 0, 0, 0, 0, 0, 1, 1] : tensor<4x8x1x1xf32>
// CHECK: %[[P1:.*]] = nn.pad %arg1 pads [0, 0, 0, 1, 0, 0, 1, 0]
// CHECK: %[[S1:.*]] = nn.add %[[P0]], %[[P1]]
// CHECK: nn.pad %arg1 pads [0, 0, 1, 0, 0, 0, 0, 1]
// CHECK: nn.pad %arg1 pads [0, 0, 1, 1, 0, 0, 0, 0]
// CHECK: %[[W:.*]] = nn.mul %{{.*}}, %{{.*}} : (tensor<4x8x2x2xf32>, tensor<f32>) -> tensor<4x8x2x2xf32>
// CHECK: %[[C:.*]] = nn.conv %arg0, %[[W]] bias %arg2 strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
// CHECK-SAME: -> tensor<1x4x4x4xf32>
// CHECK-NOT: nn.pool
// CHECK: return %[[C]]
func.func @densenet_transition(%x: tensor<1x8x8x8xf32>, %w: tensor<4x8x1x1xf32>, %b: tensor<4xf32>)
    -> tensor<1x4x4x4xf32> {
  %c = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %p : tensor<1x4x4x4xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 1 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 0 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests a padded 3×3 conv before a 2×2 average pool of stride 2 on an odd
// size (the pool drops the last row and column): one 4×4 conv of stride 2
// with the conv's begin padding and the end padding that gives the pool's
// size (none here); 16 taps per pooled output against 9 × 4 before. With constant
// weights the merged filter folds to one constant.
// CHECK-LABEL: func.func @padded_conv
// CHECK: nn.conv %arg0, %{{.*}} strides [2, 2] pads [1, 1, 0, 0] dilations [1, 1] layout channels_last
// CHECK-SAME: (tensor<1x7x7x3xf32>, tensor<2x4x4x3xf32>) -> tensor<1x3x3x2xf32>
// CHECK-NOT: nn.pool
// FOLD-LABEL: func.func @padded_conv
// FOLD: %[[W:.*]] = nn.constant {{.*}} : tensor<2x4x4x3xf32>
// FOLD-NEXT: nn.conv %arg0, %[[W]]
// FOLD-NOT: nn.pad
func.func @padded_conv(%x: tensor<1x7x7x3xf32>) -> tensor<1x3x3x2xf32> {
  %w = nn.constant dense<0.5> : tensor<2x3x3x3xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x7x7x3xf32>, tensor<2x3x3x3xf32>) -> tensor<1x7x7x2xf32>
  %p = nn.pool avg %c kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x7x7x2xf32>) -> tensor<1x3x3x2xf32>
  return %p : tensor<1x3x3x2xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 0 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests what must not fuse: a max pool (not linear), an activation between
// conv and pool (the conv's epilogue), a pool that pads, a conv result with
// another user, and a 3×3 stride-1 pool after a 1×1 conv (the merged 3×3
// conv would take 9 times the multiply-adds).
// CHECK-LABEL: func.func @must_not_fuse
// CHECK: nn.pool max
// CHECK: nn.conv {{.*}} activation <relu>
// CHECK: nn.pool avg {{.*}} kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0]
// CHECK: nn.pool avg {{.*}} kernel [3, 3] strides [2, 2] pads [1, 1, 0, 0]
// CHECK: %[[SHARED:.*]] = nn.conv
// CHECK: nn.pool avg %[[SHARED]] kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0]
// CHECK: nn.pool avg {{.*}} kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1]
// CHECK-NOT: nn.pad
func.func @must_not_fuse(%x: tensor<1x8x8x8xf32>, %w: tensor<8x8x1x1xf32>)
    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>,
        tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %c1 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %max = nn.pool max %c1 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
         : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %c2 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
        : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %act = nn.pool avg %c2 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
         : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %c3 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %padded = nn.pool avg %c3 kernel [3, 3] strides [2, 2] pads [1, 1, 0, 0] dilations [1, 1]
            : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %c4 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %shared = nn.pool avg %c4 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
            : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %c5 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %wide = nn.pool avg %c5 kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
          : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %max, %act, %padded, %shared, %c4, %wide
      : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>,
        tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}
