// kiln-calibrate's `device` option and the FP32 engine that calibration on
// the GPU runs (built and inspected here without a GPU; the GPU run itself
// is test/gpu/check-calibration.sh).
// RUN: rm -rf %t && mkdir -p %t/calib
// RUN: python3 -c "import numpy as np; rng = np.random.default_rng(5); [np.save('%t/calib/x.%%d.npy' %% k, rng.uniform(-1, 1, (1, 1, 4, 250)).astype(np.float32)) for k in range(2)]"

// On the interpreter when asked, without a remark; the summary names it.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=cpu calibrator=minmax cache=%t/cpu.cache})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU
// CPU-NOT: remark
// CPU: kiln-calibrate: batch 1/2 (ranges)
// CPU: kiln-calibrate: batch 2/2 (ranges)
// CPU-NEXT: kiln-calibrate: one pass over 2 batches in {{[0-9.]+}} s on the reference interpreter
// CPU-NOT: remark

// The engine: the network input and every measured tensor as outputs
// (measured_k is the cache's k-th tensor), strict FP32 steps; what only
// the network's own output needs (conv2) is left out.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=cpu calibrator=minmax engine=%t/calib.kiln progress=false})' -o /dev/null
// RUN: kiln-run %t/calib.kiln --inspect | FileCheck %s --check-prefix=ENGINE
// ENGINE: build options: kiln-calibrate: FP32, the measured tensors as outputs
// ENGINE: Bindings:
// ENGINE-NEXT: input x f32 [1x1x4x250]
// ENGINE-NEXT: output measured_0 f32 [1x1x4x250]
// ENGINE-NEXT: output measured_1 f32 [1x2x4x250]
// ENGINE-EMPTY:
// ENGINE: Steps:
// ENGINE: conv conv1 fp32
// ENGINE-NOT: conv2
// RUN: sed -n '2p;3p' %t/cpu.cache | FileCheck %s --check-prefix=ORDER
// ORDER: x:
// ORDER-NEXT: conv1:

// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=tpu})' 2>&1 | FileCheck %s --check-prefix=BADDEVICE
// BADDEVICE: error: kiln-calibrate: unknown calibration device 'tpu' (expected auto, gpu or cpu)

// A network whose inputs are not static cannot be built into the engine.
// RUN: not kiln-opt %S/Inputs/calibrate-dynamic.mlir --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/calib device=cpu engine=%t/dynamic.kiln})' 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: error: kiln-calibrate: the network's input tensor<?x1x4x250xf32> has no static shape (give its sizes, e.g. --input-shape)

// With a cache there is nothing to run, so no device is needed.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 device=gpu cache=%t/cpu.cache})' -o /dev/null 2>&1 | FileCheck %s --allow-empty --check-prefix=CACHED
// CACHED-NOT: error

// Tests that a conv's input and output measured for the INT8 layers get
// pairs whatever the device (the scales are the same statistics).
// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"}) -> tensor<1x2x4x250xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x250xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c2 = nn.conv %c, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv2")
  return %c2 : tensor<1x2x4x250xf32>
}
