// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(kiln-propagate-qdq)' | FileCheck %s
// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(kiln-propagate-qdq)' -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 2 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 0 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 1 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 0 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests that a dequantize moves forward through a max pool and a reshape,
// and a quantize backward through a transpose (rule 2).
!q = !quant.uniform<i8:f32, 0.05>
// CHECK-LABEL: func.func @forward_and_backward
// CHECK: %[[Q:.*]] = nn.quantize %arg0
// CHECK-NEXT: %[[P:.*]] = nn.pool max %[[Q]] {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[P]] : tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>> to tensor<1x8x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NEXT: %[[D:.*]] = nn.dequantize %[[R]]
// CHECK-NEXT: %[[S:.*]] = nn.sigmoid %[[D]]
// CHECK-NEXT: %[[Q2:.*]] = nn.quantize %[[S]]
// CHECK-NEXT: %[[T:.*]] = nn.transpose %[[Q2]]
// CHECK-NEXT: return %[[T]]
func.func @forward_and_backward(%x: tensor<1x2x4x4xf32>) -> tensor<8x1x!q> {
  %q = nn.quantize %x : tensor<1x2x4x4xf32> to tensor<1x2x4x4x!q>
  %d = nn.dequantize %q : tensor<1x2x4x4x!q>
  %p = nn.pool max %d kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %r = nn.reshape %p : tensor<1x2x2x2xf32> to tensor<1x8xf32>
  %s = nn.sigmoid %r : tensor<1x8xf32>
  %t = nn.transpose %s permutation [1, 0] : tensor<1x8xf32>
  %q2 = nn.quantize %t : tensor<8x1xf32> to tensor<8x1x!q>
  return %q2 : tensor<8x1x!q>
}

// -----

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 0 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 0 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 0 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 0 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests that sigmoid, softmax and div are never crossed (must not fire).
!q = !quant.uniform<i8:f32, 0.05>
// CHECK-LABEL: func.func @not_commuting
// CHECK: nn.dequantize
// CHECK-NEXT: nn.sigmoid
// CHECK-NEXT: nn.softmax
// CHECK-NEXT: nn.div
// CHECK-NEXT: nn.quantize
func.func @not_commuting(%q: tensor<1x8x!q>, %y: tensor<1x8xf32>) -> tensor<1x8x!q> {
  %d = nn.dequantize %q : tensor<1x8x!q>
  %s = nn.sigmoid %d : tensor<1x8xf32>
  %m = nn.softmax %s axis 1 : tensor<1x8xf32>
  %v = nn.div %m, %y : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = nn.quantize %v : tensor<1x8xf32> to tensor<1x8x!q>
  return %r : tensor<1x8x!q>
}

// -----

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 1 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 0 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 0 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 0 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests that a concat of equal scales is crossed and one of different
// scales is not, with a remark naming the inputs.
!q = !quant.uniform<i8:f32, 0.05>
!p = !quant.uniform<i8:f32, 0.1>
// CHECK-LABEL: func.func @concat_scales
// CHECK: nn.dequantize %arg0
// CHECK: nn.dequantize %arg2
// CHECK: %[[C:.*]] = nn.concat %arg0, %arg1 axis 1 : tensor<1x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK: nn.dequantize %[[C]]
// CHECK: nn.concat {{.*}} : tensor<1x2xf32>, tensor<1x2xf32>
func.func @concat_scales(%a: tensor<1x2x!q>, %b: tensor<1x2x!q>, %c: tensor<1x2x!p>)
    -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %da = nn.dequantize %a : tensor<1x2x!q>
  %db = nn.dequantize %b : tensor<1x2x!q>
  %dc = nn.dequantize %c : tensor<1x2x!p>
  %e = nn.concat %da, %db axis 1 : tensor<1x2xf32>, tensor<1x2xf32>
  // expected-remark @below {{concat 'nn.concat' is not crossed: its inputs 'nn.dequantize' and 'nn.dequantize' have different scales}}
  %f = nn.concat %da, %dc axis 1 : tensor<1x2xf32>, tensor<1x2xf32>
  return %e, %f : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 0 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 0 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 2 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 0 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests rule 10: two quantizes of one scale after a fork move backward as
