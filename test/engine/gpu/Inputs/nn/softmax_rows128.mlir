// Softmax over rows of 128 (BERT's attention at sequence length 128): a row
// kernel whose threads per row are launch variants.
func.func @main(%x: tensor<2x4x16x128xf32> {kiln.name = "x"}) -> (tensor<2x4x16x128xf32> {kiln.name = "y"}) {
  %y = nn.softmax %x axis 3 : tensor<2x4x16x128xf32>
  return %y : tensor<2x4x16x128xf32>
}
