// A layer norm over the last axis with scale and shift.
func.func @main(%x: tensor<2x6x16xf32> {kiln.name = "x"}) -> (tensor<2x6x16xf32> {kiln.name = "y"}) {
  %g = nn.constant dense<[-0.008965, 0.8586, -0.7282, -0.05188, -0.08813, -0.4926, 0.2491, 0.2938, -0.8208, -0.8208, -0.7082, 0.5799, 0.8365, 0.8214, 0.06844, 0.1719]> : tensor<16xf32>
  %b = nn.constant dense<[-0.02743, 0.2365, -0.3799, 0.2274, -0.3035, 0.1745, -0.04553, 0.405, -0.1315, -0.2916, -0.4043, -0.2402, 0.04351, -0.2917, -0.09545, 0.05796]> : tensor<16xf32>
  %y = nn.layer_norm %x, %g, %b axis 2 : tensor<2x6x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %y : tensor<2x6x16xf32>
}
