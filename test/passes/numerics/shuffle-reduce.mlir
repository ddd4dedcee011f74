// Tests that shuffle + reduce keeps the numerics: reductions of every kind
// over transposed and reshaped tensors, with and without keep_dims, before
// and after kiln-fuse-layers and the whole pipeline.
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' | FileCheck %s
// CHECK-DAG: @transposed: 4 result(s) agree
// CHECK-DAG: @reshaped: 3 result(s) agree
func.func @transposed(%x: tensor<2x3x4x5xf32>)
    -> (tensor<2x5xf32>, tensor<2x4x3x1xf32>, tensor<4x3xf32>, tensor<1x1x1x5xf32>) {
  %t = nn.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x4x5xf32>
  %a = nn.reduce mean %t axes [1, 3] : tensor<2x4x5x3xf32>
  %u = nn.transpose %x permutation [0, 2, 1, 3] : tensor<2x3x4x5xf32>
  %b = nn.reduce log_sum_exp %u axes [3] keep_dims : tensor<2x4x3x5xf32>
  %c = nn.reduce l2 %u axes [0, 3] : tensor<2x4x3x5xf32>
  %v = nn.transpose %x permutation [3, 1, 2, 0] : tensor<2x3x4x5xf32>
  %d = nn.reduce max %v axes [1, 2, 3] keep_dims : tensor<5x3x4x2xf32>
  %dt = nn.transpose %d permutation [1, 2, 3, 0] : tensor<5x1x1x1xf32>
  return %a, %b, %c, %dt : tensor<2x5xf32>, tensor<2x4x3x1xf32>, tensor<4x3xf32>, tensor<1x1x1x5xf32>
}
func.func @reshaped(%x: tensor<1x8x6x6xf32>, %y: tensor<1x16x64xf32>)
    -> (tensor<1x8x1xf32>, tensor<1x16xf32>, tensor<16xf32>) {
  %r = nn.reshape %x : tensor<1x8x6x6xf32> to tensor<1x8x36xf32>
  %a = nn.reduce sum_square %r axes [2] keep_dims : tensor<1x8x36xf32>
  %h = nn.reshape %y : tensor<1x16x64xf32> to tensor<1x16x4x16xf32>
  %b = nn.reduce l1 %h axes [2, 3] : tensor<1x16x4x16xf32>
  %c = nn.reduce min %h axes [0, 2, 3] : tensor<1x16x4x16xf32>
  return %a, %b, %c : tensor<1x8x1xf32>, tensor<1x16xf32>, tensor<16xf32>
}
