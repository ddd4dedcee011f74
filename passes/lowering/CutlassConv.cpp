//===- CutlassConv.cpp - INT8 convolutions on CUTLASS kernels -------------===//
//
// cuDNN's INT8 convolutions reach a small part of the tensor cores' INT8
// rate on the H100; CUTLASS's implicit-GEMM kernels (ImplicitGemm.cpp) do
// better on many shapes. Each eligible fused INT8 engine.conv is timed with
// the CUTLASS configurations worth trying for it (split-K ones only where
// its output is a few tiles; all of them in one NVRTC translation unit,
// launched through the runtime's TacticTimer on the step's scratch buffers)
// and compared with the time of the cuDNN engine chosen for it; the faster
// wins. The CUTLASS result goes into the timing cache under the conv's
// signature (library "nvrtc", NVRTC's version), beside cuDNN's, so a build
// without a GPU makes the same choice from the cache.
//
//===----------------------------------------------------------------------===//

#include "CutlassConv.h"

#include "kiln/engine/EngineWriter.h"
#include "kiln/target/cuda/Nvrtc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <map>

using namespace mlir;
using namespace kiln;
using kiln::engine::ConvOp;
using kiln::engine::KernelOp;
using kiln::engine::LaunchOp;
using kiln::tactics::CachedTactic;

static bool isContiguous(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity();
}

FailureOr<cuda::Int8ConvProblem> kiln::getCutlassInt8Problem(ConvOp conv, std::string &why) {
  auto fail = [&](const Twine &reason) {
    why = reason.str();
    return failure();
  };
  if (!conv.getScale())
    return fail("not a fused INT8 convolution (no scale)");
  if (conv.getLayout() != nn::Layout::channels_last)
    return fail("not channels-last");
  if (conv.getGroups() != 1)
    return fail(llvm::formatv("grouped ({0} groups)", conv.getGroups()));
  if (conv.getTransposed())
    return fail("transposed");
  if (conv.getStrides().size() != 2)
    return fail(llvm::formatv("{0}-D, not 2-D", conv.getStrides().size()));
  for (Value buffer : {conv.getX(), conv.getW(), conv.getY()})
    if (!isContiguous(buffer))
      return fail("a strided or dynamic buffer");
  if (conv.getResidual() && !isContiguous(conv.getResidual()))
    return fail("a strided or dynamic residual");
  if (!cast<MemRefType>(conv.getY().getType()).getElementType().isInteger(8))
    return fail("its output is not int8");
  if (!conv.getBias())
    return fail("no bias");
  if (nn::ActivationAttr activation = conv.getActivationAttr();
      activation && activation.getKind() != nn::ActivationKind::relu)
    return fail("activation " + nn::stringifyActivationKind(activation.getKind()) +
                ": the CUTLASS epilogue applies relu or none");
  ArrayRef<int64_t> x = cast<MemRefType>(conv.getX().getType()).getShape();
  ArrayRef<int64_t> w = cast<MemRefType>(conv.getW().getType()).getShape();
  ArrayRef<int64_t> y = cast<MemRefType>(conv.getY().getType()).getShape();
  ArrayRef<int64_t> pads = conv.getPads(), strides = conv.getStrides(),
                    dilations = conv.getDilations();
  if (pads.size() != 4 || dilations.size() != 2)
    return fail("malformed pads or dilations");
  cuda::Int8ConvProblem problem;
  problem.n = x[0], problem.h = x[1], problem.w = x[2], problem.c = x[3];
  problem.k = w[0], problem.r = w[1], problem.s = w[2];
  problem.p = y[1], problem.q = y[2];
  problem.padTop = pads[0], problem.padLeft = pads[1];
  problem.strideH = strides[0], problem.strideW = strides[1];
  problem.dilationH = dilations[0], problem.dilationW = dilations[1];
  problem.residual = bool(conv.getResidual());
  problem.relu = bool(conv.getActivationAttr());
  problem.residualScale = conv.getResidualScale().convertToFloat();
  if (w[3] != problem.c || y[0] != problem.n || y[3] != problem.k)
    return fail("shapes of x, w and y disagree");
  std::string reason = cuda::whyNotCutlassInt8Conv(problem);
  if (!reason.empty())
    return fail(reason);
  return problem;
}

