// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s --variants --inexact=. | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 4 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests a depthwise NHWC f16 convolution with bias and relu6: threads along
// x own 8 channels (one 16-byte vector), the block stages its weights once in
// shared memory (floats, tap-major; declared once for every variant), the
// bias sits in registers, threads along y walk output tiles; one vector load
// per input column, fused multiply-adds in float, one vector store, element
// by element when a pointer is misaligned. The variants: one output a thread
// (64 rows), tiles of 2 (32 rows) and 4 (16 rows) outputs along the row,
// and 128 rows of one output.
// CHECK-LABEL: // ----- kernel dw_nhwc_f16 grid [1, 1, 1] block [4, 64, 1] shared 0
// CHECK-SAME: variants block 4x64x1 grid 1x1x1; block 4x32x1 grid 1x1x1; block 4x16x1 grid 1x1x1; block 4x128x1 grid 1x1x1{{$}}
// CHECK: __shared__ kiln_vec<float, 8> wsh[36];
// CHECK-NEXT: { // kiln launch variant 4x64x1
// CHECK: for (int e = threadIdx.y * 4 + threadIdx.x; e < 288; e += 256) {
// CHECK: reinterpret_cast<float *>(wsh)[e] = c < 32 ? __half2float(in1[c * 9 + (t / 1 % 3) * 1 + (t / 3 % 3) * 3]) : 0.0f;
// CHECK: __syncthreads();
// CHECK: const I c0 = cv * 8;
// CHECK: const bool whole = ((unsigned long long)in0 | (unsigned long long)out0) % sizeof(kiln_vec<__half, 8>) == 0;
// CHECK: bk[j] = __half2float(in2[(c0 + j) * 1]);
// CHECK: for (I p = blockIdx.y * 64 + threadIdx.y; p < 16; p += gridDim.y * 64) {
// CHECK: const S x0 = (S)q1 * 2 - 0 + k0 * 1;
// CHECK: const S xi = (S)ow0 * 2 - 0 + 0;
// CHECK: const I at = 0 + (I)x0 * 256 + (I)xi * 32 + c0;
// CHECK: if (whole) xv = *reinterpret_cast<const kiln_vec<__half, 8> *>(in0 + at);
// CHECK: acc[0][j] = fmaf(__half2float(xv.v[j]), wsh[(((0) * 3 + k0) * 3 + 0) * 4 + threadIdx.x].v[j], acc[0][j]);
// CHECK: yv.v[j] = __float2half_rn(kiln_min(kiln_max(v, 0.0f), 6.0f));
// CHECK: if (whole) *reinterpret_cast<kiln_vec<__half, 8> *>(out0 + to) = yv;
// CHECK: } // kiln launch variant 4x64x1
// Tiles of 2 at stride 2: 5 input columns a kernel row for 6 taps; the
// middle column feeds the first output's last tap, then the second's first.
// CHECK: { // kiln launch variant 4x32x1
// CHECK: for (I p = blockIdx.y * 32 + threadIdx.y; p < 8; p += gridDim.y * 32) {
// CHECK: const I ow0 = (q2) * 2;
// CHECK: float acc[2][8];
// CHECK: const S xi = (S)ow0 * 2 - 0 + 2;
// CHECK-NOT: const S xi
// CHECK: acc[0][j] = fmaf(__half2float(xv.v[j]), wsh[(((0) * 3 + k0) * 3 + 2) * 4 + threadIdx.x].v[j], acc[0][j]);
// CHECK-NEXT: #pragma unroll
// CHECK-NEXT: acc[1][j] = fmaf(__half2float(xv.v[j]), wsh[(((0) * 3 + k0) * 3 + 0) * 4 + threadIdx.x].v[j], acc[1][j]);
// CHECK: const S xi = (S)ow0 * 2 - 0 + 4;
// CHECK-NOT: const S xi
// CHECK: const I to = ((p - q2) / 2 * 4 + ow0 + o) * 32 + c0;
// CHECK: } // kiln launch variant 4x32x1
// EMU: dw_nhwc_f16 [block 4x16x1]: {{exact|[0-9]+ ulp}}
// EMU: dw_nhwc_f16: {{exact|[0-9]+ ulp}}
func.func @dw_nhwc_f16(%x: tensor<1x8x8x32xf16>, %w: tensor<32x3x3x1xf16>, %b: tensor<32xf16>) -> tensor<1x4x4x32xf16> {
  %y = nn.conv %x, %w bias %b strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] groups 32 layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x8x8x32xf16>, tensor<32x3x3x1xf16>, tensor<32xf16>) -> tensor<1x4x4x32xf16>
  return %y : tensor<1x4x4x32xf16>
}

// Tests the 1-D causal depthwise convolution of the ONNX causal-conv node
// tests (cuDNN has no engine for it with silu fused): the same path, one
// spatial loop, silu as x · sigmoid(x).
// CHECK-LABEL: // ----- kernel causal_1d_silu grid [1, 1, 1] block [1, 256, 1] shared 0
// CHECK: __shared__ kiln_vec<float, 4> wsh[4];
// CHECK: const I at = q0 * 44 + (I)xi * 4 + c0;
// CHECK: yv.v[j] = (v * kiln_sigmoid(v));
// EMU: causal_1d_silu: {{exact|[0-9]+ ulp}}
func.func @causal_1d_silu(%x: tensor<2x11x4xf32>, %w: tensor<4x4x1xf32>) -> tensor<2x8x4xf32> {
  %y = nn.conv %x, %w strides [1] pads [0, 0] dilations [1] groups 4 layout channels_last activation <silu>
       : (tensor<2x11x4xf32>, tensor<4x4x1xf32>) -> tensor<2x8x4xf32>
  return %y : tensor<2x8x4xf32>
}

// Tests a grouped NCHW convolution with a residual: one thread per output
// element, taps then the group's channels, as the reference sums them.
// CHECK-LABEL: // ----- kernel grouped_nchw grid [1, 1, 1] block [256, 1, 1] shared 0
// CHECK: const I g = o1 / 2;
// CHECK: for (I c = 0; c < 4; ++c) {
// CHECK: acc = fmaf(in0[0 + (I)x0 * 6 + (I)x1 * 1 + (g * 4 + c) * 36], in1[o1 * 36 + (I)t0 * 3 + (I)t1 * 1 + c * 9], acc);
// CHECK: acc += in2[o1 * 16 + o2 * 4 + o3];
// CHECK: out0[o1 * 16 + o2 * 4 + o3] = (acc > 0.0f ? acc : 0.0f);
// EMU: grouped_nchw: {{exact|[0-9]+ ulp}}
func.func @grouped_nchw(%x: tensor<1x8x6x6xf32>, %w: tensor<4x4x3x3xf32>, %r: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 activation <relu>
       : (tensor<1x8x6x6xf32>, tensor<4x4x3x3xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// Tests that a depthwise convolution into a strided output (a slice of a
// concat) does not take the vector path.
// CHECK-LABEL: // ----- kernel dw_strided_out grid [1, 1, 1] block [256, 1, 1] shared 0
// CHECK-NOT: kiln_vec
// CHECK: out0[o1 * 64 + o2 * 16 + o3] = acc;
// EMU: dw_strided_out: {{exact|[0-9]+ ulp}}
func.func @dw_strided_out(%x: tensor<1x4x4x8xf32>, %w: tensor<8x3x3x1xf32>) -> (tensor<1x4x4x8xf32> {kiln.strides = array<i64: 256, 64, 16, 1>}) {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 8 layout channels_last
       : (tensor<1x4x4x8xf32>, tensor<8x3x3x1xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
