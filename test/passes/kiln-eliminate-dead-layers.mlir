// RUN: kiln-opt %s -split-input-file -kiln-eliminate-dead-layers | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-eliminate-dead-layers -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: EliminateDeadLayersPass
// STATS-NEXT: (S) 4 erased-layers - Number of dead layers erased

// Tests that a whole dead branch (and the constant only it read) goes, while
// layers that reach a result stay.
// CHECK-LABEL: func.func @dead_branch
// CHECK-NEXT: %[[R:.*]] = nn.relu %arg0
// CHECK-NEXT: return %[[R]]
func.func @dead_branch(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<2.0> : tensor<4xf32>
  %m = nn.mul %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %e = nn.exp %m : tensor<4xf32>
  %r = nn.relu %x : tensor<4xf32>
  %n = nn.neg %e : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// STATS: EliminateDeadLayersPass
// STATS-NEXT: (S) 0 erased-layers - Number of dead layers erased

// Tests that a layer with one used result of several stays whole.
// CHECK-LABEL: func.func @partly_used
// CHECK: %[[V:.*]], %{{.*}} = nn.top_k
// CHECK: return %[[V]]
func.func @partly_used(%x: tensor<8xf32>) -> tensor<3xf32> {
  %v, %i = nn.top_k %x k 3 axis 0 : tensor<8xf32>
  return %v : tensor<3xf32>
}
