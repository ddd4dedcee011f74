// Two fused INT8 convolutions for the CUTLASS kernels (nvrtc-cutlass.test):
// 3x3 stride 2 on odd sizes with an int8 residual and relu, then a
// pointwise one without either; both kernels share one translation unit.
func.func @main(%x: memref<2x9x7x32xi8> {engine.input = "x", engine.layout = "NHWC"},
                %z: memref<2x5x4x48xi8> {engine.input = "z", engine.layout = "NHWC"},
                %y: memref<2x5x4x48xi8> {engine.output = "y", engine.layout = "NHWC"},
                %y2: memref<2x5x4x64xi8> {engine.output = "y2", engine.layout = "NHWC"}) {
  %w = engine.weight dense<1> : tensor<48x3x3x32xi8> {name = "conv1.weight"} : memref<48x3x3x32xi8>
  %s = engine.weight dense<0.0625> : tensor<48xf32> {name = "conv1.int8_scale"} : memref<48xf32>
  %b = engine.weight dense<0.5> : tensor<48xf32> {name = "conv1.int8_bias"} : memref<48xf32>
  engine.conv %x : memref<2x9x7x32xi8>, %w : memref<48x3x3x32xi8>
      bias %b : memref<48xf32> residual %z : memref<2x5x4x48xi8> scale %s : memref<48xf32>
      -> %y : memref<2x5x4x48xi8> strides [2, 2] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "add1", "relu1"], precision = "int8", residual_scale = 0.5 : f32}
  %w2 = engine.weight dense<1> : tensor<64x1x1x48xi8> {name = "conv2.weight"} : memref<64x1x1x48xi8>
  %s2 = engine.weight dense<0.0625> : tensor<64xf32> {name = "conv2.int8_scale"} : memref<64xf32>
  %b2 = engine.weight dense<0.5> : tensor<64xf32> {name = "conv2.int8_bias"} : memref<64xf32>
  engine.conv %y : memref<2x5x4x48xi8>, %w2 : memref<64x1x1x48xi8>
      bias %b2 : memref<64xf32> scale %s2 : memref<64xf32>
      -> %y2 : memref<2x5x4x64xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {layers = ["conv2"], precision = "int8"}
  return
}
