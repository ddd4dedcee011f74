//===- PlanMemory.cpp - place the activation buffers in one arena ---------===//
//
// Liveness of every engine.alloc over the step order, then a best-fit packing
// into one arena with reuse of freed ranges (as TensorRT's allocator does),
// and in-place outputs for pointwise dispatches whose input dies there.
//
// Reused bytes order steps: the engine writer makes a step that writes bytes
// wait for the earlier steps that touched them (Step.deps), so a tensor that
// takes a dead tensor's bytes makes its writer wait for that tensor's
// readers. With `concurrency=branches` a tensor takes only bytes whose
// earlier users are already ancestors of all its own users in the dataflow
// (the dependencies the steps would have if no two buffers shared a byte),
// so reuse adds no dependency and independent branches stay concurrent.
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "dialects/engine/EngineDialect.h"
#include "dialects/nn/NNDialect.h"
#include "kiln/runtime/StreamSchedule.h"
#include "lib/engine/StepDependencies.h"

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

/// Which reuse of freed bytes the planner allows (the pass's `concurrency`).
enum class Concurrency {
  None,     ///< any freed bytes: the smallest arena
  Branches, ///< only bytes whose earlier users the new users wait for anyway
};

struct Interval {
  engine::AllocOp alloc;
  int64_t size = 0; // aligned
  int64_t first = 0, last = 0;
  int64_t offset = -1;
};

/// A range of bytes: `[offset, offset + size)`.
struct Range {
  int64_t offset = 0, size = 0;
};

/// Free ranges of the arena, coalesced, and its end.
class Arena {
public:
  /// The parts of the free range `free` that a new buffer may take.
  using UsableRuns = llvm::function_ref<void(Range free, SmallVectorImpl<Range> &runs)>;

  /// The smallest usable run of free bytes that holds `size`, else the end
  /// (starting in a usable run that ends at the end).
  int64_t allocate(int64_t size, UsableRuns usable) {
    std::optional<Range> best;
    SmallVector<Range> runs;
    for (auto [offset, length] : free) {
      runs.clear();
      usable(Range{offset, length}, runs);
      for (Range run : runs)
        if (run.size >= size && (!best || run.size < best->size))
          best = run;
    }
    int64_t start = end;
    if (best) {
      start = best->offset;
    } else if (!free.empty()) {
      // Grow the arena, starting in a usable run that ends at its end.
      auto last = std::prev(free.end());
      if (last->first + last->second == end) {
        runs.clear();
        usable(Range{last->first, last->second}, runs);
        if (!runs.empty() && runs.back().offset + runs.back().size == end)
          start = runs.back().offset;
      }
    }
    take(start, size);
    return start;
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
  /// Removes `[start, start + size)` from the free range holding `start`
  /// (if any), growing the arena past its end.
  void take(int64_t start, int64_t size) {
    auto it = free.upper_bound(start);
    if (it != free.begin()) {
      --it;
      int64_t rangeEnd = it->first + it->second;
      if (start < rangeEnd) {
        if (it->first < start)
          it->second = start - it->first;
        else
          free.erase(it);
        if (start + size < rangeEnd)
          free[start + size] = rangeEnd - start - size;
      }
    }
    end = std::max(end, start + size);
  }

  std::map<int64_t, int64_t> free;
  int64_t end = 0;
};

/// Which interval last held each placed byte of the arena: disjoint
/// segments, start → (end, interval).
class Occupants {
public:
  void place(Range range, unsigned interval) {
    int64_t end = range.offset + range.size;
    auto it = segments.upper_bound(range.offset);
    if (it != segments.begin() && std::prev(it)->second.first > range.offset)
      --it;
    while (it != segments.end() && it->first < end) {
      auto [start, segment] = *it;
      it = segments.erase(it);
      if (start < range.offset)
        segments[start] = {range.offset, segment.second};
      if (segment.first > end)
        segments[end] = segment;
    }
    segments[range.offset] = {end, interval};
  }

