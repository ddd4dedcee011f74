// RUN: kiln-opt %s -split-input-file -kiln-fold-constants | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fold-constants="max-elements=4" | FileCheck %s --check-prefix=SMALL
// RUN: kiln-opt %s -split-input-file -kiln-fold-constants -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FoldConstantsPass
// STATS-NEXT: (S) 3 folded-layers - Layers replaced by constants

// Tests that batch-norm folding's weight arithmetic becomes one constant,
// computed in the element type by the reference interpreter:
// 2 * rsqrt(4 + 0) = 1.
// CHECK-LABEL: func.func @weight_arithmetic
// CHECK-NEXT: %[[C:.*]] = nn.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[C]]
func.func @weight_arithmetic() -> tensor<4xf32> {
  %g = nn.constant dense<2.0> : tensor<4xf32>
  %v = nn.constant dense<4.0> : tensor<4xf32>
  %e = nn.constant dense<0.0> : tensor<f32>
  %ve = nn.add %v, %e : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %r = nn.rsqrt %ve : tensor<4xf32>
  %s = nn.mul %g, %r : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// STATS: FoldConstantsPass
// STATS-NEXT: (S) 2 folded-layers - Layers replaced by constants

// Tests that a cast of weights to f16 folds (rounding to half precision),
// and that large results become dense_resource blobs rather than text.
// CHECK-LABEL: func.func @cast_and_blob
// CHECK: nn.constant dense<[1.000000e+00, 3.332520e-01]> : tensor<2xf16>
// CHECK: nn.constant dense_resource<kiln_folded> : tensor<100xf32>
// SMALL-LABEL: func.func @cast_and_blob
// SMALL: nn.tile
func.func @cast_and_blob() -> (tensor<2xf16>, tensor<100xf32>) {
  %w = nn.constant dense<[1.0, 0.33333333]> : tensor<2xf32>
  %h = nn.cast %w : tensor<2xf32> to tensor<2xf16>
  %t = nn.tile %w repeats [50] : tensor<2xf32>
  return %h, %t : tensor<2xf16>, tensor<100xf32>
}

// -----

// STATS: FoldConstantsPass
// STATS-NEXT: (S) 0 folded-layers - Layers replaced by constants

// Tests that layers reading a non-constant stay, and that a layer failing on
// its constants (an index out of range) is left for a later stage to report.
// CHECK-LABEL: func.func @must_not_fold
// CHECK: nn.add %arg0
// CHECK: nn.gather
func.func @must_not_fold(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<1xf32>) {
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %a = nn.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %i = nn.constant dense<[7]> : tensor<1xi64>
  %g = nn.gather %c, %i axis 0 : tensor<2xf32>, tensor<1xi64>
  return %a, %g : tensor<2xf32>, tensor<1xf32>
}
