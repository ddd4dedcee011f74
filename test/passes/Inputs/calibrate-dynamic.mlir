// A network with a dynamic batch size, for kiln-calibrate-device.mlir.
func.func @main(%x: tensor<?x1x4x250xf32> {kiln.name = "x"}) -> tensor<?x2x4x250xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<?x1x4x250xf32>, tensor<2x1x1x1xf32>) -> tensor<?x2x4x250xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c2 = nn.conv %c, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<?x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<?x2x4x250xf32> loc("conv2")
  return %c2 : tensor<?x2x4x250xf32>
}
