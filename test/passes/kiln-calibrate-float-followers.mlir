// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\ny: 0.5\nz: 0.5\nconv: 0.25\nconv1: 0.25\npool: 0.125\nsum: 0.25\nconcat: 4.0\n' > %t/hand.cache
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=head:fp16})' | FileCheck %s --check-prefix=KEPT
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0})' | FileCheck %s --check-prefix=ALL
// RUN: kiln-opt %s --split-input-file --mlir-pass-statistics --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0 layer-precision=head:fp16})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: kiln-opt %s --split-input-file --mlir-pass-statistics --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS-ALL

// An add or average pool runs in INT8 only with a quantized result, so it
// is quantized only where a layer that runs in INT8 reads its result. Here
// the classifier is kept in FP16: the global pool before it stays float and
// its input (the conv's output) gets no quantize/dequantize pair, which
// would only round it and cost a conversion kernel. The conv still reads
// its input in INT8 (and writes float from its epilogue).
// KEPT-LABEL: func.func @main
// KEPT: %[[Q:.*]] = nn.quantize %arg0
// KEPT: %[[DQ:.*]] = nn.dequantize %[[Q]]
// KEPT: %[[C:.*]] = nn.conv %[[DQ]], %{{.*}} : {{.*}} -> tensor<1x8x2x2xf32>
// KEPT-NEXT: %[[P:.*]] = nn.global_pool avg %[[C]] {kiln.int8_kept_float = "no layer that runs in INT8 reads its result (an add or average pool runs in INT8 only with a quantized result)"}
// KEPT-NEXT: nn.flatten %[[P]]
// KEPT-NOT: nn.quantize
// KEPT: nn.gemm {{.*}}kiln.int8_kept_float
// Must not fire: with the classifier in INT8, the pool's result is
// quantized for it and the pool's input for the pool.
// ALL-LABEL: func.func @main
// ALL: nn.quantize %arg0
// ALL: %[[C:.*]] = nn.conv
// ALL-NEXT: %[[CQ:.*]] = nn.quantize %[[C]] : {{.*}}2.500000e-01
// ALL-NEXT: %[[CDQ:.*]] = nn.dequantize %[[CQ]]
// ALL-NEXT: %[[P:.*]] = nn.global_pool avg %[[CDQ]]
// ALL-NEXT: %[[PQ:.*]] = nn.quantize %[[P]] : {{.*}}1.250000e-01
// ALL-NEXT: %[[PDQ:.*]] = nn.dequantize %[[PQ]]
// ALL-NEXT: nn.flatten %[[PDQ]]
// STATS: (S) 1 calibrated-tensors - Activations given a scale
// STATS: (S) 1 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
// STATS: (S) 4 calibrated-tensors
// STATS: (S) 0 float-followers
// STATS: (S) 0 calibrated-tensors
// STATS: (S) 1 float-followers
// STATS: (S) 0 quantized-weights
// STATS-ALL: (S) 3 calibrated-tensors - Activations given a scale
// STATS-ALL: (S) 0 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
func.func @main(%x: tensor<1x8x2x2xf32> {kiln.name = "x"}) -> tensor<1x10xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x8x2x2xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32> loc("conv")
  %p = nn.global_pool avg %c : (tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32> loc("pool")
  %f = nn.flatten %p axis 1 : tensor<1x8x1x1xf32> loc("flatten")
  %fc = nn.constant dense<0.25> : tensor<8x10xf32>
  %g = nn.gemm %f, %fc : (tensor<1x8xf32>, tensor<8x10xf32>) -> tensor<1x10xf32> loc("head")
  return %g : tensor<1x10xf32>
}

// -----

