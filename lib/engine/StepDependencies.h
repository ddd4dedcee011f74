//===- StepDependencies.h - which earlier steps each step waits for -------===//
//
// The engine writer records, for each step, the earlier steps it must wait
// for (Step.deps, format 1.4), so that the runtime may run independent steps
// on auxiliary streams. A step waits for an earlier one when they touch
// overlapping bytes of the arena or of one binding and at least one of them
// writes (read-after-write, write-after-read, write-after-write): the memory
// planner reuses arena space, so a later branch may overwrite bytes an
// earlier one still reads. Weights are read-only and never make a
// dependency. Dependencies implied by others (transitively) are dropped.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_ENGINE_STEPDEPENDENCIES_H
#define KILN_LIB_ENGINE_STEPDEPENDENCIES_H

#include "kiln/runtime/engine_generated.h"

#include "mlir/IR/Operation.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace kiln::engine {

/// The bytes one operand of a step touches: `shape` and `strides` (in
/// elements) of `elementBytes`-byte elements from byte `offset` of a region
/// (the arena, or binding number `binding`).
struct BufferAccess {
  kiln::fb::Region region = kiln::fb::Region::Arena;
  uint32_t binding = 0;
  int64_t offset = 0;
  int64_t elementBytes = 1;
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<int64_t> strides;
  bool write = false;
};

/// Where a buffer's first byte lives: a region, the binding's number for a
/// binding, the byte offset in it.
struct BufferLocation {
  kiln::fb::Region region = kiln::fb::Region::Arena;
  uint32_t binding = 0;
  int64_t offset = 0;
};

/// The bytes a step op reads and writes, as its memory effects say, each
/// buffer placed by `locate`; weights are left out (read-only). Nothing
/// (the step is a barrier: it may touch anything) when the op does not say
/// what it touches or `locate` does not know one of its buffers.
std::optional<llvm::SmallVector<BufferAccess>>
getStepAccesses(mlir::Operation *op,
                llvm::function_ref<std::optional<BufferLocation>(mlir::Value)> locate);

/// Whether two accesses of one region may touch a common byte. Exact for
/// disjoint byte ranges and for interleaved strided windows of one buffer
/// (the channel slices of a channels-last concatenation): every dimension
/// but the contiguous innermost run has a stride that is a multiple of a
/// common period, and the runs occupy disjoint residues modulo it.
/// Otherwise it answers true (conservative).
bool mayOverlap(const BufferAccess &a, const BufferAccess &b);

/// Steps added in program order; each gets the earlier steps it waits for.
class StepDependencies {
public:
  /// The dependencies of the next step, ascending, with the ones implied
  /// transitively by the others dropped.
  std::vector<uint32_t> addStep(llvm::ArrayRef<BufferAccess> accesses);
  /// The next step waits for every earlier one (its accesses are unknown).
  std::vector<uint32_t> addBarrier();
  /// Every earlier step that step `step` waits for, directly or not (bits
  /// 0 to step - 1).
  const llvm::BitVector &ancestorsOf(uint32_t step) const { return ancestors[step]; }

private:
  /// A barrier conflicts with every earlier and later step.
  std::vector<uint32_t> add(llvm::ArrayRef<BufferAccess> accesses, bool barrier);

  std::vector<llvm::SmallVector<BufferAccess>> steps;
  /// ancestors[i]: every step that step i waits for, directly or not.
  std::vector<llvm::BitVector> ancestors;
  std::vector<bool> barriers;
};

} // namespace kiln::engine

#endif // KILN_LIB_ENGINE_STEPDEPENDENCIES_H
