// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\nstem: 0.25\nwide: 0.125\n' > %t/hand.cache
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache})' | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=0})' | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-min-channels=2})' | FileCheck %s --check-prefix=TWO
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache int8-depthwise=false})' | FileCheck %s --check-prefix=DWOFF
// RUN: kiln-opt %s --split-input-file --mlir-pass-statistics --pass-pipeline='builtin.module(kiln-calibrate{cache=%t/hand.cache})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// A conv on a 3-channel input (an image stem) stays float: its input gets
// no quantize, it is marked with the reason, and the INT8 conv that reads
// its output still quantizes that output.
// CHECK-LABEL: func.func @main
// CHECK-NOT: nn.quantize %arg0
// CHECK: %[[S:.*]] = nn.conv %arg0, %{{.*}} {kiln.int8_kept_float = "3 input channels, fewer than 16 (--int8-min-channels): INT8 tensor cores reduce 16-32 int8 per filter tap, so the channels would be padded and most of the INT8 math wasted"}
// CHECK-SAME: (tensor<1x3x4x4xf32>, tensor<16x3x1x1xf32>) -> tensor<1x16x4x4xf32>
// CHECK-NEXT: %[[Q:.*]] = nn.quantize %[[S]] : tensor<1x16x4x4xf32> to tensor<1x16x4x4x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK-NEXT: %[[D:.*]] = nn.dequantize %[[Q]]
// CHECK: %[[W:.*]] = nn.dequantize %{{.*}} : tensor<16x16x1x1x!quant.uniform
// CHECK-NEXT: nn.conv %[[D]], %[[W]]
// CHECK-NOT: kiln.int8_kept_float
// Off (0): the stem is INT8 like any conv.
// OFF-LABEL: func.func @main
// OFF: nn.quantize %arg0 : tensor<1x3x4x4xf32> to tensor<1x3x4x4x!quant.uniform<i8:f32, 5.000000e-01>>
// OFF-NOT: kiln.int8_kept_float
// A threshold of 2 does not catch 3 channels.
// TWO-LABEL: func.func @main
// TWO: nn.quantize %arg0
// TWO-NOT: kiln.int8_kept_float
// STATS: (S) 1 kept-float-convs - Convs kept in float: too few input channels for INT8
func.func @main(%x: tensor<1x3x4x4xf32> {kiln.name = "x"}) -> tensor<1x16x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<16x3x1x1xf32>
  %s = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x3x4x4xf32>, tensor<16x3x1x1xf32>) -> tensor<1x16x4x4xf32> loc("stem")
  %w2 = nn.constant dense<0.25> : tensor<16x16x1x1xf32>
  %c = nn.conv %s, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32> loc("conv2")
  return %c : tensor<1x16x4x4xf32>
}

// -----

// Must not fire: 16 input channels (the threshold) and a depthwise conv
// (one channel per group: no tensor cores, INT8 halves its traffic) both
// read quantized inputs.
// CHECK-LABEL: func.func @main
// CHECK: %[[Q:.*]] = nn.quantize %arg0 : tensor<1x16x4x4xf32> to tensor<1x16x4x4x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK: nn.conv %{{.*}} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
// CHECK: nn.quantize %{{.*}} : tensor<1x16x4x4xf32> to tensor<1x16x4x4x!quant.uniform<i8:f32, 1.250000e-01>>
// CHECK: nn.conv %{{.*}} groups 16 : (tensor<1x16x4x4xf32>, tensor<16x1x3x3xf32>)
// CHECK-NOT: kiln.int8_kept_float
// With int8-depthwise=false (kiln-compile --depthwise-conv=cudnn) the
// depthwise conv stays float, with the reason; the 16-channel conv does not.
// DWOFF: // -----
// DWOFF: nn.conv %{{.*}} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
// DWOFF-NOT: nn.quantize
// DWOFF: nn.conv %{{.*}} groups 16 {kiln.int8_kept_float = "depthwise, with --depthwise-conv=cudnn: cuDNN's int8 convolutions need 4 input channels per group (Kiln's INT8 depthwise kernel runs under auto or kernel)"}
// STATS: (S) 0 kept-float-convs - Convs kept in float: too few input channels for INT8
func.func @main(%x: tensor<1x16x4x4xf32> {kiln.name = "x"}) -> tensor<1x16x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<16x16x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32> loc("wide")
  %dw = nn.constant dense<0.125> : tensor<16x1x3x3xf32>
  %d = nn.conv %c, %dw strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 16
       : (tensor<1x16x4x4xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x4x4xf32> loc("depthwise")
  return %d : tensor<1x16x4x4xf32>
}

// -----

// A grouped conv counts the channels of one group: 2 per group fires
// (2 is not below a threshold of 2).
// CHECK-LABEL: func.func @main
// CHECK-NOT: nn.quantize %arg0
// CHECK: nn.conv %arg0, %{{.*}} {kiln.int8_kept_float = "2 input channels per group, fewer than 16
// TWO-LABEL: func.func @main
// TWO: nn.quantize %arg0
// TWO-NOT: kiln.int8_kept_float
// STATS: (S) 1 kept-float-convs - Convs kept in float: too few input channels for INT8
func.func @main(%x: tensor<1x4x4x4xf32> {kiln.name = "x"}) -> tensor<1x8x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<8x2x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2
       : (tensor<1x4x4x4xf32>, tensor<8x2x1x1xf32>) -> tensor<1x8x4x4xf32> loc("grouped")
  return %c : tensor<1x8x4x4xf32>
}
