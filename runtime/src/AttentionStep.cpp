// AttentionStep (format 1.3) on cuDNN's fused scaled dot-product attention
// (flash attention) through cudnn-frontend's `sdpa`: one graph per step,
// q, k, v and o described by their logical [B, H, S, D] dims and the
// strides the step gives (so [B, S, H, D] buffers are read and written in
// place), the scale, the optional additive bias, no softmax statistics
// (inference), f32 accumulation. The plan is built when the context is
// created, with the engine (and knobs) the compiler chose, or cuDNN's
// heuristic choice.
#include "CudnnGraph.h"

namespace kiln::runtime::detail {

namespace fb = kiln::fb;

namespace {

class AttentionRunner : public CudnnGraphRunner {
public:
  AttentionRunner(const fb::AttentionStep &attention, cudnnHandle_t handle, std::string name)
      : CudnnGraphRunner(handle, std::move(name)), attention_(attention) {}

  Status build(std::vector<std::string> &warnings) {
    return guarded([&] { return choosePlan(warnings); });
  }

  Status enumerate(size_t maxWorkspace) {
    return guarded([&] { return enumeratePlans(maxWorkspace); });
  }

  Status enqueue(const Addresses &addresses, void *workspace, cudaStream_t) override {
    bind(q_, addresses.resolve(attention_.q()->buffer()));
    bind(k_, addresses.resolve(attention_.k()->buffer()));
    bind(v_, addresses.resolve(attention_.v()->buffer()));
    bind(o_, addresses.resolve(attention_.o()->buffer()));
    if (bias_)
      bind(bias_, addresses.resolve(attention_.bias()->buffer()));
    return execute(workspace);
  }

private:
  std::shared_ptr<fe::graph::Tensor_attributes> tensor(const fb::TensorDesc &desc,
                                                       const char *name) {
    return graph_->tensor(fe::graph::Tensor_attributes()
                              .set_name(name)
                              .set_dim(toVector(desc.shape(), desc.shape()->size(), 1))
                              .set_stride(stridesOf(desc))
                              .set_data_type(feType(desc.dtype())));
  }

  // "sdpa f16 [2,12,128,64] x [2,12,128,64] +bias", for messages.
  std::string describe() const {
    auto dims = [](const fb::TensorDesc *t) {
      std::string text = "[";
      for (size_t i = 0; i < t->shape()->size(); ++i)
        text += (i ? "," : "") + std::to_string(t->shape()->Get(i));
      return text + "]";
    };
    const fb::AttentionStep &a = attention_;
    return std::string("sdpa ") + (a.q()->dtype() == fb::DType::BF16 ? "bf16 " : "f16 ") +
           "q " + dims(a.q()) + " k " + dims(a.k()) + " v " + dims(a.v()) +
           (a.bias() ? " +bias " + dims(a.bias()) : "");
  }

  // A fresh graph with its operation graph built, ready for plans.
  Status makeGraph() {
    const fb::AttentionStep &a = attention_;
    fe::DataType_t io = feType(a.q()->dtype());
    graph_ = std::make_shared<fe::graph::Graph>();
    graph_->set_io_data_type(io)
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(fe::DataType_t::FLOAT);
    q_ = tensor(*a.q(), "q");
    k_ = tensor(*a.k(), "k");
    v_ = tensor(*a.v(), "v");
    bias_.reset();
    auto options = fe::graph::SDPA_attributes()
                       .set_name("attention")
                       .set_generate_stats(false)
                       .set_attn_scale(a.scale());
    if (a.bias()) {
      bias_ = tensor(*a.bias(), "bias");
      options.set_bias(bias_);
    }
    auto [o, stats] = graph_->sdpa(q_, k_, v_, options);
    (void)stats; // none: inference
    o_ = o;
    o_->set_output(true)
        .set_dim(toVector(a.o()->shape(), 4, 1))
        .set_stride(stridesOf(*a.o()))
        .set_data_type(io);
    description_ = describe();
    if (Status s = check(graph_->validate(), "validate"); !s.ok()) return s;
    return check(graph_->build_operation_graph(handle_), "operation graph");
  }

