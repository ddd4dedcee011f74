// A softmax over the last axis of rows longer than a warp.
func.func @main(%x: tensor<6x40xf32> {kiln.name = "x"}) -> (tensor<6x40xf32> {kiln.name = "y"}) {
  %y = nn.softmax %x axis 1 : tensor<6x40xf32>
  return %y : tensor<6x40xf32>
}
