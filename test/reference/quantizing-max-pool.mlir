// Tests that a max pool that quantizes its float input equals the max pool
// of the quantized input (what kiln-convert-nn-to-engine folds it from),
// NaN (quantized to the zero point, as 0 is), -inf and +inf included.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; r = np.random.default_rng(5); x = r.standard_normal((1, 2, 6, 6)).astype(np.float32) * 4; x[0, 0, :2, :2] = np.nan; x[0, 0, 2:4, :2] = [[np.nan, -1], [-2, -3]]; x[0, 1, :2, :2] = -np.inf; x[0, 1, 4, 4] = np.inf; np.save('%t/x.npy', x)"
// RUN: kiln-interpret %s --function unfused --input arg0=%t/x.npy --output-dir %t/unfused
// RUN: kiln-interpret %s --function quantizing --input arg0=%t/x.npy --output-dir %t/quantizing
// RUN: python3 %S/compare.py %t/quantizing/result_0.npy %t/unfused/result_0.npy --exact
!q = !quant.uniform<i8:f32, 0.05:3>
func.func @unfused(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %q = nn.quantize %x : tensor<1x2x6x6xf32> to tensor<1x2x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x6x6x!q>) -> tensor<1x2x3x3x!q>
  %d = nn.dequantize %p : tensor<1x2x3x3x!q>
  return %d : tensor<1x2x3x3xf32>
}
func.func @quantizing(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %p = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3x!q>
  %d = nn.dequantize %p : tensor<1x2x3x3x!q>
  return %d : tensor<1x2x3x3xf32>
}
