// Tests Step.deps on buffers placed by kiln-plan-memory: with
// concurrency=none the planner gives a dead tensor's bytes to a later one,
// and the later writer then waits for the earlier readers of those bytes
// even though it reads nothing they wrote. By default (concurrency=branches)
// the later tensor, written from the input alone, gets bytes of its own and
// its writer waits for nothing.
// RUN: kiln-opt %s -kiln-plan-memory=concurrency=none | kiln-translate --serialize-engine --dump-engine-json | FileCheck %s
// RUN: kiln-opt %s -kiln-plan-memory=concurrency=none | FileCheck %s --check-prefix=PLAN
// RUN: kiln-opt %s -kiln-plan-memory | kiln-translate --serialize-engine --dump-engine-json | FileCheck %s --check-prefix=BRANCHES
// RUN: kiln-opt %s -kiln-plan-memory | FileCheck %s --check-prefix=PLAN-BRANCHES

// PLAN-BRANCHES: engine.alloc {offset = 0 : i64}
// PLAN-BRANCHES: engine.alloc {offset = 4096 : i64}
// PLAN-BRANCHES: engine.alloc {offset = 8192 : i64}
// PLAN-BRANCHES: engine.alloc {offset = 12288 : i64}
// BRANCHES:      "steps": [
// BRANCHES:      "name": "d",
// BRANCHES:      "deps": [  ]
// BRANCHES:      "name": "out3",
// BRANCHES:      "deps": [ 5 ]

// PLAN: %[[A:.*]] = engine.alloc {offset = 0 : i64}
// PLAN: %[[B:.*]] = engine.alloc {offset = 4096 : i64}
// PLAN: %[[C:.*]] = engine.alloc {offset = 8192 : i64}
// PLAN: %[[D:.*]] = engine.alloc {offset = 0 : i64}

// Two branches read %a and write their own buffers: each waits for the
// writer of %a only.
// CHECK:      "name": "a",
// CHECK:      "deps": [  ]
// CHECK:      "name": "branch1",
// CHECK:      "deps": [ 0 ]
// CHECK:      "name": "branch2",
// CHECK:      "deps": [ 0 ]
// CHECK:      "name": "out1",
// CHECK:      "deps": [ 1 ]
// CHECK:      "name": "out2",
// CHECK:      "deps": [ 2 ]
// %d reuses %a's bytes: its writer reads only the input but waits for both
// readers of %a (the write after write on "a" is implied).
// CHECK:      "name": "d",
// CHECK:      "deps": [ 1, 2 ]
// CHECK:      "name": "out3",
// CHECK:      "deps": [ 5 ]
func.func @main(%x: memref<1024xf32> {engine.input = "x"},
                %y1: memref<1024xf32> {engine.output = "y1"},
                %y2: memref<1024xf32> {engine.output = "y2"},
                %y3: memref<1024xf32> {engine.output = "y3"}) {
  %a = engine.alloc : memref<1024xf32>
  engine.copy %x, %a {layers = ["a"]} : memref<1024xf32>, memref<1024xf32>
  %b = engine.alloc : memref<1024xf32>
  engine.copy %a, %b {layers = ["branch1"]} : memref<1024xf32>, memref<1024xf32>
  %c = engine.alloc : memref<1024xf32>
  engine.copy %a, %c {layers = ["branch2"]} : memref<1024xf32>, memref<1024xf32>
  engine.copy %b, %y1 {layers = ["out1"]} : memref<1024xf32>, memref<1024xf32>
  engine.copy %c, %y2 {layers = ["out2"]} : memref<1024xf32>, memref<1024xf32>
  %d = engine.alloc : memref<1024xf32>
  engine.copy %x, %d {layers = ["d"]} : memref<1024xf32>, memref<1024xf32>
  engine.copy %d, %y3 {layers = ["out3"]} : memref<1024xf32>, memref<1024xf32>
  return
}
