// ConvStep on cuDNN's graph API through cudnn-frontend: one graph per step,
// conv_fprop (conv_dgrad when transposed) followed in the same graph by the
// epilogue: scale by alpha, bias, residual z, activation. An int8 one has
// none (int8 x and w, int32 compute, f32 sums), or the fused INT8 epilogue
// (format 1.2): sums times a per-channel scale, bias, int8 z times z_scale,
// the activation, times post_scale (format 1.5), an int8 (or float) y. The plan is built
// when the context is created, with the engine (and knobs) the compiler chose,
// or cuDNN's heuristic choice.
#include "CudnnGraph.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kiln::runtime::detail {

namespace fb = kiln::fb;

namespace {

class ConvRunner : public CudnnGraphRunner {
public:
  ConvRunner(const fb::ConvStep &conv, cudnnHandle_t handle, std::string name)
      : CudnnGraphRunner(handle, std::move(name)), conv_(conv) {}

  Status build(const std::string &precision, std::vector<std::string> &warnings) {
    return guarded([&] { return choosePlan(precision, warnings); });
  }

  Status enumerate(const std::string &precision, size_t maxWorkspace) {
    return guarded([&] { return enumeratePlans(precision, maxWorkspace); });
  }

  Status enqueue(const Addresses &addresses, void *workspace, cudaStream_t) override {
    bind(x_, addresses.resolve(conv_.x()->buffer()));
    bind(w_, addresses.resolve(conv_.w()->buffer()));
    bind(y_, addresses.resolve(conv_.y()->buffer()));
    if (bias_)
      bind(bias_, addresses.resolve(conv_.bias()->buffer()));
    if (z_)
      bind(z_, addresses.resolve(conv_.z()->buffer()));
    if (scale_)
      bind(scale_, addresses.resolve(conv_.scale()->buffer()));
    return execute(workspace);
  }

private:
  std::shared_ptr<fe::graph::Tensor_attributes> tensor(const fb::TensorDesc &desc,
                                                       const char *name,
                                                       std::vector<int64_t> dims = {}) {
    std::vector<int64_t> strides = stridesOf(desc);
    if (dims.empty())
      dims = toVector(desc.shape(), desc.shape()->size(), 1);
    else if (dims.size() != strides.size()) { // a [K] bias seen as [1,K,1,...]
      strides.assign(dims.size(), dims[1]);
      strides[1] = 1;
    }
    return graph_->tensor(fe::graph::Tensor_attributes()
                              .set_name(name)
                              .set_dim(dims)
                              .set_stride(strides)
                              .set_data_type(feType(desc.dtype())));
  }

