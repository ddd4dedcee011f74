//===- SelectTactics.cpp - cuDNN engines and cuBLASLt algorithms by timing ===//
//
// For each library call, a tactic from the timing cache, or timed on the GPU
// through the runtime's TacticTimer (the runtime's own plan and descriptor
// code), or left to the library's heuristic at load. The op records which.
// Generated kernels' launch shapes are chosen the same way (KernelTactics.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include "ConvGemm.h"
#include "CutlassConv.h"
#include "KernelTactics.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/engine/EngineWriter.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/Tactics.h"
#include "kiln/target/cuda/Nvrtc.h"
#include "kiln/target/tactics/TimingCache.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <map>
#include <optional>

#define DEBUG_TYPE "kiln-select-tactics"

namespace kiln {
#define GEN_PASS_DEF_SELECTTACTICSPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using kiln::tactics::CachedTactic;

namespace {

/// What cache entries must match: the GPU timing runs on, or the one the
/// options describe when there is none.
struct Target {
  std::string gpu;
  int computeCapability = 0;
  int cudnnVersion = 0;
  int cublasLtVersion = 0;
};

/// "0.031 ms", "0.5 ms", "12.4 ms": three significant digits.
std::string formatTime(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g ms", ms);
  return text;
}

struct SelectTacticsPass : public kiln::impl::SelectTacticsPassBase<SelectTacticsPass> {
  using Base::Base;
  SelectTacticsPass() = default;
  SelectTacticsPass(const SelectTacticsPass &other) : SelectTacticsPassBase(other) {}

  kiln::PassStatistic numTimed{this, "timed", "Tactics chosen by timing"};
  kiln::PassStatistic numCached{this, "cached", "Tactics taken from the timing cache"};
  kiln::PassStatistic numHeuristic{this, "heuristic",
                                   "Steps left to the library's heuristic"};
  kiln::PassStatistic numKernelsTimed{this, "kernels-timed",
                                      "Kernel launch shapes chosen by timing"};
  kiln::PassStatistic numKernelsCached{this, "kernels-cached",
                                       "Kernel launch shapes taken from the timing cache"};
  kiln::PassStatistic numKernelsHeuristic{this, "kernels-heuristic",
                                          "Kernel launches left with the emitter's launch shape"};
  kiln::PassStatistic numCutlass{this, "cutlass-convs",
                                 "INT8 convolutions given to CUTLASS kernels"};

  kiln::PassStatistic numConvGemms{this, "conv-gemms",
                                   "Pointwise convolutions given to cuBLASLt GEMMs"};

  void runOnOperation() override;

private:
  /// How a step's tactic was found: taken from a step of the same
  /// signature timed in this build (`sameAs` names it), from the cache, or
  /// timed now; `why` says why there is none.
  struct Found {
    std::optional<CachedTactic> tactic;
    StringRef source;
    std::string sameAs, why;
    int64_t candidates = 0;
  };
  /// The tactic of `op` under `key`; timing needs `timer`. A timed tactic
  /// goes into `cache`.
  FailureOr<Found> findTactic(Operation *op, const tactics::TacticKey &key);
  /// Pointwise float convolutions against their cuBLASLt GEMM form.
  LogicalResult selectConvGemms(ModuleOp module, const tactics::TacticKey &gemmKey);
  /// Sets `op`'s tactic; `versus` (e.g. " (cuDNN 0.11 ms)") follows its time
  /// in the readable text.
  void apply(Operation *op, const CachedTactic &tactic, StringRef source,
             StringRef versus = "");

