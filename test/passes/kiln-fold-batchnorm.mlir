// RUN: kiln-opt %s -split-input-file -kiln-fold-batchnorm | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fold-batchnorm="lower-unfused=false" | FileCheck %s --check-prefix=KEEP
// RUN: kiln-opt %s -split-input-file -kiln-fold-batchnorm -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 1 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 0 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that a batch norm folds into the conv before it: the filter is scaled
// per output channel and the bias becomes (b - mean) * s + beta.
// CHECK-LABEL: func.func @conv_with_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>, %[[G:.*]]: tensor<4xf32>, %[[BETA:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<4xf32>, %[[V:.*]]: tensor<4xf32>)
// CHECK: %[[EPS:.*]] = nn.constant dense<9.99999974E-6> : tensor<f32>
// CHECK: %[[VE:.*]] = nn.add %[[V]], %[[EPS]]
// CHECK: %[[R:.*]] = nn.rsqrt %[[VE]]
// CHECK: %[[S:.*]] = nn.mul %[[G]], %[[R]]
// CHECK: %[[MS:.*]] = nn.mul %[[M]], %[[S]]
// CHECK: %[[T:.*]] = nn.sub %[[BETA]], %[[MS]]
// CHECK: %[[S4:.*]] = nn.reshape %[[S]] : tensor<4xf32> to tensor<4x1x1x1xf32>
// CHECK: %[[W2:.*]] = nn.mul %[[W]], %[[S4]]
// CHECK: %[[BS:.*]] = nn.mul %[[B]], %[[S]]
// CHECK: %[[B2:.*]] = nn.add %[[BS]], %[[T]]
// CHECK: %[[Y:.*]] = nn.conv %[[X]], %[[W2]] bias %[[B2]]
// CHECK-NOT: nn.batch_norm
// CHECK: return %[[Y]]
func.func @conv_with_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                          %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>,
                          %v: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %g, %beta, %m, %v
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 1 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 0 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that a gemm with transposed weight scales the weight's rows.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK: %[[S:.*]] = nn.mul
// CHECK: nn.reshape %[[S]] : tensor<10xf32> to tensor<10x1xf32>
// CHECK: nn.gemm {{.*}} bias {{.*}} trans_b
// CHECK-NOT: nn.batch_norm
func.func @gemm_trans_b(%x: tensor<2x8xf32>, %w: tensor<10x8xf32>, %p: tensor<10xf32>) -> tensor<2x10xf32> {
  %y = nn.gemm %x, %w trans_b : (tensor<2x8xf32>, tensor<10x8xf32>) -> tensor<2x10xf32>
  %z = nn.batch_norm %y, %p, %p, %p, %p
       : tensor<2x10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
  return %z : tensor<2x10xf32>
}

// -----

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 0 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 1 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that a batch norm does not fold into a conv whose result has another
// user; it becomes a per-channel scale instead (or stays, without lowering).
// CHECK-LABEL: func.func @conv_with_other_user
// CHECK: %[[C:.*]] = nn.conv
// CHECK-NOT: bias
// CHECK: %[[S:.*]] = nn.reshape {{.*}} to tensor<1x4x1x1xf32>
// CHECK: %[[XS:.*]] = nn.mul %[[C]], %[[S]]
// CHECK: %[[T:.*]] = nn.reshape {{.*}} to tensor<1x4x1x1xf32>
// CHECK: nn.add %[[XS]], %[[T]]
// KEEP-LABEL: func.func @conv_with_other_user
// KEEP: nn.batch_norm
func.func @conv_with_other_user(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>)
    -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %c, %y : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 0 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 1 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that a batch norm does not fold through an activation the conv
// already applies (relu(x) normalized is not a conv of x).
// CHECK-LABEL: func.func @conv_with_activation
// CHECK: nn.conv {{.*}} activation <relu>
// CHECK: nn.mul
// KEEP-LABEL: func.func @conv_with_activation
// KEEP: nn.batch_norm
func.func @conv_with_activation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>)
    -> tensor<1x4x8x8xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] activation <relu>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 0 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 1 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that grouped transposed convolutions are not folded (their output
// channels interleave with the groups).
// CHECK-LABEL: func.func @grouped_conv_transpose
// CHECK: nn.conv_transpose
// CHECK-NOT: bias
// KEEP: nn.batch_norm
func.func @grouped_conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>, %p: tensor<4xf32>)
    -> tensor<1x4x6x6xf32> {
  %c = nn.conv_transpose %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2
       : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// STATS: FoldBatchNormPass
// STATS-NEXT: (S) 1 folded - Batch norms folded into a producer
// STATS-NEXT: (S) 0 lowered-to-scale - Batch norms lowered to a per-channel scale

// Tests that a channels-last batch norm folds into a channels-last conv.
// CHECK-LABEL: func.func @channels_last
// CHECK: nn.reshape {{.*}} : tensor<4xf32> to tensor<4x1x1x1xf32>
// CHECK: nn.conv {{.*}} bias {{.*}} layout channels_last
// CHECK-NOT: nn.batch_norm
func.func @channels_last(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>)
    -> tensor<1x6x6x4xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p layout channels_last
       : tensor<1x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x6x6x4xf32>
}
