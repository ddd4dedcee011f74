// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s

// Tests that the slices of a merged Q/K/V projection, reshaped into heads
// and read only by fused attention, are strided views into the merged
// product: one GEMM, no copies, q, k and v 128 elements (256 bytes) apart.
// CHECK-LABEL: func.func @merged_qkv
// CHECK: %[[P:.*]] = engine.alloc : memref<2x8x384xf16>
// CHECK: engine.gemm {{.*}} {layers = ["q_proj", "k_proj", "v_proj"], precision = "fp16"}
// CHECK-NOT: engine.dispatch
// CHECK-NOT: engine.copy
// CHECK-DAG: %[[Q:.*]] = engine.view %[[P]][0] : memref<2x8x384xf16> to memref<2x2x8x64xf16, strided<[3072, 64, 384, 1]>>
// CHECK-DAG: %[[K:.*]] = engine.view %[[P]][256] : memref<2x8x384xf16> to memref<2x2x8x64xf16, strided<[3072, 64, 384, 1]>>
// CHECK-DAG: %[[V:.*]] = engine.view %[[P]][512] : memref<2x8x384xf16> to memref<2x2x8x64xf16, strided<[3072, 64, 384, 1]>>
// CHECK: engine.attention %[[Q]] : {{.*}}, %[[K]] : {{.*}}, %[[V]] : {{.*}} -> %{{.*}} scale 1.250000e-01
// CHECK-NOT: engine.dispatch
// CHECK-NOT: engine.copy
// CHECK: return
func.func @merged_qkv(%x: tensor<2x8x128xf16> {kiln.name = "x"})
    -> (tensor<2x8x128xf16> {kiln.name = "context"}) {
  %w = nn.constant dense<0.5> : tensor<128x384xf16>
  %p = nn.matmul %x, %w : (tensor<2x8x128xf16>, tensor<128x384xf16>) -> tensor<2x8x384xf16> loc(fused["q_proj", "k_proj", "v_proj"])
  %q0 = nn.slice %p starts [0, 0, 0] ends [2, 8, 128] steps [1, 1, 1] : tensor<2x8x384xf16>
  %k0 = nn.slice %p starts [0, 0, 128] ends [2, 8, 256] steps [1, 1, 1] : tensor<2x8x384xf16>
  %v0 = nn.slice %p starts [0, 0, 256] ends [2, 8, 384] steps [1, 1, 1] : tensor<2x8x384xf16>
  %q = nn.reshape %q0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %k = nn.reshape %k0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %v = nn.reshape %v0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %o = nn.attention bshd %q, %k, %v scale 0.125
       : tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16> loc("attention0")
  %c = nn.reshape %o : tensor<2x8x2x64xf16> to tensor<2x8x128xf16>
  return %c : tensor<2x8x128xf16>
}

// -----

// Tests that a slice another layer reads too stays a copy (a dispatch): only
// fused attention reads strided operands.
// CHECK-LABEL: func.func @shared_slice
// CHECK: engine.dispatch
// CHECK: nn.slice
// CHECK: engine.attention
func.func @shared_slice(%x: tensor<2x8x128xf16> {kiln.name = "x"})
    -> (tensor<2x8x128xf16> {kiln.name = "context"}, tensor<2x8x128xf16> {kiln.name = "q"}) {
  %w = nn.constant dense<0.5> : tensor<128x384xf16>
  %p = nn.matmul %x, %w : (tensor<2x8x128xf16>, tensor<128x384xf16>) -> tensor<2x8x384xf16>
  %q0 = nn.slice %p starts [0, 0, 0] ends [2, 8, 128] steps [1, 1, 1] : tensor<2x8x384xf16>
  %k0 = nn.slice %p starts [0, 0, 128] ends [2, 8, 256] steps [1, 1, 1] : tensor<2x8x384xf16>
  %v0 = nn.slice %p starts [0, 0, 256] ends [2, 8, 384] steps [1, 1, 1] : tensor<2x8x384xf16>
  %q = nn.reshape %q0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %k = nn.reshape %k0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %v = nn.reshape %v0 : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %o = nn.attention bshd %q, %k, %v scale 0.125
       : tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16>
  %c = nn.reshape %o : tensor<2x8x2x64xf16> to tensor<2x8x128xf16>
  return %c, %q0 : tensor<2x8x128xf16>, tensor<2x8x128xf16>
}
