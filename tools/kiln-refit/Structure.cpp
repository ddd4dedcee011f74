//===- Structure.cpp - a refit keeps the old engine's structure and tactics ===//

#include "Refit.h"

#include "dialects/engine/EngineDialect.h"
#include "passes/lowering/ConvGemm.h"
#include "kiln/target/tactics/TimingCache.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace kiln;
namespace fb = kiln::fb;

namespace {

/// A step, binding or plan as (field, value) pairs: two engines have the
/// same structure when these lists are equal.
using Fields = std::vector<std::pair<std::string, std::string>>;

std::string str(const flatbuffers::String *text) { return text ? text->str() : ""; }

template <typename T> std::string list(const flatbuffers::Vector<T> *values) {
  std::string text = "[";
  for (size_t i = 0; values && i < values->size(); ++i)
    text += (i ? "," : "") + std::to_string(values->Get(i));
  return text + "]";
}

std::string strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>> *values) {
  std::string text;
  for (size_t i = 0; values && i < values->size(); ++i)
    text += (i ? " + " : "") + values->Get(i)->str();
  return text;
}

std::string ref(const fb::BufferRef *ref) {
  if (!ref)
    return "none";
  return llvm::formatv("{0}:{1}+{2}", int(ref->region()), ref->binding(), ref->offset()).str();
}

void tensor(Fields &fields, const std::string &name, const fb::TensorDesc *desc) {
  if (!desc) {
    fields.push_back({name, "none"});
    return;
  }
  fields.push_back({name + " type", fb::EnumNameDType(desc->dtype())});
  fields.push_back({name + " shape", list(desc->shape())});
  fields.push_back({name + " strides", list(desc->strides())});
  fields.push_back({name + " buffer", ref(desc->buffer())});
}

Fields describeStep(const fb::Step &step) {
  Fields fields{{"kind", fb::EnumNameStepKind(step.kind_type())},
                {"layers", strings(step.layers())},
                {"precision", str(step.precision())}};
  auto add = [&](const std::string &name, auto value) {
    fields.push_back({name, llvm::formatv("{0}", value).str()});
  };
  if (const fb::LaunchStep *launch = step.kind_as_LaunchStep()) {
    add("kernel", str(launch->kernel()));
    add("grid", list(launch->grid()));
    add("block", list(launch->block()));
    add("shared memory", launch->shared_mem());
    for (size_t i = 0; launch->args() && i < launch->args()->size(); ++i)
      add("argument " + std::to_string(i), ref(launch->args()->Get(i)));
  } else if (const fb::ConvStep *conv = step.kind_as_ConvStep()) {
    tensor(fields, "x", conv->x());
    tensor(fields, "w", conv->w());
    tensor(fields, "bias", conv->bias());
    tensor(fields, "z", conv->z());
    tensor(fields, "y", conv->y());
    tensor(fields, "scale", conv->scale());
    add("pads", list(conv->pads_begin()) + list(conv->pads_end()));
    add("strides", list(conv->strides()));
    add("dilations", list(conv->dilations()));
    add("groups", conv->groups());
    add("transposed", conv->transposed());
    add("compute type", fb::EnumNameDType(conv->compute_type()));
    add("activation", fb::EnumNameActivation(conv->activation()));
    add("cuDNN engine", conv->engine_id());
    add("knobs", list(conv->knobs()));
    add("workspace", conv->workspace_size());
  } else if (const fb::GemmStep *gemm = step.kind_as_GemmStep()) {
    add("operands", ref(gemm->a()) + " " + ref(gemm->b()) + " " + ref(gemm->c()) + " " +
                        ref(gemm->d()) + " " + ref(gemm->bias()));
    add("types", llvm::formatv("{0} {1} {2} {3} {4} {5}", int(gemm->a_type()),
                               int(gemm->b_type()), int(gemm->c_type()), int(gemm->d_type()),
                               int(gemm->bias_type()), int(gemm->compute_type())));
    add("m n k batch", llvm::formatv("{0} {1} {2} {3}", gemm->m(), gemm->n(), gemm->k(),
                                     gemm->batch()));
    add("transposes", llvm::formatv("{0} {1}", gemm->trans_a(), gemm->trans_b()));
    add("leading dimensions", llvm::formatv("{0} {1} {2} {3}", gemm->lda(), gemm->ldb(),
                                            gemm->ldc(), gemm->ldd()));
    add("batch strides", llvm::formatv("{0} {1} {2} {3}", gemm->stride_a(), gemm->stride_b(),
                                       gemm->stride_c(), gemm->stride_d()));
    add("epilogue", fb::EnumNameGemmEpilogue(gemm->epilogue()));
    add("cuBLASLt algo", list(gemm->algo()));
    add("workspace", gemm->workspace_size());
  } else if (const fb::CopyStep *copy = step.kind_as_CopyStep()) {
    add("copy", ref(copy->src()) + " -> " + ref(copy->dst()));
    add("bytes", copy->size());
  }
  return fields;
}

