// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s --check-prefixes=CHECK,AUTO
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=depthwise-conv=kernel | FileCheck %s --check-prefixes=CHECK,AUTO
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=depthwise-conv=cudnn | FileCheck %s --check-prefixes=CHECK,CUDNN
// RUN: not kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=depthwise-conv=fast 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

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

// BAD: depthwise-conv must be auto, cudnn or kernel, got 'fast'

// Tests that a depthwise convolution goes to a dispatch (a generated kernel)
// under auto and kernel, keeping its epilogue, layer names and precision,
// and to cuDNN under cudnn.
// CHECK-LABEL: func.func @depthwise
// AUTO: engine.dispatch
// AUTO: nn.conv %{{.*}}, %{{.*}} bias %{{.*}} strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] groups 8 layout channels_last activation <clip, min = 0.000000e+00, max = 6.000000e+00>
// AUTO: {layers = ["dw", "relu6"], precision = "fp16"}
// AUTO-NOT: engine.conv
// CUDNN-NOT: engine.dispatch
// CUDNN: engine.conv
func.func @depthwise(%x: tensor<1x8x8x8xf16>, %w: tensor<8x3x3x1xf16>, %b: tensor<8xf16>)
    -> tensor<1x4x4x8xf16> {
  %y = nn.conv %x, %w bias %b strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] groups 8
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x8x8x8xf16>, tensor<8x3x3x1xf16>, tensor<8xf16>) -> tensor<1x4x4x8xf16>
       loc(fused["dw", "relu6"])
  return %y : tensor<1x4x4x8xf16>
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

// Tests that a 1-D grouped convolution with silu fused, which cuDNN has no
// engine for, goes to a dispatch whatever the option says.
// CHECK-LABEL: func.func @causal_silu
// CHECK: engine.dispatch
// CHECK: nn.conv {{.*}} groups 2 layout channels_last activation <silu>
// CHECK-NOT: engine.conv
func.func @causal_silu(%x: tensor<2x11x4xf32>, %w: tensor<4x4x2xf32>) -> tensor<2x8x4xf32> {
  %y = nn.conv %x, %w strides [1] pads [0, 0] dilations [1] groups 2 layout channels_last
       activation <silu> : (tensor<2x11x4xf32>, tensor<4x4x2xf32>) -> tensor<2x8x4xf32>
  return %y : tensor<2x8x4xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 2 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 0 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that cuDNN keeps what it runs: a 1-D grouped (not depthwise)
// convolution with relu, and a plain 2-D convolution.
// CHECK-LABEL: func.func @cudnn_runs
// CHECK-NOT: engine.dispatch
// CHECK: engine.conv
// CHECK: engine.conv
func.func @cudnn_runs(%x: tensor<2x11x4xf32>, %w: tensor<4x4x2xf32>,
                      %p: tensor<1x6x6x4xf32>, %q: tensor<4x3x3x4xf32>)
    -> (tensor<2x8x4xf32>, tensor<1x4x4x4xf32>) {
  %y = nn.conv %x, %w strides [1] pads [0, 0] dilations [1] groups 2 layout channels_last
       activation <relu> : (tensor<2x11x4xf32>, tensor<4x4x2xf32>) -> tensor<2x8x4xf32>
  %z = nn.conv %p, %q strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       activation <silu> : (tensor<1x6x6x4xf32>, tensor<4x3x3x4xf32>) -> tensor<1x4x4x4xf32>
  return %y, %z : tensor<2x8x4xf32>, tensor<1x4x4x4xf32>
}
