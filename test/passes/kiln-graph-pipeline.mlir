// RUN: kiln-opt %s -kiln-graph-pipeline="channels-last=false" | FileCheck %s
// RUN: kiln-opt %s -kiln-graph-pipeline | FileCheck %s --check-prefix=NHWC
// RUN: kiln-opt %s -kiln-graph-pipeline="precision=fp16" | FileCheck %s --check-prefix=FP16

// Tests the whole graph pipeline on a ResNet basic block: batch norms fold
// into the convs, the residual add and the relus fuse into the second conv's
// epilogue, and no standalone batch_norm, relu or add remains.
// CHECK-LABEL: func.func @basic_block
// CHECK-NOT: nn.batch_norm
// CHECK: nn.conv {{.*}} bias {{.*}} activation <relu>
// CHECK: nn.conv {{.*}} bias {{.*}} residual %arg0 {{.*}} activation <relu>
// CHECK-NOT: nn.relu
// CHECK-NOT: nn.add {{.*}} -> tensor<1x8x16x16xf32>
// CHECK: return
// NHWC-LABEL: func.func @basic_block
// NHWC-COUNT-2: nn.conv {{.*}} layout channels_last
// NHWC: %[[Y:.*]] = nn.transpose {{.*}} permutation [0, 3, 1, 2]
// NHWC-NEXT: return %[[Y]]
// FP16-LABEL: func.func @basic_block
// FP16: nn.conv {{.*}} -> tensor<1x16x16x8xf16>
func.func @basic_block(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %w1 = nn.constant dense<0.02> : tensor<8x8x3x3xf32>
  %w2 = nn.constant dense<-0.01> : tensor<8x8x3x3xf32>
  %g = nn.constant dense<1.5> : tensor<8xf32>
  %b = nn.constant dense<0.1> : tensor<8xf32>
  %m = nn.constant dense<0.05> : tensor<8xf32>
  %v = nn.constant dense<0.9> : tensor<8xf32>
  %0 = nn.conv %x, %w1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %1 = nn.batch_norm %0, %g, %b, %m, %v
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %2 = nn.relu %1 : tensor<1x8x16x16xf32>
  %3 = nn.conv %2, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %4 = nn.batch_norm %3, %g, %b, %m, %v
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %5 = nn.add %4, %x : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %6 = nn.relu %5 : tensor<1x8x16x16xf32>
  return %6 : tensor<1x8x16x16xf32>
}
