// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: kiln-emulate-cuda %s --variants --filter='^nchw_to_nhwc$' | FileCheck %s --check-prefix=VAR --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 11 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests concat as one copy phase per input into its slice of the result,
// vectorized, moving stored halves without conversion.
// CHECK-LABEL: // ----- kernel concat grid
// CHECK: *reinterpret_cast<kiln_vec<__half, 8> *>(out0 + c0 * 1536 + c1) = o0;
// CHECK: if ((unsigned long long)(in1) % 16 == 0 && (unsigned long long)((out0 + 1024)) % 16 == 0) {
// CHECK: const __half a2 = l1.v[j];
// CHECK: *reinterpret_cast<kiln_vec<__half, 8> *>((out0 + 1024) + c0 * 1536 + c1) = o1;
// CHECK-NOT: __half2float
// EMU: concat: exact
func.func @concat(%a: tensor<2x16x8x8xf16>, %b: tensor<2x8x8x8xf16>) -> tensor<2x24x8x8xf16> {
  %y = nn.concat %a, %b axis 1 : tensor<2x16x8x8xf16>, tensor<2x8x8x8xf16>
  return %y : tensor<2x24x8x8xf16>
}

// Tests split (q, k, v style): one phase per result, each reading its slice.
// CHECK-LABEL: // ----- kernel split grid
// CHECK: *reinterpret_cast<const kiln_vec<__nv_bfloat16, 8> *>(in0 + c0 * 2304 + c1);
// CHECK: *reinterpret_cast<const kiln_vec<__nv_bfloat16, 8> *>((in0 + 768) + c0 * 2304 + c1);
// EMU: split: exact
func.func @split(%x: tensor<1x128x2304xbf16>) -> (tensor<1x128x768xbf16>, tensor<1x128x1536xbf16>) {
  %a, %b = nn.split %x axis 2 sizes [768, 1536] : tensor<1x128x2304xbf16>
  return %a, %b : tensor<1x128x768xbf16>, tensor<1x128x1536xbf16>
}

// Tests that NCHW to NHWC goes through a 32 x 32 tile of shared memory:
// reads along W, writes along C, both coalesced; blocks of 8, 16 or 32 rows
// are launch variants, each exact.
// CHECK-LABEL: // ----- kernel nchw_to_nhwc grid [112, 1, 1] block [32, 8, 1] shared 0
// CHECK-SAME: variants block 32x8x1 grid 112x1x1; block 32x16x1 grid 112x1x1; block 32x32x1 grid 112x1x1{{$}}
// CHECK: __shared__ float tile[32][33];
// CHECK: { // kiln launch variant 32x8x1
// CHECK: for (int j = threadIdx.y; j < 32; j += 8) {
// CHECK: tile[j][threadIdx.x] = in0[n0 * 50176 + n1 * 28 + ia * 784 + ib * 1];
// CHECK: __syncthreads();
// CHECK: out0[n0 * 50176 + n1 * 1792 + ia * 1 + ib * 64] = tile[threadIdx.x][j];
// CHECK: } // kiln launch variant 32x8x1
// CHECK: { // kiln launch variant 32x16x1
// CHECK: for (int j = threadIdx.y; j < 32; j += 16) {
// CHECK: { // kiln launch variant 32x32x1
// CHECK: for (int j = threadIdx.y; j < 32; j += 32) {
// EMU: nchw_to_nhwc: exact
// VAR-DAG: nchw_to_nhwc [block 32x8x1]: exact
// VAR-DAG: nchw_to_nhwc [block 32x16x1]: exact
// VAR-DAG: nchw_to_nhwc [block 32x32x1]: exact
func.func @nchw_to_nhwc(%x: tensor<2x64x28x28xf32>) -> tensor<2x28x28x64xf32> {
  %y = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x64x28x28xf32>
  return %y : tensor<2x28x28x64xf32>
}

// Tests that a transpose keeping the innermost dimension (attention heads)
// is a strided copy, vectorized along that dimension: no tile.
// CHECK-LABEL: // ----- kernel heads grid
// CHECK-NOT: tile
// CHECK: *reinterpret_cast<const kiln_vec<__half, 8> *>(in0 + c0 * 64 + c1 * 768 + c2);
// EMU: heads: exact
func.func @heads(%x: tensor<1x128x12x64xf16>) -> tensor<1x12x128x64xf16> {
  %y = nn.transpose %x permutation [0, 2, 1, 3] : tensor<1x128x12x64xf16>
  return %y : tensor<1x12x128x64xf16>
}

