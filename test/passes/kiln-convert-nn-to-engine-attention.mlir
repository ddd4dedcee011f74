// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -verify-diagnostics | FileCheck %s

// Tests that BERT's attention (bshd: q, k and v the reshaped outputs of one
// projection GEMM each, an additive [B, 1, S, S] mask) becomes one
// engine.attention whose operands are strided [B, H, S, D] views of the
// GEMMs' buffers and whose output is a strided view of the output binding:
// no transposes, no copies.
// CHECK-LABEL: func.func @bert
// CHECK-SAME: (%[[X:.*]]: memref<2x8x128xf16> {engine.input = "x"}, %[[MASK:.*]]: memref<2x1x8x8xf16> {engine.input = "mask"}, %[[OUT:.*]]: memref<2x8x128xf16> {engine.output = "context"})
// CHECK: %[[QP:.*]] = engine.alloc : memref<2x8x128xf16>
// CHECK: engine.gemm {{.*}} {layers = ["q_proj"], precision = "fp16"}
// CHECK: %[[KP:.*]] = engine.alloc : memref<2x8x128xf16>
// CHECK: engine.gemm {{.*}} {layers = ["k_proj"], precision = "fp16"}
// CHECK: %[[VP:.*]] = engine.alloc : memref<2x8x128xf16>
// CHECK: engine.gemm {{.*}} {layers = ["v_proj"], precision = "fp16"}
// CHECK: %[[Q:.*]] = engine.view %[[QP]][0] : memref<2x8x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
// CHECK: %[[K:.*]] = engine.view %[[KP]][0] : memref<2x8x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
// CHECK: %[[V:.*]] = engine.view %[[VP]][0] : memref<2x8x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
// CHECK: %[[O:.*]] = engine.view %[[OUT]][0] : memref<2x8x128xf16> to memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>
// CHECK: engine.attention %[[Q]] : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>, %[[K]] : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>>, %[[V]] : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>> bias %[[MASK]] : memref<2x1x8x8xf16> -> %[[O]] : memref<2x2x8x64xf16, strided<[1024, 64, 128, 1]>> scale 1.250000e-01 {layers = ["attention0"], precision = "fp16"}
// CHECK-NOT: engine.copy
// CHECK-NOT: engine.dispatch
// CHECK: return
func.func @bert(%x: tensor<2x8x128xf16> {kiln.name = "x"},
                %mask: tensor<2x1x8x8xf16> {kiln.name = "mask"})
    -> (tensor<2x8x128xf16> {kiln.name = "context"}) {
  %wq = nn.constant dense<0.5> : tensor<128x128xf16>
  %wk = nn.constant dense<0.25> : tensor<128x128xf16>
  %wv = nn.constant dense<0.125> : tensor<128x128xf16>
  %qp = nn.matmul %x, %wq : (tensor<2x8x128xf16>, tensor<128x128xf16>) -> tensor<2x8x128xf16> loc("q_proj")
  %kp = nn.matmul %x, %wk : (tensor<2x8x128xf16>, tensor<128x128xf16>) -> tensor<2x8x128xf16> loc("k_proj")
  %vp = nn.matmul %x, %wv : (tensor<2x8x128xf16>, tensor<128x128xf16>) -> tensor<2x8x128xf16> loc("v_proj")
  %q = nn.reshape %qp : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %k = nn.reshape %kp : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %v = nn.reshape %vp : tensor<2x8x128xf16> to tensor<2x8x2x64xf16>
  %o = nn.attention bshd %q, %k, %v bias %mask scale 0.125
       : tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16>, tensor<2x8x2x64xf16>, tensor<2x1x8x8xf16> loc("attention0")
  %c = nn.reshape %o : tensor<2x8x2x64xf16> to tensor<2x8x128xf16>
  return %c : tensor<2x8x128xf16>
}

// -----

// Tests that bhsd operands are the buffers themselves, bf16, without a bias,
// with Sq != Skv and Dv != D.
// CHECK-LABEL: func.func @bhsd
// CHECK-NOT: engine.view
// CHECK: engine.attention %arg0 : memref<1x4x16x32xbf16>, %arg1 : memref<1x4x24x32xbf16>, %arg2 : memref<1x4x24x16xbf16> -> %arg3 : memref<1x4x16x16xbf16> scale 5.000000e-01 {layers = ["attn"], precision = "bf16"}
func.func @bhsd(%q: tensor<1x4x16x32xbf16>, %k: tensor<1x4x24x32xbf16>, %v: tensor<1x4x24x16xbf16>)
    -> tensor<1x4x16x16xbf16> {
  %o = nn.attention bhsd %q, %k, %v scale 0.5
       : tensor<1x4x16x32xbf16>, tensor<1x4x24x32xbf16>, tensor<1x4x24x16xbf16> loc("attn")
  return %o : tensor<1x4x16x16xbf16>
}

// -----

// Tests that a key padding mask [B, 1, 1, Skv] is read in place, broadcast
// over the queries by a zero stride.
// CHECK-LABEL: func.func @key_padding
// CHECK: %[[M:.*]] = engine.view %arg3[0] : memref<2x1x1x16xf16> to memref<2x1x8x16xf16, strided<[16, 16, 0, 1]>>
// CHECK: engine.attention {{.*}} bias %[[M]] : memref<2x1x8x16xf16, strided<[16, 16, 0, 1]>>
func.func @key_padding(%q: tensor<2x2x8x16xf16>, %k: tensor<2x2x16x16xf16>,
                       %v: tensor<2x2x16x16xf16>, %mask: tensor<2x1x1x16xf16>)
    -> tensor<2x2x8x16xf16> {
  %o = nn.attention bhsd %q, %k, %v bias %mask scale 0.25
       : tensor<2x2x8x16xf16>, tensor<2x2x16x16xf16>, tensor<2x2x16x16xf16>, tensor<2x1x1x16xf16>
  return %o : tensor<2x2x8x16xf16>
}

// -----

// Tests that an f32 attention is refused, naming the layer: cuDNN's fused
// attention has no f32 kernels (the pass must not make a step of it).
func.func @f32(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @unknown {{cannot lower layer 'self_attention' (nn.attention) to the engine: cuDNN's fused attention runs in f16 or bf16, not f32 (compile with precision fp16 or bf16, or leave the attention unfused)}}
  %o = nn.attention bhsd %q, %q, %q scale 0.25
       : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> loc("self_attention")
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Tests that a head size cuDNN cannot run is refused, naming the layer.
func.func @head(%q: tensor<1x2x8x12xf16>) -> tensor<1x2x8x12xf16> {
  // expected-error @unknown {{cannot lower layer 'odd_heads' (nn.attention) to the engine: cuDNN's fused attention needs head sizes that are multiples of 8, found 12 and 12}}
  %o = nn.attention bhsd %q, %q, %q scale 0.25
       : tensor<1x2x8x12xf16>, tensor<1x2x8x12xf16>, tensor<1x2x8x12xf16> loc("odd_heads")
  return %o : tensor<1x2x8x12xf16>
}