  Status check(const fe::error_t &status, const char *stage) const {
    if (status.is_good())
      return Status::success();
    return Status(ErrorCode::Unsupported, "'" + name_ + "': cuDNN " +
                                              std::to_string(cudnnGetVersion()) +
                                              " cannot run " + description_ + " (" + stage +
                                              "): " + feMessage(status));
  }

  Status choosePlan(std::vector<std::string> &warnings) {
    const fb::AttentionStep &a = attention_;
    if (Status s = makeGraph(); !s.ok())
      return s;
    if (a.engine_id() >= 0) {
      if (buildStoredPlan(a.engine_id(), a.knobs(), warnings))
        return finish();
      if (Status s = makeGraph(); !s.ok())
        return s;
    }
    // The quick heuristic modes, then the thorough one.
    const std::vector<std::vector<fe::HeurMode_t>> modes = {
        {fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}, {fe::HeurMode_t::B}};
    fe::error_t status;
    bool first = true;
    for (const auto &mode : modes) {
      if (!first)
        if (Status s = makeGraph(); !s.ok())
          return s;
      first = false;
      status = graph_->create_execution_plans(mode);
      if (status.is_good())
        status = graph_->check_support(handle_);
      if (status.is_good())
        status = graph_->build_plans(handle_, fe::BuildPlanPolicy_t::HEURISTICS_CHOICE);
      if (status.is_good())
        break;
    }
    if (!status.is_good())
      return Status(ErrorCode::Unsupported, "'" + name_ + "': cuDNN " +
                                                std::to_string(cudnnGetVersion()) +
                                                " has no engine for " + description_ +
                                                " on this GPU: " + feMessage(status));
    std::string planName;
    tactic_ = "cudnn heuristic";
    if (graph_->get_plan_name(planName).is_good() && !planName.empty())
      tactic_ += ": " + planName;
    return finish();
  }

  // Every plan cuDNN's heuristics (modes A and B) and its fallback list offer,
  // built, for tactic timing.
  Status enumeratePlans(size_t maxWorkspace) {
    if (Status s = makeGraph(); !s.ok())
      return s;
    auto status = graph_->create_execution_plans(
        {fe::HeurMode_t::A, fe::HeurMode_t::B, fe::HeurMode_t::FALLBACK});
    if (status.is_good()) {
      graph_->deselect_workspace_greater_than(static_cast<int64_t>(maxWorkspace));
      status = graph_->check_support(handle_);
    }
    if (status.is_good()) {
      // Plans that fail to build are left out (the status says so when none
      // built); the others are candidates.
      status = graph_->build_plans(handle_, fe::BuildPlanPolicy_t::ALL);
      collectCandidates(*graph_, "", candidates_, plans_);
    }
    if (candidates_.empty())
      return Status(ErrorCode::Unsupported, "'" + name_ + "': cuDNN offers no plan for " +
                                                description_ + " within " +
                                                std::to_string(maxWorkspace) +
                                                " bytes of workspace: " + feMessage(status));
    if (Status s = finish(); !s.ok())
      return s;
    return selectCandidate(0);
  }

  Status finish() { return finishPlan({q_, k_, v_, o_, bias_}); }

  const fb::AttentionStep &attention_;
  std::shared_ptr<fe::graph::Tensor_attributes> q_, k_, v_, o_, bias_;
  std::string description_;
};

} // namespace

Expected<std::unique_ptr<StepRunner>> makeAttentionRunner(const StepContext &context) {
  auto runner = std::make_unique<AttentionRunner>(*context.step->kind_as_AttentionStep(),
                                                  context.cudnn, context.name);
  Status status = context.enumerate ? runner->enumerate(context.maxWorkspace)
                                    : runner->build(*context.warnings);
  if (!status.ok())
    return status;
  return std::unique_ptr<StepRunner>(std::move(runner));
}

} // namespace kiln::runtime::detail
