// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s --inexact='strided' | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 7 kernels compiled, sm_90 cubin, ptx for compute_90
// NVRTC-NOT: nvrtc log

// Tests that a pointwise chain is one pass over memory: 16-byte vector loads
// and stores (8 halves) when the pointers are aligned, the channel bias read
// once per vector, each op rounded to f16 with no multiply-add contracted
// across ops, and a scalar grid-stride loop as the fallback. 132 SMs of 8
// blocks cap the grid.
// CHECK-LABEL: // ----- kernel add_relu grid [98, 1, 1] block [256, 1, 1] shared 0
// CHECK: extern "C" __global__ void __launch_bounds__(256) add_relu(const __half *__restrict__ in0,
// CHECK-NEXT: const __half *__restrict__ in1,
// CHECK-NEXT: __half *__restrict__ out0) {
// CHECK: typedef unsigned I;
// CHECK: if ((unsigned long long)(in0) % 16 == 0 && (unsigned long long)(out0) % 16 == 0) {
// CHECK: for (I v = blockIdx.x * blockDim.x + threadIdx.x; v < 25088; v += gridDim.x * blockDim.x) {
// CHECK: const I e = v * 8;
// CHECK: const kiln_vec<__half, 8> l0 = *reinterpret_cast<const kiln_vec<__half, 8> *>(in0 + c0 * 3136 + c1);
// CHECK: const float a0 = __half2float(in1[c0]);
// CHECK: for (int j = 0; j < 8; ++j) {
// CHECK: const float v0 = kiln_round_f16(__fadd_rn(a1, a0));
// CHECK: const float v1 = (t0 > 0.0f ? t0 : 0.0f);
// CHECK: o0.v[j] = __float2half_rn(v1);
// CHECK: *reinterpret_cast<kiln_vec<__half, 8> *>(out0 + c0 * 3136 + c1) = o0;
// CHECK: else {
// CHECK: for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 200704; i += gridDim.x * blockDim.x) {
// CHECK-COUNT-1: out0[c0 * 3136 + c1] = __float2half_rn(v3);
// CHECK-NEXT: }
// EMU: add_relu: exact
func.func @add_relu(%a: tensor<1x64x56x56xf16>, %b: tensor<64x1x1xf16>) -> tensor<1x64x56x56xf16> {
  %s = nn.add %a, %b : (tensor<1x64x56x56xf16>, tensor<64x1x1xf16>) -> tensor<1x64x56x56xf16>
  %r = nn.relu %s : tensor<1x64x56x56xf16>
  return %r : tensor<1x64x56x56xf16>
}

// Tests that inline constants are folded: a splat becomes a literal, a small
// dense constant a table beside the kernel (which takes no parameter for
// either), and that an intermediate value returned as a second output is
// stored without re-computation.
// CHECK-LABEL: // ----- kernel constants grid
// CHECK: alignas(16) static __device__ const float constants_const0[4] = {
// CHECK-NEXT: 1.0f, -2.5f, 0.125f, 3.0f};
// CHECK: constants(const float *__restrict__ in0,
// CHECK-NEXT: float *__restrict__ out0,
// CHECK-NEXT: float *__restrict__ out1) {
// CHECK: *reinterpret_cast<const kiln_vec<float, 4> *>(constants_const0 + c1);
// CHECK: const float v0 = __fmul_rn(a0, a1);
// CHECK: const float v1 = __fsub_rn(v0, 0.1f);
// CHECK: o0.v[j] = v0;
// CHECK: o1.v[j] = v1;
// EMU: constants: exact
func.func @constants(%x: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %c = nn.constant dense<[1.0, -2.5, 0.125, 3.0]> : tensor<4xf32>
  %h = nn.constant dense<0.1> : tensor<f32>
  %m = nn.mul %x, %c : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %s = nn.sub %m, %h : (tensor<8x4xf32>, tensor<f32>) -> tensor<8x4xf32>
  return %m, %s : tensor<8x4xf32>, tensor<8x4xf32>
}

