// kiln-calibrate without a GPU: `auto` falls back to the reference
// interpreter with a remark saying why, `gpu` fails; the scales are those
// of `cpu`.
// UNSUPPORTED: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t/calib
// RUN: python3 -c "import numpy as np; rng = np.random.default_rng(5); [np.save('%t/calib/x.%%d.npy' %% k, rng.uniform(-1, 1, (1, 1, 4, 250)).astype(np.float32)) for k in range(2)]"
// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib cache=%t/auto.cache})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// AUTO: remark: kiln-calibrate: calibrating on the reference interpreter, no GPU: {{.+}}
// AUTO: kiln-calibrate: pass 1/2, batch 1/2 (ranges)
// AUTO: kiln-calibrate: two passes over 2 batches in {{[0-9.]+}} s on the reference interpreter
// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=cpu cache=%t/cpu.cache})' -o /dev/null 2>/dev/null
// RUN: diff %t/auto.cache %t/cpu.cache
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=gpu})' 2>&1 | FileCheck %s --check-prefix=FORCED
// FORCED: error: kiln-calibrate: calibration on the GPU (device=gpu) is not possible: {{.+}}

func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"}) -> tensor<1x2x4x250xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x250xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c2 = nn.conv %c, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv2")
  return %c2 : tensor<1x2x4x250xf32>
}
