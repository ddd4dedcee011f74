// What the GPU tests see of memory allocation: CUPTI's callbacks on the CUDA
// runtime and driver APIs (every allocation and free, whoever makes it), and
// the runtime's calls that create and destroy cuDNN and cuBLASLt handles
// (counted through the linker's --wrap; kiln-runtime-gpu-tests only).
#ifndef KILN_RUNTIME_TEST_CUPTIRECORDER_H
#define KILN_RUNTIME_TEST_CUPTIRECORDER_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::runtime::test {

/// One allocation or free seen at the CUDA API.
struct MemoryEvent {
  enum class Kind { DeviceAllocation, PinnedHostAllocation, Free };
  Kind kind = Kind::DeviceAllocation;
  std::string function; ///< as CUPTI names it ("cudaMalloc", "cuMemAlloc_v2")
  uint64_t bytes = 0;   ///< 0 where the call does not say
  uintptr_t address = 0; ///< allocated or freed address; 0 where the call does not say
  std::string library;   ///< the shared object that made the call, or "this executable"
  std::string inside;    ///< the handle call it happened in ("cudnnCreate"), if any
};

/// What a stretch of the test made.
struct Recording {
  std::vector<MemoryEvent> events;
  int cudnnCreates = 0, cudnnDestroys = 0, cublasLtCreates = 0, cublasLtDestroys = 0;
  /// Code modules the driver reported loaded (CUPTI's module-loaded
  /// callback): driver memory taken without an allocation call.
  int modulesLoaded = 0;
  /// Every runtime and driver API call by name (with nested driver calls).
  std::map<std::string, uint64_t> calls;

  std::vector<MemoryEvent> of(MemoryEvent::Kind kind) const;
  /// Calls to `function` and its variants (`_v2`, `_ptsz`, `_v10000`).
  uint64_t callsTo(const std::string &function) const;
  /// One line per event and the handle counts, for failure messages and logs.
  std::string describe() const;
};

/// Subscribes to CUPTI's runtime- and driver-API callbacks; empty on success,
/// else why not (another CUPTI subscriber, such as a profiler, is present).
std::string startRecording();
/// Unsubscribes.
void stopRecording();
/// What was recorded since the last take (or the start), and starts afresh.
Recording takeRecording();

} // namespace kiln::runtime::test

#endif // KILN_RUNTIME_TEST_CUPTIRECORDER_H
