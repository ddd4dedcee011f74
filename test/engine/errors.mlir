// Tests that what the engine file cannot represent is an error at the op, and that
// no file is left behind then.
// RUN: kiln-translate --serialize-engine -split-input-file -verify-diagnostics %s
// RUN: rm -f %t.kiln
// RUN: not kiln-translate --serialize-engine %s -o %t.kiln 2>/dev/null
// RUN: not test -e %t.kiln

func.func @main(%x: memref<8xf32> {engine.input = "x"}, %y: memref<8xf32> {engine.output = "y"}) {
  // expected-error @below {{arena buffer has no offset: run kiln-plan-memory first}}
  %t = engine.alloc : memref<8xf32>
  engine.copy %x, %t : memref<8xf32>, memref<8xf32>
  return
}

// -----

func.func @main(%x: memref<8xf32> {engine.input = "x"}, %y: memref<8xf32> {engine.output = "y"}) {
  // expected-error @below {{dispatch groups are not kernels yet: run kiln-outline-kernels first}}
  engine.dispatch ins(%x : memref<8xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%a: tensor<8xf32>):
    %r = nn.relu %a : tensor<8xf32>
    engine.yield %r : tensor<8xf32>
  } {layers = ["relu1"]}
  return
}

// -----

// expected-error @below {{argument #1 must carry exactly one of engine.input and engine.output}}
func.func @main(%x: memref<8xf32> {engine.input = "x"}, %y: memref<8xf32>) {
  engine.copy %x, %y : memref<8xf32>, memref<8xf32>
  return
}

// -----

// expected-error @below {{argument #0 must carry exactly one of engine.input and engine.output}}
func.func @main(%x: memref<8xf32> {engine.input = "x", engine.output = "x"}) {
  return
}

// -----

// expected-error @below {{an engine module holds one func.func (the network), found 0}}
module {
}

// -----

func.func @main(%a: memref<2x4x8xf32> {engine.input = "a"}, %b: memref<1x8x16xf32> {engine.input = "b"},
                %d: memref<2x2x4x16xf32> {engine.output = "d"}) {
  %a4 = engine.view %a[0] : memref<2x4x8xf32> to memref<1x2x4x8xf32>
  %b4 = engine.alloc {offset = 0 : i64} : memref<2x1x8x16xf32>
  // expected-error @below {{operand a broadcasts only some batch dimensions}}
  engine.gemm %a4 : memref<1x2x4x8xf32>, %b4 : memref<2x1x8x16xf32> -> %d : memref<2x2x4x16xf32>
  return
}

// -----

// expected-error @below {{engine.arena_size is 16 but the buffers reach byte 32}}
module attributes {engine.arena_size = 16 : i64} {
  func.func @main(%x: memref<8xf32> {engine.input = "x"}) {
    %t = engine.alloc {offset = 0 : i64} : memref<8xf32>
    engine.copy %x, %t : memref<8xf32>, memref<8xf32>
    return
  }
}
