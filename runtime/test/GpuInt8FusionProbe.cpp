// Which INT8 convolution graphs cuDNN runs on this GPU, asked through
// cudnn-frontend directly: the int8 convolution into f32 sums that Kiln's
// INT8 steps use, and the fused graphs that would take the epilogue kernel
// into cuDNN (per-channel scale, bias, int8 residual, relu or clip (ReLU6 in
// output units), int8 output), and with activations that do not commute
// with the output's scale (SiLU, sigmoid: the multiply by 1/scale after the
// activation, or an f16 output).
// Only the first must be supported; the others are reported, to decide
// whether fusing the INT8 epilogue into cuDNN is possible here
// (docs/codegen.md, "INT8 layers").
#include "GpuTestUtils.h"

#include <cudnn_frontend.h>

#include <memory>

namespace fe = cudnn_frontend;

namespace {

using TensorPtr = std::shared_ptr<fe::graph::Tensor_attributes>;

enum class Epilogue {
  None,
  ScaleBiasRelu,
  ScaleBiasReluInt8,
  ResidualInt8,
  ScaleBiasClipInt8,
  ScaleBiasSiluInt8,
  ScaleBiasSiluHalf,
  ScaleBiasSigmoidInt8,
  ResidualSiluInt8,
};

bool isSwish(Epilogue e) {
  return e == Epilogue::ScaleBiasSiluInt8 || e == Epilogue::ScaleBiasSiluHalf ||
         e == Epilogue::ResidualSiluInt8;
}

const char *epilogueName(Epilogue e) {
  switch (e) {
  case Epilogue::None: return "conv int8 -> f32 sums";
  case Epilogue::ScaleBiasRelu: return "conv int8, *scale[K] +bias[K] relu -> f32";
  case Epilogue::ScaleBiasReluInt8: return "conv int8, *scale[K] +bias[K] relu *1/s -> int8";
  case Epilogue::ResidualInt8: return "conv int8, *scale[K] +bias[K] +z(int8)*s relu *1/s -> int8";
  case Epilogue::ScaleBiasClipInt8: return "conv int8, *scale[K] +bias[K] clip(0, 24) -> int8";
  case Epilogue::ScaleBiasSiluInt8: return "conv int8, *scale[K] +bias[K] silu *1/s -> int8";
  case Epilogue::ScaleBiasSiluHalf: return "conv int8, *scale[K] +bias[K] silu -> f16";
  case Epilogue::ScaleBiasSigmoidInt8: return "conv int8, *scale[K] +bias[K] sigmoid *1/s -> int8";
  case Epilogue::ResidualSiluInt8: return "conv int8, *scale[K] +bias[K] +z(int8)*s silu *1/s -> int8";
  }
  return "";
}

/// Whether cuDNN has an engine for the graph (heuristics A then fallback);
/// `why` gets the frontend's message otherwise.
bool supported(cudnnHandle_t handle, Epilogue epilogue, int64_t channels, std::string &why,
               int64_t &plans) {
  const int64_t N = 2, C = channels, H = 16, W = 16, K = 32;
  auto nhwc = [](int64_t n, int64_t c, int64_t h, int64_t w) {
    return std::vector<int64_t>{c * h * w, 1, w * c, c};
  };
  fe::graph::Graph graph;
  graph.set_io_data_type(fe::DataType_t::INT8)
      .set_intermediate_data_type(fe::DataType_t::FLOAT)
      .set_compute_data_type(fe::DataType_t::INT32);
  auto tensor = [&](const char *name, std::vector<int64_t> dims, std::vector<int64_t> strides,
                    fe::DataType_t type) {
    return graph.tensor(fe::graph::Tensor_attributes()
                            .set_name(name)
                            .set_dim(dims)
                            .set_stride(strides)
                            .set_data_type(type));
  };
  TensorPtr x = tensor("x", {N, C, H, W}, nhwc(N, C, H, W), fe::DataType_t::INT8);
  TensorPtr w = tensor("w", {K, C, 3, 3}, nhwc(K, C, 3, 3), fe::DataType_t::INT8);
  TensorPtr y = graph.conv_fprop(x, w,
                                 fe::graph::Conv_fprop_attributes()
                                     .set_pre_padding({1, 1})
                                     .set_post_padding({1, 1})
                                     .set_stride({1, 1})
                                     .set_dilation({1, 1})
                                     .set_compute_data_type(fe::DataType_t::INT32));
  fe::DataType_t outType = fe::DataType_t::FLOAT;
  auto pointwise = [&](TensorPtr a, TensorPtr b, fe::PointwiseMode_t mode) {
    auto attributes = fe::graph::Pointwise_attributes().set_mode(mode).set_compute_data_type(
        fe::DataType_t::FLOAT);
    return b ? graph.pointwise(a, b, attributes) : graph.pointwise(a, attributes);
  };
  if (epilogue != Epilogue::None) {
    TensorPtr scale = tensor("scale", {1, K, 1, 1}, {K, 1, K, K}, fe::DataType_t::FLOAT);
    TensorPtr bias = tensor("bias", {1, K, 1, 1}, {K, 1, K, K}, fe::DataType_t::FLOAT);
    y = pointwise(y, scale, fe::PointwiseMode_t::MUL);
    y = pointwise(y, bias, fe::PointwiseMode_t::ADD);
    if (epilogue == Epilogue::ResidualInt8 || epilogue == Epilogue::ResidualSiluInt8) {
      TensorPtr z = tensor("z", {N, K, H, W}, nhwc(N, K, H, W), fe::DataType_t::INT8);
      TensorPtr zScale = graph.tensor(fe::graph::Tensor_attributes(0.05f));
      y = pointwise(y, pointwise(z, zScale, fe::PointwiseMode_t::MUL), fe::PointwiseMode_t::ADD);
    }
    if (epilogue == Epilogue::ScaleBiasClipInt8) {
      // What the lowering emits for ReLU6: the scale and bias already in
      // output units, clip's bounds too (6 / 0.25), int8 conversion last.
      y = graph.pointwise(y, fe::graph::Pointwise_attributes()
                                 .set_mode(fe::PointwiseMode_t::RELU_FWD)
                                 .set_relu_lower_clip(0.f)
                                 .set_relu_upper_clip(24.f)
                                 .set_compute_data_type(fe::DataType_t::FLOAT));
      outType = fe::DataType_t::INT8;
    } else if (isSwish(epilogue)) {
      y = graph.pointwise(y, fe::graph::Pointwise_attributes()
                                 .set_mode(fe::PointwiseMode_t::SWISH_FWD)
                                 .set_swish_beta(1.f)
                                 .set_compute_data_type(fe::DataType_t::FLOAT));
    } else if (epilogue == Epilogue::ScaleBiasSigmoidInt8) {
      y = pointwise(y, nullptr, fe::PointwiseMode_t::SIGMOID_FWD);
    } else {
      y = pointwise(y, nullptr, fe::PointwiseMode_t::RELU_FWD);
    }
    if (epilogue == Epilogue::ScaleBiasSiluHalf) {
      outType = fe::DataType_t::HALF;
    } else if (epilogue != Epilogue::ScaleBiasRelu && epilogue != Epilogue::ScaleBiasClipInt8) {
      TensorPtr inverse = graph.tensor(fe::graph::Tensor_attributes(25.0f));
      y = pointwise(y, inverse, fe::PointwiseMode_t::MUL);
      outType = fe::DataType_t::INT8;
    }
  }
  y->set_output(true).set_dim({N, K, H, W}).set_stride(nhwc(N, K, H, W)).set_data_type(
      outType);
  fe::error_t status = graph.validate();
  if (status.is_good())
    status = graph.build_operation_graph(handle);
  if (status.is_good())
    status = graph.create_execution_plans({fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK});
  if (status.is_good())
    status = graph.check_support(handle);
  if (status.is_good())
    status = graph.build_plans(handle, fe::BuildPlanPolicy_t::ALL);
  plans = status.is_good() ? graph.get_execution_plan_count() : 0;
  why = status.is_good() ? "" : status.get_message();
  return status.is_good();
}

} // namespace