  // A fresh graph with its operation graph built, ready for plans. The
  // residual is added after the bias, or before it (`zFirst`: the order of
  // cuDNN's ConvAddBiasAct pattern); the sums are the same.
  Status makeGraph(bool zFirst = false) {
    const fb::ConvStep &c = conv_;
    size_t rank = c.x()->shape()->size();
    size_t spatial = rank - 2;
    fe::DataType_t io = feType(c.x()->dtype());
    // int8 data multiplies in int32 (cuDNN's INT8_EXT configuration: the
    // sums come out as f32, NHWC, channels a multiple of 4).
    fe::DataType_t compute = c.compute_type() == fb::DType::F16   ? fe::DataType_t::HALF
                             : c.compute_type() == fb::DType::I32 ? fe::DataType_t::INT32
                                                                  : fe::DataType_t::FLOAT;

    graph_ = std::make_shared<fe::graph::Graph>();
    bias_.reset();
    z_.reset();
    scale_.reset();
    graph_->set_io_data_type(io)
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(compute);
    x_ = tensor(*c.x(), "x");
    w_ = tensor(*c.w(), "w");

    std::vector<int64_t> padsBegin = toVector(c.pads_begin(), spatial, 0);
    std::vector<int64_t> padsEnd = toVector(c.pads_end(), spatial, 0);
    std::vector<int64_t> strides = toVector(c.strides(), spatial, 1);
    std::vector<int64_t> dilations = toVector(c.dilations(), spatial, 1);
    std::vector<int64_t> yDims = toVector(c.y()->shape(), rank, 1);

    std::shared_ptr<fe::graph::Tensor_attributes> current;
    if (!c.transposed()) {
      current = graph_->conv_fprop(x_, w_,
                                   fe::graph::Conv_fprop_attributes()
                                       .set_name("conv")
                                       .set_pre_padding(padsBegin)
                                       .set_post_padding(padsEnd)
                                       .set_stride(strides)
                                       .set_dilation(dilations)
                                       .set_compute_data_type(compute));
    } else {
      current = graph_->conv_dgrad(x_, w_,
                                   fe::graph::Conv_dgrad_attributes()
                                       .set_name("conv_transposed")
                                       .set_pre_padding(padsBegin)
                                       .set_post_padding(padsEnd)
                                       .set_stride(strides)
                                       .set_dilation(dilations)
                                       .set_compute_data_type(compute));
      current->set_dim(yDims);
    }

    auto pointwise = [&](std::shared_ptr<fe::graph::Tensor_attributes> input,
                         std::shared_ptr<fe::graph::Tensor_attributes> other,
                         fe::graph::Pointwise_attributes attributes) {
      attributes.set_compute_data_type(fe::DataType_t::FLOAT);
      return other ? graph_->pointwise(input, other, attributes)
                   : graph_->pointwise(input, attributes);
    };
    std::string epilogue;
    if (c.alpha() != 1.0f) {
      auto alpha = graph_->tensor(fe::graph::Tensor_attributes(c.alpha()));
      current = pointwise(current, alpha,
                          fe::graph::Pointwise_attributes().set_name("alpha").set_mode(
                              fe::PointwiseMode_t::MUL));
      epilogue += " *alpha";
    }
    if (c.scale()) { // the int32 sums times their real scale, per channel
      std::vector<int64_t> dims(rank, 1);
      dims[1] = yDims[1];
      scale_ = tensor(*c.scale(), "scale", dims);
      current = pointwise(current, scale_,
                          fe::graph::Pointwise_attributes().set_name("scale").set_mode(
                              fe::PointwiseMode_t::MUL));
      epilogue += " *scale";
    }
    auto addBias = [&] {
      if (!c.bias())
        return;
      std::vector<int64_t> dims(rank, 1);
      dims[1] = yDims[1];
      bias_ = tensor(*c.bias(), "bias", dims);
      current = pointwise(current, bias_,
                          fe::graph::Pointwise_attributes().set_name("bias").set_mode(
                              fe::PointwiseMode_t::ADD));
      epilogue += " +bias";
    };
    auto addResidual = [&] {
      if (!c.z())
        return;
      z_ = tensor(*c.z(), "z");
      std::shared_ptr<fe::graph::Tensor_attributes> residual = z_;
      // An int8 residual in its own scale; the multiply is kept at 1 too, so
      // the graph is the one GpuInt8FusionProbe found cuDNN runs.
      if (c.z_scale() != 1.0f || c.scale()) {
        auto zScale = graph_->tensor(fe::graph::Tensor_attributes(c.z_scale()));
        residual = pointwise(z_, zScale,
                             fe::graph::Pointwise_attributes().set_name("z_scale").set_mode(
                                 fe::PointwiseMode_t::MUL));
      }
      current = pointwise(current, residual,
                          fe::graph::Pointwise_attributes().set_name("residual").set_mode(
                              fe::PointwiseMode_t::ADD));
      epilogue += c.z_scale() != 1.0f || c.scale() ? " +z*z_scale" : " +z";
    };
    if (zFirst) {
      addResidual();
      addBias();
    } else {
      addBias();
      addResidual();
    }
    if (c.activation() != fb::Activation::None) {
      fe::graph::Pointwise_attributes act;
      act.set_name("activation");
      switch (c.activation()) {
      case fb::Activation::Relu: act.set_mode(fe::PointwiseMode_t::RELU_FWD); break;
      case fb::Activation::Clip:
        act.set_mode(fe::PointwiseMode_t::RELU_FWD)
            .set_relu_lower_clip(c.act_alpha())
            .set_relu_upper_clip(c.act_beta());
        break;
      case fb::Activation::LeakyRelu:
        act.set_mode(fe::PointwiseMode_t::RELU_FWD)
            .set_relu_lower_clip(0.f)
            .set_relu_lower_clip_slope(c.act_alpha());
        break;
      case fb::Activation::Sigmoid: act.set_mode(fe::PointwiseMode_t::SIGMOID_FWD); break;
      case fb::Activation::Tanh: act.set_mode(fe::PointwiseMode_t::TANH_FWD); break;
      case fb::Activation::Gelu: act.set_mode(fe::PointwiseMode_t::GELU_FWD); break;
      case fb::Activation::GeluTanh:
        act.set_mode(fe::PointwiseMode_t::GELU_APPROX_TANH_FWD);
        break;
      case fb::Activation::Silu:
        act.set_mode(fe::PointwiseMode_t::SWISH_FWD).set_swish_beta(1.f);
        break;
      case fb::Activation::Elu:
        act.set_mode(fe::PointwiseMode_t::ELU_FWD).set_elu_alpha(c.act_alpha());
        break;
      default: // the verifier refused the others
        return Status(ErrorCode::Unsupported,
                      "'" + name_ + "': activation " +
                          fb::EnumNameActivation(c.activation()) +
                          " cannot be fused into a cuDNN convolution");
      }
      current = pointwise(current, nullptr, act);
      epilogue += std::string(" ") + fb::EnumNameActivation(c.activation());
    }
    // Format 1.5: an INT8 activation that does not commute with the output's
    // scale ran on real values; this multiply brings them to int8 units.
    if (c.post_scale() != 1.0f) {
      auto postScale = graph_->tensor(fe::graph::Tensor_attributes(c.post_scale()));
      current = pointwise(current, postScale,
                          fe::graph::Pointwise_attributes().set_name("post_scale").set_mode(
                              fe::PointwiseMode_t::MUL));
      epilogue += " *post_scale";
    }
    y_ = current;
    y_->set_output(true)
        .set_dim(yDims)
        .set_stride(stridesOf(*c.y()))
        .set_data_type(feType(c.y()->dtype()));

    description_ = std::string(c.transposed() ? "conv_dgrad" : "conv_fprop") + epilogue;
    std::vector<int64_t> yStrides = stridesOf(*c.y());
    bool channelsLast = true;
    for (size_t d = 2; d < rank; ++d)
      channelsLast &= yStrides[d] >= yStrides[1] * yDims[1] || yDims[d] == 1;
    layout_ = yStrides[1] == 1 && channelsLast ? "NHWC" : "NCHW";
    if (Status s = check(graph_->validate(), "validate"); !s.ok()) return s;
    if (Status s = check(graph_->build_operation_graph(handle_), "operation graph"); !s.ok())
      return s;

    return Status::success();
  }

