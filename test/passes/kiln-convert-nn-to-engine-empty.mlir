// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 0 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that an empty result (ONNX's Shape with start > end) lowers to no
// step at all: a copy of zero bytes would not load. The binding stays.
// CHECK-LABEL: func.func @empty_constant
// CHECK-SAME: memref<0xi64> {engine.output = "y"}
// CHECK-NOT: engine.weight
// CHECK-NOT: engine.copy
// CHECK: return
func.func @empty_constant(%x: tensor<3x4x5xf32> {kiln.name = "x"})
    -> (tensor<0xi64> {kiln.name = "y"}) {
  %0 = nn.constant dense<> : tensor<0xi64> loc("Shape_0")
  return %0 : tensor<0xi64>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a layer whose results hold no elements becomes no dispatch,
// while the layer beside it, with elements, still does.
// CHECK-LABEL: func.func @empty_layer
// CHECK-COUNT-1: engine.dispatch
// CHECK: nn.neg
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @empty_layer(%x: tensor<2x0xf32>, %y: tensor<2x3xf32>) -> (tensor<2x0xf32>, tensor<2x3xf32>) {
  %a = nn.relu %x : tensor<2x0xf32>
  %b = nn.neg %y : tensor<2x3xf32>
  return %a, %b : tensor<2x0xf32>, tensor<2x3xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 1 copy-steps - Copies between buffers
// STATS-NEXT: (S) 0 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a non-empty constant output is still copied from its weight.
// CHECK-LABEL: func.func @constant_output
// CHECK: engine.weight
// CHECK: engine.copy
func.func @constant_output(%x: tensor<2xf32>) -> tensor<3xi64> {
  %0 = nn.constant dense<[1, 2, 3]> : tensor<3xi64>
  return %0 : tensor<3xi64>
}
