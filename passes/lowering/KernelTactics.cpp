//===- KernelTactics.cpp - launch shapes of generated kernels by timing ---===//
//
// Grid-stride kernels run correctly with any block size their launch bound
// allows, and the best one depends on the kernel and the GPU. Each launch
// listing `variants` gets one from the timing cache, or by timing: every
// variant of every kernel to time is compiled in one NVRTC translation unit
// (each in its own namespace, its entry renamed, its launch bound its
// block), loaded once, and launched through the runtime's TacticTimer.
//
//===----------------------------------------------------------------------===//

#include "KernelTactics.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/target/cuda/KernelEmitter.h"
#include "kiln/target/cuda/Nvrtc.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <map>

using namespace mlir;
using namespace kiln;
using kiln::engine::KernelOp;
using kiln::engine::LaunchOp;
using kiln::tactics::CachedTactic;

namespace {

/// The variants of `launch`, six sizes each (the verifier checked).
SmallVector<cuda::LaunchShape> getVariants(LaunchOp launch) {
  SmallVector<cuda::LaunchShape> shapes;
  ArrayRef<int32_t> sizes = *launch.getVariants();
  for (size_t i = 0; i + 6 <= sizes.size(); i += 6) {
    cuda::LaunchShape shape;
    for (int d = 0; d < 3; ++d) {
      shape.grid[d] = uint32_t(sizes[i + d]);
      shape.block[d] = uint32_t(sizes[i + 3 + d]);
    }
    shapes.push_back(shape);
  }
  return shapes;
}

cuda::LaunchShape shapeOf(const CachedTactic &tactic) {
  cuda::LaunchShape shape;
  for (int d = 0; d < 3; ++d) {
    shape.grid[d] = uint32_t(tactic.grid[d]);
    shape.block[d] = uint32_t(tactic.block[d]);
  }
  return shape;
}

std::string describe(const cuda::LaunchShape &shape) {
  auto dims = [](const std::array<uint32_t, 3> &d) {
    return d[1] == 1 && d[2] == 1 ? std::to_string(d[0])
                                   : llvm::formatv("{0}x{1}x{2}", d[0], d[1], d[2]).str();
  };
  return "block " + dims(shape.block) + ", grid " + dims(shape.grid);
}

/// "0.004 ms": three significant digits.
std::string formatTime(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g ms", ms);
  return text;
}

void apply(LaunchOp launch, const CachedTactic &tactic, StringRef source) {
  Builder b(launch.getContext());
  cuda::LaunchShape shape = shapeOf(tactic);
  auto toI32 = [](const std::array<uint32_t, 3> &d) {
    return SmallVector<int32_t>{int32_t(d[0]), int32_t(d[1]), int32_t(d[2])};
  };
  launch.setGrid(toI32(shape.grid));
  launch.setBlock(toI32(shape.block));
  std::string text = describe(shape);
  if (tactic.milliseconds > 0)
    text += ", " + formatTime(tactic.milliseconds);
  text += source == "timed" ? ", timed" : ", from the timing cache";
  launch.setTacticAttr(b.getStringAttr(text));
  launch->setAttr(engine::kTacticSourceAttr, b.getStringAttr(source));
}

/// A launch waiting for timing, and where its variants are in the
/// translation unit.
struct Pending {
  LaunchOp launch;
  tactics::TacticKey key;
  SmallVector<cuda::LaunchShape> variants;
  std::vector<runtime::KernelVariant> entries;
};

/// The source of variant `index` of kernel `kernel` launched with
/// `threads` per block, in a namespace of its own with entry `entry`.
std::optional<std::string> variantSource(KernelOp kernel, const cuda::LaunchShape &shape,
                                         StringRef nameSpace, StringRef entry) {
  // A kernel with a body per variant is timed with that body alone.
  std::optional<std::string> body =
      cuda::withLaunchVariant(kernel.getSource(), shape.block);
  if (!body)
    return std::nullopt;
  uint32_t threads = shape.block[0] * shape.block[1] * shape.block[2];
  std::optional<std::string> bound = cuda::withLaunchBound(*body, threads);
  if (!bound)
    return std::nullopt;
  // The entry is declared once, right after the launch bound.
  std::string declaration =
      llvm::formatv("__launch_bounds__({0}) {1}(", threads, kernel.getSymName()).str();
  size_t at = bound->find(declaration);
  if (at == std::string::npos)
    return std::nullopt;
  bound->replace(at, declaration.size(),
                 llvm::formatv("__launch_bounds__({0}) {1}(", threads, entry).str());
  return ("namespace " + nameSpace + " {\n" + *bound + "} // namespace " + nameSpace + "\n")
      .str();
}

} // namespace

