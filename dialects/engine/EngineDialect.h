//===- EngineDialect.h - the engine dialect: the execution plan -*- C++ -*-===//
//
// The one header users of the dialect include.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ENGINE_ENGINEDIALECT_H
#define KILN_DIALECTS_ENGINE_ENGINEDIALECT_H

#include "dialects/nn/NNDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/engine/EngineDialect.h.inc"

namespace kiln::engine {
/// Names of the attributes that mark the network function's arguments as
/// bindings, and the module's arena size.
constexpr llvm::StringLiteral kInputAttr = "engine.input";
constexpr llvm::StringLiteral kOutputAttr = "engine.output";
constexpr llvm::StringLiteral kLayoutAttr = "engine.layout";
constexpr llvm::StringLiteral kArenaSizeAttr = "engine.arena_size";
/// How a conv's or GEMM's tactic was chosen (kiln-select-tactics): "timed"
/// or "cache"; absent, the library's heuristic chooses at load.
constexpr llvm::StringLiteral kTacticSourceAttr = "engine.tactic_source";
/// A launch whose kernel only changes a tensor's element type (quantize,
/// dequantize, cast): what the timed INT8 choice prices at an INT8/float
/// border (kiln-outline-kernels sets it).
constexpr llvm::StringLiteral kConversionAttr = "engine.conversion";

/// The name a profile reports for a step: its `layers` joined with " + ",
/// or else the op's name.
std::string getStepName(mlir::Operation *step);

/// Whether `op`, an op of a network's body, is one of the engine's steps
/// (in body order, as the engine file lists them): anything but the buffers
/// (weights, allocs, views) and the terminator.
bool isStep(mlir::Operation *op);

/// Bytes an element of `type` takes in an engine buffer (i1 takes one).
int64_t getElementSize(mlir::Type type);

/// Element strides of `type`: its strided layout's, or row-major ones.
llvm::SmallVector<int64_t> getElementStrides(mlir::MemRefType type);

/// Bytes from the first to one past the last element `type` reaches.
int64_t getExtentInBytes(mlir::MemRefType type);

/// Whether cuBLASLt's epilogue applies `kind` (relu, and GELU in its tanh
/// form), at any result width: the activations an engine.gemm may carry.
bool isGemmEpilogueActivation(kiln::nn::ActivationKind kind);
} // namespace kiln::engine

#define GET_OP_CLASSES
#include "dialects/engine/EngineOps.h.inc"

#endif // KILN_DIALECTS_ENGINE_ENGINEDIALECT_H
