// RUN: rm -rf %t && mkdir -p %t/minmax %t/entropy %t/percentile %t/gauss %t/badname %t/badshape %t/badtype
// RUN: python3 -c "import numpy as np; rng = np.random.default_rng(1); a = rng.uniform(-1, 1, 1000); a[17] = -4; np.save('%t/minmax/x.0.npy', a.reshape(1, 1, 4, 250).astype(np.float32)); np.save('%t/minmax/x.1.npy', rng.uniform(-2, 2, (1, 1, 4, 250)).astype(np.float32))"
// RUN: python3 -c "import numpy as np; np.save('%t/entropy/x.0.npy', np.resize(np.float32([3, -3]), (1, 1, 4, 250)))"
// RUN: python3 -c "import numpy as np; a = np.ones(1000, np.float32); a[::100] = -100; np.save('%t/percentile/x.0.npy', a.reshape(1, 1, 4, 250))"
// RUN: python3 -c "import numpy as np; rng = np.random.default_rng(3); [np.save('%t/gauss/x.%%d.npy' %% k, (rng.standard_normal((1, 1, 4, 250)) * np.where(rng.random((1, 1, 4, 250)) < 0.02, 8, 1)).astype(np.float32)) for k in range(3)]"

// Min-max: max |x| over both batches is 4 (x = -4), so the input's scale
// is 4/127; conv1's ReLU output reaches 8 (channel 1 is relu(-2x)): 8/127.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/minmax calibrator=minmax cache=%t/minmax.cache})' 2>%t/minmax.log | FileCheck %s
// RUN: FileCheck %s --check-prefix=MINMAX-CACHE < %t/minmax.cache
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/minmax.log
// MINMAX-CACHE: kiln-calibration-cache algorithm=minmax kiln=
// MINMAX-CACHE-NEXT: x: 3.149606299e-02
// MINMAX-CACHE-NEXT: conv1: 6.299212598e-02
// PROGRESS: kiln-calibrate: batch 1/2 (ranges)
// PROGRESS-NEXT: kiln-calibrate: batch 2/2 (ranges)

// Entropy: every |x| is 3, so the histogram has one full bin, the last
// (2047); a candidate of fewer bins leaves its last bin empty in Q while P
// holds the clipped mass there (infinite divergence), so all 2048 bins win:
// threshold (2048 + 0.5) · 3/2048, scale 3 · 2048.5/2048/127.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/entropy calibrator=entropy cache=%t/entropy.cache})' 2>/dev/null | FileCheck %s --check-prefix=ENTROPY
// RUN: FileCheck %s --check-prefix=ENTROPY-CACHE < %t/entropy.cache
// ENTROPY: nn.quantize %arg0 : tensor<1x1x4x250xf32> to tensor<1x1x4x250x!quant.uniform<i8:f32, 0.023627813905477524>>
// ENTROPY-CACHE: kiln-calibration-cache algorithm=entropy kiln=
// ENTROPY-CACHE-NEXT: x: 2.362781435e-02

// Percentile: 990 values of |x| = 1 and 10 of 100; bins are 100/2048 wide,
// 1 falls in bin 20, where the cumulative share reaches 99%: the threshold
// is the bin's upper edge, 21 · 100/2048, scale 2100/2048/127.
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/percentile calibrator=percentile percentile=99 cache=%t/percentile.cache})' 2>/dev/null | FileCheck %s --check-prefix=PERCENTILE
// RUN: FileCheck %s --check-prefix=PERCENTILE-CACHE < %t/percentile.cache
// PERCENTILE: nn.quantize %arg0 : tensor<1x1x4x250xf32> to tensor<1x1x4x250x!quant.uniform<i8:f32, 0.0080739418044686317>>
// PERCENTILE-CACHE: kiln-calibration-cache algorithm=percentile percentile=99 kiln=
// PERCENTILE-CACHE-NEXT: x: 8.073941929e-03

