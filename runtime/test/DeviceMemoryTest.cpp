// An execution context's device memory without a GPU: the arena and workspace
// laid out in one block, and the refusals of memory a user hands over.
#include "kiln/runtime/DeviceMemory.h"
#include "kiln/runtime/kiln_runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace kiln::runtime;

namespace {

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

void *address(uintptr_t value) { return reinterpret_cast<void *>(value); }

} // namespace

TEST(DeviceMemoryLayout, WorkspaceFollowsTheArenaOnTheNextBoundary) {
  auto layout = planDeviceMemory(1000, 4096);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->arenaOffset, 0u);
  EXPECT_EQ(layout->arenaSize, 1000u);
  EXPECT_EQ(layout->workspaceOffset, 1024u);
  EXPECT_EQ(layout->workspaceSize, 4096u);
  EXPECT_EQ(layout->totalSize, 1024u + 4096u);
}

TEST(DeviceMemoryLayout, AlignedArenaNeedsNoPadding) {
  auto layout = planDeviceMemory(512, 100);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->workspaceOffset, 512u);
  EXPECT_EQ(layout->totalSize, 612u);
}

TEST(DeviceMemoryLayout, EmptyPartsTakeNoSpace) {
  auto none = planDeviceMemory(0, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->totalSize, 0u);
  auto arenaOnly = planDeviceMemory(300, 0);
  ASSERT_TRUE(arenaOnly.ok());
  EXPECT_EQ(arenaOnly->totalSize, 300u); // no padding after the last part
  auto workspaceOnly = planDeviceMemory(0, 300);
  ASSERT_TRUE(workspaceOnly.ok());
  EXPECT_EQ(workspaceOnly->workspaceOffset, 0u);
  EXPECT_EQ(workspaceOnly->totalSize, 300u);
}

TEST(DeviceMemoryLayout, EveryOffsetIsAligned) {
  for (uint64_t arena : {1ull, 255ull, 256ull, 257ull, 65535ull, 1ull << 33})
    for (uint64_t workspace : {0ull, 1ull, 32ull << 20}) {
      auto layout = planDeviceMemory(arena, workspace);
      ASSERT_TRUE(layout.ok());
      if (workspace)
        EXPECT_EQ(layout->workspaceOffset % kDeviceMemoryAlignment, 0u) << arena;
      EXPECT_GE(layout->workspaceOffset, arena);
      EXPECT_LT(layout->workspaceOffset - arena, kDeviceMemoryAlignment);
      EXPECT_GE(layout->totalSize, layout->workspaceOffset + workspace);
    }
}

TEST(DeviceMemoryLayout, OverflowIsAnEngineError) {
  uint64_t huge = std::numeric_limits<uint64_t>::max();
  auto arena = planDeviceMemory(huge - 10, 0);
  ASSERT_TRUE(arena.ok()); // fits as long as no workspace follows
  auto padded = planDeviceMemory(huge - 10, 1);
  ASSERT_FALSE(padded.ok());
  EXPECT_EQ(padded.status().code(), ErrorCode::InvalidEngine);
  EXPECT_TRUE(contains(padded.status().message(), "do not fit in 64 bits"))
      << padded.status().message();
  EXPECT_FALSE(planDeviceMemory(1ull << 63, 1ull << 63).ok());
}

TEST(DeviceMemoryCheck, AcceptsAlignedMemoryOfTheRightSize) {
  EXPECT_TRUE(checkDeviceMemory(address(0x10000), 4096, 4096).ok());
  EXPECT_TRUE(checkDeviceMemory(address(0x10100), 8192, 4096).ok());
  EXPECT_TRUE(checkDeviceMemory(nullptr, 0, 0).ok()); // nothing needed
}

TEST(DeviceMemoryCheck, RefusesNull) {
  Status status = checkDeviceMemory(nullptr, 4096, 4096);
  EXPECT_EQ(status.code(), ErrorCode::InvalidArgument);
  EXPECT_TRUE(contains(status.message(), "expected a device pointer to 4096 bytes, found a null"))
      << status.message();
}

TEST(DeviceMemoryCheck, RefusesMisalignedPointers) {
  for (uintptr_t offset : {1u, 8u, 128u, 255u}) {
    Status status = checkDeviceMemory(address(0x10000 + offset), 1 << 20, 4096);
    EXPECT_EQ(status.code(), ErrorCode::InvalidArgument);
    EXPECT_TRUE(contains(status.message(), "expected a 256-byte aligned pointer"))
        << status.message();
    EXPECT_TRUE(contains(status.message(), "(" + std::to_string(offset) + " bytes past"))
        << status.message();
  }
}

TEST(DeviceMemoryCheck, RefusesTooLittleMemory) {
  Status status = checkDeviceMemory(address(0x10000), 4095, 4096);
  EXPECT_EQ(status.code(), ErrorCode::InvalidArgument);
  EXPECT_TRUE(contains(status.message(), "expected at least 4096 bytes")) << status.message();
  EXPECT_TRUE(contains(status.message(), "found 4095")) << status.message();
}

TEST(CApi, DeviceMemoryCallsRefuseNullArguments) {
  uint64_t size = 0;
  kiln_context *context = nullptr;
  EXPECT_EQ(kiln_engine_device_memory_size(nullptr, &size), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(kiln_last_error(), "kiln_engine_device_memory_size: null argument"));
  EXPECT_EQ(kiln_context_create_without_device_memory(nullptr, &context),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(context, nullptr);
  EXPECT_EQ(kiln_context_set_device_memory(nullptr, address(0x10000), 4096),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(kiln_last_error(), "kiln_context_set_device_memory: null context"));
  EXPECT_EQ(kiln_context_device_memory_size(nullptr, &size), KILN_ERROR_INVALID_ARGUMENT);
}
