// RUN: kiln-opt %s -split-input-file -kiln-space-to-depth | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-space-to-depth="half-alignment=1" | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt %s -split-input-file -kiln-space-to-depth -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: (S) 1 space-to-depth-convs - Strided convolutions made stride 1 over blocks of pixels
// STATS: (S) 1 space-to-depth-convs
// STATS: (S) 1 space-to-depth-convs
// STATS: (S) 1 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs
// STATS: (S) 0 space-to-depth-convs

// Tests ResNet's stem, a 7×7 stride-2 conv padded by 3 over the NHWC
// transpose of an RGB image: blocked straight from the NCHW image (one
// transpose), each pixel padded to 4 channels (2×2×4 = 16), the filter
// led by one zero tap (3 + 1 = 2 whole blocks of padding) and trailed by
// none (4 blocks = 8 taps), padded [2, 2] blocks before and [1, 1] after;
// bias, activation and the layer's attributes stay.
// CHECK-LABEL: func.func @resnet_stem
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16x16xf16>, %[[W:.*]]: tensor<8x7x7x3xf16>, %[[B:.*]]: tensor<8xf16>)
// CHECK: %[[S:.*]] = nn.reshape %[[X]] : tensor<2x3x16x16xf16> to tensor<2x3x8x2x8x2xf16>
// CHECK: %[[T:.*]] = nn.transpose %[[S]] permutation [0, 2, 4, 3, 5, 1] : tensor<2x3x8x2x8x2xf16>
// CHECK: %[[P:.*]] = nn.pad %[[T]] pads [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] : tensor<2x8x8x2x2x3xf16>
// CHECK: %[[IN:.*]] = nn.reshape %[[P]] : tensor<2x8x8x2x2x4xf16> to tensor<2x8x8x16xf16>
// CHECK: %[[WP:.*]] = nn.pad %[[W]] pads [0, 1, 1, 0, 0, 0, 0, 1] : tensor<8x7x7x3xf16>
// CHECK: %[[WS:.*]] = nn.reshape %[[WP]] : tensor<8x8x8x4xf16> to tensor<8x4x2x4x2x4xf16>
// CHECK: %[[WT:.*]] = nn.transpose %[[WS]] permutation [0, 1, 3, 2, 4, 5] : tensor<8x4x2x4x2x4xf16>
// CHECK: %[[WB:.*]] = nn.reshape %[[WT]] : tensor<8x4x4x2x2x4xf16> to tensor<8x4x4x16xf16>
// CHECK: nn.conv %[[IN]], %[[WB]] bias %[[B]] strides [1, 1] pads [2, 2, 1, 1] dilations [1, 1] layout channels_last activation <relu> {kiln.precision = "fp16"}
// CHECK-SAME: -> tensor<2x8x8x8xf16>
// CHECK-NOT: strides [2, 2]
// OFF-LABEL: func.func @resnet_stem
// OFF: nn.conv {{.*}} strides [2, 2] pads [3, 3, 3, 3]
func.func @resnet_stem(%x: tensor<2x3x16x16xf16>, %w: tensor<8x7x7x3xf16>, %b: tensor<8xf16>) -> tensor<2x8x8x8xf16> {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x16x16xf16>
  %c = nn.conv %t, %w bias %b strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] layout channels_last activation <relu> {kiln.precision = "fp16"}
       : (tensor<2x16x16x3xf16>, tensor<8x7x7x3xf16>, tensor<8xf16>) -> tensor<2x8x8x8xf16>
  return %c : tensor<2x8x8x8xf16>
}

// -----

