// Tests the INT8 depthwise kernel (the INT8 form of the depthwise path of
// lib/target/cuda/Conv.cpp: int8 data and weights, sums exact in f32, the
// INT8 epilogue) on the CPU emulation of CUDA against the reference
// interpreter, every launch variant (16, 8 and 4 channels a thread, tiles
// of 1, 2 and 4 outputs along the row told apart by blockDim.z), once with
// aligned buffers (whole vectors, every tap loaded, zero outside the input)
// and once misaligned (element by element, taps outside skipped): 3x3 and
// 5x5 (EfficientNet), stride 1 and 2, weights per channel and per tensor, an
// i32 bias, ReLU6 (clip), an int8 residual in its own scale, int8 outputs
// (one with a zero point) and f32 outputs, 16 and 8 channels the widest
// vector. The epilogue computes in f32 (as the lowering's epilogue kernel),
// the reference in double: an int8 output may be one step off where that
// moved a tie (1 ulp), a float output a few ulps (more where the bias
// cancels the sum, near zero).
// RUN: kiln-emulate-cuda %s --variants --inexact='^dw' | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-emulate-cuda %s --variants --misalign --inexact='^dw' | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s --check-prefix=SRC
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}
// NVRTC: ----- nvrtc {{.*}}: 6 kernels compiled
// NVRTC-NOT: nvrtc log
// CHECK-DAG: dw3_relu6_int8: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 2x256x1]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 2x64x2]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 4x64x1]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 4x16x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 8x8x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_s2_zero_point [block 8x8x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_residual_int8 [block 4x32x2]: {{exact|1 ulp}}
// CHECK-DAG: dw5_per_tensor_f32 [block 4x16x4]: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw5_s2_f32: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw3_residual_int8: {{exact|1 ulp}}
// CHECK-DAG: dw3_s2_zero_point: {{exact|1 ulp}}
// CHECK-DAG: dw5_per_tensor_f32: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw3_c24_clip: {{exact|1 ulp}}

!x = !quant.uniform<i8:f32, 0.05>
!w32 = !quant.uniform<i8:f32:0, {0.011, 0.012, 0.013, 0.014, 0.015, 0.016, 0.017, 0.018, 0.019, 0.02, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.03, 0.031, 0.032, 0.033, 0.034, 0.035, 0.036, 0.037, 0.038, 0.039, 0.04, 0.041, 0.042}>
!b32 = !quant.uniform<i32:f32:0, {5.5e-4, 6.0e-4, 6.5e-4, 7.0e-4, 7.5e-4, 8.0e-4, 8.5e-4, 9.0e-4, 9.5e-4, 1.0e-3, 1.05e-3, 1.1e-3, 1.15e-3, 1.2e-3, 1.25e-3, 1.3e-3, 1.35e-3, 1.4e-3, 1.45e-3, 1.5e-3, 1.55e-3, 1.6e-3, 1.65e-3, 1.7e-3, 1.75e-3, 1.8e-3, 1.85e-3, 1.9e-3, 1.95e-3, 2.0e-3, 2.05e-3, 2.1e-3}>
!y = !quant.uniform<i8:f32, 0.047>
!r = !quant.uniform<i8:f32, 0.09>
!z = !quant.uniform<i8:f32, 0.06:-12>
!wt = !quant.uniform<i8:f32, 0.02>
!w24 = !quant.uniform<i8:f32:0, {0.011, 0.012, 0.013, 0.014, 0.015, 0.016, 0.017, 0.018, 0.019, 0.02, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.03, 0.031, 0.032, 0.033, 0.034}>

