// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s --variants --inexact='softmax|_b?f16' | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 10 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests softmax over contiguous rows: a block of 256 threads per row, each
// thread's 4 elements kept in registers (one read of memory), the maximum
// subtracted before exp, block reductions of the max and of the sum (in
// float: the input is f16), one reciprocal of the sum, and the output
// rounded to f16. The kernel's launch bound is its block.
// CHECK-LABEL: // ----- kernel softmax_rows grid [8, 1, 1] block [256, 1, 1] shared 0
// CHECK-SAME: variants block 64x4x1 grid 2x1x1; block 128x2x1 grid 4x1x1; block 256x1x1 grid 8x1x1; block 512x1x1 grid 8x1x1; block 1024x1x1 grid 8x1x1{{$}}
// CHECK-NEXT: extern "C" __global__ void __launch_bounds__(256) softmax_rows(
// CHECK: { // kiln launch variant 256x1x1
// CHECK: const bool active = row < 8;
// CHECK: float x[4];
// CHECK: float m = (-1.0f / 0.0f);
// CHECK: x[u] = __half2float(in0[b0 + {{e[0-9]+}}]);
// CHECK: m = kiln_max(m, x[u]);
// CHECK: m = kiln_block_reduce<256, 1>(m, [](float a, float b) { return kiln_max(a, b); });
// CHECK: float sum = 0.0f;
// CHECK: x[u] = expf(x[u] - m);
// CHECK-NEXT: sum += x[u];
// CHECK: sum = kiln_block_reduce<256, 1>(sum, [](float a, float b) { return a + b; });
// CHECK: const float inverse = 1.0f / sum;
// CHECK: out0[b1 + {{e[0-9]+}}] = __float2half_rn(kiln_round_f16((x[u] * inverse)));
// CHECK-NOT: in0[
// CHECK-NOT: double
// CHECK: } // kiln launch variant 256x1x1
// EMU: softmax_rows [block 64x4x1]: {{exact|[0-9]+ ulp}}
// EMU: softmax_rows [block 1024x1x1]: {{exact|[0-9]+ ulp}}
// EMU: softmax_rows: {{exact|[0-9]+ ulp}}
func.func @softmax_rows(%x: tensor<8x1000xf16>) -> tensor<8x1000xf16> {
  %y = nn.softmax %x axis 1 : tensor<8x1000xf16>
  return %y : tensor<8x1000xf16>
}

// Tests softmax over channels of NCHW: consecutive threads take consecutive
// positions (coalesced) and 8 threads along y split each row, combining in
// shared memory. The input is f32, so the sum of exponentials is a double.
// CHECK-LABEL: // ----- kernel log_softmax_channels grid [4, 1, 1] block [32, 8, 1] shared 0
// CHECK: { // kiln launch variant 32x8x1
// CHECK: const I row = (I)blockIdx.x * 32 + threadIdx.x;
// CHECK: const unsigned lane = threadIdx.y;
// CHECK: x[u] = in0[b0 + {{e[0-9]+}} * 49];
// CHECK: m = kiln_column_reduce<8>(m,
// CHECK: double sum = 0.0;
// CHECK: sum += (double)expf(x[u] - m);
// CHECK: sum = kiln_column_reduce<8>(sum, [](double a, double b) { return a + b; });
// CHECK: const float lse = (float)log(sum);
// CHECK: out0[b1 + {{e[0-9]+}} * 49] = ((x[u] - m) - lse);
// EMU: log_softmax_channels: {{exact|[0-9]+ ulp}}
func.func @log_softmax_channels(%x: tensor<2x64x7x7xf32>) -> tensor<2x64x7x7xf32> {
  %y = nn.log_softmax %x axis 1 : tensor<2x64x7x7xf32>
  return %y : tensor<2x64x7x7xf32>
}

