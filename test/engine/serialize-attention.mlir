// Tests that an attention step reaches the engine file as the runtime expects
// it (format 1.3): q, k and v as strided [B, H, S, D] windows of one fused
// QKV projection [B, S, 3, H, D] (byte offsets 0, 256 and 512 into the
// binding), the output a strided view of an arena buffer, bf16, no bias, the
// cuDNN engine the tactic chose with its knobs and workspace; and that the
// runtime's loader accepts the file.
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUN: kiln-run %t.kiln --inspect-json | FileCheck %s --check-prefix=JSON

// CHECK:      "kind_type": "AttentionStep",
// CHECK-NEXT: "kind": {
// CHECK-NEXT:   "q": {
// CHECK-NEXT:     "dtype": "BF16",
// CHECK-NEXT:     "shape": [ 2, 2, 8, 64 ],
// CHECK-NEXT:     "strides": [ 3072, 64, 384, 1 ],
// CHECK-NEXT:     "buffer": {
// CHECK-NEXT:       "offset": 0,
// CHECK-NEXT:       "binding": 0,
// CHECK-NEXT:       "region": "Binding"
// CHECK:        "k": {
// CHECK:            "offset": 256,
// CHECK-NEXT:       "binding": 0,
// CHECK-NEXT:       "region": "Binding"
// CHECK:        "v": {
// CHECK:            "offset": 512,
// CHECK-NEXT:       "binding": 0,
// CHECK-NEXT:       "region": "Binding"
// CHECK-NOT:    "bias": {
// CHECK:        "o": {
// CHECK-NEXT:     "dtype": "BF16",
// CHECK-NEXT:     "shape": [ 2, 2, 8, 64 ],
// CHECK-NEXT:     "strides": [ 1024, 64, 128, 1 ],
// CHECK-NEXT:     "buffer": {
// CHECK-NEXT:       "offset": 0,
// CHECK-NEXT:       "binding": 0,
// CHECK-NEXT:       "region": "Arena"
// CHECK:        "scale": 0.5,
// CHECK-NEXT:   "engine_id": 3,
// CHECK-NEXT:   "knobs": [ 24, 26 ],
// CHECK-NEXT:   "workspace_size": 2048
// CHECK:      "name": "layer0.attention",
// CHECK:      "precision": "bf16",
// CHECK-NEXT: "tactic": "cudnn engine 3",
// CHECK-NEXT: "tactic_source": "Timed"
// CHECK:      "kind_type": "CopyStep",

// RUNTIME: format 1.5
// RUNTIME: 0 attention layer0.attention {{ *}}bf16 softmax(0.5 * [2x2x8x64] * [2x2x8x64]^T) * [2x2x8x64] -> [2x2x8x64] bf16
// RUNTIME-NEXT: tactic: cudnn engine 3 [timed]
// RUNTIME: 1 copy

// JSON:      "kind": "attention",
// JSON:      "q": {
// JSON-NEXT:   "dtype": "bf16",
// JSON-NEXT:   "shape": [2, 2, 8, 64],
// JSON-NEXT:   "strides": [3072, 64, 384, 1],
// JSON-NEXT:   "buffer": "qkv"
// JSON:      "k": {
// JSON:        "buffer": "qkv+256"
// JSON:      "o": {
// JSON:        "buffer": "arena+0"
// JSON:      "scale": 0.5,
// JSON-NEXT: "engine_id": 3,
// JSON-NEXT: "knobs": [24, 26]

func.func @main(%qkv: memref<2x8x3x2x64xbf16> {engine.input = "qkv"},
                %out: memref<2x8x2x64xbf16> {engine.output = "context"}) {
  %q = engine.view %qkv[0] : memref<2x8x3x2x64xbf16> to memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>
  %k = engine.view %qkv[256] : memref<2x8x3x2x64xbf16> to memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>
  %v = engine.view %qkv[512] : memref<2x8x3x2x64xbf16> to memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>
  %o = engine.alloc {offset = 0 : i64} : memref<2x8x2x64xbf16>
  %oh = engine.view %o[0] : memref<2x8x2x64xbf16> to memref<2x2x8x64xbf16, strided<[1024, 64, 128, 1]>>
  engine.attention %q : memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>,
      %k : memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>,
      %v : memref<2x2x8x64xbf16, strided<[3072, 64, 384, 1]>>
      -> %oh : memref<2x2x8x64xbf16, strided<[1024, 64, 128, 1]>> scale 0.5
      {layers = ["layer0.attention"], engine_id = 3, knobs = array<i64: 24, 26>,
       workspace = 2048, engine.tactic_source = "timed"}
  engine.copy %o, %out {layers = ["context"]} : memref<2x8x2x64xbf16>, memref<2x8x2x64xbf16>
  return
}
