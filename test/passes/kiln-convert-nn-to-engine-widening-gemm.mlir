// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// A 16-bit GEMM whose only reader casts its result to f32 (an FP16
// network's classifier before its f32 output) writes f32 itself: one
// cuBLASLt call whose epilogue stores the f32 sums, no cast kernel, and the
// logits are not rounded to 16 bits on the way. The constant bias becomes
// f32 (cuBLASLt's bias type for an f32 result).
// STATS: (S) 1 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to
// STATS: (S) 1 widened-gemms
// STATS: (S) 1 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 1 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms
// STATS: (S) 0 widened-gemms

// Tests the classifier: gemm + bias (f16), then the output cast.
// CHECK-LABEL: func.func @classifier
// CHECK-SAME: (%[[X:.*]]: memref<2x16xf16> {{.*}}, %[[OUT:.*]]: memref<2x8xf32>
// CHECK-DAG: %[[W:.*]] = engine.weight {{.*}} : memref<8x16xf16>
// CHECK-DAG: %[[B:.*]] = engine.weight dense<[5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 2.500000e+00, 3.000000e+00, 3.500000e+00, 4.000000e+00]> : tensor<8xf32> : memref<8xf32>
// CHECK: engine.gemm %[[X]] : memref<2x16xf16>, %[[W]] : memref<8x16xf16> bias %[[B]] : memref<8xf32> -> %[[OUT]] : memref<2x8xf32> trans_b {layers = ["fc", "fc_cast"], precision = "fp16"}
// CHECK-NOT: engine.dispatch
func.func @classifier(%x: tensor<2x16xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<8x16xf16>
  %b = nn.constant dense<[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]> : tensor<8xf16>
  %y = nn.gemm %x, %w bias %b trans_b : (tensor<2x16xf16>, tensor<8x16xf16>, tensor<8xf16>) -> tensor<2x8xf16> loc("fc")
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32> loc("fc_cast")
  return %c : tensor<2x8xf32>
}

// -----

// Tests bf16 with a relu and no bias; the layer keeps both names.
// CHECK-LABEL: func.func @relu
// CHECK: engine.gemm %{{.*}} : memref<2x16xbf16>, %{{.*}} : memref<16x8xbf16> -> %{{.*}} : memref<2x8xf32> activation <relu> {layers = ["fc", "fc_cast"], precision = "bf16"}
// CHECK-NOT: engine.dispatch
func.func @relu(%x: tensor<2x16xbf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xbf16>
  %y = nn.gemm %x, %w activation <relu> : (tensor<2x16xbf16>, tensor<16x8xbf16>) -> tensor<2x8xbf16> loc("fc")
  %c = nn.cast %y : tensor<2x8xbf16> to tensor<2x8xf32> loc("fc_cast")
  return %c : tensor<2x8xf32>
}

// -----

