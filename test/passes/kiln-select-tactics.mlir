// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json mode=cache gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 cublaslt-version=130100" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json mode=cache cudnn-version=91900 cublaslt-version=130100" | FileCheck %s --check-prefix=ANY
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json mode=cache arch=sm_80 cudnn-version=91900 cublaslt-version=130100" | FileCheck %s --check-prefix=SM80
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json mode=heuristic" | FileCheck %s --check-prefix=HEURISTIC
// Without a GPU (this machine), auto takes the cache.
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json cudnn-version=91900 cublaslt-version=130100" | FileCheck %s --check-prefix=ANY
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-malformed.json" 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-other-format.json" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="mode=fastest" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="mode=cache" 2>&1 | FileCheck %s --check-prefix=NOCACHE
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="mode=time" 2>&1 | FileCheck %s --check-prefix=NOGPU
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache.json mode=cache gpu={NVIDIA H100 80GB HBM3} cudnn-version=91900 cublaslt-version=130100" -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: SelectTacticsPass
// STATS-NEXT: (S) 2 cached - Tactics taken from the timing cache
// STATS-NEXT: (S) 0 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS-NEXT: (S) 0 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS-NEXT: (S) 0 heuristic - Steps left to the library's heuristic
// STATS-NEXT: (S) 0 kernels-cached - Kernel launch shapes taken from the timing cache
// STATS-NEXT: (S) 0 kernels-heuristic - Kernel launches left with the emitter's launch shape
// STATS-NEXT: (S) 0 kernels-timed - Kernel launch shapes chosen by timing
// STATS-NEXT: (S) 0 timed - Tactics chosen by timing

// MALFORMED: error: timing cache '{{.*}}timing-cache-malformed.json': entry 0: 'engine_id' must be an integer, found nothing
// FORMAT: error: timing cache '{{.*}}timing-cache-other-format.json': expected "format": "kiln-timing-cache", found "tensorrt-timing-cache"
// MODE: error: kiln-select-tactics: mode must be auto, time, cache or heuristic, got 'fastest'
// NOCACHE: error: kiln-select-tactics: mode=cache needs a timing cache (pass option timing-cache=FILE, kiln-compile --timing-cache FILE)
// NOGPU: error: kiln-select-tactics: mode=time needs a GPU: {{.*}}

// Tests that a conv and a GEMM whose signatures, GPU and library versions
// are in the cache take their tactics from it: engine, knobs and workspace,
// or the algorithm's 8 words; a readable tactic; the source recorded.
// CHECK-LABEL: func.func @cached
// CHECK: engine.conv
// CHECK-SAME: engine.tactic_source = "cache"
// CHECK-SAME: engine_id = 12 : i64
// CHECK-SAME: knobs = array<i64: 2, 1, 3, 0>
// CHECK-SAME: tactic = "cudnn engine 12 (knobs 2=1 3=0), 0.031 ms, from the timing cache"
// CHECK-SAME: workspace = 4096 : i64
// CHECK: engine.gemm
// CHECK-SAME: algo = array<i64: 21, -1, 28, 0, 0, 0, 0, 0>
// CHECK-SAME: engine.tactic_source = "cache"
// CHECK-SAME: tactic = "cublasLt algo 21 (tile 12, stages 8, split-k 1), 0.5 ms, from the timing cache"
// CHECK-SAME: workspace = 1048576 : i64
// HEURISTIC-LABEL: func.func @cached
// HEURISTIC-NOT: tactic
// HEURISTIC: return
func.func @cached(%x: memref<1x8x8x8xf16> {engine.input = "x"},
                  %y: memref<1x8x8x16xf16> {engine.output = "y"},
                  %a: memref<4x8xf32> {engine.input = "a"},
                  %d: memref<4x16xf32> {engine.output = "d"}) {
  %w = engine.weight dense<1.0> : tensor<16x3x3x8xf16> : memref<16x3x3x8xf16>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<16x3x3x8xf16> -> %y : memref<1x8x8x16xf16>
      strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last activation <relu>
      {layers = ["conv1"], precision = "fp16"}
  %b = engine.weight dense<1.0> : tensor<16x8xf32> : memref<16x8xf32>
  %bias = engine.weight dense<0.5> : tensor<16xf32> : memref<16xf32>
  engine.gemm %a : memref<4x8xf32>, %b : memref<16x8xf32> bias %bias : memref<16xf32>
      -> %d : memref<4x16xf32> trans_b {layers = ["fc"], precision = "fp32"}
  return
}

