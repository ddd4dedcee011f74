// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-layers -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Softmax and log-softmax written out as ONNX's function bodies define them
// (kiln-fuse-layers): max, subtract, exp, sum, then divide (softmax) or
// subtract the log of the sum (log_softmax).

// STATS: (S) 2 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests that the softmax formula over the last axis of a rank-3 tensor
// becomes one softmax whose location names the five layers (the max over
// that axis would otherwise become a global max pool), and that the
// log-softmax formula becomes one log_softmax.
// CHECK-LABEL: func.func @softmax_formulas
// CHECK-NEXT: %[[S:.*]] = nn.softmax %arg0 axis 2 : tensor<2x4x8xf32> loc(#[[SLOC:.*]])
// CHECK-NEXT: %[[L:.*]] = nn.log_softmax %arg1 axis 1 : tensor<2x10xf32> loc(#[[LLOC:.*]])
// CHECK-NEXT: return %[[S]], %[[L]]
// CHECK-DAG: #[[SLOC]] = loc(fused[#loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}])
// CHECK-DAG: #[[LLOC]] = loc(fused[#loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}, #loc{{[0-9]+}}])
func.func @softmax_formulas(%x: tensor<2x4x8xf32>, %y: tensor<2x10xf32>)
    -> (tensor<2x4x8xf32>, tensor<2x10xf32>) {
  %m = nn.reduce max %x axes [2] keep_dims : tensor<2x4x8xf32> loc("max")
  %s = nn.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32> loc("sub")
  %e = nn.exp %s : tensor<2x4x8xf32> loc("exp")
  %r = nn.reduce sum %e axes [2] keep_dims : tensor<2x4x8xf32> loc("sum")
  %p = nn.div %e, %r : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32> loc("div")
  %ym = nn.reduce max %y axes [1] keep_dims : tensor<2x10xf32>
  %ys = nn.sub %y, %ym : (tensor<2x10xf32>, tensor<2x1xf32>) -> tensor<2x10xf32>
  %ye = nn.exp %ys : tensor<2x10xf32>
  %yr = nn.reduce sum %ye axes [1] keep_dims : tensor<2x10xf32>
  %yl = nn.log %yr : tensor<2x1xf32>
  %l = nn.sub %ys, %yl : (tensor<2x10xf32>, tensor<2x1xf32>) -> tensor<2x10xf32>
  return %p, %l : tensor<2x4x8xf32>, tensor<2x10xf32>
}

// -----

// STATS: (S) 1 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests the formula in half precision over a middle axis (attention-style
// scores, as an FP16 graph carries them).
// CHECK-LABEL: func.func @softmax_formula_f16
// CHECK-NEXT: %[[S:.*]] = nn.softmax %arg0 axis 1 : tensor<1x12x16xf16>
// CHECK-NEXT: return %[[S]]
func.func @softmax_formula_f16(%x: tensor<1x12x16xf16>) -> tensor<1x12x16xf16> {
  %m = nn.reduce max %x axes [1] keep_dims : tensor<1x12x16xf16>
  %s = nn.sub %x, %m : (tensor<1x12x16xf16>, tensor<1x1x16xf16>) -> tensor<1x12x16xf16>
  %e = nn.exp %s : tensor<1x12x16xf16>
  %r = nn.reduce sum %e axes [1] keep_dims : tensor<1x12x16xf16>
  %p = nn.div %e, %r : (tensor<1x12x16xf16>, tensor<1x1x16xf16>) -> tensor<1x12x16xf16>
  return %p : tensor<1x12x16xf16>
}

// -----

