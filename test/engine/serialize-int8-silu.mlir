// Tests that a fused INT8 convolution with SiLU (format 1.5) reaches the
// engine file with its post_scale after the activation, and that kiln-run's
// loader accepts it and shows it; a relu step has post_scale 1 (the
// default: no multiply in its cuDNN graph).
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUN: kiln-run %t.kiln --inspect-json | FileCheck %s --check-prefix=JSON
// CHECK:      "kind_type": "ConvStep",
// CHECK:        "activation": "Silu",
// CHECK:        "scale": {
// CHECK:        "z_scale": 0.25,
// CHECK-NEXT:   "post_scale": 16.0
// CHECK:      "name": "conv1 + silu1",
// CHECK:      "kind_type": "ConvStep",
// CHECK:        "activation": "Relu",
// CHECK:        "z_scale": 1.0,
// CHECK-NEXT:   "post_scale": 1.0
// CHECK:      "name": "conv2",
// RUNTIME: format 1.5
// RUNTIME: 0 conv conv1 + silu1 int8 [1x8x8x8] * [8x8x3x3] -> [1x8x8x8] i8 *scale +bias +z*0.25 Silu *16
// RUNTIME: 1 conv conv2 {{ *}}int8 [1x8x8x8] * [8x8x3x3] -> [1x8x8x8] i8 *scale +bias Relu{{$}}
// JSON: "z_scale": 0.25,
// JSON-NEXT: "post_scale": 16
// JSON: "z_scale": 1,
// JSON-NEXT: "post_scale": 1

func.func @main(%x: memref<1x8x8x8xi8> {engine.input = "x", engine.layout = "NHWC"},
                %z: memref<1x8x8x8xi8> {engine.input = "z", engine.layout = "NHWC"},
                %y: memref<1x8x8x8xi8> {engine.output = "y", engine.layout = "NHWC"},
                %y2: memref<1x8x8x8xi8> {engine.output = "y2", engine.layout = "NHWC"}) {
  %w = engine.weight dense<1> : tensor<8x3x3x8xi8> {name = "conv1.weight"} : memref<8x3x3x8xi8>
  %s = engine.weight dense<0.015625> : tensor<8xf32> {name = "conv1.int8_scale"} : memref<8xf32>
  %b = engine.weight dense<0.5> : tensor<8xf32> {name = "conv1.int8_bias"} : memref<8xf32>
  engine.conv %x : memref<1x8x8x8xi8>, %w : memref<8x3x3x8xi8>
      bias %b : memref<8xf32> residual %z : memref<1x8x8x8xi8> scale %s : memref<8xf32>
      -> %y : memref<1x8x8x8xi8> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <silu>
      {layers = ["conv1", "silu1"], precision = "int8", residual_scale = 0.25 : f32,
       post_scale = 16.0 : f32}
  engine.conv %x : memref<1x8x8x8xi8>, %w : memref<8x3x3x8xi8>
      bias %b : memref<8xf32> scale %s : memref<8xf32>
      -> %y2 : memref<1x8x8x8xi8> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv2"], precision = "int8"}
  return
}
