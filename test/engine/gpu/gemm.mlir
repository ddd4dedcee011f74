// Tests that a batched cuBLASLt GEMM with a broadcast, transposed weight, a bias and
// relu serializes (GPU test: see README.md).
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUNTIME: 0 gemm fc + relu fp32 2x[4x8] * [8x16]^T f32->f32 +bias Relu
// CHECK: "kind_type": "GemmStep",
// CHECK: "trans_b": true,
// CHECK: "batch": 2,
// CHECK: "stride_b": 0,
// CHECK: "epilogue": "Relu",

func.func @main(%a: memref<2x4x8xf32> {engine.input = "a"},
                %d: memref<2x4x16xf32> {engine.output = "d"}) {
  %w = engine.weight dense<0.5> : tensor<16x8xf32> {name = "fc.weight"} : memref<16x8xf32>
  %bias = engine.weight dense<-1.0> : tensor<16xf32> {name = "fc.bias"} : memref<16xf32>
  engine.gemm %a : memref<2x4x8xf32>, %w : memref<16x8xf32> bias %bias : memref<16xf32>
      -> %d : memref<2x4x16xf32> trans_b activation <relu> {layers = ["fc", "relu"]}
  return
}
