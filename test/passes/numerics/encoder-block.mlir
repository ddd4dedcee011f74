// Tests that the graph passes keep the numerics of a transformer encoder
// block (BERT/ViT): attention with transposes and softmax, layer norm, and
// an MLP whose bias and gelu fuse into the matmul epilogue.
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' | FileCheck %s
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16})' | FileCheck %s
// CHECK: @encoder: 1 result(s) agree
func.func @encoder(%x: tensor<2x6x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>,
                   %wv: tensor<8x8xf32>, %g: tensor<8xf32>, %beta: tensor<8xf32>,
                   %w1: tensor<8x16xf32>, %b1: tensor<16xf32>, %w2: tensor<16x8xf32>) -> tensor<2x6x8xf32> {
  %q = nn.matmul %x, %wq : (tensor<2x6x8xf32>, tensor<8x8xf32>) -> tensor<2x6x8xf32>
  %k = nn.matmul %x, %wk : (tensor<2x6x8xf32>, tensor<8x8xf32>) -> tensor<2x6x8xf32>
  %v = nn.matmul %x, %wv : (tensor<2x6x8xf32>, tensor<8x8xf32>) -> tensor<2x6x8xf32>
  %q4 = nn.reshape %q : tensor<2x6x8xf32> to tensor<2x6x2x4xf32>
  %qh = nn.transpose %q4 permutation [0, 2, 1, 3] : tensor<2x6x2x4xf32>
  %k4 = nn.reshape %k : tensor<2x6x8xf32> to tensor<2x6x2x4xf32>
  %kh = nn.transpose %k4 permutation [0, 2, 3, 1] : tensor<2x6x2x4xf32>
  %v4 = nn.reshape %v : tensor<2x6x8xf32> to tensor<2x6x2x4xf32>
  %vh = nn.transpose %v4 permutation [0, 2, 1, 3] : tensor<2x6x2x4xf32>
  %s = nn.matmul %qh, %kh : (tensor<2x2x6x4xf32>, tensor<2x2x4x6xf32>) -> tensor<2x2x6x6xf32>
  %scale = nn.constant dense<0.5> : tensor<f32>
  %ss = nn.mul %s, %scale : (tensor<2x2x6x6xf32>, tensor<f32>) -> tensor<2x2x6x6xf32>
  %p = nn.softmax %ss axis 3 : tensor<2x2x6x6xf32>
  %o = nn.matmul %p, %vh : (tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
  %ot = nn.transpose %o permutation [0, 2, 1, 3] : tensor<2x2x6x4xf32>
  %om = nn.reshape %ot : tensor<2x6x2x4xf32> to tensor<2x6x8xf32>
  %r = nn.add %om, %x : (tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x6x8xf32>
  %n = nn.layer_norm %r, %g, %beta axis 2 : tensor<2x6x8xf32>, tensor<8xf32>, tensor<8xf32>
  %h = nn.matmul %n, %w1 : (tensor<2x6x8xf32>, tensor<8x16xf32>) -> tensor<2x6x16xf32>
  %hb = nn.add %h, %b1 : (tensor<2x6x16xf32>, tensor<16xf32>) -> tensor<2x6x16xf32>
  %hg = nn.gelu %hb : tensor<2x6x16xf32>
  %y = nn.matmul %hg, %w2 : (tensor<2x6x16xf32>, tensor<16x8xf32>) -> tensor<2x6x8xf32>
  %out = nn.add %y, %n : (tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x6x8xf32>
  return %out : tensor<2x6x8xf32>
}
