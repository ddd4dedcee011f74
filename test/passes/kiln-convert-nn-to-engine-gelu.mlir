// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s --check-prefixes=CHECK,AUTO
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=gelu-epilogue=exact | FileCheck %s --check-prefixes=CHECK,EXACT
// RUN: not kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=gelu-epilogue=fast 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// BAD: gelu-epilogue must be auto or exact, got 'fast'

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 0 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 1 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input

// Tests that an erf GELU after an f16 matmul runs in cuBLASLt's epilogue (its
// tanh form) under gelu-epilogue=auto, and as a generated kernel after the
// GEMM under exact; the layer names follow the step that runs them.
// CHECK-LABEL: func.func @f16_gelu
// AUTO: engine.gemm
// AUTO-SAME: activation <gelu_tanh> {layers = ["fc", "gelu"], precision = "fp16"}
// AUTO-NOT: engine.dispatch
// EXACT: engine.gemm
// EXACT-NOT: activation
// EXACT-SAME: {layers = ["fc"], precision = "fp16"}
// EXACT: engine.dispatch
// EXACT: nn.gelu
// EXACT: {layers = ["gelu"], precision = "fp16"}
func.func @f16_gelu(%a: tensor<64x32xf16>, %b: tensor<32x128xf16>, %bias: tensor<128xf16>)
    -> tensor<64x128xf16> {
  %0 = nn.matmul %a, %b bias %bias activation <gelu>
       : (tensor<64x32xf16>, tensor<32x128xf16>, tensor<128xf16>) -> tensor<64x128xf16>
       loc(fused["fc", "gelu"])
  return %0 : tensor<64x128xf16>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 1 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input

// Tests that in f32 the erf GELU stays exact under both settings: the tanh
// form is not within f32's rounding.
// CHECK-LABEL: func.func @f32_gelu
// CHECK: engine.gemm
// CHECK-NOT: gelu_tanh
// CHECK: engine.dispatch
// CHECK: nn.gelu
func.func @f32_gelu(%a: tensor<64x32xf32>, %b: tensor<32x128xf32>, %bias: tensor<128xf32>)
    -> tensor<64x128xf32> {
  %0 = nn.matmul %a, %b bias %bias activation <gelu>
       : (tensor<64x32xf32>, tensor<32x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
       loc(fused["fc", "gelu"])
  return %0 : tensor<64x128xf32>
}
