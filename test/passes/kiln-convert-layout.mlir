// RUN: kiln-opt %s -split-input-file -kiln-convert-layout -cse | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-layout -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 3 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 8 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 4 transposes-left - Transposes in the function once they moved and cancelled

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

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 2 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 5 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 3 transposes-left - Transposes in the function once they moved and cancelled

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

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 0 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 0 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 0 transposes-left - Transposes in the function once they moved and cancelled

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

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 1 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 3 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 2 transposes-left - Transposes in the function once they moved and cancelled

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

// -----

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 4 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 11 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 2 transposes-left - Transposes in the function once they moved and cancelled

// Tests EfficientNet's squeeze-and-excitation block: the gated value has two
// users (the squeeze pool and the gate's multiply) and the gate is N×C×1×1,
// whose transpose moves only unit dimensions (a reshape). Every transpose
// between the convs cancels; only the graph's input and output keep one.
// CHECK-LABEL: func.func @squeeze_excite
// CHECK: %[[XT:.*]] = nn.transpose %arg0 permutation [0, 2, 3, 1]
// CHECK: %[[D:.*]] = nn.conv %[[XT]], {{.*}} layout channels_last
// CHECK: %[[S:.*]] = nn.silu %[[D]] : tensor<1x4x4x8xf32>
// CHECK: %[[P:.*]] = nn.global_pool avg %[[S]] layout channels_last
// CHECK: %[[G:.*]] = nn.conv %[[P]], {{.*}} layout channels_last activation <sigmoid>
// CHECK: %[[M:.*]] = nn.mul %[[S]], %[[G]] : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>)
// CHECK: %[[Y:.*]] = nn.conv %[[M]], {{.*}} layout channels_last
// CHECK: %[[YT:.*]] = nn.transpose %[[Y]] permutation [0, 3, 1, 2]
// CHECK-NOT: nn.transpose
// CHECK: return %[[YT]]
func.func @squeeze_excite(%x: tensor<1x8x4x4xf32>, %wd: tensor<8x1x3x3xf32>,
                          %ws: tensor<8x8x1x1xf32>, %wp: tensor<4x8x1x1xf32>)
    -> tensor<1x4x4x4xf32> {
  %d = nn.conv %x, %wd strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 8
       : (tensor<1x8x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  %s = nn.silu %d : tensor<1x8x4x4xf32>
  %p = nn.global_pool avg %s : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
  %g = nn.conv %p, %ws strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <sigmoid>
       : (tensor<1x8x1x1xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %m = nn.mul %s, %g : (tensor<1x8x4x4xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %y = nn.conv %m, %wp strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 3 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 9 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 2 transposes-left - Transposes in the function once they moved and cancelled

// Tests a transpose with several pointwise users, each of which ends in a
// channels-first conv: the transpose sinks through all of them and every
// copy cancels.
// CHECK-LABEL: func.func @multi_use_all_cancel
// CHECK: %[[C:.*]] = nn.conv {{.*}} layout channels_last
// CHECK-DAG: %[[R:.*]] = nn.relu %[[C]] : tensor<1x4x4x8xf32>
// CHECK-DAG: %[[S:.*]] = nn.sigmoid %[[C]] : tensor<1x4x4x8xf32>
// CHECK-DAG: nn.conv %[[R]], {{.*}} layout channels_last
// CHECK-DAG: nn.conv %[[S]], {{.*}} layout channels_last
// CHECK-DAG: nn.add {{.*}} : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>)
// CHECK: %[[OUT:.*]] = nn.transpose {{.*}} permutation [0, 3, 1, 2]
// CHECK-NOT: nn.transpose
// CHECK: return %[[OUT]]
func.func @multi_use_all_cancel(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>)
    -> tensor<1x8x4x4xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %r = nn.relu %c : tensor<1x8x4x4xf32>
  %s = nn.sigmoid %c : tensor<1x8x4x4xf32>
  %a = nn.conv %r, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %b = nn.conv %s, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %y = nn.add %a, %b : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 2 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 6 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 4 transposes-left - Transposes in the function once they moved and cancelled

// Tests that a transpose with several users does not move when two of them
// would carry it to the outputs (two copies instead of one), nor when one
// user cannot take it (a matmul); it stays where it is.
// CHECK-LABEL: func.func @multi_use_must_not_sink
// CHECK: %[[C:.*]] = nn.conv {{.*}} layout channels_last
// CHECK: %[[T:.*]] = nn.transpose %[[C]] permutation [0, 3, 1, 2]
// CHECK-DAG: nn.relu %[[T]] : tensor<1x8x4x4xf32>
// CHECK-DAG: nn.sigmoid %[[T]] : tensor<1x8x4x4xf32>
// CHECK: %[[C2:.*]] = nn.conv {{.*}} layout channels_last
// CHECK: %[[T2:.*]] = nn.transpose %[[C2]] permutation [0, 3, 1, 2]
// CHECK-DAG: nn.exp %[[T2]] : tensor<1x8x4x4xf32>
// CHECK-DAG: nn.matmul %[[T2]], %arg2
func.func @multi_use_must_not_sink(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>,
                                   %m: tensor<1x8x4x4xf32>, %w2: tensor<8x8x1x1xf32>)
    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %r = nn.relu %c : tensor<1x8x4x4xf32>
  %s = nn.sigmoid %c : tensor<1x8x4x4xf32>
  %c2 = nn.conv %x, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %e = nn.exp %c2 : tensor<1x8x4x4xf32>
  %mm = nn.matmul %c2, %m : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %r, %s, %e, %mm : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}

// -----

// STATS: ConvertLayoutPass
// STATS-NEXT: (S) 0 converted-layers - Layers turned channels-last
// STATS-NEXT: (S) 0 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT: (S) 1 transposes-left - Transposes in the function once they moved and cancelled

// Tests that a transpose costing nothing where it is (of a function
// argument) does not move when that means transposing the other operand
// back (an argument, or a gate whose transpose only moves unit dimensions):
// the two would trade places forever and the pass would not converge.
// CHECK-LABEL: func.func @free_transposes_stay
// CHECK: %[[T:.*]] = nn.transpose %arg0 permutation [0, 3, 1, 2]
// CHECK: nn.add %[[T]], %arg1 : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>)
// CHECK: %[[G:.*]] = nn.reshape {{.*}} : tensor<1x1x1x8xf32> to tensor<1x8x1x1xf32>
// CHECK: nn.mul %[[T]], %[[G]] : (tensor<1x8x4x4xf32>, tensor<1x8x1x1xf32>)
func.func @free_transposes_stay(%x: tensor<1x4x4x8xf32>, %y: tensor<1x8x4x4xf32>,
                                %g: tensor<1x1x1x8xf32>)
    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %t = nn.transpose %x permutation [0, 3, 1, 2] : tensor<1x4x4x8xf32>
  %a = nn.add %t, %y : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %s = nn.sigmoid %g : tensor<1x1x1x8xf32>
  %gt = nn.reshape %s : tensor<1x1x1x8xf32> to tensor<1x8x1x1xf32>
  %m = nn.mul %t, %gt : (tensor<1x8x4x4xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  return %a, %m : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}