// Tests that cuDNN runs the int8 convolution Kiln's INT8 steps use (4 and
// 32 input channels), and reports which fused INT8 epilogues it would run.
TEST(GpuInt8FusionProbe, ConvolutionSupportedAndFusionsReported) {
  KILN_REQUIRE_GPU();
  cudnnHandle_t handle = nullptr;
  ASSERT_EQ(cudnnCreate(&handle), CUDNN_STATUS_SUCCESS);
  for (int64_t channels : {4, 32}) {
    for (Epilogue e : {Epilogue::None, Epilogue::ScaleBiasRelu, Epilogue::ScaleBiasReluInt8,
                       Epilogue::ResidualInt8, Epilogue::ScaleBiasClipInt8,
                       Epilogue::ScaleBiasSiluInt8, Epilogue::ScaleBiasSiluHalf,
                       Epilogue::ScaleBiasSigmoidInt8, Epilogue::ResidualSiluInt8}) {
      std::string why;
      int64_t plans = 0;
      bool ok = false;
      try {
        ok = supported(handle, e, channels, why, plans);
      } catch (const std::exception &error) {
        why = error.what();
      }
      std::printf("cuDNN %zu, C=%lld: %-60s %s%s\n", cudnnGetVersion(), (long long)channels,
                  epilogueName(e), ok ? "supported, plans: " : "NOT supported: ",
                  ok ? std::to_string(plans).c_str() : why.c_str());
      if (e == Epilogue::None)
        EXPECT_TRUE(ok) << "C=" << channels << ": " << why;
    }
  }
  cudnnDestroy(handle);
}