  tactics::TimingCache cache;
  std::optional<runtime::TacticTimer> timer;
  /// Ops of one signature (a ResNet's repeated blocks) are timed once per
  /// build; the others take that result, as timed.
  std::map<tactics::TacticKey, std::pair<CachedTactic, std::string>> timedHere;
  bool updated = false;
  /// The time of each conv's chosen cuDNN engine (timed or cached), which
  /// CUTLASS kernels must beat.
  llvm::DenseMap<Operation *, double> cudnnTimes;
  void setSource(Operation *op, StringRef source) {
    op->setAttr(engine::kTacticSourceAttr, StringAttr::get(op->getContext(), source));
  }
};

void SelectTacticsPass::apply(Operation *op, const CachedTactic &tactic, StringRef source,
                              StringRef versus) {
  Builder b(op->getContext());
  if (auto conv = dyn_cast<engine::ConvOp>(op)) {
    conv.setEngineId(tactic.engineId);
    conv.setKnobsAttr(b.getDenseI64ArrayAttr(tactic.knobs));
  } else if (auto attention = dyn_cast<engine::AttentionOp>(op)) {
    attention.setEngineId(tactic.engineId);
    attention.setKnobsAttr(b.getDenseI64ArrayAttr(tactic.knobs));
  } else {
    SmallVector<int64_t> words(tactic.algo.begin(), tactic.algo.end());
    cast<engine::GemmOp>(op).setAlgoAttr(b.getDenseI64ArrayAttr(words));
  }
  op->setAttr("workspace", b.getI64IntegerAttr(int64_t(tactic.workspace)));
  std::string text = tactic.description;
  if (tactic.milliseconds > 0)
    text += ", " + formatTime(tactic.milliseconds);
  text += versus;
  text += source == "timed" ? ", timed" : ", from the timing cache";
  op->setAttr("tactic", b.getStringAttr(text));
  setSource(op, source);
  if (isa<engine::ConvOp>(op) && tactic.milliseconds > 0)
    cudnnTimes[op] = tactic.milliseconds;
}

FailureOr<SelectTacticsPass::Found> SelectTacticsPass::findTactic(Operation *op,
                                                                  const tactics::TacticKey &key) {
  Found found;
  if (auto it = timedHere.find(key); it != timedHere.end()) {
    found.tactic = it->second.first;
    found.source = "timed";
    found.sameAs = it->second.second;
    return found;
  }
  if (const CachedTactic *hit = cache.lookup(key.signature, key.library, key.libraryVersion,
                                             key.gpu, key.computeCapability)) {
    found.tactic = *hit;
    found.source = "cache";
    return found;
  }
  if (!timer) {
    found.why = "no GPU to time it on";
    return found;
  }
  FailureOr<engine::StepAlone> alone = engine::serializeStepAlone(op);
  if (failed(alone))
    return failure();
  std::string name = engine::getStepName(op);
  runtime::Expected<runtime::TacticTiming> timing =
      timer->time(alone->step.data(), alone->step.size(), alone->scratchBytes, name);
  if (!timing || timing->timed.empty()) {
    // An entry an older Kiln timed as enqueued is better than no tactic.
    if (const CachedTactic *old =
            cache.lookup(key.signature, key.library, key.libraryVersion, key.gpu,
                         key.computeCapability, /*anyMethod=*/true)) {
      found.tactic = *old;
      found.source = "cache";
      return found;
    }
    found.why = !timing ? timing.status().message()
                        : llvm::formatv("none of {0} candidates ran", timing->candidates).str();
    if (timing && !timing->skipped.empty())
      found.why += " (" + timing->skipped.front() + ")";
    return found;
  }
  const runtime::TimedTactic &best = timing->timed.front();
  CachedTactic tactic;
  tactic.description = best.description;
  tactic.engineId = best.engineId;
  tactic.knobs = best.knobs;
  tactic.algo = best.algo;
  tactic.workspace = best.workspace;
  tactic.milliseconds = best.milliseconds;
  tactic.candidates = int64_t(timing->timed.size());
  cache.insert(key, tactic);
  timedHere[key] = {tactic, name};
  updated = true;
  found.tactic = tactic;
  found.source = "timed";
  found.candidates = timing->candidates;
  return found;
}

LogicalResult SelectTacticsPass::selectConvGemms(ModuleOp module,
                                                 const tactics::TacticKey &gemmKey) {
  SmallVector<engine::ConvOp> convs;
  module.walk([&](engine::ConvOp conv) {
    if (hasGemmForm(conv))
      convs.push_back(conv);
  });
  OpBuilder builder(module.getContext());
  for (engine::ConvOp conv : convs) {
    engine::GemmOp gemm = buildConvGemm(builder, conv);
    std::string name = engine::getStepName(conv);
    if (convGemm == "always") {
      gemm->setAttr("tactic", builder.getStringAttr("cuBLASLt for a pointwise conv, forced"));
      eraseWithOwnViews(conv);
      ++numConvGemms;
      continue;
    }
    // Without cuDNN's time there is nothing to compare with: cuDNN stays.
    auto cudnn = cudnnTimes.find(conv);
    if (cudnn == cudnnTimes.end()) {
      eraseWithOwnViews(gemm);
      continue;
    }
    tactics::TacticKey key = gemmKey;
    key.signature = tactics::getTacticSignature(gemm);
    FailureOr<Found> found = findTactic(gemm, key);
    if (failed(found))
      return failure();
    double gemmMs = found->tactic ? found->tactic->milliseconds : 0;
    bool faster = gemmMs > 0 && gemmMs < cudnn->second;
    if (progress && timer)
      llvm::errs() << "[conv as gemm] '" << name << "': "
                   << (found->tactic ? "cuBLASLt " + formatTime(gemmMs)
                                     : "cuBLASLt not timed (" + found->why + ")")
                   << ", cuDNN " << formatTime(cudnn->second) << ": "
                   << (faster ? "GEMM" : "conv") << "\n";
    if (!faster) {
      eraseWithOwnViews(gemm);
      continue;
    }
    // "cublasLt algo 21 (...), 0.086 ms (cuDNN 0.11 ms), timed"
    apply(gemm, *found->tactic, found->source, " (cuDNN " + formatTime(cudnn->second) + ")");
    cudnnTimes.erase(conv);
    eraseWithOwnViews(conv);
    ++numConvGemms;
  }
  return success();
}

void SelectTacticsPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (mode != "auto" && mode != "time" && mode != "cache" && mode != "heuristic") {
    module.emitError("kiln-select-tactics: mode must be auto, time, cache or heuristic, got '")
        << mode << "'";
    return signalPassFailure();
  }
  if (convGemm != "auto" && convGemm != "always" && convGemm != "never") {
    module.emitError("kiln-select-tactics: conv-gemm must be auto, always or never, got '")
        << convGemm << "'";
    return signalPassFailure();
  }
  cudnnTimes.clear();
  cache = tactics::TimingCache();
  timer.reset();
  timedHere.clear();
  updated = false;
  // Forced GEMM forms (tests) replace the eligible convolutions first.
  if (convGemm == "always" && failed(selectConvGemms(module, tactics::TacticKey())))
    return signalPassFailure();
  // A forced CUTLASS configuration (tests) replaces the eligible INT8
  // convolutions before anything is timed; a bad option fails here.
  // The oldest architecture the kernels are compiled for, when told.
  int oldest = 0;
  if (!minArch.empty()) {
    std::optional<unsigned> cc = engine::parseArch(minArch);
    if (!cc) {
      module.emitError("bad GPU architecture '")
          << minArch << "': expected sm_<compute capability>, e.g. sm_90";
      return signalPassFailure();
    }
    oldest = int(*cc);
  }
  if (int8ConvKernel != "auto") {
    tactics::TimingCache none;
    KernelTacticsTarget forcedTarget;
    forcedTarget.minComputeCapability = oldest;
    FailureOr<CutlassConvCounts> forced = selectCutlassConvs(
        module, int8ConvKernel, cudnnTimes, none, nullptr, forcedTarget, false);
    if (failed(forced))
      return signalPassFailure();
    numCutlass += forced->replaced;
  }
  SmallVector<Operation *> steps;
  module.walk([&](Operation *op) {
    if (isa<engine::ConvOp, engine::GemmOp, engine::AttentionOp>(op))
      steps.push_back(op);
  });
  if (launchVariant >= 0) {
    numHeuristic += steps.size();
    if (failed(forceLaunchVariant(module, launchVariant)) ||
        failed(keepLaunchedVariants(module)))
      return signalPassFailure();
    return;
  }
  if (mode == "heuristic") {
    numHeuristic += steps.size();
    module.walk([&](engine::LaunchOp launch) {
      if (launch.getVariants())
        ++numKernelsHeuristic;
    });
    if (failed(keepLaunchedVariants(module)))
      return signalPassFailure();
    return;
  }
  if (mode == "cache" && timingCache.empty()) {
    module.emitError("kiln-select-tactics: mode=cache needs a timing cache (pass option "
                     "timing-cache=FILE, kiln-compile --timing-cache FILE)");
    return signalPassFailure();
  }

