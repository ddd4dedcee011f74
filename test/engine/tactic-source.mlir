// Tests that how each tactic was chosen reaches the engine file: the step's
// tactic_source (Cache from the timing cache, Heuristic when the op was left
// alone), which the runtime's inspection shows after the tactic.
// RUN: kiln-opt %s -kiln-select-tactics="timing-cache=%S/../passes/Inputs/timing-cache.json mode=cache cudnn-version=91900 cublaslt-version=130100" -kiln-plan-memory -o %t.mlir
// RUN: kiln-translate --serialize-engine --dump-engine-json %t.mlir | FileCheck %s
// RUN: kiln-translate --serialize-engine %t.mlir -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=INSPECT
// RUN: kiln-run %t.kiln --inspect-json | FileCheck %s --check-prefix=JSON

// CHECK:      "kind_type": "ConvStep",
// CHECK:      "engine_id": 12,
// CHECK-NEXT: "knobs": [ 2, 1, 3, 0 ],
// CHECK-NEXT: "workspace_size": 4096,
// CHECK:      "tactic": "cudnn engine 12 (knobs 2=1 3=0), 0.031 ms, from the timing cache",
// CHECK-NEXT: "tactic_source": "Cache"
// CHECK:      "kind_type": "GemmStep",
// CHECK:      "tactic": "cublaslt heuristic, tf32 allowed",
// CHECK-NEXT: "tactic_source": "Heuristic"

// INSPECT: tactic: cudnn engine 12 (knobs 2=1 3=0), 0.031 ms, from the timing cache [cache]
// INSPECT: tactic: cublaslt heuristic, tf32 allowed [heuristic]

// JSON:      "tactic": "cudnn engine 12 (knobs 2=1 3=0), 0.031 ms, from the timing cache",
// JSON-NEXT: "tactic_source": "cache",
// JSON:      "tactic": "cublaslt heuristic, tf32 allowed",
// JSON-NEXT: "tactic_source": "heuristic",

func.func @main(%x: memref<1x8x8x8xf16> {engine.input = "x"},
                %y: memref<1x8x8x16xf16> {engine.output = "y"},
                %a: memref<4x8xf32> {engine.input = "a"},
                %d: memref<4x16xf32> {engine.output = "d"}) {
  %w = engine.weight dense<1.0> : tensor<16x3x3x8xf16> : memref<16x3x3x8xf16>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<16x3x3x8xf16> -> %y : memref<1x8x8x16xf16>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1"], precision = "fp16"}
  %b = engine.weight dense<1.0> : tensor<16x8xf32> : memref<16x8xf32>
  // TF32 allowed: not the cached GEMM.
  engine.gemm %a : memref<4x8xf32>, %b : memref<16x8xf32> -> %d : memref<4x16xf32> trans_b
      {allow_tf32, layers = ["fc"], precision = "fp32"}
  return
}
