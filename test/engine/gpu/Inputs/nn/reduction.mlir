// Reductions: a spatial mean then a max over channels.
func.func @main(%x: tensor<2x8x6x6xf32> {kiln.name = "x"}) -> (tensor<2x1x1x1xf32> {kiln.name = "y"}) {
  %m = nn.reduce mean %x axes [2, 3] keep_dims : tensor<2x8x6x6xf32>
  %y = nn.reduce max %m axes [1] keep_dims : tensor<2x8x1x1xf32>
  return %y : tensor<2x1x1x1xf32>
}