// Tests layer norm in one read of memory: the row in registers, mean and
// variance in two passes over them, in float since the input is bf16; scale
// and bias broadcast along the normalized dimension.
// CHECK-LABEL: // ----- kernel layer_norm grid [128, 1, 1] block [256, 1, 1] shared 0
// CHECK: { // kiln launch variant 256x1x1
// CHECK: float x[3];
// CHECK: float sum = 0.0f;
// CHECK: const float mean = kiln_block_reduce<256, 1>(sum, [](float a, float b) { return a + b; }) / 768.0f;
// CHECK: const float d = x[u] - mean;
// CHECK: const float variance = kiln_block_reduce<256, 1>(squares, {{.*}}) / 768.0f;
// CHECK: const float inverse = 1.0f / sqrtf(variance + 1e-05f);
// CHECK-NOT: double
// CHECK: out0[b1 + {{e[0-9]+}}] = __float2bfloat16_rn(kiln_round_bf16((x[u] - mean) * inverse * __bfloat162float(in1[{{e[0-9]+}}]) + __bfloat162float(in2[{{e[0-9]+}}])));
// CHECK-NOT: double
// CHECK: } // kiln launch variant 256x1x1
// EMU: layer_norm: exact
func.func @layer_norm(%x: tensor<1x128x768xbf16>, %g: tensor<768xbf16>, %b: tensor<768xbf16>) -> tensor<1x128x768xbf16> {
  %y = nn.layer_norm %x, %g, %b axis 2 : tensor<1x128x768xbf16>, tensor<768xbf16>, tensor<768xbf16>
  return %y : tensor<1x128x768xbf16>
}

// Tests that a row too long for registers is read again for each pass
// (1024 threads, a loop over the row), with a launch bound of 1024; f32
// data: mean and variance in double.
// CHECK-LABEL: // ----- kernel layer_norm_long grid [2, 1, 1] block [1024, 1, 1] shared 0
// CHECK-NEXT: extern "C" __global__ void __launch_bounds__(1024) layer_norm_long(
// CHECK-NOT: float x[
// CHECK: { // kiln launch variant 1024x1x1
// CHECK: for (I k = lane; k < 40000; k += 1024) {
// CHECK: sum += (double)in0[b0 + {{e[0-9]+}}];
// CHECK: const double mean =
// CHECK: const double inverse = 1.0 / sqrt(variance + 9.999999747378752e-06);
// EMU: layer_norm_long: exact
func.func @layer_norm_long(%x: tensor<2x40000xf32>, %g: tensor<40000xf32>) -> tensor<2x40000xf32> {
  %y = nn.layer_norm %x, %g axis 1 : tensor<2x40000xf32>, tensor<40000xf32>
  return %y : tensor<2x40000xf32>
}

