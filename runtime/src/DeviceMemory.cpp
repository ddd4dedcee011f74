// The layout of an execution context's one device allocation, and the checks
// on user-provided memory.
#include "kiln/runtime/DeviceMemory.h"

#include <limits>
#include <sstream>
#include <string>

namespace kiln::runtime {

namespace {

bool alignUp(uint64_t value, uint64_t &aligned) {
  uint64_t rest = value % kDeviceMemoryAlignment;
  if (rest == 0) {
    aligned = value;
    return true;
  }
  uint64_t pad = kDeviceMemoryAlignment - rest;
  if (value > std::numeric_limits<uint64_t>::max() - pad)
    return false;
  aligned = value + pad;
  return true;
}

} // namespace

Expected<DeviceMemoryLayout> planDeviceMemory(uint64_t arenaSize, uint64_t workspaceSize) {
  DeviceMemoryLayout layout;
  layout.arenaSize = arenaSize;
  layout.workspaceSize = workspaceSize;
  if (!workspaceSize) { // the block ends with the arena, unpadded
    layout.workspaceOffset = layout.totalSize = arenaSize;
    return layout;
  }
  if (!alignUp(arenaSize, layout.workspaceOffset) ||
      workspaceSize > std::numeric_limits<uint64_t>::max() - layout.workspaceOffset)
    return Status(ErrorCode::InvalidEngine,
                  "device memory: an arena of " + std::to_string(arenaSize) +
                      " bytes and a workspace of " + std::to_string(workspaceSize) +
                      " bytes do not fit in 64 bits");
  layout.totalSize = layout.workspaceOffset + workspaceSize;
  return layout;
}

Status checkDeviceMemory(const void *pointer, uint64_t size, uint64_t required) {
  if (!pointer && required)
    return Status(ErrorCode::InvalidArgument,
                  "device memory: expected a device pointer to " + std::to_string(required) +
                      " bytes, found a null pointer");
  auto address = reinterpret_cast<uintptr_t>(pointer);
  if (address % kDeviceMemoryAlignment) {
    std::ostringstream message;
    message << "device memory: expected a " << kDeviceMemoryAlignment
            << "-byte aligned pointer (as cudaMalloc returns), found " << pointer << " ("
            << address % kDeviceMemoryAlignment << " bytes past a boundary)";
    return Status(ErrorCode::InvalidArgument, message.str());
  }
  if (size < required)
    return Status(ErrorCode::InvalidArgument,
                  "device memory: expected at least " + std::to_string(required) +
                      " bytes (deviceMemorySize()), found " + std::to_string(size));
  return Status::success();
}

} // namespace kiln::runtime
