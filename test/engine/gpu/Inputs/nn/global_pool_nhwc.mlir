// A squeeze-and-excite global average pool of NHWC: a row kernel in column
// layout whose threads per row are launch variants.
func.func @main(%x: tensor<4x14x14x64xf32> {kiln.name = "x"}) -> (tensor<4x1x1x64xf32> {kiln.name = "y"}) {
  %y = nn.global_pool avg %x layout channels_last : (tensor<4x14x14x64xf32>) -> tensor<4x1x1x64xf32>
  return %y : tensor<4x1x1x64xf32>
}
