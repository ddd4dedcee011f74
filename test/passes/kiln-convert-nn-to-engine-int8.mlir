// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=int8-epilogue=kernel -verify-diagnostics | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine=int8-epilogue=kernel -verify-diagnostics -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// The epilogue kernels of int8-epilogue=kernel (the fused form, with the
// epilogue in cuDNN: kiln-convert-nn-to-engine-int8-fused.mlir).

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 2 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a fully INT8 conv (int8 in and out, i32 bias, relu) becomes an
// int8 cuDNN convolution into f32 sums and one epilogue kernel that scales
// them per channel (input scale x weight scale), adds the bias, applies relu
// and requantizes to the output scale.
// CHECK-LABEL: func.func @int8_conv_int8_out
// CHECK-SAME: %[[X:.*]]: memref<1x4x4x8xi8>
// CHECK-SAME: %[[OUT:.*]]: memref<1x4x4x4xi8>
// CHECK-DAG: %[[W:.*]] = engine.weight {{.*}} : memref<4x1x1x8xi8>
// CHECK-DAG: %[[B:.*]] = engine.weight dense<[10, -20, 30, -40]> : tensor<4xi32> : memref<4xi32>
// CHECK: %[[ACC:.*]] = engine.alloc : memref<1x4x4x4xf32>
// CHECK: engine.conv %[[X]] : memref<1x4x4x8xi8>, %[[W]] : memref<4x1x1x8xi8> -> %[[ACC]] : memref<1x4x4x4xf32>
// CHECK-SAME: layout channels_last {layers = ["qconv"], precision = "int8"}
// CHECK: engine.dispatch ins(%[[ACC]], %[[B]] : memref<1x4x4x4xf32>, memref<4xi32>) outs(%[[OUT]] : memref<1x4x4x4xi8>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: tensor<1x4x4x4xf32>, %[[BA:.*]]: tensor<4x!quant.uniform<i32:f32:0, {1.000000e-02,2.000000e-02,3.000000e-02,4.000000e-02}>>):
// CHECK-NEXT: %[[SCALE:.*]] = nn.constant dense<[{{.*}}, 2.000000e-02, 3.000000e-02, 4.000000e-02]> : tensor<4xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.mul %[[S]], %[[SCALE]]
// CHECK-NEXT: %[[BF:.*]] = nn.dequantize %[[BA]]
// CHECK-NEXT: %[[Z:.*]] = nn.add %[[Y]], %[[BF]]
// CHECK-NEXT: %[[R:.*]] = nn.relu %[[Z]]
// CHECK-NEXT: %[[Q:.*]] = nn.quantize %[[R]] : tensor<1x4x4x4xf32> to tensor<1x4x4x4x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK-NEXT: engine.yield %[[Q]]
// CHECK-NEXT: } {layers = ["qconv"], precision = "int8"}
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.02, 0.04, 0.06, 0.08}>
!b = !quant.uniform<i32:f32:0, {0.01, 0.02, 0.03, 0.04}>
!y = !quant.uniform<i8:f32, 0.25>
func.func @int8_conv_int8_out(%x: tensor<1x4x4x8x!x>) -> tensor<1x4x4x4x!y> {
  %w = nn.constant dense<3> : tensor<4x1x1x8xi8> as tensor<4x1x1x8x!w>
  %b = nn.constant dense<[10, -20, 30, -40]> : tensor<4xi32> as tensor<4x!b>
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x4x4x8x!x>, tensor<4x1x1x8x!w>, tensor<4x!b>) -> tensor<1x4x4x4x!y> loc("qconv")
  return %y : tensor<1x4x4x4x!y>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that an INT8 conv whose output stays float (quantized inputs only)