// Sixteen int8 channels a vector (the first variant); the scales a table
// beside the kernel, the integer weights staged as ints (one array for all
// variants, seen as vectors of each one's channels), the products summed in
// int32 and scaled once (each channel's scale in a register). The int8
// output's step is the unit of the whole epilogue: accumulator scales, bias
// and ReLU6's bound divided by the output scale (0.047) at build time, then
// one rounding conversion and the saturation. With whole vectors every tap
// is loaded as 32-bit words (zero outside the input) and each byte
// sign-extended where it is multiplied; 16 channels' 144 weights are read
// again each tile (an opaque zero in their index) rather than held in
// registers. Element by element, taps outside the input are skipped.
// SRC-LABEL: // ----- kernel dw3_relu6_int8
// SRC-SAME: variants block 2x128x1 grid 1x2x1; block 2x64x2 grid 1x1x1; block 2x256x1 grid 1x1x1; block 4x64x1
// SRC: const float dw3_relu6_int8_scale0[32] = {
// SRC-NEXT: 0.00055f, 0.0006f,
// SRC: const float dw3_relu6_int8_acc_scale0[32] = {
// SRC-NEXT: 0.011702128f, 0.012765957f,
// SRC: __shared__ kiln_vec<int, 16> wshared[18];
// SRC: if (blockDim.x == 2 && blockDim.y == 128 && blockDim.z == 1) {
// SRC-NEXT: kiln_vec<int, 16> *const wsh = reinterpret_cast<kiln_vec<int, 16> *>(wshared);
// SRC: reinterpret_cast<int *>(wsh)[e] = c < 32 ? (int)(in1[
// SRC: const bool whole = ((unsigned long long)in0 | (unsigned long long)out0) % sizeof(kiln_vec<signed char, 16>) == 0;
// SRC: for (int j = 0; j < 16; ++j) sk[j] = dw3_relu6_int8_acc_scale0[c0 + j];
// SRC: for (int j = 0; j < 16; ++j) bk[j] = __fdiv_rn(bk[j], 0.047f);
// SRC: if (whole) {
// SRC: asm volatile("" : "+r"(reread));
// SRC: int acc[1][16];
// SRC: const bool r0 = x0 >= 0 && x0 < 9;
// SRC: kiln_vec<int, 4> xv = {};
// SRC-NEXT: if (r0 && xi >= 0 && xi < 9) {
// SRC-NEXT: xv = *reinterpret_cast<const kiln_vec<int, 4> *>(in0 + q0 * 2592 + (I)x0 * 288 + (I)xi * 32 + c0);
// SRC: acc[0][j] += (int)(signed char)(xv.v[j / 4] >> 8 * (j % 4)) * wsh[(((0) * 3 + k0) * 3 + 0) * 2 + threadIdx.x + reread].v[j];
// SRC: float v = (float)acc[o][j] * sk[j];
// SRC: const int q = __float2int_rn(kiln_min(kiln_max(v, 0.0f), 127.659574f)) + 0;
// SRC: yv.v[j] = (signed char)(q < -128 ? -128 : (q > 127 ? 127 : q));
// SRC: *reinterpret_cast<kiln_vec<signed char, 16> *>(out0 + to) = yv;
// SRC: else {
// SRC: if (x0 < 0 || x0 >= 9) continue;
// SRC: for (int j = 0; j < 16; ++j) xv.v[j] = in0[at + j];
// SRC: acc[0][j] += (int)xv.v[j] * wsh[
// SRC: for (int j = 0; j < 16; ++j) out0[to + j] = yv.v[j];
// SRC: } // kiln launch variant 2x128x1
// Tiles of 2 outputs a thread (blockDim.z = 2), 4 channels a thread with
// their 36 weights kept in registers (no opaque zero).
// SRC: if (blockDim.x == 2 && blockDim.y == 64 && blockDim.z == 2) {
// SRC: for (int e = (threadIdx.z * 64 + threadIdx.y) * 2 + threadIdx.x; e < 288; e += 256)
// SRC: for (I p = blockIdx.y * 128 + (threadIdx.z * 64 + threadIdx.y); p < 90; p += gridDim.y * 128)
// SRC: int acc[2][16];
// SRC: if (blockDim.x == 8 && blockDim.y == 8 && blockDim.z == 4) {
// SRC-NEXT: kiln_vec<int, 4> *const wsh = reinterpret_cast<kiln_vec<int, 4> *>(wshared);
// SRC-NOT: reread
// SRC: int acc[4][4];
// SRC: kiln_vec<int, 1> xv = {};
// SRC-NOT: reread
// SRC: } // kiln launch variant 8x8x4
func.func @dw3_relu6_int8(%x: tensor<2x9x9x32x!x>, %w: tensor<32x3x3x1x!w32>, %b: tensor<32x!b32>) -> tensor<2x9x9x32x!y> {
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<2x9x9x32x!x>, tensor<32x3x3x1x!w32>, tensor<32x!b32>) -> tensor<2x9x9x32x!y>
  return %y : tensor<2x9x9x32x!y>
}

