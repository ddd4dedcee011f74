// RUN: kiln-emulate-cuda %s --inexact=softmax | FileCheck %s --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// Tests strided inputs and outputs (kiln.strides: a transposed input, an
// output that is a slice of a wider buffer) in every family, on the CPU
// emulation against the reference.
// NVRTC: ----- nvrtc {{.*}}: 10 kernels compiled
// NVRTC-NOT: nvrtc log

// CHECK: softmax_s: {{exact|[0-9]+ ulp}}
func.func @softmax_s(%x: tensor<4x64xf32> {kiln.strides = array<i64: 1, 4>}) -> (tensor<4x64xf32> {kiln.strides = array<i64: 128, 1>}) {
  %y = nn.softmax %x axis 1 : tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
// CHECK: pool_s: exact
func.func @pool_s(%x: tensor<1x4x8x8xf16>) -> (tensor<1x4x4x4xf16> {kiln.strides = array<i64: 128, 32, 4, 1>}) {
  %y = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf16>) -> tensor<1x4x4x4xf16>
  return %y : tensor<1x4x4x4xf16>
}
// CHECK: transpose_s: exact
func.func @transpose_s(%x: tensor<2x32x20x20xf32>) -> (tensor<2x20x20x32xf32> {kiln.strides = array<i64: 25600, 1280, 64, 1>}) {
  %y = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x32x20x20xf32>
  return %y : tensor<2x20x20x32xf32>
}
// CHECK: topk_s: exact
func.func @topk_s(%x: tensor<3x50xf32> {kiln.strides = array<i64: 1, 3>}) -> (tensor<3x4xf32> {kiln.strides = array<i64: 1, 3>}, tensor<3x4xi64>) {
  %v, %i = nn.top_k %x k 4 axis 1 : tensor<3x50xf32>
  return %v, %i : tensor<3x4xf32>, tensor<3x4xi64>
}
// CHECK: cumsum_s: exact
func.func @cumsum_s(%x: tensor<3x50xi32> {kiln.strides = array<i64: 1, 3>}) -> (tensor<3x50xi32> {kiln.strides = array<i64: 64, 1>}) {
  %y = nn.cumsum %x axis 1 : tensor<3x50xi32>
  return %y : tensor<3x50xi32>
}
// CHECK: ln_s: exact
func.func @ln_s(%x: tensor<6x40xbf16> {kiln.strides = array<i64: 48, 1>}, %g: tensor<40xbf16>) -> (tensor<6x40xbf16> {kiln.strides = array<i64: 1, 6>}) {
  %y = nn.layer_norm %x, %g axis 1 : tensor<6x40xbf16>, tensor<40xbf16>
  return %y : tensor<6x40xbf16>
}
// CHECK: gather_s: exact
func.func @gather_s(%x: tensor<10x6xf32> {kiln.strides = array<i64: 1, 10>}, %i: tensor<4xi32>) -> (tensor<4x6xf32> {kiln.strides = array<i64: 8, 1>}) {
  %y = nn.gather %x, %i axis 0 : tensor<10x6xf32>, tensor<4xi32>
  return %y : tensor<4x6xf32>
}
// CHECK: resize_s: exact
func.func @resize_s(%x: tensor<1x2x4x4xf32> {kiln.strides = array<i64: 32, 1, 8, 2>}) -> (tensor<1x2x8x8xf32> {kiln.strides = array<i64: 256, 128, 16, 1>}) {
  %y = nn.resize %x mode linear : tensor<1x2x4x4xf32> to tensor<1x2x8x8xf32>
  return %y : tensor<1x2x8x8xf32>
}
// CHECK: argmin_s: exact
func.func @argmin_s(%x: tensor<5x7xi8> {kiln.strides = array<i64: 1, 5>}) -> (tensor<7xi64> {kiln.strides = array<i64: 2>}) {
  %y = nn.arg_min %x axis 0 : tensor<5x7xi8>
  return %y : tensor<7xi64>
}
// CHECK: split_s: exact
func.func @split_s(%x: tensor<4x10xf16> {kiln.strides = array<i64: 16, 1>}) -> (tensor<4x3xf16> {kiln.strides = array<i64: 1, 4>}, tensor<4x7xf16>) {
  %a, %b = nn.split %x axis 1 sizes [3, 7] : tensor<4x10xf16>
  return %a, %b : tensor<4x3xf16>, tensor<4x7xf16>
}
