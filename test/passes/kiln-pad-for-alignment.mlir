// RUN: kiln-opt %s -split-input-file -kiln-pad-for-alignment | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-pad-for-alignment="half-alignment=1" | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt %s -split-input-file -kiln-pad-for-alignment="int8-alignment=1" | FileCheck %s --check-prefix=INT8-OFF
// RUN: kiln-opt %s -split-input-file -kiln-pad-for-alignment -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: PadForAlignmentPass
// STATS-NEXT: (S) 2 padded-convs - Convolution paddings (outputs, then inputs)
// STATS-NEXT: (S) 5 padded-input-channels - Zero input channels added to convolutions
// STATS-NEXT: (S) 4 padded-output-channels - Zero output channels added to convolutions

// Tests an RGB stem followed by a 12-channel conv: the 3 input channels are
// padded to 8 with zero weights, the 12 outputs to 16; the slice back to 12
// sinks below the relu and the next conv reads all 16 channels with zero
// weights for the extra 4, so no slice is left between the convs.
// CHECK-LABEL: func.func @stem
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf16>, %[[W1:.*]]: tensor<12x3x3x3xf16>, %[[B1:.*]]: tensor<12xf16>, %[[W2:.*]]: tensor<8x12x1x1xf16>)
// CHECK-DAG: %[[XP:.*]] = nn.pad %[[X]] pads [0, 0, 0, 0, 0, 5, 0, 0] : tensor<1x3x8x8xf16>
// CHECK-DAG: %[[W1O:.*]] = nn.pad %[[W1]] pads [0, 0, 0, 0, 4, 0, 0, 0] : tensor<12x3x3x3xf16>
// CHECK-DAG: %[[W1P:.*]] = nn.pad %[[W1O]] pads [0, 0, 0, 0, 0, 5, 0, 0] : tensor<16x3x3x3xf16>
// CHECK-DAG: %[[B1P:.*]] = nn.pad %[[B1]] pads [0, 4] : tensor<12xf16>
// CHECK: %[[C1:.*]] = nn.conv %[[XP]], %[[W1P]] bias %[[B1P]] {{.*}} -> tensor<1x16x8x8xf16>
// CHECK: %[[R:.*]] = nn.relu %[[C1]] : tensor<1x16x8x8xf16>
// CHECK: %[[W2P:.*]] = nn.pad %[[W2]] pads [0, 0, 0, 0, 0, 4, 0, 0] : tensor<8x12x1x1xf16>
// CHECK: %[[C2:.*]] = nn.conv %[[R]], %[[W2P]] {{.*}} : (tensor<1x16x8x8xf16>, tensor<8x16x1x1xf16>) -> tensor<1x8x8x8xf16>
// CHECK-NEXT: return %[[C2]]
// OFF-LABEL: func.func @stem
// OFF-NOT: nn.pad
func.func @stem(%x: tensor<1x3x8x8xf16>, %w1: tensor<12x3x3x3xf16>, %b1: tensor<12xf16>,
                %w2: tensor<8x12x1x1xf16>) -> tensor<1x8x8x8xf16> {
  %c1 = nn.conv %x, %w1 bias %b1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
        : (tensor<1x3x8x8xf16>, tensor<12x3x3x3xf16>, tensor<12xf16>) -> tensor<1x12x8x8xf16>
  %r = nn.relu %c1 : tensor<1x12x8x8xf16>
  %c2 = nn.conv %r, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x12x8x8xf16>, tensor<8x12x1x1xf16>) -> tensor<1x8x8x8xf16>
  return %c2 : tensor<1x8x8x8xf16>
}

// -----

// STATS: PadForAlignmentPass
// STATS-NEXT: (S) 1 padded-convs - Convolution paddings (outputs, then inputs)
// STATS-NEXT: (S) 0 padded-input-channels - Zero input channels added to convolutions
// STATS-NEXT: (S) 2 padded-output-channels - Zero output channels added to convolutions

// Tests that padded outputs are stripped where something other than a conv
// reads them (here the function result), that channels-last convs pad their
// last dimension, and that f32 and depthwise convs are left alone.
// CHECK-LABEL: func.func @strip_and_must_not_pad
// CHECK: %[[C:.*]] = nn.conv {{.*}} layout channels_last {{.*}} -> tensor<1x4x4x8xf16>
// CHECK: %[[S:.*]] = nn.slice %[[C]] starts [0, 0, 0, 0] ends [1, 4, 4, 6]
// CHECK: nn.conv %arg2, %arg3 {{.*}} -> tensor<1x6x4x4xf32>
// CHECK: nn.conv %arg4, %arg5 {{.*}} groups 6
// CHECK: return %[[S]]
func.func @strip_and_must_not_pad(%x: tensor<1x4x4x8xf16>, %w: tensor<6x1x1x8xf16>,
                                  %xf: tensor<1x8x4x4xf32>, %wf: tensor<6x8x1x1xf32>,
                                  %xd: tensor<1x6x4x4xf16>, %wd: tensor<6x1x3x3xf16>)
    -> (tensor<1x4x4x6xf16>, tensor<1x6x4x4xf32>, tensor<1x6x2x2xf16>) {
  %a = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x8xf16>, tensor<6x1x1x8xf16>) -> tensor<1x4x4x6xf16>
  %b = nn.conv %xf, %wf strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) -> tensor<1x6x4x4xf32>
  %c = nn.conv %xd, %wd strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 6
       : (tensor<1x6x4x4xf16>, tensor<6x1x3x3xf16>) -> tensor<1x6x2x2xf16>
  return %a, %b, %c : tensor<1x4x4x6xf16>, tensor<1x6x4x4xf32>, tensor<1x6x2x2xf16>
}

