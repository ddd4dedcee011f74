// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 3 kernels compiled
// NVRTC-NOT: nvrtc log

// Tests nearest upsampling (YOLO's x2): dimensions that keep their size read
// their own coordinate, the others a table of source indices the host
// computed with the reference's code; elements are copied as stored.
// CHECK-LABEL: // ----- kernel upsample grid
// CHECK: alignas(16) static __device__ const int upsample_index0[40] = {
// CHECK-NEXT: 0, 0, 1, 1, 2, 2,
// CHECK: const int p2 = upsample_index0[o2];
// CHECK: const int p3 = upsample_index0[o3];
// CHECK: out0[o1 * 1600 + o2 * 40 + o3] = in0[o1 * 400 + (I)p2 * 20 + (I)p3];
// EMU: upsample: exact
func.func @upsample(%x: tensor<1x8x20x20xf16>) -> tensor<1x8x40x40xf16> {
  %y = nn.resize %x mode nearest coordinate_transform asymmetric nearest_mode floor
         scales [1.0, 1.0, 2.0, 2.0] : tensor<1x8x20x20xf16> to tensor<1x8x40x40xf16>
  return %y : tensor<1x8x40x40xf16>
}

// Tests linear resizing: per dimension a count, source indices and float
// weights; the weights multiply in dimension order and the taps sum in double,
// as in the reference (so the result is its, to the bit).
// CHECK-LABEL: // ----- kernel bilinear grid
// CHECK: const int n2 = bilinear_count{{[0-9]+}}[o2];
// CHECK: for (int j2 = 0; j2 < n2; ++j2) {
// CHECK: const double w2 = __dmul_rn(w1, (double)bilinear_weight{{[0-9]+}}[o2 * 2 + j2]);
// CHECK: sum = __dadd_rn(sum, __dmul_rn(w3, (double)(in0[(I)p0 * 180 + (I)p1 * 60 + (I)p2 * 10 + (I)p3])));
// EMU: bilinear: exact
func.func @bilinear(%x: tensor<1x3x6x10xf32>) -> tensor<1x3x9x6xf32> {
  %y = nn.resize %x mode linear : tensor<1x3x6x10xf32> to tensor<1x3x9x6xf32>
  return %y : tensor<1x3x9x6xf32>
}

// Tests cubic tf_crop_and_resize: with ONNX's default region of interest
// (the whole input; the dialect keeps no other) no coordinate falls outside,
// so the extrapolation value is never needed: four taps a dimension.
// CHECK-LABEL: // ----- kernel crop grid
// CHECK-NOT: 2.5f
// CHECK: const double w3 = __dmul_rn(w2, (double)crop_weight{{[0-9]+}}[o3 * 4 + j3]);
// CHECK: out0[o1 * 49 + o2 * 7 + o3] = __float2bfloat16_rn(kiln_round_bf16(sum));
// EMU: crop: exact
func.func @crop(%x: tensor<1x2x5x5xbf16>) -> tensor<1x2x7x7xbf16> {
  %y = nn.resize %x mode cubic coordinate_transform tf_crop_and_resize extrapolation_value 2.5
       : tensor<1x2x5x5xbf16> to tensor<1x2x7x7xbf16>
  return %y : tensor<1x2x7x7xbf16>
}
