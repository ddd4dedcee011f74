// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 4 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests an exclusive cumsum along a long contiguous axis: a block per line
// scans chunks of 1024 (warp shuffles, then the warps' totals) in double,
// carrying each chunk's total into the next.
// CHECK-LABEL: // ----- kernel cumsum_rows grid [4, 1, 1] block [1024, 1, 1] shared 0
// CHECK: double carry = 0;
// CHECK: for (I chunk = 0; chunk < 3000; chunk += 1024) {
// CHECK: const double inclusive = kiln_block_scan<1024>(x, before, total);
// CHECK: out0[b1 + k * 1] = (float)((carry + before));
// CHECK: carry += total;
// EMU: cumsum_rows: exact
func.func @cumsum_rows(%x: tensor<4x3000xf32>) -> tensor<4x3000xf32> {
  %y = nn.cumsum %x axis 1 exclusive : tensor<4x3000xf32>
  return %y : tensor<4x3000xf32>
}

// Tests a reverse integer cumsum along an outer axis: a thread per line, in
// the reference's order, neighbouring threads on neighbouring lines; 64-bit
// wrapping sums.
// CHECK-LABEL: // ----- kernel cumsum_columns grid [1, 1, 1] block [256, 1, 1] shared 0
// CHECK: for (I j = 0; j < 100; ++j) {
// CHECK-NEXT: const I k = (99 - j);
// CHECK: sum += x;
// CHECK-NEXT: out0[b1 + k * 64] = (int)(long long)sum;
// EMU: cumsum_columns: exact
func.func @cumsum_columns(%x: tensor<100x64xi32>) -> tensor<100x64xi32> {
  %y = nn.cumsum %x axis 0 reverse : tensor<100x64xi32>
  return %y : tensor<100x64xi32>
}

// Tests top-5: five block-wide selections, each the best element after the
// previous one in the order (larger value, then lower index).
// CHECK-LABEL: // ----- kernel top5 grid [8, 1, 1] block [1024, 1, 1] shared 0
// CHECK: (a > b) || ({{.*}}a == b) && i < j)
// CHECK: for (int r = 0; r < 5; ++r) {
// CHECK: if (last.i < 0 || better(last.v, last.i, x.v, x.i)) best = pick(best, x);
// CHECK: best = kiln_block_reduce<1024, 1>(best, pick);
// CHECK: out0[b1 + (I)r * 1] = in0[b0 + (I)best.i * 1];
// CHECK: out1[b2 + (I)r * 1] = (long long)best.i;
// EMU: top5: exact
func.func @top5(%x: tensor<8x1000xf16>) -> (tensor<8x5xf16>, tensor<8x5xi64>) {
  %v, %i = nn.top_k %x k 5 axis 1 : tensor<8x1000xf16>
  return %v, %i : tensor<8x5xf16>, tensor<8x5xi64>
}

// Tests a larger k: the line is sorted in shared memory (bitonic), padding
// last; only the indices are an output here.
// CHECK-LABEL: // ----- kernel top50 grid [2, 1, 1] block [256, 1, 1] shared 0
// CHECK: __shared__ float keys[512];
// CHECK: __shared__ int order[512];
// CHECK: const bool jFirst = oi < 0 ? oj >= 0 : oj >= 0 && better(keys[j], oj, keys[i], oi);
// CHECK: out0[b1 + r * 1] = (long long)order[r];
// EMU: top50: exact
func.func @top50(%x: tensor<2x300xf32>) -> tensor<2x50xi64> {
  %v, %i = nn.top_k %x k 50 axis 1 smallest : tensor<2x300xf32>
  return %i : tensor<2x50xi64>
}
