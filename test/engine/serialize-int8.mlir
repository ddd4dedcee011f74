// Tests that the INT8 steps reach the engine file as the runtime expects them:
// the fused int8 convolution (format 1.2) with i8 NHWC x, w and y, I32
// compute, an f32 bias and per-channel scale (0.5 x {0.02, 0.04, 0.06,
// 0.08} / 0.25) and relu; the int8 GEMM with i8 A and B [N, K] (trans_b),
// I32 compute and d; both precision int8; and that the runtime's loader
// accepts the file.
// REQUIRES: nvrtc
// RUN: kiln-opt %s -kiln-engine-pipeline -o %t.mlir
// RUN: kiln-translate --serialize-engine --dump-engine-json %t.mlir | FileCheck %s
// RUN: kiln-translate --serialize-engine --dump-engine-weights %t.mlir | FileCheck %s --check-prefix=WEIGHTS
// RUN: kiln-translate --serialize-engine %t.mlir -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME

// CHECK:      "name": "x",
// CHECK-NEXT: "dtype": "I8",
// CHECK:      "kind_type": "ConvStep",
// CHECK-NEXT: "kind": {
// CHECK-NEXT:   "x": {
// CHECK-NEXT:     "dtype": "I8",
// CHECK-NEXT:     "shape": [ 1, 8, 4, 4 ],
// CHECK-NEXT:     "strides": [ 128, 1, 32, 8 ],
// CHECK:        "w": {
// CHECK-NEXT:     "dtype": "I8",
// CHECK-NEXT:     "shape": [ 4, 8, 1, 1 ],
// CHECK:        "bias": {
// CHECK-NEXT:     "dtype": "F32",
// CHECK-NEXT:     "shape": [ 4 ],
// CHECK:        "y": {
// CHECK-NEXT:     "dtype": "I8",
// CHECK:        "compute_type": "I32",
// CHECK-NEXT:   "activation": "Relu",
// CHECK:        "alpha": 1.0,
// CHECK-NEXT:   "scale": {
// CHECK-NEXT:     "dtype": "F32",
// CHECK-NEXT:     "shape": [ 4 ],
// CHECK:        "z_scale": 1.0
// CHECK:      "name": "qconv",
// CHECK:      "precision": "int8",
// No epilogue kernel: the GEMM follows.
// CHECK-NOT:  "kind_type": "LaunchStep",
// CHECK:      "kind_type": "GemmStep",
// CHECK:        "a_type": "I8",
// CHECK-NEXT:   "b_type": "I8",
// CHECK-NEXT:   "c_type": "I32",
// CHECK-NEXT:   "d_type": "I32",
// CHECK:        "compute_type": "I32",
// CHECK-NEXT:   "trans_a": false,
// CHECK-NEXT:   "trans_b": true,
// CHECK-NEXT:   "m": 1,
// CHECK-NEXT:   "n": 16,
// CHECK-NEXT:   "k": 64,
// CHECK:        "lda": 64,
// CHECK-NEXT:   "ldb": 64,
// CHECK:      "name": "fc",
// CHECK:      "precision": "int8",

// The per-channel scale in the weights, as f32 {0.04, 0.08, 0.12, 0.16}.
// WEIGHTS: {{[0-9a-f]+}}: 0a d7 23 3d 0a d7 a3 3d 8f c2 f5 3d 0a d7 23 3e

// RUNTIME: format 1.5
// RUNTIME: input x {{ *}}i8 {{ *}}[1x4x4x8]
// RUNTIME: conv qconv {{ *}}int8 [1x8x4x4] * [4x8x1x1] -> [1x4x4x4] i8 *scale +bias Relu
// RUNTIME: gemm fc {{ *}}int8 1x[1x64] * [64x16]^T i8->i32

!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04, 0.06, 0.08}>
!h = !quant.uniform<i8:f32, 0.25>
!fw = !quant.uniform<i8:f32, 0.01>
func.func @main(%x: tensor<1x4x4x8x!x> {kiln.name = "x"}) -> (tensor<1x16xf32> {kiln.name = "logits"}) {
  %w = nn.constant dense<3> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>) -> tensor<1x4x4x4x!h> loc("qconv")
  %f = nn.reshape %y : tensor<1x4x4x4x!h> to tensor<1x64x!h>
  %fw = nn.constant dense<2> : tensor<16x64xi8> as tensor<16x64x!fw>
  %l = nn.gemm %f, %fw trans_b : (tensor<1x64x!h>, tensor<16x64x!fw>) -> tensor<1x16xf32> loc("fc")
  return %l : tensor<1x16xf32>
}
