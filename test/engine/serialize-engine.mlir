// Tests that an engine module becomes the file's metadata and weights: bindings in
// argument order, buffer references through views, steps in order, weights aligned
// and deduplicated, kernels compiled with their launch bounds, versions recorded.
// REQUIRES: nvrtc
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine --dump-engine-weights %s | FileCheck %s --check-prefix=WEIGHTS
// RUN: kiln-translate --serialize-engine --dump-engine-json --arch=sm_80 --arch=sm_90 %s | FileCheck %s --check-prefix=ARCHS
// The file itself: the runtime's loader reads and verifies it.
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUN: not kiln-translate --serialize-engine --dump-engine-json --arch=gfx90a %s 2>&1 | FileCheck %s --check-prefix=BADARCH

// CHECK:      "kiln_version": "{{[0-9]+\.[0-9]+\.[0-9]+}}",
// CHECK-NEXT: "build_options": "--arch=sm_90",
// CHECK-NEXT: "archs": [ 90 ],
// CHECK-NEXT: "cuda_version": {{[1-9][0-9]*}},
// CHECK-NEXT: "cudnn_version": {{[1-9][0-9]*}},
// CHECK-NEXT: "cublas_version": {{[1-9][0-9]*}},
// Bindings keep the argument order, outputs between inputs.
// CHECK:      "name": "image",
// CHECK-NEXT: "dtype": "F16",
// CHECK-NEXT: "shape": [ 1, 8, 8, 8 ],
// CHECK-NEXT: "is_input": true,
// CHECK-NEXT: "layout": "NHWC"
// CHECK:      "name": "out",
// CHECK-NEXT: "dtype": "F32",
// CHECK-NEXT: "shape": [ 2, 4, 16 ],
// CHECK-NEXT: "is_input": false,
// CHECK:      "name": "cat",
// CHECK:      "name": "q",
// CHECK:      "is_input": true,
// CHECK:      "arena_size": 10752,
// An alloc's own name, else the first step that touches it (a view's user counts).
// CHECK:      "name": "conv1.out",
// CHECK-NEXT: "offset": 0,
// CHECK-NEXT: "size": 1024,
// CHECK:      "name": "conv1 + add1 + relu1",
// CHECK-NEXT: "offset": 1024,
// CHECK-NEXT: "size": 2048,
// CHECK-NEXT: "first_step": 0,
// CHECK-NEXT: "last_step": 4
// CHECK:      "weights_size": 3392,
// CHECK-NEXT: "code": [
// CHECK-NEXT: {
// CHECK-NEXT: "arch": 90,
// CHECK-NEXT: "cubin": "<{{[1-9][0-9]*}} bytes>"
// CHECK:      "ptx": "<{{[1-9][0-9]*}} bytes>",

// The convolution: NHWC strides, the view's byte offset and strides, split pads.
// CHECK:      "kind_type": "ConvStep",
// Convolution tensors are described as cuDNN's are: N, C, spatial… dimensions, the
// strides saying where they lie (NHWC here).
// CHECK:      "x": {
// CHECK-NEXT: "dtype": "F16",
// CHECK-NEXT: "shape": [ 1, 8, 8, 8 ],
// CHECK-NEXT: "strides": [ 512, 1, 64, 8 ],
// CHECK-NEXT: "buffer": {
// CHECK-NEXT: "offset": 0,
// CHECK-NEXT: "binding": 0,
// CHECK-NEXT: "region": "Binding"
// CHECK:      "w": {
// CHECK-NEXT: "dtype": "F16",
// CHECK-NEXT: "shape": [ 8, 8, 3, 3 ],
// CHECK-NEXT: "strides": [ 72, 1, 24, 8 ],
// CHECK:      "offset": 0,
// CHECK-NEXT: "binding": 0,
// CHECK-NEXT: "region": "Weights"
// CHECK:      "bias": {
// CHECK:      "offset": 1280,
// CHECK-NEXT: "binding": 0,
// CHECK-NEXT: "region": "Weights"
// CHECK:      "z": {
// CHECK:      "region": "Binding"
// CHECK:      "y": {
// CHECK-NEXT: "dtype": "F16",
// CHECK-NEXT: "shape": [ 1, 8, 8, 8 ],
// CHECK-NEXT: "strides": [ 1024, 1, 128, 16 ],
// CHECK-NEXT: "buffer": {
// CHECK-NEXT: "offset": 1040,
// CHECK-NEXT: "binding": 0,
// CHECK-NEXT: "region": "Arena"
// CHECK:      "pads_begin": [ 1, 0 ],
// CHECK-NEXT: "pads_end": [ 1, 2 ],
// CHECK:      "compute_type": "F32",
// CHECK-NEXT: "activation": "Clip",
// CHECK-NEXT: "act_alpha": 0.0,
// CHECK-NEXT: "act_beta": 6.0,
// CHECK-NEXT: "engine_id": 7,
// CHECK-NEXT: "knobs": [ 1, 2 ],
// CHECK-NEXT: "workspace_size": 4096,
// CHECK-NEXT: "alpha": 1.0
// CHECK:      "name": "conv1 + add1 + relu1",
// CHECK:      "precision": "fp16",
// CHECK-NEXT: "tactic": "cudnn engine 7"

