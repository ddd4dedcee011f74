// Tests that each graph pass, and the whole graph pipeline, keep the
// numerics of a ResNet basic block with its classifier head (reference
// interpreter, random inputs and weights; FP32 within 1e-5 relative).
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fold-constants))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm,kiln-fold-constants))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm,kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-convert-layout))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline{channels-last=false})' | FileCheck %s
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16})' | FileCheck %s
// CHECK: @resnet_block: 1 result(s) agree
func.func @resnet_block(%x: tensor<2x8x10x10xf32>, %w1: tensor<8x8x3x3xf32>, %w2: tensor<8x8x3x3xf32>,
                        %g: tensor<8xf32>, %b: tensor<8xf32>, %m: tensor<8xf32>, %fc: tensor<10x8xf32>,
                        %fcb: tensor<10xf32>) -> tensor<2x10xf32> {
  %v = nn.constant dense<[0.5, 0.9, 1.2, 0.7, 2.0, 0.3, 1.1, 0.8]> : tensor<8xf32>
  %0 = nn.conv %x, %w1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<2x8x10x10xf32>, tensor<8x8x3x3xf32>) -> tensor<2x8x10x10xf32>
  %1 = nn.batch_norm %0, %g, %b, %m, %v
       : tensor<2x8x10x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %2 = nn.relu %1 : tensor<2x8x10x10xf32>
  %3 = nn.conv %2, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<2x8x10x10xf32>, tensor<8x8x3x3xf32>) -> tensor<2x8x10x10xf32>
  %4 = nn.batch_norm %3, %g, %b, %m, %v
       : tensor<2x8x10x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %5 = nn.add %4, %x : (tensor<2x8x10x10xf32>, tensor<2x8x10x10xf32>) -> tensor<2x8x10x10xf32>
  %6 = nn.relu %5 : tensor<2x8x10x10xf32>
  %7 = nn.reduce mean %6 axes [2, 3] keep_dims : tensor<2x8x10x10xf32>
  %8 = nn.flatten %7 axis 1 : tensor<2x8x1x1xf32>
  %9 = nn.gemm %8, %fc bias %fcb trans_b
       : (tensor<2x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  %10 = nn.softmax %9 axis 1 : tensor<2x10xf32>
  return %10 : tensor<2x10xf32>
}
