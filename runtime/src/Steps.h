// The execution of one step of the plan in an execution context: built once
// when the context is created (plans, algorithms, parameter arrays), then
// enqueued any number of times without allocating device memory.
#ifndef KILN_RUNTIME_SRC_STEPS_H
#define KILN_RUNTIME_SRC_STEPS_H

#include "Cuda.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/engine_generated.h"

#include <cublasLt.h>
#include <cudnn.h>

#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime::detail {

/// Where the regions of a BufferRef live for one enqueue.
struct Addresses {
  char *arena = nullptr;
  char *weights = nullptr;
  const std::vector<void *> *bindings = nullptr;

  void *resolve(const kiln::fb::BufferRef *ref) const {
    switch (ref->region()) {
    case kiln::fb::Region::Arena: return arena + ref->offset();
    case kiln::fb::Region::Weights: return weights + ref->offset();
    case kiln::fb::Region::Binding:
      return static_cast<char *>((*bindings)[ref->binding()]) + ref->offset();
    }
    return nullptr;
  }
};

/// The alignment a buffer is known to have: regions start 256-byte aligned
/// (cudaMalloc, and bindings are checked), so the offset decides.
inline unsigned knownAlignment(const kiln::fb::BufferRef *ref) {
  uint64_t offset = ref->offset();
  unsigned alignment = 256;
  while (alignment > 1 && offset % alignment)
    alignment /= 2;
  return alignment;
}

class StepRunner {
public:
  virtual ~StepRunner() = default;
  virtual Status enqueue(const Addresses &addresses, void *workspace,
                         cudaStream_t stream) = 0;
  virtual size_t workspaceSize() const { return 0; }
  /// What runs it: "cudnn engine 3 ...", "cublasLt algo 21 ..." or "".
  virtual std::string tactic() const { return ""; }
  /// The same as schema fields (ConvStep engine_id + knobs, GemmStep algo).
  virtual ExecutionContext::StepChoice choice() const { return {}; }

  /// Tactic timing (a runner made with StepContext::enumerate): the
  /// alternatives the library offers for this step, and a way to make one of
  /// them the one enqueue() runs.
  struct Candidate {
    std::string description; ///< "cudnn engine 12 (knobs 2=1 3=0)", "cublasLt algo 21 ..."
    ExecutionContext::StepChoice choice;
    size_t workspace = 0;
  };
  size_t numCandidates() const { return candidates_.size(); }
  const Candidate &candidate(size_t index) const { return candidates_[index]; }
  Status selectCandidate(size_t index) {
    if (index >= candidates_.size())
      return Status(ErrorCode::InvalidArgument,
                    "no candidate " + std::to_string(index) + " among " +
                        std::to_string(candidates_.size()));
    return useCandidate(index);
  }

protected:
  /// Makes candidates_[index] the one enqueue() runs.
  virtual Status useCandidate(size_t) {
    return Status(ErrorCode::Unsupported, "this step has no tactics to choose from");
  }
  std::vector<Candidate> candidates_;
};

/// What building a runner may need besides its step.
struct StepContext {
  const kiln::fb::Step *step = nullptr;
  std::string name;      ///< for messages
  std::string precision; ///< Step.precision, lower-cased
  CUfunction function = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t cublasLt = nullptr;
  std::vector<std::string> *warnings = nullptr;
  /// Instead of choosing one plan or algorithm, enumerate every candidate
  /// needing at most `maxWorkspace` bytes (at most `maxCandidates` of a
  /// heuristic's list) for tactic timing.
  bool enumerate = false;
  size_t maxWorkspace = 0;
  unsigned maxCandidates = 0;
};

Expected<std::unique_ptr<StepRunner>> makeLaunchRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeCopyRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeConvRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeGemmRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeAttentionRunner(const StepContext &context);

} // namespace kiln::runtime::detail

#endif // KILN_RUNTIME_SRC_STEPS_H
