// RUN: kiln-opt %s -split-input-file -kiln-assign-precision="precision=fp16" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -split-input-file -kiln-assign-precision="precision=fp32" | FileCheck %s --check-prefix=FP32
// RUN: kiln-opt %s -split-input-file -kiln-assign-precision="precision=tf32" | FileCheck %s --check-prefix=TF32
// RUN: kiln-opt %s -split-input-file -kiln-assign-precision="precision=fp16 layer-precision=head:fp32,nn.softmax:fp32" | FileCheck %s --check-prefix=CONSTRAINED
// RUN: not kiln-opt %s -split-input-file -kiln-assign-precision="precision=fp16 layer-precision=head:int8" 2>&1 | FileCheck %s --check-prefix=OBEY
// RUN: kiln-opt %s -split-input-file -kiln-assign-precision="precision=bf16 layer-precision=head:int8 constraint-mode=prefer" 2>&1 | FileCheck %s --check-prefix=PREFER
// RUN: kiln-opt %s -split-input-file -kiln-assign-precision=precision=fp16 -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: AssignPrecisionPass
// STATS-NEXT: (S) 0 bf16-layers - Layers that run in BF16
// STATS-NEXT: (S) 5 fp16-layers - Layers that run in FP16
// STATS-NEXT: (S) 0 fp32-layers - Layers that run in FP32
// STATS-NEXT: (S) 4 inserted-casts - Casts inserted at precision boundaries
// STATS-NEXT: (S) 0 int8-layers - Layers that run in INT8
// STATS-NEXT: (S) 5 reduced-precision-layers - Layers moved to a narrower float type
// STATS-NEXT: (S) 0 tf32-layers - Layers that run in TF32

// Tests a classifier head: the conv and gemm run in FP16 with one cast of the
// input and weights each, softmax reads and writes FP16 (it accumulates in
// double whatever its type), and the result is cast back.
// FP16-LABEL: func.func @classifier
// FP16-SAME: (%[[X:.*]]: tensor<1x8x4x4xf32>
// FP16: %[[XH:.*]] = nn.cast %[[X]] : tensor<1x8x4x4xf32> to tensor<1x8x4x4xf16>
// FP16: %[[W:.*]] = nn.constant dense<{{.*}}> : tensor<8x8x1x1xf32>
// FP16-NEXT: %[[WH:.*]] = nn.cast %[[W]] : tensor<8x8x1x1xf32> to tensor<8x8x1x1xf16>
// FP16: %[[C:.*]] = nn.conv %[[XH]], %[[WH]] {{.*}} -> tensor<1x8x4x4xf16>
// FP16: %[[P:.*]] = nn.global_pool avg %[[C]] : (tensor<1x8x4x4xf16>) -> tensor<1x8x1x1xf16>
// FP16: %[[F:.*]] = nn.flatten %[[P]] axis 1 : tensor<1x8x1x1xf16>
// FP16: %[[G:.*]] = nn.gemm %[[F]], %{{.*}} : (tensor<1x8xf16>, tensor<8x10xf16>) -> tensor<1x10xf16>
// FP16-NEXT: %[[S:.*]] = nn.softmax %[[G]] axis 1 : tensor<1x10xf16>
// FP16-NEXT: %[[SF:.*]] = nn.cast %[[S]] : tensor<1x10xf16> to tensor<1x10xf32>
// FP16-NEXT: return %[[SF]] : tensor<1x10xf32>
// FP32-LABEL: func.func @classifier
// FP32-NOT: nn.cast
// FP32-NOT: kiln.precision
// TF32-LABEL: func.func @classifier
// TF32-NOT: nn.cast
// TF32: nn.conv {{.*}} {kiln.precision = "tf32"}
// TF32: nn.gemm {{.*}} {kiln.precision = "tf32"}
// CONSTRAINED-LABEL: func.func @classifier
// CONSTRAINED: nn.conv {{.*}} -> tensor<1x8x4x4xf16>
// CONSTRAINED: nn.gemm {{.*}} -> tensor<1x10xf32>
// CONSTRAINED-NOT: nn.cast {{.*}} to tensor<1x10xf32>
// CONSTRAINED: nn.softmax {{.*}} : tensor<1x10xf32>
// OBEY: error: {{.*}}INT8 requested for layer 'head' (nn.gemm), but it has no quantization scales
// PREFER: warning: {{.*}}INT8 requested for layer 'head' (nn.gemm), but it has no quantization scales
// PREFER: nn.gemm {{.*}} -> tensor<1x10xbf16>
func.func @classifier(%x: tensor<1x8x4x4xf32>) -> tensor<1x10xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %fc = nn.constant dense<0.25> : tensor<8x10xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32> loc("conv")
  %p = nn.global_pool avg %c : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
  %f = nn.flatten %p axis 1 : tensor<1x8x1x1xf32>
  %g = nn.gemm %f, %fc : (tensor<1x8xf32>, tensor<8x10xf32>) -> tensor<1x10xf32> loc("head")
  %s = nn.softmax %g axis 1 : tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// -----

