// Tests that a generated kernel and its launch serialize (GPU test: y = 2 * x + 1).
// REQUIRES: nvrtc
// RUN: kiln-translate --serialize-engine --dump-engine-json %s | FileCheck %s
// RUN: kiln-translate --serialize-engine %s -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=RUNTIME
// RUNTIME: 0 launch mul + add affine_0 grid 4x1x1 block 64x1x1
// CHECK: "code": [
// CHECK: "arch": 90,
// CHECK: "kind_type": "LaunchStep",
// CHECK: "kernel": "affine_0",
// CHECK: "grid": [ 4, 1, 1 ],
// CHECK: "block": [ 64, 1, 1 ],

engine.kernel @affine_0 source "extern \"C\" __global__ void affine_0(const float *x, float *t) {\n  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < 256) t[i] = 2.0f * x[i] + 1.0f;\n}"
engine.kernel @copy_0 source "extern \"C\" __global__ void copy_0(const float *t, float *y) {\n  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < 256) y[i] = t[i];\n}"
func.func @main(%x: memref<256xf32> {engine.input = "x"}, %y: memref<256xf32> {engine.output = "y"}) {
  %t = engine.alloc {offset = 0 : i64, name = "t"} : memref<256xf32>
  engine.launch @affine_0(%x, %t) grid [4, 1, 1] block [64, 1, 1] outputs 1 {layers = ["mul", "add"]}
      : memref<256xf32>, memref<256xf32>
  engine.launch @copy_0(%t, %y) grid [1, 1, 1] block [256, 1, 1] outputs 1 {layers = ["identity"]}
      : memref<256xf32>, memref<256xf32>
  return
}
