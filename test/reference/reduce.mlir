// Reference semantics of reductions, arg max/min, top-k and cumsum, against
// numpy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.array([[3, 1, 3, 2], [0, 5, 5, 0], [-1, -1, -2, -2]], np.float32))"

// Tests that ties go to the first index, or the last with select_last_index.
// RUN: kiln-interpret %s --function args --input arg0=%t/x.npy --output-dir %t/args
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); np.save('%t/a0.npy', np.argmax(x, 1)); np.save('%t/a1.npy', (3 - np.argmax(x[:, ::-1], 1)).reshape(3, 1)); np.save('%t/a2.npy', np.argmin(x, 0)); np.save('%t/a3.npy', 2 - np.argmin(x[::-1], 0))"
// RUN: python3 %S/compare.py %t/args/result_0.npy %t/a0.npy
// RUN: python3 %S/compare.py %t/args/result_1.npy %t/a1.npy
// RUN: python3 %S/compare.py %t/args/result_2.npy %t/a2.npy
// RUN: python3 %S/compare.py %t/args/result_3.npy %t/a3.npy
func.func @args(%x: tensor<3x4xf32>) -> (tensor<3xi64>, tensor<3x1xi64>, tensor<4xi64>, tensor<4xi64>) {
  %0 = nn.arg_max %x axis 1 : tensor<3x4xf32>
  %1 = nn.arg_max %x axis 1 keep_dims select_last_index : tensor<3x4xf32>
  %2 = nn.arg_min %x axis 0 : tensor<3x4xf32>
  %3 = nn.arg_min %x axis 0 select_last_index : tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<3x1xi64>, tensor<4xi64>, tensor<4xi64>
}

// Tests that top_k puts equal values in index order, largest and smallest.
// RUN: kiln-interpret %s --function top_k --input arg0=%t/x.npy --output-dir %t/topk
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); i = np.argsort(-x, 1, kind='stable')[:, :3]; np.save('%t/v0.npy', np.take_along_axis(x, i, 1)); np.save('%t/i0.npy', i); j = np.argsort(x, 1, kind='stable')[:, :2]; np.save('%t/v1.npy', np.take_along_axis(x, j, 1)); np.save('%t/i1.npy', j)"
// RUN: python3 %S/compare.py %t/topk/result_0.npy %t/v0.npy
// RUN: python3 %S/compare.py %t/topk/result_1.npy %t/i0.npy
// RUN: python3 %S/compare.py %t/topk/result_2.npy %t/v1.npy
// RUN: python3 %S/compare.py %t/topk/result_3.npy %t/i1.npy
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x3xf32>, tensor<3x3xi64>, tensor<3x2xf32>, tensor<3x2xi64>) {
  %v0, %i0 = nn.top_k %x k 3 axis 1 : tensor<3x4xf32>
  %v1, %i1 = nn.top_k %x k 2 axis 1 smallest : tensor<3x4xf32>
  return %v0, %i0, %v1, %i1 : tensor<3x3xf32>, tensor<3x3xi64>, tensor<3x2xf32>, tensor<3x2xi64>
}

// Tests cumsum inclusive, exclusive, reversed and both.
// RUN: kiln-interpret %s --function cumsum --input arg0=%t/x.npy --output-dir %t/cumsum
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); c = np.cumsum(x, 1); r = np.cumsum(x[:, ::-1], 1)[:, ::-1]; np.save('%t/c0.npy', c); np.save('%t/c1.npy', c - x); np.save('%t/c2.npy', r); np.save('%t/c3.npy', r - x)"
// RUN: python3 %S/compare.py %t/cumsum/result_0.npy %t/c0.npy
// RUN: python3 %S/compare.py %t/cumsum/result_1.npy %t/c1.npy
// RUN: python3 %S/compare.py %t/cumsum/result_2.npy %t/c2.npy
// RUN: python3 %S/compare.py %t/cumsum/result_3.npy %t/c3.npy
func.func @cumsum(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %0 = nn.cumsum %x axis 1 : tensor<3x4xf32>
  %1 = nn.cumsum %x axis 1 exclusive : tensor<3x4xf32>
  %2 = nn.cumsum %x axis 1 reverse : tensor<3x4xf32>
  %3 = nn.cumsum %x axis 1 exclusive reverse : tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}

