// Tests kiln-plan-memory's `concurrency` option: under `branches` (the
// default) a tensor takes only freed bytes whose earlier users its own users
// wait for anyway, so the dependencies the engine records (Step.deps) are
// those of the dataflow; under `none` any freed bytes, the smallest arena.
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory | FileCheck %s --check-prefix=BRANCHES
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory=concurrency=none | FileCheck %s --check-prefix=NONE
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory="report concurrency=none" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT-NONE
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: kiln-opt %s -split-input-file -kiln-plan-memory=concurrency=none -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS-NONE
// The dependencies the engine writer records from each plan (first case).
// RUN: split-file %s %t
// RUN: kiln-opt %t/diamond.mlir -kiln-outline-kernels -kiln-plan-memory | kiln-translate --serialize-engine --dump-engine-json | FileCheck %s --check-prefix=DEPS
// RUN: kiln-opt %t/diamond.mlir -kiln-outline-kernels -kiln-plan-memory=concurrency=none | kiln-translate --serialize-engine --dump-engine-json | FileCheck %s --check-prefix=DEPS-NONE
// RUN: not kiln-opt %s -split-input-file -kiln-plan-memory=concurrency=streams -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: concurrency must be none or branches, got 'streams'

//--- diamond.mlir
// A ResNet block with a downsample branch: conv1 → conv2 and, beside them,
// the downsample reading the block input; the add joins them. conv1's output
// dies at conv2. Under `none` the downsample's output takes those bytes, so
// the downsample waits for conv2 (write after read); under `branches` it
// takes bytes of its own and waits only for the block input's writer.
// BRANCHES-LABEL: func.func @diamond
// BRANCHES: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 8192 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 12288 : i64} : memref<1024xf32>
// NONE-LABEL: func.func @diamond
// NONE: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 8192 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// REPORT: remark: arena 16384 bytes for 16384 bytes of tensors (peak live 12288 bytes), 0 written in place; width 2 of the dataflow's 2, 0 steps wait only because of reused bytes
// REPORT-NONE: remark: arena 12288 bytes for 16384 bytes of tensors (peak live 12288 bytes), 0 written in place; width 1 of the dataflow's 2, 1 steps wait only because of reused bytes
// STATS: PlanMemoryPass
// STATS-NEXT: (S) 16384 arena-bytes
// STATS-NEXT: (S) 0 in-place-outputs
// STATS-NEXT: (S) 12288 peak-live-bytes
// STATS-NEXT: (S) 0 reuse-serialized-steps - Steps that wait for an earlier step only because they reuse its bytes
// STATS-NEXT: (S) 16384 tensor-bytes
// STATS-NONE: PlanMemoryPass
// STATS-NONE-NEXT: (S) 12288 arena-bytes
// STATS-NONE-NEXT: (S) 0 in-place-outputs
// STATS-NONE-NEXT: (S) 12288 peak-live-bytes
// STATS-NONE-NEXT: (S) 1 reuse-serialized-steps
// STATS-NONE-NEXT: (S) 16384 tensor-bytes

// DEPS:      "steps": [
// DEPS:      "name": "input",
// DEPS:      "deps": [  ]
// DEPS:      "name": "conv1",
// DEPS:      "deps": [ 0 ]
// DEPS:      "name": "conv2",
// DEPS:      "deps": [ 1 ]
// DEPS:      "name": "downsample",
// DEPS:      "deps": [ 0 ]
// DEPS:      "name": "add",
// DEPS:      "deps": [ 2, 3 ]
// DEPS-NONE:      "steps": [
// DEPS-NONE:      "name": "downsample",
// DEPS-NONE:      "deps": [ 2 ]
// DEPS-NONE:      "name": "add",
// DEPS-NONE:      "deps": [ 3 ]
func.func @diamond(%x: memref<1024xf32> {engine.input = "x"},
                   %y: memref<1024xf32> {engine.output = "y"}) {
  %a = engine.alloc : memref<1024xf32>
  engine.copy %x, %a {layers = ["input"]} : memref<1024xf32>, memref<1024xf32>
  %b = engine.alloc : memref<1024xf32>
  engine.copy %a, %b {layers = ["conv1"]} : memref<1024xf32>, memref<1024xf32>
  %c = engine.alloc : memref<1024xf32>
  engine.copy %b, %c {layers = ["conv2"]} : memref<1024xf32>, memref<1024xf32>
  %d = engine.alloc : memref<1024xf32>
  engine.copy %a, %d {layers = ["downsample"]} : memref<1024xf32>, memref<1024xf32>
  engine.dispatch ins(%c, %d : memref<1024xf32>, memref<1024xf32>) outs(%y : memref<1024xf32>) {
  ^bb0(%p: tensor<1024xf32>, %q: tensor<1024xf32>):
    %s = nn.add %p, %q : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    engine.yield %s : tensor<1024xf32>
  } {layers = ["add"]}
  return
}

// -----

