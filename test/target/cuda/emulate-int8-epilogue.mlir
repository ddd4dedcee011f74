// Tests the epilogue kernels of INT8 layers (kiln-convert-nn-to-engine-int8.mlir
// shows the lowering that makes them) on the CPU emulation of CUDA against the
// reference interpreter: the f32 sums of an int8 convolution scaled per
// channel, an i32 bias, an int8 residual, relu and requantization; the i32
// sums of an int8 GEMM read through per-column scales; a float result; the
// zero channels padding an RGB input for cuDNN.
// RUN: kiln-emulate-cuda %s | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-opt %s -kiln-test-emit-cuda | FileCheck %s --check-prefix=SRC
// CHECK-DAG: conv_epilogue_int8: exact
// CHECK-DAG: conv_epilogue_residual: exact
// CHECK-DAG: gemm_epilogue_per_column: exact
// CHECK-DAG: conv_epilogue_float: exact
// CHECK-DAG: pad_int8_channels: exact
// One kernel per epilogue, the scales a table beside it.
// SRC-LABEL: kernel conv_epilogue_int8
// SRC: static __device__

!b = !quant.uniform<i32:f32:3, {3.0357699142768979E-4,1.1441500828368589E-4,1.5348456508945674E-4,1.4521923731081188E-4,2.0e-4,1.0e-4,3.0e-4,2.5e-4}>
!bv = !quant.uniform<i32:f32:0, {3.0357699142768979E-4,1.1441500828368589E-4,1.5348456508945674E-4,1.4521923731081188E-4,2.0e-4,1.0e-4,3.0e-4,2.5e-4}>
!h = !quant.uniform<i8:f32, 4.000000e-02>
!r = !quant.uniform<i8:f32, 5.000000e-02>
!acc = !quant.uniform<i32:f32:1, {2.5e-4, 5.0e-4, 1.25e-4, 7.5e-4, 2.5e-4, 5.0e-4, 1.25e-4, 7.5e-4}>
!y = !quant.uniform<i8:f32, 2.0e-2>

func.func @conv_epilogue_int8(%acc: tensor<2x6x6x8xf32>, %bias: tensor<8x!bv>) -> tensor<2x6x6x8x!h> {
  %s = nn.constant dense<[3.0357699e-04, 1.1441501e-04, 1.5348457e-04, 1.4521924e-04, 2.0e-4, 1.0e-4, 3.0e-4, 2.5e-4]> : tensor<8xf32>
  %y = nn.mul %acc, %s : (tensor<2x6x6x8xf32>, tensor<8xf32>) -> tensor<2x6x6x8xf32>
  %b = nn.dequantize %bias : tensor<8x!bv>
  %z = nn.add %y, %b : (tensor<2x6x6x8xf32>, tensor<8xf32>) -> tensor<2x6x6x8xf32>
  %a = nn.relu %z : tensor<2x6x6x8xf32>
  %q = nn.quantize %a : tensor<2x6x6x8xf32> to tensor<2x6x6x8x!h>
  return %q : tensor<2x6x6x8x!h>
}

func.func @conv_epilogue_residual(%acc: tensor<2x6x6x4xf32>, %res: tensor<2x6x6x4x!r>) -> tensor<2x6x6x4x!r> {
  %s = nn.constant dense<[2.04000011E-4, 1.640000e-04, 2.04000011E-4, 1.320000e-04]> : tensor<4xf32>
  %y = nn.mul %acc, %s : (tensor<2x6x6x4xf32>, tensor<4xf32>) -> tensor<2x6x6x4xf32>
  %d = nn.dequantize %res : tensor<2x6x6x4x!r>
  %z = nn.add %y, %d : (tensor<2x6x6x4xf32>, tensor<2x6x6x4xf32>) -> tensor<2x6x6x4xf32>
  %a = nn.relu %z : tensor<2x6x6x4xf32>
  %q = nn.quantize %a : tensor<2x6x6x4xf32> to tensor<2x6x6x4x!r>
  return %q : tensor<2x6x6x4x!r>
}

func.func @gemm_epilogue_per_column(%acc: tensor<16x8x!acc>, %bias: tensor<8x!bv>) -> tensor<16x8x!y> {
  %y = nn.dequantize %acc : tensor<16x8x!acc>
  %b = nn.dequantize %bias : tensor<8x!bv>
  %z = nn.add %y, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %q = nn.quantize %z : tensor<16x8xf32> to tensor<16x8x!y>
  return %q : tensor<16x8x!y>
}

func.func @conv_epilogue_float(%acc: tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32> {
  %s = nn.constant dense<2.5e-01> : tensor<16xf32>
  %y = nn.mul %acc, %s : (tensor<1x3x3x16xf32>, tensor<16xf32>) -> tensor<1x3x3x16xf32>
  return %y : tensor<1x3x3x16xf32>
}

func.func @pad_int8_channels(%x: tensor<2x5x5x3x!r>) -> tensor<2x5x5x4x!r> {
  %p = nn.pad %x pads [0, 0, 0, 0, 0, 0, 0, 1] : tensor<2x5x5x3x!r>
  return %p : tensor<2x5x5x4x!r>
}
