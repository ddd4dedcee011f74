// Tests that a fused INT8 convolution (per-channel scale, bias, int8 residual
// with its scale, relu, int8 output) serializes (GPU test: see README.md).
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUNTIME: 0 conv conv1 + add1 + relu1 int8 [1x8x8x8] * [8x8x3x3] -> [1x8x8x8] i8 *scale +bias +z*0.5 Relu
// CHECK: "kind_type": "ConvStep",
// CHECK: "compute_type": "I32",
// CHECK: "activation": "Relu",
// CHECK: "scale": {
// CHECK: "z_scale": 0.5

func.func @main(%x: memref<1x8x8x8xi8> {engine.input = "x", engine.layout = "NHWC"},
                %z: memref<1x8x8x8xi8> {engine.input = "z", engine.layout = "NHWC"},
                %y: memref<1x8x8x8xi8> {engine.output = "y", engine.layout = "NHWC"}) {
  %w = engine.weight dense<1> : tensor<8x3x3x8xi8> {name = "conv1.weight"} : memref<8x3x3x8xi8>
  %s = engine.weight dense<[0.0625, 0.125, 1.0, 0.25, 0.03125, 0.5, 0.09375, 0.015625]> : tensor<8xf32> {name = "conv1.int8_scale"} : memref<8xf32>
  %b = engine.weight dense<[0.0, -10.0, 100.0, -0.25, 0.0, 0.5, 0.0, 0.0]> : tensor<8xf32> {name = "conv1.int8_bias"} : memref<8xf32>
  engine.conv %x : memref<1x8x8x8xi8>, %w : memref<8x3x3x8xi8>
      bias %b : memref<8xf32> residual %z : memref<1x8x8x8xi8> scale %s : memref<8xf32>
      -> %y : memref<1x8x8x8xi8> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "add1", "relu1"], precision = "int8", residual_scale = 0.5 : f32}
  return
}