// A float output (an INT8 layer's float result is f32, the type its scales
// express): 16 channels a vector in, four 16-byte vectors out; silu.
// SRC-LABEL: // ----- kernel dw5_s2_f32
// SRC: const bool whole = ((unsigned long long)in0 % sizeof(kiln_vec<signed char, 16>) | (unsigned long long)out0 % sizeof(kiln_vec<float, 16>)) == 0;
// SRC: yv.v[j] = (v * kiln_sigmoid(v));
func.func @dw5_s2_f32(%x: tensor<1x11x11x32x!x>, %w: tensor<32x5x5x1x!w32>, %b: tensor<32x!b32>) -> tensor<1x6x6x32xf32> {
  %y = nn.conv %x, %w bias %b strides [2, 2] pads [2, 2, 2, 2] dilations [1, 1] groups 32
       layout channels_last activation <silu>
       : (tensor<1x11x11x32x!x>, tensor<32x5x5x1x!w32>, tensor<32x!b32>) -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// An int8 residual in its own scale, in units of the output's step.
// SRC-LABEL: // ----- kernel dw3_residual_int8
// SRC: v = fmaf((float)rv.v[j], 1.9148936f, v);
func.func @dw3_residual_int8(%x: tensor<1x7x7x32x!x>, %w: tensor<32x3x3x1x!w32>, %b: tensor<32x!b32>, %r: tensor<1x7x7x32x!r>) -> tensor<1x7x7x32x!y> {
  %y = nn.conv %x, %w bias %b residual %r strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       layout channels_last activation <relu>
       : (tensor<1x7x7x32x!x>, tensor<32x3x3x1x!w32>, tensor<32x!b32>, tensor<1x7x7x32x!r>) -> tensor<1x7x7x32x!y>
  return %y : tensor<1x7x7x32x!y>
}

// Stride 2, no bias, an output with a zero point.
func.func @dw3_s2_zero_point(%x: tensor<2x10x10x32x!x>, %w: tensor<32x3x3x1x!w32>) -> tensor<2x5x5x32x!z> {
  %y = nn.conv %x, %w strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] groups 32
       layout channels_last
       : (tensor<2x10x10x32x!x>, tensor<32x3x3x1x!w32>) -> tensor<2x5x5x32x!z>
  return %y : tensor<2x5x5x32x!z>
}

// Weights per tensor, an f32 output.
func.func @dw5_per_tensor_f32(%x: tensor<1x8x8x16x!x>, %w: tensor<16x5x5x1x!wt>) -> tensor<1x8x8x16xf32> {
  %y = nn.conv %x, %w strides [1, 1] pads [2, 2, 2, 2] dilations [1, 1] groups 16
       layout channels_last
       : (tensor<1x8x8x16x!x>, tensor<16x5x5x1x!wt>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// 24 channels: 8 a vector, then 4 (3 and 6 threads along x).
// SRC-LABEL: // ----- kernel dw3_c24_clip
// SRC-SAME: variants block 3x64x1 grid 1x1x1; block 3x32x2 grid 1x1x1; block 3x16x4 grid 1x1x1; block 3x128x1 grid 1x1x1; block 6x32x1 grid 1x2x1; block 6x16x2 grid 1x1x1; block 6x8x4 grid 1x1x1{{$}}
// SRC: __shared__ kiln_vec<int, 8> wshared[
func.func @dw3_c24_clip(%x: tensor<1x6x6x24x!x>, %w: tensor<24x3x3x1x!w24>) -> tensor<1x6x6x24x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 24
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x6x6x24x!x>, tensor<24x3x3x1x!w24>) -> tensor<1x6x6x24x!y>
  return %y : tensor<1x6x6x24x!y>
}
