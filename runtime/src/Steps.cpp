// Kernel launches and device-to-device copies.
#include "Steps.h"

namespace kiln::runtime::detail {

namespace fb = kiln::fb;

namespace {

class LaunchRunner : public StepRunner {
public:
  LaunchRunner(const fb::LaunchStep &launch, CUfunction function, const DriverApi *api)
      : launch_(launch), function_(function), api_(api) {
    for (int i = 0; i < 3; ++i) {
      grid_[i] = i < int(launch.grid()->size()) ? launch.grid()->Get(i) : 1;
      block_[i] = i < int(launch.block()->size()) ? launch.block()->Get(i) : 1;
    }
    size_t args = launch.args() ? launch.args()->size() : 0;
    values_.resize(args);
    params_.resize(args);
    for (size_t i = 0; i < args; ++i)
      params_[i] = &values_[i];
  }

  Status enqueue(const Addresses &addresses, void *, cudaStream_t stream) override {
    for (size_t i = 0; i < values_.size(); ++i)
      values_[i] = reinterpret_cast<CUdeviceptr>(addresses.resolve(launch_.args()->Get(i)));
    CUresult result = api_->launchKernel(
        function_, grid_[0], grid_[1], grid_[2], block_[0], block_[1], block_[2],
        launch_.shared_mem(), reinterpret_cast<CUstream>(stream),
        params_.empty() ? nullptr : params_.data(), nullptr);
    if (result != CUDA_SUCCESS)
      return driverFailure(result, "cuLaunchKernel of '" + launch_.kernel()->str() + "'");
    return Status::success();
  }

  std::string tactic() const override { return "kernel " + launch_.kernel()->str(); }

private:
  const fb::LaunchStep &launch_;
  CUfunction function_;
  const DriverApi *api_;
  unsigned grid_[3], block_[3];
  std::vector<CUdeviceptr> values_;
  std::vector<void *> params_;
};

class CopyRunner : public StepRunner {
public:
  explicit CopyRunner(const fb::CopyStep &copy) : copy_(copy) {}
  Status enqueue(const Addresses &addresses, void *, cudaStream_t stream) override {
    KILN_CUDA_TRY(cudaMemcpyAsync(addresses.resolve(copy_.dst()),
                                  addresses.resolve(copy_.src()), copy_.size(),
                                  cudaMemcpyDeviceToDevice, stream),
                  "cudaMemcpyAsync");
    return Status::success();
  }
  std::string tactic() const override { return "cudaMemcpyAsync"; }

private:
  const fb::CopyStep &copy_;
};

} // namespace

Expected<std::unique_ptr<StepRunner>> makeLaunchRunner(const StepContext &context) {
  auto api = driverApi();
  if (!api)
    return api.takeStatus();
  if (!context.function)
    return Status(ErrorCode::InvalidEngine, "no kernel loaded for '" + context.name + "'");
  return std::unique_ptr<StepRunner>(std::make_unique<LaunchRunner>(
      *context.step->kind_as_LaunchStep(), context.function, *api));
}

Expected<std::unique_ptr<StepRunner>> makeCopyRunner(const StepContext &context) {
  return std::unique_ptr<StepRunner>(
      std::make_unique<CopyRunner>(*context.step->kind_as_CopyStep()));
}

} // namespace kiln::runtime::detail