// STATS: AssignPrecisionPass
// STATS-NEXT: (S) 0 bf16-layers - Layers that run in BF16
// STATS-NEXT: (S) 2 fp16-layers - Layers that run in FP16
// STATS-NEXT: (S) 0 fp32-layers - Layers that run in FP32
// STATS-NEXT: (S) 3 inserted-casts - Casts inserted at precision boundaries
// STATS-NEXT: (S) 1 int8-layers - Layers that run in INT8
// STATS-NEXT: (S) 2 reduced-precision-layers - Layers moved to a narrower float type
// STATS-NEXT: (S) 0 tf32-layers - Layers that run in TF32

// Tests that a round trip through a wider type cancels (the model's own
// cast to f32 between two layers moved to f16), and that quantization keeps
// its types with its float input cast back.
// FP32-LABEL: func.func @round_trip_and_quantized
// FP16-LABEL: func.func @round_trip_and_quantized
// FP16: %[[H:.*]] = nn.cast %arg0 : tensor<4xf32> to tensor<4xf16>
// FP16: %[[R:.*]] = nn.relu %[[H]] : tensor<4xf16>
// FP16: %[[E:.*]] = nn.exp %[[R]] : tensor<4xf16>
// FP16: %[[EF:.*]] = nn.cast %[[E]] : tensor<4xf16> to tensor<4xf32>
// FP16: nn.quantize %[[EF]] : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>
func.func @round_trip_and_quantized(%x: tensor<4xf32>) -> (tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4xf32>) {
  %r = nn.relu %x : tensor<4xf32>
  %up = nn.cast %r : tensor<4xf32> to tensor<4xf32>
  %e = nn.exp %up : tensor<4xf32>
  %q = nn.quantize %e : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %q, %e : tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4xf32>
}

// -----

// Tests that a layer norm takes the type its input arrives in (FP16 after an
// FP16 layer, no cast around it) while a sum reduction runs in FP32 between
// casts, and that a softmax reading the network's FP32 input stays FP32
// without casts.
// STATS: AssignPrecisionPass
// STATS-NEXT: (S) 0 bf16-layers - Layers that run in BF16
// STATS-NEXT: (S) 2 fp16-layers - Layers that run in FP16
// STATS-NEXT: (S) 2 fp32-layers - Layers that run in FP32
// STATS-NEXT: (S) 4 inserted-casts - Casts inserted at precision boundaries
// STATS-NEXT: (S) 0 int8-layers - Layers that run in INT8
// STATS-NEXT: (S) 2 reduced-precision-layers - Layers moved to a narrower float type
// STATS-NEXT: (S) 0 tf32-layers - Layers that run in TF32
// FP16-LABEL: func.func @norm_and_sum
// FP16: %[[XH:.*]] = nn.cast %arg0 : tensor<2x8xf32> to tensor<2x8xf16>
// FP16: %[[R:.*]] = nn.relu %[[XH]] : tensor<2x8xf16>
// FP16: %[[N:.*]] = nn.layer_norm %[[R]], %{{.*}}, %{{.*}} axis 1 {{.*}}: tensor<2x8xf16>, tensor<8xf16>, tensor<8xf16>
// FP16-NEXT: %[[NF:.*]] = nn.cast %[[N]] : tensor<2x8xf16> to tensor<2x8xf32>
// FP16-NEXT: nn.reduce sum %[[NF]] axes [1] keep_dims : tensor<2x8xf32>
// FP16-NEXT: nn.softmax %arg0 axis 1 : tensor<2x8xf32>
func.func @norm_and_sum(%x: tensor<2x8xf32>) -> (tensor<2x1xf32>, tensor<2x8xf32>) {
  %g = nn.constant dense<1.5> : tensor<8xf32>
  %b = nn.constant dense<0.5> : tensor<8xf32>
  %r = nn.relu %x : tensor<2x8xf32>
  %n = nn.layer_norm %r, %g, %b axis 1 : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>
  %s = nn.reduce sum %n axes [1] keep_dims : tensor<2x8xf32>
  %p = nn.softmax %x axis 1 : tensor<2x8xf32>
  return %s, %p : tensor<2x1xf32>, tensor<2x8xf32>
}
