// Reference semantics of data movement ops, against numpy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.arange(30, dtype=np.float32).reshape(5, 6))"

// Tests slices with negative steps, including "through index 0" (end -1).
// RUN: kiln-interpret %s --function slices --input arg0=%t/x.npy --output-dir %t/slices
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); np.save('%t/s0.npy', x[4::-2, 5:1:-1]); np.save('%t/s1.npy', x[1:4, ::3])"
// RUN: python3 %S/compare.py %t/slices/result_0.npy %t/s0.npy
// RUN: python3 %S/compare.py %t/slices/result_1.npy %t/s1.npy
func.func @slices(%x: tensor<5x6xf32>) -> (tensor<3x4xf32>, tensor<3x2xf32>) {
  %0 = nn.slice %x starts [4, 5] ends [-1, 1] steps [-2, -1] : tensor<5x6xf32>
  %1 = nn.slice %x starts [1, 0] ends [4, 6] steps [1, 3] : tensor<5x6xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<3x2xf32>
}

// Tests the pad modes; with negative pads the tensor is cropped first and
// the filling modes see the cropped tensor (onnxruntime's behaviour).
// RUN: kiln-interpret %s --function pads --input arg0=%t/x.npy --output-dir %t/pads
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); np.save('%t/p0.npy', np.pad(x, ((1, 2), (2, 0)), constant_values=-1.0)); np.save('%t/p1.npy', np.pad(x, ((2, 1), (3, 4)), mode='reflect')); np.save('%t/p2.npy', np.pad(x, ((1, 1), (0, 2)), mode='edge')); np.save('%t/p3.npy', np.pad(x[1:, :-2], ((0, 3), (7, 0)), mode='wrap'))"
// RUN: python3 %S/compare.py %t/pads/result_0.npy %t/p0.npy
// RUN: python3 %S/compare.py %t/pads/result_1.npy %t/p1.npy
// RUN: python3 %S/compare.py %t/pads/result_2.npy %t/p2.npy
// RUN: python3 %S/compare.py %t/pads/result_3.npy %t/p3.npy
func.func @pads(%x: tensor<5x6xf32>) -> (tensor<8x8xf32>, tensor<8x13xf32>, tensor<7x8xf32>, tensor<7x11xf32>) {
  %0 = nn.pad %x pads [1, 2, 2, 0] value -1.0 : tensor<5x6xf32>
  %1 = nn.pad %x pads [2, 3, 1, 4] mode reflect : tensor<5x6xf32>
  %2 = nn.pad %x pads [1, 0, 1, 2] mode edge : tensor<5x6xf32>
  %3 = nn.pad %x pads [-1, 7, 3, -2] mode wrap : tensor<5x6xf32>
  return %0, %1, %2, %3 : tensor<8x8xf32>, tensor<8x13xf32>, tensor<7x8xf32>, tensor<7x11xf32>
}

// Tests gather and gather_elements with negative indices.
// RUN: python3 -c "import numpy as np; np.save('%t/i.npy', np.array([[-1, 0], [2, -5]], np.int64)); np.save('%t/j.npy', np.array([[-1, 0, 3], [2, -6, 1]], np.int32))"
// RUN: kiln-interpret %s --function gathers --input arg0=%t/x.npy --input arg1=%t/i.npy --input arg2=%t/j.npy --output-dir %t/gathers
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); i = np.load('%t/i.npy'); j = np.load('%t/j.npy'); np.save('%t/g0.npy', np.take(x, i, axis=0)); np.save('%t/g1.npy', np.take_along_axis(x[:2], np.where(j < 0, j + 6, j).astype(np.int64), axis=1))"
// RUN: python3 %S/compare.py %t/gathers/result_0.npy %t/g0.npy
// RUN: python3 %S/compare.py %t/gathers/result_1.npy %t/g1.npy
func.func @gathers(%x: tensor<5x6xf32>, %i: tensor<2x2xi64>, %j: tensor<2x3xi32>) -> (tensor<2x2x6xf32>, tensor<2x3xf32>) {
  %0 = nn.gather %x, %i axis 0 : tensor<5x6xf32>, tensor<2x2xi64>
  %1 = nn.gather_elements %x, %j axis 1 : tensor<5x6xf32>, tensor<2x3xi32>
  return %0, %1 : tensor<2x2x6xf32>, tensor<2x3xf32>
}

// Tests that an index out of range is an error naming the op, not a crash.
// RUN: python3 -c "import numpy as np; np.save('%t/bad.npy', np.array([[5, 0], [0, 0]], np.int64))"
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --function gathers --input arg0=%t/x.npy --input arg1=%t/bad.npy --input arg2=%t/j.npy --output-dir %t/bad 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: 'nn.gather' op index 5 is out of range for a dimension of 5

// Tests concat, split, transpose, tile, expand, flatten and reshape.
// RUN: kiln-interpret %s --function moves --input arg0=%t/x.npy --output-dir %t/moves
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); np.save('%t/m0.npy', np.concatenate([x, x[:2]], 0)); a, b = np.split(x, [4], 1); np.save('%t/m1.npy', a); np.save('%t/m2.npy', b); np.save('%t/m3.npy', x.T); np.save('%t/m4.npy', np.tile(x, (2, 1))); np.save('%t/m5.npy', np.broadcast_to(x[:, :1], (3, 5, 4))); np.save('%t/m6.npy', x.reshape(1, 30)); np.save('%t/m7.npy', x.reshape(3, 10))"
// RUN: python3 %S/compare.py %t/moves/result_0.npy %t/m0.npy
// RUN: python3 %S/compare.py %t/moves/result_1.npy %t/m1.npy
// RUN: python3 %S/compare.py %t/moves/result_2.npy %t/m2.npy
// RUN: python3 %S/compare.py %t/moves/result_3.npy %t/m3.npy
// RUN: python3 %S/compare.py %t/moves/result_4.npy %t/m4.npy
// RUN: python3 %S/compare.py %t/moves/result_5.npy %t/m5.npy
// RUN: python3 %S/compare.py %t/moves/result_6.npy %t/m6.npy
// RUN: python3 %S/compare.py %t/moves/result_7.npy %t/m7.npy
func.func @moves(%x: tensor<5x6xf32>) -> (tensor<7x6xf32>, tensor<5x4xf32>, tensor<5x2xf32>, tensor<6x5xf32>, tensor<10x6xf32>, tensor<3x5x4xf32>, tensor<1x30xf32>, tensor<3x10xf32>) {
  %head = nn.slice %x starts [0, 0] ends [2, 6] steps [1, 1] : tensor<5x6xf32>
  %0 = nn.concat %x, %head axis 0 : tensor<5x6xf32>, tensor<2x6xf32>
  %1, %2 = nn.split %x axis 1 sizes [4, 2] : tensor<5x6xf32>
  %3 = nn.transpose %x permutation [1, 0] : tensor<5x6xf32>
  %4 = nn.tile %x repeats [2, 1] : tensor<5x6xf32>
  %column = nn.slice %x starts [0, 0] ends [5, 1] steps [1, 1] : tensor<5x6xf32>
  %5 = nn.expand %column shape [3, 1, 4] : tensor<5x1xf32>
  %6 = nn.flatten %x axis 0 : tensor<5x6xf32>
  %7 = nn.reshape %x : tensor<5x6xf32> to tensor<3x10xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<7x6xf32>, tensor<5x4xf32>, tensor<5x2xf32>, tensor<6x5xf32>, tensor<10x6xf32>, tensor<3x5x4xf32>, tensor<1x30xf32>, tensor<3x10xf32>
}