// Tests every reduction kind over two axes, keeping and dropping them.
// RUN: python3 -c "import numpy as np; np.save('%t/p.npy', np.linspace(0.5, 3, 24, dtype=np.float32).reshape(2, 3, 4))"
// RUN: kiln-interpret %s --function kinds --input arg0=%t/p.npy --output-dir %t/kinds
// RUN: python3 -c "import numpy as np; x = np.load('%t/p.npy').astype(np.float64); a = (0, 2); f = lambda name, v: np.save('%t/' + name + '.npy', np.asarray(v, np.float32)); f('k0', x.sum(a)); f('k1', x.mean(a, keepdims=True)); f('k2', x.max(a)); f('k3', x.min(a)); f('k4', x.prod(a)); f('k5', np.abs(x).sum(a)); f('k6', np.sqrt((x * x).sum(a))); f('k7', (x * x).sum(a)); f('k8', np.log(x.sum(a))); f('k9', np.log(np.exp(x).sum(a)))"
// RUN: python3 %S/compare.py %t/kinds/result_0.npy %t/k0.npy
// RUN: python3 %S/compare.py %t/kinds/result_1.npy %t/k1.npy
// RUN: python3 %S/compare.py %t/kinds/result_2.npy %t/k2.npy
// RUN: python3 %S/compare.py %t/kinds/result_3.npy %t/k3.npy
// RUN: python3 %S/compare.py %t/kinds/result_4.npy %t/k4.npy
// RUN: python3 %S/compare.py %t/kinds/result_5.npy %t/k5.npy
// RUN: python3 %S/compare.py %t/kinds/result_6.npy %t/k6.npy
// RUN: python3 %S/compare.py %t/kinds/result_7.npy %t/k7.npy
// RUN: python3 %S/compare.py %t/kinds/result_8.npy %t/k8.npy
// RUN: python3 %S/compare.py %t/kinds/result_9.npy %t/k9.npy
func.func @kinds(%x: tensor<2x3x4xf32>) -> (tensor<3xf32>, tensor<1x3x1xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0 = nn.reduce sum %x axes [0, 2] : tensor<2x3x4xf32>
  %1 = nn.reduce mean %x axes [0, 2] keep_dims : tensor<2x3x4xf32>
  %2 = nn.reduce max %x axes [0, 2] : tensor<2x3x4xf32>
  %3 = nn.reduce min %x axes [0, 2] : tensor<2x3x4xf32>
  %4 = nn.reduce prod %x axes [0, 2] : tensor<2x3x4xf32>
  %5 = nn.reduce l1 %x axes [0, 2] : tensor<2x3x4xf32>
  %6 = nn.reduce l2 %x axes [0, 2] : tensor<2x3x4xf32>
  %7 = nn.reduce sum_square %x axes [0, 2] : tensor<2x3x4xf32>
  %8 = nn.reduce log_sum %x axes [0, 2] : tensor<2x3x4xf32>
  %9 = nn.reduce log_sum_exp %x axes [0, 2] : tensor<2x3x4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<3xf32>, tensor<1x3x1xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// Tests that log_sum_exp does not overflow where exp(x) would.
// RUN: python3 -c "import numpy as np; np.save('%t/big.npy', np.array([[1000, 999, 998], [-1000, -1001, -999]], np.float32))"
// RUN: kiln-interpret %s --function stable --input arg0=%t/big.npy --output-dir %t/stable
// RUN: python3 -c "import numpy as np; x = np.load('%t/big.npy').astype(np.float64); m = x.max(1, keepdims=True); np.save('%t/lse.npy', (m[:, 0] + np.log(np.exp(x - m).sum(1))).astype(np.float32))"
// RUN: python3 %S/compare.py %t/stable/result_0.npy %t/lse.npy
func.func @stable(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = nn.reduce log_sum_exp %x axes [1] : tensor<2x3xf32>
  return %0 : tensor<2xf32>
}

// Tests ONNX's identities for reductions over an empty axis: 0 for sum,
// 1 for prod, -inf for max and log_sum_exp, +inf for min.
// RUN: python3 -c "import numpy as np; np.save('%t/empty.npy', np.zeros((2, 0), np.float32)); np.save('%t/ids.npy', np.array([[0, 0], [1, 1], [-np.inf, -np.inf], [np.inf, np.inf], [-np.inf, -np.inf]], np.float32))"
// RUN: kiln-interpret %s --function empty --input arg0=%t/empty.npy --output-dir %t/empty
// RUN: python3 %S/compare.py %t/empty/result_0.npy %t/ids.npy
func.func @empty(%x: tensor<2x0xf32>) -> tensor<5x2xf32> {
  %0 = nn.reduce sum %x axes [1] : tensor<2x0xf32>
  %1 = nn.reduce prod %x axes [1] : tensor<2x0xf32>
  %2 = nn.reduce max %x axes [1] : tensor<2x0xf32>
  %3 = nn.reduce min %x axes [1] : tensor<2x0xf32>
  %4 = nn.reduce log_sum_exp %x axes [1] : tensor<2x0xf32>
  %c = nn.concat %0, %1, %2, %3, %4 axis 0 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  %r = nn.reshape %c : tensor<10xf32> to tensor<5x2xf32>
  return %r : tensor<5x2xf32>
}
