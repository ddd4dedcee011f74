// RUN: kiln-opt %s -split-input-file -kiln-plan-memory | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory=concurrency=none | FileCheck %s --check-prefix=NONE
// (kiln-plan-memory-concurrency.mlir tests the option itself.)

// STATS: PlanMemoryPass
// STATS-NEXT: (S) 8704 arena-bytes - Bytes of the planned arenas (summed over functions)
// STATS-NEXT: (S) 0 in-place-outputs - Pointwise outputs written over a dying input
// STATS-NEXT: (S) 8192 peak-live-bytes - Bytes live at once at the busiest step
// STATS-NEXT: (S) 0 reuse-serialized-steps - Steps that wait for an earlier step only because they reuse its bytes
// STATS-NEXT: (S) 12800 tensor-bytes - Bytes of the activation buffers the arenas hold

// Tests that a buffer dead after a step gives its range to a later one,
// while buffers live at once never overlap; and that offsets are 256-byte
// aligned (40-byte tensors). %d and %e, computed from the input %small, are
// a branch beside %a → %b → %c: by default (concurrency=branches) they do
// not take %b's freed range (their writers would wait for %b's readers) and
// go past the end; with concurrency=none %d takes the start of that range.
// CHECK: module attributes {engine.arena_size = 8704 : i64}
// CHECK-LABEL: func.func @reuse
// CHECK: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// CHECK: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// CHECK: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// CHECK: engine.alloc {offset = 8192 : i64} : memref<10xf32>
// CHECK: engine.alloc {offset = 8448 : i64} : memref<10xf32>
// NONE: module attributes {engine.arena_size = 8192 : i64}
// NONE-LABEL: func.func @reuse
// NONE: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<10xf32>
// NONE: engine.alloc {offset = 4352 : i64} : memref<10xf32>
// REPORT: remark: arena 8704 bytes for 12800 bytes of tensors (peak live 8192 bytes), 0 written in place; width 2 of the dataflow's 2, 0 steps wait only because of reused bytes
func.func @reuse(%in: memref<1024xf32> {engine.input = "x"}, %small: memref<10xf32> {engine.input = "s"},
                 %out: memref<1024xf32> {engine.output = "y"}, %out2: memref<10xf32> {engine.output = "z"}) {
  %a = engine.alloc : memref<1024xf32>
  engine.copy %in, %a : memref<1024xf32>, memref<1024xf32>
  %b = engine.alloc : memref<1024xf32>
  engine.copy %a, %b : memref<1024xf32>, memref<1024xf32>
  // %a is dead: %c takes its range.
  %c = engine.alloc : memref<1024xf32>
  engine.copy %b, %c : memref<1024xf32>, memref<1024xf32>
  // %b died at the copy into %c: %d takes the start of its range.
  %d = engine.alloc : memref<10xf32>
  engine.copy %small, %d : memref<10xf32>, memref<10xf32>
  engine.copy %c, %out : memref<1024xf32>, memref<1024xf32>
  // Live beside %c and %d: the next 256-byte boundary after %d.
  %e = engine.alloc : memref<10xf32>
  engine.copy %d, %e : memref<10xf32>, memref<10xf32>
  engine.copy %e, %out2 : memref<10xf32>, memref<10xf32>
  return
}

// -----

// STATS: PlanMemoryPass
// STATS-NEXT: (S) 3072 arena-bytes - Bytes of the planned arenas (summed over functions)
// STATS-NEXT: (S) 0 in-place-outputs - Pointwise outputs written over a dying input
// STATS-NEXT: (S) 3072 peak-live-bytes - Bytes live at once at the busiest step
// STATS-NEXT: (S) 0 reuse-serialized-steps - Steps that wait for an earlier step only because they reuse its bytes
// STATS-NEXT: (S) 3072 tensor-bytes - Bytes of the activation buffers the arenas hold