  /// The maximal parts of `range` whose last holders (none for bytes never
  /// placed) all satisfy `reusable`.
  void runs(Range range, llvm::function_ref<bool(unsigned)> reusable,
            SmallVectorImpl<Range> &out) const {
    int64_t end = range.offset + range.size, start = range.offset;
    auto it = segments.upper_bound(range.offset);
    if (it != segments.begin() && std::prev(it)->second.first > range.offset)
      --it;
    for (; it != segments.end() && it->first < end; ++it) {
      if (reusable(it->second.second))
        continue;
      if (it->first > start)
        out.push_back({start, it->first - start});
      start = std::max(start, it->second.first);
    }
    if (start < end)
      out.push_back({start, end - start});
  }

private:
  std::map<int64_t, std::pair<int64_t, unsigned>> segments;
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

/// The dependencies the engine writer records for the steps (Step.deps),
/// with each alloc's bytes at `allocOffset`: the closure of each step's
/// waits and the direct waits.
struct StepGraph {
  std::vector<llvm::BitVector> ancestors; ///< per step, sized to the step count
  runtime::StepDeps deps;
};

StepGraph stepGraph(ArrayRef<Operation *> steps,
                    llvm::function_ref<int64_t(engine::AllocOp)> allocOffset) {
  auto locate = [&](Value buffer) -> std::optional<engine::BufferLocation> {
    int64_t offset = 0;
    while (auto view = buffer.getDefiningOp<engine::ViewOp>()) {
      offset += view.getByteOffset();
      buffer = view.getSource();
    }
    if (auto alloc = buffer.getDefiningOp<engine::AllocOp>())
      return engine::BufferLocation{fb::Region::Arena, 0, allocOffset(alloc) + offset};
    if (buffer.getDefiningOp<engine::WeightOp>())
      return engine::BufferLocation{fb::Region::Weights, 0, 0};
    if (auto argument = llvm::dyn_cast<BlockArgument>(buffer))
      return engine::BufferLocation{fb::Region::Binding, argument.getArgNumber(), offset};
    return std::nullopt;
  };
  engine::StepDependencies dependencies;
  StepGraph graph;
  for (Operation *op : steps) {
    std::optional<SmallVector<engine::BufferAccess>> accesses =
        engine::getStepAccesses(op, locate);
    graph.deps.push_back(accesses ? dependencies.addStep(*accesses)
                                  : dependencies.addBarrier());
    llvm::BitVector ancestors = dependencies.ancestorsOf(graph.ancestors.size());
    ancestors.resize(steps.size());
    graph.ancestors.push_back(std::move(ancestors));
  }
  return graph;
}

struct Plan {
  int64_t arena = 0, sum = 0, peak = 0;
  unsigned inPlace = 0;
  /// The most steps that may run at once as planned, and with no byte
  /// shared between buffers (the dataflow's own width).
  size_t width = 0, dataflowWidth = 0;
  /// Steps that wait for an earlier step only because of reused bytes.
  unsigned serialized = 0;
};

/// Plans `function`'s arena; `widths` also measures the widths (quadratic
/// in the steps and more: for the report only).
Plan planFunction(func::FuncOp function, Concurrency concurrency, bool widths) {
  // Liveness: the range of steps that use each alloc (through its views).
  DenseMap<Operation *, unsigned> index;
  SmallVector<Operation *> steps;
  SmallVector<Interval> intervals;
  DenseMap<Operation *, unsigned> intervalOf;
  for (Operation &op : function.getBody().front()) {
    if (auto alloc = llvm::dyn_cast<engine::AllocOp>(op)) {
      intervalOf[alloc] = intervals.size();
      intervals.push_back({alloc,
                           int64_t(llvm::alignTo(alloc.getSizeInBytes(), kAlignment)), -1,
                           int64_t(steps.size()), -1});
      continue;
    }
    if (!engine::isStep(&op))
      continue;
    int64_t step = steps.size();
    for (Value operand : op.getOperands())
      if (engine::AllocOp alloc = rootAlloc(operand)) {
        Interval &interval = intervals[intervalOf[alloc]];
        if (interval.first < 0)
          interval.first = step;
        interval.last = step;
      }
    index[&op] = step;
    steps.push_back(&op);
  }
  unsigned step = steps.size();
  // An alloc no step uses still gets a place, for the step after it.
  for (Interval &interval : intervals)
    if (interval.first < 0)
      interval.first = interval.last = std::min<int64_t>(interval.last, step);

  // The dataflow: the steps' dependencies with every alloc in bytes of its
  // own. Each interval's users, and the steps all of them wait for anyway.
  SmallVector<int64_t> ownBytes;
  int64_t ownEnd = 0;
  for (Interval &interval : intervals) {
    ownBytes.push_back(ownEnd);
    ownEnd += interval.size;
  }
  StepGraph dataflow = stepGraph(
      steps, [&](engine::AllocOp alloc) { return ownBytes[intervalOf[alloc]]; });
  std::vector<llvm::BitVector> users(intervals.size(), llvm::BitVector(step));
  for (auto [s, op] : llvm::enumerate(steps))
    for (Value operand : op->getOperands())
      if (engine::AllocOp alloc = rootAlloc(operand))
        users[intervalOf[alloc]].set(s);
  auto waitedForByAll = [&](const llvm::BitVector &stepsUsing) {
    llvm::BitVector common(step, true);
    for (unsigned s : stepsUsing.set_bits())
      common &= dataflow.ancestors[s];
    return common;
  };
  auto within = [](const llvm::BitVector &some, const llvm::BitVector &all) {
    return !some.test(all);
  };

  // Steps where each interval starts and ends.
  Plan plan;
  std::vector<SmallVector<unsigned>> starts(step + 1), ends(step + 1);
  for (auto [i, interval] : llvm::enumerate(intervals)) {
    starts[interval.first].push_back(i);
    ends[interval.last].push_back(i);
    plan.sum += interval.size;
  }
  // In place: a pointwise dispatch's output alloc takes the buffer of an
  // input alloc of its shape that dies at that step (and, keeping branches
  // apart, whose other users the dispatch waits for anyway).
  DenseMap<unsigned, unsigned> sharesWith; // output interval → input interval
  for (Operation *op : steps) {
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
        if (concurrency == Concurrency::Branches) {
          llvm::BitVector others = users[in];
          others.reset(at);
          if (!within(others, dataflow.ancestors[at]))
            continue;
        }
        taken.insert(in);
        sharesWith[out] = in;
        break;
      }
    }
  }