// STATS: (S) 3 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests the formula on a transposed tensor (the max is taken before the
// shuffle + reduce rewrite moves it), log-softmax in half precision, and a
// rank-1 tensor.
// CHECK-LABEL: func.func @more_softmax_formulas
// CHECK: %[[T:.*]] = nn.transpose %arg0 permutation [0, 2, 1]
// CHECK-NEXT: %[[S:.*]] = nn.softmax %[[T]] axis 2 : tensor<2x8x4xf32>
// CHECK-NEXT: %[[L:.*]] = nn.log_softmax %arg1 axis 1 : tensor<3x16xf16>
// CHECK-NEXT: %[[V:.*]] = nn.softmax %arg2 axis 0 : tensor<10xf32>
// CHECK-NEXT: return %[[S]], %[[L]], %[[V]]
func.func @more_softmax_formulas(%x: tensor<2x4x8xf32>, %y: tensor<3x16xf16>, %z: tensor<10xf32>)
    -> (tensor<2x8x4xf32>, tensor<3x16xf16>, tensor<10xf32>) {
  %t = nn.transpose %x permutation [0, 2, 1] : tensor<2x4x8xf32>
  %m = nn.reduce max %t axes [2] keep_dims : tensor<2x8x4xf32>
  %s = nn.sub %t, %m : (tensor<2x8x4xf32>, tensor<2x8x1xf32>) -> tensor<2x8x4xf32>
  %e = nn.exp %s : tensor<2x8x4xf32>
  %r = nn.reduce sum %e axes [2] keep_dims : tensor<2x8x4xf32>
  %p = nn.div %e, %r : (tensor<2x8x4xf32>, tensor<2x8x1xf32>) -> tensor<2x8x4xf32>
  %ym = nn.reduce max %y axes [1] keep_dims : tensor<3x16xf16>
  %ys = nn.sub %y, %ym : (tensor<3x16xf16>, tensor<3x1xf16>) -> tensor<3x16xf16>
  %ye = nn.exp %ys : tensor<3x16xf16>
  %yr = nn.reduce sum %ye axes [1] keep_dims : tensor<3x16xf16>
  %yl = nn.log %yr : tensor<3x1xf16>
  %l = nn.sub %ys, %yl : (tensor<3x16xf16>, tensor<3x1xf16>) -> tensor<3x16xf16>
  %zm = nn.reduce max %z axes [0] keep_dims : tensor<10xf32>
  %zs = nn.sub %z, %zm : (tensor<10xf32>, tensor<1xf32>) -> tensor<10xf32>
  %ze = nn.exp %zs : tensor<10xf32>
  %zr = nn.reduce sum %ze axes [0] keep_dims : tensor<10xf32>
  %v = nn.div %ze, %zr : (tensor<10xf32>, tensor<1xf32>) -> tensor<10xf32>
  return %p, %l, %v : tensor<2x8x4xf32>, tensor<3x16xf16>, tensor<10xf32>
}

// -----

// STATS: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests that formulas that are not softmax stay: the sum over another axis
// than the max, a mean instead of a sum, the max subtracted the wrong way
// round, the sum divided by exp, and a max over two axes.
// CHECK-LABEL: func.func @not_softmax
// CHECK-NOT: nn.softmax
// CHECK-COUNT-5: nn.div
// CHECK-NOT: nn.softmax
func.func @not_softmax(%x: tensor<4x8xf32>, %z: tensor<2x4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) {
  %m0 = nn.reduce max %x axes [1] keep_dims : tensor<4x8xf32>
  %s0 = nn.sub %x, %m0 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %e0 = nn.exp %s0 : tensor<4x8xf32>
  %r0 = nn.reduce sum %e0 axes [0] keep_dims : tensor<4x8xf32>
  %p0 = nn.div %e0, %r0 : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %m1 = nn.reduce max %x axes [1] keep_dims : tensor<4x8xf32>
  %s1 = nn.sub %x, %m1 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %e1 = nn.exp %s1 : tensor<4x8xf32>
  %r1 = nn.reduce mean %e1 axes [1] keep_dims : tensor<4x8xf32>
  %p1 = nn.div %e1, %r1 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %m2 = nn.reduce max %x axes [1] keep_dims : tensor<4x8xf32>
  %s2 = nn.sub %m2, %x : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %e2 = nn.exp %s2 : tensor<4x8xf32>
  %r2 = nn.reduce sum %e2 axes [1] keep_dims : tensor<4x8xf32>
  %p2 = nn.div %e2, %r2 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %m3 = nn.reduce max %x axes [1] keep_dims : tensor<4x8xf32>
  %s3 = nn.sub %x, %m3 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %e3 = nn.exp %s3 : tensor<4x8xf32>
  %r3 = nn.reduce sum %e3 axes [1] keep_dims : tensor<4x8xf32>
  %p3 = nn.div %r3, %e3 : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %m4 = nn.reduce max %z axes [1, 2] keep_dims : tensor<2x4x8xf32>
  %s4 = nn.sub %z, %m4 : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %e4 = nn.exp %s4 : tensor<2x4x8xf32>
  %r4 = nn.reduce sum %e4 axes [1, 2] keep_dims : tensor<2x4x8xf32>
  %p4 = nn.div %e4, %r4 : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  return %p0, %p1, %p2, %p3, %p4
      : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>
}

// -----

