// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache timing-cache=%S/Inputs/timing-cache-conv-gemm.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 cublaslt-version=130100" | FileCheck %s --check-prefix=CACHE
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=heuristic conv-gemm=always" | FileCheck %s --check-prefix=FORCED
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache timing-cache=%S/Inputs/timing-cache-conv-gemm.json gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 cublaslt-version=130100 conv-gemm=never" | FileCheck %s --check-prefix=CONV
// Without a GPU (this machine) and without a cache, cuDNN keeps every conv.
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics | FileCheck %s --check-prefix=CONV
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="conv-gemm=sometimes" 2>&1 | FileCheck %s --check-prefix=BADOPTION
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=heuristic conv-gemm=always" -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// The result is a valid engine module: memory planning accepts the views.
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="mode=heuristic conv-gemm=always" -kiln-plan-memory | FileCheck %s --check-prefix=PLANNED

// BADOPTION: error: kiln-select-tactics: conv-gemm must be auto, always or never, got 'sometimes'
// STATS: (S) 1 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS: (S) 1 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS: (S) 1 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS: (S) 0 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// CONV-NOT: engine.gemm

// Tests that a pointwise f16 convolution with bias, residual and relu
// becomes a GEMM on views of the same buffers, y[N*H*W, K] = relu(x[N*H*W,
// C] w[K, C]^T + bias + residual), where the cache says cuBLASLt beat
// cuDNN; the tactic names both times.
// CACHE-LABEL: func.func @residual_relu
// CACHE-DAG: %[[W:.*]] = engine.weight {{.*}} : memref<256x1x1x64xf16>
// CACHE-DAG: %[[B:.*]] = engine.weight {{.*}} : memref<256xf16>
// CACHE-DAG: %[[WM:.*]] = engine.view %[[W]][0] : memref<256x1x1x64xf16> to memref<256x64xf16>
// CACHE-DAG: %[[XM:.*]] = engine.view %arg0[0] : memref<2x7x7x64xf16> to memref<98x64xf16>
// CACHE-DAG: %[[ZM:.*]] = engine.view %arg1[0] : memref<2x7x7x256xf16> to memref<98x256xf16>
// CACHE-DAG: %[[YM:.*]] = engine.view %arg2[0] : memref<2x7x7x256xf16> to memref<98x256xf16>
// CACHE: engine.gemm %[[XM]] : memref<98x64xf16>, %[[WM]] : memref<256x64xf16> bias %[[B]] : memref<256xf16> c %[[ZM]] : memref<98x256xf16> -> %[[YM]] : memref<98x256xf16> trans_b activation <relu>
// CACHE-SAME: algo = array<i64: 66, -1, 20, 0, 0, 35, 0, 0>
// CACHE-SAME: engine.tactic_source = "cache"
// CACHE-SAME: layers = ["conv3", "add", "relu"], precision = "fp16"
// CACHE-SAME: tactic = "cublasLt algo 66 (tile 20, stages 35, split-k 1), 0.03 ms (cuDNN 0.05 ms), from the timing cache"
// CACHE-NOT: engine.conv
// FORCED-LABEL: func.func @residual_relu
// FORCED: engine.gemm {{.*}} trans_b activation <relu>
// FORCED-SAME: tactic = "cuBLASLt for a pointwise conv, forced"
// FORCED-NOT: engine.conv
// CONV-LABEL: func.func @residual_relu
// CONV: engine.conv
// PLANNED-LABEL: func.func @residual_relu
// PLANNED: engine.gemm
func.func @residual_relu(%x: memref<2x7x7x64xf16>, %z: memref<2x7x7x256xf16>, %y: memref<2x7x7x256xf16>) {
  %w = engine.weight dense<1.0> : tensor<256x1x1x64xf16> : memref<256x1x1x64xf16>
  %b = engine.weight dense<0.5> : tensor<256xf16> : memref<256xf16>
  engine.conv %x : memref<2x7x7x64xf16>, %w : memref<256x1x1x64xf16>
      bias %b : memref<256xf16> residual %z : memref<2x7x7x256xf16>
      -> %y : memref<2x7x7x256xf16> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv3", "add", "relu"], precision = "fp16"}
  return
}

// -----

// Tests that a pointwise convolution stays on cuDNN where the cache says
// cuDNN was faster (0.02 against 0.025 ms), and that the GEMM form's views
// go with it.
// CACHE-LABEL: func.func @cudnn_faster
// CACHE-NOT: engine.view
// CACHE: engine.conv
// CACHE-SAME: tactic = "cudnn engine 3 (knobs), 0.02 ms, from the timing cache"
// CACHE-NOT: engine.gemm
// FORCED-LABEL: func.func @cudnn_faster
// FORCED: engine.gemm
func.func @cudnn_faster(%x: memref<2x7x7x256xf16>, %y: memref<2x7x7x64xf16>) {
  %w = engine.weight dense<1.0> : tensor<64x1x1x256xf16> : memref<64x1x1x256xf16>
  %b = engine.weight dense<0.5> : tensor<64xf16> : memref<64xf16>
  engine.conv %x : memref<2x7x7x256xf16>, %w : memref<64x1x1x256xf16>
      bias %b : memref<64xf16> -> %y : memref<2x7x7x64xf16> strides [1, 1]
      pads [0, 0, 0, 0] dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1", "relu1"], precision = "fp16"}
  return
}

// -----

