// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-fold-epilogue-qdq))' | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-fold-epilogue-qdq,kiln-fuse-layers))' | FileCheck %s --check-prefix=FUSED
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-fold-epilogue-qdq))' -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FoldEpilogueQDQPass
// STATS-NEXT: (S) 2 pairs-folded - Quantize/dequantize pairs removed

// Tests that the pairs quantize_static puts between a conv and its add
// (on the add's first operand; the second keeps its pair, the INT8
// residual) and between the add and its ReLU are removed, so that
// kiln-fuse-layers builds conv + add + relu.
!q = !quant.uniform<i8:f32, 0.05>
// CHECK-LABEL: func.func @conv_add_relu
// CHECK: %[[C:.*]] = nn.conv %arg0
// CHECK: %[[QR:.*]] = nn.quantize %arg1
// CHECK-NEXT: %[[R:.*]] = nn.dequantize %[[QR]]
// CHECK-NEXT: %[[A:.*]] = nn.add %[[C]], %[[R]]
// CHECK-NEXT: %[[Y:.*]] = nn.relu %[[A]]
// CHECK-NEXT: %[[QY:.*]] = nn.quantize %[[Y]]
// FUSED-LABEL: func.func @conv_add_relu
// FUSED: nn.conv %arg0, %{{.*}} residual %{{.*}} {{.*}} activation <relu>
// FUSED-NOT: nn.relu
func.func @conv_add_relu(%x: tensor<1x2x2x2xf32>, %r: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x!q> {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %qc = nn.quantize %c : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %dc = nn.dequantize %qc : tensor<1x2x2x2x!q>
  %qr = nn.quantize %r : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %dr = nn.dequantize %qr : tensor<1x2x2x2x!q>
  %a = nn.add %dc, %dr : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %qa = nn.quantize %a : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %da = nn.dequantize %qa : tensor<1x2x2x2x!q>
  %y = nn.relu %da : tensor<1x2x2x2xf32>
  %qy = nn.quantize %y : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  return %qy : tensor<1x2x2x2x!q>
}

// -----

// STATS: FoldEpilogueQDQPass
// STATS-NEXT: (S) 1 pairs-folded - Quantize/dequantize pairs removed

// Tests that uint8 pairs with zero point 128 (quantize_static's symmetric
// activations) are removed between a conv and its ReLU.
!u = !quant.uniform<u8:f32, 0.05:128>
// CHECK-LABEL: func.func @uint8_relu
// CHECK: %[[C:.*]] = nn.conv %arg0
// CHECK-NEXT: %[[Y:.*]] = nn.relu %[[C]]
// FUSED-LABEL: func.func @uint8_relu
// FUSED: nn.conv {{.*}} activation <relu>
func.func @uint8_relu(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x!u> {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %qc = nn.quantize %c : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!u>
  %dc = nn.dequantize %qc : tensor<1x2x2x2x!u>
  %y = nn.relu %dc : tensor<1x2x2x2xf32>
  %qy = nn.quantize %y : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!u>
  return %qy : tensor<1x2x2x2x!u>
}

// -----

// STATS: FoldEpilogueQDQPass
// STATS-NEXT: (S) 0 pairs-folded - Quantize/dequantize pairs removed

// Tests that the pass must not fire where the pair is not inside an
// epilogue: before a softmax (not an activation an epilogue applies), with
// an asymmetric zero point, when the conv's result has another user, and
// when the conv already applies an activation.
!a = !quant.uniform<u8:f32, 0.05:7>
!q = !quant.uniform<i8:f32, 0.05>
// CHECK-LABEL: func.func @must_not_fire
// CHECK-COUNT-4: nn.dequantize
func.func @must_not_fire(%x: tensor<1x2x2x2xf32>)
    -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c1 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %q1 = nn.quantize %c1 : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %d1 = nn.dequantize %q1 : tensor<1x2x2x2x!q>
  %s = nn.softmax %d1 axis 1 : tensor<1x2x2x2xf32>
  %c2 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %q2 = nn.quantize %c2 : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!a>
  %d2 = nn.dequantize %q2 : tensor<1x2x2x2x!a>
  %r2 = nn.relu %d2 : tensor<1x2x2x2xf32>
  %c3 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %q3 = nn.quantize %c3 : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %d3 = nn.dequantize %q3 : tensor<1x2x2x2x!q>
  %r3 = nn.relu %d3 : tensor<1x2x2x2xf32>
  %c4 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %q4 = nn.quantize %c4 : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!q>
  %d4 = nn.dequantize %q4 : tensor<1x2x2x2x!q>
  %r4 = nn.relu %d4 : tensor<1x2x2x2xf32>
  return %s, %r2, %r3, %c3, %r4 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