// Each calibrator on gaussian data with 2% outliers (three batches) gives
// the scale of an independent numpy implementation (entropy_reference.py).
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/gauss calibrator=entropy cache=%t/gauss-entropy.cache})' 2>/dev/null >/dev/null
// RUN: python3 %S/../calibration/entropy_reference.py entropy %t/gauss/x.0.npy %t/gauss/x.1.npy %t/gauss/x.2.npy | sed 's/^/x: /' > %t/gauss-entropy.expected
// RUN: sed -n 2p %t/gauss-entropy.cache | diff - %t/gauss-entropy.expected
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/gauss calibrator=percentile percentile=99.9 cache=%t/gauss-percentile.cache})' 2>/dev/null >/dev/null
// RUN: python3 %S/../calibration/entropy_reference.py percentile 99.9 %t/gauss/x.0.npy %t/gauss/x.1.npy %t/gauss/x.2.npy | sed 's/^/x: /' > %t/gauss-percentile.expected
// RUN: sed -n 2p %t/gauss-percentile.cache | diff - %t/gauss-percentile.expected
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/gauss calibrator=mse cache=%t/gauss-mse.cache})' 2>/dev/null >/dev/null
// RUN: python3 %S/../calibration/entropy_reference.py mse %t/gauss/x.0.npy %t/gauss/x.1.npy %t/gauss/x.2.npy | sed 's/^/x: /' > %t/gauss-mse.expected
// RUN: sed -n 2p %t/gauss-mse.cache | diff - %t/gauss-mse.expected
// RUN: head -n 1 %t/gauss-mse.cache | FileCheck %s --check-prefix=MSE-CACHE
// MSE-CACHE: kiln-calibration-cache algorithm=mse kiln=

// A folder per batch (<batch>/<input>.npy) is the same set.
// RUN: mkdir -p %t/folders/batch-a %t/folders/batch-b && cp %t/minmax/x.0.npy %t/folders/batch-a/x.npy && cp %t/minmax/x.1.npy %t/folders/batch-b/x.npy
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/folders calibrator=minmax cache=%t/folders.cache})' 2>/dev/null >/dev/null
// RUN: diff %t/minmax.cache %t/folders.cache

// A cache is used as is: no calibration set is read.
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\nconv1: 0.25\n' > %t/hand.cache
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/none cache=%t/hand.cache})' 2>&1 | FileCheck %s --check-prefix=CACHE
// CACHE: warning: kiln-calibrate: using the calibration cache '{{.*}}hand.cache', made with minmax, not mse; delete it to calibrate again
// CACHE: nn.quantize %arg0 : tensor<1x1x4x250xf32> to tensor<1x1x4x250x!quant.uniform<i8:f32, 5.000000e-01>>
// CACHE: nn.quantize %{{.*}} : tensor<1x2x4x250xf32> to tensor<1x2x4x250x!quant.uniform<i8:f32, 2.500000e-01>>