// Tests that a convolution writing a concat's slice (rows 96 channels
// apart) reads and writes through views of the concat's buffer at the
// slice's offset, with the row stride in the matrix's layout.
// FORCED-LABEL: func.func @concat_slice
// FORCED: %[[CAT:.*]] = engine.alloc : memref<1x4x4x96xf32>
// FORCED-NOT: engine.view %[[CAT]][128] : memref<1x4x4x96xf32> to memref<1x4x4x32xf32
// FORCED: %[[YM:.*]] = engine.view %[[CAT]][128] : memref<1x4x4x96xf32> to memref<16x32xf32, strided<[96, 1]>>
// FORCED: engine.gemm {{.*}} -> %[[YM]] : memref<16x32xf32, strided<[96, 1]>> trans_b
// FORCED-SAME: allow_tf32
// PLANNED-LABEL: func.func @concat_slice
// PLANNED: engine.gemm
func.func @concat_slice(%x: memref<1x4x4x16xf32>, %out: memref<1x4x4x96xf32>) {
  %cat = engine.alloc : memref<1x4x4x96xf32>
  %slice = engine.view %cat[128] : memref<1x4x4x96xf32> to memref<1x4x4x32xf32, strided<[1536, 384, 96, 1]>>
  %w = engine.weight dense<1.0> : tensor<32x1x1x16xf32> : memref<32x1x1x16xf32>
  engine.conv %x : memref<1x4x4x16xf32>, %w : memref<32x1x1x16xf32>
      -> %slice : memref<1x4x4x32xf32, strided<[1536, 384, 96, 1]>> strides [1, 1]
      pads [0, 0, 0, 0] dilations [1, 1] layout channels_last {allow_tf32, precision = "tf32"}
  engine.copy %cat, %out : memref<1x4x4x96xf32>, memref<1x4x4x96xf32>
  return
}

// -----

// Must not fire: convolutions that are not one matrix product, or whose
// epilogue cuBLASLt cannot run.
// FORCED-LABEL: func.func @not_gemms
// FORCED-NOT: engine.gemm
func.func @not_gemms(%x: memref<1x8x8x16xf16>, %x8: memref<1x8x8x32xi8>, %xc: memref<1x16x8x8xf16>) {
  %w1 = engine.weight dense<1.0> : tensor<16x1x1x16xf16> : memref<16x1x1x16xf16>
  %w3 = engine.weight dense<1.0> : tensor<16x3x3x16xf16> : memref<16x3x3x16xf16>
  %wg = engine.weight dense<1.0> : tensor<16x1x1x8xf16> : memref<16x1x1x8xf16>
  %wc = engine.weight dense<1.0> : tensor<16x16x1x1xf16> : memref<16x16x1x1xf16>
  %y1 = engine.alloc : memref<1x8x8x16xf16>
  %y2 = engine.alloc : memref<1x4x4x16xf16>
  %y3 = engine.alloc : memref<1x10x10x16xf16>
  %y4 = engine.alloc : memref<1x8x8x16xf16>
  %y5 = engine.alloc : memref<1x8x8x16xf16>
  %y6 = engine.alloc : memref<1x16x8x8xf16>
  %y7 = engine.alloc : memref<1x8x8x16xf16>
  // 3x3 filter.
  engine.conv %x : memref<1x8x8x16xf16>, %w3 : memref<16x3x3x16xf16> -> %y1 : memref<1x8x8x16xf16>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
  // Stride 2.
  engine.conv %x : memref<1x8x8x16xf16>, %w1 : memref<16x1x1x16xf16> -> %y2 : memref<1x4x4x16xf16>
      strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
  // Padding.
  engine.conv %x : memref<1x8x8x16xf16>, %w1 : memref<16x1x1x16xf16> -> %y3 : memref<1x10x10x16xf16>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
  // Two groups.
  engine.conv %x : memref<1x8x8x16xf16>, %wg : memref<16x1x1x8xf16> -> %y4 : memref<1x8x8x16xf16>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 layout channels_last
  // An activation cuBLASLt does not fuse.
  engine.conv %x : memref<1x8x8x16xf16>, %w1 : memref<16x1x1x16xf16> -> %y5 : memref<1x8x8x16xf16>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last activation <sigmoid>
  // Channels first.
  engine.conv %xc : memref<1x16x8x8xf16>, %wc : memref<16x16x1x1xf16> -> %y6 : memref<1x16x8x8xf16>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
  // An f32 bias on f16 data.
  %bf = engine.weight dense<0.5> : tensor<16xf32> : memref<16xf32>
  engine.conv %x : memref<1x8x8x16xf16>, %w1 : memref<16x1x1x16xf16> bias %bf : memref<16xf32>
      -> %y7 : memref<1x8x8x16xf16> strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
  // INT8 (a fused epilogue with scales).
  %w8 = engine.weight dense<1> : tensor<32x1x1x32xi8> : memref<32x1x1x32xi8>
  %s8 = engine.weight dense<0.0625> : tensor<32xf32> : memref<32xf32>
  %b8 = engine.weight dense<0.5> : tensor<32xf32> : memref<32xf32>
  %y8 = engine.alloc : memref<1x8x8x32xi8>
  engine.conv %x8 : memref<1x8x8x32xi8>, %w8 : memref<32x1x1x32xi8> bias %b8 : memref<32xf32>
      scale %s8 : memref<32xf32> -> %y8 : memref<1x8x8x32xi8> strides [1, 1] pads [0, 0, 0, 0]
      dilations [1, 1] layout channels_last
  return
}
