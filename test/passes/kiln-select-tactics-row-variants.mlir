// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-select-tactics="mode=heuristic" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-select-tactics="launch-variant=2" | FileCheck %s --check-prefix=FORCED
// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-select-tactics="launch-variant=0" | FileCheck %s --check-prefix=FIRST
// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-select-tactics="launch-variant=7" | FileCheck %s --check-prefix=FORCED

// Tests that a row kernel, whose source holds a body per launch variant, keeps
// only the body of the block it is launched with (its launch keeps the
// variants it chose among): here the emitter's 256 threads, under
// mode=heuristic.
// With launch-variant=N every launch takes its N-th variant (the last when
// it has fewer: 7 gives the third), its launch bound follows, and only that
// body stays.
// CHECK-LABEL: module @rows
// CHECK: engine.kernel @k0_sum max_threads_per_block 256 source "{{.*}}__launch_bounds__(256) k0_sum(
// CHECK-NOT: variant 128x1x1
// CHECK-SAME: { // kiln launch variant 256x1x1
// CHECK-NOT: variant 512x1x1
// CHECK: engine.launch @k0_sum(%{{.*}}, %{{.*}}) grid [2, 1, 1] block [256, 1, 1] outputs 1 {layers = ["sum1"], precision = "fp32", variants = array<i32: 2, 1, 1, 128, 1, 1, 2, 1, 1, 256, 1, 1, 2, 1, 1, 512, 1, 1>}
// FORCED-LABEL: module @rows
// FORCED: engine.kernel @k0_sum max_threads_per_block 512 source "{{.*}}__launch_bounds__(512) k0_sum(
// FORCED-NOT: variant 128x1x1
// FORCED-NOT: variant 256x1x1
// FORCED-SAME: { // kiln launch variant 512x1x1
// FORCED: engine.launch @k0_sum(%{{.*}}, %{{.*}}) grid [2, 1, 1] block [512, 1, 1] outputs 1
// FORCED-SAME: tactic = "block 512, grid 2, variant 2, forced"
// FIRST-LABEL: module @rows
// FIRST: engine.kernel @k0_sum max_threads_per_block 128 source "{{.*}}__launch_bounds__(128) k0_sum(
// FIRST-SAME: { // kiln launch variant 128x1x1
// FIRST-NOT: variant 256x1x1
// FIRST: engine.launch @k0_sum(%{{.*}}, %{{.*}}) grid [2, 1, 1] block [128, 1, 1] outputs 1
module @rows {
  engine.kernel @k0_sum max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_sum(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  if (blockDim.x == 128 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 128x1x1\0A    const float v = kiln_block_reduce<128, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 128x1x1\0A  if (blockDim.x == 256 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 256x1x1\0A    const float v = kiln_block_reduce<256, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 256x1x1\0A  if (blockDim.x == 512 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 512x1x1\0A    const float v = kiln_block_reduce<512, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 512x1x1\0A}\0A"
  func.func @main(%x: memref<2x256xf32> {engine.input = "x"},
                  %y: memref<2xf32> {engine.output = "y"}) {
    engine.launch @k0_sum(%x, %y) grid [2, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["sum1"], precision = "fp32",
         variants = array<i32: 2, 1, 1, 128, 1, 1, 2, 1, 1, 256, 1, 1, 2, 1, 1, 512, 1, 1>}
        : memref<2x256xf32>, memref<2xf32>
    return
  }
}

// -----

// Tests that a kernel launched with two different blocks keeps both bodies
// (and the third, since the pass cannot tell which ones are unused) and its
// launches their variants, under mode=heuristic.
// CHECK-LABEL: module @two_blocks
// CHECK: engine.kernel @k0_sum max_threads_per_block 256 source "{{.*}}variant 128x1x1{{.*}}variant 256x1x1{{.*}}variant 512x1x1
// CHECK: engine.launch @k0_sum({{.*}}) grid [2, 1, 1] block [128, 1, 1] outputs 1 {{.*}}variants =
// CHECK: engine.launch @k0_sum({{.*}}) grid [2, 1, 1] block [256, 1, 1] outputs 1 {{.*}}variants =
module @two_blocks {
  engine.kernel @k0_sum max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_sum(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  if (blockDim.x == 128 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 128x1x1\0A    const float v = kiln_block_reduce<128, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 128x1x1\0A  if (blockDim.x == 256 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 256x1x1\0A    const float v = kiln_block_reduce<256, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 256x1x1\0A  if (blockDim.x == 512 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 512x1x1\0A    const float v = kiln_block_reduce<512, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 512x1x1\0A}\0A"
  func.func @main(%x: memref<2x256xf32> {engine.input = "x"},
                  %y: memref<2xf32> {engine.output = "y"}) {
    engine.launch @k0_sum(%x, %y) grid [2, 1, 1] block [128, 1, 1] outputs 1
        {layers = ["sum1"], precision = "fp32",
         variants = array<i32: 2, 1, 1, 128, 1, 1, 2, 1, 1, 256, 1, 1, 2, 1, 1, 512, 1, 1>}
        : memref<2x256xf32>, memref<2xf32>
    engine.launch @k0_sum(%x, %y) grid [2, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["sum1"], precision = "fp32",
         variants = array<i32: 2, 1, 1, 128, 1, 1, 2, 1, 1, 256, 1, 1, 2, 1, 1, 512, 1, 1>}
        : memref<2x256xf32>, memref<2xf32>
    return
  }
}

// -----

// Tests that a grid-stride kernel (one body for every block size) keeps its
// source and its variants under mode=heuristic: nothing to prune.
// CHECK-LABEL: module @grid_stride
// CHECK: engine.kernel @k0_relu max_threads_per_block 256 source "{{.*}}__launch_bounds__(256) k0_relu(
// CHECK: engine.launch @k0_relu({{.*}}) grid [1056, 1, 1] block [256, 1, 1] outputs 1 {{.*}}variants = array<i32: 2112, 1, 1, 128, 1, 1, 1056, 1, 1, 256, 1, 1>
module @grid_stride {
  engine.kernel @k0_relu max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_relu(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  typedef unsigned I;\0A  for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < 270336; i += gridDim.x * blockDim.x)\0A    out0[i] = in0[i] > 0.0f ? in0[i] : 0.0f;\0A}\0A"
  func.func @main(%x: memref<270336xf32> {engine.input = "x"},
                  %y: memref<270336xf32> {engine.output = "y"}) {
    engine.launch @k0_relu(%x, %y) grid [1056, 1, 1] block [256, 1, 1] outputs 1
        {layers = ["relu1"], precision = "fp32",
         variants = array<i32: 2112, 1, 1, 128, 1, 1, 1056, 1, 1, 256, 1, 1>}
        : memref<270336xf32>, memref<270336xf32>
    return
  }
}

// -----

// Tests that a row kernel launched with a block it has no body for is an
// error naming the block.
module @missing {
  // expected-error @+1 {{'engine.kernel' op has no body for the block it is launched with (64x1x1)}}
  engine.kernel @k0_sum max_threads_per_block 256 source "extern \22C\22 __global__ void __launch_bounds__(256) k0_sum(const float *__restrict__ in0,\0A    float *__restrict__ out0) {\0A  if (blockDim.x == 128 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 128x1x1\0A    const float v = kiln_block_reduce<128, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 128x1x1\0A  if (blockDim.x == 256 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 256x1x1\0A    const float v = kiln_block_reduce<256, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 256x1x1\0A  if (blockDim.x == 512 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 512x1x1\0A    const float v = kiln_block_reduce<512, 1>(in0[threadIdx.x], [](float a, float b) { return a + b; });\0A    if (threadIdx.x == 0) out0[blockIdx.x] = v;\0A    return;\0A  } // kiln launch variant 512x1x1\0A}\0A"
  func.func @main(%x: memref<2x256xf32> {engine.input = "x"},
                  %y: memref<2xf32> {engine.output = "y"}) {
    engine.launch @k0_sum(%x, %y) grid [2, 1, 1] block [64, 1, 1] outputs 1
        {layers = ["sum1"], precision = "fp32"}
        : memref<2x256xf32>, memref<2xf32>
    return
  }
}
