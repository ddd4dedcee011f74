// A chain of elementwise layers with broadcast constants (one generated kernel).
func.func @main(%x: tensor<2x3x8x8xf32> {kiln.name = "x"}) -> (tensor<2x3x8x8xf32> {kiln.name = "y"}) {
  %s = nn.constant dense<[[[0.1294]], [[0.4599]], [[0.368]]]> : tensor<3x1x1xf32>
  %o = nn.constant dense<[[[-0.3749]], [[0.3905]], [[0.448]]]> : tensor<3x1x1xf32>
  %a = nn.mul %x, %s : (tensor<2x3x8x8xf32>, tensor<3x1x1xf32>) -> tensor<2x3x8x8xf32>
  %b = nn.add %a, %o : (tensor<2x3x8x8xf32>, tensor<3x1x1xf32>) -> tensor<2x3x8x8xf32>
  %g = nn.sigmoid %b : tensor<2x3x8x8xf32>
  %w = nn.mul %b, %g : (tensor<2x3x8x8xf32>, tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32>
  %t = nn.tanh %w : tensor<2x3x8x8xf32>
  %y = nn.clip %t min -0.5 max 0.75 : tensor<2x3x8x8xf32>
  return %y : tensor<2x3x8x8xf32>
}