// Tests a 3×3 stride-2 stem padded by 1 over an NHWC input (MobileNet's,
// EfficientNet's): blocks of the NHWC tensor itself, the filter led by one
// zero tap (2×2 blocks), padded one block before and none after, and the
// residual kept.
// CHECK-LABEL: func.func @nhwc_stem
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8x3xbf16>, %[[W:.*]]: tensor<4x3x3x3xbf16>, %[[R:.*]]: tensor<1x4x4x4xbf16>)
// CHECK: %[[S:.*]] = nn.reshape %[[X]] : tensor<1x8x8x3xbf16> to tensor<1x4x2x4x2x3xbf16>
// CHECK: %[[T:.*]] = nn.transpose %[[S]] permutation [0, 1, 3, 2, 4, 5] : tensor<1x4x2x4x2x3xbf16>
// CHECK: %[[P:.*]] = nn.pad %[[T]] pads [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] : tensor<1x4x4x2x2x3xbf16>
// CHECK: %[[IN:.*]] = nn.reshape %[[P]] : tensor<1x4x4x2x2x4xbf16> to tensor<1x4x4x16xbf16>
// CHECK: %[[WP:.*]] = nn.pad %[[W]] pads [0, 1, 1, 0, 0, 0, 0, 1] : tensor<4x3x3x3xbf16>
// CHECK: nn.conv %[[IN]], %{{.*}} residual %[[R]] strides [1, 1] pads [1, 1, 0, 0] dilations [1, 1] layout channels_last
// CHECK-SAME: (tensor<1x4x4x16xbf16>, tensor<4x2x2x16xbf16>, tensor<1x4x4x4xbf16>) -> tensor<1x4x4x4xbf16>
func.func @nhwc_stem(%x: tensor<1x8x8x3xbf16>, %w: tensor<4x3x3x3xbf16>, %r: tensor<1x4x4x4xbf16>) -> tensor<1x4x4x4xbf16> {
  %c = nn.conv %x, %w residual %r strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x3xbf16>, tensor<4x3x3x3xbf16>, tensor<1x4x4x4xbf16>) -> tensor<1x4x4x4xbf16>
  return %c : tensor<1x4x4x4xbf16>
}

// -----

// Tests a patch embedding (4×4 stride 4, no padding) over 3 channels: 16
// pixels of 3 channels are 48, already aligned, so no channel padding; the
// window is one block, a 1×1 conv.
// CHECK-LABEL: func.func @patchify
// CHECK: nn.transpose %{{.*}} permutation [0, 2, 4, 3, 5, 1] : tensor<1x3x2x4x2x4xf16>
// CHECK-NOT: nn.pad %{{.*}} : tensor<1x2x2x4x4x3xf16>
// CHECK: nn.reshape %{{.*}} : tensor<1x2x2x4x4x3xf16> to tensor<1x2x2x48xf16>
// CHECK: nn.conv {{.*}} strides [1, 1] pads [0, 0, 0, 0]
// CHECK-SAME: (tensor<1x2x2x48xf16>, tensor<16x1x1x48xf16>) -> tensor<1x2x2x16xf16>
func.func @patchify(%x: tensor<1x3x8x8xf16>, %w: tensor<16x4x4x3xf16>) -> tensor<1x2x2x16xf16> {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x3x8x8xf16>
  %c = nn.conv %t, %w strides [4, 4] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x3xf16>, tensor<16x4x4x3xf16>) -> tensor<1x2x2x16xf16>
  return %c : tensor<1x2x2x16xf16>
}

// -----

// Tests a stride-2 conv whose end padding reads past the image (an odd
// output count, 5 × 5 from 8 × 8 with a 3 × 3 window padded by 2): the
// blocked conv pads as many blocks after as its last window needs.
// CHECK-LABEL: func.func @end_padding
// CHECK: nn.conv {{.*}} strides [1, 1] pads [1, 1, 1, 1]
// CHECK-SAME: (tensor<1x4x4x8xf16>, tensor<8x2x2x8xf16>) -> tensor<1x5x5x8xf16>
func.func @end_padding(%x: tensor<1x8x8x2xf16>, %w: tensor<8x3x3x2xf16>) -> tensor<1x5x5x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [2, 2, 2, 2] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x2xf16>, tensor<8x3x3x2xf16>) -> tensor<1x5x5x8xf16>
  return %c : tensor<1x5x5x8xf16>
}

// -----

// Tests that an f32 conv is left alone (no alignment to avoid).
// CHECK-LABEL: func.func @float32
// CHECK: nn.conv {{.*}} strides [2, 2]
func.func @float32(%x: tensor<1x16x16x3xf32>, %w: tensor<8x7x7x3xf32>) -> tensor<1x8x8x8xf32> {
  %c = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] layout channels_last
       : (tensor<1x16x16x3xf32>, tensor<8x7x7x3xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}

// -----

// Tests that a channels-first conv is left alone.
// CHECK-LABEL: func.func @channels_first
// CHECK: nn.conv {{.*}} strides [2, 2]
func.func @channels_first(%x: tensor<1x3x16x16xf16>, %w: tensor<8x3x7x7xf16>) -> tensor<1x8x8x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       : (tensor<1x3x16x16xf16>, tensor<8x3x7x7xf16>) -> tensor<1x8x8x8xf16>
  return %c : tensor<1x8x8x8xf16>
}