// Tests that a strided output (a slice of a concat's buffer) is written
// through its strides, still with vector stores along its contiguous rows.
// CHECK-LABEL: // ----- kernel strided_output grid
// CHECK: *reinterpret_cast<kiln_vec<float, 4> *>(out0 + c0 * 256 + c1) = o0;
func.func @strided_output(%x: tensor<4x64xf32>) -> (tensor<4x64xf32> {kiln.strides = array<i64: 256, 1>}) {
  %r = nn.sigmoid %x : tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// Tests that the vector path is not taken when a leaf is read across its
// rows (a strided input), and that the index math then uses its strides.
// CHECK-LABEL: // ----- kernel strided_input grid
// CHECK-NOT: kiln_vec
// CHECK: const float a0 = in0[c0 + c1 * 4];
func.func @strided_input(%x: tensor<4x64xf32> {kiln.strides = array<i64: 1, 4>}) -> tensor<4x64xf32> {
  %r = nn.exp %x : tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// Tests per-axis quantization: the channel dimension stays a coordinate of
// its own, scales come from a table, quantize divides in float and rounds
// ties to even with saturation (kiln_quantize), dequantize multiplies in
// double.
// CHECK-LABEL: // ----- kernel qdq grid
// CHECK: alignas(16) static __device__ const float qdq_scale0[3] = {
// CHECK-NEXT: 0.1f, 0.2f, 0.3f};
// CHECK: const signed char v0 = (signed char)kiln_quantize((float)(a0), qdq_scale0[c1], 0, -128, 127);
// CHECK: const float v1 = (float)(__dmul_rn((double)(v0), (double)qdq_scale0[c1]));
// EMU: qdq: exact
func.func @qdq(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %q = nn.quantize %x : tensor<2x3x4xf32> to tensor<2x3x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  %d = nn.dequantize %q : tensor<2x3x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  return %d : tensor<2x3x4xf32>
}

// Tests the reference's conversions: int to f16 rounds once from 64 bits,
// float to i8 truncates through int32 (NaN and overflow give INT_MIN, then
// wrap), integer arithmetic wraps through unsigned, division by -1 negates.
// CHECK-LABEL: // ----- kernel conversions grid
// CHECK: const float v0 = __half2float(__ll2half_rn((long long)a0));
// CHECK: const signed char v1 = (signed char)kiln_trunc_i32((double)(a1));
// CHECK: const signed char v2 = (signed char)((unsigned)v1 + (unsigned)v1);
// CHECK: const signed char v3 = (v1 == 0 ? (signed char)0 : (v1 == -1 ? (signed char)(0u - (unsigned)v2) : (signed char)(v2 / v1)));
func.func @conversions(%i: tensor<7xi32>, %f: tensor<7xf32>) -> (tensor<7xf16>, tensor<7xi8>) {
  %h = nn.cast %i : tensor<7xi32> to tensor<7xf16>
  %b = nn.cast %f : tensor<7xf32> to tensor<7xi8>
  %s = nn.add %b, %b : (tensor<7xi8>, tensor<7xi8>) -> tensor<7xi8>
  %d = nn.div %s, %b : (tensor<7xi8>, tensor<7xi8>) -> tensor<7xi8>
  return %h, %d : tensor<7xf16>, tensor<7xi8>
}

// Tests the NaN rules: max propagates NaN, clip keeps it (bounds rounded to
// bf16 first), hard_sigmoid computes in double as the reference.
// CHECK-LABEL: // ----- kernel nan_rules grid
// CHECK: const float v0 = kiln_nan_max(a0, a1);
// CHECK: const float v1 = (isnan(t0) ? t0 : (0.5f < t1 ? 0.5f : t1));
// CHECK: const float v2 = kiln_round_bf16(kiln_hard_sigmoid((double)(v1), 0.20000000298023224, 0.5));
// EMU: nan_rules: exact
func.func @nan_rules(%a: tensor<16xbf16>, %b: tensor<16xbf16>) -> tensor<16xbf16> {
  %m = nn.max %a, %b : (tensor<16xbf16>, tensor<16xbf16>) -> tensor<16xbf16>
  %c = nn.clip %m min -0.1 max 0.5 : tensor<16xbf16>
  %h = nn.hard_sigmoid %c alpha 0.2 beta 0.5 : tensor<16xbf16>
  return %h : tensor<16xbf16>
}
