//===- PrecisionChoice.h - INT8 or float per layer, by timing -*- C++ -*-===//
//
// Implicit INT8 as TensorRT builds it with INT8 and FP16 both allowed: a
// quantizable layer runs in INT8 only where that is faster on the GPU. The
// compiler builds the network twice (every quantizable layer in INT8; every
// layer in float), times both engines step by step on the GPU, and labels
// each group of INT8 layers INT8 or float so that the sum of their step
// times and of the conversions where an INT8 tensor meets a float one is
// least (a minimum cut, MinCut.h; the conversions' cost is fitted to the
// conversion steps the two engines timed). The engine with those choices is
// then timed whole against the other two; the fastest is written. This file
// holds the timing and the decision; the builds are kiln-compile's
// (tools/kiln-compile).
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

/// One step of a built engine: the layers it covers (its `layers`), its
/// median GPU time, and for a conversion (a generated kernel that only
/// changes a tensor's element type, e.g. quantizes it or casts it to FP16)
/// the bytes it reads and writes; 0 for any other step.
struct TimedStep {
  std::vector<std::string> layers;
  double milliseconds = 0;
  int64_t conversionBytes = 0;
};

/// An engine timed on the GPU: each step alone (profiled, step after step)
/// and the whole run as a CUDA graph.
struct EngineTiming {
  std::vector<TimedStep> steps;
  double graphMilliseconds = 0;
};

/// The steps of the engine-dialect `module` in the order the engine file
/// lists them, untimed: their `layers` and conversion bytes.
std::vector<TimedStep> getSteps(mlir::ModuleOp module);

/// Serializes `module` (engine dialect) with `options` into `serialized`
/// (the engine file's contents, which the caller may write as they are),
/// loads it on the current GPU and times it. Fails with `why` set;
/// `noDevice` tells that there is no GPU or driver.
mlir::FailureOr<EngineTiming> timeEngineOnGpu(mlir::ModuleOp module,
                                              const engine::EngineWriterOptions &options,
                                              engine::EngineBytes &serialized,
                                              std::string &why, bool &noDevice);

/// A tensor that INT8 layers read or write: where one of its ends runs in
/// INT8 and another in float, the engine converts it once (a quantize or
/// dequantize step).
struct Int8Tensor {
  std::vector<size_t> layers; ///< the INT8 layers at its ends (indices)
  bool floatEnd = false;      ///< an end that always runs in float
  int64_t bytes = 0;          ///< a conversion's: its float and int8 forms
};

/// The INT8 layers of a network and the tensors between them.
struct Int8Network {
  /// Each INT8 layer as the names of the layers it covers.
  std::vector<std::vector<std::string>> layers;
  std::vector<Int8Tensor> tensors;
};

/// The INT8 layers of an `nn` module after the graph pipeline (the convs,
/// GEMMs and matmuls with quantized operands or results) and the tensors
/// they exchange with each other and with float layers, traced through the
/// layers that follow their neighbours' types (quantize, dequantize, casts,
/// and layers on quantized tensors: pooling, concatenation, reshapes). The
/// float form is `floatPrecision`'s (fp32, tf32, fp16 or bf16). A network
/// input or output is a float end only when its type is that float type
/// (otherwise it is converted whatever its neighbour runs in); a float
/// result an INT8 layer writes itself (in its epilogue) is no border to the
/// layers or outputs that read it as it is.
Int8Network getInt8Network(mlir::ModuleOp module, llvm::StringRef floatPrecision);

/// What a conversion step costs: `launchMilliseconds` + bytes ×
/// `millisecondsPerByte`, fitted (least squares) to the conversion steps of
/// the timed engines (through the origin when the line would start below
/// it). With one size measured, or times that do not grow with the bytes,
/// every conversion costs their mean; with none, nothing (`samples` = 0).
struct ConversionCost {
  double launchMilliseconds = 0;
  double millisecondsPerByte = 0;
  size_t samples = 0;
  double operator()(int64_t bytes) const;
};
ConversionCost fitConversionCost(llvm::ArrayRef<const EngineTiming *> engines);

