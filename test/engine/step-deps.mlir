// Tests Step.deps (format 1.4): the earlier steps each step waits for,
// computed from the bytes the steps read and write in the arena and in the
// bindings, with the dependencies implied by others dropped; weights make none.
// REQUIRES: nvrtc
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=TEXT
// RUN: kiln-run %t.kiln --inspect-json | FileCheck %s --check-prefix=JSON

// Two branches read one tensor (and one weight) and write distinct buffers:
// neither waits for the other.
// CHECK:      "name": "branch1",
// CHECK:      "deps": [  ]
// CHECK:      "name": "branch2",
// CHECK:      "deps": [  ]
// Each writes its channel slice of a channels-last concat: the slices
// interleave but share no byte, so each waits for its own branch only.
// CHECK:      "name": "slice1",
// CHECK:      "deps": [ 0 ]
// CHECK:      "name": "slice2",
// CHECK:      "deps": [ 1 ]
// The planner gave branch2's buffer to a new tensor: its writer reads only
// the input, yet must wait for slice2, the last reader of the old tensor
// (write after read; the write after write on branch2 is implied).
// CHECK:      "name": "reuse",
// CHECK:      "deps": [ 3 ]
// In place: reads and writes the buffer "reuse" wrote.
// CHECK:      "name": "in_place",
// CHECK:      "deps": [ 4 ]
// Reads the whole concat (after both slices) and the in-place result; slice2
// is implied by in_place and is dropped.
// CHECK:      "name": "join",
// CHECK:      "deps": [ 2, 5 ]
// Two slices of one contiguous buffer along its outermost axis: disjoint
// byte ranges, no dependency; a slice overlapping both waits for both.
// CHECK:      "name": "rows_lo",
// CHECK:      "deps": [  ]
// CHECK:      "name": "rows_hi",
// CHECK:      "deps": [  ]
// CHECK:      "name": "rows_mid",
// CHECK:      "deps": [ 7, 8 ]
// The copy to the output binding reads what join wrote.
// CHECK:      "name": "output",
// CHECK:      "deps": [ 6 ]

// TEXT:      0 launch branch1
// TEXT:      deps: none
// TEXT:      1 launch branch2
// TEXT:      deps: none
// TEXT:      6 launch join
// TEXT:      deps: 2, 5
// TEXT:      10 copy output
// TEXT:      deps: 6
// {branch1 or slice1, branch2 or slice2, rows_lo, rows_hi}
// TEXT:      width: 4 (the most steps that may run at once)

// JSON:      "name": "join",
// JSON:      "deps": [2, 5],
// JSON:      "concurrency": {
// JSON-NEXT:   "deps_recorded": true,
// JSON-NEXT:   "width": 4

module {
  engine.kernel @unary max_threads_per_block 64 source "extern \"C\" __global__ void __launch_bounds__(64) unary(const char *x, char *y) { y[threadIdx.x] = x[threadIdx.x]; }"
  engine.kernel @binary max_threads_per_block 64 source "extern \"C\" __global__ void __launch_bounds__(64) binary(const char *x, const char *w, char *y) { y[threadIdx.x] = x[threadIdx.x] + w[threadIdx.x]; }"
  func.func @main(%in: memref<1x8x8x8xf16> {engine.input = "in", engine.layout = "NHWC"},
                  %out: memref<1x8x8x16xf16> {engine.output = "out"}) {
    %w = engine.weight dense<1.0> : tensor<1x8x8x8xf16> : memref<1x8x8x8xf16>
    %a = engine.alloc {offset = 0 : i64, name = "a"} : memref<1x8x8x8xf16>
    %b = engine.alloc {offset = 1024 : i64, name = "b"} : memref<1x8x8x8xf16>
    engine.launch @binary(%in, %w, %a) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["branch1"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16>, memref<1x8x8x8xf16>
    engine.launch @binary(%in, %w, %b) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["branch2"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16>, memref<1x8x8x8xf16>
    %cat = engine.alloc {offset = 2048 : i64, name = "cat"} : memref<1x8x8x16xf16>
    %lo = engine.view %cat[0] : memref<1x8x8x16xf16> to memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
    %hi = engine.view %cat[16] : memref<1x8x8x16xf16> to memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
    engine.launch @unary(%a, %lo) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["slice1"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
    engine.launch @unary(%b, %hi) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["slice2"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
    // b's bytes again, for a tensor that depends only on the input.
    %r = engine.alloc {offset = 1024 : i64, name = "r"} : memref<1x8x8x8xf16>
    engine.launch @unary(%in, %r) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["reuse"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16>
    engine.launch @unary(%r, %r) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["in_place"]} : memref<1x8x8x8xf16>, memref<1x8x8x8xf16>
    %j = engine.alloc {offset = 4096 : i64, name = "j"} : memref<1x8x8x16xf16>
    engine.launch @binary(%cat, %r, %j) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["join"]} : memref<1x8x8x16xf16>, memref<1x8x8x8xf16>, memref<1x8x8x16xf16>
    // Rows 0-3 and 4-7 of a contiguous buffer, then rows 2-5.
    %rows = engine.alloc {offset = 8192 : i64, name = "rows"} : memref<8x64xf16>
    %rlo = engine.view %rows[0] : memref<8x64xf16> to memref<4x64xf16, strided<[64, 1]>>
    %rhi = engine.view %rows[512] : memref<8x64xf16> to memref<4x64xf16, strided<[64, 1]>>
    %rmid = engine.view %rows[256] : memref<8x64xf16> to memref<4x64xf16, strided<[64, 1]>>
    engine.launch @unary(%in, %rlo) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["rows_lo"]} : memref<1x8x8x8xf16>, memref<4x64xf16, strided<[64, 1]>>
    engine.launch @unary(%in, %rhi) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["rows_hi"]} : memref<1x8x8x8xf16>, memref<4x64xf16, strided<[64, 1]>>
    engine.launch @unary(%in, %rmid) grid [1, 1, 1] block [64, 1, 1] outputs 1 {layers = ["rows_mid"]} : memref<1x8x8x8xf16>, memref<4x64xf16, strided<[64, 1]>>
    engine.copy %j, %out {layers = ["output"]} : memref<1x8x8x16xf16>, memref<1x8x8x16xf16>
    return
  }
}