// -----

// STATS: SelectTacticsPass
// STATS-NEXT: (S) 0 cached - Tactics taken from the timing cache
// STATS-NEXT: (S) 0 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS-NEXT: (S) 0 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS-NEXT: (S) 1 heuristic - Steps left to the library's heuristic
// STATS-NEXT: (S) 0 kernels-cached - Kernel launch shapes taken from the timing cache
// STATS-NEXT: (S) 0 kernels-heuristic - Kernel launches left with the emitter's launch shape
// STATS-NEXT: (S) 0 kernels-timed - Kernel launch shapes chosen by timing
// STATS-NEXT: (S) 0 timed - Tactics chosen by timing

// Tests that entries made on another GPU (an A100, an H100 PCIe) or with
// another cuDNN version do not apply to an H100 SXM with cuDNN 9.19: the
// conv is left to the heuristic. Without a GPU name, the PCIe H100's entry
// (same architecture and version) applies; for sm_80, the A100's.
// CHECK-LABEL: func.func @other_gpu_or_version
// CHECK-NOT: engine_id
// CHECK-NOT: tactic_source
// CHECK: return
// ANY-LABEL: func.func @other_gpu_or_version
// ANY: engine.conv
// ANY-SAME: engine_id = 5 : i64
// SM80-LABEL: func.func @other_gpu_or_version
// SM80: engine.conv
// SM80-SAME: engine_id = 3 : i64
func.func @other_gpu_or_version(%x: memref<1x8x8x8xf16> {engine.input = "x"},
                                %y: memref<1x8x8x16xf16> {engine.output = "y"}) {
  %w = engine.weight dense<1.0> : tensor<16x1x1x8xf16> : memref<16x1x1x8xf16>
  engine.conv %x : memref<1x8x8x8xf16>, %w : memref<16x1x1x8xf16> -> %y : memref<1x8x8x16xf16>
      strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last
      {precision = "fp16"}
  return
}

// -----

// STATS: SelectTacticsPass
// STATS-NEXT: (S) 0 cached - Tactics taken from the timing cache
// STATS-NEXT: (S) 0 conv-gemms - Pointwise convolutions given to cuBLASLt GEMMs
// STATS-NEXT: (S) 0 cutlass-convs - INT8 convolutions given to CUTLASS kernels
// STATS-NEXT: (S) 1 heuristic - Steps left to the library's heuristic
// STATS-NEXT: (S) 0 kernels-cached - Kernel launch shapes taken from the timing cache
// STATS-NEXT: (S) 0 kernels-heuristic - Kernel launches left with the emitter's launch shape
// STATS-NEXT: (S) 0 kernels-timed - Kernel launch shapes chosen by timing
// STATS-NEXT: (S) 0 timed - Tactics chosen by timing

// Tests that an op whose signature differs from every entry (here: TF32
// allowed, which the cached GEMM's signature does not have) is not matched.
// CHECK-LABEL: func.func @different_signature
// CHECK-NOT: algo
// CHECK: return
// ANY-LABEL: func.func @different_signature
// ANY-NOT: algo
// ANY: return
func.func @different_signature(%a: memref<4x8xf32> {engine.input = "a"},
                               %d: memref<4x16xf32> {engine.output = "d"}) {
  %b = engine.weight dense<1.0> : tensor<16x8xf32> : memref<16x8xf32>
  %bias = engine.weight dense<0.5> : tensor<16xf32> : memref<16xf32>
  engine.gemm %a : memref<4x8xf32>, %b : memref<16x8xf32> bias %bias : memref<16xf32>
      -> %d : memref<4x16xf32> trans_b {allow_tf32, precision = "fp32"}
  return
}