// -----

// Tests that a stride-1 conv is left alone.
// CHECK-LABEL: func.func @stride1
// CHECK: nn.conv {{.*}} strides [1, 1] pads [3, 3, 3, 3]
func.func @stride1(%x: tensor<1x16x16x3xf16>, %w: tensor<8x7x7x3xf16>) -> tensor<1x16x16x8xf16> {
  %c = nn.conv %x, %w strides [1, 1] pads [3, 3, 3, 3] dilations [1, 1] layout channels_last
       : (tensor<1x16x16x3xf16>, tensor<8x7x7x3xf16>) -> tensor<1x16x16x8xf16>
  return %c : tensor<1x16x16x8xf16>
}

// -----

// Tests that a conv whose input channels are aligned is left alone.
// CHECK-LABEL: func.func @aligned
// CHECK: nn.conv {{.*}} strides [2, 2]
func.func @aligned(%x: tensor<1x16x16x8xf16>, %w: tensor<8x3x3x8xf16>) -> tensor<1x8x8x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x16x16x8xf16>, tensor<8x3x3x8xf16>) -> tensor<1x8x8x8xf16>
  return %c : tensor<1x8x8x8xf16>
}

// -----

// Tests that an input whose size the stride does not divide is left alone.
// CHECK-LABEL: func.func @odd_size
// CHECK: nn.conv {{.*}} strides [2, 2]
func.func @odd_size(%x: tensor<1x15x15x3xf16>, %w: tensor<8x7x7x3xf16>) -> tensor<1x8x8x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] layout channels_last
       : (tensor<1x15x15x3xf16>, tensor<8x7x7x3xf16>) -> tensor<1x8x8x8xf16>
  return %c : tensor<1x8x8x8xf16>
}

// -----

// Tests that a dilated conv and a grouped conv are left alone.
// CHECK-LABEL: func.func @dilated_grouped
// CHECK: nn.conv {{.*}} strides [2, 2] pads [2, 2, 2, 2] dilations [2, 2]
// CHECK: nn.conv {{.*}} strides [2, 2] {{.*}} groups 3
func.func @dilated_grouped(%x: tensor<1x16x16x3xf16>, %w: tensor<8x3x3x3xf16>, %d: tensor<3x3x3x1xf16>)
    -> (tensor<1x8x8x8xf16>, tensor<1x8x8x3xf16>) {
  %c = nn.conv %x, %w strides [2, 2] pads [2, 2, 2, 2] dilations [2, 2] layout channels_last
       : (tensor<1x16x16x3xf16>, tensor<8x3x3x3xf16>) -> tensor<1x8x8x8xf16>
  %g = nn.conv %x, %d strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 3 layout channels_last
       : (tensor<1x16x16x3xf16>, tensor<3x3x3x1xf16>) -> tensor<1x8x8x3xf16>
  return %c, %g : tensor<1x8x8x8xf16>, tensor<1x8x8x3xf16>
}

// -----

// Tests that a conv the blocks would not make cheaper is left alone: 3×3/2
// over 5 channels is 72 multiply-adds per output padded to 8, 2×2 blocks of
// 2×2×6 = 24 channels would take 96.
// CHECK-LABEL: func.func @not_cheaper
// CHECK: nn.conv {{.*}} strides [2, 2]
func.func @not_cheaper(%x: tensor<1x16x16x5xf16>, %w: tensor<8x3x3x5xf16>) -> tensor<1x8x8x8xf16> {
  %c = nn.conv %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x16x16x5xf16>, tensor<8x3x3x5xf16>) -> tensor<1x8x8x8xf16>
  return %c : tensor<1x8x8x8xf16>
}

// -----

// Tests that strides differing between the dimensions are left alone.
// CHECK-LABEL: func.func @uneven_strides
// CHECK: nn.conv {{.*}} strides [2, 1]
func.func @uneven_strides(%x: tensor<1x16x16x3xf16>, %w: tensor<8x7x7x3xf16>) -> tensor<1x8x16x8xf16> {
  %c = nn.conv %x, %w strides [2, 1] pads [3, 3, 3, 3] dilations [1, 1] layout channels_last
       : (tensor<1x16x16x3xf16>, tensor<8x7x7x3xf16>) -> tensor<1x8x16x8xf16>
  return %c : tensor<1x8x16x8xf16>
}
