// Tests that recognizing SiLU and the erf form of GELU, as PyTorch exports
// them, keeps the numerics (the fused activation is computed once, where the
// arithmetic rounded after each step).
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-opt %s --kiln-fuse-layers | FileCheck %s --check-prefix=IR
// CHECK: @activations: 1 result(s) agree
// IR: nn.matmul {{.*}} activation <silu>
// IR: nn.matmul {{.*}} activation <gelu>
func.func @activations(%a: tensor<4x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %m = nn.matmul %a, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %s = nn.sigmoid %m : tensor<4x8xf32>
  %silu = nn.mul %m, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %n = nn.matmul %silu, %w2 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %q = nn.div %n, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %e = nn.erf %q : tensor<4x8xf32>
  %e1 = nn.add %e, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %xe = nn.mul %n, %e1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %gelu = nn.mul %xe, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %gelu : tensor<4x8xf32>
}