// -----

// STATS: PadForAlignmentPass
// STATS-NEXT: (S) 3 padded-convs - Convolution paddings (outputs, then inputs)
// STATS-NEXT: (S) 29 padded-input-channels - Zero input channels added to convolutions
// STATS-NEXT: (S) 54 padded-output-channels - Zero output channels added to convolutions

// Tests INT8 alignment (convs with quantized input and filter, as
// kiln-fuse-qdq leaves them) to 32 channels: the filter gets zero weights of
// scale 1 for the new output channels, the int32 bias zeros of scale input
// scale × 1, the network's input a zero pad (zero point 0); the padded
// output flows into the next conv, which reads all 32 channels with zero
// weights, and the last conv's output is sliced back to its 4 channels.
// (numerics/int8-alignment.mlir proves the results unchanged.)
!q = !quant.uniform<i8:f32, 0.05>
!w1 = !quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2, 0.3, 0.1, 0.2, 0.3}>
!b1 = !quant.uniform<i32:f32:0, {0.005, 0.01, 0.015, 0.005, 0.01, 0.015}>
!w2 = !quant.uniform<i8<-127:127>:f32:0, {0.1, 0.2, 0.3, 0.4}>
// CHECK-LABEL: func.func @int8
// CHECK-DAG: nn.constant {{.*}} : tensor<32x32x3x3xi8> as tensor<32x32x3x3x!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01,1.000000e+00,
// CHECK-DAG: %[[W1:.*]] = nn.constant {{.*}} : tensor<32x32x1x1xi8> as tensor<32x32x1x1x!quant.uniform<i8<-127:127>:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,1.000000e-01,2.000000e-01,3.000000e-01,1.000000e+00,
// CHECK-DAG: %[[B1:.*]] = nn.constant dense<[10, -20, 30, -40, 50, -60, 0, 0, {{.*}}]> : tensor<32xi32> as tensor<32x!quant.uniform<i32:f32:0, {5.000000e-03,1.000000e-02,1.500000e-02,5.000000e-03,1.000000e-02,1.500000e-02,5.000000e-02,
// CHECK: %[[X:.*]] = nn.pad %arg0 pads [0, 0, 0, 0, 0, 29, 0, 0] : tensor<1x3x4x4x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK: %[[C1:.*]] = nn.conv %[[X]], %[[W1]] bias %[[B1]] {{.*}} -> tensor<1x32x4x4x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK: %[[C2:.*]] = nn.conv %[[C1]], {{.*}} -> tensor<1x32x4x4xf32>
// CHECK: %[[S:.*]] = nn.slice %[[C2]] starts [0, 0, 0, 0] ends [1, 4, 4, 4]
// CHECK: return %[[S]]
// OFF-LABEL: func.func @int8
// OFF: nn.slice
// INT8-OFF-LABEL: func.func @int8
// INT8-OFF-NOT: nn.pad
// INT8-OFF-NOT: nn.slice
// INT8-OFF: return
func.func @int8(%x: tensor<1x3x4x4x!q>) -> tensor<1x4x4x4xf32> {
  %w1 = nn.constant dense<3> : tensor<6x3x1x1xi8> as tensor<6x3x1x1x!w1>
  %b1 = nn.constant dense<[10, -20, 30, -40, 50, -60]> : tensor<6xi32> as tensor<6x!b1>
  %c1 = nn.conv %x, %w1 bias %b1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
        : (tensor<1x3x4x4x!q>, tensor<6x3x1x1x!w1>, tensor<6x!b1>) -> tensor<1x6x4x4x!q>
  %w2 = nn.constant dense<-2> : tensor<4x6x3x3xi8> as tensor<4x6x3x3x!w2>
  %c2 = nn.conv %c1, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
        : (tensor<1x6x4x4x!q>, tensor<4x6x3x3x!w2>) -> tensor<1x4x4x4xf32>
  return %c2 : tensor<1x4x4x4xf32>
}

// -----

// STATS: PadForAlignmentPass
// STATS-NEXT: (S) 0 padded-convs - Convolution paddings (outputs, then inputs)
// STATS-NEXT: (S) 0 padded-input-channels - Zero input channels added to convolutions
// STATS-NEXT: (S) 0 padded-output-channels - Zero output channels added to convolutions

// Tests that INT8 alignment leaves alone convs already aligned to 32 and
// depthwise INT8 convs.
!q = !quant.uniform<i8:f32, 0.05>
!wd = !quant.uniform<i8:f32, 0.1>
// CHECK-LABEL: func.func @int8_must_not_pad
// CHECK-NOT: nn.pad
// CHECK-NOT: nn.slice
// CHECK: return
func.func @int8_must_not_pad(%x: tensor<1x32x4x4x!q>, %xd: tensor<1x4x4x4x!q>)
    -> (tensor<1x32x4x4x!q>, tensor<1x4x4x4x!q>) {
  %w = nn.constant dense<1> : tensor<32x32x1x1xi8> as tensor<32x32x1x1x!wd>
  %a = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x32x4x4x!q>, tensor<32x32x1x1x!wd>) -> tensor<1x32x4x4x!q>
  %wdw = nn.constant dense<1> : tensor<4x1x3x3xi8> as tensor<4x1x3x3x!wd>
  %c = nn.conv %xd, %wdw strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 4
       : (tensor<1x4x4x4x!q>, tensor<4x1x3x3x!wd>) -> tensor<1x4x4x4x!q>
  return %a, %c : tensor<1x32x4x4x!q>, tensor<1x4x4x4x!q>
}