// STATS: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests that the formula stays when a step has another user (the exp is
// also returned; the shifted x is also returned), when the max is taken
// without keeping its axis (x − m then broadcasts m along the other axis),
// and when the log-softmax subtraction is reversed.
// CHECK-LABEL: func.func @shared_steps
// CHECK-NOT: nn.softmax
// CHECK-NOT: nn.log_softmax
// CHECK: return
func.func @shared_steps(%x: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>,
        tensor<4x4xf32>) {
  %m0 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s0 = nn.sub %x, %m0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e0 = nn.exp %s0 : tensor<4x4xf32>
  %r0 = nn.reduce sum %e0 axes [1] keep_dims : tensor<4x4xf32>
  %p0 = nn.div %e0, %r0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m1 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s1 = nn.sub %x, %m1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1 = nn.exp %s1 : tensor<4x4xf32>
  %r1 = nn.reduce sum %e1 axes [1] keep_dims : tensor<4x4xf32>
  %p1 = nn.div %e1, %r1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m2 = nn.reduce max %x axes [1] : tensor<4x4xf32>
  %s2 = nn.sub %x, %m2 : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %e2 = nn.exp %s2 : tensor<4x4xf32>
  %r2 = nn.reduce sum %e2 axes [1] keep_dims : tensor<4x4xf32>
  %p2 = nn.div %e2, %r2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m3 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s3 = nn.sub %x, %m3 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3 = nn.exp %s3 : tensor<4x4xf32>
  %r3 = nn.reduce sum %e3 axes [1] keep_dims : tensor<4x4xf32>
  %l3 = nn.log %r3 : tensor<4x1xf32>
  %t3 = nn.sub %l3, %s3 : (tensor<4x1xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %p0, %e0, %p1, %s1, %p2, %t3
      : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>,
        tensor<4x4xf32>
}

// -----

// STATS: (S) 0 expanded-softmax - Softmax and log_softmax formulas made one layer

// Tests that the formula stays when the sum drops its axis on a square
// tensor (e / r then divides along the other axis), when the max or the
// sum or the log has another user, when the max of x is subtracted from
// another tensor, and when the log-softmax tail subtracts from x rather
// than from x − max.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: nn.softmax
// CHECK-NOT: nn.log_softmax
// CHECK: return
func.func @near_misses(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x1xf32>, tensor<4x4xf32>, tensor<4x1xf32>,
        tensor<4x4xf32>, tensor<4x1xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %m0 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s0 = nn.sub %x, %m0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e0 = nn.exp %s0 : tensor<4x4xf32>
  %r0 = nn.reduce sum %e0 axes [1] : tensor<4x4xf32>
  %p0 = nn.div %e0, %r0 : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %m1 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s1 = nn.sub %x, %m1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1 = nn.exp %s1 : tensor<4x4xf32>
  %r1 = nn.reduce sum %e1 axes [1] keep_dims : tensor<4x4xf32>
  %p1 = nn.div %e1, %r1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m2 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s2 = nn.sub %x, %m2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2 = nn.exp %s2 : tensor<4x4xf32>
  %r2 = nn.reduce sum %e2 axes [1] keep_dims : tensor<4x4xf32>
  %p2 = nn.div %e2, %r2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m3 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s3 = nn.sub %x, %m3 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3 = nn.exp %s3 : tensor<4x4xf32>
  %r3 = nn.reduce sum %e3 axes [1] keep_dims : tensor<4x4xf32>
  %l3 = nn.log %r3 : tensor<4x1xf32>
  %t3 = nn.sub %s3, %l3 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m4 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s4 = nn.sub %y, %m4 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e4 = nn.exp %s4 : tensor<4x4xf32>
  %r4 = nn.reduce sum %e4 axes [1] keep_dims : tensor<4x4xf32>
  %p4 = nn.div %e4, %r4 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %m5 = nn.reduce max %x axes [1] keep_dims : tensor<4x4xf32>
  %s5 = nn.sub %x, %m5 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e5 = nn.exp %s5 : tensor<4x4xf32>
  %r5 = nn.reduce sum %e5 axes [1] keep_dims : tensor<4x4xf32>
  %l5 = nn.log %r5 : tensor<4x1xf32>
  %t5 = nn.sub %x, %l5 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  return %p0, %p1, %m1, %p2, %r2, %t3, %l3, %p4, %t5
      : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x1xf32>, tensor<4x4xf32>, tensor<4x1xf32>,
        tensor<4x4xf32>, tensor<4x1xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
