// log_softmax of rows whose values sit near 30,000: the kernel subtracts the
// max before the log of the sum, so the max's rounding does not reach the
// outputs (x − (max + log Σ) would lose half an ulp of 30,000, about 1e-3,
// on each: twice FP32's tolerance here).
func.func @main(%x: tensor<6x64xf32> {kiln.name = "x"}) -> (tensor<6x64xf32> {kiln.name = "y"}) {
  %c = nn.constant dense<3.0e+04> : tensor<f32>
  %s = nn.add %x, %c : (tensor<6x64xf32>, tensor<f32>) -> tensor<6x64xf32>
  %y = nn.log_softmax %s axis 1 : tensor<6x64xf32>
  return %y : tensor<6x64xf32>
}