// Tests alpha, trans_a and a [1, N] bias row.
// CHECK-LABEL: func.func @alpha_trans_a
// CHECK: %[[B:.*]] = engine.weight dense<2.500000e-01> : tensor<1x8xf32> : memref<1x8xf32>
// CHECK: engine.gemm %{{.*}} : memref<16x2xf16>, %{{.*}} : memref<16x8xf16> bias %[[B]] : memref<1x8xf32> -> %{{.*}} : memref<2x8xf32> trans_a {alpha = 5.000000e-01 : f32, precision = "fp16"}
func.func @alpha_trans_a(%x: tensor<16x2xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %b = nn.constant dense<0.25> : tensor<1x8xf16>
  %y = nn.gemm %x, %w bias %b alpha 0.5 trans_a : (tensor<16x2xf16>, tensor<16x8xf16>, tensor<1x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Must not fire: a bias row scaled by beta 0.5 (cuBLASLt's bias vector is
// not scaled; the GEMM goes to a generated kernel).
// CHECK-LABEL: func.func @beta
// CHECK-NOT: memref<2x8xf32> {{.*}}precision = "fp16"
// CHECK: nn.cast
func.func @beta(%x: tensor<2x16xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %b = nn.constant dense<0.25> : tensor<8xf16>
  %y = nn.gemm %x, %w bias %b beta 0.5 : (tensor<2x16xf16>, tensor<16x8xf16>, tensor<8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Must not fire: an activation cuBLASLt does not fuse.
// CHECK-LABEL: func.func @sigmoid
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf16>
// CHECK: nn.cast
func.func @sigmoid(%x: tensor<2x16xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w activation <sigmoid> : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

!q = !quant.uniform<i8:f16, 5.000000e-02>

// Must not fire: an INT8 GEMM writing a float result (its epilogue is a
// generated kernel; a quantized layer does not widen).
// CHECK-LABEL: func.func @int8
// CHECK: nn.cast
func.func @int8(%x: tensor<2x16x!q>) -> tensor<2x8xf32> {
  %w = nn.constant dense<2> : tensor<8x16xi8> as tensor<8x16x!q>
  %y = nn.gemm %x, %w trans_b : (tensor<2x16x!q>, tensor<8x16x!q>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Tests a cast whose result has other readers too: they read the f32.
// CHECK-LABEL: func.func @shared_cast
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf32>
// CHECK: engine.dispatch
// CHECK: nn.exp %{{.*}} : tensor<2x8xf32>
func.func @shared_cast(%x: tensor<2x16xf16>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  %e = nn.exp %c : tensor<2x8xf32>
  return %c, %e : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Must not fire: the gemm's result has another reader, which needs f16.
// CHECK-LABEL: func.func @two_readers
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf16>
// CHECK: nn.cast
func.func @two_readers(%x: tensor<2x16xf16>) -> (tensor<2x8xf32>, tensor<2x8xf16>) {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c, %y : tensor<2x8xf32>, tensor<2x8xf16>
}

// -----

// Must not fire: a bias that is not a constant (it would need a cast kernel
// of its own).
// CHECK-LABEL: func.func @bias_input
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf16>
// CHECK: nn.cast
func.func @bias_input(%x: tensor<2x16xf16>, %b: tensor<8xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w bias %b : (tensor<2x16xf16>, tensor<16x8xf16>, tensor<8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Must not fire: a residual (cuBLASLt's C, which would have to be f32).
// CHECK-LABEL: func.func @residual
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf16>
// CHECK: nn.cast
func.func @residual(%x: tensor<2x16xf16>, %r: tensor<2x8xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w residual %r : (tensor<2x16xf16>, tensor<16x8xf16>, tensor<2x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Must not fire: erf GELU, which cuBLASLt fuses only as its tanh form in 16
// bits (kiln-convert-nn-to-engine's gelu-epilogue); an f32 result would
// move it to a kernel of its own.
// CHECK-LABEL: func.func @gelu
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf16>
// CHECK: nn.cast
func.func @gelu(%x: tensor<2x16xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w activation <gelu> : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf16>
  %c = nn.cast %y : tensor<2x8xf16> to tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Must not fire: an f32 gemm (nothing to widen) and a narrowing cast.
// CHECK-LABEL: func.func @narrowing
// CHECK: engine.gemm {{.*}} -> %{{.*}} : memref<2x8xf32>
// CHECK: nn.cast
func.func @narrowing(%x: tensor<2x16xf32>) -> tensor<2x8xf16> {
  %w = nn.constant dense<0.25> : tensor<16x8xf32>
  %y = nn.gemm %x, %w : (tensor<2x16xf32>, tensor<16x8xf32>) -> tensor<2x8xf32>
  %c = nn.cast %y : tensor<2x8xf32> to tensor<2x8xf16>
  return %c : tensor<2x8xf16>
}

// -----

// Tests that a widening gemm written as such (no cast to fold, no
// kiln.precision) is labelled with its operands' precision, as folded ones.
// CHECK-LABEL: func.func @written_widened
// CHECK: engine.gemm %{{.*}} : memref<2x16xf16>, %{{.*}} : memref<16x8xf16> -> %{{.*}} : memref<2x8xf32> {precision = "fp16"}
func.func @written_widened(%x: tensor<2x16xf16>) -> tensor<2x8xf32> {
  %w = nn.constant dense<0.25> : tensor<16x8xf16>
  %y = nn.gemm %x, %w : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