/// INT8 layers decided together: those a step of either engine covers
/// together (a fused or horizontally merged step cannot run half in INT8).
struct Int8Unit {
  std::vector<std::string> layers; ///< every name the unit's layers cover
  double int8Milliseconds = 0;     ///< the INT8 engine's steps that cover them
  double floatMilliseconds = 0;    ///< the float engine's steps that cover them
  bool keepFloat = false;
};

/// The choice: each unit's label and the borders it leaves.
struct Int8Choice {
  std::vector<Int8Unit> units;
  ConversionCost conversion;
  size_t borders = 0;            ///< tensors converted between INT8 and float
  double borderMilliseconds = 0; ///< what those conversions cost
};

/// Groups the network's INT8 layers into units and labels each INT8 or
/// float by a minimum cut: the least sum, over units, of the steps covering
/// them in the chosen engine (float ones divided by `threshold`, a bias
/// toward INT8, whose tensors are smaller) plus, over tensors with ends of
/// both labels, one conversion of the tensor's bytes. A conversion step of
/// the INT8 engine named after a unit with a float neighbour is a border's,
/// not the unit's. A unit no float step covers stays INT8.
Int8Choice chooseInt8Units(const Int8Network &network, const EngineTiming &int8Engine,
                           const EngineTiming &floatEngine, double threshold = 0.97);

/// kiln-assign-precision's constraints for the units kept in float:
/// NAME:`floatPrecision` for each name they cover.
std::vector<std::string> floatConstraints(llvm::ArrayRef<Int8Unit> units,
                                          llvm::StringRef floatPrecision);

/// The decision as a table: one row per unit kept in float, a total, and
/// the borders.
void printInt8Units(const Int8Choice &choice, llvm::raw_ostream &os);

/// The timing cache keeps the outcome of the choice (the engine written, and
/// the constraints of the mixed engine) as a choice of library
/// tactics::kChoiceLibrary at version kInt8ChoiceVersion
/// (tactics::CachedTactic's `engine` and `layerPrecision`), so the next
/// build of the network builds that engine alone instead of building and
/// timing two or three. Raised when the compiler changes what the engines
/// cost, so that choices timed before are timed again (2: max pools that
/// quantize, which made all-INT8 ResNet-50 engines 5% faster; 3: adds and
/// average pools between float layers stay float in the mixed engine
/// instead of rounding their input through a quantize/dequantize pair; 4:
/// FP16 classifiers write f32 logits, one kernel fewer in float engines; 5:
/// strided FP16 stems over 3 channels run blocked, kiln-space-to-depth,
/// which made FP16 ResNet-50 at batch 64 10% faster).
constexpr int kInt8ChoiceVersion = 5;

/// What besides the network the choice was timed with: the libraries the
/// engines called and compiled their kernels with, and the Kiln that built
/// them (another may fuse, generate or price borders otherwise).
struct Int8ChoiceVersions {
  int cudnn = 0, cublasLt = 0, nvrtc = 0;
  std::string kiln;
};

/// The signature of that entry: a hash of `imported` (the `nn` module as
/// imported, before any pass) with its constants of more than 16 elements
/// as zeros and its locations as the layer names alone (not the file they
/// came from), so its ops, attributes, names, types and small constants; a
/// hash of `buildOptions` (every option of the build that changes its
/// engines, as text); and `versions`. Weights change no engine's speed: a
/// network retrained keeps its entry, as its tactics keep theirs.
std::string getInt8ChoiceSignature(mlir::ModuleOp imported, llvm::StringRef buildOptions,
                                   const Int8ChoiceVersions &versions);

} // namespace kiln

#endif // KILN_PASSES_PRECISIONCHOICE_H