/// A kernel name not yet taken in `module`.
static std::string freshKernelName(ModuleOp module, StringRef base) {
  SymbolTable symbols(module);
  for (unsigned i = 0;; ++i) {
    std::string name = llvm::formatv("{0}_{1}", base, i).str();
    if (!symbols.lookup(name))
      return name;
  }
}

LaunchOp kiln::replaceWithCutlassKernel(ConvOp conv, const cuda::Int8ConvProblem &problem,
                                        const cuda::CutlassConvConfig &config,
                                        StringRef tactic, StringRef source) {
  auto module = conv->getParentOfType<ModuleOp>();
  OpBuilder builder(conv.getContext());
  std::string name = freshKernelName(module, "kiln_cutlass_conv");
  cuda::KernelSource kernel = cuda::emitCutlassInt8Conv(problem, config, name);
  builder.setInsertionPointToEnd(module.getBody());
  KernelOp::create(builder, conv.getLoc(), name,
                   builder.getI32IntegerAttr(int32_t(config.threads())), kernel.source);

  builder.setInsertionPoint(conv);
  SmallVector<Value> args{conv.getX(), conv.getW(), conv.getScale(), conv.getBias()};
  if (conv.getResidual())
    args.push_back(conv.getResidual());
  args.push_back(conv.getY());
  auto toDim3 = [](const std::array<uint32_t, 3> &dims) {
    return SmallVector<int32_t>{int32_t(dims[0]), int32_t(dims[1]), int32_t(dims[2])};
  };
  auto launch = LaunchOp::create(
      builder, conv.getLoc(), name, args, toDim3(kernel.grid), toDim3(kernel.block),
      kernel.sharedMemBytes, /*num_outputs=*/1, conv.getLayersAttr(), conv.getPrecisionAttr(),
      tactic.empty() ? StringAttr() : builder.getStringAttr(tactic), DenseI32ArrayAttr());
  if (!source.empty())
    launch->setAttr(engine::kTacticSourceAttr, builder.getStringAttr(source));
  conv.erase();
  return launch;
}

namespace {

/// Prefixes the conv's signature in the timing cache. "v2": the split-K
/// configurations joined the candidates, so entries timed without them
/// (plain "cutlass-int8-conv ") are not reused; "no-clusters": an engine
/// that also targets GPUs older than sm_90 times without them, in entries
/// of its own.
std::string signaturePrefix(int oldest) {
  return oldest >= cuda::kClusterComputeCapability ? "cutlass-int8-conv v2 "
                                                   : "cutlass-int8-conv v2 no-clusters ";
}

/// The oldest compute capability the kernels of `target` are compiled for.
int oldestComputeCapability(const KernelTacticsTarget &target) {
  if (!target.minComputeCapability)
    return target.computeCapability;
  if (!target.computeCapability)
    return target.minComputeCapability;
  return std::min(target.computeCapability, target.minComputeCapability);
}

/// "0.031 ms": three significant digits.
std::string formatTime(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g ms", ms);
  return text;
}

const cuda::CutlassConvConfig *configDescribed(StringRef description) {
  for (const cuda::CutlassConvConfig &config : cuda::cutlassInt8ConvConfigs())
    if (description == config.describe())
      return &config;
  return nullptr;
}

/// An eligible convolution and what it is compared with.
struct Candidate {
  ConvOp conv;
  cuda::Int8ConvProblem problem;
  double cudnnMs;
  tactics::TacticKey key;
};

std::string tacticText(const cuda::CutlassConvConfig &config, double ms, double cudnnMs,
                       StringRef how) {
  return llvm::formatv("{0}, {1} (cuDNN {2}), {3}", config.describe(), formatTime(ms),
                       formatTime(cudnnMs), how)
      .str();
}

} // namespace

