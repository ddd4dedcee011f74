//===- EngineBase.td - the engine dialect and its constraints -*- tablegen -*-===//
//
// The execution plan of a compiled network, on buffers: what the engine file
// holds, one op per step.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ENGINE_BASE
#define KILN_ENGINE_BASE

include "mlir/IR/OpBase.td"

def Engine_Dialect : Dialect {
  let name = "engine";
  let cppNamespace = "::kiln::engine";
  let summary = "Kiln's execution plan: buffers, library calls and kernel launches";
  let description = [{
    The `engine` dialect is the execution plan of one compiled network. A
    module of it maps one to one onto the engine file that the runtime loads
    (`docs/engine-format.md`); the serializer is a translation.

    The network is one `func.func` whose arguments are the bindings: each
    carries `engine.input = "name"` or `engine.output = "name"` (and may carry
    `engine.layout = "NCHW"`). Its body is the ordered list of steps, on
    `memref`s:

    - buffers: `engine.weight` (a constant in the engine's weights section),
      `engine.alloc` (a tensor in the activation arena, at the `offset` the
      memory planner gives it), `engine.view` (a strided window into another
      buffer at a byte offset: a reshape, or an in-place concat's slice);
    - steps: `engine.conv` (cuDNN), `engine.gemm` (cuBLASLt),
      `engine.launch` (a kernel Kiln generated, held in an `engine.kernel`
      at module level), `engine.copy`;
    - before kernels exist: `engine.dispatch`, a group of `nn` layers on
      tensors that `kiln-outline-kernels` turns into one generated kernel.

    Every step may carry `layers` (the names of the network layers it
    computes: profiles report them joined, `conv1 + bn1 + relu1`),
    `precision` and `tactic`.

    Element types are those the runtime knows: `f32`, `f16`, `bf16`, `i8`,
    `ui8`, `i32`, `i64` and `i1` (stored as one byte).
  }];
  let dependentDialects = ["::kiln::nn::NNDialect"];
}

def Engine_Element : AnyTypeOf<[F32, F16, BF16, I8, UI8, I32, I64, I1],
                               "element type of an engine buffer">;
def Engine_Buffer : StaticShapeMemRefOf<[Engine_Element]>;

#endif // KILN_ENGINE_BASE
