// RUN: kiln-opt %s -split-input-file -kiln-merge-horizontal | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-merge-horizontal -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: MergeHorizontalPass
// STATS-NEXT: (S) 0 merged-convs - Convolutions merged into a wider one
// STATS-NEXT: (S) 3 merged-matmuls - Attention projections merged into a wider one
// STATS-NEXT: (S) 0 wide-convs - Wider convolutions the merged ones became
// STATS-NEXT: (S) 1 wide-matmuls - Wider matrix products the merged ones became

// Tests BERT's Q, K and V projections: three products of one input feeding
// fused attention through reshapes become one product of 3 × 32 columns
// (the missing bias of K is zeros), and each projection a slice of it.
// CHECK-LABEL: func.func @qkv
// CHECK-DAG: %[[WQ:.*]] = nn.constant dense<1.0{{.*}}> : tensor<32x32xf16>
// CHECK-DAG: %[[WK:.*]] = nn.constant dense<2.0{{.*}}> : tensor<32x32xf16>
// CHECK-DAG: %[[WV:.*]] = nn.constant dense<3.0{{.*}}> : tensor<32x32xf16>
// CHECK-DAG: %[[BQ:.*]] = nn.constant dense<5.0{{.*}}> : tensor<32xf16>
// CHECK-DAG: %[[BV:.*]] = nn.constant dense<6.0{{.*}}> : tensor<32xf16>
// CHECK-DAG: %[[Z:.*]] = nn.constant dense<0.0{{.*}}> : tensor<32xf16>
// CHECK: %[[W:.*]] = nn.concat %[[WQ]], %[[WK]], %[[WV]] axis 1
// CHECK: %[[B:.*]] = nn.concat %[[BQ]], %[[Z]], %[[BV]] axis 0
// CHECK: %[[P:.*]] = nn.matmul %{{.*}}, %[[W]] bias %[[B]] : ({{.*}}) -> tensor<2x16x96xf16>
// CHECK-NEXT: %[[Q:.*]] = nn.slice %[[P]] starts [0, 0, 0] ends [2, 16, 32]
// CHECK-NEXT: %[[K:.*]] = nn.slice %[[P]] starts [0, 0, 32] ends [2, 16, 64]
// CHECK-NEXT: %[[V:.*]] = nn.slice %[[P]] starts [0, 0, 64] ends [2, 16, 96]
// CHECK-NOT: nn.matmul
// CHECK: nn.attention bshd
func.func @qkv(%x: tensor<2x16x32xf16>) -> tensor<2x16x4x8xf16> {
  %wq = nn.constant dense<1.0> : tensor<32x32xf16>
  %wk = nn.constant dense<2.0> : tensor<32x32xf16>
  %wv = nn.constant dense<3.0> : tensor<32x32xf16>
  %bq = nn.constant dense<5.0> : tensor<32xf16>
  %bv = nn.constant dense<6.0> : tensor<32xf16>
  %q0 = nn.matmul %x, %wq bias %bq : (tensor<2x16x32xf16>, tensor<32x32xf16>, tensor<32xf16>) -> tensor<2x16x32xf16>
  %k0 = nn.matmul %x, %wk : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %v0 = nn.matmul %x, %wv bias %bv : (tensor<2x16x32xf16>, tensor<32x32xf16>, tensor<32xf16>) -> tensor<2x16x32xf16>
  %q = nn.reshape %q0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %k = nn.reshape %k0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %v = nn.reshape %v0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %o = nn.attention bshd %q, %k, %v scale 0.35355338 : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>
  return %o : tensor<2x16x4x8xf16>
}

// -----

// STATS: MergeHorizontalPass
// STATS-NEXT: (S) 0 merged-convs - Convolutions merged into a wider one
// STATS-NEXT: (S) 0 merged-matmuls - Attention projections merged into a wider one
// STATS-NEXT: (S) 0 wide-convs - Wider convolutions the merged ones became
// STATS-NEXT: (S) 0 wide-matmuls - Wider matrix products the merged ones became

// Tests that products stay apart when a slice of a merged one would be a
// copy or the product cannot merge: a projection with a second user (@shared),
// attention in layout bhsd (@bhsd, its operands are transposes, not views),
// weights that are not constants (@runtime_weight), and a residual
// (@residual).
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-2: nn.matmul
// CHECK-NOT: nn.slice
func.func @shared(%x: tensor<2x16x32xf16>) -> (tensor<2x16x4x8xf16>, tensor<2x16x32xf16>) {
  %wq = nn.constant dense<1.0> : tensor<32x32xf16>
  %wk = nn.constant dense<2.0> : tensor<32x32xf16>
  %q0 = nn.matmul %x, %wq : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %k0 = nn.matmul %x, %wk : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %q = nn.reshape %q0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %k = nn.reshape %k0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %o = nn.attention bshd %q, %k, %k scale 0.35355338 : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>
  return %o, %k0 : tensor<2x16x4x8xf16>, tensor<2x16x32xf16>
}

// CHECK-LABEL: func.func @bhsd
// CHECK-COUNT-2: nn.matmul
// CHECK-NOT: nn.slice
func.func @bhsd(%x: tensor<2x16x32xf16>) -> tensor<2x4x16x8xf16> {
  %wq = nn.constant dense<1.0> : tensor<32x32xf16>
  %wk = nn.constant dense<2.0> : tensor<32x32xf16>
  %q0 = nn.matmul %x, %wq : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %k0 = nn.matmul %x, %wk : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %q = nn.reshape %q0 : tensor<2x16x32xf16> to tensor<2x4x16x8xf16>
  %k = nn.reshape %k0 : tensor<2x16x32xf16> to tensor<2x4x16x8xf16>
  %o = nn.attention bhsd %q, %k, %k scale 0.35355338 : tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>
  return %o : tensor<2x4x16x8xf16>
}

// CHECK-LABEL: func.func @runtime_weight
// CHECK-COUNT-2: nn.matmul
// CHECK-NOT: nn.slice
func.func @runtime_weight(%x: tensor<2x16x32xf16>, %wq: tensor<32x32xf16>) -> tensor<2x16x4x8xf16> {
  %wk = nn.constant dense<2.0> : tensor<32x32xf16>
  %q0 = nn.matmul %x, %wq : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %k0 = nn.matmul %x, %wk : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %q = nn.reshape %q0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %k = nn.reshape %k0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %o = nn.attention bshd %q, %k, %k scale 0.35355338 : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>
  return %o : tensor<2x16x4x8xf16>
}

// CHECK-LABEL: func.func @residual
// CHECK-COUNT-2: nn.matmul
// CHECK-NOT: nn.slice
func.func @residual(%x: tensor<2x16x32xf16>, %r: tensor<2x16x32xf16>) -> tensor<2x16x4x8xf16> {
  %wq = nn.constant dense<1.0> : tensor<32x32xf16>
  %wk = nn.constant dense<2.0> : tensor<32x32xf16>
  %q0 = nn.matmul %x, %wq residual %r : (tensor<2x16x32xf16>, tensor<32x32xf16>, tensor<2x16x32xf16>) -> tensor<2x16x32xf16>
  %k0 = nn.matmul %x, %wk : (tensor<2x16x32xf16>, tensor<32x32xf16>) -> tensor<2x16x32xf16>
  %q = nn.reshape %q0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %k = nn.reshape %k0 : tensor<2x16x32xf16> to tensor<2x16x4x8xf16>
  %o = nn.attention bshd %q, %k, %k scale 0.35355338 : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>
  return %o : tensor<2x16x4x8xf16>
}
