// How an execution context's device memory is laid out: the activation arena
// and the largest step workspace carved from one allocation, and the checks on
// memory a user hands to a context. CUDA-free (tested without a GPU).
#ifndef KILN_RUNTIME_DEVICEMEMORY_H
#define KILN_RUNTIME_DEVICEMEMORY_H

#include "kiln/runtime/Status.h"

#include <cstdint>

namespace kiln::runtime {

/// Every part of a context's memory, and the memory itself, starts on this
/// boundary (what cudaMalloc returns and what cuDNN and cuBLASLt want).
constexpr uint64_t kDeviceMemoryAlignment = 256;

/// Offsets from the start of a context's one allocation.
struct DeviceMemoryLayout {
  uint64_t arenaOffset = 0;
  uint64_t arenaSize = 0;
  uint64_t workspaceOffset = 0;
  uint64_t workspaceSize = 0;
  /// Bytes the allocation needs: the workspace ends there.
  uint64_t totalSize = 0;
};

/// The arena at offset 0, then the workspace at the next aligned offset
/// (without a workspace the block ends with the arena, unpadded).
/// Fails (InvalidEngine) when the sum does not fit in 64 bits.
Expected<DeviceMemoryLayout> planDeviceMemory(uint64_t arenaSize, uint64_t workspaceSize);

/// Checks memory handed to a context that needs `required` bytes: not null
/// (unless nothing is needed), aligned to kDeviceMemoryAlignment, at least
/// `required` bytes. The message names what was expected and what was found.
Status checkDeviceMemory(const void *pointer, uint64_t size, uint64_t required);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_DEVICEMEMORY_H
