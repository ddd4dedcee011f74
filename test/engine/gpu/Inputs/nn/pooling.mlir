// A 3x3 stride-2 max pool with padding, then a 2x2 average pool.
func.func @main(%x: tensor<1x4x12x12xf32> {kiln.name = "x"}) -> (tensor<1x4x3x3xf32> {kiln.name = "y"}) {
  %m = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x4x12x12xf32>) -> tensor<1x4x6x6xf32>
  %y = nn.pool avg %m kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  return %y : tensor<1x4x3x3xf32>
}