Fields describeBinding(const fb::Binding &binding) {
  return {{"name", str(binding.name())},
          {"direction", binding.is_input() ? "input" : "output"},
          {"type", fb::EnumNameDType(binding.dtype())},
          {"shape", list(binding.shape())}};
}

/// "the first difference of `a` and `b`" or empty.
std::string firstDifference(const Fields &a, const Fields &b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && a[i] == b[i])
      continue;
    std::string name = i < a.size() ? a[i].first : b[i].first;
    std::string was = i < a.size() ? a[i].second : "none";
    std::string is = i < b.size() && b[i].first == name ? b[i].second : "none";
    return name + " " + was + " in the old engine, " + is + " in the new";
  }
  return "";
}

template <typename T> size_t count(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

} // namespace

std::optional<std::string> refit::compareStructure(const fb::Engine &old,
                                                   const fb::Engine &rebuilt) {
  size_t bindings = std::max(count(old.bindings()), count(rebuilt.bindings()));
  for (size_t i = 0; i < bindings; ++i) {
    if (i >= count(old.bindings()) || i >= count(rebuilt.bindings()))
      return llvm::formatv("the old engine has {0} bindings, the new {1}",
                           count(old.bindings()), count(rebuilt.bindings()))
          .str();
    const fb::Binding &a = *old.bindings()->Get(i), &b = *rebuilt.bindings()->Get(i);
    std::string difference = firstDifference(describeBinding(a), describeBinding(b));
    if (!difference.empty())
      return "binding " + std::to_string(i) + " '" + str(a.name()) + "': " + difference;
  }
  size_t steps = std::max(count(old.steps()), count(rebuilt.steps()));
  for (size_t i = 0; i < steps; ++i) {
    if (i >= count(old.steps()) || i >= count(rebuilt.steps()))
      return llvm::formatv("the old engine has {0} steps, the new {1}; step {2} is '{3}'", count(old.steps()),
                           count(rebuilt.steps()), i,
                           str((i < count(old.steps()) ? old : rebuilt).steps()->Get(i)->name()))
          .str();
    const fb::Step &a = *old.steps()->Get(i), &b = *rebuilt.steps()->Get(i);
    std::string difference = firstDifference(describeStep(a), describeStep(b));
    if (!difference.empty())
      return "step " + std::to_string(i) + " '" + str(a.name()) + "': " + difference;
  }
  Fields planA{{"arena bytes", std::to_string(old.arena_size())},
               {"weights bytes", std::to_string(old.weights_size())}};
  Fields planB{{"arena bytes", std::to_string(rebuilt.arena_size())},
               {"weights bytes", std::to_string(rebuilt.weights_size())}};
  for (auto [engine, plan] : {std::pair{&old, &planA}, std::pair{&rebuilt, &planB}})
    for (size_t i = 0; i < count(engine->arena_tensors()); ++i) {
      const fb::ArenaTensor *t = engine->arena_tensors()->Get(i);
      plan->push_back({"arena tensor " + std::to_string(i),
                       llvm::formatv("'{0}' at {1}, {2} bytes, steps {3}-{4}", str(t->name()),
                                     t->offset(), t->size(), t->first_step(), t->last_step())
                           .str()});
    }
  std::string difference = firstDifference(planA, planB);
  if (!difference.empty())
    return "memory plan: " + difference;
  return std::nullopt;
}