// one, and the equality is recorded in engine.assumptions; a quantize
// backward through a concat records that each input takes its scale.
!q = !quant.uniform<i8:f32, 0.05>
// CHECK: module attributes {engine.assumptions = ["scale(q2.output) == scale(q1.output)", "scale(conv3.output) == scale(concat2.output)", "scale(concat2.input1) == scale(concat2.output)"]
// CHECK-LABEL: func.func @fork
// CHECK: nn.quantize %arg0
// CHECK-NEXT: nn.reshape
// CHECK-NEXT: return
func.func @fork(%x: tensor<2x4xf32>) -> (tensor<8x!q>, tensor<8x!q>) {
  %r = nn.reshape %x : tensor<2x4xf32> to tensor<8xf32> loc("reshape1")
  %q1 = nn.quantize %r : tensor<8xf32> to tensor<8x!q> loc("q1")
  %q2 = nn.quantize %r : tensor<8xf32> to tensor<8x!q> loc("q2")
  return %q1, %q2 : tensor<8x!q>, tensor<8x!q>
}
// CHECK-LABEL: func.func @concat_backward
// CHECK: nn.quantize
// CHECK: nn.quantize
// CHECK: nn.concat {{.*}} : tensor<1x2x!quant.uniform<i8:f32, 5.000000e-02>>
func.func @concat_backward(%x: tensor<1x2xf32>, %y: tensor<1x2xf32>) -> tensor<1x4x!q> {
  %a = nn.relu %x : tensor<1x2xf32> loc("conv3")
  %c = nn.concat %a, %y axis 1 : tensor<1x2xf32>, tensor<1x2xf32> loc("concat2")
  %q = nn.quantize %c : tensor<1x4xf32> to tensor<1x4x!q>
  return %q : tensor<1x4x!q>
}

// -----

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 0 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 0 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 0 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 0 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests that quantizes of different scales after a fork do not move, with
// a warning naming both (rule 10's check).
// CHECK-LABEL: func.func @fork_mismatch
// CHECK: nn.reshape %arg0
func.func @fork_mismatch(%x: tensor<2x4xf32>)
    -> (tensor<8x!quant.uniform<i8:f32, 0.05>>, tensor<8x!quant.uniform<i8:f32, 0.1>>) {
  // expected-warning @below {{quantizes 'nn.quantize' and 'nn.quantize' of 'nn.reshape' have different scales}}
  %r = nn.reshape %x : tensor<2x4xf32> to tensor<8xf32>
  %q1 = nn.quantize %r : tensor<8xf32> to tensor<8x!quant.uniform<i8:f32, 0.05>>
  %q2 = nn.quantize %r : tensor<8xf32> to tensor<8x!quant.uniform<i8:f32, 0.1>>
  return %q1, %q2 : tensor<8x!quant.uniform<i8:f32, 0.05>>, tensor<8x!quant.uniform<i8:f32, 0.1>>
}

// -----

// STATS: PropagateQDQPass
// STATS-NEXT: (S) 0 dequantize-forward - Dequantizes moved forward
// STATS-NEXT: (S) 1 pairs-removed - quantize(dequantize) pairs removed
// STATS-NEXT: (S) 0 quantize-backward - Quantizes moved backward
// STATS-NEXT: (S) 2 uint8-shifted - uint8 quantizes re-expressed as int8

// Tests that uint8 with zero point 128 becomes int8 with zero point 0 (the
// same scale), through a shuffle, and that a redundant quantize of a
// dequantize of one type is removed (rule 9, exact case).
// CHECK-LABEL: func.func @uint8
// CHECK: %[[Q:.*]] = nn.quantize %arg0 : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[Q]] : tensor<1x4x!quant.uniform<i8:f32, 1.000000e-01>> to tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NEXT: %[[D:.*]] = nn.dequantize %[[R]]
// CHECK-NEXT: return %[[D]]
func.func @uint8(%x: tensor<1x4xf32>) -> tensor<4xf32> {
  %q = nn.quantize %x : tensor<1x4xf32> to tensor<1x4x!quant.uniform<u8:f32, 0.1:128>>
  %r = nn.reshape %q : tensor<1x4x!quant.uniform<u8:f32, 0.1:128>> to tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %d = nn.dequantize %r : tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %q2 = nn.quantize %d : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %d2 = nn.dequantize %q2 : tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  return %d2 : tensor<4xf32>
}

// -----

// Tests that a max pool that quantizes (float in, quantized out) is not
// taken for a layer a dequantize commutes through: it is the quantize.
// CHECK-LABEL: func.func @quantizing_max_pool
// CHECK: %[[D:.*]] = nn.dequantize %arg0
// CHECK: nn.pool max %[[D]]
// CHECK-SAME: -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
!q = !quant.uniform<i8:f32, 0.1>
func.func @quantizing_max_pool(%x: tensor<1x2x4x4x!q>) -> tensor<1x2x2x2x!q> {
  %d = nn.dequantize %x : tensor<1x2x4x4x!q>
  %p = nn.pool max %d kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2x!q>
  return %p : tensor<1x2x2x2x!q>
}