  Status check(const fe::error_t &status, const char *stage) const {
    if (status.is_good())
      return Status::success();
    return Status(ErrorCode::Unsupported, "'" + name_ + "': cuDNN cannot run " +
                                              description_ + " (" + stage + "): " +
                                              feMessage(status));
  }

  fe::error_t heuristicPlan(bool strictFloat, const std::vector<fe::HeurMode_t> &modes) {
    auto status = graph_->create_execution_plans(modes);
    if (!status.is_good())
      return status;
    if (strictFloat) // no TF32 tensor cores for a step compiled as strict fp32
      graph_->deselect_numeric_notes({fe::NumericalNote_t::TENSOR_CORE});
    status = graph_->check_support(handle_);
    if (!status.is_good())
      return status;
    return graph_->build_plans(handle_, fe::BuildPlanPolicy_t::HEURISTICS_CHOICE);
  }

  Status choosePlan(const std::string &precision, std::vector<std::string> &warnings) {
    const fb::ConvStep &c = conv_;
    if (c.engine_id() >= 0) {
      if (Status s = makeGraph(); !s.ok())
        return s;
      if (buildStoredPlan(c.engine_id(), c.knobs(), warnings))
        return finish();
    }
    // Heuristics: the quick modes, then the thorough one; the epilogue in
    // either order; strict fp32 first when asked, then TF32 allowed.
    bool strictFloat = c.x()->dtype() == fb::DType::F32 && precision == "fp32";
    std::vector<bool> strictness = strictFloat ? std::vector<bool>{true, false}
                                               : std::vector<bool>{false};
    std::vector<bool> orders = c.bias() && c.z() ? std::vector<bool>{false, true}
                                                 : std::vector<bool>{false};
    const std::vector<std::vector<fe::HeurMode_t>> modes = {
        {fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}, {fe::HeurMode_t::B}};
    fe::error_t status;
    bool found = false;
    for (bool strict : strictness) {
      for (bool zFirst : orders) {
        for (const auto &mode : modes) {
          if (Status s = makeGraph(zFirst); !s.ok())
            return s;
          status = heuristicPlan(strict, mode);
          if ((found = status.is_good()))
            break;
        }
        if (found)
          break;
      }
      if (found) {
        if (strictFloat && !strict)
          warnings.push_back("'" + name_ + "': no strict-fp32 cuDNN engine for " +
                             description_ + "; TF32 tensor cores allowed");
        break;
      }
    }
    if (!found) {
      std::string message = "'" + name_ + "': cuDNN " + std::to_string(cudnnGetVersion()) +
                            " has no engine for " + description_ + " on " + layout_ +
                            " tensors: " + feMessage(status);
      if (layout_ != "NHWC" && (c.z() || c.activation() != fb::Activation::None))
        message += "; cuDNN fuses epilogues into convolutions on channels-last (NHWC) "
                   "tensors: the compiler must lay this convolution out NHWC or not fuse it";
      return Status(ErrorCode::Unsupported, message);
    }
    std::string planName;
    tactic_ = "cudnn heuristic";
    if (graph_->get_plan_name(planName).is_good() && !planName.empty())
      tactic_ += ": " + planName;
    return finish();
  }