std::string kiln::loadForTiming(runtime::TacticTimer &timer, StringRef unit) {
  llvm::Expected<cuda::CompiledCuda> compiled =
      cuda::compileCuda(unit, {unsigned(timer.device().computeCapability)});
  if (!compiled)
    return llvm::toString(compiled.takeError());
  runtime::Status loaded = timer.loadKernels(compiled->cubins.front().image.data(),
                                             compiled->cubins.front().image.size());
  return loaded.ok() ? "" : loaded.message();
}

bool kiln::hasKernelVariants(ModuleOp module) {
  bool found = false;
  module.walk([&](LaunchOp launch) {
    found |= launch.getVariants().has_value();
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

FailureOr<KernelTacticsCounts>
kiln::selectKernelTactics(ModuleOp module, tactics::TimingCache &cache,
                          runtime::TacticTimer *timer, const KernelTacticsTarget &target,
                          bool progress) {
  KernelTacticsCounts counts;
  SmallVector<LaunchOp> launches;
  module.walk([&](LaunchOp launch) {
    if (launch.getVariants())
      launches.push_back(launch);
  });
  if (launches.empty())
    return counts;
  SymbolTable symbols(module);

  // Launches of one signature are timed once; the others take that result.
  std::map<std::string, SmallVector<LaunchOp>> sameAs;
  SmallVector<Pending> pending;
  for (LaunchOp launch : launches) {
    tactics::TacticKey key;
    key.signature = tactics::getTacticSignature(launch);
    key.gpu = target.gpu;
    key.computeCapability = target.computeCapability;
    key.library = "nvrtc";
    key.libraryVersion = target.nvrtcVersion;
    SmallVector<cuda::LaunchShape> variants = getVariants(launch);
    if (const CachedTactic *hit = cache.lookup(key.signature, key.library, key.libraryVersion,
                                               key.gpu, key.computeCapability);
        hit && target.nvrtcVersion) {
      // An entry for a shape the kernel does not offer is not used.
      if (llvm::is_contained(variants, shapeOf(*hit))) {
        apply(launch, *hit, "cache");
        ++counts.cached;
        continue;
      }
      launch.emitWarning("the timing cache's launch shape (")
          << describe(shapeOf(*hit)) << ") is not among the kernel's variants; ignored";
    }
    if (!timer || !target.nvrtcVersion) {
      ++counts.heuristic;
      continue;
    }
    auto [it, first] = sameAs.try_emplace(key.signature);
    it->second.push_back(launch);
    if (first)
      pending.push_back({launch, key, std::move(variants), {}});
  }
  if (pending.empty())
    return counts;

  // Every variant of every kernel to time, in one translation unit.
  std::string unit = cuda::prelude().str();
  for (auto [k, item] : llvm::enumerate(pending)) {
    auto kernel = symbols.lookup<KernelOp>(item.launch.getKernel());
    if (!kernel) {
      item.launch.emitOpError("'")
          << item.launch.getKernel() << "' is not an engine.kernel of the module";
      return failure();
    }
    for (auto [v, shape] : llvm::enumerate(item.variants)) {
      std::string nameSpace = llvm::formatv("kiln_tactic_{0}_{1}", k, v).str();
      std::string entry = nameSpace + "_entry";
      std::optional<std::string> source = variantSource(kernel, shape, nameSpace, entry);
      if (!source) {
        item.launch.emitWarning("kernel '")
            << kernel.getSymName()
            << "' declares no single launch bound on its entry, or lacks the body of a "
               "variant; its variants are not timed";
        item.entries.clear();
        break;
      }
      unit += *source;
      item.entries.push_back({entry, shape.grid, shape.block});
    }
  }
  if (std::string why = loadForTiming(*timer, unit); !why.empty()) {
    module.emitWarning("generated kernels keep their launch shapes, their variants could "
                       "not be compiled for timing: ")
        << why;
    for (const Pending &item : pending)
      counts.heuristic += sameAs[item.key.signature].size();
    return counts;
  }

  for (auto [index, item] : llvm::enumerate(pending)) {
    SmallVector<LaunchOp> &group = sameAs[item.key.signature];
    std::string name = engine::getStepName(item.launch);
    std::string prefix = llvm::formatv("[kernel tactics {0}/{1}] '{2}': ", index + 1,
                                       pending.size(), name);
    if (item.entries.empty()) {
      counts.heuristic += group.size();
      continue;
    }
    FailureOr<engine::StepAlone> alone = engine::serializeStepAlone(item.launch);
    if (failed(alone))
      return failure();
    runtime::Expected<runtime::TacticTiming> timing = timer->timeKernel(
        alone->step.data(), alone->step.size(), alone->scratchBytes, item.entries, name);
    if (!timing || timing->timed.empty()) {
      std::string why = !timing ? timing.status().message()
                                : (timing->skipped.empty() ? std::string("no variant ran")
                                                           : timing->skipped.front());
      item.launch.emitWarning("no launch shape could be timed, the emitter's is kept: ")
          << why;
      counts.heuristic += group.size();
      if (progress)
        llvm::errs() << prefix << "no variant timed, heuristic\n";
      continue;
    }
    const runtime::TimedTactic &best = timing->timed.front();
    const cuda::LaunchShape &shape = item.variants[best.index];
    CachedTactic tactic;
    tactic.description = describe(shape);
    tactic.grid.assign(shape.grid.begin(), shape.grid.end());
    tactic.block.assign(shape.block.begin(), shape.block.end());
    tactic.milliseconds = best.milliseconds;
    tactic.candidates = int64_t(timing->timed.size());
    for (LaunchOp launch : group)
      apply(launch, tactic, "timed");
    cache.insert(item.key, tactic);
    counts.timed += group.size();
    counts.updated = true;
    if (progress) {
      llvm::errs() << prefix << item.variants.size() << " variants, best "
                   << tactic.description << " (" << formatTime(best.milliseconds) << ")\n";
      // Every variant's time, best first, on a line of its own (indented, so
      // counting the lines above still counts kernels).
      llvm::errs() << "    timed:";
      for (const runtime::TimedTactic &timed : timing->timed)
        llvm::errs() << " " << describe(item.variants[timed.index]) << " ("
                     << formatTime(timed.milliseconds) << ");";
      llvm::errs() << "\n";
    }
  }
  return counts;
}

/// Sets the launch bound of each kernel named in `tuned` to the largest block
/// it is launched with.
static LogicalResult fitBounds(ModuleOp module, const llvm::StringSet<> &tuned) {
  llvm::StringMap<uint32_t> largest;
  module.walk([&](LaunchOp launch) {
    ArrayRef<int32_t> block = launch.getBlock();
    uint32_t &threads = largest[launch.getKernel()];
    threads = std::max(threads, uint32_t(block[0]) * block[1] * block[2]);
  });
  for (KernelOp kernel : module.getOps<KernelOp>()) {
    auto it = largest.find(kernel.getSymName());
    std::optional<uint32_t> bound = kernel.getMaxThreadsPerBlock();
    if (!tuned.contains(kernel.getSymName()) || !bound || *bound == it->second)
      continue;
    std::optional<std::string> source = cuda::withLaunchBound(kernel.getSource(), it->second);
    if (!source)
      return kernel.emitOpError("declares no single launch bound to raise to ")
             << it->second << " threads";
    kernel.setSource(*source);
    kernel.setMaxThreadsPerBlock(it->second);
  }
  return success();
}

LogicalResult kiln::fitLaunchBounds(ModuleOp module) {
  llvm::StringSet<> tuned;
  module.walk([&](LaunchOp launch) {
    if (launch.getVariants() && launch->hasAttr(engine::kTacticSourceAttr))
      tuned.insert(launch.getKernel());
  });
  return fitBounds(module, tuned);
}

LogicalResult kiln::keepLaunchedVariants(ModuleOp module) {
  // The block each kernel is launched with; none when launches disagree.
  llvm::StringMap<std::optional<std::array<uint32_t, 3>>> blocks;
  module.walk([&](LaunchOp launch) {
    ArrayRef<int32_t> b = launch.getBlock();
    std::array<uint32_t, 3> block{uint32_t(b[0]), uint32_t(b[1]), uint32_t(b[2])};
    auto [it, first] = blocks.try_emplace(launch.getKernel(), block);
    if (!first && it->second != block)
      it->second.reset();
  });
  for (KernelOp kernel : module.getOps<KernelOp>()) {
    auto it = blocks.find(kernel.getSymName());
    if (it == blocks.end() || !it->second ||
        !cuda::hasLaunchVariantBodies(kernel.getSource()))
      continue;
    const std::array<uint32_t, 3> &block = *it->second;
    std::optional<std::string> source =
        cuda::withLaunchVariant(kernel.getSource(), block);
    if (!source)
      return kernel.emitOpError("has no body for the block it is launched with (")
             << block[0] << "x" << block[1] << "x" << block[2] << ")";
    kernel.setSource(*source);
  }
  return success();
}

LogicalResult kiln::forceLaunchVariant(ModuleOp module, int64_t index) {
  Builder b(module.getContext());
  llvm::StringSet<> forced;
  module.walk([&](LaunchOp launch) {
    if (!launch.getVariants())
      return;
    SmallVector<cuda::LaunchShape> variants = getVariants(launch);
    size_t chosen =
        std::min<size_t>(size_t(std::max<int64_t>(0, index)), variants.size() - 1);
    const cuda::LaunchShape &shape = variants[chosen];
    launch.setGrid(
        {int32_t(shape.grid[0]), int32_t(shape.grid[1]), int32_t(shape.grid[2])});
    launch.setBlock(
        {int32_t(shape.block[0]), int32_t(shape.block[1]), int32_t(shape.block[2])});
    launch.setTacticAttr(b.getStringAttr(
        describe(shape) + llvm::formatv(", variant {0}, forced", chosen).str()));
    forced.insert(launch.getKernel());
  });
  return fitBounds(module, forced);
}