// Errors name the file, the input and what was expected.
// RUN: printf 'kiln-calibration-cache algorithm=minmax kiln=0.1.0\nx: 0.5\n' > %t/partial.cache
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 cache=%t/partial.cache})' 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: kiln-calibrate: the calibration cache '{{.*}}partial.cache' does not match the model: 1 of 2 tensors are missing: 'conv1'
// RUN: printf 'x: 0.5\n' > %t/headless.cache
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 cache=%t/headless.cache})' 2>&1 | FileCheck %s --check-prefix=HEADLESS
// HEADLESS: error: kiln-calibrate: {{.*}}headless.cache: not a calibration cache: expected a first line starting with 'kiln-calibration-cache'
// RUN: printf 'kiln-calibration-cache algorithm=minmax\nx 0.5\n' > %t/badline.cache
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 cache=%t/badline.cache})' 2>&1 | FileCheck %s --check-prefix=BADLINE
// BADLINE: error: kiln-calibrate: {{.*}}badline.cache:2: expected 'name: scale' with a positive scale, got 'x 0.5'
// RUN: python3 -c "import numpy as np; np.save('%t/badname/y.0.npy', np.zeros((1, 1, 4, 250), np.float32))"
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/badname})' 2>&1 | FileCheck %s --check-prefix=BADNAME
// BADNAME: error: kiln-calibrate: {{.*}}badname/y.0.npy: names no input of the model (inputs: x)
// RUN: python3 -c "import numpy as np; np.save('%t/badshape/x.0.npy', np.zeros((1, 1, 2, 2), np.float32))"
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/badshape})' 2>&1 | FileCheck %s --check-prefix=BADSHAPE
// BADSHAPE: error: kiln-calibrate: {{.*}}badshape/x.0.npy: a 'tensor<1x1x2x2xf32>' for input 'x', which is 'tensor<1x1x4x250xf32>'
// RUN: python3 -c "import numpy as np; np.save('%t/badtype/x.0.npy', np.zeros((1, 1, 4, 250), np.int32))"
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/badtype})' 2>&1 | FileCheck %s --check-prefix=BADTYPE
// BADTYPE: error: kiln-calibrate: {{.*}}badtype/x.0.npy: {{.*}}(input 'x' is 'tensor<1x1x4x250xf32>')
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/minmax calibrator=kl})' 2>&1 | FileCheck %s --check-prefix=BADNAMECAL
// BADNAMECAL: error: kiln-calibrate: unknown calibrator 'kl' (expected entropy, minmax, percentile or mse)
// RUN: not kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate)' 2>&1 | FileCheck %s --check-prefix=NOSET
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-calibrate{int8-min-channels=0 calib-dir=%t/minmax calibrator=minmax progress=false})' -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: CalibratePass
// STATS-NEXT: (S) 2 calibrated-tensors - Activations given a scale
// STATS-NEXT: (S) 0 concat-shared-scales - Measured concat inputs given their concat's scale
// STATS-NEXT: (S) 0 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
// STATS-NEXT: (S) 0 kept-float-by-constraint - Quantizable layers a layer-precision entry keeps in float
// STATS-NEXT: (S) 0 kept-float-convs - Convs kept in float: too few input channels for INT8
// STATS-NEXT: (S) 2 quantized-weights - Weights quantized per channel

// NOSET: error: kiln-calibrate: no calibration set (calib-dir) and no calibration cache

// Tests that the input and conv1's output get pairs with their measured
// scales, that the weights become int8 per output channel behind a
// dequantize, and that conv2, which the network returns, keeps a float
// output (no quantize after it).
// CHECK-LABEL: func.func @main
// CHECK: %[[Q:.*]] = nn.quantize %arg0 : tensor<1x1x4x250xf32> to tensor<1x1x4x250x!quant.uniform<i8:f32, 0.031496062874794006>>
// CHECK-NEXT: %[[X:.*]] = nn.dequantize %[[Q]]
// CHECK: %[[W:.*]] = nn.constant dense<{{.*}}> : tensor<2x1x1x1xi8> as tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157186985015,0.015748031437397003}>>
// CHECK-NEXT: %[[DW:.*]] = nn.dequantize %[[W]]
// CHECK-NEXT: %[[C:.*]] = nn.conv %[[X]], %[[DW]] {{.*}} activation <relu>
// CHECK-NEXT: %[[QC:.*]] = nn.quantize %[[C]] : tensor<1x2x4x250xf32> to tensor<1x2x4x250x!quant.uniform<i8:f32, 0.062992125749588013>>
// CHECK-NEXT: %[[DC:.*]] = nn.dequantize %[[QC]]
// CHECK: %[[C2:.*]] = nn.conv %[[DC]], %{{.*}} : (tensor<1x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x250xf32>
// CHECK-NEXT: return %[[C2]]
func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"}) -> tensor<1x2x4x250xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x250xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c2 = nn.conv %c, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv2")
  return %c2 : tensor<1x2x4x250xf32>
}

// -----

// STATS: CalibratePass
// STATS-NEXT: (S) 2 calibrated-tensors - Activations given a scale
// STATS-NEXT: (S) 0 concat-shared-scales - Measured concat inputs given their concat's scale
// STATS-NEXT: (S) 0 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
// STATS-NEXT: (S) 0 kept-float-by-constraint - Quantizable layers a layer-precision entry keeps in float
// STATS-NEXT: (S) 0 kept-float-convs - Convs kept in float: too few input channels for INT8
// STATS-NEXT: (S) 2 quantized-weights - Weights quantized per channel

