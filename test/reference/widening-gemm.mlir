// Tests that a 16-bit gemm writing f32 keeps its sums unrounded: 1024.5 and
// 2049 (not f16 values, whose spacing is 1 from 1024 and 2 from 2048) come
// out as they are, where the f16 result cast to f32 rounds them to even
// (1024, 2048); both forms take the f16 (or f32) bias exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.float16([[1024, 0.5], [2048, 1]]))"
// RUN: kiln-interpret %s --function widened --input arg0=%t/x.npy --output-dir %t/widened
// RUN: kiln-interpret %s --function rounded --input arg0=%t/x.npy --output-dir %t/rounded
// RUN: python3 -c "import numpy as np; w = np.load('%t/widened/result_0.npy'); r = np.load('%t/rounded/result_0.npy'); assert w.dtype == np.float32 and r.dtype == np.float32; assert (w == np.float32([[1024.5, 1024.75], [2049, 2049.5]])).all(), w; assert (r == np.float32([[1024, 1025], [2048, 2050]])).all(), r"
func.func @widened(%x: tensor<2x2xf16>) -> tensor<2x2xf32> {
  %w = nn.constant dense<[[1.0, 1.0], [1.0, 1.5]]> : tensor<2x2xf16>
  %b = nn.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %y = nn.gemm %x, %w bias %b : (tensor<2x2xf16>, tensor<2x2xf16>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
func.func @rounded(%x: tensor<2x2xf16>) -> tensor<2x2xf32> {
  %w = nn.constant dense<[[1.0, 1.0], [1.0, 1.5]]> : tensor<2x2xf16>
  %b = nn.constant dense<[0.0, 0.0]> : tensor<2xf16>
  %y = nn.gemm %x, %w bias %b : (tensor<2x2xf16>, tensor<2x2xf16>, tensor<2xf16>) -> tensor<2x2xf16>
  %c = nn.cast %y : tensor<2x2xf16> to tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}