  // Every plan cuDNN's heuristics (modes A and B) and its fallback list offer
  // for the graph the runtime builds from an engine id (bias before the
  // residual), built, for tactic timing. Strict fp32 keeps tensor cores out
  // as choosePlan does; only when no strict plan exists are TF32 ones timed.
  Status enumeratePlans(const std::string &precision, size_t maxWorkspace) {
    const fb::ConvStep &c = conv_;
    bool strictFloat = c.x()->dtype() == fb::DType::F32 && precision == "fp32";
    std::vector<bool> strictness = strictFloat ? std::vector<bool>{true, false}
                                               : std::vector<bool>{false};
    fe::error_t status;
    for (bool strict : strictness) {
      if (Status s = makeGraph(); !s.ok())
        return s;
      status = graph_->create_execution_plans(
          {fe::HeurMode_t::A, fe::HeurMode_t::B, fe::HeurMode_t::FALLBACK});
      if (!status.is_good())
        continue;
      if (strict)
        graph_->deselect_numeric_notes({fe::NumericalNote_t::TENSOR_CORE});
      graph_->deselect_workspace_greater_than(static_cast<int64_t>(maxWorkspace));
      status = graph_->check_support(handle_);
      if (!status.is_good())
        continue;
      // Plans that fail to build are left empty (the status says so when
      // none built); the others are candidates.
      status = graph_->build_plans(handle_, fe::BuildPlanPolicy_t::ALL);
      collectCandidates(*graph_, strictFloat && !strict ? ", tf32" : "", candidates_, plans_);
      if (!candidates_.empty())
        break;
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

  Status finish() { return finishPlan({x_, w_, y_, bias_, z_, scale_}); }

  const fb::ConvStep &conv_;
  std::shared_ptr<fe::graph::Tensor_attributes> x_, w_, y_, bias_, z_, scale_;
  std::string description_;
  std::string layout_;
};

} // namespace

Expected<std::unique_ptr<StepRunner>> makeConvRunner(const StepContext &context) {
  auto runner = std::make_unique<ConvRunner>(*context.step->kind_as_ConvStep(), context.cudnn,
                                             context.name);
  Status status = context.enumerate
                      ? runner->enumerate(context.precision, context.maxWorkspace)
                      : runner->build(context.precision, *context.warnings);
  if (!status.ok())
    return status;
  return std::unique_ptr<StepRunner>(std::move(runner));
}

} // namespace kiln::runtime::detail
