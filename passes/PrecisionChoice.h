//===- PrecisionChoice.h - INT8 or float per layer, by timing -*- C++ -*-===//
//
// Implicit INT8 as TensorRT builds it with INT8 and FP16 both allowed: a
// quantizable layer runs in INT8 only where that is faster on the GPU. The
// compiler builds the network twice (every quantizable layer in INT8; every
// layer in float), times both engines step by step on the GPU, and keeps in
// float the layers whose float steps took less time than their INT8 ones.
// The engine with those choices is then timed whole against the other two;
// the fastest is written. This file holds the timing and the decision; the
// builds are kiln-compile's (tools/kiln-compile).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_PRECISIONCHOICE_H
#define KILN_PASSES_PRECISIONCHOICE_H

#include "kiln/engine/EngineWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace kiln {

/// One step of a built engine: the layers it covers (its `layers`) and its
/// median GPU time.
struct TimedStep {
  std::vector<std::string> layers;
  double milliseconds = 0;
};

/// An engine timed on the GPU: each step alone (profiled, step after step)
/// and the whole run as a CUDA graph.
struct EngineTiming {
  std::vector<TimedStep> steps;
  double graphMilliseconds = 0;
};

/// The `layers` of each step of the engine-dialect `module`, in the order
/// the engine file lists its steps.
std::vector<std::vector<std::string>> getStepLayers(mlir::ModuleOp module);

/// Serializes `module` (engine dialect) with `options` into `serialized`
/// (the engine file's contents, which the caller may write as they are),
/// loads it on the current GPU and times it. Fails with `why` set;
/// `noDevice` tells that there is no GPU or driver.
mlir::FailureOr<EngineTiming> timeEngineOnGpu(mlir::ModuleOp module,
                                              const engine::EngineWriterOptions &options,
                                              engine::EngineBytes &serialized,
                                              std::string &why, bool &noDevice);

/// The INT8 layers of an `nn` module after the graph pipeline (the ops with
/// quantized operands or results, quantize and dequantize aside), each as
/// the names of the layers it covers.
std::vector<std::vector<std::string>> getInt8Layers(mlir::ModuleOp module);

/// INT8 layers decided together: those a step of either engine covers
/// together (a fused or horizontally merged step cannot run half in INT8).
struct Int8Unit {
  std::vector<std::string> layers; ///< every name the unit's layers cover
  double int8Milliseconds = 0;     ///< the INT8 engine's steps that cover them
  double floatMilliseconds = 0;    ///< the float engine's steps that cover them
  bool keepFloat = false;
};

/// Groups `int8Layers` into units and keeps a unit in float when the float
/// engine's steps covering it took less than `threshold` times the INT8
/// engine's. A unit no float step covers stays INT8.
std::vector<Int8Unit> chooseInt8Units(llvm::ArrayRef<std::vector<std::string>> int8Layers,
                                      const EngineTiming &int8Engine,
                                      const EngineTiming &floatEngine,
                                      double threshold = 0.97);

/// kiln-assign-precision's constraints for the units kept in float:
/// NAME:`floatPrecision` for each name they cover.
std::vector<std::string> floatConstraints(llvm::ArrayRef<Int8Unit> units,
                                          llvm::StringRef floatPrecision);

/// The decision as a table: one row per unit kept in float, and a total.
void printInt8Units(llvm::ArrayRef<Int8Unit> units, llvm::raw_ostream &os);

} // namespace kiln

#endif // KILN_PASSES_PRECISIONCHOICE_H
