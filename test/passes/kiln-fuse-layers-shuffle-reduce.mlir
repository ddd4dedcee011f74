// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

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
// STATS-NEXT: (S) 1 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 2 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests shuffle + reduce (kiln-fuse-layers): a reduction over a transposed
// tensor reduces the original tensor over the permuted axes, and only the
// kept dimensions are transposed after it, or nothing when their order is
// kept. The NHWC mean then becomes a global pool of the NCHW tensor.
// CHECK-LABEL: func.func @transpose_reduce
// CHECK-NOT: nn.transpose
// CHECK: %[[S:.*]] = nn.reduce sum %arg0 axes [2, 3] : tensor<1x64x7x7xf32>
// CHECK: %[[P:.*]] = nn.global_pool avg %arg0 : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
// CHECK: %[[M:.*]] = nn.reshape %[[P]] : tensor<1x64x1x1xf32> to tensor<1x64xf32>
// CHECK: return %[[S]], %[[M]]
func.func @transpose_reduce(%x: tensor<1x64x7x7xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x64x7x7xf32>
  %s = nn.reduce sum %t axes [1, 2] : tensor<1x7x7x64xf32>
  %m = nn.reduce mean %t axes [1, 2] : tensor<1x7x7x64xf32>
  return %s, %m : tensor<1x64xf32>, tensor<1x64xf32>
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
// STATS-NEXT: (S) 2 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that the transpose left after the reduction is the smaller one:
// with keep_dims the same permutation on the reduced tensor, without it the
// permutation of the kept dimensions.
// CHECK-LABEL: func.func @smaller_transpose
// CHECK: %[[K:.*]] = nn.reduce max %arg0 axes [3] keep_dims : tensor<2x3x4x5xf32>
// CHECK: %[[KT:.*]] = nn.transpose %[[K]] permutation [0, 2, 1, 3] : tensor<2x3x4x1xf32>
// CHECK: %[[D:.*]] = nn.reduce l2 %arg0 axes [0, 3] : tensor<2x3x4x5xf32>
// CHECK: %[[DT:.*]] = nn.transpose %[[D]] permutation [1, 0] : tensor<3x4xf32>
// CHECK: return %[[KT]], %[[DT]]
func.func @smaller_transpose(%x: tensor<2x3x4x5xf32>) -> (tensor<2x4x3x1xf32>, tensor<4x3xf32>) {
  %t = nn.transpose %x permutation [0, 2, 1, 3] : tensor<2x3x4x5xf32>
  %k = nn.reduce max %t axes [3] keep_dims : tensor<2x4x3x5xf32>
  %d = nn.reduce l2 %t axes [0, 3] : tensor<2x4x3x5xf32>
  return %k, %d : tensor<2x4x3x1xf32>, tensor<4x3xf32>
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
// STATS-NEXT: (S) 1 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 2 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests a reduction over a reshape that splits or merges runs of dimensions
// each wholly reduced or wholly kept: it reduces the reshape's input, and a
// reshape of the (smaller) result follows where the shapes differ. The
// flattened spatial max becomes a global pool.
// CHECK-LABEL: func.func @reshape_reduce
// CHECK: %[[P:.*]] = nn.global_pool max %arg0 : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
// CHECK: %[[PR:.*]] = nn.reshape %[[P]] : tensor<1x64x1x1xf32> to tensor<1x64x1xf32>
// CHECK: %[[H:.*]] = nn.reduce sum %arg1 axes [2] : tensor<1x16x64xf32>
// CHECK-NOT: nn.reshape
// CHECK: return %[[PR]], %[[H]]
func.func @reshape_reduce(%x: tensor<1x64x7x7xf32>, %y: tensor<1x16x64xf32>)
    -> (tensor<1x64x1xf32>, tensor<1x16xf32>) {
  %r = nn.reshape %x : tensor<1x64x7x7xf32> to tensor<1x64x49xf32>
  %p = nn.reduce max %r axes [2] keep_dims : tensor<1x64x49xf32>
  %h = nn.reshape %y : tensor<1x16x64xf32> to tensor<1x16x4x16xf32>
  %s = nn.reduce sum %h axes [2, 3] : tensor<1x16x4x16xf32>
  return %p, %s : tensor<1x64x1xf32>, tensor<1x16xf32>
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

// Tests what must not fire: a reshape that mixes reduced and kept
// dimensions in one run (6 → 2×3 reducing only the 3; 4×6 → 2×12), and a
// reduction of unit dimensions only (for l2 that is |x|, not a shuffle).
// CHECK-LABEL: func.func @must_not_fuse
// CHECK: %[[A:.*]] = nn.reshape %arg0 : tensor<1x6xf32> to tensor<1x2x3xf32>
// CHECK: nn.reduce sum %[[A]] axes [2]
// CHECK: %[[B:.*]] = nn.reshape %arg1 : tensor<4x6xf32> to tensor<2x12xf32>
// CHECK: nn.reduce mean %[[B]] axes [1]
// CHECK: %[[C:.*]] = nn.reshape %arg2 : tensor<8xf32> to tensor<8x1xf32>
// CHECK: nn.reduce l2 %[[C]] axes [1]
func.func @must_not_fuse(%x: tensor<1x6xf32>, %y: tensor<4x6xf32>, %z: tensor<8xf32>)
    -> (tensor<1x2xf32>, tensor<2xf32>, tensor<8xf32>) {
  %a = nn.reshape %x : tensor<1x6xf32> to tensor<1x2x3xf32>
  %ra = nn.reduce sum %a axes [2] : tensor<1x2x3xf32>
  %b = nn.reshape %y : tensor<4x6xf32> to tensor<2x12xf32>
  %rb = nn.reduce mean %b axes [1] : tensor<2x12xf32>
  %c = nn.reshape %z : tensor<8xf32> to tensor<8x1xf32>
  %rc = nn.reduce l2 %c axes [1] : tensor<8x1xf32>
  return %ra, %rb, %rc : tensor<1x2xf32>, tensor<2xf32>, tensor<8xf32>
}