// A chain of followers: the add feeds an average pool that feeds a conv in
// INT8, so both run in INT8 (found to a fixed point) and every tensor is
// quantized, whatever the constraint on another layer.
// KEPT-LABEL: func.func @main
// KEPT-DAG: nn.quantize %arg0
// KEPT-DAG: nn.quantize %arg1
// KEPT: %[[A:.*]] = nn.add
// KEPT-NEXT: %[[AQ:.*]] = nn.quantize %[[A]]
// KEPT-NEXT: %[[ADQ:.*]] = nn.dequantize %[[AQ]]
// KEPT-NEXT: %[[P:.*]] = nn.pool avg %[[ADQ]]
// KEPT-NEXT: %[[PQ:.*]] = nn.quantize %[[P]]
// KEPT-NEXT: %[[PDQ:.*]] = nn.dequantize %[[PQ]]
// KEPT: nn.conv %[[PDQ]]
// ALL-LABEL: func.func @main
// ALL: nn.add
// ALL-NEXT: nn.quantize
// ALL: nn.pool avg
// ALL-NEXT: nn.quantize
func.func @main(%x: tensor<1x8x2x2xf32> {kiln.name = "x"},
                %y: tensor<1x8x2x2xf32> {kiln.name = "y"}) -> tensor<1x8x1x1xf32> {
  %s = nn.add %x, %y : (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32> loc("sum")
  %p = nn.pool avg %s kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32> loc("pool")
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = nn.conv %p, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x1x1xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x1x1xf32> loc("conv2")
  return %c : tensor<1x8x1x1xf32>
}

// -----

// An add whose result only the network's output reads stays float, and so
// do its inputs and its constant operand: no layer runs in INT8 here.
// ALL-LABEL: func.func @main
// ALL-NOT: nn.quantize
// ALL-NOT: nn.dequantize
// ALL: nn.add %arg0, %{{.*}} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
func.func @main(%x: tensor<1x8xf32> {kiln.name = "x"}) -> tensor<1x8xf32> {
  %k = nn.constant dense<2.0> : tensor<1x8xf32>
  %s = nn.add %x, %k : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("sum")
  return %s : tensor<1x8xf32>
}

// -----

// An add read in INT8 through a concat (as a YOLO C3 block's last add): the
// concat's quantize moves back onto its inputs (kiln-propagate-qdq), so the
// add runs in INT8 and its inputs are quantized.
// ALL-LABEL: func.func @add_concat
// ALL-DAG: nn.quantize %arg0
// ALL-DAG: nn.quantize %arg1
// ALL: %[[A:.*]] = nn.add %{{.*}}, %{{.*}} : (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>)
// ALL-NEXT: nn.concat %[[A]]
func.func @add_concat(%x: tensor<1x8x2x2xf32> {kiln.name = "x"},
                %y: tensor<1x8x2x2xf32> {kiln.name = "y"}) -> tensor<1x8x2x2xf32> {
  %s = nn.add %x, %y : (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32> loc("sum")
  %cat = nn.concat %s, %x axis 1 : tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32> loc("concat")
  %w = nn.constant dense<0.5> : tensor<8x16x1x1xf32>
  %c = nn.conv %cat, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x16x2x2xf32>, tensor<8x16x1x1xf32>) -> tensor<1x8x2x2xf32> loc("conv")
  return %c : tensor<1x8x2x2xf32>
}

// -----

!q = !quant.uniform<i8:f32, 1.0>

// An add whose result a quantize of the model's own reads (a partly Q/DQ
// model) runs in INT8: its inputs are quantized.
// ALL-LABEL: func.func @explicit_quantize
// ALL-DAG: nn.quantize %arg0
// ALL-DAG: nn.quantize %arg1
// ALL: %[[A:.*]] = nn.add
// ALL-NEXT: nn.quantize %[[A]] : tensor<1x8x2x2xf32> to tensor<1x8x2x2x!quant.uniform<i8:f32, 1.000000e+00>>
func.func @explicit_quantize(%x: tensor<1x8x2x2xf32> {kiln.name = "x"},
                %y: tensor<1x8x2x2xf32> {kiln.name = "y"}) -> tensor<1x8x2x2xf32> {
  %s = nn.add %x, %y : (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32> loc("sum")
  %q = nn.quantize %s : tensor<1x8x2x2xf32> to tensor<1x8x2x2x!q>
  %d = nn.dequantize %q : tensor<1x8x2x2x!q>
  return %d : tensor<1x8x2x2xf32>
}

// -----

// A concat passes its scale to its measured inputs only where it is itself
// quantized: with the classifier kept in FP16, the pool and the concat
// before it stay float, and conv1's output keeps its own scale (0.25, not
// the concat's 4.0) for conv3, which reads it in INT8.
// KEPT-LABEL: func.func @concat_share
// KEPT: %[[C1:.*]] = nn.conv
// KEPT-NEXT: nn.quantize %[[C1]] : {{.*}}2.500000e-01
// KEPT-NOT: 4.000000e+00
// KEPT: nn.concat
// KEPT-NOT: nn.quantize
// KEPT: nn.global_pool
// Must not fire: with the classifier in INT8 the concat is quantized and
// conv1's output takes its scale.
// ALL-LABEL: func.func @concat_share
// ALL: %[[C1:.*]] = nn.conv
// ALL-NEXT: nn.quantize %[[C1]] : {{.*}}4.000000e+00
func.func @concat_share(%x: tensor<1x8x2x2xf32> {kiln.name = "x"}) -> (tensor<1x10xf32>, tensor<1x8x2x2xf32>) {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c1 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x2x2xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32> loc("conv1")
  %c2 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x2x2xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32> loc("conv2")
  %cat = nn.concat %c1, %c2 axis 1 : tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32> loc("concat")
  %p = nn.global_pool avg %cat : (tensor<1x16x2x2xf32>) -> tensor<1x16x1x1xf32> loc("pool")
  %f = nn.flatten %p axis 1 : tensor<1x16x1x1xf32> loc("flatten")
  %fc = nn.constant dense<0.25> : tensor<16x10xf32>
  %g = nn.gemm %f, %fc : (tensor<1x16xf32>, tensor<16x10xf32>) -> tensor<1x10xf32> loc("head")
  %c3 = nn.conv %c1, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x8x2x2xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32> loc("conv3")
  return %g, %c3 : tensor<1x10xf32>, tensor<1x8x2x2xf32>
}

// -----

// A matmul of two activations has no INT8 form (kiln-fuse-qdq quantizes
// constant weights only): it stays float, and so do the add and the pool
// before it; nothing is quantized.
// ALL-LABEL: func.func @matmul_activations
// ALL-NOT: nn.quantize
// ALL: nn.add {{.*}}kiln.int8_kept_float = "no layer that runs in INT8 reads its result
// ALL: nn.global_pool {{.*}}kiln.int8_kept_float = "no layer that runs in INT8 reads its result
// ALL: nn.matmul %arg2, %{{.*}} {kiln.int8_kept_float = "its weight is not a constant: no INT8 form"} : (tensor<4x1xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
func.func @matmul_activations(%x: tensor<1x8x4x4xf32> {kiln.name = "x"}, %y: tensor<1x8x4x4xf32> {kiln.name = "y"},
                %z: tensor<4x1xf32> {kiln.name = "z"}) -> tensor<4x8xf32> {
  %s = nn.add %x, %y : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> loc("sum")
  %p = nn.global_pool avg %s : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32> loc("pool")
  %f = nn.reshape %p : tensor<1x8x1x1xf32> to tensor<1x8xf32> loc("flat")
  %m = nn.matmul %z, %f : (tensor<4x1xf32>, tensor<1x8xf32>) -> tensor<4x8xf32> loc("mm")
  return %m : tensor<4x8xf32>
}