  if (!timingCache.empty()) {
    llvm::Expected<tactics::TimingCache> read = tactics::TimingCache::read(timingCache);
    if (!read) {
      module.emitError(llvm::toString(read.takeError()));
      return signalPassFailure();
    }
    cache = std::move(*read);
  }
  if (steps.empty() && !hasKernelVariants(module))
    return;

  // Nothing touches the GPU unless timing may happen; without a driver the
  // timer's creation fails and says why.
  if (mode == "time" || mode == "auto") {
    runtime::TacticOptions options;
    options.maxWorkspace = uint64_t(std::max<int64_t>(0, maxWorkspace));
    runtime::Expected<runtime::TacticTimer> created = runtime::TacticTimer::create(options);
    if (created) {
      timer.emplace(std::move(*created));
      // Entries an older Kiln timed as enqueued are timed again, as graphs.
      cache.retimeOtherMethods();
    } else if (mode == "time") {
      module.emitError("kiln-select-tactics: mode=time needs a GPU: ")
          << created.status().message();
      return signalPassFailure();
    } else if (created.status().code() != runtime::ErrorCode::NoDevice) {
      // A GPU that fails to start is worth a word; no GPU at all is not.
      module.emitWarning("kiln-select-tactics: cannot time tactics, using the timing cache: ")
          << created.status().message();
    }
  }