// writes the scaled sums as f32 straight into the output, without requantizing.
// CHECK-LABEL: func.func @int8_conv_float_out
// CHECK: engine.conv %{{.*}} : memref<1x4x4x4xi8>, %{{.*}} : memref<8x3x3x4xi8> -> %[[ACC:.*]] : memref<1x2x2x8xf32>
// CHECK-SAME: strides [2, 2] pads [1, 1, 1, 1]
// CHECK: engine.dispatch ins(%[[ACC]] : memref<1x2x2x8xf32>) outs(%{{.*}} : memref<1x2x2x8xf32>)
// CHECK: nn.constant dense<2.500000e-01> : tensor<8xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.mul
// CHECK-NOT: nn.quantize
// CHECK: engine.yield %[[Y]] : tensor<1x2x2x8xf32>
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @int8_conv_float_out(%x: tensor<1x4x4x4x!x>) -> tensor<1x2x2x8xf32> {
  %w = nn.constant dense<1> : tensor<8x3x3x4xi8> as tensor<8x3x3x4x!w>
  %y = nn.conv %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x4x4x4x!x>, tensor<8x3x3x4x!w>) -> tensor<1x2x2x8xf32>
  return %y : tensor<1x2x2x8xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that an INT8 residual is dequantized in the epilogue kernel and added
// before the activation, and the sum requantized (issue 7, rule 7).
// CHECK-LABEL: func.func @int8_conv_int8_residual
// CHECK-SAME: %[[X:[^:]*]]: memref<1x2x2x4xi8> {{.*}}, %[[R:[^:]*]]: memref<1x2x2x4xi8> {engine.input = "input_1"}
// CHECK: engine.conv %[[X]]
// CHECK: engine.dispatch ins(%[[ACC:.*]], %[[R]] : memref<1x2x2x4xf32>, memref<1x2x2x4xi8>)
// CHECK: nn.mul
// CHECK-NEXT: %[[RF:.*]] = nn.dequantize %{{.*}} : tensor<1x2x2x4x!quant.uniform<i8:f32, 1.250000e-01>>
// CHECK-NEXT: nn.add %{{.*}}, %[[RF]]
// CHECK-NEXT: nn.relu
// CHECK-NEXT: nn.quantize
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
!r = !quant.uniform<i8:f32, 0.125>
func.func @int8_conv_int8_residual(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!r> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4x!r>) -> tensor<1x2x2x4x!r>
  return %y : tensor<1x2x2x4x!r>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a float residual is added as is and the output stays float
