//===- PlanMemory.cpp - place the activation buffers in one arena ---------===//
//
// Liveness of every engine.alloc over the step order, then a best-fit packing
// into one arena with reuse of freed ranges (as TensorRT's allocator does),
// and in-place outputs for pointwise dispatches whose input dies there.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/MathExtras.h"

#include <map>

#define DEBUG_TYPE "kiln-plan-memory"

namespace kiln {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

constexpr int64_t kAlignment = 256;

struct Interval {
  engine::AllocOp alloc;
  int64_t size = 0; // aligned
  int64_t first = 0, last = 0;
  int64_t offset = -1;
};

/// Free ranges of the arena, coalesced, and its end.
class Arena {
public:
  /// The smallest free range that holds `size`, else the end.
  int64_t allocate(int64_t size) {
    auto best = free.end();
    for (auto it = free.begin(); it != free.end(); ++it)
      if (it->second >= size && (best == free.end() || it->second < best->second))
        best = it;
    if (best == free.end()) {
      // Grow the arena, starting in a free range that ends at its end.
      int64_t start = end;
      if (!free.empty()) {
        auto last = std::prev(free.end());
        if (last->first + last->second == end) {
          start = last->first;
          free.erase(last);
        }
      }
      end = start + size;
      return start;
    }
    int64_t offset = best->first, rest = best->second - size;
    free.erase(best);
    if (rest > 0)
      free[offset + size] = rest;
    return offset;
  }

  void release(int64_t offset, int64_t size) {
    auto [it, inserted] = free.emplace(offset, size);
    (void)inserted;
    auto next = std::next(it);
    if (next != free.end() && offset + it->second == next->first) {
      it->second += next->second;
      free.erase(next);
    }
    if (it != free.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free.erase(it);
      }
    }
  }

  int64_t size() const { return end; }

private:
  std::map<int64_t, int64_t> free;
  int64_t end = 0;
};

/// The alloc a buffer is (a view of a view of …), or null for bindings and
/// weights.
engine::AllocOp rootAlloc(Value buffer) {
  while (auto view = buffer.getDefiningOp<engine::ViewOp>())
    buffer = view.getSource();
  return buffer.getDefiningOp<engine::AllocOp>();
}

/// Whether every layer of a dispatch is pointwise, so its output may
/// overwrite an input of its shape element by element.
bool isPointwiseDispatch(engine::DispatchOp dispatch) {
  return llvm::all_of(dispatch.getBody().front().without_terminator(), [](Operation &op) {
    return llvm::isa<nn::PointwiseOpInterface, nn::ConstantOp>(op);
  });
}

struct Plan {
  int64_t arena = 0, sum = 0, peak = 0;
  unsigned inPlace = 0;
};

