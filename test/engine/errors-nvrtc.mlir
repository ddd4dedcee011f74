// Tests that a kernel NVRTC cannot compile is an error carrying NVRTC's log, and
// that no file is written then.
// REQUIRES: nvrtc
// RUN: kiln-translate --serialize-engine -verify-diagnostics %s
// RUN: rm -f %t.kiln
// RUN: not kiln-translate --serialize-engine %s -o %t.kiln 2>/dev/null
// RUN: not test -e %t.kiln

// expected-error-re @below {{kernels do not compile: NVRTC failed to compile for sm_90:{{.*}}error: identifier "undefined_thing" is undefined}}
engine.kernel @broken source "extern \"C\" __global__ void broken(float *y) { y[0] = undefined_thing; }"
func.func @main(%y: memref<8xf32> {engine.output = "y"}) {
  engine.launch @broken(%y) grid [1, 1, 1] block [1, 1, 1] outputs 1 : memref<8xf32>
  return
}
