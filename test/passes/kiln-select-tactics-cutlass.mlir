// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=heuristic int8-conv-kernel=cutlass:128x64x64_s4" | FileCheck %s --check-prefix=FORCED
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache timing-cache=%S/Inputs/timing-cache-cutlass.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 nvrtc-version=13000 int8-conv-kernel=auto" | FileCheck %s --check-prefix=CACHE
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache timing-cache=%S/Inputs/timing-cache-cutlass.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 nvrtc-version=13000 int8-conv-kernel=cudnn" | FileCheck %s --check-prefix=CUDNN
// Without a GPU (this machine) and without a cache, cuDNN stays everywhere.
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics | FileCheck %s --check-prefix=CUDNN
// Without the CUTLASS headers, the cache's CUTLASS entries are not used.
// RUN: env KILN_CUTLASS_INCLUDE_DIR=%t.none kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache timing-cache=%S/Inputs/timing-cache-cutlass.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 nvrtc-version=13000 int8-conv-kernel=auto" 2>%t.err | FileCheck %s --check-prefix=CUDNN
// RUN: FileCheck %s --check-prefix=NOHEADERS < %t.err
// NOHEADERS: warning: INT8 convolutions stay on cuDNN: KILN_CUTLASS_INCLUDE_DIR is '{{.*}}.none', which holds no cutlass/cutlass.h
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="int8-conv-kernel=cutlass:96x96x64_s2" 2>&1 | FileCheck %s --check-prefix=BADCONFIG
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="int8-conv-kernel=fastest" 2>&1 | FileCheck %s --check-prefix=BADOPTION
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=heuristic int8-conv-kernel=cutlass:128x64x64_s4" -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// BADCONFIG: error: kiln-select-tactics: int8-conv-kernel=cutlass:96x96x64_s2 names no CUTLASS configuration; they are 128x128x64_s4, 128x128x128_s3, 128x256x64_s3, 256x128x64_s3, 128x64x64_s4, 64x64x64_s6, 64x64x64_s4_k2, 64x64x64_s4_k4, 64x64x64_s4_k8
// BADOPTION: error: kiln-select-tactics: int8-conv-kernel must be auto, cudnn or cutlass:<config>, got 'fastest'
// STATS: (S) 1 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS: (S) 1 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS: (S) 0 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS: (S) 1 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// An engine also compiled for sm_80 takes no split-K kernel: forced, it is
// an error; from the cache, the entries timed with split-K (for sm_90 only)
// are not its entries, so cuDNN stays.
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="min-arch=sm_80 int8-conv-kernel=cutlass:64x64x64_s4_k4" 2>&1 | FileCheck %s --check-prefix=SPLIT80
// SPLIT80: error: kiln-select-tactics: int8-conv-kernel=cutlass:64x64x64_s4_k4 is split-K, which needs thread-block clusters (sm_90 or newer); the kernels are compiled for sm_80
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache min-arch=sm_80 timing-cache=%S/Inputs/timing-cache-cutlass.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 nvrtc-version=13000 int8-conv-kernel=auto" | FileCheck %s --check-prefix=MIN80
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="min-arch=sm90 int8-conv-kernel=auto" 2>&1 | FileCheck %s --check-prefix=BADMINARCH
// BADMINARCH: error: bad GPU architecture 'sm90': expected sm_<compute capability>, e.g. sm_90

// CUDNN-NOT: engine.launch
// CUDNN-NOT: engine.kernel

