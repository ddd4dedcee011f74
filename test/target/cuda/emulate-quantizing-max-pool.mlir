// Tests max pools that quantize their float input (the lowering folds a
// quantize left on its own into the max pool it feeds) on the CPU emulation
// of CUDA against the reference interpreter: channels-last f16 in 16-byte
// vectors of 8 channels with int8 stores of 8 (a ResNet stem's 3x3/2 pool),
// channels-last f32 (4 lanes), channels-first f32 one element per thread,
// and a per-channel scale.
// RUN: kiln-emulate-cuda %s | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-opt %s -kiln-test-emit-cuda | FileCheck %s --check-prefix=SRC
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null %}
// CHECK-DAG: stem_f16: exact
// CHECK-DAG: nhwc_f32: exact
// CHECK-DAG: nchw_f32: exact
// CHECK-DAG: per_channel: exact
// SRC-LABEL: kernel stem_f16
// SRC: kiln_vec<__half, 8> v;
// SRC: kiln_vec<signed char, 8> r;
// SRC-LABEL: kernel nchw_f32
// SRC-NOT: kiln_vec

!q = !quant.uniform<i8:f32, 0.037>
!qc = !quant.uniform<i8:f32:3, {0.02, 0.05, 0.11, 0.004}>

func.func @stem_f16(%x: tensor<2x9x9x16xf16>) -> tensor<2x5x5x16x!q> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<2x9x9x16xf16>) -> tensor<2x5x5x16x!q>
  return %y : tensor<2x5x5x16x!q>
}

func.func @nhwc_f32(%x: tensor<1x6x7x8xf32>) -> tensor<1x3x3x8x!q> {
  %y = nn.pool max %x kernel [2, 3] strides [2, 2] pads [0, 0, 0, 1] dilations [1, 1] layout channels_last
       : (tensor<1x6x7x8xf32>) -> tensor<1x3x3x8x!q>
  return %y : tensor<1x3x3x8x!q>
}

func.func @nchw_f32(%x: tensor<1x3x7x7xf32>) -> tensor<1x3x3x3x!q> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x7x7xf32>) -> tensor<1x3x3x3x!q>
  return %y : tensor<1x3x3x3x!q>
}

func.func @per_channel(%x: tensor<1x5x5x4xf16>) -> tensor<1x3x3x4x!qc> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x5x5x4xf16>) -> tensor<1x3x3x4x!qc>
  return %y : tensor<1x3x3x4x!qc>
}
