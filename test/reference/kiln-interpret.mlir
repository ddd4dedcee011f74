// The kiln-interpret command line: naming inputs and outputs, .npy files,
// errors, exit statuses and --pass-pipeline.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.array([[1, -2], [3, -4]], np.float32)); np.save('%t/x64.npy', np.zeros((2, 2))); np.save('%t/xf.npy', np.asfortranarray(np.ones((2, 3), np.float32))); np.save('%t/c.npy', np.array(['a']))"

// Tests that inputs are named by kiln.name, outputs are written as
// NAME.npy (with path separators replaced) or result_N.npy, and
// --print-outputs prints them.
// RUN: kiln-interpret %s --input image=%t/x.npy --output-dir %t/out --print-outputs | FileCheck %s --check-prefix=PRINT
// PRINT: scores_relu = tensor<2x2xf32> [1.000000e+00, 0.000000e+00, 3.000000e+00, 0.000000e+00]
// PRINT: result_1 = tensor<2x2xi1> [1, 0, 1, 0]
// RUN: python3 -c "import numpy as np; y = np.load('%t/out/scores_relu.npy'); b = np.load('%t/out/result_1.npy'); assert y.dtype == np.float32 and y.tolist() == [[1, 0], [3, 0]], y; assert b.dtype == np.bool_ and b.tolist() == [[True, False], [True, False]], b"
func.func @main(%x: tensor<2x2xf32> {kiln.name = "image"}) -> (tensor<2x2xf32> {kiln.name = "scores/relu"}, tensor<2x2xi1>) {
  %y = nn.relu %x : tensor<2x2xf32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %b = nn.greater %x, %zero : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xi1>
  return %y, %b : tensor<2x2xf32>, tensor<2x2xi1>
}

// Tests the errors that a user can cause, each with exit status 1.
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --output-dir %t/e 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: no --input given for 'image' (tensor<2x2xf32>)
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --input photo=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: error: @main has no input named 'photo'; its inputs are: image
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --input image=%t/x64.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: input 'image' ({{.*}}x64.npy): holds f64 elements but f32 is expected
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --input image=%t/xf.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// FORTRAN: Fortran-order arrays are not supported
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --input image=%t/c.npy 2>&1 | FileCheck %s --check-prefix=STRINGS
// STRINGS: unsupported dtype '<U1'
// RUN: python3 %S/expect_exit.py 1 kiln-interpret %s --function shapes --input arg0=%t/x.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: 'func.func' op argument #0 is 'tensor<3x2xf32>' but the input is a 'tensor<2x2xf32>'
func.func @shapes(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  return %x : tensor<3x2xf32>
}

// Tests that an op without a kernel is reported by name with exit status 2
// (unsupported), before anything runs; other functions of the module do not
// matter.
// RUN: python3 %S/expect_exit.py 2 kiln-interpret %s --function unsupported --input arg0=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NOKERNEL
// NOKERNEL: op 'func.call_indirect' {{.*}} is not supported by the reference interpreter
func.func @unsupported(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %f = func.constant @relu : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = func.call_indirect %f(%x) : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
func.func private @relu(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %y = nn.relu %x : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// Tests func.call, and that --pass-pipeline runs the graph passes first
// without changing the result (the batch norm folds into the conv).
// RUN: python3 -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/img.npy', r.standard_normal((1, 2, 5, 5), np.float32))"
// RUN: kiln-interpret %s --function caller --input arg0=%t/img.npy --output-dir %t/plain
// RUN: kiln-interpret %s --function caller --input arg0=%t/img.npy --output-dir %t/folded --pass-pipeline=kiln-graph-pipeline
// RUN: python3 %S/compare.py %t/folded/result_0.npy %t/plain/result_0.npy --rtol 1e-5 --atol 1e-5
func.func @caller(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %y = func.call @conv_bn(%x) : (tensor<1x2x5x5xf32>) -> tensor<1x3x5x5xf32>
  return %y : tensor<1x3x5x5xf32>
}
func.func private @conv_bn(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %w = nn.constant dense<[[[[0.5]], [[-1.0]]], [[[2.0]], [[0.25]]], [[[-0.5]], [[1.5]]]]> : tensor<3x2x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x5x5xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x5x5xf32>
  %s = nn.constant dense<[1.5, 0.5, 2.0]> : tensor<3xf32>
  %b = nn.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %m = nn.constant dense<[0.0, 1.0, -1.0]> : tensor<3xf32>
  %v = nn.constant dense<[1.0, 4.0, 0.25]> : tensor<3xf32>
  %n = nn.batch_norm %c, %s, %b, %m, %v : tensor<1x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %r = nn.relu %n : tensor<1x3x5x5xf32>
  return %r : tensor<1x3x5x5xf32>
}

// Tests the .npy writer on f16, i8, ui8, scalar and bf16 (written as
// float32, numpy having no bfloat16) results.
// RUN: kiln-interpret %s --function dtypes --input arg0=%t/x.npy --output-dir %t/dtypes
// RUN: python3 -c "import numpy as np; d = '%t/dtypes/result_'; r = [np.load(d + str(i) + '.npy') for i in range(5)]; assert [a.dtype for a in r] == [np.float16, np.int8, np.uint8, np.float32, np.float32], [a.dtype for a in r]; assert r[0].tolist() == [[1, -2], [3, -4]] and r[1].tolist() == [[1, -2], [3, -4]] and r[2].tolist() == [[1, 254], [3, 252]]; assert r[3].shape == () and r[3] == -2; assert r[4].tolist() == [[1, -2], [3, -4]]"
func.func @dtypes(%x: tensor<2x2xf32>) -> (tensor<2x2xf16>, tensor<2x2xi8>, tensor<2x2xui8>, tensor<f32>, tensor<2x2xbf16>) {
  %h = nn.cast %x : tensor<2x2xf32> to tensor<2x2xf16>
  %i = nn.cast %x : tensor<2x2xf32> to tensor<2x2xi8>
  %u = nn.cast %i : tensor<2x2xi8> to tensor<2x2xui8>
  %s = nn.reduce sum %x axes [0, 1] : tensor<2x2xf32>
  %b = nn.cast %x : tensor<2x2xf32> to tensor<2x2xbf16>
  return %h, %i, %u, %s, %b : tensor<2x2xf16>, tensor<2x2xi8>, tensor<2x2xui8>, tensor<f32>, tensor<2x2xbf16>
}
