// Reference semantics of pointwise ops whose corner cases ONNX pins down,
// against numpy. Each function is run on its own through --function.
// RUN: rm -rf %t && mkdir -p %t

// Tests round half to even, floor-toward-zero casts and casts to bool.
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.7, 0.0, -0.0], np.float32))"
// RUN: kiln-interpret %s --function rounding --input arg0=%t/x.npy --output-dir %t/rounding
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); np.save('%t/round.npy', np.round(x)); np.save('%t/trunc.npy', np.trunc(x).astype(np.int32)); np.save('%t/bool.npy', x != 0)"
// RUN: python3 %S/compare.py %t/rounding/result_0.npy %t/round.npy --exact
// RUN: python3 %S/compare.py %t/rounding/result_1.npy %t/trunc.npy
// RUN: python3 %S/compare.py %t/rounding/result_2.npy %t/bool.npy
func.func @rounding(%x: tensor<10xf32>) -> (tensor<10xf32>, tensor<10xi32>, tensor<10xi1>) {
  %r = nn.round %x : tensor<10xf32>
  %i = nn.cast %x : tensor<10xf32> to tensor<10xi32>
  %b = nn.cast %x : tensor<10xf32> to tensor<10xi1>
  return %r, %i, %b : tensor<10xf32>, tensor<10xi32>, tensor<10xi1>
}

// Tests integer mod with Python semantics (sign of the divisor) and fmod
// semantics (sign of the dividend), and truncating integer division.
// RUN: python3 -c "import numpy as np; np.save('%t/a.npy', np.array([7, -7, 7, -7, 0, 5], np.int32)); np.save('%t/b.npy', np.array([3, 3, -3, -3, 2, -5], np.int32))"
// RUN: kiln-interpret %s --function integer_mod --input arg0=%t/a.npy --input arg1=%t/b.npy --output-dir %t/mod
// RUN: python3 -c "import numpy as np; a, b = np.load('%t/a.npy'), np.load('%t/b.npy'); np.save('%t/python.npy', np.mod(a, b)); np.save('%t/fmod.npy', np.fmod(a, b)); np.save('%t/div.npy', (np.trunc(a / b)).astype(np.int32))"
// RUN: python3 %S/compare.py %t/mod/result_0.npy %t/python.npy
// RUN: python3 %S/compare.py %t/mod/result_1.npy %t/fmod.npy
// RUN: python3 %S/compare.py %t/mod/result_2.npy %t/div.npy
func.func @integer_mod(%a: tensor<6xi32>, %b: tensor<6xi32>) -> (tensor<6xi32>, tensor<6xi32>, tensor<6xi32>) {
  %python = nn.mod %a, %b : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  %fmod = nn.mod %a, %b fmod : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  %div = nn.div %a, %b : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  return %python, %fmod, %div : tensor<6xi32>, tensor<6xi32>, tensor<6xi32>
}

// Tests that f16 and bf16 results are rounded to their precision (numpy has
// no bfloat16: it is the float32 rounded to its top 16 bits, ties to even).
// RUN: python3 -c "import numpy as np; np.save('%t/h.npy', (np.arange(12, dtype=np.float32) * 0.37 - 2).astype(np.float16)); np.save('%t/f.npy', np.array([1.00390625, 1.01171875, 3.14159, -2.71828, 65504.0, 1e-3], np.float32))"
// RUN: kiln-interpret %s --function half --input arg0=%t/h.npy --input arg1=%t/f.npy --output-dir %t/half
// RUN: python3 -c "import numpy as np; h = np.load('%t/h.npy'); np.save('%t/sig.npy', (1 / (1 + np.exp(-h.astype(np.float64)))).astype(np.float16)); f = np.load('%t/f.npy'); u = f.view(np.uint32).astype(np.uint64); u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16; np.save('%t/bf.npy', u.astype(np.uint32).view(np.float32))"
// RUN: python3 %S/compare.py %t/half/result_0.npy %t/sig.npy --exact
// RUN: python3 %S/compare.py %t/half/result_1.npy %t/bf.npy --exact
func.func @half(%h: tensor<12xf16>, %f: tensor<6xf32>) -> (tensor<12xf16>, tensor<6xbf16>) {
  %s = nn.sigmoid %h : tensor<12xf16>
  %b = nn.cast %f : tensor<6xf32> to tensor<6xbf16>
  return %s, %b : tensor<12xf16>, tensor<6xbf16>
}

