// RUN: kiln-opt %s -split-input-file -kiln-convert-layout -cse | FileCheck %s

// Tests a conv → relu → conv → residual add → global pool → flatten chain:
// the convs and the pool become channels-last, the transposes between them
// cancel, the residual input (a function argument) takes the transpose, and
// the transpose before the flatten becomes a reshape. One transpose is left,
// at the graph's input.
// CHECK-LABEL: func.func @resnet_tail
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16x16xf32>, %[[W:.*]]: tensor<8x8x3x3xf32>)
// CHECK-DAG: %[[XT:.*]] = nn.transpose %[[X]] permutation [0, 2, 3, 1] : tensor<1x8x16x16xf32>
// CHECK-DAG: %[[WT:.*]] = nn.transpose %[[W]] permutation [0, 2, 3, 1] : tensor<8x8x3x3xf32>
// CHECK: %[[C1:.*]] = nn.conv %[[XT]], %[[WT]] {{.*}} layout channels_last {{.*}} -> tensor<1x16x16x8xf32>
// CHECK: %[[R:.*]] = nn.relu %[[C1]] : tensor<1x16x16x8xf32>
// CHECK: %[[C2:.*]] = nn.conv %[[R]], %[[WT]] {{.*}} layout channels_last
// CHECK: %[[S:.*]] = nn.add %[[C2]], %[[XT]] : (tensor<1x16x16x8xf32>, tensor<1x16x16x8xf32>)
// CHECK: %[[P:.*]] = nn.global_pool avg %[[S]] layout channels_last : (tensor<1x16x16x8xf32>) -> tensor<1x1x1x8xf32>
// CHECK-NEXT: %[[F:.*]] = nn.reshape %[[P]] : tensor<1x1x1x8xf32> to tensor<1x8xf32>
// CHECK: return %[[F]]
func.func @resnet_tail(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8xf32> {
  %0 = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %1 = nn.relu %0 : tensor<1x8x16x16xf32>
  %2 = nn.conv %1, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %3 = nn.add %2, %x : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %4 = nn.global_pool avg %3 : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  %5 = nn.flatten %4 axis 1 : tensor<1x8x1x1xf32>
  return %5 : tensor<1x8xf32>
}

// -----

// Tests that inception-style concats along channels stay channels-last
// (axis 1 becomes axis 3).
// CHECK-LABEL: func.func @concat_channels
// CHECK: %[[J:.*]] = nn.concat %{{.*}}, %{{.*}} axis 3 : tensor<1x4x4x4xf32>, tensor<1x4x4x8xf32>
// CHECK: nn.transpose %[[J]] permutation [0, 3, 1, 2]
func.func @concat_channels(%x: tensor<1x8x4x4xf32>, %w: tensor<4x8x1x1xf32>) -> tensor<1x12x4x4xf32> {
  %a = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %p = nn.pool max %x kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = nn.concat %a, %p axis 1 : tensor<1x4x4x4xf32>, tensor<1x8x4x4xf32>
  return %y : tensor<1x12x4x4xf32>
}

// -----

// Tests that layers without channels (matmul, softmax) and channels-last
// layers stay as they are, and that a transpose meeting a non-edge value of
// the graph stays put rather than multiplying.
// CHECK-LABEL: func.func @must_not_convert
// CHECK: nn.matmul %arg0, %arg1
// CHECK: nn.softmax
// CHECK-NOT: nn.transpose
// CHECK: nn.conv %arg2, %arg3 {{.*}} layout channels_last
// CHECK-NOT: nn.transpose
// CHECK: return
func.func @must_not_convert(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>, %x: tensor<1x4x4x8xf32>,
                            %w: tensor<2x1x1x8xf32>) -> (tensor<4x4xf32>, tensor<1x4x4x2xf32>) {
  %m = nn.matmul %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %s = nn.softmax %m axis 1 : tensor<4x4xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x8xf32>, tensor<2x1x1x8xf32>) -> tensor<1x4x4x2xf32>
  return %s, %c : tensor<4x4xf32>, tensor<1x4x4x2xf32>
}

// -----

// Tests that the slices of a merged channels-last conv (horizontal merge)
// sink below the transpose, so the inception concat stays channels-last.
// CHECK-LABEL: func.func @merged_slices
// CHECK: %[[C:.*]] = nn.conv {{.*}} layout channels_last
// CHECK-DAG: nn.slice %[[C]] starts [0, 0, 0, 0] ends [1, 4, 4, 2]
// CHECK-DAG: nn.slice %[[C]] starts [0, 0, 0, 2] ends [1, 4, 4, 6]
// CHECK: %[[J:.*]] = nn.concat {{.*}} axis 3
// CHECK: nn.transpose %[[J]] permutation [0, 3, 1, 2]
// CHECK-NOT: nn.transpose
func.func @merged_slices(%x: tensor<1x8x4x4xf32>, %w: tensor<6x8x1x1xf32>) -> tensor<1x6x4x4xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) -> tensor<1x6x4x4xf32>
  %a = nn.slice %c starts [0, 0, 0, 0] ends [1, 2, 4, 4] steps [1, 1, 1, 1] : tensor<1x6x4x4xf32>
  %b = nn.slice %c starts [0, 2, 0, 0] ends [1, 6, 4, 4] steps [1, 1, 1, 1] : tensor<1x6x4x4xf32>
  %ra = nn.relu %a : tensor<1x2x4x4xf32>
  %y = nn.concat %ra, %b axis 1 : tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>
  return %y : tensor<1x6x4x4xf32>
}