// Tests that a float layer reading a tensor that an INT8 layer reads too
// (the sigmoid) reads its dequantized value, while the network output
// keeps the float one.
// CHECK-LABEL: func.func @main
// CHECK: %[[C:.*]] = nn.conv %{{.*}} activation <relu>
// CHECK-NEXT: %[[QC:.*]] = nn.quantize %[[C]]
// CHECK-NEXT: %[[DC:.*]] = nn.dequantize %[[QC]]
// CHECK: nn.conv %[[DC]]
// CHECK: nn.sigmoid %[[DC]]
// CHECK: return %{{.*}}, %{{.*}}, %[[C]]
func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"})
    -> (tensor<1x2x4x250xf32>, tensor<1x2x4x250xf32>, tensor<1x2x4x250xf32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x1x4x250xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv1")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[0.25]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %c2 = nn.conv %c, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x250xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x250xf32> loc("conv2")
  %s = nn.sigmoid %c : tensor<1x2x4x250xf32> loc("sigmoid")
  return %c2, %s, %c : tensor<1x2x4x250xf32>, tensor<1x2x4x250xf32>, tensor<1x2x4x250xf32>
}

// -----

// STATS: CalibratePass
// STATS-NEXT: (S) 0 calibrated-tensors - Activations given a scale
// STATS-NEXT: (S) 0 concat-shared-scales - Measured concat inputs given their concat's scale
// STATS-NEXT: (S) 0 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
// STATS-NEXT: (S) 0 kept-float-by-constraint - Quantizable layers a layer-precision entry keeps in float
// STATS-NEXT: (S) 0 kept-float-convs - Convs kept in float: too few input channels for INT8
// STATS-NEXT: (S) 0 quantized-weights - Weights quantized per channel

// Tests that the pass must not fire on a network without a quantizable
// layer (sigmoid and softmax have no INT8 implementation).
// CHECK-LABEL: func.func @main
// CHECK-NOT: nn.quantize
// CHECK-NOT: nn.dequantize
// CHECK: return
func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"}) -> tensor<1x1x4x250xf32> {
  %s = nn.sigmoid %x : tensor<1x1x4x250xf32>
  %t = nn.softmax %s axis 3 : tensor<1x1x4x250xf32>
  return %t : tensor<1x1x4x250xf32>
}

// -----

// STATS: CalibratePass
// STATS-NEXT: (S) 1 calibrated-tensors - Activations given a scale
// STATS-NEXT: (S) 0 concat-shared-scales - Measured concat inputs given their concat's scale
// STATS-NEXT: (S) 0 float-followers - Adds and average pools left in float: no layer that runs in INT8 reads their result
// STATS-NEXT: (S) 0 kept-float-by-constraint - Quantizable layers a layer-precision entry keeps in float
// STATS-NEXT: (S) 0 kept-float-convs - Convs kept in float: too few input channels for INT8
// STATS-NEXT: (S) 1 quantized-weights - Weights quantized per channel

// Tests that a conv's input is measured through the max pool before it
// (the pool commutes with quantization, so the pair sits on the network
// input), and that a layer without an INT8 implementation (sigmoid) gets
// no pair: the conv feeding it keeps a float output.
// CHECK-LABEL: func.func @main
// CHECK: %[[Q:.*]] = nn.quantize %arg0 : tensor<1x1x4x250xf32> to tensor<1x1x4x250x!quant.uniform<i8:f32, 0.031496062874794006>>
// CHECK-NEXT: %[[X:.*]] = nn.dequantize %[[Q]]
// CHECK-NEXT: %[[P:.*]] = nn.pool max %[[X]]
// CHECK: %[[C:.*]] = nn.conv %[[P]]
// CHECK-NEXT: %[[S:.*]] = nn.sigmoid %[[C]]
// CHECK-NEXT: return %[[S]]
func.func @main(%x: tensor<1x1x4x250xf32> {kiln.name = "x"}) -> tensor<1x1x2x125xf32> {
  %p = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x4x250xf32>) -> tensor<1x1x2x125xf32> loc("pool")
  %w = nn.constant dense<[[[[2.0]]]]> : tensor<1x1x1x1xf32>
  %c = nn.conv %p, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x1x2x125xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x125xf32> loc("conv")
  %s = nn.sigmoid %c : tensor<1x1x2x125xf32> loc("sigmoid")
  return %s : tensor<1x1x2x125xf32>
}