// Tests the activations with parameters and both forms of gelu.
// RUN: python3 -c "import numpy as np; np.save('%t/v.npy', np.linspace(-6, 6, 25, dtype=np.float32))"
// RUN: kiln-interpret %s --function activations --input arg0=%t/v.npy --output-dir %t/act
// RUN: python3 -c "import numpy as np, math; x = np.load('%t/v.npy').astype(np.float64); f = lambda y: y.astype(np.float32); np.save('%t/hs.npy', f(np.clip(0.3 * x + 0.4, 0, 1))); np.save('%t/hw.npy', f(x * np.clip(x / 6 + 0.5, 0, 1))); np.save('%t/elu.npy', f(np.where(x < 0, 0.5 * (np.exp(x) - 1), x))); np.save('%t/lr.npy', f(np.where(x < 0, 0.1 * x, x))); np.save('%t/gelu.npy', f(0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))))); np.save('%t/gelut.npy', f(0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))))"
// RUN: python3 %S/compare.py %t/act/result_0.npy %t/hs.npy
// RUN: python3 %S/compare.py %t/act/result_1.npy %t/hw.npy
// RUN: python3 %S/compare.py %t/act/result_2.npy %t/elu.npy
// RUN: python3 %S/compare.py %t/act/result_3.npy %t/lr.npy
// RUN: python3 %S/compare.py %t/act/result_4.npy %t/gelu.npy
// RUN: python3 %S/compare.py %t/act/result_5.npy %t/gelut.npy
func.func @activations(%x: tensor<25xf32>) -> (tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>) {
  %0 = nn.hard_sigmoid %x alpha 0.3 beta 0.4 : tensor<25xf32>
  %1 = nn.hard_swish %x : tensor<25xf32>
  %2 = nn.elu %x alpha 0.5 : tensor<25xf32>
  %3 = nn.leaky_relu %x alpha 0.1 : tensor<25xf32>
  %4 = nn.gelu %x : tensor<25xf32>
  %5 = nn.gelu %x approximation tanh : tensor<25xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>, tensor<25xf32>
}

// Tests that integer arithmetic wraps at the element width, as C++ does.
// RUN: python3 -c "import numpy as np; np.save('%t/i8.npy', np.array([100, -100, 127, -128], np.int8))"
// RUN: kiln-interpret %s --function wrapping --input arg0=%t/i8.npy --output-dir %t/wrap
// RUN: python3 -c "import numpy as np; x = np.load('%t/i8.npy'); np.save('%t/sum.npy', (x + x).astype(np.int8)); np.save('%t/neg.npy', (-x).astype(np.int8))"
// RUN: python3 %S/compare.py %t/wrap/result_0.npy %t/sum.npy
// RUN: python3 %S/compare.py %t/wrap/result_1.npy %t/neg.npy
func.func @wrapping(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %s = nn.add %x, %x : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %n = nn.neg %x : tensor<4xi8>
  return %s, %n : tensor<4xi8>, tensor<4xi8>
}

// Tests where with three-way broadcasting, and comparisons of booleans.
// RUN: python3 -c "import numpy as np; np.save('%t/c.npy', np.array([[True], [False]])); np.save('%t/x.npy', np.arange(3, dtype=np.float32)); np.save('%t/y.npy', np.array(-1, np.float32))"
// RUN: kiln-interpret %s --function where --input arg0=%t/c.npy --input arg1=%t/x.npy --input arg2=%t/y.npy --output-dir %t/where
// RUN: python3 -c "import numpy as np; c = np.load('%t/c.npy'); np.save('%t/w.npy', np.where(c, np.load('%t/x.npy'), np.load('%t/y.npy'))); np.save('%t/e.npy', c == np.array([True, False, True]))"
// RUN: python3 %S/compare.py %t/where/result_0.npy %t/w.npy
// RUN: python3 %S/compare.py %t/where/result_1.npy %t/e.npy
func.func @where(%c: tensor<2x1xi1>, %x: tensor<3xf32>, %y: tensor<f32>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %w = nn.where %c, %x, %y : tensor<2x1xi1>, tensor<3xf32>, tensor<f32>
  %k = nn.constant dense<[true, false, true]> : tensor<3xi1>
  %e = nn.equal %c, %k : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  return %w, %e : tensor<2x3xf32>, tensor<2x3xi1>
}