FailureOr<CutlassConvCounts>
kiln::selectCutlassConvs(ModuleOp module, StringRef option,
                         const llvm::DenseMap<Operation *, double> &cudnnTimes,
                         tactics::TimingCache &cache, runtime::TacticTimer *timer,
                         const KernelTacticsTarget &target, bool progress) {
  CutlassConvCounts counts;
  const cuda::CutlassConvConfig *forced = nullptr;
  int oldest = oldestComputeCapability(target);
  if (option.consume_front("cutlass:")) {
    forced = cuda::findCutlassInt8ConvConfig(option);
    if (!forced)
      return module.emitError("kiln-select-tactics: int8-conv-kernel=cutlass:")
             << option << " names no CUTLASS configuration; they are "
             << cuda::cutlassInt8ConvConfigNames();
    if (forced->splitK > 1 && oldest && oldest < cuda::kClusterComputeCapability)
      return module.emitError("kiln-select-tactics: int8-conv-kernel=cutlass:")
             << option << " is split-K, which needs thread-block clusters (sm_90 or newer); "
             << "the kernels are compiled for sm_" << oldest;
  } else if (option != "auto" && option != "cudnn") {
    return module.emitError("kiln-select-tactics: int8-conv-kernel must be auto, cudnn or "
                            "cutlass:<config>, got '")
           << option << "'";
  }
  if (option == "cudnn")
    return counts;

  SmallVector<ConvOp> convs;
  module.walk([&](ConvOp conv) {
    if (conv.getScale())
      convs.push_back(conv);
  });
  SmallVector<Candidate> candidates;
  for (ConvOp conv : convs) {
    std::string why;
    FailureOr<cuda::Int8ConvProblem> problem = getCutlassInt8Problem(conv, why);
    if (failed(problem))
      continue;
    if (forced) {
      replaceWithCutlassKernel(conv, *problem, *forced, forced->describe() + ", forced", "");
      ++counts.replaced;
      continue;
    }
    // Without cuDNN's time there is nothing to compare with: cuDNN stays.
    auto time = cudnnTimes.find(conv);
    if (time == cudnnTimes.end() || !target.nvrtcVersion)
      continue;
    Candidate candidate{conv, *problem, time->second, {}};
    candidate.key.signature = signaturePrefix(oldest) + tactics::getTacticSignature(conv);
    candidate.key.gpu = target.gpu;
    candidate.key.computeCapability = target.computeCapability;
    candidate.key.library = "nvrtc";
    candidate.key.libraryVersion = target.nvrtcVersion;
    candidates.push_back(candidate);
  }
  if (forced || candidates.empty())
    return counts;
  // Without the headers no CUTLASS kernel compiles: cuDNN keeps them all,
  // even where the cache says CUTLASS won.
  if (llvm::Expected<std::string> headers = cuda::cutlassIncludeDir(); !headers) {
    module.emitWarning("INT8 convolutions stay on cuDNN: ")
        << llvm::toString(headers.takeError());
    counts.kept += candidates.size();
    return counts;
  }

  // Settles `item` with CUTLASS's best `tactic`: the faster of it and cuDNN.
  auto settle = [&](const Candidate &item, const CachedTactic &tactic, StringRef how) {
    const cuda::CutlassConvConfig *config = configDescribed(tactic.description);
    if (config && config->splitK > 1 && oldest < cuda::kClusterComputeCapability)
      config = nullptr; // not an entry this build made: it times without clusters
    if (!config || tactic.milliseconds <= 0 || tactic.milliseconds >= item.cudnnMs) {
      ++counts.kept;
      return;
    }
    replaceWithCutlassKernel(item.conv, item.problem, *config,
                             tacticText(*config, tactic.milliseconds, item.cudnnMs, how),
                             how == "timed" ? "timed" : "cache");
    ++counts.replaced;
  };

  // Cache hits first; the others (one per signature) are timed.
  std::map<std::string, SmallVector<Candidate>> pending;
  for (const Candidate &item : candidates) {
    const tactics::TacticKey &key = item.key;
    if (const CachedTactic *hit = cache.lookup(key.signature, key.library, key.libraryVersion,
                                               key.gpu, key.computeCapability)) {
      ++counts.cached;
      settle(item, *hit, "from the timing cache");
      continue;
    }
    if (timer)
      pending[key.signature].push_back(item);
  }
  if (pending.empty())
    return counts;

  // The configurations of every signature in one translation unit.
  std::string unit;
  std::vector<std::vector<cuda::CutlassConvConfig>> configsOf;
  std::vector<std::vector<runtime::KernelVariant>> entries;
  for (auto [index, group] : llvm::enumerate(pending)) {
    std::vector<runtime::KernelVariant> &variants = entries.emplace_back();
    const std::vector<cuda::CutlassConvConfig> &configs =
        configsOf.emplace_back(cuda::cutlassInt8ConvConfigsFor(group.second.front().problem, oldest));
    for (auto [c, config] : llvm::enumerate(configs)) {
      std::string entry = llvm::formatv("kiln_cutlass_tactic_{0}_{1}", index, c).str();
      cuda::KernelSource kernel =
          cuda::emitCutlassInt8Conv(group.second.front().problem, config, entry);
      unit += kernel.source;
      variants.push_back({entry, kernel.grid, kernel.block, kernel.sharedMemBytes});
    }
  }
  if (std::string why = loadForTiming(*timer, unit); !why.empty()) {
    module.emitWarning("INT8 convolutions stay on cuDNN, the CUTLASS kernels could not be "
                       "compiled for timing: ")
        << why;
    for (auto &group : pending)
      counts.kept += group.second.size();
    return counts;
  }

  for (auto [index, group] : llvm::enumerate(pending)) {
    const Candidate &first = group.second.front();
    std::string name = engine::getStepName(first.conv);
    // The step to time: the first convolution as a launch (of configuration
    // 0; the variants say what runs), put back as it was unless a CUTLASS
    // kernel wins.
    OpBuilder builder(first.conv);
    Operation *copy = builder.clone(*first.conv);
    const std::vector<cuda::CutlassConvConfig> &configs = configsOf[index];
    LaunchOp probe = replaceWithCutlassKernel(first.conv, first.problem, configs.front(), "", "");
    auto restore = [&]() {
      auto probeKernel = SymbolTable::lookupNearestSymbolFrom<KernelOp>(
          probe, probe.getKernelAttr());
      probe.erase();
      probeKernel.erase();
    };
    FailureOr<engine::StepAlone> alone = engine::serializeStepAlone(probe);
    if (failed(alone))
      return failure();
    runtime::Expected<runtime::TacticTiming> timing = timer->timeKernel(
        alone->step.data(), alone->step.size(), alone->scratchBytes, entries[index], name);
    restore();
    SmallVector<Candidate> items = group.second;
    items.front().conv = cast<ConvOp>(copy);
    if (!timing || timing->timed.empty()) {
      std::string why = !timing ? timing.status().message()
                                : (timing->skipped.empty() ? std::string("none ran")
                                                           : timing->skipped.front());
      copy->emitWarning("no CUTLASS kernel could be timed, cuDNN stays: ") << why;
      counts.kept += items.size();
      continue;
    }
    const runtime::TimedTactic &best = timing->timed.front();
    const cuda::CutlassConvConfig &config = configs[best.index];
    CachedTactic tactic;
    tactic.description = config.describe();
    uint32_t threads = uint32_t(config.threads());
    const runtime::KernelVariant &variant = entries[index][best.index];
    tactic.grid.assign(variant.grid.begin(), variant.grid.end());
    tactic.block = {int64_t(threads), 1, 1};
    tactic.milliseconds = best.milliseconds;
    tactic.candidates = int64_t(timing->timed.size());
    cache.insert(first.key, tactic);
    counts.updated = true;
    counts.timed += items.size();
    if (progress)
      llvm::errs() << llvm::formatv("[cutlass tactics {0}/{1}] '{2}': {3} configurations, "
                                    "best {4} ({5}), cuDNN {6}\n",
                                    index + 1, pending.size(), name, configs.size(),
                                    config.describe(), formatTime(best.milliseconds),
                                    formatTime(first.cudnnMs));
    for (const Candidate &item : items)
      settle(item, tactic, "timed");
  }
  return counts;
}
