// RUN: kiln-opt %s -split-input-file -kiln-outline-kernels -verify-diagnostics | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-outline-kernels -verify-diagnostics -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: OutlineKernelsPass
// STATS-NEXT: (S) 3 kernels - Distinct kernels generated
// STATS-NEXT: (S) 4 launches - Dispatch groups outlined

// Each dispatch becomes a launch of a generated kernel, its inputs then its
// outputs as arguments; two groups with the same code share one kernel, a
// different group (another shape, a strided output) gets its own. Each kernel
// records its launches' block size as its launch bound, which its source
// declares.

// CHECK-LABEL: func.func @outline
// CHECK-NOT: engine.dispatch
// CHECK: engine.launch @[[RELU:k0_relu1]](%{{.*}}, %[[A:.*]]) grid [{{.*}}] block {{\[}}[[BLOCK:[0-9]+]], 1, 1] outputs 1 {layers = ["relu1"], precision = "fp32", variants = array<i32: 1, 1, 1, 64, 1, 1, 1, 1, 1, 256, 1, 1>} : memref<1x64xf32>, memref<1x64xf32>
// CHECK: engine.launch @[[RELU]](%[[A]], %{{.*}}) {{.*}}outputs 1 {layers = ["relu2"]
// CHECK: engine.launch @[[ADD:k1_add]](%{{.*}}, %{{.*}}, %{{.*}}) {{.*}}outputs 1
// CHECK: engine.launch @[[SLICE:k2_relu3]]({{.*}}) {{.*}}: memref<2x64xf32>, memref<2x64xf32, strided<[128, 1]>>
// CHECK-DAG: engine.kernel @[[RELU]] max_threads_per_block [[BLOCK]] source "{{.*}}__global__ void __launch_bounds__([[BLOCK]]) [[RELU]]
// CHECK-DAG: engine.kernel @[[ADD]] max_threads_per_block 256 source "{{.*}}__launch_bounds__(256) [[ADD]]
// CHECK-DAG: engine.kernel @[[SLICE]] max_threads_per_block 256 source
// CHECK-NOT: engine.kernel
func.func @outline(%x: memref<1x64xf32> {engine.input = "x"}, %y: memref<1x64xf32> {engine.output = "y"}) {
  %a = engine.alloc : memref<1x64xf32>
  engine.dispatch ins(%x : memref<1x64xf32>) outs(%a : memref<1x64xf32>) {
  ^bb0(%t: tensor<1x64xf32>):
    %r = nn.relu %t : tensor<1x64xf32>
    engine.yield %r : tensor<1x64xf32>
  } {layers = ["relu1"], precision = "fp32"}
  %b = engine.alloc : memref<1x64xf32>
  %cat2 = engine.alloc : memref<2x64xf32>
  engine.dispatch ins(%a : memref<1x64xf32>) outs(%b : memref<1x64xf32>) {
  ^bb0(%t: tensor<1x64xf32>):
    %r = nn.relu %t : tensor<1x64xf32>
    engine.yield %r : tensor<1x64xf32>
  } {layers = ["relu2"], precision = "fp32"}
  engine.dispatch ins(%a, %b : memref<1x64xf32>, memref<1x64xf32>) outs(%y : memref<1x64xf32>) {
  ^bb0(%t: tensor<1x64xf32>, %u: tensor<1x64xf32>):
    %r = nn.add %t, %u : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32>
    engine.yield %r : tensor<1x64xf32>
  } {layers = ["add"], precision = "fp32"}
  %x2 = engine.view %cat2[0] : memref<2x64xf32> to memref<2x64xf32>
  %cat = engine.alloc : memref<2x128xf32>
  %half = engine.view %cat[256] : memref<2x128xf32> to memref<2x64xf32, strided<[128, 1]>>
  engine.dispatch ins(%x2 : memref<2x64xf32>) outs(%half : memref<2x64xf32, strided<[128, 1]>>) {
  ^bb0(%t: tensor<2x64xf32>):
    %r = nn.relu %t : tensor<2x64xf32>
    engine.yield %r : tensor<2x64xf32>
  } {layers = ["relu3"], precision = "fp32"}
  return
}

// -----

// STATS: OutlineKernelsPass
// STATS-NEXT: (S) 0 kernels - Distinct kernels generated
// STATS-NEXT: (S) 0 launches - Dispatch groups outlined

// A group the generator cannot handle: an error naming the layer.
func.func @unsupported(%x: memref<1x4x8x8xf32>, %w: memref<4x4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  // expected-error @+1 {{cannot generate a kernel for layer(s) conv1}}
  engine.dispatch ins(%x, %w : memref<1x4x8x8xf32>, memref<4x4x3x3xf32>) outs(%y : memref<1x4x8x8xf32>) {
  ^bb0(%t: tensor<1x4x8x8xf32>, %f: tensor<4x4x3x3xf32>):
    // expected-error @+1 {{runs in cuDNN or cuBLASLt, not in a generated kernel}}
    %r = nn.conv_transpose %t, %f strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
    engine.yield %r : tensor<1x4x8x8xf32>
  } {layers = ["conv1"]}
  return
}

// -----

// STATS: OutlineKernelsPass
// STATS-NEXT: (S) 1 kernels - Distinct kernels generated
// STATS-NEXT: (S) 1 launches - Dispatch groups outlined

