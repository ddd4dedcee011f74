// Tests that a cuDNN convolution with bias, residual and relu in NHWC serializes
// (GPU test: see README.md).
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUNTIME: 0 conv conv1 + add1 + relu1 fp16 [1x8x8x8] * [8x8x3x3] -> [1x8x8x8] f16 +bias +z Relu
// CHECK: "kind_type": "ConvStep",
// CHECK: "strides": [ 512, 1, 64, 8 ],
// CHECK: "activation": "Relu",
// CHECK: "name": "conv1 + add1 + relu1",

func.func @main(%x: memref<1x8x8x8xf16> {engine.input = "x", engine.layout = "NHWC"},
                %y: memref<1x8x8x8xf16> {engine.output = "y", engine.layout = "NHWC"}) {
  %w = engine.weight dense<0.125> : tensor<8x3x3x8xf16> {name = "conv1.weight"} : memref<8x3x3x8xf16>
  %b = engine.weight dense<[-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]> : tensor<8xf16> {name = "conv1.bias"} : memref<8xf16>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<8x3x3x8xf16>
      bias %b : memref<8xf16> residual %x : memref<1x8x8x8xf16>
      -> %y : memref<1x8x8x8xf16> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "add1", "relu1"], precision = "fp16"}
  return
}
