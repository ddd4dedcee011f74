// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\nconv: 0.25\n' > %t/hand.cache
// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=head:fp16})' | FileCheck %s --check-prefix=HEAD
// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=nn.conv:fp32})' | FileCheck %s --check-prefix=OP
// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=other:fp16,head:int8})' | FileCheck %s --check-prefix=NONE
// RUN: kiln-opt %s --mlir-pass-statistics --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=head:bf16})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// A quantizable layer that layer-precision keeps in a float precision (the
// classifier here, by its layer name) is not made INT8: its input and
// weights get no quantize, and it says why; the conv before it stays INT8.
// HEAD: nn.quantize %arg0
// HEAD: nn.conv
// HEAD-NOT: kiln.int8_kept_float
// HEAD: %[[G:.*]] = nn.gemm %{{.*}}, %{{.*}} {kiln.int8_kept_float = "kept FP16 by --layer-precision head:fp16"} : (tensor<1x8xf32>, tensor<8x10xf32>) -> tensor<1x10xf32>
// HEAD-NEXT: return %[[G]]
// By op name: every conv stays float; the gemm reads the conv's output
// quantized.
// OP: nn.conv %arg0, %{{.*}} {kiln.int8_kept_float = "kept FP32 by --layer-precision nn.conv:fp32"}
// OP-NEXT: nn.quantize
// OP: nn.gemm
// OP-NOT: kiln.int8_kept_float
// Must not fire: a constraint on another layer, or one asking for int8.
// NONE-NOT: kiln.int8_kept_float
// STATS: (S) 1 kept-float-by-constraint - Quantizable layers a layer-precision entry keeps in float
func.func @main(%x: tensor<1x8x1x1xf32> {kiln.name = "x"}) -> tensor<1x10xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x1x1xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x1x1xf32> loc("conv")
  %f = nn.flatten %c axis 1 : tensor<1x8x1x1xf32> loc("flatten")
  %fc = nn.constant dense<0.25> : tensor<8x10xf32>
  %g = nn.gemm %f, %fc : (tensor<1x8xf32>, tensor<8x10xf32>) -> tensor<1x10xf32> loc("head")
  return %g : tensor<1x10xf32>
}
