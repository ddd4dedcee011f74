// Tests that a generated kernel's launch shape taken from the timing cache
// reaches the engine file: the launch step's grid and block, its tactic and
// tactic_source, and the kernel's launch bound (Engine.kernels), with the
// kernel compiled by NVRTC under that bound; the runtime's inspection shows
// them (a launch whose shape no tactic chose shows no tactic source).
// Without a cache entry the emitter's shape stays.
// REQUIRES: nvrtc
// RUN: kiln-opt %s -kiln-select-tactics="timing-cache=%S/../passes/Inputs/timing-cache-kernels.json mode=cache nvrtc-version=13000" -kiln-plan-memory -o %t.mlir
// RUN: kiln-translate --serialize-engine %t.mlir -o %t.kiln
// RUN: kiln-run %t.kiln --inspect | FileCheck %s --check-prefix=INSPECT
// RUN: kiln-run %t.kiln --inspect-json | FileCheck %s --check-prefix=JSON
// RUN: kiln-opt %s -kiln-select-tactics="mode=heuristic" -kiln-plan-memory -o %t.heuristic.mlir
// RUN: kiln-translate --serialize-engine %t.heuristic.mlir -o %t.heuristic.kiln
// RUN: kiln-run %t.heuristic.kiln --inspect-json | FileCheck %s --check-prefix=HEURISTIC

// INSPECT: k0_relu grid 528x1x1 block 512x1x1 bound 512
// INSPECT: tactic: block 512, grid 528, 0.0042 ms, from the timing cache [cache]

// JSON:      "tactic": "block 512, grid 528, 0.0042 ms, from the timing cache",
// JSON-NEXT: "tactic_source": "cache",
// JSON:      "kernel": "k0_relu",
// JSON-NEXT: "grid": [528, 1, 1],
// JSON-NEXT: "block": [512, 1, 1],
// JSON:      "max_threads_per_block": 512,

// HEURISTIC-NOT:  "tactic_source"
// HEURISTIC:      "kernel": "k0_relu",
// HEURISTIC-NEXT: "grid": [1056, 1, 1],
// HEURISTIC-NEXT: "block": [256, 1, 1],
// HEURISTIC:      "max_threads_per_block": 256,

module {
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
