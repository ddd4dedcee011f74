// RUN: kiln-opt %s -split-input-file -kiln-fuse-attention -mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-attention="layer-precision=scores:fp32,nn.softmax:fp16" | FileCheck %s --check-prefix=CONSTRAINED
// RUN: kiln-opt %s -split-input-file -kiln-fuse-attention -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 1 bshd - Of those, in layout bshd (head transposes removed)
// STATS-NEXT: (S) 1 fused - Attention blocks fused into nn.attention
// STATS-NEXT: (S) 0 kept-by-constraint - Attention blocks left unfused: a layer-precision constraint wants FP32 or TF32
// STATS-NEXT: (S) 1 masked - Of those, with an additive mask

// Tests the attention of torch.onnx.export (BertModel, SDPA) as Kiln imports
// it: head transposes, sqrt of 1/sqrt(8) on q and on kᵀ, a 0/−inf mask, the
// NaN guard. It becomes one bshd attention on the projections, which replaces
// the output transpose; every transpose goes, and the location names all the
// layers replaced. A constraint keeping one of them in FP32 leaves it alone.
// CHECK-LABEL: func.func @bert_sdpa
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x16x2x8xf32>{{[^,]*}}, %[[K:[^:]*]]: tensor<2x16x2x8xf32>{{[^,]*}}, %[[V:[^:]*]]: tensor<2x16x2x8xf32>{{[^,]*}}, %[[MASK:[^:]*]]: tensor<2x1x16x16xi1>
// CHECK: %[[BIAS:.*]] = nn.where %[[MASK]]
// CHECK-NOT: nn.transpose
// CHECK: %[[O:.*]] = nn.attention bshd %[[Q]], %[[K]], %[[V]] bias %[[BIAS]] scale 0.35355{{[0-9]*}} : tensor<2x16x2x8xf32>, tensor<2x16x2x8xf32>, tensor<2x16x2x8xf32>, tensor<2x1x16x16xf32> loc(#[[LOC:[a-z0-9_]*]])
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[O]] : tensor<2x16x2x8xf32> to tensor<2x16x16xf32>
// CHECK-NEXT: return %[[R]]
// CHECK-DAG: #[[L1:.*]] = loc("q_heads")
// CHECK-DAG: #[[L2:.*]] = loc("k_heads")
// CHECK-DAG: #[[L3:.*]] = loc("v_heads")
// CHECK-DAG: #[[L4:.*]] = loc("q_scale")
// CHECK-DAG: #[[L5:.*]] = loc("k_scale")
// CHECK-DAG: #[[L6:.*]] = loc("scores")
// CHECK-DAG: #[[L7:.*]] = loc("mask_add")
// CHECK-DAG: #[[L8:.*]] = loc("softmax")
// CHECK-DAG: #[[L9:.*]] = loc("isnan")
// CHECK-DAG: #[[L10:.*]] = loc("isnan_not")
// CHECK-DAG: #[[L11:.*]] = loc("nan_guard")
// CHECK-DAG: #[[L12:.*]] = loc("context")
// CHECK-DAG: #[[L13:.*]] = loc("context_heads")
// CHECK-DAG: #[[LOC]] = loc(fused[#[[L1]], #[[L2]], #[[L3]], #[[L4]], #[[L5]], #[[L6]], #[[L7]], #[[L8]], #[[L9]], #[[L10]], #[[L11]], #[[L12]], #[[L13]]])
// CONSTRAINED-LABEL: func.func @bert_sdpa
// CONSTRAINED-NOT: nn.attention
// CONSTRAINED: nn.softmax
// CONSTRAINED: nn.matmul
// CONSTRAINED-NEXT: nn.transpose
func.func @bert_sdpa(%q0: tensor<2x16x2x8xf32>, %k0: tensor<2x16x2x8xf32>, %v0: tensor<2x16x2x8xf32>,
                     %mask: tensor<2x1x16x16xi1>) -> tensor<2x16x16xf32> {
  %q = nn.transpose %q0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32> loc("q_heads")
  %kt = nn.transpose %k0 permutation [0, 2, 3, 1] : tensor<2x16x2x8xf32> loc("k_heads")
  %v = nn.transpose %v0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32> loc("v_heads")
  %c = nn.constant dense<0.594603539> : tensor<f32>
  %qs = nn.mul %q, %c : (tensor<2x2x16x8xf32>, tensor<f32>) -> tensor<2x2x16x8xf32> loc("q_scale")
  %kts = nn.mul %kt, %c : (tensor<2x2x8x16xf32>, tensor<f32>) -> tensor<2x2x8x16xf32> loc("k_scale")
  %s = nn.matmul %qs, %kts : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32> loc("scores")
  %zero = nn.constant dense<0.0> : tensor<1xf32>
  %ninf = nn.constant dense<0xFF800000> : tensor<1xf32>
  %m = nn.where %mask, %zero, %ninf : tensor<2x1x16x16xi1>, tensor<1xf32>, tensor<1xf32>
  %s2 = nn.add %s, %m : (tensor<2x2x16x16xf32>, tensor<2x1x16x16xf32>) -> tensor<2x2x16x16xf32> loc("mask_add")
  %p = nn.softmax %s2 axis 3 : tensor<2x2x16x16xf32> loc("softmax")
  %eq = nn.equal %p, %p : (tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>) -> tensor<2x2x16x16xi1> loc("isnan")
  %nan = nn.not %eq : tensor<2x2x16x16xi1> loc("isnan_not")
  %p2 = nn.where %nan, %zero, %p : tensor<2x2x16x16xi1>, tensor<1xf32>, tensor<2x2x16x16xf32> loc("nan_guard")
  %o = nn.matmul %p2, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> loc("context")
  %o1 = nn.transpose %o permutation [0, 2, 1, 3] : tensor<2x2x16x8xf32> loc("context_heads")
  %o2 = nn.reshape %o1 : tensor<2x16x2x8xf32> to tensor<2x16x16xf32>
  return %o2 : tensor<2x16x16xf32>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 0 bshd
// STATS-NEXT: (S) 1 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 0 masked

// Tests heads given as B × H × S × D with k transposed explicitly and one
// division of the scores by sqrt(D), without mask or guard: a bhsd attention
// reading k itself.
// CHECK-LABEL: func.func @bhsd_div_scores
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x2x16x8xf32>{{[^,]*}}, %[[K:[^:]*]]: tensor<2x2x16x8xf32>{{[^,]*}}, %[[V:[^:]*]]: tensor<2x2x16x4xf32>
// CHECK-NOT: nn.transpose
// CHECK: %[[O:.*]] = nn.attention bhsd %[[Q]], %[[K]], %[[V]] scale 0.353553{{[0-9]*}} : tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x4xf32>
// CHECK-NEXT: return %[[O]]
// A constraint to FP16, even by op name, does not keep it unfused.
// CONSTRAINED-LABEL: func.func @bhsd_div_scores
// CONSTRAINED: nn.attention
func.func @bhsd_div_scores(%q: tensor<2x2x16x8xf32>, %k: tensor<2x2x16x8xf32>, %v: tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32> {
  %kt = nn.transpose %k permutation [0, 1, 3, 2] : tensor<2x2x16x8xf32>
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %c = nn.constant dense<2.82842712> : tensor<1xf32>
  %s1 = nn.div %s, %c : (tensor<2x2x16x16xf32>, tensor<1xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32>
  return %o : tensor<2x2x16x4xf32>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 0 bshd
// STATS-NEXT: (S) 1 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 0 masked

// Tests the same attention with its softmax written out as ONNX's function
// body (max, subtract, exp, sum, divide): the formula becomes the softmax
// first, so the attention still fuses.
// CHECK-LABEL: func.func @bhsd_softmax_formula
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x2x16x8xf32>{{[^,]*}}, %[[K:[^:]*]]: tensor<2x2x16x8xf32>{{[^,]*}}, %[[V:[^:]*]]: tensor<2x2x16x4xf32>
// CHECK-NOT: nn.exp
// CHECK: %[[O:.*]] = nn.attention bhsd %[[Q]], %[[K]], %[[V]] scale 0.353553{{[0-9]*}}
// CHECK-NEXT: return %[[O]]
func.func @bhsd_softmax_formula(%q: tensor<2x2x16x8xf32>, %k: tensor<2x2x16x8xf32>, %v: tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32> {
  %kt = nn.transpose %k permutation [0, 1, 3, 2] : tensor<2x2x16x8xf32>
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %c = nn.constant dense<2.82842712> : tensor<1xf32>
  %s1 = nn.div %s, %c : (tensor<2x2x16x16xf32>, tensor<1xf32>) -> tensor<2x2x16x16xf32>
  %m = nn.reduce max %s1 axes [3] keep_dims : tensor<2x2x16x16xf32>
  %d = nn.sub %s1, %m : (tensor<2x2x16x16xf32>, tensor<2x2x16x1xf32>) -> tensor<2x2x16x16xf32>
  %e = nn.exp %d : tensor<2x2x16x16xf32>
  %r = nn.reduce sum %e axes [3] keep_dims : tensor<2x2x16x16xf32>
  %p = nn.div %e, %r : (tensor<2x2x16x16xf32>, tensor<2x2x16x1xf32>) -> tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32>
  return %o : tensor<2x2x16x4xf32>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 0 bshd
// STATS-NEXT: (S) 1 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 1 masked

// Tests kᵀ given as such (no transpose to look through), a scale spread over
// q, kᵀ and the scores (0.5 · 1/2 · 0.25), a mask over the keys only and a
// different key length: k is a new transpose of kᵀ.
// CHECK-LABEL: func.func @key_given_transposed
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<1x2x4x8xf16>{{[^,]*}}, %[[KT:[^:]*]]: tensor<1x2x8x6xf16>{{[^,]*}}, %[[V:[^:]*]]: tensor<1x2x6x8xf16>{{[^,]*}}, %[[M:[^:]*]]: tensor<1x1x1x6xf16>
// CHECK: %[[K:.*]] = nn.transpose %[[KT]] permutation [0, 1, 3, 2] : tensor<1x2x8x6xf16>
// CHECK-NEXT: %[[O:.*]] = nn.attention bhsd %[[Q]], %[[K]], %[[V]] bias %[[M]] scale 6.250000e-02 : tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>, tensor<1x2x6x8xf16>, tensor<1x1x1x6xf16>
// CHECK-NEXT: return %[[O]]
func.func @key_given_transposed(%q: tensor<1x2x4x8xf16>, %kt: tensor<1x2x8x6xf16>, %v: tensor<1x2x6x8xf16>, %m: tensor<1x1x1x6xf16>) -> tensor<1x2x4x8xf16> {
  %half = nn.constant dense<0.5> : tensor<f16>
  %two = nn.constant dense<2.0> : tensor<1x1x1x1xf16>
  %quarter = nn.constant dense<0.25> : tensor<f16>
  %qs = nn.mul %half, %q : (tensor<f16>, tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16>
  %kts = nn.div %kt, %two : (tensor<1x2x8x6xf16>, tensor<1x1x1x1xf16>) -> tensor<1x2x8x6xf16>
  %s = nn.matmul %qs, %kts : (tensor<1x2x4x8xf16>, tensor<1x2x8x6xf16>) -> tensor<1x2x4x6xf16>
  %s1 = nn.mul %s, %quarter : (tensor<1x2x4x6xf16>, tensor<f16>) -> tensor<1x2x4x6xf16>
  %s2 = nn.add %m, %s1 : (tensor<1x1x1x6xf16>, tensor<1x2x4x6xf16>) -> tensor<1x2x4x6xf16>
  %p = nn.softmax %s2 axis 3 : tensor<1x2x4x6xf16>
  %o = nn.matmul %p, %v : (tensor<1x2x4x6xf16>, tensor<1x2x6x8xf16>) -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 0 bshd
// STATS-NEXT: (S) 1 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 0 masked

// Tests projections transposed into heads whose attention output is also
// returned in B × H × S × D: bhsd, the q and v transposes kept, k a head
// transpose of its projection in place of kᵀ's.
// CHECK-LABEL: func.func @output_used_twice
// CHECK: %[[Q:.*]] = nn.transpose %arg0 permutation [0, 2, 1, 3]
// CHECK: %[[V:.*]] = nn.transpose %arg2 permutation [0, 2, 1, 3]
// CHECK-NOT: permutation [0, 2, 3, 1]
// CHECK: %[[K:.*]] = nn.transpose %arg1 permutation [0, 2, 1, 3]
// CHECK-NEXT: %[[O:.*]] = nn.attention bhsd %[[Q]], %[[K]], %[[V]] scale 1.000000e+00
// CHECK-NEXT: %[[O1:.*]] = nn.transpose %[[O]] permutation [0, 2, 1, 3]
// CHECK-NEXT: return %[[O1]], %[[O]]
func.func @output_used_twice(%q0: tensor<2x16x2x8xf32>, %k0: tensor<2x16x2x8xf32>, %v0: tensor<2x16x2x8xf32>) -> (tensor<2x16x2x8xf32>, tensor<2x2x16x8xf32>) {
  %q = nn.transpose %q0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32>
  %v = nn.transpose %v0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32>
  %kt = nn.transpose %k0 permutation [0, 2, 3, 1] : tensor<2x16x2x8xf32>
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  %o1 = nn.transpose %o permutation [0, 2, 1, 3] : tensor<2x2x16x8xf32>
  return %o1, %o : tensor<2x16x2x8xf32>, tensor<2x2x16x8xf32>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 1 bshd
// STATS-NEXT: (S) 1 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 0 masked

// Tests the older exporters' form: k split into heads like q and v, then
// kᵀ by transpose [0, 1, 3, 2], the scores divided by sqrt(D). The two
// transposes of k compose to the projection's [0, 2, 3, 1]: bshd, and every
// transpose goes.
// CHECK-LABEL: func.func @head_transpose_then_key_transpose
// CHECK-NOT: nn.transpose
// CHECK: nn.attention bshd %arg0, %arg1, %arg2 scale 0.35355{{[0-9]*}}
// CHECK-NOT: nn.transpose
// CHECK: return
func.func @head_transpose_then_key_transpose(%q0: tensor<2x16x2x8xf32>, %k0: tensor<2x16x2x8xf32>, %v0: tensor<2x16x2x8xf32>) -> tensor<2x16x2x8xf32> {
  %q = nn.transpose %q0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32>
  %k = nn.transpose %k0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32>
  %v = nn.transpose %v0 permutation [0, 2, 1, 3] : tensor<2x16x2x8xf32>
  %kt = nn.transpose %k permutation [0, 1, 3, 2] : tensor<2x2x16x8xf32>
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %c = nn.constant dense<2.82842712> : tensor<f32>
  %s1 = nn.div %s, %c : (tensor<2x2x16x16xf32>, tensor<f32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  %o1 = nn.transpose %o permutation [0, 2, 1, 3] : tensor<2x2x16x8xf32>
  return %o1 : tensor<2x16x2x8xf32>
}

// -----

// STATS: FuseAttentionPass
// STATS-NEXT: (S) 0 bshd
// STATS-NEXT: (S) 0 fused
// STATS-NEXT: (S) 0 kept-by-constraint
// STATS-NEXT: (S) 0 masked

// Tests that a softmax over another axis than the keys' is not attention.
// CHECK-LABEL: func.func @softmax_other_axis
// CHECK-NOT: nn.attention
func.func @softmax_other_axis(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 2 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a per-key factor on the scores (not one scalar) is not a scale.
// CHECK-LABEL: func.func @scale_not_scalar
// CHECK-NOT: nn.attention
func.func @scale_not_scalar(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %c = nn.constant dense<[[[[1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]]]]> : tensor<1x1x1x16xf32>
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %s1 = nn.mul %s, %c : (tensor<2x2x16x16xf32>, tensor<1x1x1x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a per-feature factor on q is not part of the scale but of q:
// the attention reads the product.
// CHECK-LABEL: func.func @q_scaled_per_feature
// CHECK: %[[QS:.*]] = nn.mul %arg0
// CHECK: nn.attention bhsd %[[QS]], {{.*}} scale 1.000000e+00
func.func @q_scaled_per_feature(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %c = nn.constant dense<[[[[1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]]]]> : tensor<1x1x1x8xf32>
  %qs = nn.mul %q, %c : (tensor<2x2x16x8xf32>, tensor<1x1x1x8xf32>) -> tensor<2x2x16x8xf32>
  %s = nn.matmul %qs, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a scale that is not a constant (a temperature input) is not
// absorbed.
// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT: nn.attention
func.func @scale_not_constant(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>, %t: tensor<f32>) -> tensor<2x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %s1 = nn.div %s, %t : (tensor<2x2x16x16xf32>, tensor<f32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a mask of rank 3 (broadcast by the add, but not a rank-4 bias)
// is not fused.
// CHECK-LABEL: func.func @mask_rank_3
// CHECK-NOT: nn.attention
func.func @mask_rank_3(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>, %m: tensor<1x16x16xf32>) -> tensor<2x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %s1 = nn.add %s, %m : (tensor<2x2x16x16xf32>, tensor<1x16x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a mask that grows the scores (a larger batch) is not fused.
// CHECK-LABEL: func.func @mask_not_broadcastable
// CHECK-NOT: nn.attention
func.func @mask_not_broadcastable(%q: tensor<1x2x16x8xf32>, %kt: tensor<1x2x8x16xf32>, %v: tensor<1x2x16x8xf32>, %m: tensor<3x1x16x16xf32>) -> tensor<3x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<1x2x16x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x16x16xf32>
  %s1 = nn.add %s, %m : (tensor<1x2x16x16xf32>, tensor<3x1x16x16xf32>) -> tensor<3x2x16x16xf32>
  %p = nn.softmax %s1 axis 3 : tensor<3x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<3x2x16x16xf32>, tensor<1x2x16x8xf32>) -> tensor<3x2x16x8xf32>
  return %o : tensor<3x2x16x8xf32>
}

// -----

// Tests that scores read by another layer too are not fused away.
// CHECK-LABEL: func.func @scores_used_twice
// CHECK-NOT: nn.attention
func.func @scores_used_twice(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> (tensor<2x2x16x8xf32>, tensor<2x2x16x16xf32>) {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o, %s : tensor<2x2x16x8xf32>, tensor<2x2x16x16xf32>
}

// -----

// Tests that probabilities the network returns (attention weights) keep the
// unfused graph.
// CHECK-LABEL: func.func @probabilities_returned
// CHECK-NOT: nn.attention
func.func @probabilities_returned(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> (tensor<2x2x16x8xf32>, tensor<2x2x16x16xf32>) {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o, %p : tensor<2x2x16x8xf32>, tensor<2x2x16x16xf32>
}

// -----

// Tests that attention of rank 3 (heads folded into the batch) is not fused.
// CHECK-LABEL: func.func @rank_3
// CHECK-NOT: nn.attention
func.func @rank_3(%q: tensor<4x16x8xf32>, %kt: tensor<4x8x16xf32>, %v: tensor<4x16x8xf32>) -> tensor<4x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<4x16x16xf32>
  %p = nn.softmax %s axis 2 : tensor<4x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<4x16x16xf32>, tensor<4x16x8xf32>) -> tensor<4x16x8xf32>
  return %o : tensor<4x16x8xf32>
}

// -----

// Tests that a second matmul with the probabilities on the right (v · p, not
// p · v) is not attention.
// CHECK-LABEL: func.func @second_matmul_not_pv
// CHECK-NOT: nn.attention
func.func @second_matmul_not_pv(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %v, %p : (tensor<2x2x8x16xf32>, tensor<2x2x16x16xf32>) -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// -----

// Tests that a product of INT8 heads (quantized q and kᵀ) is not fused.
// CHECK-LABEL: func.func @quantized_heads
// CHECK-NOT: nn.attention
func.func @quantized_heads(%q: tensor<2x2x16x8x!quant.uniform<i8:f32, 0.1>>, %kt: tensor<2x2x8x16x!quant.uniform<i8:f32, 0.1>>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x8x16x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %o = nn.matmul %p, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}

// -----

// Tests that a NaN guard whose replacement is not 0 is not absorbed (and then
// the probabilities have two users).
// CHECK-LABEL: func.func @guard_not_zero
// CHECK-NOT: nn.attention
func.func @guard_not_zero(%q: tensor<2x2x16x8xf32>, %kt: tensor<2x2x8x16xf32>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %s = nn.matmul %q, %kt : (tensor<2x2x16x8xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x16x16xf32>
  %p = nn.softmax %s axis 3 : tensor<2x2x16x16xf32>
  %eq = nn.equal %p, %p : (tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>) -> tensor<2x2x16x16xi1>
  %nan = nn.not %eq : tensor<2x2x16x16xi1>
  %one = nn.constant dense<1.0> : tensor<1xf32>
  %p2 = nn.where %nan, %one, %p : tensor<2x2x16x16xi1>, tensor<1xf32>, tensor<2x2x16x16xf32>
  %o = nn.matmul %p2, %v : (tensor<2x2x16x16xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
  return %o : tensor<2x2x16x8xf32>
}