  Target target;
  if (timer) {
    const runtime::TacticDevice &device = timer->device();
    target = {device.name, device.computeCapability, device.cudnnVersion,
              device.cublasLtVersion};
  } else {
    std::optional<unsigned> cc = engine::parseArch(arch);
    if (!cc) {
      module.emitError("bad GPU architecture '")
          << arch << "': expected sm_<compute capability>, e.g. sm_90";
      return signalPassFailure();
    }
    runtime::RuntimeVersions loaded = runtime::runtimeVersions();
    target = {gpu, int(*cc), cudnnVersion ? int(cudnnVersion) : loaded.cudnn,
              cublasLtVersion ? int(cublasLtVersion) : loaded.cublasLt};
  }

  for (auto [index, op] : llvm::enumerate(steps)) {
    bool isGemm = isa<engine::GemmOp>(op);
    StringRef kind = isa<engine::ConvOp>(op) ? "conv" : isGemm ? "gemm" : "attention";
    tactics::TacticKey key;
    key.signature = tactics::getTacticSignature(op);
    key.gpu = target.gpu;
    key.computeCapability = target.computeCapability;
    key.library = isGemm ? "cublaslt" : "cudnn";
    key.libraryVersion = isGemm ? target.cublasLtVersion : target.cudnnVersion;
    std::string prefix = llvm::formatv("[tactics {0}/{1}] {2} '{3}': ", index + 1, steps.size(),
                                       kind, engine::getStepName(op));
    FailureOr<Found> found = findTactic(op, key);
    if (failed(found))
      return signalPassFailure();
    if (!found->tactic) {
      // Left alone: no engine.tactic_source means the library's heuristic.
      ++numHeuristic;
      if (!timer)
        continue;
      op->emitWarning("no tactic could be timed, left to the library's heuristic: ")
          << found->why;
      if (progress)
        llvm::errs() << prefix << "no tactic timed, heuristic\n";
      continue;
    }
    const CachedTactic &tactic = *found->tactic;
    apply(op, tactic, found->source);
    ++(found->source == "cache" ? numCached : numTimed);
    if (!progress || !timer)
      continue;
    if (!found->sameAs.empty())
      llvm::errs() << prefix << "as '" << found->sameAs << "', " << tactic.description << "\n";
    else if (found->source == "cache")
      llvm::errs() << prefix << "from the timing cache, " << tactic.description << "\n";
    else
      llvm::errs() << prefix << found->candidates << " candidates, best " << tactic.description
                   << " (" << formatTime(tactic.milliseconds) << ")\n";
  }

  // Pointwise float convolutions: cuBLASLt GEMMs against the cuDNN engines
  // just chosen.
  if (convGemm == "auto") {
    tactics::TacticKey gemmKey;
    gemmKey.gpu = target.gpu;
    gemmKey.computeCapability = target.computeCapability;
    gemmKey.library = "cublaslt";
    gemmKey.libraryVersion = target.cublasLtVersion;
    if (failed(selectConvGemms(module, gemmKey)))
      return signalPassFailure();
  }

  // Generated kernels: the GPU's entries are those of the NVRTC that
  // compiles them here.
  KernelTacticsTarget kernelTarget;
  kernelTarget.gpu = target.gpu;
  kernelTarget.computeCapability = target.computeCapability;
  kernelTarget.nvrtcVersion =
      timer || !nvrtcVersion ? cuda::nvrtcVersion() : int(nvrtcVersion);
  kernelTarget.minComputeCapability = oldest;

  // INT8 convolutions: CUTLASS kernels against the cuDNN engines just chosen.
  if (int8ConvKernel == "auto") {
    FailureOr<CutlassConvCounts> cutlass = selectCutlassConvs(
        module, int8ConvKernel, cudnnTimes, cache, timer ? &*timer : nullptr, kernelTarget,
        progress);
    if (failed(cutlass))
      return signalPassFailure();
    numCutlass += cutlass->replaced;
    updated |= cutlass->updated;
  }
  FailureOr<KernelTacticsCounts> kernels = selectKernelTactics(
      module, cache, timer ? &*timer : nullptr, kernelTarget, progress);
  if (failed(kernels) || failed(fitLaunchBounds(module)) ||
      failed(keepLaunchedVariants(module)))
    return signalPassFailure();
  numKernelsTimed += kernels->timed;
  numKernelsCached += kernels->cached;
  numKernelsHeuristic += kernels->heuristic;
  updated |= kernels->updated;

  if (updated && !timingCache.empty()) {
    if (llvm::Error error = cache.write(timingCache)) {
      module.emitError(llvm::toString(std::move(error)));
      return signalPassFailure();
    }
  }
}

} // namespace
