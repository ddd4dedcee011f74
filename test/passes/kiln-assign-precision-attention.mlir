// RUN: kiln-opt %s -kiln-assign-precision="precision=fp16" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -kiln-assign-precision="precision=int8" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -kiln-assign-precision="precision=fp32" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -kiln-assign-precision="precision=bf16" | FileCheck %s --check-prefix=BF16
// RUN: kiln-opt %s -kiln-assign-precision="precision=bf16 layer-precision=context:fp16" | FileCheck %s --check-prefix=FP16
// RUN: not kiln-opt %s -kiln-assign-precision="precision=fp16 layer-precision=nn.attention:fp32" 2>&1 | FileCheck %s --check-prefix=OBEY
// RUN: kiln-opt %s -kiln-assign-precision="precision=fp16 layer-precision=scores:tf32 constraint-mode=prefer" 2>&1 | FileCheck %s --check-prefix=PREFER

// Tests that nn.attention runs in the 16-bit type of the compile, its mask
// included: FP16 for fp16, int8 and even fp32 compiles (it has no FP32
// form), BF16 for bf16 or FP16 when a constraint asks; a constraint to FP32
// or TF32 on one of the layers it covers is an error, or a warning with
// constraint-mode=prefer.
// FP16-LABEL: func.func @attention
// FP16-DAG: %[[Q:.*]] = nn.cast %arg0 : tensor<1x4x2x8xf32> to tensor<1x4x2x8xf16>
// FP16-DAG: %[[M:.*]] = nn.cast %arg1 : tensor<1x1x4x4xf32> to tensor<1x1x4x4xf16>
// FP16: %[[O:.*]] = nn.attention bshd %[[Q]], %[[Q]], %[[Q]] bias %[[M]] scale 3.535530e-01 : tensor<1x4x2x8xf16>, tensor<1x4x2x8xf16>, tensor<1x4x2x8xf16>, tensor<1x1x4x4xf16>
// FP16-NEXT: %[[R:.*]] = nn.cast %[[O]] : tensor<1x4x2x8xf16> to tensor<1x4x2x8xf32>
// FP16-NEXT: return %[[R]]
// BF16-LABEL: func.func @attention
// BF16: nn.attention bshd {{.*}} : tensor<1x4x2x8xbf16>, tensor<1x4x2x8xbf16>, tensor<1x4x2x8xbf16>, tensor<1x1x4x4xbf16>
// OBEY: error: {{.*}}FP32 requested for layer 'scores + softmax + context' (nn.attention), but fused attention runs only in FP16 or BF16
// PREFER: warning: {{.*}}TF32 requested for layer 'scores + softmax + context' (nn.attention), but fused attention runs only in FP16 or BF16
// PREFER: nn.attention bshd {{.*}} : tensor<1x4x2x8xf16>
func.func @attention(%x: tensor<1x4x2x8xf32>, %m: tensor<1x1x4x4xf32>) -> tensor<1x4x2x8xf32> {
  %0 = nn.attention bshd %x, %x, %x bias %m scale 0.353553
       : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x1x4x4xf32>
       loc(fused["scores", "softmax", "context"])
  return %0 : tensor<1x4x2x8xf32>
}
