// Runs an engine on host data, for tools without CUDA of their own (the
// compiler's GPU calibration): device buffers for every binding allocated
// once, each run uploads the inputs, runs the engine and reads every output
// back. run() is not for timing (every run synchronizes); timeSteps() and
// timeGraph() are, on whatever the buffers hold (zeros at first).
//
//   auto runner = kiln::runtime::HostRunner::create(engine);
//   std::vector<std::vector<uint8_t>> outputs;
//   Status status = runner->run({image.data()}, outputs);  // outputs in binding order
#ifndef KILN_RUNTIME_HOSTRUNNER_H
#define KILN_RUNTIME_HOSTRUNNER_H

#include "kiln/runtime/Runtime.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The GPU a context of the current device would run on.
struct DeviceDescription {
  std::string name;          ///< "NVIDIA H100 80GB HBM3"
  int computeCapability = 0; ///< 90 for sm_90
};

/// The current device; fails with ErrorCode::NoDevice where there is no
/// CUDA driver or GPU (the message says which).
Expected<DeviceDescription> describeCurrentDevice();

class HostRunner {
public:
  /// A context of `engine` and a device buffer for each of its bindings.
  static Expected<HostRunner> create(const Engine &engine);

  /// Uploads `inputs` (one pointer per input binding, in bindings() order,
  /// each holding the binding's bytes), runs the engine, and reads every
  /// output binding back into `outputs` (one per output, in bindings() order).
  Status run(const std::vector<const void *> &inputs,
             std::vector<std::vector<uint8_t>> &outputs);

  /// The GPU time of each step, in step order: the median over `runs`
  /// profiled runs (steps one after another on one stream in a CUDA graph,
  /// as kiln-run --cuda-graph --dump-profile), after one run of warm-up.
  Expected<std::vector<float>> timeSteps(int runs);

  /// The GPU time of one whole run as a CUDA graph replay on the context's
  /// stream: the median over `runs` replays, after a few of warm-up.
  Expected<float> timeGraph(int runs);

  HostRunner(HostRunner &&) noexcept;
  HostRunner &operator=(HostRunner &&) noexcept;
  ~HostRunner();

  struct Impl;

private:
  explicit HostRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_HOSTRUNNER_H
