// Tests that fused attention serializes with [B, S, H, D] bindings seen as
// strided [B, H, S, D] views, an additive mask with -inf entries (one row
// fully masked) and the scale (GPU test: see README.md; run_on_gpu.py
// compares the output with numpy in double precision).
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUNTIME: format 1.5
// RUNTIME: 0 attention attention0 {{ *}}fp16 softmax(0.125 * [2x2x16x64] * [2x2x16x64]^T + bias [2x1x16x16]) * [2x2x16x64] -> [2x2x16x64] f16
// CHECK:      "kind_type": "AttentionStep",
// CHECK-NEXT: "kind": {
// CHECK-NEXT:   "q": {
// CHECK-NEXT:     "dtype": "F16",
// CHECK-NEXT:     "shape": [ 2, 2, 16, 64 ],
// CHECK-NEXT:     "strides": [ 2048, 64, 128, 1 ],
// CHECK:        "bias": {
// CHECK-NEXT:     "dtype": "F16",
// CHECK-NEXT:     "shape": [ 2, 1, 16, 16 ],
// CHECK-NEXT:     "strides": [ 256, 256, 16, 1 ],
// CHECK:        "o": {
// CHECK-NEXT:     "dtype": "F16",
// CHECK-NEXT:     "shape": [ 2, 2, 16, 64 ],
// CHECK-NEXT:     "strides": [ 2048, 64, 128, 1 ],
// CHECK:        "scale": 0.125
// CHECK:      "name": "attention0",
// CHECK:      "precision": "fp16",
// CHECK-NEXT: "tactic": "cudnn heuristic"

func.func @main(%q: memref<2x16x2x64xf16> {engine.input = "q"},
                %k: memref<2x16x2x64xf16> {engine.input = "k"},
                %v: memref<2x16x2x64xf16> {engine.input = "v"},
                %mask: memref<2x1x16x16xf16> {engine.input = "mask"},
                %o: memref<2x16x2x64xf16> {engine.output = "o"}) {
  %qh = engine.view %q[0] : memref<2x16x2x64xf16> to memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>
  %kh = engine.view %k[0] : memref<2x16x2x64xf16> to memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>
  %vh = engine.view %v[0] : memref<2x16x2x64xf16> to memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>
  %oh = engine.view %o[0] : memref<2x16x2x64xf16> to memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>
  engine.attention %qh : memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>,
      %kh : memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>,
      %vh : memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>>
      bias %mask : memref<2x1x16x16xf16>
      -> %oh : memref<2x2x16x64xf16, strided<[2048, 64, 128, 1]>> scale 0.125
      {layers = ["attention0"]}
  return
}