// (issue 7, rule 6).
// CHECK-LABEL: func.func @int8_conv_float_residual
// CHECK-SAME: %[[X:[^:]*]]: memref<1x2x2x4xi8> {{.*}}, %[[R:[^:]*]]: memref<1x2x2x4xf32> {engine.input = "input_1"}
// CHECK: engine.dispatch ins(%[[ACC:.*]], %[[R]] : memref<1x2x2x4xf32>, memref<1x2x2x4xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<1x2x2x4xf32>, %[[RA:.*]]: tensor<1x2x2x4xf32>):
// CHECK: nn.add %{{.*}}, %[[RA]]
// CHECK-NOT: nn.quantize
// CHECK: engine.yield
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @int8_conv_float_residual(%x: tensor<1x2x2x4x!x>, %r: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  %y = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %y : tensor<1x2x2x4xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 1 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 2 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a quantized gemm with B stored [N, K] (trans_b) becomes a
// cuBLASLt int8 GEMM into i32 sums, which the epilogue kernel reads as an i32
// tensor quantized per column (input scale x weight scale), then adds the
// bias and requantizes.
// CHECK-LABEL: func.func @int8_gemm
// CHECK-SAME: %[[A:.*]]: memref<2x8xi8>
// CHECK-DAG: %[[W:.*]] = engine.weight dense<2> : tensor<4x8xi8> : memref<4x8xi8>
// CHECK: %[[ACC:.*]] = engine.alloc : memref<2x4xi32>
// CHECK: engine.gemm %[[A]] : memref<2x8xi8>, %[[W]] : memref<4x8xi8> -> %[[ACC]] : memref<2x4xi32> trans_b {layers = ["fc"], precision = "int8"}
// CHECK: engine.dispatch ins(%[[ACC]], %{{.*}} : memref<2x4xi32>, memref<4xi32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: tensor<2x4x!quant.uniform<i32:f32:1, {2.500000e-01,5.000000e-01,2.500000e-01,5.000000e-01}>>, %{{.*}}: tensor<4x!quant.uniform<i32:f32:0
// CHECK-NEXT: nn.dequantize %[[S]]
// CHECK-NEXT: nn.dequantize
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.quantize
!a = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.5, 1.0, 0.5, 1.0}>
!b = !quant.uniform<i32:f32:0, {0.25, 0.5, 0.25, 0.5}>
!y = !quant.uniform<i8:f32, 1.0>
func.func @int8_gemm(%a: tensor<2x8x!a>) -> tensor<2x4x!y> {
  %w = nn.constant dense<2> : tensor<4x8xi8> as tensor<4x8x!w>
  %b = nn.constant dense<[4, 8, -4, -8]> : tensor<4xi32> as tensor<4x!b>
  %y = nn.gemm %a, %w bias %b trans_b
       : (tensor<2x8x!a>, tensor<4x8x!w>, tensor<4x!b>) -> tensor<2x4x!y> loc("fc")
  return %y : tensor<2x4x!y>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 1 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 2 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a quantized matmul of a batch of rows by a constant [K, N]
// weight folds the batch into M and multiplies by the weight transposed to
// [N, K] when the engine is built; one scale for all columns.
// CHECK-LABEL: func.func @int8_matmul
// CHECK-DAG: %[[W:.*]] = engine.weight dense<{{\[}}[1, 3, 5, 7], [2, 4, 6, 8]]> : tensor<2x4xi8>
// CHECK: %[[ACC:.*]] = engine.alloc : memref<3x5x2xi32>
// CHECK: %[[FLAT:.*]] = engine.view %[[ACC]][0] : memref<3x5x2xi32> to memref<15x2xi32>
// CHECK: engine.gemm %{{.*}} : memref<15x4xi8>, %[[W]] : memref<2x4xi8> -> %[[FLAT]] : memref<15x2xi32> trans_b
// CHECK: engine.dispatch ins(%[[ACC]] : memref<3x5x2xi32>)
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<3x5x2x!quant.uniform<i32:f32, 2.500000e-01>>):
// CHECK-NEXT: nn.dequantize
// CHECK-NEXT: engine.yield
!a = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @int8_matmul(%a: tensor<3x5x4x!a>) -> tensor<3x5x2xf32> {
  %w = nn.constant dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi8> as tensor<4x2x!w>
  %y = nn.matmul %a, %w : (tensor<3x5x4x!a>, tensor<4x2x!w>) -> tensor<3x5x2xf32>
  return %y : tensor<3x5x2xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 0 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 2 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that the INT8 path does not fire on a float conv: one f32 cuDNN
// convolution with its fused epilogue, no epilogue kernel.
// CHECK-LABEL: func.func @float_conv
// CHECK: engine.conv %{{.*}} : memref<1x4x4x4xf32>, %{{.*}} : memref<4x1x1x4xf32> bias %{{.*}} : memref<4xf32> -> %{{.*}} : memref<1x4x4x4xf32>
// CHECK-SAME: activation <relu> {precision = "fp32"}
// CHECK-NOT: engine.dispatch
// CHECK-NOT: int8
func.func @float_conv(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = nn.constant dense<1.0> : tensor<4x1x1x4xf32>
  %b = nn.constant dense<0.5> : tensor<4xf32>
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 2 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 1 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that an int8 conv of 3 input channels (an RGB stem) reads its data
// padded to 4 channels by a kernel, with a zero fourth weight per filter.
// CHECK-LABEL: func.func @rgb_stem
// CHECK-SAME: %[[X:[^:]*]]: memref<1x2x2x3xi8>
// CHECK: %[[W:.*]] = engine.weight dense<{{\[}}[{{\[}}[1, 2, 3, 0]]], [{{\[}}[1, 2, 3, 0]]]]> : tensor<2x1x1x4xi8>
// CHECK: %[[WIDE:.*]] = engine.alloc : memref<1x2x2x4xi8>
// CHECK: engine.dispatch ins(%[[X]] : memref<1x2x2x3xi8>) outs(%[[WIDE]] : memref<1x2x2x4xi8>)
// CHECK: nn.pad %{{.*}} pads [0, 0, 0, 0, 0, 0, 0, 1]
// CHECK: engine.conv %[[WIDE]] : memref<1x2x2x4xi8>, %[[W]] : memref<2x1x1x4xi8> -> %{{.*}} : memref<1x2x2x2xf32>
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @rgb_stem(%x: tensor<1x2x2x3x!x>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1, 2, 3]]], [[[1, 2, 3]]]]> : tensor<2x1x1x3xi8> as tensor<2x1x1x3x!w>
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x3x!x>, tensor<2x1x1x3x!w>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

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