// Tests that a kernel whose launch takes 1024 threads a block (a row too long
// for registers) records 1024 as its launch bound, as its source declares;
// as a row kernel it offers rows of 256, 512 and 1024 threads as variants,
// each a body of its own in the source.
// CHECK-LABEL: func.func @long_rows
// CHECK: engine.launch @[[NORM:k0_norm1]]({{.*}}) grid [2, 1, 1] block [1024, 1, 1] outputs 1
// CHECK-SAME: variants = array<i32: 2, 1, 1, 256, 1, 1, 2, 1, 1, 512, 1, 1, 2, 1, 1, 1024, 1, 1>
// CHECK: engine.kernel @[[NORM]] max_threads_per_block 1024 source "{{.*}}__launch_bounds__(1024) [[NORM]]
// CHECK-SAME: if (blockDim.x == 256 && blockDim.y == 1 && blockDim.z == 1) { // kiln launch variant 256x1x1
// CHECK-SAME: } // kiln launch variant 1024x1x1
func.func @long_rows(%x: memref<2x40000xf32>, %g: memref<40000xf32>, %y: memref<2x40000xf32>) {
  engine.dispatch ins(%x, %g : memref<2x40000xf32>, memref<40000xf32>) outs(%y : memref<2x40000xf32>) {
  ^bb0(%t: tensor<2x40000xf32>, %s: tensor<40000xf32>):
    %n = nn.layer_norm %t, %s axis 1 : tensor<2x40000xf32>, tensor<40000xf32>
    engine.yield %n : tensor<2x40000xf32>
  } {layers = ["norm1"], precision = "fp32"}
  return
}

// -----

// Tests that a grid-stride kernel with enough work offers every block size
// of 64 to 1024 threads as variants (grids sized for each), its launch the
// emitter's 256 threads a block; the 4-wide vector loop over 2^20 floats
// has 2^18 threads of work.
// CHECK-LABEL: func.func @variants
// CHECK: engine.launch @k0_sigmoid1({{.*}}) grid [1024, 1, 1] block [256, 1, 1] outputs 1
// CHECK-SAME: variants = array<i32: 4096, 1, 1, 64, 1, 1, 2048, 1, 1, 128, 1, 1, 1024, 1, 1, 256, 1, 1, 512, 1, 1, 512, 1, 1, 256, 1, 1, 1024, 1, 1>
func.func @variants(%x: memref<1048576xf32>, %y: memref<1048576xf32>) {
  engine.dispatch ins(%x : memref<1048576xf32>) outs(%y : memref<1048576xf32>) {
  ^bb0(%t: tensor<1048576xf32>):
    %r = nn.sigmoid %t : tensor<1048576xf32>
    engine.yield %r : tensor<1048576xf32>
  } {layers = ["sigmoid1"], precision = "fp32"}
  return
}

// -----

// A launch that only changes the element type (a cast, a quantize) is
// marked engine.conversion, what the timed INT8
// choice prices at a border; one that computes (a cast then a relu) or only
// moves data (a transpose alone) is not.
// CHECK-LABEL: func.func @conversions
// CHECK: engine.launch {{.*}} outputs 1 {engine.conversion, layers = ["cast"]
// CHECK: engine.launch {{.*}} outputs 1 {engine.conversion, layers = ["quantize"]
// CHECK: engine.launch {{.*}} outputs 1 {layers = ["cast_relu"]
// CHECK: engine.launch {{.*}} outputs 1 {layers = ["transpose"]
func.func @conversions(%x: memref<2x4x8xf32> {engine.input = "x"}, %y: memref<2x4x8xf16> {engine.output = "y"},
                       %z: memref<2x4x8xi8> {engine.output = "z"}, %w: memref<2x4x8xf16> {engine.output = "w"},
                       %v: memref<2x8x4xf32> {engine.output = "v"}) {
  engine.dispatch ins(%x : memref<2x4x8xf32>) outs(%y : memref<2x4x8xf16>) {
  ^bb0(%t: tensor<2x4x8xf32>):
    %r = nn.cast %t : tensor<2x4x8xf32> to tensor<2x4x8xf16>
    engine.yield %r : tensor<2x4x8xf16>
  } {layers = ["cast"], precision = "fp16"}
  engine.dispatch ins(%x : memref<2x4x8xf32>) outs(%z : memref<2x4x8xi8>) {
  ^bb0(%t: tensor<2x4x8xf32>):
    %q = nn.quantize %t : tensor<2x4x8xf32> to tensor<2x4x8x!quant.uniform<i8:f32, 0.5>>
    engine.yield %q : tensor<2x4x8x!quant.uniform<i8:f32, 0.5>>
  } {layers = ["quantize"], precision = "int8"}
  engine.dispatch ins(%x : memref<2x4x8xf32>) outs(%w : memref<2x4x8xf16>) {
  ^bb0(%t: tensor<2x4x8xf32>):
    %c = nn.cast %t : tensor<2x4x8xf32> to tensor<2x4x8xf16>
    %r = nn.relu %c : tensor<2x4x8xf16>
    engine.yield %r : tensor<2x4x8xf16>
  } {layers = ["cast_relu"], precision = "fp16"}
  engine.dispatch ins(%x : memref<2x4x8xf32>) outs(%v : memref<2x8x4xf32>) {
  ^bb0(%t: tensor<2x4x8xf32>):
    %p = nn.transpose %t permutation [0, 2, 1] : tensor<2x4x8xf32>
    engine.yield %p : tensor<2x8x4xf32>
  } {layers = ["transpose"], precision = "fp32"}
  return
}