void refit::TacticFeeder::runBeforePass(Pass *pass, Operation *op) {
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module || pass->getArgument() != "kiln-select-tactics" || !failure.empty())
    return;
  // The ops that become steps, in the writer's order.
  SmallVector<Operation *> ops;
  for (auto func : module.getOps<func::FuncOp>())
    for (Operation &step : func.getBody().front())
      if (!llvm::isa<func::ReturnOp, engine::WeightOp, engine::AllocOp, engine::ViewOp>(step))
        ops.push_back(&step);
  size_t steps = count(old.steps());
  tactics::TimingCache cache;
  for (auto [index, op] : llvm::enumerate(ops)) {
    Operation *step = op;
    if (index >= steps) {
      failure = llvm::formatv("the old engine has {0} steps, the new model more; step {1} "
                              "is '{2}'", steps, index, engine::getStepName(step))
                    .str();
      return;
    }
    const fb::Step &recorded = *old.steps()->Get(index);
    std::string name = engine::getStepName(step);
    if (name != str(recorded.name())) {
      failure = llvm::formatv("step {0} is '{1}' in the old engine, '{2}' in the new", index,
                              str(recorded.name()), name)
                    .str();
      return;
    }
    // A pointwise convolution the old build gave to cuBLASLt (timed faster
    // than cuDNN) takes its GEMM form again here; the pass, told
    // conv-gemm=never, leaves the others on cuDNN as recorded.
    if (auto conv = llvm::dyn_cast<engine::ConvOp>(step);
        conv && recorded.kind_type() == fb::StepKind::GemmStep && hasGemmForm(conv)) {
      OpBuilder builder(conv);
      step = buildConvGemm(builder, conv);
      eraseWithOwnViews(conv);
    }
    if (recorded.tactic_source() == fb::TacticSource::Heuristic)
      continue;
    tactics::TacticKey key;
    key.signature = tactics::getTacticSignature(step);
    key.computeCapability = target.computeCapability;
    tactics::CachedTactic tactic;
    tactic.description = str(recorded.tactic());
    // The recorded text ends with how it was chosen; the pass adds its own.
    for (StringRef suffix : {", timed", ", from the timing cache"})
      if (StringRef(tactic.description).ends_with(suffix))
        tactic.description.resize(tactic.description.size() - suffix.size());
    if (const fb::ConvStep *conv = recorded.kind_as_ConvStep();
        conv && llvm::isa<engine::ConvOp>(step)) {
      key.library = "cudnn";
      key.libraryVersion = target.cudnnVersion;
      tactic.engineId = conv->engine_id();
      if (conv->knobs())
        tactic.knobs.assign(conv->knobs()->begin(), conv->knobs()->end());
      tactic.workspace = conv->workspace_size();
    } else if (const fb::GemmStep *gemm = recorded.kind_as_GemmStep();
               gemm && llvm::isa<engine::GemmOp>(step)) {
      key.library = "cublaslt";
      key.libraryVersion = target.cublasLtVersion;
      if (gemm->algo())
        tactic.algo.assign(gemm->algo()->begin(), gemm->algo()->end());
      tactic.workspace = gemm->workspace_size();
    } else if (const fb::LaunchStep *launch = recorded.kind_as_LaunchStep();
               launch && llvm::isa<engine::LaunchOp>(step)) {
      key.library = "nvrtc";
      key.libraryVersion = target.nvrtcVersion;
      if (launch->grid())
        tactic.grid.assign(launch->grid()->begin(), launch->grid()->end());
      if (launch->block())
        tactic.block.assign(launch->block()->begin(), launch->block()->end());
    } else {
      failure = llvm::formatv("step {0} '{1}' is a {2} step in the old engine, {3} in the new",
                              index, name, fb::EnumNameStepKind(recorded.kind_type()),
                              step->getName().getStringRef())
                    .str();
      return;
    }
    cache.insert(key, std::move(tactic));
    ++numFed;
  }
  if (ops.size() < steps) {
    failure = llvm::formatv("the old engine has {0} steps, the new model {1}; step {1} is "
                            "'{2}'", steps, ops.size(), str(old.steps()->Get(ops.size())->name()))
                  .str();
    return;
  }
  if (llvm::Error error = cache.write(target.cachePath))
    failure = llvm::toString(std::move(error));
}
