// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-kernels.json mode=cache gpu={NVIDIA H100 80GB HBM3} nvrtc-version=13000" 2>/dev/null | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-kernels.json mode=cache gpu={NVIDIA H100 80GB HBM3} nvrtc-version=13000" 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-kernels.json mode=cache gpu={NVIDIA H100 80GB HBM3} nvrtc-version=12080" 2>/dev/null | FileCheck %s --check-prefix=OTHER
// RUN: kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-kernels.json mode=heuristic" 2>/dev/null | FileCheck %s --check-prefix=OTHER
// RUN: not kiln-opt %s -split-input-file -kiln-select-tactics="timing-cache=%S/Inputs/timing-cache-kernels-malformed.json" 2>&1 | FileCheck %s --check-prefix=MALFORMED

// MALFORMED: error: timing cache '{{.*}}timing-cache-kernels-malformed.json': entry 0: 'block' must be three sizes of a kernel launch, found [256,1]

// Tests that a generated kernel's launch whose signature (a hash of the
// kernel's source, its arguments, shape and variants), GPU and NVRTC version
// are in the cache takes the cached shape: grid and block change, the
// kernel's launch bound follows in its attribute and its source, and the
// launch records the tactic and its source. Without such an entry (another
// NVRTC version, or mode=heuristic) the emitter's shape stays.
// CHECK-LABEL: module @cached
// CHECK: engine.kernel @k0_relu max_threads_per_block 512 source "{{.*}}__launch_bounds__(512) k0_relu(
// CHECK: engine.launch @k0_relu(%{{.*}}, %{{.*}}) grid [528, 1, 1] block [512, 1, 1] outputs 1
// CHECK-SAME: engine.tactic_source = "cache"
// CHECK-SAME: tactic = "block 512, grid 528, 0.0042 ms, from the timing cache"
// OTHER-LABEL: module @cached
// OTHER: engine.kernel @k0_relu max_threads_per_block 256 source "{{.*}}__launch_bounds__(256) k0_relu(
// OTHER: engine.launch @k0_relu(%{{.*}}, %{{.*}}) grid [1056, 1, 1] block [256, 1, 1] outputs 1
// OTHER-NOT: tactic
// OTHER: return
module @cached {
  engine.kernel @k0_relu max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_relu(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  typedef unsigned I;\0A  for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 270336; i += gridDim.x * blockDim.x)\0A    out0[i] = in0[i] > 0.0f ? in0[i] : 0.0f;\0A}\0A"
  func.func @main(%x: memref<270336xf32> {engine.input = "x"},
                  %y: memref<270336xf32> {engine.output = "y"}) {
    engine.launch @k0_relu(%x, %y) grid [1056, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["relu1"], precision = "fp32",
         variants = array<i32: 4224, 1, 1, 64, 1, 1, 2112, 1, 1, 128, 1, 1,
                               1056, 1, 1, 256, 1, 1, 528, 1, 1, 512, 1, 1,
                               264, 1, 1, 1024, 1, 1>}
        : memref<270336xf32>, memref<270336xf32>
    return
  }
}

// -----

// Tests that the same kernel launched without variants (a launch shape the
// strategy fixes) is left alone, even though its source is in the cache.
// CHECK-LABEL: module @fixed
// CHECK: engine.kernel @k0_relu max_threads_per_block 256
// CHECK: engine.launch @k0_relu(%{{.*}}, %{{.*}}) grid [1056, 1, 1] block [256, 1, 1] outputs 1 {layers = ["relu1"], precision = "fp32"}
module @fixed {
  engine.kernel @k0_relu max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_relu(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  typedef unsigned I;\0A  for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 270336; i += gridDim.x * blockDim.x)\0A    out0[i] = in0[i] > 0.0f ? in0[i] : 0.0f;\0A}\0A"
  func.func @main(%x: memref<270336xf32> {engine.input = "x"},
                  %y: memref<270336xf32> {engine.output = "y"}) {
    engine.launch @k0_relu(%x, %y) grid [1056, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["relu1"], precision = "fp32"}
        : memref<270336xf32>, memref<270336xf32>
    return
  }
}

// -----

// Tests that a cache entry naming a shape that is not among the launch's
// variants (here the variants stop at 256 threads) is ignored, with a
// warning, and the emitter's shape stays.
// WARN: kiln-select-tactics-kernels.mlir:[[# @LINE + 9]]:5: warning: the timing cache's launch shape (block 512, grid 528) is not among the kernel's variants; ignored
// WARN-NOT: warning
// CHECK-LABEL: module @not_a_variant
// CHECK: engine.launch @k0_relu(%{{.*}}, %{{.*}}) grid [1056, 1, 1] block [256, 1, 1] outputs 1
// CHECK-NOT: tactic
module @not_a_variant {
  engine.kernel @k0_relu max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_relu(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  typedef unsigned I;\0A  for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 270336; i += gridDim.x * blockDim.x)\0A    out0[i] = in0[i] > 0.0f ? in0[i] : 0.0f;\0A}\0A"
  func.func @main(%x: memref<270336xf32> {engine.input = "x"},
                  %y: memref<270336xf32> {engine.output = "y"}) {
    engine.launch @k0_relu(%x, %y) grid [1056, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["relu1"], precision = "fp32",
         variants = array<i32: 4224, 1, 1, 64, 1, 1, 2112, 1, 1, 128, 1, 1,
                               1056, 1, 1, 256, 1, 1>}
        : memref<270336xf32>, memref<270336xf32>
    return
  }
}
