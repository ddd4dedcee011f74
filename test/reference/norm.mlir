// Reference semantics of normalizations and softmax, against numpy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; r = np.random.default_rng(3); np.save('%t/x.npy', r.standard_normal((2, 6, 3, 2), np.float32)); np.save('%t/s.npy', r.standard_normal(6, np.float32)); np.save('%t/b.npy', r.standard_normal(6, np.float32))"

// Tests LRN with an even size: ONNX's window over channels is
// [c - floor((size-1)/2), c + ceil((size-1)/2)], here [c - 1, c + 2].
// RUN: kiln-interpret %s --function lrn_even --input arg0=%t/x.npy --output-dir %t/lrn
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy').astype(np.float64); s = np.stack([(x[:, max(0, c - 1):c + 3] ** 2).sum(1) for c in range(6)], 1); np.save('%t/lrn.npy', (x / (2.0 + 0.1 / 4 * s) ** 0.75).astype(np.float32))"
// RUN: python3 %S/compare.py %t/lrn/result_0.npy %t/lrn.npy
func.func @lrn_even(%x: tensor<2x6x3x2xf32>) -> tensor<2x6x3x2xf32> {
  %0 = nn.lrn %x size 4 alpha 0.1 beta 0.75 bias 2.0 : tensor<2x6x3x2xf32>
  return %0 : tensor<2x6x3x2xf32>
}

// Tests group normalization channels-first and channels-last, which must
// agree up to the transpose.
// RUN: python3 -c "import numpy as np; np.save('%t/xl.npy', np.load('%t/x.npy').transpose(0, 2, 3, 1).copy())"
// RUN: kiln-interpret %s --function group_norm --input arg0=%t/x.npy --input arg1=%t/xl.npy --input arg2=%t/s.npy --input arg3=%t/b.npy --output-dir %t/gn
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy').astype(np.float64); s = np.load('%t/s.npy'); b = np.load('%t/b.npy'); g = x.reshape(2, 3, -1); y = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(x.shape) * s[:, None, None] + b[:, None, None]; np.save('%t/gn.npy', y.astype(np.float32)); np.save('%t/gnl.npy', y.transpose(0, 2, 3, 1).astype(np.float32))"
// RUN: python3 %S/compare.py %t/gn/result_0.npy %t/gn.npy --rtol 1e-5 --atol 1e-5
// RUN: python3 %S/compare.py %t/gn/result_1.npy %t/gnl.npy --rtol 1e-5 --atol 1e-5
func.func @group_norm(%x: tensor<2x6x3x2xf32>, %xl: tensor<2x3x2x6xf32>, %s: tensor<6xf32>, %b: tensor<6xf32>) -> (tensor<2x6x3x2xf32>, tensor<2x3x2x6xf32>) {
  %0 = nn.group_norm %x, %s, %b groups 3 : tensor<2x6x3x2xf32>, tensor<6xf32>, tensor<6xf32>
  %1 = nn.group_norm %xl, %s, %b groups 3 layout channels_last : tensor<2x3x2x6xf32>, tensor<6xf32>, tensor<6xf32>
  return %0, %1 : tensor<2x6x3x2xf32>, tensor<2x3x2x6xf32>
}

// Tests layer normalization over the last two dimensions without a bias.
// RUN: python3 -c "import numpy as np; np.save('%t/g.npy', np.linspace(0.5, 1.5, 6, dtype=np.float32).reshape(3, 2))"
// RUN: kiln-interpret %s --function layer_norm --input arg0=%t/x.npy --input arg1=%t/g.npy --output-dir %t/ln
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy').astype(np.float64); g = np.load('%t/g.npy'); m = x.mean((2, 3), keepdims=True); v = x.var((2, 3), keepdims=True); np.save('%t/ln.npy', ((x - m) / np.sqrt(v + 1e-3) * g).astype(np.float32))"
// RUN: python3 %S/compare.py %t/ln/result_0.npy %t/ln.npy --rtol 1e-5 --atol 1e-5
func.func @layer_norm(%x: tensor<2x6x3x2xf32>, %g: tensor<3x2xf32>) -> tensor<2x6x3x2xf32> {
  %0 = nn.layer_norm %x, %g axis 2 epsilon 1.0e-3 : tensor<2x6x3x2xf32>, tensor<3x2xf32>
  return %0 : tensor<2x6x3x2xf32>
}

// Tests that softmax and log_softmax stay finite for inputs whose exp
// overflows float32.
// RUN: python3 -c "import numpy as np; np.save('%t/big.npy', np.array([[1000, 999, 990], [-1000, -1003, -1001]], np.float32))"
// RUN: kiln-interpret %s --function softmax --input arg0=%t/big.npy --output-dir %t/softmax
// RUN: python3 -c "import numpy as np; x = np.load('%t/big.npy').astype(np.float64); z = x - x.max(1, keepdims=True); np.save('%t/sm.npy', (np.exp(z) / np.exp(z).sum(1, keepdims=True)).astype(np.float32)); np.save('%t/lsm.npy', (z - np.log(np.exp(z).sum(1, keepdims=True))).astype(np.float32))"
// RUN: python3 %S/compare.py %t/softmax/result_0.npy %t/sm.npy
// RUN: python3 %S/compare.py %t/softmax/result_1.npy %t/lsm.npy
func.func @softmax(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = nn.softmax %x axis 1 : tensor<2x3xf32>
  %1 = nn.log_softmax %x axis 1 : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}
