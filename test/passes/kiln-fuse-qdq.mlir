// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(kiln-fuse-qdq))' | FileCheck %s
// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(kiln-fuse-qdq))' -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FuseQDQPass
// STATS-NEXT: (S) 1 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 1 fused-outputs - Quantizes absorbed as a layer's result

// Tests rule 1: an average pool with a dequantized input and a quantized
// output becomes a quantized average pool; a max pool is not quantizable.
!q = !quant.uniform<i8:f32, 0.05>
// CHECK-LABEL: func.func @avg_pool
// CHECK-NEXT: %[[P:.*]] = nn.pool avg %arg0 {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NEXT: return %[[P]]
func.func @avg_pool(%q: tensor<1x2x4x4x!q>) -> tensor<1x2x2x2x!q> {
  %d = nn.dequantize %q : tensor<1x2x4x4x!q>
  %p = nn.pool avg %d kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %r = nn.quantize %p : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  return %r : tensor<1x2x2x2x!q>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 1 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 0 fused-outputs - Quantizes absorbed as a layer's result

// Tests rule 3: a conv with quantized inputs only keeps a float output;
// the weight is INT8 per channel and the bias INT32 of scale input × weight.
!q = !quant.uniform<i8:f32, 0.5>
// CHECK-LABEL: func.func @conv_inputs_only
// CHECK: nn.constant dense<{{.*}}[127]{{.*}}[-127]{{.*}}> : tensor<2x1x1x1xi8> as tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,1.000000e+00}>>
// CHECK: nn.constant dense<[4, -2]> : tensor<2xi32> as tensor<2x!quant.uniform<i32:f32:0, {2.500000e-01,5.000000e-01}>>
// CHECK: nn.conv %arg0, {{.*}} -> tensor<1x2x2x2xf32>
// CHECK-NOT: nn.dequantize
func.func @conv_inputs_only(%q: tensor<1x1x2x2x!q>) -> tensor<1x2x2x2xf32> {
  %d = nn.dequantize %q : tensor<1x1x2x2x!q>
  %w = nn.constant dense<[[[[63.5]]], [[[-127.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %c = nn.conv %d, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %c : tensor<1x2x2x2xf32>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 2 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 1 fused-outputs - Quantizes absorbed as a layer's result

// Tests rules 4, 6 and 7: a conv whose epilogue (activation fused by
// kiln-fuse-layers) adds an INT8 residual absorbs its output quantize; with
// a float residual its output stays float and the quantize stays.
!q = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32:0, {0.1, 0.2}>
// CHECK-LABEL: func.func @residual
// CHECK: %[[INT8:.*]] = nn.conv %arg0, %{{.*}} residual %arg1 {{.*}} activation <relu> {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK: %[[FLOAT:.*]] = nn.conv %arg0, %{{.*}} residual %arg2 {{.*}} -> tensor<1x2x2x2xf32>
// CHECK-NEXT: %[[Q:.*]] = nn.quantize %[[FLOAT]]
// CHECK-NEXT: return %[[INT8]], %[[Q]]
func.func @residual(%x: tensor<1x2x2x2x!q>, %r: tensor<1x2x2x2x!q>, %f: tensor<1x2x2x2xf32>)
    -> (tensor<1x2x2x2x!q>, tensor<1x2x2x2x!q>) {
  %d = nn.dequantize %x : tensor<1x2x2x2x!q>
  %dr = nn.dequantize %r : tensor<1x2x2x2x!q>
  %w = nn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8> as tensor<2x2x1x1x!w>
  %dw = nn.dequantize %w : tensor<2x2x1x1x!w>
  %c = nn.conv %d, %dw residual %dr strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %q1 = nn.quantize %c : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %c2 = nn.conv %d, %dw residual %f strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %q2 = nn.quantize %c2 : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  return %q1, %q2 : tensor<1x2x2x2x!q>, tensor<1x2x2x2x!q>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 2 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 2 fused-outputs - Quantizes absorbed as a layer's result

// Tests rules 8 and 9: an add fuses its dequantized inputs and quantized
// output; a quantize/dequantize pair between a conv and the add is
// reported, since removing it would drop a rounding.
!q = !quant.uniform<i8:f32, 0.05>
!w = !quant.uniform<i8:f32:0, {0.1, 0.2}>
// CHECK-LABEL: func.func @add
// CHECK: %[[C:.*]] = nn.conv {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NEXT: %[[A:.*]] = nn.add %[[C]], %arg1 : ({{.*}}) -> tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
func.func @add(%x: tensor<1x2x2x2x!q>, %y: tensor<1x2x2x2x!q>) -> (tensor<1x2x2x2x!q>, tensor<1x2x2x2xf32>) {
  %d = nn.dequantize %x : tensor<1x2x2x2x!q>
  %dy = nn.dequantize %y : tensor<1x2x2x2x!q>
  %w = nn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8> as tensor<2x2x1x1x!w>
  %dw = nn.dequantize %w : tensor<2x2x1x1x!w>
  %c = nn.conv %d, %dw strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %qc = nn.quantize %c : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %dc = nn.dequantize %qc : tensor<1x2x2x2x!q>
  // expected-warning @below {{a quantize/dequantize pair between 'nn.conv' and 'nn.add' keeps the add out of the layer's epilogue}}
  %s = nn.add %dc, %dy : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %qs = nn.quantize %s : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  // An add without a quantized output stays float (must not fire).
  %t = nn.add %d, %dy : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %qs, %t : tensor<1x2x2x2x!q>, tensor<1x2x2x2xf32>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 0 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 0 fused-outputs - Quantizes absorbed as a layer's result

// Tests that INT8 layers take only symmetric int8: an average pool between
// int8 tensors of zero point 3 stays float, its quantize and dequantize kept.
!q = !quant.uniform<i8:f32, 0.05:3>
// CHECK-LABEL: func.func @zero_point
// CHECK: %[[D:.*]] = nn.dequantize %arg0
// CHECK: %[[P:.*]] = nn.pool avg %[[D]] {{.*}} -> tensor<1x2x2x2xf32>
// CHECK: nn.quantize %[[P]]
func.func @zero_point(%q: tensor<1x2x4x4x!q>) -> tensor<1x2x2x2x!q> {
  %d = nn.dequantize %q : tensor<1x2x4x4x!q>
  %p = nn.pool avg %d kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %r = nn.quantize %p : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  return %r : tensor<1x2x2x2x!q>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 0 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 0 fused-outputs - Quantizes absorbed as a layer's result

// Tests that uint8 with zero point 0 (quantize_static's asymmetric ReLU
// outputs) has no exact int8 form: the conv reading it stays float.
!u = !quant.uniform<u8:f32, 0.5>
// CHECK-LABEL: func.func @uint8_zero_point_0
// CHECK: nn.dequantize %arg0
// CHECK: nn.conv {{.*}} -> tensor<1x2x2x2xf32>
func.func @uint8_zero_point_0(%q: tensor<1x1x2x2x!u>) -> tensor<1x2x2x2xf32> {
  %d = nn.dequantize %q : tensor<1x1x2x2x!u>
  %w = nn.constant dense<[[[[63.5]]], [[[-127.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %d, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %c : tensor<1x2x2x2xf32>
}

// -----

// STATS: FuseQDQPass
// STATS-NEXT: (S) 1 fused-layers - Layers that now run on quantized inputs
// STATS-NEXT: (S) 0 fused-outputs - Quantizes absorbed as a layer's result

// Tests that weights already on one per-tensor grid (a Q/DQ model's
// per-tensor int8 weights, dequantized by constant folding) stay per tensor
// rather than being rounded again per channel (@conv_inputs_only above is
// the case where they are not).
!q = !quant.uniform<i8:f32, 0.5>
// CHECK-LABEL: func.func @per_tensor_grid
// CHECK: nn.constant dense<{{.*}}[63]{{.*}}[-127]{{.*}}> : tensor<2x1x1x1xi8> as tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32, 1.000000e+00>>
// CHECK: nn.conv %arg0, {{.*}} -> tensor<1x2x2x2xf32>
func.func @per_tensor_grid(%q: tensor<1x1x2x2x!q>) -> tensor<1x2x2x2xf32> {
  %d = nn.dequantize %q : tensor<1x1x2x2x!q>
  %w = nn.constant dense<[[[[63.0]]], [[[-127.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %d, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %c : tensor<1x2x2x2xf32>
}