// A batched GEMM with a broadcast b (batch stride 0), TF32 allowed.
// CHECK:      "kind_type": "GemmStep",
// CHECK:      "b": {
// CHECK-NEXT: "offset": 1792,
// CHECK:      "has_c": false,
// CHECK-NEXT: "has_bias": false,
// CHECK:      "m": 4,
// CHECK-NEXT: "n": 16,
// CHECK-NEXT: "k": 8,
// CHECK-NEXT: "batch": 2,
// CHECK-NEXT: "lda": 8,
// CHECK-NEXT: "ldb": 16,
// CHECK:      "stride_a": 32,
// CHECK-NEXT: "stride_b": 0,
// CHECK:      "beta": 0.0,
// CHECK-NEXT: "epilogue": "Relu",
// CHECK:      "precision": "tf32",
// CHECK-NEXT: "tactic": "cublaslt heuristic, tf32 allowed"

// Both operands transposed: leading dimensions are the stored rows.
// CHECK:      "kind_type": "GemmStep",
// CHECK:      "a": {
// CHECK-NEXT: "offset": 0,
// CHECK-NEXT: "binding": 3,
// CHECK-NEXT: "region": "Binding"
// CHECK:      "has_c": true,
// CHECK-NEXT: "has_bias": true,
// CHECK:      "trans_a": true,
// CHECK-NEXT: "trans_b": true,
// CHECK-NEXT: "m": 4,
// CHECK-NEXT: "n": 16,
// CHECK-NEXT: "k": 8,
// CHECK-NEXT: "batch": 2,
// CHECK-NEXT: "lda": 4,
// CHECK-NEXT: "ldb": 8,
// CHECK-NEXT: "ldc": 16,
// CHECK-NEXT: "ldd": 16,
// CHECK-NEXT: "stride_a": 32,
// CHECK-NEXT: "stride_b": 128,
// CHECK-NEXT: "stride_c": 64,
// CHECK-NEXT: "stride_d": 64,
// CHECK-NEXT: "alpha": 0.5,
// CHECK-NEXT: "beta": 2.0,
// CHECK-NEXT: "epilogue": "None",
// CHECK-NEXT: "algo": [ 1, 2, 3, 4, 5, 6, 7, 8 ],
// CHECK:      "precision": "fp32",
// CHECK-NEXT: "tactic": "timed"

// CHECK:      "kind_type": "LaunchStep",
// CHECK-NEXT: "kind": {
// CHECK-NEXT: "kernel": "scale_0",
// CHECK-NEXT: "grid": [ 1, 1, 1 ],
// CHECK-NEXT: "block": [ 128, 1, 1 ],
// CHECK-NEXT: "shared_mem": 0,
// CHECK:      "offset": 10240,
// CHECK:      "binding": 1,
// CHECK-NEXT: "region": "Binding"

// CHECK:      "kind_type": "CopyStep",
// CHECK:      "size": 2048
// CHECK:      "assumptions": [
// CHECK-NEXT: "scale(conv1) == scale(add1)"
// CHECK:      "kernels": [
// CHECK-NEXT: {
// CHECK-NEXT: "name": "scale_0",
// CHECK-NEXT: "max_threads_per_block": 128

// Splats expanded, each weight 256-aligned, the duplicate bias once, i1 a byte each,
// the blob's raw bytes.
// WEIGHTS:      weights: 3392 bytes
// WEIGHTS-NEXT: 000000: 00 3c 00 3c
// WEIGHTS:      000470: 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c
// WEIGHTS-NEXT: 000500: 00 00 00 3c 00 40 00 42 00 44 00 45 00 46 00 47
// WEIGHTS-NEXT: 000600: 01 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00
// WEIGHTS-NEXT: 000700: 00 00 00 00 00 00 00 3f 00 00 80 3f 00 00 c0 3f
// WEIGHTS:      000900: 00 00 00 3f 00 00 00 3f
// WEIGHTS:      000d00: 00 00 80 3e 00 00 80 3e

// ARCHS: "build_options": "--arch=sm_80 --arch=sm_90",
// ARCHS-NEXT: "archs": [ 80, 90 ],
// ARCHS: "arch": 80,
// ARCHS: "arch": 90,

// RUNTIME: built for: sm_90 (cubins: sm_90) + PTX
// RUNTIME: input image f16 [1x8x8x8] NHWC
// RUNTIME: 0 conv conv1 + add1 + relu1 fp16 [1x8x8x8] * [8x8x3x3] -> [1x8x8x8] f16 +bias +z Clip
// RUNTIME: 2 gemm engine.gemm fp32 2x[4x8]^T * [8x16]^T f32->f32 +bias
// RUNTIME: 3 launch scale scale_0 grid 1x1x1 block 128x1x1 bound 128
// RUNTIME: 4 copy cat arena+1024 -> cat 2048 bytes
// RUNTIME: scale(conv1) == scale(add1)