// Tests that a fused INT8 convolution with an int8 residual, relu, odd
// spatial sizes and stride 2 becomes a launch of a CUTLASS kernel on the
// same buffers (x, w, scale, bias, residual, y), the problem and the
// epilogue compiled in, with the configuration's tiles, block and shared
// memory; or takes it from the timing cache, where CUTLASS beat cuDNN.
// FORCED-LABEL: func.func @residual_relu
// FORCED: engine.launch @kiln_cutlass_conv_0(%arg0, %0, %1, %2, %arg1, %arg2) grid [1, 1, 1] block [128, 1, 1] shared_memory 49152 outputs 1
// FORCED-SAME: layers = ["conv1", "add1", "relu1"], precision = "int8", tactic = "cutlass 128x64x64 s4, forced"
// FORCED-NOT: engine.conv
// FORCED: engine.kernel @kiln_cutlass_conv_0 max_threads_per_block 128 source
// FORCED-SAME: #include \22cutlass/conv/kernel/default_conv2d_fprop.h\22
// FORCED-SAME: N=2 H=9 W=7 C=32 -> P=5 Q=4 K=48, filter 3x3\0A// stride 2x2 pad 1,1 dilation 1x1
// FORCED-SAME: act(sum * scale[k] + bias[k] + residual * 0x1p-1f) with relu, round half to even, saturate to int8.
// FORCED-SAME: GemmShape<128, 64, 64>, cutlass::gemm::GemmShape<64, 32, 64>
// FORCED-SAME: LinearCombination<int8_t, 8, int32_t, float>
// FORCED-SAME: GemmIdentityThreadblockSwizzle<4>, 4,
// FORCED-SAME: OpMultiplyAddSaturate, cutlass::conv::IteratorAlgorithm::kOptimized
// FORCED-SAME: Int8ConvEpilogue<Base::Epilogue::OutputTileIterator, true, true>
// FORCED-SAME: static_assert(sizeof(SharedStorage) <= 49152
// FORCED-SAME: problem(2, 9, 7, 32, 48, 3, 3, 5, 4, 1, 1,\0A {{ *}}2, 2, 1, 1,
// CACHE-LABEL: func.func @residual_relu
// CACHE: engine.launch @kiln_cutlass_conv_0(%arg0, %0, %1, %2, %arg1, %arg2) grid [1, 1, 1] block [128, 1, 1] shared_memory 49152 outputs 1
// CACHE-SAME: engine.tactic_source = "cache"
// CACHE-SAME: tactic = "cutlass 128x64x64 s4, 0.02 ms (cuDNN 0.05 ms), from the timing cache"
// CACHE: engine.kernel @kiln_cutlass_conv_0
func.func @residual_relu(%x: memref<2x9x7x32xi8>, %z: memref<2x5x4x48xi8>, %y: memref<2x5x4x48xi8>) {
  %w = engine.weight dense<1> : tensor<48x3x3x32xi8> : memref<48x3x3x32xi8>
  %s = engine.weight dense<0.0625> : tensor<48xf32> : memref<48xf32>
  %b = engine.weight dense<0.5> : tensor<48xf32> : memref<48xf32>
  engine.conv %x : memref<2x9x7x32xi8>, %w : memref<48x3x3x32xi8>
      bias %b : memref<48xf32> residual %z : memref<2x5x4x48xi8> scale %s : memref<48xf32>
      -> %y : memref<2x5x4x48xi8> strides [2, 2] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "add1", "relu1"], precision = "int8", residual_scale = 0.5 : f32}
  return
}

// -----

// Tests that a pointwise INT8 convolution without residual or activation
// takes a kernel with four arguments; from the cache it stays on cuDNN,
// which was faster there.
// FORCED-LABEL: func.func @pointwise
// FORCED: engine.launch @kiln_cutlass_conv_0(%arg0, %0, %1, %2, %arg1) grid [1, 1, 1] block [128, 1, 1] shared_memory 49152 outputs 1
// FORCED: engine.kernel @kiln_cutlass_conv_0
// FORCED-SAME: act(sum * scale[k] + bias[k]) without activation
// FORCED-SAME: Int8ConvEpilogue<Base::Epilogue::OutputTileIterator, false, false>
// FORCED-SAME: const float *__restrict__ bias, int8_t *__restrict__ y)
// CACHE-LABEL: func.func @pointwise
// CACHE: engine.conv
// CACHE-SAME: tactic = "cudnn engine 5 (knobs), 0.004 ms, from the timing cache"
// CACHE-NOT: engine.launch
func.func @pointwise(%x: memref<1x8x8x32xi8>, %y: memref<1x8x8x64xi8>) {
  %w = engine.weight dense<1> : tensor<64x1x1x32xi8> : memref<64x1x1x32xi8>
  %s = engine.weight dense<0.0625> : tensor<64xf32> : memref<64xf32>
  %b = engine.weight dense<0.5> : tensor<64xf32> : memref<64xf32>
  engine.conv %x : memref<1x8x8x32xi8>, %w : memref<64x1x1x32xi8>
      bias %b : memref<64xf32> scale %s : memref<64xf32>
      -> %y : memref<1x8x8x64xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {precision = "int8"}
  return
}

// -----