Plan planFunction(func::FuncOp function) {
  // Liveness: the range of steps that use each alloc (through its views).
  DenseMap<Operation *, unsigned> index;
  SmallVector<Interval> intervals;
  DenseMap<Operation *, unsigned> intervalOf;
  unsigned step = 0;
  for (Operation &op : function.getBody().front()) {
    if (auto alloc = llvm::dyn_cast<engine::AllocOp>(op)) {
      intervalOf[alloc] = intervals.size();
      intervals.push_back(
          {alloc, int64_t(llvm::alignTo(alloc.getSizeInBytes(), kAlignment)), -1, step, -1});
      continue;
    }
    if (llvm::isa<engine::ViewOp, engine::WeightOp>(op))
      continue;
    for (Value operand : op.getOperands())
      if (engine::AllocOp alloc = rootAlloc(operand)) {
        Interval &interval = intervals[intervalOf[alloc]];
        if (interval.first < 0)
          interval.first = step;
        interval.last = step;
      }
    index[&op] = step++;
  }
  // An alloc no step uses still gets a place, for the step after it.
  for (Interval &interval : intervals)
    if (interval.first < 0)
      interval.first = interval.last = std::min<int64_t>(interval.last, step);

  // Steps where each interval starts and ends.
  Plan plan;
  std::vector<SmallVector<unsigned>> starts(step + 1), ends(step + 1);
  for (auto [i, interval] : llvm::enumerate(intervals)) {
    starts[interval.first].push_back(i);
    ends[interval.last].push_back(i);
    plan.sum += interval.size;
  }
  // In place: a pointwise dispatch's output alloc takes the buffer of an
  // input alloc of its shape that dies at that step.
  DenseMap<unsigned, unsigned> sharesWith; // output interval → input interval
  for (Operation &op : function.getBody().front()) {
    auto dispatch = llvm::dyn_cast<engine::DispatchOp>(op);
    if (!dispatch || !isPointwiseDispatch(dispatch))
      continue;
    unsigned at = index[dispatch];
    DenseSet<unsigned> taken;
    for (Value output : dispatch.getOutputs()) {
      auto outAlloc = output.getDefiningOp<engine::AllocOp>();
      if (!outAlloc)
        continue;
      unsigned out = intervalOf[outAlloc];
      if (intervals[out].first != at)
        continue;
      for (Value input : dispatch.getInputs()) {
        auto inAlloc = input.getDefiningOp<engine::AllocOp>();
        if (!inAlloc || llvm::is_contained(dispatch.getOutputs(), input))
          continue;
        unsigned in = intervalOf[inAlloc];
        if (taken.contains(in) || intervals[in].last != at || intervals[in].first >= at ||
            inAlloc.getType().getShape() != outAlloc.getType().getShape() ||
            intervals[in].size != intervals[out].size ||
            engine::getElementSize(inAlloc.getType().getElementType()) !=
                engine::getElementSize(outAlloc.getType().getElementType()))
          continue;
        taken.insert(in);
        sharesWith[out] = in;
        break;
      }
    }
  }

  Arena arena;
  int64_t live = 0;
  for (unsigned s = 0; s <= step; ++s) {
    for (unsigned i : starts[s]) {
      Interval &interval = intervals[i];
      if (auto it = sharesWith.find(i); it != sharesWith.end()) {
        // The input's range passes to the output instead of being freed.
        interval.offset = intervals[it->second].offset;
        intervals[it->second].size = 0;
        ++plan.inPlace;
        continue;
      }
      interval.offset = arena.allocate(interval.size);
      live += interval.size;
    }
    plan.peak = std::max(plan.peak, live);
    for (unsigned i : ends[s]) {
      Interval &interval = intervals[i];
      if (interval.size == 0)
        continue; // handed to an in-place output
      arena.release(interval.offset, interval.size);
      live -= interval.size;
    }
  }
  Builder builder(function.getContext());
  for (Interval &interval : intervals)
    interval.alloc.setOffsetAttr(builder.getI64IntegerAttr(interval.offset));
  plan.arena = arena.size();
  return plan;
}

struct PlanMemoryPass : kiln::impl::PlanMemoryPassBase<PlanMemoryPass> {
  using PlanMemoryPassBase::PlanMemoryPassBase;
  PlanMemoryPass() = default;
  PlanMemoryPass(const PlanMemoryPass &other) : PlanMemoryPassBase(other) {}

  kiln::PassStatistic arenaBytes{this, "arena-bytes",
                                 "Bytes of the planned arenas (summed over functions)"};
  kiln::PassStatistic tensorBytes{this, "tensor-bytes",
                                  "Bytes of the activation buffers the arenas hold"};
  kiln::PassStatistic peakBytes{this, "peak-live-bytes",
                                "Bytes live at once at the busiest step"};
  kiln::PassStatistic inPlace{this, "in-place-outputs",
                              "Pointwise outputs written over a dying input"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t arenaSize = 0;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      Plan plan = planFunction(function);
      arenaSize = std::max(arenaSize, plan.arena);
      arenaBytes += plan.arena;
      tensorBytes += plan.sum;
      peakBytes += plan.peak;
      inPlace += plan.inPlace;
      if (report)
        function.emitRemark() << "arena " << plan.arena << " bytes for " << plan.sum
                              << " bytes of tensors (peak live " << plan.peak
                              << " bytes), " << plan.inPlace << " written in place";
    }
    module->setAttr(engine::kArenaSizeAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64), arenaSize));
  }
};

} // namespace
