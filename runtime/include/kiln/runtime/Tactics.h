// Tactic timing for the compiler (kiln-select-tactics): the candidates cuDNN
// and cuBLASLt offer for one conv or GEMM step, and the launch shapes of a
// generated kernel, each run on scratch device
// memory and timed with CUDA events. The steps are built by the runtime's own
// code (the cuDNN graph, the cuBLASLt descriptors), so what is timed is what
// an execution context runs. Not part of the runtime's user API; no MLIR.
//
//   auto timer = kiln::runtime::TacticTimer::create();   // NoDevice without a GPU
//   auto timed = timer->time(stepBytes, stepSize, scratchBytes, "conv1");
//   // timed->front() is the fastest candidate
#ifndef KILN_RUNTIME_TACTICS_H
#define KILN_RUNTIME_TACTICS_H

#include "kiln/runtime/Status.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The GPU and libraries tactics are timed with (what a timing cache is keyed by).
struct TacticDevice {
  std::string name;          ///< "NVIDIA H100 80GB HBM3"
  int computeCapability = 0; ///< 90 for sm_90
  int cudnnVersion = 0;      ///< cudnnGetVersion(), e.g. 91900
  int cublasLtVersion = 0;   ///< cublasLtGetVersion()
};

/// One candidate of a step and how fast it ran.
struct TimedTactic {
  std::string description; ///< "cudnn engine 12 (knobs 2=1)", "cublasLt algo 21 (...)"
  int64_t engineId = -1;   ///< cuDNN: ConvStep.engine_id
  std::vector<int64_t> knobs; ///< cuDNN: ConvStep.knobs (backend knob type, value pairs)
  std::vector<uint64_t> algo; ///< cuBLASLt: GemmStep.algo (8 words)
  uint64_t workspace = 0;  ///< bytes of workspace it needs
  double milliseconds = 0; ///< median of the timed runs
  size_t index = 0;        ///< its position among the candidates offered
};

/// One launch shape of a generated kernel (TacticTimer::timeKernel): an
/// entry of the image given to loadKernels, with its grid and block.
struct KernelVariant {
  std::string entry;
  std::array<uint32_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  /// Dynamic shared memory of each launch (above 48 KiB, the entry is
  /// allowed that much first, as the loader does).
  uint32_t sharedMemBytes = 0;
};

struct TacticOptions {
  int warmupRuns = 3;
  /// Each candidate's time is the median of `timedRuns` timings of up to
  /// `launchesPerRun` runs back to back (fewer for a candidate whose
  /// warm-up runs took over 0.1 ms in all), divided by their number.
  int timedRuns = 5;
  int launchesPerRun = 10;
  /// Time the runs as one CUDA graph, as engines run (no host time between
  /// kernels); a candidate that cannot be captured is skipped. False times
  /// them as enqueued, host time included wherever the GPU is faster than
  /// the host.
  bool cudaGraph = true;
  /// Candidates needing more workspace are skipped.
  uint64_t maxWorkspace = uint64_t(256) << 20;
  /// How many of cuBLASLt's heuristic list are timed.
  unsigned maxGemmCandidates = 16;
};

/// The outcome of timing one step.
struct TacticTiming {
  std::vector<TimedTactic> timed; ///< fastest first
  size_t candidates = 0;          ///< offered by the library
  std::vector<std::string> skipped; ///< why others were not timed
};

/// Owns a stream, events, library handles and scratch memory on the current
/// device; time() reuses them step after step.
class TacticTimer {
public:
  /// Fails with ErrorCode::NoDevice where there is no CUDA driver or GPU.
  static Expected<TacticTimer> create(const TacticOptions &options = {});

  const TacticDevice &device() const;

  /// Times every candidate of one step. `step` is a FlatBuffer whose root is a
  /// `kiln.fb.Step` (a ConvStep or a GemmStep) whose buffers all lie in the
  /// arena region, below `scratchBytes`; `name` is for messages.
  Expected<TacticTiming> time(const uint8_t *step, size_t size, uint64_t scratchBytes,
                              const std::string &name);

  /// Loads the generated kernels timeKernel launches: a cubin for this GPU
  /// (what NVRTC made). Replaces the image loaded before.
  Status loadKernels(const void *image, size_t size);

  /// Times each variant of one generated kernel's launch on scratch memory
  /// (filled with 0x3c bytes before: finite values, and indices that the
  /// kernels clamp). `step` is a FlatBuffer whose root is a `kiln.fb.Step`
  /// holding a LaunchStep whose args all lie in the arena region, below
  /// `scratchBytes`; its kernel and shape are not used, the variants say
  /// what runs. TimedTactic::index is the variant's position.
  Expected<TacticTiming> timeKernel(const uint8_t *step, size_t size, uint64_t scratchBytes,
                                    const std::vector<KernelVariant> &variants,
                                    const std::string &name);

  TacticTimer(TacticTimer &&) noexcept;
  TacticTimer &operator=(TacticTimer &&) noexcept;
  ~TacticTimer();

  struct Impl;

private:
  explicit TacticTimer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TACTICS_H
