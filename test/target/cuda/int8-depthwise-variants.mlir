// Tests which launch variants the INT8 depthwise kernel (Conv.cpp,
// emitDepthwiseConv) offers tactic timing: 16, 8 and 4 channels a thread,
// each with tiles of 1, 2 and 4 outputs along the row in blocks of the same
// threads told apart by blockDim.z (and 16 channels with twice the rows),
// no more than 32 sums a thread; and where they must not be offered: float
// depthwise convolutions (one width, tiles as rows), an output one column
// wide (no tiles), channels too few for 4 a thread.
// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}
// NVRTC: ----- nvrtc {{.*}}: 4 kernels compiled
// NVRTC-NOT: nvrtc log

!x = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32, 0.02>
!y = !quant.uniform<i8:f32, 0.047>

// MobileNetV2 features.3's depthwise conv (144 channels, 56 x 56, 3 x 3):
// 9, 18 or 36 threads a pixel, 288 threads a block (576 with 64 rows); 16
// channels do not take tiles of 4 (64 sums).
// CHECK-LABEL: // ----- kernel dw_f3 grid [1, 98, 1] block [9, 32, 1] shared 0
// CHECK-SAME: variants block 9x32x1 grid 1x98x1; block 9x16x2 grid 1x49x1; block 9x64x1 grid 1x49x1; block 18x16x1 grid 1x196x1; block 18x8x2 grid 1x98x1; block 18x4x4 grid 1x49x1; block 36x8x1 grid 1x392x1; block 36x4x2 grid 1x196x1; block 36x2x4 grid 1x98x1{{$}}
// CHECK: __launch_bounds__(288) dw_f3(
// CHECK: __shared__ kiln_vec<int, 16> wshared[81];
// CHECK: if (blockDim.x == 9 && blockDim.y == 16 && blockDim.z == 2) {
// CHECK: for (I p = blockIdx.y * 32 + (threadIdx.z * 16 + threadIdx.y); p < 1568; p += gridDim.y * 32) {
// CHECK: int acc[2][16];
// CHECK: if (blockDim.x == 18 && blockDim.y == 4 && blockDim.z == 4) {
// CHECK-NEXT: kiln_vec<int, 8> *const wsh = reinterpret_cast<kiln_vec<int, 8> *>(wshared);
// CHECK: int acc[4][8];
// CHECK: kiln_vec<int, 2> xv = {};
// CHECK: if (blockDim.x == 36 && blockDim.y == 2 && blockDim.z == 4) {
// CHECK-NEXT: kiln_vec<int, 4> *const wsh = reinterpret_cast<kiln_vec<int, 4> *>(wshared);
// CHECK: for (I p = blockIdx.y * 8 + (threadIdx.z * 2 + threadIdx.y); p < 784; p += gridDim.y * 8) {
// CHECK: int acc[4][4];
// CHECK: } // kiln launch variant 36x2x4
func.func @dw_f3(%x: tensor<1x56x56x144x!x>, %w: tensor<144x3x3x1x!w>) -> tensor<1x56x56x144x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 144
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x56x56x144x!x>, tensor<144x3x3x1x!w>) -> tensor<1x56x56x144x!y>
  return %y : tensor<1x56x56x144x!y>
}

// The same layer in f16: one width (8 channels), tiles only where half or a
// quarter of the rows still make whole warps (here none), no blockDim.z.
// CHECK-LABEL: // ----- kernel dw_f3_f16
// CHECK-SAME: variants block 18x16x1 grid 1x196x1; block 18x32x1 grid 1x98x1{{$}}
// CHECK-NOT: blockDim.z == 2
// CHECK: __shared__ kiln_vec<float, 8> wsh[162];
// CHECK-NOT: wshared
// CHECK-NOT: blockDim.z == 2
// CHECK: } // kiln launch variant 18x32x1
func.func @dw_f3_f16(%x: tensor<1x56x56x144xf16>, %w: tensor<144x3x3x1xf16>) -> tensor<1x56x56x144xf16> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 144
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x56x56x144xf16>, tensor<144x3x3x1xf16>) -> tensor<1x56x56x144xf16>
  return %y : tensor<1x56x56x144xf16>
}

// An output one column wide: no tiles, only the widths.
// CHECK-LABEL: // ----- kernel dw_one_column
// CHECK-SAME: variants block 2x128x1 grid 1x1x1; block 2x256x1 grid 1x1x1; block 4x64x1 grid 1x1x1; block 8x32x1 grid 1x1x1{{$}}
func.func @dw_one_column(%x: tensor<2x7x7x32x!x>, %w: tensor<32x7x7x1x!w>) -> tensor<2x1x1x32x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 32
       layout channels_last
       : (tensor<2x7x7x32x!x>, tensor<32x7x7x1x!w>) -> tensor<2x1x1x32x!y>
  return %y : tensor<2x1x1x32x!y>
}

// 6 channels: 2 a thread (3-byte vectors would not be aligned), no
// narrower width; bytes, not words, where 2 channels are loaded.
// CHECK-LABEL: // ----- kernel dw_c6
// CHECK-SAME: variants block 3x64x1 grid 1x1x1; block 3x32x2 grid 1x1x1; block 3x16x4 grid 1x1x1; block 3x128x1 grid 1x1x1{{$}}
// CHECK: __shared__ kiln_vec<int, 2> wshared[27];
// CHECK-NOT: kiln_vec<int, 1>
// CHECK: kiln_vec<signed char, 2> xv = {};
// CHECK-NOT: kiln_vec<int, 1>
// CHECK: } // kiln launch variant 3x128x1
func.func @dw_c6(%x: tensor<1x8x8x6x!x>, %w: tensor<6x3x3x1x!w>) -> tensor<1x8x8x6x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 6
       layout channels_last
       : (tensor<1x8x8x6x!x>, tensor<6x3x3x1x!w>) -> tensor<1x8x8x6x!y>
  return %y : tensor<1x8x8x6x!y>
}
