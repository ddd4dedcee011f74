//===- CalibrateOnGpu.h - kiln-calibrate's runs on the GPU -*- C++ -*-===//
//
// The GPU side of implicit INT8 calibration: the network, with every tensor
// the calibrator measures returned, built into an FP32 engine and run
// through the runtime batch by batch. kiln-calibrate feeds what it reads
// back into the same statistics as the reference interpreter's runs.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_GRAPH_CALIBRATEONGPU_H
#define KILN_PASSES_GRAPH_CALIBRATEONGPU_H

#include "kiln/reference/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

class GpuCalibrationRun {
public:
  /// The engine file of `module`, whose function `main` returns the
  /// measured tensors from result `firstMeasured` on (the results before are
  /// dropped; output `measured_k` is tensor k): the graph's layout stage at
  /// FP32, then the engine pipeline with the libraries' heuristic tactics,
  /// kernels for `arch`. Needs no GPU. Fails with `why` set when the
  /// network's inputs are not static or the engine cannot be built (that
  /// build's errors go into `why`, not to the diagnostic handler).
  static mlir::FailureOr<std::vector<uint8_t>>
  buildEngine(mlir::ModuleOp module, llvm::StringRef main, unsigned firstMeasured,
              llvm::StringRef arch, std::string &why);

  /// Builds the engine for the present GPU and loads it. Returns null with
  /// `why` set when there is no GPU (`noDevice`), or as buildEngine fails,
  /// or when the engine does not load or run.
  static std::unique_ptr<GpuCalibrationRun> create(mlir::ModuleOp module,
                                                   llvm::StringRef main,
                                                   unsigned firstMeasured,
                                                   std::string &why, bool &noDevice);

  /// Runs one batch (a tensor per network input) and returns each measured
  /// tensor's values; fails with `why` set.
  mlir::FailureOr<std::vector<std::vector<double>>>
  run(llvm::ArrayRef<reference::Tensor> inputs, std::string &why);

  /// "NVIDIA H100 80GB HBM3 (sm_90)".
  const std::string &getDeviceName() const { return deviceName; }

  ~GpuCalibrationRun();

  struct State;

private:
  GpuCalibrationRun(std::unique_ptr<State> state, std::string deviceName);
  std::unique_ptr<State> state;
  std::string deviceName;
};

} // namespace kiln

#endif // KILN_PASSES_GRAPH_CALIBRATEONGPU_H
