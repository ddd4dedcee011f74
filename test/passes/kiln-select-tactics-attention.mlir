// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-attention.json mode=cache gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-attention.json mode=heuristic" | FileCheck %s --check-prefix=HEURISTIC

// Tests that an attention step whose signature (strided operand types
// included), GPU and cuDNN version are in the cache takes its cuDNN engine,
// knobs and workspace from it, as a convolution does.
// CHECK-LABEL: func.func @cached
// CHECK: engine.attention
// CHECK-SAME: engine.tactic_source = "cache"
// CHECK-SAME: engine_id = 8 : i64
// CHECK-SAME: knobs = array<i64: 24, 26>
// CHECK-SAME: tactic = "cudnn engine 8 (knobs 24=26), 0.012 ms, from the timing cache"
// HEURISTIC-LABEL: func.func @cached
// HEURISTIC-NOT: tactic
// HEURISTIC: return
func.func @cached(%qkv: memref<2x8x3x128xf16> {engine.input = "qkv"},
                  %mask: memref<2x1x8x8xf16> {engine.input = "mask"},
                  %o: memref<2x8x128xf16> {engine.output = "o"}) {
  %q = engine.view %qkv[0] : memref<2x8x3x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
  %k = engine.view %qkv[0] : memref<2x8x3x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
  %v = engine.view %qkv[0] : memref<2x8x3x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
  %oh = engine.view %o[0] : memref<2x8x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
  engine.attention %q : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>,
      %k : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>,
      %v : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
      bias %mask : memref<2x1x8x8xf16>
      -> %oh : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>> scale 0.125
      {layers = ["attention0"], precision = "fp16"}
  return
}

// -----

// Tests that an attention step of another shape is not in the cache and is
// left to cuDNN's heuristic at load (no tactic recorded).
// CHECK-LABEL: func.func @not_cached
// CHECK: engine.attention
// CHECK-NOT: tactic
// CHECK: return
func.func @not_cached(%q: memref<1x2x16x64xf16> {engine.input = "q"},
                      %o: memref<1x2x16x64xf16> {engine.output = "o"}) {
  engine.attention %q : memref<1x2x16x64xf16>, %q : memref<1x2x16x64xf16>,
      %q : memref<1x2x16x64xf16> -> %o : memref<1x2x16x64xf16> scale 0.125
      {layers = ["attention1"], precision = "fp16"}
  return
}
