// kiln-calibrate gives a concat's measured inputs the concat's scale
// (TensorRT's rule), so that kiln-propagate-qdq makes an INT8 concat with
// one quantize per input and no requantize. Scales come from a cache.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\nconv1: 0.25\nconcat: 1.0\ninner: 0.125\nadd: 2.0\nconv2: 0.75\n' > %t/scales.cache
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 cache=%t/scales.cache})' | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 cache=%t/scales.cache},kiln-propagate-qdq)' | FileCheck %s --check-prefix=PROPAGATED

// Tests that conv1, which conv4 reads in INT8 too, takes the concat's scale
// (1.0, not its own 0.25), so the concat's inputs and output share it.
// CHECK-LABEL: func.func @main
// CHECK: %[[C1:.*]] = nn.conv {{.*}} activation <relu>
// CHECK-NEXT: %[[Q1:.*]] = nn.quantize %[[C1]] : tensor<1x1x4x8xf32> to tensor<1x1x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK-NEXT: %[[D1:.*]] = nn.dequantize %[[Q1]]
// CHECK: %[[CAT:.*]] = nn.concat %[[D1]], %{{.*}} axis 1
// CHECK-NEXT: nn.quantize %[[CAT]] : tensor<1x2x4x8xf32> to tensor<1x2x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK-NOT: i8:f32, 2.500000e-01>
// PROPAGATED-LABEL: func.func @main
// PROPAGATED-COUNT-2: nn.quantize {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// PROPAGATED-NEXT: nn.concat {{.*}} : tensor<1x1x4x8x!quant.uniform<i8:f32, 1.000000e+00>>, tensor<1x1x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// PROPAGATED-NOT: i8:f32, 2.500000e-01>
func.func @main(%x: tensor<1x1x4x8xf32> {kiln.name = "x"})
    -> (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) {
  %w1 = nn.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %c1 = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[-2.0]]]]> : tensor<1x1x1x1xf32>
  %c2 = nn.conv %x, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv2")
  %cat = nn.concat %c1, %c2 axis 1 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> loc("concat")
  %w3 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c3 = nn.conv %cat, %w3 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x8xf32> loc("conv3")
  %w4 = nn.constant dense<[[[[3.0]]]]> : tensor<1x1x1x1xf32>
  %c4 = nn.conv %c1, %w4 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv4")
  return %c3, %c4 : tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>
}

// -----

// Tests that a concat of a concat shares the outer concat's scale down the
// chain: the inner concat (0.125 measured) and conv1 below it (0.25,
// through a max pool) take 1.0.
// CHECK-LABEL: func.func @main
// PROPAGATED-LABEL: func.func @main
// CHECK: %[[C1:.*]] = nn.conv
// CHECK-NEXT: nn.quantize %[[C1]] : {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK: %[[IN:.*]] = nn.concat
// CHECK-NEXT: nn.quantize %[[IN]] : {{.*}} to tensor<1x2x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK: %[[OUT:.*]] = nn.concat
// CHECK-NEXT: nn.quantize %[[OUT]] : {{.*}} to tensor<1x3x4x8x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK-NOT: i8:f32, 1.250000e-01>
func.func @main(%x: tensor<1x1x4x8xf32> {kiln.name = "x"})
    -> (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) {
  %w1 = nn.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %c1 = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv1")
  %p = nn.pool max %c1 kernel [1, 1] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> loc("pool")
  %inner = nn.concat %p, %x axis 1 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> loc("inner")
  %outer = nn.concat %inner, %x axis 1 : tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32> loc("concat")
  %w2 = nn.constant dense<1.0> : tensor<1x2x1x1xf32>
  %a = nn.conv %inner, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x8xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conva")
  %w3 = nn.constant dense<1.0> : tensor<1x3x1x1xf32>
  %b = nn.conv %outer, %w3 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x4x8xf32>, tensor<1x3x1x1xf32>) -> tensor<1x1x4x8xf32> loc("convb")
  %w4 = nn.constant dense<1.0> : tensor<1x1x1x1xf32>
  %c = nn.conv %c1, %w4 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("convc")
  return %a, %b, %c : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>
}

// -----

// Tests that the rule must not fire when no INT8 layer reads the concat
// (a sigmoid does): conv1 keeps its own scale.
// CHECK-LABEL: func.func @main
// PROPAGATED-LABEL: func.func @main
// CHECK: %[[C1:.*]] = nn.conv
// CHECK-NEXT: nn.quantize %[[C1]] : {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK: %[[CAT:.*]] = nn.concat
// CHECK-NOT: nn.quantize %[[CAT]]
// CHECK: nn.sigmoid %[[CAT]]
func.func @main(%x: tensor<1x1x4x8xf32> {kiln.name = "x"})
    -> (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) {
  %w1 = nn.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %c1 = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv1")
  %cat = nn.concat %c1, %x axis 1 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> loc("concat")
  %s = nn.sigmoid %cat : tensor<1x2x4x8xf32> loc("sigmoid")
  %w4 = nn.constant dense<[[[[3.0]]]]> : tensor<1x1x1x1xf32>
  %c4 = nn.conv %c1, %w4 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv4")
  return %s, %c4 : tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>
}

// -----

// Tests that the rule must not fire on a residual add (TensorRT gives its
// inputs their own scales; the add requantizes): conv1 keeps 0.25 and
// conv2 0.75 while the add's output is at 2.0.
// CHECK-LABEL: func.func @main
// PROPAGATED-LABEL: func.func @main
// CHECK: %[[C1:.*]] = nn.conv
// CHECK-NEXT: nn.quantize %[[C1]] : {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK: %[[C2:.*]] = nn.conv
// CHECK-NEXT: nn.quantize %[[C2]] : {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 7.500000e-01>>
// CHECK: %[[ADD:.*]] = nn.add
// CHECK-NEXT: nn.quantize %[[ADD]] : {{.*}} to tensor<1x1x4x8x!quant.uniform<i8:f32, 2.000000e+00>>
func.func @main(%x: tensor<1x1x4x8xf32> {kiln.name = "x"}) -> tensor<1x1x4x8xf32> {
  %w1 = nn.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %c1 = nn.conv %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[-2.0]]]]> : tensor<1x1x1x1xf32>
  %c2 = nn.conv %x, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv2")
  %add = nn.add %c1, %c2 : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> loc("add")
  %w3 = nn.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %c3 = nn.conv %add, %w3 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x8xf32> loc("conv3")
  return %c3 : tensor<1x1x4x8xf32>
}