// Tests that a view keeps its source alive: the slice written last keeps
// the concat buffer from being reused before the reader.
// REPORT: remark: arena 3072 bytes
// CHECK-LABEL: func.func @views_extend_life
// CHECK: engine.alloc {offset = 0 : i64} : memref<2x256xf32>
// CHECK: engine.alloc {offset = 2048 : i64} : memref<256xf32>
func.func @views_extend_life(%in: memref<256xf32> {engine.input = "x"},
                             %out: memref<2x256xf32> {engine.output = "y"}) {
  %cat = engine.alloc : memref<2x256xf32>
  %lo = engine.view %cat[0] : memref<2x256xf32> to memref<256xf32>
  %hi = engine.view %cat[1024] : memref<2x256xf32> to memref<256xf32>
  engine.copy %in, %lo : memref<256xf32>, memref<256xf32>
  %t = engine.alloc : memref<256xf32>
  engine.copy %in, %t : memref<256xf32>, memref<256xf32>
  engine.copy %t, %hi : memref<256xf32>, memref<256xf32>
  engine.copy %cat, %out : memref<2x256xf32>, memref<2x256xf32>
  return
}

// -----

// STATS: PlanMemoryPass
// STATS-NEXT: (S) 768 arena-bytes - Bytes of the planned arenas (summed over functions)
// STATS-NEXT: (S) 1 in-place-outputs - Pointwise outputs written over a dying input
// STATS-NEXT: (S) 768 peak-live-bytes - Bytes live at once at the busiest step
// STATS-NEXT: (S) 0 reuse-serialized-steps - Steps that wait for an earlier step only because they reuse its bytes
// STATS-NEXT: (S) 1024 tensor-bytes - Bytes of the activation buffers the arenas hold

// Tests that a pointwise dispatch writes in place over an input of its size
// that dies there, but not over one read later, nor when the dispatch is not
// pointwise (a softmax reads other elements than it writes).
// CHECK-LABEL: func.func @in_place
// CHECK: %[[A:.*]] = engine.alloc {offset = 0 : i64} : memref<64xf32>
// CHECK: %[[B:.*]] = engine.alloc {offset = 0 : i64} : memref<64xf32>
// CHECK: %[[C:.*]] = engine.alloc {offset = 256 : i64} : memref<64xf32>
// CHECK: %[[D:.*]] = engine.alloc {offset = 512 : i64} : memref<64xf32>
// REPORT: remark: arena 768 bytes for 1024 bytes of tensors (peak live 768 bytes), 1 written in place
func.func @in_place(%in: memref<64xf32> {engine.input = "x"},
                    %out: memref<64xf32> {engine.output = "y"}) {
  %a = engine.alloc : memref<64xf32>
  engine.copy %in, %a : memref<64xf32>, memref<64xf32>
  %b = engine.alloc : memref<64xf32>
  engine.dispatch ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
  ^bb0(%x: tensor<64xf32>):
    %r = nn.relu %x : tensor<64xf32>
    engine.yield %r : tensor<64xf32>
  }
  // %b is read again below: %c cannot take it.
  %c = engine.alloc : memref<64xf32>
  engine.dispatch ins(%b : memref<64xf32>) outs(%c : memref<64xf32>) {
  ^bb0(%x: tensor<64xf32>):
    %r = nn.exp %x : tensor<64xf32>
    engine.yield %r : tensor<64xf32>
  }
  // %c dies here, but softmax is not pointwise.
  %d = engine.alloc : memref<64xf32>
  engine.dispatch ins(%c, %b : memref<64xf32>, memref<64xf32>) outs(%d : memref<64xf32>) {
  ^bb0(%x: tensor<64xf32>, %y: tensor<64xf32>):
    %s = nn.add %x, %y : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %r = nn.softmax %s axis 0 : tensor<64xf32>
    engine.yield %r : tensor<64xf32>
  }
  engine.copy %d, %out : memref<64xf32>, memref<64xf32>
  return
}
