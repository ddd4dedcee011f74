// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -verify-diagnostics | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -verify-diagnostics -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

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

// Tests that a DAG of pointwise layers with single-use intermediates (and a
// broadcast operand, an input read twice, a small constant) becomes one
// dispatch that writes straight into the output binding.
// CHECK-LABEL: func.func @pointwise_dag
// CHECK-SAME: %[[X:.*]]: memref<4x8xf32> {engine.input = "x"}
// CHECK-SAME: %[[B:.*]]: memref<8xf32> {engine.input = "input_1"}
// CHECK-SAME: %[[OUT:.*]]: memref<4x8xf32> {engine.output = "y"}
// CHECK-NOT: engine.alloc
// CHECK: engine.dispatch ins(%[[X]], %[[B]] : memref<4x8xf32>, memref<8xf32>) outs(%[[OUT]] : memref<4x8xf32>)
// CHECK: nn.constant
// CHECK: nn.mul
// CHECK: nn.sigmoid
// CHECK: nn.add
// CHECK: nn.mul
// CHECK: nn.add
// CHECK: engine.yield
// CHECK: layers = ["scale", "gate", "shift", "swish", "sum"], precision = "fp32"
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @pointwise_dag(%x: tensor<4x8xf32> {kiln.name = "x"}, %b: tensor<8xf32>)
    -> (tensor<4x8xf32> {kiln.name = "y"}) {
  %two = nn.constant dense<2.0> : tensor<f32>
  %s = nn.mul %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32> loc("scale")
  %g = nn.sigmoid %x : tensor<4x8xf32> loc("gate")
  %h = nn.add %s, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> loc("shift")
  %m = nn.mul %h, %g : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("swish")
  %y = nn.add %m, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("sum")
  return %y : tensor<4x8xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 3 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that an intermediate with two users splits the groups: it is
// written to an arena buffer that both later groups read.
// CHECK-LABEL: func.func @multi_use_splits
// CHECK: %[[T:.*]] = engine.alloc : memref<4x8xf32>
// CHECK: engine.dispatch ins(%{{.*}} : memref<4x8xf32>) outs(%[[T]] : memref<4x8xf32>)
// CHECK: nn.exp
// CHECK-NEXT: nn.neg
// CHECK-NEXT: engine.yield
// CHECK: engine.dispatch ins(%[[T]] : memref<4x8xf32>) outs(%{{.*}} : memref<4x8xf32>)
// CHECK: engine.dispatch ins(%[[T]] : memref<4x8xf32>) outs(%{{.*}} : memref<4x8xf32>)
func.func @multi_use_splits(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = nn.exp %x : tensor<4x8xf32>
  %n = nn.neg %e : tensor<4x8xf32>
  %a = nn.relu %n : tensor<4x8xf32>
  %b = nn.tanh %n : tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 2 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a conv keeps its epilogue in cuDNN, and that an activation
// cuDNN cannot fuse (hard swish) follows as a dispatch.
// CHECK-LABEL: func.func @conv_epilogue
// CHECK: engine.conv %{{.*}} bias %{{.*}} residual %{{.*}} -> %[[Y:.*]] : memref<1x4x4x8xf16> strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last activation <relu> {layers = ["conv1", "bn1", "relu1"], precision = "fp16"}
// CHECK: %[[T:.*]] = engine.alloc : memref<1x4x4x8xf16>
// CHECK: engine.conv %[[Y]] {{.*}} -> %[[T]] : memref<1x4x4x8xf16>
// CHECK-NOT: activation
// CHECK-SAME: {layers = ["conv2"], precision = "fp16"}
// CHECK: engine.dispatch ins(%[[T]] : memref<1x4x4x8xf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.hard_swish
// CHECK: {layers = ["hswish2"], precision = "fp16"}
func.func @conv_epilogue(%x: tensor<1x4x4x8xf16>, %w: tensor<8x3x3x8xf16>, %b: tensor<8xf16>)
    -> tensor<1x4x4x8xf16> {
  %y = nn.conv %x, %w bias %b residual %x strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_last activation <relu>
       : (tensor<1x4x4x8xf16>, tensor<8x3x3x8xf16>, tensor<8xf16>, tensor<1x4x4x8xf16>) -> tensor<1x4x4x8xf16>
       loc(fused["conv1", "bn1", "relu1"])
  %z = nn.conv %y, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_last activation <hard_swish>
       : (tensor<1x4x4x8xf16>, tensor<8x3x3x8xf16>) -> tensor<1x4x4x8xf16>
       loc(fused["conv2", "hswish2"])
  return %z : tensor<1x4x4x8xf16>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 2 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a gemm's row-broadcast C is the bias vector and a TF32 layer
// allows TF32; a full C is `c` scaled by beta; a column C cannot lower to
// cuBLASLt and goes to a dispatch.
// CHECK-LABEL: func.func @gemm_bias_vs_c
// CHECK: engine.gemm %{{.*}} : memref<4x16xf32>, %{{.*}} : memref<8x16xf32> bias %{{.*}} : memref<8xf32> -> %{{.*}} : memref<4x8xf32> trans_b activation <relu> {allow_tf32, layers = ["fc1"], precision = "tf32"}
// CHECK: engine.gemm %{{.*}} : memref<4x16xf32>, %{{.*}} : memref<16x8xf32> c %{{.*}} : memref<4x8xf32> -> %{{.*}} : memref<4x8xf32> {beta = 5.000000e-01 : f32, layers = ["fc2"], precision = "fp32"}
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.gemm
func.func @gemm_bias_vs_c(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %v: tensor<16x8xf32>,
                          %b: tensor<8xf32>, %c: tensor<4x8xf32>, %col: tensor<4x1xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = nn.gemm %x, %w bias %b trans_b activation <relu> {kiln.precision = "tf32"}
       : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32> loc("fc1")
  %1 = nn.gemm %x, %v bias %c beta 0.5
       : (tensor<4x16xf32>, tensor<16x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> loc("fc2")
  %2 = nn.gemm %x, %v bias %col
       : (tensor<4x16xf32>, tensor<16x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32> loc("fc3")
  return %0, %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 1 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 3 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that [B, S, K] x [K, N] folds the batch into M through views, with
// the residual as c, and that a silu epilogue follows as a dispatch.
// CHECK-LABEL: func.func @matmul_batch_fold
// CHECK-SAME: %[[A:[^:]*]]: memref<2x3x16xf32>
// CHECK: %[[T:.*]] = engine.alloc : memref<2x3x8xf32>
// CHECK: %[[A2:.*]] = engine.view %[[A]][0] : memref<2x3x16xf32> to memref<6x16xf32>
// CHECK: %[[D2:.*]] = engine.view %[[T]][0] : memref<2x3x8xf32> to memref<6x8xf32>
// CHECK: %[[R2:.*]] = engine.view %{{.*}}[0] : memref<2x3x8xf32> to memref<6x8xf32>
// CHECK: engine.gemm %[[A2]] : memref<6x16xf32>, %{{.*}} : memref<16x8xf32> bias %{{.*}} : memref<8xf32> c %[[R2]] : memref<6x8xf32> -> %[[D2]] : memref<6x8xf32>
// CHECK: engine.dispatch ins(%[[T]] : memref<2x3x8xf32>)
// CHECK: nn.silu
func.func @matmul_batch_fold(%a: tensor<2x3x16xf32>, %b: tensor<16x8xf32>, %bias: tensor<8xf32>,
                             %r: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = nn.matmul %a, %b bias %bias residual %r activation <silu>
       : (tensor<2x3x16xf32>, tensor<16x8xf32>, tensor<8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
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
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that equal batches stay a batched GEMM, and that batches that
// broadcast against each other (one batch stride cannot say it) go to a
// dispatch.
// CHECK-LABEL: func.func @matmul_batch_dispatch
// CHECK: engine.gemm %{{.*}} : memref<4x3x16xf32>, %{{.*}} : memref<4x16x8xf32> -> %{{.*}} : memref<4x3x8xf32>
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.matmul
// CHECK-NOT: engine.gemm
func.func @matmul_batch_dispatch(%a: tensor<4x3x16xf32>, %b: tensor<4x16x8xf32>,
                                 %c: tensor<2x1x3x16xf32>, %d: tensor<1x4x16x8xf32>)
    -> (tensor<4x3x8xf32>, tensor<2x4x3x8xf32>) {
  %0 = nn.matmul %a, %b : (tensor<4x3x16xf32>, tensor<4x16x8xf32>) -> tensor<4x3x8xf32>
  %1 = nn.matmul %c, %d : (tensor<2x1x3x16xf32>, tensor<1x4x16x8xf32>) -> tensor<2x4x3x8xf32>
  return %0, %1 : tensor<4x3x8xf32>, tensor<2x4x3x8xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 1 copy-steps - Copies between buffers
// STATS-NEXT: (S) 2 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 2 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a reshape of a computed tensor is a view (and that a returned
// reshape makes its producer write into a view of the output binding), while
// a reshape of an input returned as an output is a copy, not an alias.
// CHECK-LABEL: func.func @reshape_view_vs_copy
// CHECK-SAME: %[[X:[^:]*]]: memref<2x8xf32>
// CHECK-SAME: %[[O1:[^:]*]]: memref<16xf32> {engine.output = "output_0"}
// CHECK-SAME: %[[O2:[^:]*]]: memref<4x4xf32> {engine.output = "output_1"}
// CHECK: %[[T:.*]] = engine.alloc : memref<2x8xf32>
// CHECK: engine.dispatch ins(%[[X]] : memref<2x8xf32>) outs(%[[T]] : memref<2x8xf32>)
// CHECK: %[[V:.*]] = engine.view %[[T]][0] : memref<2x8xf32> to memref<1x16xf32>
// CHECK: %[[W:.*]] = engine.view %[[O1]][0] : memref<16xf32> to memref<1x16xf32>
// CHECK: engine.dispatch ins(%[[V]] : memref<1x16xf32>) outs(%[[W]] : memref<1x16xf32>)
// CHECK: engine.copy %[[X]], %[[O2]] : memref<2x8xf32>, memref<4x4xf32>
// CHECK-NOT: engine.copy
func.func @reshape_view_vs_copy(%x: tensor<2x8xf32>) -> (tensor<16xf32>, tensor<4x4xf32>) {
  %e = nn.exp %x : tensor<2x8xf32>
  %f = nn.reshape %e : tensor<2x8xf32> to tensor<1x16xf32>
  %s = nn.softmax %f axis 1 : tensor<1x16xf32>
  %g = nn.reshape %s : tensor<1x16xf32> to tensor<16xf32>
  %h = nn.reshape %x : tensor<2x8xf32> to tensor<4x4xf32>
  return %g, %h : tensor<16xf32>, tensor<4x4xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 1 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 4 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 4 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that the producers of an in-place concat write into views of its
// buffer: contiguous along the outermost axis, strided along the channels.
// CHECK-LABEL: func.func @in_place_concat
// CHECK-SAME: %[[OUT:[^:]*]]: memref<1x4x2x12xf32> {engine.output
// CHECK: %[[S0:.*]] = engine.view %[[OUT]][0] : memref<1x4x2x12xf32> to memref<1x4x2x4xf32, strided<[96, 24, 12, 1]>>
// CHECK: engine.conv {{.*}} -> %[[S0]]
// CHECK: %[[S1:.*]] = engine.view %[[OUT]][16] : memref<1x4x2x12xf32> to memref<1x4x2x8xf32, strided<[96, 24, 12, 1]>>
// CHECK: engine.dispatch {{.*}} outs(%[[S1]]
// CHECK-NOT: engine.copy
// CHECK: %[[CAT:.*]] = engine.alloc : memref<6x4xf32>
// CHECK: %[[R0:.*]] = engine.view %[[CAT]][0] : memref<6x4xf32> to memref<2x4xf32>
// CHECK: %[[R1:.*]] = engine.view %[[CAT]][32] : memref<6x4xf32> to memref<4x4xf32>
func.func @in_place_concat(%x: tensor<1x4x2x4xf32>, %w: tensor<4x1x1x4xf32>,
                           %y: tensor<1x4x2x8xf32>, %p: tensor<2x4xf32>, %q: tensor<4x4xf32>)
    -> (tensor<1x4x2x12xf32>, tensor<6x4xf32>) {
  %a = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
       : (tensor<1x4x2x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x4x2x4xf32>
  %b = nn.relu %y : tensor<1x4x2x8xf32>
  %cat = nn.concat %a, %b axis 3 in_place : tensor<1x4x2x4xf32>, tensor<1x4x2x8xf32>
  %c = nn.exp %p : tensor<2x4xf32>
  %d = nn.neg %q : tensor<4x4xf32>
  %rows = nn.concat %c, %d axis 0 in_place : tensor<2x4xf32>, tensor<4x4xf32>
  %s = nn.softmax %rows axis 1 : tensor<6x4xf32>
  return %cat, %s : tensor<1x4x2x12xf32>, tensor<6x4xf32>
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

// Tests that a concat not marked in place is one dispatch copying its inputs.
// CHECK-LABEL: func.func @concat_copy
// CHECK: engine.dispatch ins(%{{.*}}, %{{.*}} : memref<2x4xf32>, memref<2x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.concat
func.func @concat_copy(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %c = nn.concat %x, %y axis 0 : tensor<2x4xf32>, tensor<2x4xf32>
  return %c : tensor<4x4xf32>
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

// Tests that a quantized convolution cuDNN cannot run (channels-first) is an
// error naming the layer (kiln-convert-nn-to-engine-int8.mlir has the rest).
!q = !quant.uniform<i8:f32, 0.5>
func.func @quantized_conv(%x: tensor<1x4x4x4x!q>, %w: tensor<4x4x1x1x!q>) -> tensor<1x4x4x4xf32> {
  // expected-error @unknown {{cannot lower layer 'qconv' (nn.conv) to the engine: cuDNN runs int8 convolutions channels-last (NHWC) only}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x4x4x!q>, tensor<4x4x1x1x!q>) -> tensor<1x4x4x4xf32> loc("qconv")
  return %y : tensor<1x4x4x4xf32>
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

// Tests that a constant returned as an output is copied from its weight.
// CHECK-LABEL: func.func @constant_result
// CHECK: %[[W:.*]] = engine.weight dense<{{.*}}> : tensor<2xf32> {name = "table"} : memref<2xf32>
// CHECK: engine.copy %[[W]], %{{.*}} : memref<2xf32>, memref<2xf32>
func.func @constant_result() -> tensor<2xf32> {
  %c = nn.constant dense<[1.0, 2.0]> : tensor<2xf32> loc("table")
  return %c : tensor<2xf32>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 1 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 1 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 1 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a transpose read only by a pad is a strided view: the image's
// f32 -> f16 conversion, its NCHW -> NHWC reformat and its channel padding
// for the first conv are one kernel that gathers the f32 input through the
// view's strides (the conversion moves after the transpose, into the pad's
// kernel).
// CHECK-LABEL: func.func @image_to_padded_nhwc
// CHECK-NOT: engine.alloc
// CHECK: %[[T:.*]] = engine.view %arg0[0] : memref<2x3x5x6xf32> to memref<2x5x6x3xf32, strided<[90, 6, 1, 30]>>
// CHECK: engine.dispatch ins(%[[T]] : memref<2x5x6x3xf32, strided<[90, 6, 1, 30]>>) outs(%arg1 : memref<2x5x6x8xf16>)
// CHECK: nn.cast %{{.*}} : tensor<2x5x6x3xf32> to tensor<2x5x6x3xf16>
// CHECK: nn.pad
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @image_to_padded_nhwc(%x: tensor<2x3x5x6xf32>) -> tensor<2x5x6x8xf16> {
  %h = nn.cast %x : tensor<2x3x5x6xf32> to tensor<2x3x5x6xf16> loc("x")
  %t = nn.transpose %h permutation [0, 2, 3, 1] : tensor<2x3x5x6xf16> loc("reformat")
  %p = nn.pad %t pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16> loc("pad")
  return %p : tensor<2x5x6x8xf16>
}

// -----

// STATS: ConvertNNToEnginePass
// STATS-NEXT: (S) 0 conv-steps - cuDNN convolutions
// STATS-NEXT: (S) 0 copy-steps - Copies between buffers
// STATS-NEXT: (S) 4 dispatch-steps - Groups of layers for generated kernels
// STATS-NEXT: (S) 0 fused-casts - Float casts done by the kernel of a pad, transpose or norm
// STATS-NEXT: (S) 0 gemm-steps - cuBLASLt matrix products
// STATS-NEXT: (S) 0 quantizing-pools - Max pools that quantize their float input
// STATS-NEXT: (S) 0 views - Reshapes, slices and transposes lowered to views
// STATS-NEXT: (S) 0 weights - Weights the engine stores
// STATS-NEXT: (S) 0 widened-gemms - 16-bit GEMMs that write the f32 their only reader casts to

// Tests that a transpose stays a kernel when something besides a pad reads
// it: an output binding, or a pointwise layer (which would read it
// uncoalesced).
// CHECK-LABEL: func.func @transposes_kept
// CHECK-NOT: engine.view
// CHECK-COUNT-4: engine.dispatch
// CHECK: return
func.func @transposes_kept(%x: tensor<2x3x5x6xf16>)
    -> (tensor<2x5x6x8xf16>, tensor<2x5x6x3xf16>, tensor<2x5x6x3xf16>) {
  %a = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x5x6xf16> loc("also_output")
  %p = nn.pad %a pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16> loc("pad")
  %b = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x5x6xf16> loc("to_relu")
  %r = nn.relu %b : tensor<2x5x6x3xf16> loc("relu")
  return %p, %a, %r : tensor<2x5x6x8xf16>, tensor<2x5x6x3xf16>, tensor<2x5x6x3xf16>
}