// Tests that int8 data with a zero point other than 0 is refused, naming the layer.
!x = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.5>
func.func @zero_point(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  // expected-error @unknown {{cannot lower layer 'zp' (nn.conv) to the engine: input !quant.uniform<i8:f32, 5.000000e-01:3> has zero point 3: int8 convolutions and GEMMs need symmetric data (zero point 0)}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>) -> tensor<1x2x2x4xf32> loc("zp")
  return %y : tensor<1x2x2x4xf32>
}

// -----

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

// Tests that uint8 activations are refused with what to do about them.
!x = !quant.uniform<u8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @uint8_input(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  // expected-error @unknown {{cannot lower layer 'u8conv' (nn.conv) to the engine: input !quant.uniform<u8:f32, 5.000000e-01> is not signed 8-bit}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>) -> tensor<1x2x2x4xf32> loc("u8conv")
  return %y : tensor<1x2x2x4xf32>
}

// -----

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

// Tests that a weight with a zero point other than 0 is refused.
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32:0, {0.5:1, 0.5, 0.5, 0.5}>
func.func @weight_zero_point(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x4xi8> as tensor<4x1x1x4x!w>
  // expected-error @unknown {{cannot lower layer 'wzp' (nn.conv) to the engine: weight}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>) -> tensor<1x2x2x4xf32> loc("wzp")
  return %y : tensor<1x2x2x4xf32>
}

// -----

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

// Tests that grouped int8 convolutions with channels per group cuDNN cannot
// take (2) are refused: only one group is padded.
!x = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @two_per_group(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x1x1x2xi8> as tensor<4x1x1x2x!w>
  // expected-error @unknown {{cannot lower layer 'grouped' (nn.conv) to the engine: cuDNN's int8 convolutions need a multiple of 4 input channels per group, found 2 (in 2 groups, or with a computed filter, which the lowering cannot pad)}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 layout channels_last
       : (tensor<1x2x2x4x!x>, tensor<4x1x1x2x!w>) -> tensor<1x2x2x4xf32> loc("grouped")
  return %y : tensor<1x2x2x4xf32>
}

// -----

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

// Tests that an int8 GEMM whose inner dimension is not a multiple of 4 is refused.
!a = !quant.uniform<i8:f32, 0.5>
!w = !quant.uniform<i8:f32, 0.5>
func.func @gemm_k6(%a: tensor<2x6x!a>) -> tensor<2x4xf32> {
  %w = nn.constant dense<1> : tensor<4x6xi8> as tensor<4x6x!w>
  // expected-error @unknown {{cannot lower layer 'fc6' (nn.gemm) to the engine: cuBLASLt's int8 (IMMA) kernels need the inner dimension K to be a multiple of 4, found 6}}
  %y = nn.gemm %a, %w trans_b : (tensor<2x6x!a>, tensor<4x6x!w>) -> tensor<2x4xf32> loc("fc6")
  return %y : tensor<2x4xf32>
}

// -----

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

// Tests that an int8 matmul of two computed tensors (B not [N, K]) is refused.
!a = !quant.uniform<i8:f32, 0.5>
func.func @matmul_activations(%a: tensor<2x4x!a>, %b: tensor<4x4x!a>) -> tensor<2x4xf32> {
  // expected-error @unknown {{cannot lower layer 'qk' (nn.matmul) to the engine: B is computed and stored [K, N]}}
  %y = nn.matmul %a, %b : (tensor<2x4x!a>, tensor<4x4x!a>) -> tensor<2x4xf32> loc("qk")
  return %y : tensor<2x4xf32>
}
