// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 6 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests a max pool: one thread per output element, the window's taps in
// loops of constant bounds that skip the padding, the running max from the
// lowest finite f16 value with NaN dropped (std::max, as the reference).
// CHECK-LABEL: // ----- kernel max_pool grid [196, 1, 1] block [256, 1, 1] shared 0
// CHECK: const S s0 = (S)o2 * 2 - 1;
// CHECK: float acc = -65504.0f;
// CHECK: #pragma unroll
// CHECK-NEXT: for (int t0 = 0; t0 < 3; ++t0) {
// CHECK: if (x0 < 0 || x0 >= 56) continue;
// CHECK: acc = kiln_max(acc, __half2float(in0[o1 * 3136 + (I)x0 * 56 + (I)x1 * 1]));
// CHECK: out0[o1 * 784 + o2 * 28 + o3] = __float2half_rn(kiln_round_f16(acc));
// EMU: max_pool: exact
func.func @max_pool(%x: tensor<1x64x56x56xf16>) -> tensor<1x64x28x28xf16> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x64x56x56xf16>) -> tensor<1x64x28x28xf16>
  return %y : tensor<1x64x28x28xf16>
}

// Tests an average pool of NHWC with ceil mode and count_include_pad:
// consecutive threads take consecutive channels, the taps sum in double, the
// divisor counts the window clipped at the end padding.
// CHECK-LABEL: // ----- kernel avg_pool_nhwc grid
// CHECK: const I o3 = i % 16;
// CHECK: const S e0 = kiln_min<S>(s0 + 3, 9);
// CHECK: if (x0 >= e0) break;
// CHECK: acc += (double)(in0[o3 + (I)x0 * 128 + (I)x1 * 16]);
// CHECK: (taps == 0 ? 0.0 : acc / (double)(1 * (int)(e0 > s0 ? 1 + (e0 - s0 - 1) / 1 : 0) * (int)(e1 > s1 ? 1 + (e1 - s1 - 1) / 1 : 0)))
// EMU: avg_pool_nhwc: exact
func.func @avg_pool_nhwc(%x: tensor<1x8x8x16xf32>) -> tensor<1x5x5x16xf32> {
  %y = nn.pool avg %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       ceil_mode count_include_pad layout channels_last
       : (tensor<1x8x8x16xf32>) -> tensor<1x5x5x16xf32>
  return %y : tensor<1x5x5x16xf32>
}

// Tests that a quantized max pool compares the stored integers (the scale
// is positive), starting from the storage minimum.
// CHECK-LABEL: // ----- kernel max_pool_q grid
// CHECK: signed char acc = -128;
// CHECK: acc = kiln_max(acc, in0[
// CHECK: out0[{{.*}}] = acc;
// EMU: max_pool_q: exact
func.func @max_pool_q(%x: tensor<1x4x9x9x!quant.uniform<i8:f32, 0.05:-3>>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-3>> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x9x9x!quant.uniform<i8:f32, 0.05:-3>>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-3>>
  return %y : tensor<1x4x4x4x!quant.uniform<i8:f32, 0.05:-3>>
}

// Tests LRN: the square sum over the neighbouring channels that exist, then
// x / (bias + alpha / size * sum)^beta in double, as the reference.
// CHECK-LABEL: // ----- kernel lrn grid
// CHECK: const S first = kiln_max<S>(0, (S)o1 - 2);
// CHECK: const S last = kiln_min<S>(7, (S)o1 + 2);
// CHECK: sum = __dadd_rn(sum, __dmul_rn(x, x));
// CHECK: __ddiv_rn((double)in0[{{.*}}], pow(__dadd_rn(1.0, __dmul_rn(__ddiv_rn(9.999999747378752e-05, 5.0), sum)), 0.75))
// EMU: lrn: exact
func.func @lrn(%x: tensor<2x8x5x5xf32>) -> tensor<2x8x5x5xf32> {
  %y = nn.lrn %x size 5 alpha 1.0e-4 beta 0.75 bias 1.0 : tensor<2x8x5x5xf32>
  return %y : tensor<2x8x5x5xf32>
}

// Tests a channels-last int8 max pool: each thread takes one 16-byte vector
// of channels (16 lanes of 64) of one output position, one vector load per
// tap, stored integers compared; lane by lane when a pointer is misaligned.
// CHECK-LABEL: // ----- kernel max_pool_nhwc_i8 grid
// CHECK: const bool whole = ((unsigned long long)in0 | (unsigned long long)out0) % sizeof(kiln_vec<signed char, 16>) == 0;
// CHECK: for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 3136;
// CHECK: const I c0 = o3 * 16;
// CHECK: signed char acc[16];
// CHECK: acc[j] = -128;
// CHECK: if (whole) v = *reinterpret_cast<const kiln_vec<signed char, 16> *>(in0 + at);
// CHECK: acc[j] = kiln_max(acc[j], v.v[j]);
// CHECK: if (whole) *reinterpret_cast<kiln_vec<signed char, 16> *>(out0 + o1 * 1792 + o2 * 64 + c0) = r;
// EMU: max_pool_nhwc_i8: exact
func.func @max_pool_nhwc_i8(%x: tensor<1x56x56x64xi8>) -> tensor<1x28x28x64xi8> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_last : (tensor<1x56x56x64xi8>) -> tensor<1x28x28x64xi8>
  return %y : tensor<1x28x28x64xi8>
}

// Tests that a channels-last max pool of 3 channels keeps one element per
// thread (no vector of 2 or more lanes divides the channels).
// CHECK-LABEL: // ----- kernel max_pool_nhwc_c3 grid
// CHECK-NOT: kiln_vec
// CHECK: float acc = -65504.0f;
// EMU: max_pool_nhwc_c3: exact
func.func @max_pool_nhwc_c3(%x: tensor<1x8x8x3xf16>) -> tensor<1x4x4x3xf16> {
  %y = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_last : (tensor<1x8x8x3xf16>) -> tensor<1x4x4x3xf16>
  return %y : tensor<1x4x4x3xf16>
}