  // Every step that used the bytes an interval holds: its users, and those
  // of the input it was written in place over.
  std::vector<llvm::BitVector> holders = users;
  Arena arena;
  Occupants occupants;
  int64_t live = 0;
  for (unsigned s = 0; s <= step; ++s) {
    for (unsigned i : starts[s]) {
      Interval &interval = intervals[i];
      if (auto it = sharesWith.find(i); it != sharesWith.end()) {
        // The input's range passes to the output instead of being freed.
        interval.offset = intervals[it->second].offset;
        intervals[it->second].size = 0;
        holders[i] |= holders[it->second];
        occupants.place({interval.offset, interval.size}, i);
        ++plan.inPlace;
        continue;
      }
      if (concurrency == Concurrency::None) {
        interval.offset =
            arena.allocate(interval.size, [](Range free, SmallVectorImpl<Range> &runs) {
              runs.push_back(free);
            });
      } else {
        llvm::BitVector waited = waitedForByAll(users[i]);
        interval.offset =
            arena.allocate(interval.size, [&](Range free, SmallVectorImpl<Range> &runs) {
              occupants.runs(
                  free, [&](unsigned holder) { return within(holders[holder], waited); },
                  runs);
            });
      }
      occupants.place({interval.offset, interval.size}, i);
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

  // What the plan costs in concurrency: the dependencies as the engine
  // writer will record them against the dataflow's.
  StepGraph planned = stepGraph(
      steps, [&](engine::AllocOp alloc) { return intervals[intervalOf[alloc]].offset; });
  for (unsigned s = 0; s < step; ++s)
    plan.serialized += llvm::any_of(planned.deps[s], [&](uint32_t earlier) {
      return !dataflow.ancestors[s].test(earlier);
    });
  if (widths) {
    plan.width = runtime::dependencyWidth(planned.deps);
    plan.dataflowWidth = runtime::dependencyWidth(dataflow.deps);
  }
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
  kiln::PassStatistic serialized{
      this, "reuse-serialized-steps",
      "Steps that wait for an earlier step only because they reuse its bytes"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Concurrency> mode =
        llvm::StringSwitch<std::optional<Concurrency>>(concurrency)
            .Case("none", Concurrency::None)
            .Case("branches", Concurrency::Branches)
            .Default(std::nullopt);
    if (!mode) {
      module.emitError() << "concurrency must be none or branches, got '" << concurrency
                         << "'";
      return signalPassFailure();
    }
    int64_t arenaSize = 0;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      Plan plan = planFunction(function, *mode, /*widths=*/report);
      arenaSize = std::max(arenaSize, plan.arena);
      arenaBytes += plan.arena;
      tensorBytes += plan.sum;
      peakBytes += plan.peak;
      inPlace += plan.inPlace;
      serialized += plan.serialized;
      if (report)
        function.emitRemark() << "arena " << plan.arena << " bytes for " << plan.sum
                              << " bytes of tensors (peak live " << plan.peak
                              << " bytes), " << plan.inPlace
                              << " written in place; width " << plan.width
                              << " of the dataflow's " << plan.dataflowWidth << ", "
                              << plan.serialized
                              << " steps wait only because of reused bytes";
    }
    module->setAttr(engine::kArenaSizeAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64), arenaSize));
  }
};

} // namespace