// BADARCH: error: bad GPU architecture 'gfx90a': expected sm_<compute capability>, e.g. sm_90

module attributes {engine.assumptions = ["scale(conv1) == scale(add1)"]} {
  engine.kernel @scale_0 max_threads_per_block 128 source "extern \"C\" __global__ void __launch_bounds__(128) scale_0(const float *x, float *y) { y[threadIdx.x] = 2.0f * x[threadIdx.x]; }"
  func.func @main(%image: memref<1x8x8x8xf16> {engine.input = "image", engine.layout = "NHWC"},
                  %out: memref<2x4x16xf32> {engine.output = "out"},
                  %cat_out: memref<1x8x8x16xf16> {engine.output = "cat"},
                  %q: memref<2x8x4xf32> {engine.input = "q"}) {
    %w = engine.weight dense<1.0> : tensor<8x3x3x8xf16> : memref<8x3x3x8xf16>
    %b = engine.weight dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<8xf16> {name = "conv1.bias"} : memref<8xf16>
    // The same attribute again: stored once.
    %b2 = engine.weight dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<8xf16> : memref<8xf16>
    %mask = engine.weight dense<[true, false, true]> : tensor<3xi1> : memref<3xi1>
    %blob = engine.weight dense_resource<gemm_b> : tensor<8x16xf32> : memref<8x16xf32>
    %y = engine.alloc {offset = 0 : i64, name = "conv1.out"} : memref<1x8x8x8xf16>
    %cat = engine.alloc {offset = 1024 : i64} : memref<1x8x8x16xf16>
    // The second half of an in-place concat along channels.
    %half = engine.view %cat[16] : memref<1x8x8x16xf16> to memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>>
    engine.conv %image : memref<1x8x8x8xf16>, %w : memref<8x3x3x8xf16>
        bias %b : memref<8xf16> residual %image : memref<1x8x8x8xf16>
        -> %half : memref<1x8x8x8xf16, strided<[1024, 128, 16, 1]>> strides [1, 1] pads [1, 0, 1, 2]
        dilations [1, 1] layout channels_last activation <clip, min = 0.0, max = 6.0>
        {layers = ["conv1", "add1", "relu1"], precision = "fp16", engine_id = 7, knobs = array<i64: 1, 2>, workspace = 4096}
    %a = engine.alloc {offset = 8192 : i64} : memref<2x4x8xf32>
    %d = engine.alloc {offset = 9216 : i64} : memref<2x4x16xf32>
    engine.gemm %a : memref<2x4x8xf32>, %blob : memref<8x16xf32> -> %d : memref<2x4x16xf32> activation <relu> {allow_tf32, layers = ["matmul1"]}
    // Both operands transposed, a bias and a c, a chosen algorithm.
    %kt = engine.weight dense<0.5> : tensor<2x16x8xf32> : memref<2x16x8xf32>
    %bias = engine.weight dense<0.25> : tensor<16xf32> : memref<16xf32>
    %e = engine.alloc {offset = 10240 : i64} : memref<2x4x16xf32>
    engine.gemm %q : memref<2x8x4xf32>, %kt : memref<2x16x8xf32> bias %bias : memref<16xf32> c %d : memref<2x4x16xf32>
        -> %e : memref<2x4x16xf32> trans_a trans_b {alpha = 0.5 : f32, beta = 2.0 : f32, algo = array<i64: 1, 2, 3, 4, 5, 6, 7, 8>, tactic = "timed"}
    engine.launch @scale_0(%e, %out) grid [1, 1, 1] block [128, 1, 1] outputs 1 {layers = ["scale"]} : memref<2x4x16xf32>, memref<2x4x16xf32>
    engine.copy %cat, %cat_out {layers = ["cat"]} : memref<1x8x8x16xf16>, memref<1x8x8x16xf16>
    return
  }
}
{-#
  dialect_resources: {
    builtin: {
      gemm_b: "0x04000000000000000000003f0000803f0000c03f0000004000002040000040400000604000008040000090400000a0400000b0400000c0400000d0400000e0400000f0400000004100000841000010410000184100002041000028410000304100003841000040410000484100005041000058410000604100006841000070410000784100008041000084410000884100008c4100009041000094410000984100009c410000a0410000a4410000a8410000ac410000b0410000b4410000b8410000bc410000c0410000c4410000c8410000cc410000d0410000d4410000d8410000dc410000e0410000e4410000e8410000ec410000f0410000f4410000f8410000fc41000000420000024200000442000006420000084200000a4200000c4200000e42000010420000124200001442000016420000184200001a4200001c4200001e42000020420000224200002442000026420000284200002a4200002c4200002e42000030420000324200003442000036420000384200003a4200003c4200003e42000040420000424200004442000046420000484200004a4200004c4200004e42000050420000524200005442000056420000584200005a4200005c4200005e42000060420000624200006442000066420000684200006a4200006c4200006e42000070420000724200007442000076420000784200007a4200007c4200007e42"
    }
  }
#-}
