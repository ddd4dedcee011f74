// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers="fuse-residual=false fuse-activation=false" | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 1 fused-activation - Activations fused
// STATS-NEXT: (S) 1 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 1 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests the ResNet basic-block tail: conv + bias + residual add + relu become
// one conv, whose location names every layer it covers.
// CHECK-LABEL: func.func @residual_block
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x8x16x16xf32>{{[^,]*}}, %[[W:[^:]*]]: tensor<8x8x3x3xf32>
// CHECK: %[[B1:.*]] = nn.constant dense<1.000000e-01> : tensor<8xf32>
// CHECK: %[[Y:.*]] = nn.conv %[[X]], %[[W]] bias %[[B1]] residual %[[X]] {{.*}} activation <relu> {{.*}} loc(#[[LOC:.*]])
// CHECK-NEXT: return %[[Y]]
// CHECK-DAG: #[[CONV:.*]] = loc("conv2")
// CHECK-DAG: #[[BIAS:.*]] = loc("conv2.bias")
// CHECK-DAG: #[[ADD:.*]] = loc("add")
// CHECK-DAG: #[[RELU:.*]] = loc("relu")
// CHECK-DAG: #[[LOC]] = loc(fused[#[[CONV]], #[[BIAS]], #[[ADD]], #[[RELU]]])
// OFF-LABEL: func.func @residual_block
// OFF: nn.conv {{.*}} bias
// OFF: nn.add
// OFF: nn.relu
func.func @residual_block(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> {
  %b = nn.constant dense<0.1> : tensor<1x8x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32> loc("conv2")
  %cb = nn.add %c, %b : (tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x16x16xf32> loc("conv2.bias")
  %s = nn.add %x, %cb : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> loc("add")
  %r = nn.relu %s : tensor<1x8x16x16xf32> loc("relu")
  return %r : tensor<1x8x16x16xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 2 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that clip (relu6) and gelu fuse into gemm and matmul epilogues.
// CHECK-LABEL: func.func @activations
// CHECK: nn.gemm {{.*}} activation <clip, min = 0.000000e+00, max = 6.000000e+00>
// CHECK: nn.matmul {{.*}} activation <gelu_tanh>
func.func @activations(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %g = nn.gemm %a, %b : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %r6 = nn.clip %g min 0.0 max 6.0 : tensor<2x4xf32>
  %m = nn.matmul %a, %b : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %ge = nn.gelu %m approximation tanh : tensor<2x4xf32>
  return %r6, %ge : tensor<2x4xf32>, tensor<2x4xf32>
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

// Tests that nothing fuses into a layer whose result has another user, that
// a second activation does not replace the first, that non-activation
// pointwise ops (exp) stay, and that an add that broadcasts the layer's
// result to a larger shape is not a residual.
// CHECK-LABEL: func.func @must_not_fuse
// CHECK: %[[C:.*]] = nn.conv
// CHECK-NOT: activation
// CHECK: nn.relu %[[C]]
// CHECK: nn.conv {{.*}} activation <relu>
// CHECK: nn.sigmoid
// CHECK: nn.exp
// CHECK: nn.add
func.func @must_not_fuse(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>, %big: tensor<2x8x4x4xf32>)
    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>,
        tensor<2x8x4x4xf32>) {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %r = nn.relu %c : tensor<1x8x4x4xf32>
  %d = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %s = nn.sigmoid %d : tensor<1x8x4x4xf32>
  %e0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %e = nn.exp %e0 : tensor<1x8x4x4xf32>
  %a0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %a = nn.add %a0, %big : (tensor<1x8x4x4xf32>, tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32>
  return %c, %r, %s, %e, %a : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>,
      tensor<1x8x4x4xf32>, tensor<2x8x4x4xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 0 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 1 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 0 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that zero padding of the spatial dimensions merges into the conv's
// own padding, and that padding of the channels or a non-zero value does not.
// CHECK-LABEL: func.func @pad_conv
// CHECK: nn.conv %arg0, %arg1 strides [1, 1] pads [2, 1, 2, 3]
// CHECK: %[[P:.*]] = nn.pad %arg0 pads [0, 1, 0, 0, 0, 0, 0, 0]
// CHECK: nn.conv %[[P]]
// CHECK: %[[Q:.*]] = nn.pad %arg0 pads [0, 0, 1, 1, 0, 0, 1, 1] value 1.000000e+00
// CHECK: nn.conv %[[Q]]
func.func @pad_conv(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %w5: tensor<4x5x3x3xf32>)
    -> (tensor<1x4x10x10xf32>, tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>) {
  %p = nn.pad %x pads [0, 0, 1, 0, 0, 0, 1, 2] : tensor<1x4x8x8xf32>
  %c = nn.conv %p, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x4x10x10xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x10x10xf32>
  %pc = nn.pad %x pads [0, 1, 0, 0, 0, 0, 0, 0] : tensor<1x4x8x8xf32>
  %d = nn.conv %pc, %w5 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x5x8x8xf32>, tensor<4x5x3x3xf32>) -> tensor<1x4x6x6xf32>
  %pv = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] value 1.0 : tensor<1x4x8x8xf32>
  %e = nn.conv %pv, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x10x10xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %c, %d, %e : tensor<1x4x10x10xf32>, tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>
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
// STATS-NEXT: (S) 1 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that log of a softmax becomes log_softmax, but not when the softmax
// has another user.
// CHECK-LABEL: func.func @softmax_log
// CHECK: %[[A:.*]] = nn.log_softmax %arg0 axis 1
// CHECK: %[[S:.*]] = nn.softmax %arg1 axis 1
// CHECK: %[[L:.*]] = nn.log %[[S]]
// CHECK: return %[[A]], %[[S]], %[[L]]
func.func @softmax_log(%x: tensor<2x10xf32>, %y: tensor<2x10xf32>)
    -> (tensor<2x10xf32>, tensor<2x10xf32>, tensor<2x10xf32>) {
  %s = nn.softmax %x axis 1 : tensor<2x10xf32>
  %l = nn.log %s : tensor<2x10xf32>
  %t = nn.softmax %y axis 1 : tensor<2x10xf32>
  %m = nn.log %t : tensor<2x10xf32>
  return %l, %t, %m : tensor<2x10xf32>, tensor<2x10xf32>, tensor<2x10xf32>
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
// STATS-NEXT: (S) 3 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that mean and max over the spatial dimensions become global pools
// (channels-first and channels-last), and that other reductions stay.
// CHECK-LABEL: func.func @reduce_to_pool
// CHECK: nn.global_pool avg %arg0 : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
// CHECK: %[[M:.*]] = nn.global_pool max %arg0 : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
// CHECK: nn.reshape %[[M]] : tensor<1x64x1x1xf32> to tensor<1x64xf32>
// CHECK: nn.global_pool avg %arg1 layout channels_last
// CHECK: nn.reduce sum %arg0 axes [2, 3]
// CHECK: nn.reduce mean %arg0 axes [1, 2, 3]
func.func @reduce_to_pool(%x: tensor<1x64x7x7xf32>, %y: tensor<1x7x7x64xf32>)
    -> (tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<1x1x1x64xf32>, tensor<1x64xf32>, tensor<1xf32>) {
  %a = nn.reduce mean %x axes [2, 3] keep_dims : tensor<1x64x7x7xf32>
  %b = nn.reduce max %x axes [2, 3] : tensor<1x64x7x7xf32>
  %c = nn.reduce mean %y axes [1, 2] keep_dims : tensor<1x7x7x64xf32>
  %d = nn.reduce sum %x axes [2, 3] : tensor<1x64x7x7xf32>
  %e = nn.reduce mean %x axes [1, 2, 3] : tensor<1x64x7x7xf32>
  return %a, %b, %c, %d, %e : tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<1x1x1x64xf32>, tensor<1x64xf32>, tensor<1xf32>
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
// STATS-NEXT: (S) 2 transpose-chains - Transpose pairs composed or cancelled

// Tests that chains of transposes compose, and cancel when they invert.
// CHECK-LABEL: func.func @transposes
// CHECK-NEXT: %[[T:.*]] = nn.transpose %arg0 permutation [0, 3, 1, 2]
// CHECK-NEXT: return %arg0, %[[T]]
func.func @transposes(%x: tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x4x2x3xf32>) {
  %a = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x2x3x4xf32>
  %b = nn.transpose %a permutation [0, 3, 1, 2] : tensor<1x3x4x2xf32>
  %c = nn.transpose %x permutation [0, 3, 2, 1] : tensor<1x2x3x4xf32>
  %d = nn.transpose %c permutation [0, 1, 3, 2] : tensor<1x4x3x2xf32>
  return %b, %d : tensor<1x2x3x4xf32>, tensor<1x4x2x3xf32>
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
// STATS-NEXT: (S) 3 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that multiplying by one and adding zero vanish, but not when the
// constant broadcasts x to a larger shape, nor 1 / x, nor 0 - x.
// CHECK-LABEL: func.func @identities
// CHECK: %[[BIG:.*]] = nn.mul %arg0, %{{.*}} : (tensor<4xf32>, tensor<2x4xf32>)
// CHECK: %[[DIV:.*]] = nn.div %{{.*}}, %arg0
// CHECK: %[[SUB:.*]] = nn.sub %{{.*}}, %arg0
// CHECK: return %arg0, %arg0, %arg0, %[[BIG]], %[[DIV]], %[[SUB]]
func.func @identities(%x: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %one = nn.constant dense<1.0> : tensor<1xf32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %ones = nn.constant dense<1.0> : tensor<2x4xf32>
  %a = nn.mul %one, %x : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = nn.add %x, %zero : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = nn.div %x, %one : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %d = nn.mul %x, %ones : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %e = nn.div %one, %x : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %f = nn.sub %zero, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %a, %b, %c, %d, %e, %f : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 0 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 1 flatten-reshapes - Flattens made reshapes
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

// Tests that flatten is rewritten as the reshape it is, so a reshape chain
// around it collapses into one reshape.
// CHECK-LABEL: func.func @flatten_chain
// CHECK-NEXT: %[[R:.*]] = nn.reshape %arg0 : tensor<1x1x1x8xf32> to tensor<1x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @flatten_chain(%x: tensor<1x1x1x8xf32>) -> tensor<1x8xf32> {
  %r = nn.reshape %x : tensor<1x1x1x8xf32> to tensor<1x8x1x1xf32>
  %f = nn.flatten %r axis 1 : tensor<1x8x1x1xf32>
  return %f : tensor<1x8xf32>
}

// -----

// STATS: FuseLayersPass
// STATS-NEXT: (S) 0 conv-pool - Average pools folded into the conv before them
// STATS-NEXT: (S) 1 erf-gelu - Erf GELU formulas made gelu
// STATS-NEXT: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer
// STATS-NEXT: (S) 0 flatten-reshapes - Flattens made reshapes
// STATS-NEXT: (S) 3 fused-activation - Activations fused
// STATS-NEXT: (S) 0 fused-bias - Bias adds fused
// STATS-NEXT: (S) 0 fused-pad - Zero pads absorbed into convolutions
// STATS-NEXT: (S) 0 fused-residual - Residual adds fused
// STATS-NEXT: (S) 2 gated-activations - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT: (S) 0 global-pools - Spatial reductions made global pools
// STATS-NEXT: (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT: (S) 0 log-softmax - log(softmax) pairs made log_softmax
// STATS-NEXT: (S) 0 shuffle-reduce - Reductions moved before a shuffle
// STATS-NEXT: (S) 0 transpose-chains - Transpose pairs composed or cancelled

// Tests that SiLU and Hardswish exported as x times a gate, and GELU exported
// in its erf form, become activations that fuse into the conv and matmul;
// a gate of another value, or a wrong constant, stays arithmetic.
// CHECK-LABEL: func.func @exported_activations
// CHECK: nn.conv {{.*}} activation <silu>
// CHECK: nn.conv {{.*}} activation <hard_swish>
// CHECK: nn.matmul {{.*}} activation <gelu>
// CHECK: %[[S:.*]] = nn.sigmoid %arg0
// CHECK: nn.mul %arg1, %[[S]]
// CHECK: nn.erf
func.func @exported_activations(%x: tensor<1x4x4x4xf32>, %y: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>,
                                %a: tensor<2x4xf32>, %b: tensor<4x4xf32>)
    -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<2x4xf32>, tensor<1x4x4x4xf32>, tensor<2x4xf32>) {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %cs = nn.sigmoid %c : tensor<1x4x4x4xf32>
  %silu = nn.mul %c, %cs : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %d = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %dh = nn.hard_sigmoid %d alpha 0.166666672 beta 5.000000e-01 : tensor<1x4x4x4xf32>
  %hswish = nn.mul %dh, %d : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %m = nn.matmul %a, %b : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %q = nn.div %m, %sqrt2 : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %e = nn.erf %q : tensor<2x4xf32>
  %e1 = nn.add %e, %one : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %xe = nn.mul %m, %e1 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %gelu = nn.mul %xe, %half : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %s = nn.sigmoid %x : tensor<1x4x4x4xf32>
  %other = nn.mul %y, %s : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %q2 = nn.div %a, %one : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %e2 = nn.erf %a : tensor<2x4xf32>
  %e3 = nn.add %e2, %one : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %xe2 = nn.mul %a, %e3 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %notgelu = nn.mul %xe2, %half : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %silu, %hswish, %gelu, %other, %notgelu : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<2x4xf32>, tensor<1x4x4x4xf32>, tensor<2x4xf32>
}