// Tests that convolutions the kernels do not run stay on cuDNN even when a
// configuration is forced: f16, 8 input channels, grouped, an f32 output,
// 40 output channels, clip (ReLU6: the CUTLASS epilogue applies relu only).
// FORCED-LABEL: func.func @not_eligible
// FORCED-NOT: engine.launch
// FORCED-COUNT-6: engine.conv
// FORCED-NOT: engine.kernel
func.func @not_eligible(%xh: memref<1x8x8x32xf16>, %yh: memref<1x8x8x32xf16>,
                        %x8: memref<1x8x8x8xi8>, %y8: memref<1x8x8x32xi8>,
                        %x: memref<1x8x8x32xi8>, %y: memref<1x8x8x32xi8>,
                        %yf: memref<1x8x8x32xf32>,
                        %yk: memref<1x8x8x40xi8>) {
  %wh = engine.weight dense<1.0> : tensor<32x1x1x32xf16> : memref<32x1x1x32xf16>
  engine.conv %xh : memref<1x8x8x32xf16>, %wh : memref<32x1x1x32xf16>
      -> %yh : memref<1x8x8x32xf16> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {precision = "fp16"}
  %s = engine.weight dense<0.0625> : tensor<32xf32> : memref<32xf32>
  %b = engine.weight dense<0.5> : tensor<32xf32> : memref<32xf32>
  %w8 = engine.weight dense<1> : tensor<32x1x1x8xi8> : memref<32x1x1x8xi8>
  engine.conv %x8 : memref<1x8x8x8xi8>, %w8 : memref<32x1x1x8xi8>
      bias %b : memref<32xf32> scale %s : memref<32xf32>
      -> %y8 : memref<1x8x8x32xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {precision = "int8"}
  %wg = engine.weight dense<1> : tensor<32x1x1x16xi8> : memref<32x1x1x16xi8>
  engine.conv %x : memref<1x8x8x32xi8>, %wg : memref<32x1x1x16xi8>
      bias %b : memref<32xf32> scale %s : memref<32xf32>
      -> %y : memref<1x8x8x32xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] groups 2 layout channels_last {precision = "int8"}
  %w = engine.weight dense<1> : tensor<32x1x1x32xi8> : memref<32x1x1x32xi8>
  engine.conv %x : memref<1x8x8x32xi8>, %w : memref<32x1x1x32xi8>
      bias %b : memref<32xf32> scale %s : memref<32xf32>
      -> %yf : memref<1x8x8x32xf32> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last {precision = "int8"}
  %sk = engine.weight dense<0.0625> : tensor<40xf32> : memref<40xf32>
  %bk = engine.weight dense<0.5> : tensor<40xf32> : memref<40xf32>
  %wk = engine.weight dense<1> : tensor<40x3x3x32xi8> : memref<40x3x3x32xi8>
  engine.conv %x : memref<1x8x8x32xi8>, %wk : memref<40x3x3x32xi8>
      bias %bk : memref<40xf32> scale %sk : memref<40xf32>
      -> %yk : memref<1x8x8x40xi8> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last {precision = "int8"}
  engine.conv %x : memref<1x8x8x32xi8>, %w : memref<32x1x1x32xi8>
      bias %b : memref<32xf32> scale %s : memref<32xf32>
      -> %y : memref<1x8x8x32xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <clip, min = 0.0, max = 24.0>
      {precision = "int8"}
  return
}

// -----

// Tests that a convolution of a few output tiles (ResNet-50's layer4 3x3 at
// batch 1) takes a split-K configuration from the cache: the grid's z holds
// the slices, the kernel a cluster of them and their exchange of sums. The
// cache's entry from before the split-K configurations (signature without
// "v2", faster) is not used.
// FORCED-LABEL: func.func @few_tiles
// FORCED: engine.launch @kiln_cutlass_conv_0
// FORCED-SAME: grid [4, 2, 1] block [128, 1, 1] shared_memory 49152
// MIN80-LABEL: func.func @few_tiles
// MIN80: engine.conv
// MIN80-SAME: tactic = "cudnn engine 4 (knobs), 0.0132 ms, from the timing cache"
// MIN80-NOT: engine.launch
// CACHE-LABEL: func.func @few_tiles
// CACHE: engine.launch @kiln_cutlass_conv_0(%arg0, %0, %1, %2, %arg1) grid [4, 2, 8] block [128, 1, 1] shared_memory 32768 outputs 1
// CACHE-SAME: tactic = "cutlass 64x64x64 s4 split-k 8, 0.0089 ms (cuDNN 0.0132 ms), from the timing cache"
// CACHE: engine.kernel @kiln_cutlass_conv_0
// CACHE-SAME: GemmShape<64, 64, 64>
// CACHE-SAME: extern \22C\22 __global__ void __cluster_dims__(1, 1, 8) __launch_bounds__(128)
// CACHE-SAME: kCrossCorrelation, 8, 1)
// CACHE-SAME: cooperative_groups::this_cluster()
// CACHE-SAME: cluster.map_shared_rank(exchange, other)
func.func @few_tiles(%x: memref<1x7x7x512xi8>, %y: memref<1x7x7x512xi8>) {
  %w = engine.weight dense<1> : tensor<512x3x3x512xi8> : memref<512x3x3x512xi8>
  %s = engine.weight dense<0.0625> : tensor<512xf32> : memref<512xf32>
  %b = engine.weight dense<0.5> : tensor<512xf32> : memref<512xf32>
  engine.conv %x : memref<1x7x7x512xi8>, %w : memref<512x3x3x512xi8>
      bias %b : memref<512xf32> scale %s : memref<512xf32>
      -> %y : memref<1x7x7x512xi8> strides [1, 1] pads [1, 1, 1, 1]
      dilations [1, 1] layout channels_last activation <relu> {precision = "int8"}
  return
}
