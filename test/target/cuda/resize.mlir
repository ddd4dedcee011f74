// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s
// RUN: kiln-emulate-cuda %s | FileCheck %s --check-prefix=EMU --implicit-check-not=MISMATCH
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}

// NVRTC: ----- nvrtc {{.*}}: 6 kernels compiled
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

// Tests cubic tf_crop_and_resize without a roi: ONNX's default region of interest
// (the whole input), where no coordinate falls outside,
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

// Tests tf_crop_and_resize with a region of interest partly outside the
// input (ONNX's test_resize_tf_crop_and_resize): the coordinates outside
// have a tap count of 0 in their table and take the extrapolation value.
// CHECK-LABEL: // ----- kernel crop_roi grid
// CHECK: const int n2 = crop_roi_count{{[0-9]+}}[o2];
// CHECK: const int n3 = crop_roi_count{{[0-9]+}}[o3];
// CHECK: out0[o2 * 3 + o3] = (n2 == 0 || n3 == 0 ? 10.0f : (float)(sum));
// EMU: crop_roi: exact
func.func @crop_roi(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %y = nn.resize %x mode linear coordinate_transform tf_crop_and_resize
       extrapolation_value 10.0 roi [0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 1.2, 1.7]
       : tensor<1x1x4x4xf32> to tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// Tests nearest tf_crop_and_resize with a flipped region partly outside:
// an index of -1 marks the coordinates outside, and int8 elements are copied
// as stored, the extrapolation value converted to the element type.
// CHECK-LABEL: // ----- kernel crop_nearest grid
// CHECK: const int p3 = crop_nearest_index{{[0-9]+}}[o3];
// CHECK: (p2 >= 0 && p3 >= 0 ? in0[
// EMU: crop_nearest: exact
func.func @crop_nearest(%x: tensor<2x3x5x6xi8>) -> tensor<2x3x4x7xi8> {
  %y = nn.resize %x mode nearest coordinate_transform tf_crop_and_resize
       extrapolation_value -3.0 roi [0.0, 0.0, 0.9, 1.3, 1.0, 1.0, -0.2, 0.1]
       : tensor<2x3x5x6xi8> to tensor<2x3x4x7xi8>
  return %y : tensor<2x3x4x7xi8>
}

// Tests Resize-11's tf_half_pixel_for_nn, (x + 0.5) / scale: downsampling
// 4x4 to 3x2 reads rows 1, 2, 3 (0.67, 2, 3.33 rounded) and columns 1, 3.
// CHECK-LABEL: // ----- kernel half_pixel_for_nn grid
// CHECK: static __device__ const int half_pixel_for_nn_index{{[0-9]+}}[3] = {
// CHECK-NEXT: 1, 2, 3};
// CHECK: static __device__ const int half_pixel_for_nn_index{{[0-9]+}}[2] = {
// CHECK-NEXT: 1, 3};
// EMU: half_pixel_for_nn: exact
func.func @half_pixel_for_nn(%x: tensor<1x1x4x4xf16>) -> tensor<1x1x3x2xf16> {
  %y = nn.resize %x mode nearest coordinate_transform tf_half_pixel_for_nn
       : tensor<1x1x4x4xf16> to tensor<1x1x3x2xf16>
  return %y : tensor<1x1x3x2xf16>
}