// Tests a negative-step slice: a gather with signed index arithmetic.
// CHECK-LABEL: // ----- kernel reverse grid
// CHECK: out0[o0 * 5 + o1] = in0[(I)(0 + (S)o0 * 1) * 10 + (I)(9 + (S)o1 * -2)];
// EMU: reverse: exact
func.func @reverse(%x: tensor<4x10xi8>) -> tensor<4x5xi8> {
  %y = nn.slice %x starts [0, 9] ends [4, -1] steps [1, -2] : tensor<4x10xi8>
  return %y : tensor<4x5xi8>
}

// Tests constant padding of a quantized tensor: the fill value 1.0 becomes
// its stored integer (1.0 / 0.1 + 128 = 138).
// CHECK-LABEL: // ----- kernel pad_q grid
// CHECK: out0[o1 * 36 + o2 * 6 + o3] = (p2 >= 0 && p2 < 4 && p3 >= 0 && p3 < 4 ? in0[o1 * 16 + (I)(p2 + 0) * 4 + (I)(p3 + 0)] : (unsigned char)138);
// EMU: pad_q: exact
func.func @pad_q(%x: tensor<1x3x4x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x3x6x6x!quant.uniform<u8:f32, 0.1:128>> {
  %y = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] value 1.0 : tensor<1x3x4x4x!quant.uniform<u8:f32, 0.1:128>>
  return %y : tensor<1x3x6x6x!quant.uniform<u8:f32, 0.1:128>>
}

// Tests reflect padding of cropped dimensions: mirror with period
// 2 (size - 1) on the cropped size, then shift by the crop.
// CHECK-LABEL: // ----- kernel pad_reflect grid
// CHECK: p2 = ((p2 % 12) + 12) % 12;
// CHECK: p2 = p2 < 7 ? p2 : 12 - p2;
// CHECK: (I)(p2 + 1) * 8
// EMU: pad_reflect: exact
func.func @pad_reflect(%x: tensor<2x4x8x8xf32>) -> tensor<2x4x9x6xf32> {
  %y = nn.pad %x pads [0, 0, -1, 0, 0, 0, 2, -2] mode reflect : tensor<2x4x8x8xf32>
  return %y : tensor<2x4x9x6xf32>
}

// Tests an embedding lookup: negative indices count from the end, indices
// are clamped into range (the reference rejects them; a kernel cannot).
// CHECK-LABEL: // ----- kernel embedding grid
// CHECK: const long long g0r = (long long)in1[o1];
// CHECK: const S g0 = (S)kiln_min<long long>(kiln_max<long long>(g0r < 0 ? g0r + 1000 : g0r, 0), 999);
// CHECK: out0[o1 * 64 + o2] = in0[(I)g0 * 64 + o2];
// EMU: embedding: exact
func.func @embedding(%table: tensor<1000x64xf16>, %ids: tensor<1x16xi64>) -> tensor<1x16x64xf16> {
  %y = nn.gather %table, %ids axis 0 : tensor<1000x64xf16>, tensor<1x16xi64>
  return %y : tensor<1x16x64xf16>
}

// Tests expand: the broadcast value is loaded once per vector of 4.
// CHECK-LABEL: // ----- kernel expand grid
// CHECK: const float a0 = in0[c1];
// CHECK: o0.v[j] = a0;
// EMU: expand: exact
func.func @expand(%x: tensor<64x1xf32>) -> tensor<4x64x32xf32> {
  %y = nn.expand %x shape [4, 64, 32] : tensor<64x1xf32>
  return %y : tensor<4x64x32xf32>
}

// Tests a reshape of a strided (transposed) input: the output position is
// decomposed over the input's shape and read through its strides.
// CHECK-LABEL: // ----- kernel reshape_strided grid
// CHECK: const I q0 = (i / 6);
// CHECK: out0[o0 * 8 + o1] = in0[q0 + q1 * 4];
// EMU: reshape_strided: exact
func.func @reshape_strided(%x: tensor<4x6xf32> {kiln.strides = array<i64: 1, 4>}) -> tensor<3x8xf32> {
  %y = nn.reshape %x : tensor<4x6xf32> to tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// Tests constant padding of a transposed (strided) input, the lowering's
// view of an NCHW image as NHWC ahead of its channel padding: each output
// element is gathered through the view's strides.
// CHECK-LABEL: // ----- kernel pad_strided grid
// CHECK: out0[o0 * 240 + o1 * 48 + o2 * 8 + o3] = (p3 >= 0 && p3 < 3 ? in0[o0 * 90 + o1 * 6 + o2 + (I)(p3 + 0) * 30] : __float2half_rn(0.0f));
// EMU: pad_strided: exact
func.func @pad_strided(%x: tensor<2x5x6x3xf16> {kiln.strides = array<i64: 90, 6, 1, 30>}) -> tensor<2x5x6x8xf16> {
  %y = nn.pad %x pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16>
  return %y : tensor<2x5x6x8xf16>
}
