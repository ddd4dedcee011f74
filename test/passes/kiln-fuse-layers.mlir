// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers="fuse-residual=false fuse-activation=false" | FileCheck %s --check-prefix=OFF

// Tests the ResNet basic-block tail: conv + bias + residual add + relu become
// one conv, whose location names every layer it covers.
// CHECK-LABEL: func.func @residual_block
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x8x16x16xf32>{{[^,]*}}, %[[W:[^:]*]]: tensor<8x8x3x3xf32>
// CHECK: %[[B:.*]] = nn.constant dense<1.000000e-01> : tensor<1x8x1x1xf32>
// CHECK: %[[B1:.*]] = nn.reshape %[[B]] : tensor<1x8x1x1xf32> to tensor<8xf32>
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