//--- chain.mlir
// A chain, each step reading the one before: every freed range's users are
// ancestors of the next writer, so `branches` reuses exactly as `none` does
// and the arena does not grow.
// BRANCHES-LABEL: func.func @chain
// BRANCHES: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// BRANCHES: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// NONE-LABEL: func.func @chain
// NONE: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 0 : i64} : memref<1024xf32>
// NONE: engine.alloc {offset = 4096 : i64} : memref<1024xf32>
// REPORT: remark: arena 8192 bytes for 16384 bytes of tensors (peak live 8192 bytes), 0 written in place; width 1 of the dataflow's 1, 0 steps wait only because of reused bytes
// REPORT-NONE: remark: arena 8192 bytes for 16384 bytes of tensors (peak live 8192 bytes), 0 written in place; width 1 of the dataflow's 1, 0 steps wait only because of reused bytes
// STATS: PlanMemoryPass
// STATS-NEXT: (S) 8192 arena-bytes
// STATS-NONE: PlanMemoryPass
// STATS-NONE-NEXT: (S) 8192 arena-bytes
func.func @chain(%x: memref<1024xf32> {engine.input = "x"},
                 %y: memref<1024xf32> {engine.output = "y"}) {
  %a = engine.alloc : memref<1024xf32>
  engine.copy %x, %a : memref<1024xf32>, memref<1024xf32>
  %b = engine.alloc : memref<1024xf32>
  engine.copy %a, %b : memref<1024xf32>, memref<1024xf32>
  %c = engine.alloc : memref<1024xf32>
  engine.copy %b, %c : memref<1024xf32>, memref<1024xf32>
  %d = engine.alloc : memref<1024xf32>
  engine.copy %c, %d : memref<1024xf32>, memref<1024xf32>
  engine.copy %d, %y : memref<1024xf32>, memref<1024xf32>
  return
}

// -----

//--- parts.mlir
// Freed bytes are judged part by part: the free range at 0 holds the bytes of
// %r (read by a branch %q does not wait for) and of %p (read by the branch
// %q continues), so `branches` puts %q on %p's part, without growing the
// arena; `none` puts it at the start of the range and %q's writer waits for
// %r's reader.
// BRANCHES-LABEL: func.func @parts
// BRANCHES: engine.alloc {offset = 0 : i64} : memref<64xf32>
// BRANCHES: engine.alloc {offset = 256 : i64} : memref<64xf32>
// BRANCHES: engine.alloc {offset = 256 : i64} : memref<64xf32>
// NONE-LABEL: func.func @parts
// NONE: engine.alloc {offset = 0 : i64} : memref<64xf32>
// NONE: engine.alloc {offset = 256 : i64} : memref<64xf32>
// NONE: engine.alloc {offset = 0 : i64} : memref<64xf32>
// REPORT: remark: arena 512 bytes for 768 bytes of tensors (peak live 512 bytes), 0 written in place; width 2 of the dataflow's 2, 0 steps wait only because of reused bytes
// REPORT-NONE: remark: arena 512 bytes for 768 bytes of tensors (peak live 512 bytes), 0 written in place; width 2 of the dataflow's 2, 1 steps wait only because of reused bytes
func.func @parts(%s: memref<64xf32> {engine.input = "s"}, %y1: memref<64xf32> {engine.output = "y1"},
                 %y2: memref<64xf32> {engine.output = "y2"}, %y3: memref<64xf32> {engine.output = "y3"}) {
  %r = engine.alloc : memref<64xf32>
  engine.copy %s, %r : memref<64xf32>, memref<64xf32>
  %p = engine.alloc : memref<64xf32>
  engine.copy %s, %p : memref<64xf32>, memref<64xf32>
  engine.copy %p, %y1 : memref<64xf32>, memref<64xf32>
  engine.copy %r, %y2 : memref<64xf32>, memref<64xf32>
  // Continues %p's branch (through y1), beside %r's.
  %q = engine.alloc : memref<64xf32>
  engine.copy %y1, %q : memref<64xf32>, memref<64xf32>
  engine.copy %q, %y3 : memref<64xf32>, memref<64xf32>
  return
}

// -----

//--- in-place.mlir
// A pointwise dispatch writes in place over an input that dies there only
// if the input's other readers are its ancestors: here a branch beside it
// reads %a too, so under `branches` the relu's output gets its own bytes;
// under `none` it overwrites %a and the relu waits for the branch.
// BRANCHES-LABEL: func.func @in_place_beside_branch
// BRANCHES: engine.alloc {offset = 0 : i64} : memref<64xf32>
// BRANCHES: engine.alloc {offset = 256 : i64} : memref<64xf32>
// BRANCHES: engine.alloc {offset = 512 : i64} : memref<64xf32>
// NONE-LABEL: func.func @in_place_beside_branch
// NONE: engine.alloc {offset = 0 : i64} : memref<64xf32>
// NONE: engine.alloc {offset = 256 : i64} : memref<64xf32>
// NONE: engine.alloc {offset = 0 : i64} : memref<64xf32>
// REPORT: remark: arena 768 bytes for 768 bytes of tensors (peak live 768 bytes), 0 written in place; width 2 of the dataflow's 2, 0 steps wait only because of reused bytes
// REPORT-NONE: remark: arena 512 bytes for 768 bytes of tensors (peak live 512 bytes), 1 written in place; width 2 of the dataflow's 2, 1 steps wait only because of reused bytes
func.func @in_place_beside_branch(%x: memref<64xf32> {engine.input = "x"},
                                  %y1: memref<64xf32> {engine.output = "y1"},
                                  %y2: memref<64xf32> {engine.output = "y2"}) {
  %a = engine.alloc : memref<64xf32>
  engine.copy %x, %a : memref<64xf32>, memref<64xf32>
  %c = engine.alloc : memref<64xf32>
  engine.copy %a, %c : memref<64xf32>, memref<64xf32>
  %b = engine.alloc : memref<64xf32>
  engine.dispatch ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
  ^bb0(%v: tensor<64xf32>):
    %r = nn.relu %v : tensor<64xf32>
    engine.yield %r : tensor<64xf32>
  }
  engine.copy %b, %y1 : memref<64xf32>, memref<64xf32>
  engine.copy %c, %y2 : memref<64xf32>, memref<64xf32>
  return
}
