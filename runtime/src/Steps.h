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
};

Expected<std::unique_ptr<StepRunner>> makeLaunchRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeCopyRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeConvRunner(const StepContext &context);
Expected<std::unique_ptr<StepRunner>> makeGemmRunner(const StepContext &context);

} // namespace kiln::runtime::detail

#endif // KILN_RUNTIME_SRC_STEPS_H
