// Reference semantics of nn.attention, against numpy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; r = np.random.default_rng(7); [np.save('%t/' + n + '.npy', r.standard_normal(s, np.float32)) for n, s in [('q', (2, 3, 5, 4)), ('k', (2, 3, 6, 4)), ('v', (2, 3, 6, 2))]]; m = np.where(r.random((2, 1, 5, 6)) < 0.3, -np.inf, 0).astype(np.float32); m[1, 0, 2, :] = -np.inf; np.save('%t/m.npy', m)"
// RUN: python3 -c "import numpy as np; [np.save('%t/' + n + 's.npy', np.load('%t/' + n + '.npy').transpose(0, 2, 1, 3).copy()) for n in 'qkv']"

// Tests bhsd attention with a 0/-inf mask broadcast over the heads, a row of
// batch 1 fully masked (its output is 0), and the same attention in bshd,
// which must agree up to the transpose.
// RUN: kiln-interpret %s --function masked --input arg0=%t/q.npy --input arg1=%t/k.npy --input arg2=%t/v.npy --input arg3=%t/m.npy --input arg4=%t/qs.npy --input arg5=%t/ks.npy --input arg6=%t/vs.npy --output-dir %t/masked
// RUN: python3 -c "import numpy as np; q, k, v, m = [np.load('%t/' + n + '.npy').astype(np.float64) for n in ['q', 'k', 'v', 'm']]; s = 0.5 * q @ k.transpose(0, 1, 3, 2) + m; mx = s.max(-1, keepdims=True); e = np.exp(s - np.where(np.isinf(mx), 0, mx)); p = np.nan_to_num(e / e.sum(-1, keepdims=True)); o = p @ v; assert np.all(o[1, :, 2] == 0); np.save('%t/o.npy', o.astype(np.float32)); np.save('%t/os.npy', o.transpose(0, 2, 1, 3).astype(np.float32))"
// RUN: python3 %S/compare.py %t/masked/result_0.npy %t/o.npy --rtol 1e-5 --atol 1e-6
// RUN: python3 %S/compare.py %t/masked/result_1.npy %t/os.npy --rtol 1e-5 --atol 1e-6
// RUN: python3 -c "import numpy as np; o = np.load('%t/masked/result_0.npy'); assert np.all(o[1, :, 2] == 0) and np.isfinite(o).all()"
func.func @masked(%q: tensor<2x3x5x4xf32>, %k: tensor<2x3x6x4xf32>, %v: tensor<2x3x6x2xf32>,
                  %m: tensor<2x1x5x6xf32>, %qs: tensor<2x5x3x4xf32>, %ks: tensor<2x6x3x4xf32>,
                  %vs: tensor<2x6x3x2xf32>) -> (tensor<2x3x5x2xf32>, tensor<2x5x3x2xf32>) {
  %0 = nn.attention bhsd %q, %k, %v bias %m scale 0.5
       : tensor<2x3x5x4xf32>, tensor<2x3x6x4xf32>, tensor<2x3x6x2xf32>, tensor<2x1x5x6xf32>
  %1 = nn.attention bshd %qs, %ks, %vs bias %m scale 0.5
       : tensor<2x5x3x4xf32>, tensor<2x6x3x4xf32>, tensor<2x6x3x2xf32>, tensor<2x1x5x6xf32>
  return %0, %1 : tensor<2x3x5x2xf32>, tensor<2x5x3x2xf32>
}

// Tests attention without a bias, whose scores stay finite for logits whose
// exp overflows float32.
// RUN: python3 -c "import numpy as np; np.save('%t/big.npy', (100 * np.load('%t/q.npy')).astype(np.float32))"
// RUN: kiln-interpret %s --function unmasked --input arg0=%t/big.npy --input arg1=%t/k.npy --input arg2=%t/v.npy --output-dir %t/unmasked
// RUN: python3 -c "import numpy as np; q, k, v = [np.load('%t/' + n + '.npy').astype(np.float64) for n in ['big', 'k', 'v']]; s = 2.0 * q @ k.transpose(0, 1, 3, 2); e = np.exp(s - s.max(-1, keepdims=True)); np.save('%t/u.npy', (e / e.sum(-1, keepdims=True) @ v).astype(np.float32))"
// RUN: python3 %S/compare.py %t/unmasked/result_0.npy %t/u.npy --rtol 1e-5 --atol 1e-6
func.func @unmasked(%q: tensor<2x3x5x4xf32>, %k: tensor<2x3x6x4xf32>, %v: tensor<2x3x6x2xf32>) -> tensor<2x3x5x2xf32> {
  %0 = nn.attention bhsd %q, %k, %v scale 2.0
       : tensor<2x3x5x4xf32>, tensor<2x3x6x4xf32>, tensor<2x3x6x2xf32>
  return %0 : tensor<2x3x5x2xf32>
}
