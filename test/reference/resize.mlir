// Reference semantics of resize, against numpy formulas. (ort-resize.test
// cross-checks every mode and transform against onnxruntime.)
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.array([[[[1, 2, 4], [8, 16, 32]]]], np.float32)); np.save('%t/i.npy', np.array([[[[1, -2], [3, 4]]]], np.int8))"

// Tests nearest asymmetric floor upsampling by integer scales (each element
// repeated), on floats and on integers.
// RUN: kiln-interpret %s --function nearest --input arg0=%t/x.npy --input arg1=%t/i.npy --output-dir %t/nearest
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); i = np.load('%t/i.npy'); np.save('%t/n0.npy', x.repeat(2, 2).repeat(3, 3)); np.save('%t/n1.npy', i.repeat(3, 2).repeat(2, 3))"
// RUN: python3 %S/compare.py %t/nearest/result_0.npy %t/n0.npy
// RUN: python3 %S/compare.py %t/nearest/result_1.npy %t/n1.npy
func.func @nearest(%x: tensor<1x1x2x3xf32>, %i: tensor<1x1x2x2xi8>) -> (tensor<1x1x4x9xf32>, tensor<1x1x6x4xi8>) {
  %0 = nn.resize %x mode nearest coordinate_transform asymmetric nearest_mode floor scales [1.0, 1.0, 2.0, 3.0] : tensor<1x1x2x3xf32> to tensor<1x1x4x9xf32>
  %1 = nn.resize %i mode nearest coordinate_transform asymmetric nearest_mode floor : tensor<1x1x2x2xi8> to tensor<1x1x6x4xi8>
  return %0, %1 : tensor<1x1x4x9xf32>, tensor<1x1x6x4xi8>
}

// Tests linear align_corners (separable np.interp at i * (in - 1) / (out - 1))
// and linear half_pixel (coordinates (i + 0.5) / scale - 0.5, clamped).
// RUN: kiln-interpret %s --function linear --input arg0=%t/x.npy --output-dir %t/linear
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy')[0, 0].astype(np.float64); f = lambda v, c: np.interp(c, np.arange(len(v)), v); lin = lambda ch, cw: np.array([[f(np.array([f(row, w) for row in x]), h) for w in cw] for h in ch]); np.save('%t/l0.npy', lin(np.arange(3) / 2, np.arange(5) * 2 / 4).astype(np.float32)[None, None]); np.save('%t/l1.npy', lin(np.clip((np.arange(4) + 0.5) / 2 - 0.5, 0, 1), np.clip((np.arange(6) + 0.5) / 2 - 0.5, 0, 2)).astype(np.float32)[None, None])"
// RUN: python3 %S/compare.py %t/linear/result_0.npy %t/l0.npy
// RUN: python3 %S/compare.py %t/linear/result_1.npy %t/l1.npy
func.func @linear(%x: tensor<1x1x2x3xf32>) -> (tensor<1x1x3x5xf32>, tensor<1x1x4x6xf32>) {
  %0 = nn.resize %x mode linear coordinate_transform align_corners : tensor<1x1x2x3xf32> to tensor<1x1x3x5xf32>
  %1 = nn.resize %x mode linear scales [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x3xf32> to tensor<1x1x4x6xf32>
  return %0, %1 : tensor<1x1x3x5xf32>, tensor<1x1x4x6xf32>
}
