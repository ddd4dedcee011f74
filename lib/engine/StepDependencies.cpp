//===- StepDependencies.cpp - which earlier steps each step waits for -----===//
//
// See StepDependencies.h. Overlap is decided on byte sets: an access is a
// contiguous innermost run repeated at the offsets its other dimensions
// reach, so two interleaved windows of one buffer (the channel slices of a
// channels-last concat) are told apart by their residues modulo the common
// period of those offsets.
//
//===----------------------------------------------------------------------===//

#include "lib/engine/StepDependencies.h"

#include "dialects/engine/EngineDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <numeric>

using namespace kiln::engine;

namespace {

/// An access as bytes: `[begin, end)` holds them all; they are runs of
/// `run` bytes at `begin` plus every combination of `outer` strides.
struct Footprint {
  int64_t begin = 0, end = 0, run = 0;
  llvm::SmallVector<int64_t> outer;
  bool empty() const { return end <= begin; }
};

Footprint footprint(const BufferAccess &access) {
  Footprint result;
  result.begin = result.end = access.offset;
  llvm::SmallVector<std::pair<int64_t, int64_t>> dims; // (stride, size) in elements
  int64_t last = 0;
  for (auto [index, size] : llvm::enumerate(access.shape)) {
    if (size <= 0)
      return result; // no element: no byte
    int64_t stride = index < access.strides.size() ? access.strides[index] : 0;
    if (size == 1 || stride == 0)
      continue;
    stride = std::abs(stride);
    dims.push_back({stride, size});
    last += (size - 1) * stride;
  }
  result.end = access.offset + (last + 1) * access.elementBytes;
  // The innermost run: dimensions that continue it contiguously.
  llvm::sort(dims);
  int64_t run = 1;
  size_t first = 0;
  while (first < dims.size() && dims[first].first == run)
    run *= dims[first++].second;
  result.run = run * access.elementBytes;
  for (size_t i = first; i < dims.size(); ++i)
    result.outer.push_back(dims[i].first * access.elementBytes);
  return result;
}

} // namespace

std::optional<llvm::SmallVector<BufferAccess>> kiln::engine::getStepAccesses(
    mlir::Operation *op,
    llvm::function_ref<std::optional<BufferLocation>(mlir::Value)> locate) {
  auto effecting = llvm::dyn_cast<mlir::MemoryEffectOpInterface>(op);
  if (!effecting)
    return std::nullopt;
  llvm::SmallVector<mlir::MemoryEffects::EffectInstance> effects;
  effecting.getEffects(effects);
  llvm::SmallVector<BufferAccess> accesses;
  for (const mlir::MemoryEffects::EffectInstance &effect : effects) {
    mlir::Value value = effect.getValue();
    if (!value || !llvm::isa<mlir::MemRefType>(value.getType()))
      return std::nullopt;
    std::optional<BufferLocation> location = locate(value);
    if (!location)
      return std::nullopt;
    if (location->region == kiln::fb::Region::Weights)
      continue;
    bool write = llvm::isa<mlir::MemoryEffects::Write>(effect.getEffect());
    if (!write && !llvm::isa<mlir::MemoryEffects::Read>(effect.getEffect()))
      continue; // allocation effects touch no bytes
    auto type = llvm::cast<mlir::MemRefType>(value.getType());
    BufferAccess access;
    access.region = location->region;
    access.binding = location->binding;
    access.offset = location->offset;
    access.elementBytes = getElementSize(type.getElementType());
    access.shape.assign(type.getShape().begin(), type.getShape().end());
    access.strides = getElementStrides(type);
    access.write = write;
    accesses.push_back(std::move(access));
  }
  return accesses;
}

bool kiln::engine::mayOverlap(const BufferAccess &a, const BufferAccess &b) {
  if (a.region != b.region || (a.region == kiln::fb::Region::Binding && a.binding != b.binding))
    return false;
  if (a.region == kiln::fb::Region::Weights)
    return false; // read-only
  Footprint fa = footprint(a), fb = footprint(b);
  if (fa.empty() || fb.empty() || fa.end <= fb.begin || fb.end <= fa.begin)
    return false;
  int64_t period = 0;
  for (int64_t stride : fa.outer)
    period = std::gcd(period, stride);
  for (int64_t stride : fb.outer)
    period = std::gcd(period, stride);
  // Both contiguous, or runs too long to leave each other room in a period.
  if (period == 0 || fa.run + fb.run > period)
    return true;
  int64_t distance = ((fb.begin - fa.begin) % period + period) % period;
  return !(distance >= fa.run && distance + fb.run <= period);
}

std::vector<uint32_t> StepDependencies::add(llvm::ArrayRef<BufferAccess> accesses,
                                            bool barrier) {
  // Latest first: an earlier step that a kept (later) one waits for,
  // directly or not, is implied and needs no check.
  std::vector<uint32_t> deps;
  llvm::BitVector covered(steps.size());
  for (uint32_t i = steps.size(); i-- > 0;) {
    if (covered.test(i))
      continue;
    bool conflict = barrier || barriers[i] ||
                    llvm::any_of(steps[i], [&](const BufferAccess &earlier) {
                      return llvm::any_of(accesses, [&](const BufferAccess &access) {
                        return (earlier.write || access.write) && mayOverlap(earlier, access);
                      });
                    });
    if (!conflict)
      continue;
    deps.push_back(i);
    covered.set(i);
    llvm::BitVector before = ancestors[i];
    before.resize(covered.size());
    covered |= before;
  }
  std::reverse(deps.begin(), deps.end());
  ancestors.push_back(std::move(covered));
  steps.emplace_back(accesses.begin(), accesses.end());
  barriers.push_back(barrier);
  return deps;
}

std::vector<uint32_t> StepDependencies::addStep(llvm::ArrayRef<BufferAccess> accesses) {
  return add(accesses, /*barrier=*/false);
}

std::vector<uint32_t> StepDependencies::addBarrier() { return add({}, /*barrier=*/true); }