// Tests instance norm of NHWC: its 64 rows (sample, channel) run along the
// channels, so the column layout takes them; the per-channel parameters
// follow the row.
// CHECK-LABEL: // ----- kernel instance_norm_nhwc grid [2, 1, 1] block [32, 8, 1] shared 0
// CHECK: { // kiln launch variant 32x8x1
// CHECK: const I b2 = r1;
// CHECK: x[u] = in0[b0 + {{e[0-9]+}} * 32];
// CHECK: (double)in1[b2] + (double)in2[b3]
// EMU: instance_norm_nhwc: exact
func.func @instance_norm_nhwc(%x: tensor<2x8x8x32xf32>, %s: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<2x8x8x32xf32> {
  %y = nn.instance_norm %x, %s, %b layout channels_last : tensor<2x8x8x32xf32>, tensor<32xf32>, tensor<32xf32>
  return %y : tensor<2x8x8x32xf32>
}

// Tests a reduction over non-adjacent axes of an integer tensor: 8 lanes of
// a warp per output (32 outputs per block), shuffles, wrapping 64-bit sums
// and the truncating integer mean.
// CHECK-LABEL: // ----- kernel reduce_mean_i32 grid [1, 1, 1] block [8, 32, 1] shared 0
// CHECK: { // kiln launch variant 8x32x1
// CHECK: const I {{e[0-9]+}} = (k / 5);
// CHECK: const int x = in0[b0 + {{e[0-9]+}} * 30 + {{e[0-9]+}}];
// CHECK: acc = (long long)((unsigned long long)acc + (unsigned long long)x);
// CHECK: acc = kiln_warp_reduce<8>(acc,
// CHECK: if (active && lane == 0) {
// CHECK-NEXT: out0[b1] = (int)(acc / 20ll);
// EMU: reduce_mean_i32: exact
func.func @reduce_mean_i32(%x: tensor<4x6x5xi32>) -> tensor<6xi32> {
  %y = nn.reduce mean %x axes [0, 2] : tensor<4x6x5xi32>
  return %y : tensor<6xi32>
}

// Tests arg max with the last index winning ties: a candidate is a (value,
// index) pair, NaN never wins unless it is the first element.
// CHECK-LABEL: // ----- kernel arg_max_last grid [8, 1, 1] block [256, 1, 1] shared 0
// CHECK: { // kiln launch variant 256x1x1
// CHECK: (b.v == a.v && b.i > a.i)
// CHECK: if (!isnan(x)) best = pick(best, kiln_arg<float>{x, (long long)k});
// CHECK: out0[b1] = (isnan(in0[b0]) || best.i < 0 ? 0ll : best.i);
// EMU: arg_max_last: exact
func.func @arg_max_last(%x: tensor<8x1000xf32>) -> tensor<8x1xi64> {
  %y = nn.arg_max %x axis 1 keep_dims select_last_index : tensor<8x1000xf32>
  return %y : tensor<8x1xi64>
}

// Tests a global average pool of NHWC INT8: the column layout over channels,
// dequantized sums in double, requantized to the output's scale; the input
// is a strided view.
// CHECK-LABEL: // ----- kernel global_pool_q grid [2, 1, 1] block [32, 8, 1] shared 0
// CHECK: { // kiln launch variant 32x8x1
// CHECK: const double x = __dmul_rn((double)((int)(in0[b0 + {{e[0-9]+}} * 80]) - -3), (double)0.05f);
// CHECK: out0[b1] = (signed char)kiln_quantize((float)(acc / 49.0), 0.1f, 0, -128, 127);
// EMU: global_pool_q: exact
func.func @global_pool_q(%x: tensor<1x7x7x64x!quant.uniform<i8:f32, 0.05:-3>> {kiln.strides = array<i64: 3920, 560, 80, 1>})
    -> tensor<1x1x1x64x!quant.uniform<i8:f32, 0.1>> {
  %y = nn.global_pool avg %x layout channels_last
       : (tensor<1x7x7x64x!quant.uniform<i8:f32, 0.05:-3>>) -> tensor<1x1x1x64x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<1x1x1x64x!quant.uniform<i8:f32, 0.1>>
}

// Tests the global average pool of a squeeze-and-excite block in FP16 NHWC
// (EfficientNet's): the column layout over channels, the sums in float (the
// input is f16), the mean rounded to f16; variants of 4 to 32 threads along
// each row, and 32 rows a block.
// CHECK-LABEL: // ----- kernel global_pool_f16 grid [12, 1, 1] block [32, 8, 1] shared 0
// CHECK-SAME: variants block 32x4x1 grid 12x1x1; block 32x8x1 grid 12x1x1; block 32x16x1 grid 12x1x1; block 32x32x1 grid 12x1x1{{$}}
// CHECK: { // kiln launch variant 32x16x1
// CHECK: float acc = 0.0f;
// CHECK: const float x = __half2float(in0[b0 + {{e[0-9]+}} * 192]);
// CHECK: acc = acc + x;
// CHECK: acc = kiln_column_reduce<16>(acc, [](float a, float b) { return a + b; });
// CHECK: out0[b1] = __float2half_rn(kiln_round_f16(acc / 49.0f));
// CHECK-NOT: double
// CHECK: } // kiln launch variant 32x16x1
// EMU: global_pool_f16 [block 32x4x1]: {{exact|1 ulp}}
// EMU: global_pool_f16 [block 32x32x1]: {{exact|1 ulp}}
// EMU: global_pool_f16: {{exact|1 ulp}}
func.func @global_pool_f16(%x: tensor<2x7x7x192xf16>) -> tensor<2x1x1x192xf16> {
  %y = nn.global_pool avg %x layout channels_last : (tensor<2x7x7x192xf16>) -> tensor<2x1x1x192xf16>
  return %y : tensor<2x1x1x192xf16>
}

// Tests that a row of one element has one launch shape, no variants, and no
// variant bodies.
// CHECK-LABEL: // ----- kernel reduce_single grid [1, 1, 1] block [1, 256, 1] shared 0{{$}}
// CHECK-NOT: kiln launch variant
// EMU: reduce_single: exact
func.func @reduce_single(%x: tensor<6x1xf32>) -> tensor<6xf32> {
  %y = nn.reduce sum %x axes [1] : tensor<6x1xf32>
  return %y : tensor<6xf32>
}
