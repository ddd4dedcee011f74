// Tests that the graph passes keep the numerics of a MobileNetV2/EfficientNet
// block: expansion conv + relu6, depthwise conv + hard swish, squeeze and
// excitation (global pool, sigmoid gate), projection with a residual.
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm,kiln-fold-constants,kiln-fuse-layers))' | FileCheck %s
// RUN: kiln-check-numerics %s --pass-pipeline='builtin.module(kiln-graph-pipeline)' | FileCheck %s
// RUN: kiln-check-numerics %s --rtol 2e-2 --pass-pipeline='builtin.module(kiln-graph-pipeline{precision=fp16})' | FileCheck %s
// CHECK: @mobilenet: 1 result(s) agree
func.func @mobilenet(%x: tensor<1x6x8x8xf32>, %we: tensor<18x6x1x1xf32>, %g: tensor<18xf32>,
                     %b: tensor<18xf32>, %m: tensor<18xf32>, %wd: tensor<18x1x3x3xf32>,
                     %ws1: tensor<4x18x1x1xf32>, %ws2: tensor<18x4x1x1xf32>,
                     %wp: tensor<6x18x1x1xf32>) -> tensor<1x6x8x8xf32> {
  %var = nn.constant dense<1.5> : tensor<18xf32>
  %e = nn.conv %x, %we strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x6x8x8xf32>, tensor<18x6x1x1xf32>) -> tensor<1x18x8x8xf32>
  %eb = nn.batch_norm %e, %g, %b, %m, %var
        : tensor<1x18x8x8xf32>, tensor<18xf32>, tensor<18xf32>, tensor<18xf32>, tensor<18xf32>
  %e6 = nn.clip %eb min 0.0 max 6.0 : tensor<1x18x8x8xf32>
  %d = nn.conv %e6, %wd strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 18
       : (tensor<1x18x8x8xf32>, tensor<18x1x3x3xf32>) -> tensor<1x18x8x8xf32>
  %dh = nn.hard_swish %d : tensor<1x18x8x8xf32>
  %sq = nn.global_pool avg %dh : (tensor<1x18x8x8xf32>) -> tensor<1x18x1x1xf32>
  %s1 = nn.conv %sq, %ws1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
        : (tensor<1x18x1x1xf32>, tensor<4x18x1x1xf32>) -> tensor<1x4x1x1xf32>
  %s2 = nn.conv %s1, %ws2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        : (tensor<1x4x1x1xf32>, tensor<18x4x1x1xf32>) -> tensor<1x18x1x1xf32>
  %gate = nn.sigmoid %s2 : tensor<1x18x1x1xf32>
  %se = nn.mul %dh, %gate : (tensor<1x18x8x8xf32>, tensor<1x18x1x1xf32>) -> tensor<1x18x8x8xf32>
  %p = nn.conv %se, %wp strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x18x8x8xf32>, tensor<6x18x1x1xf32>) -> tensor<1x6x8x8xf32>
  %y = nn.add %p, %x : (tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %y : tensor<1x6x8x8xf32>
}
