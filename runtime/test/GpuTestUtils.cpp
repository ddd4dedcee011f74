// Helpers of the GPU tests.
#include "GpuTestUtils.h"
#include "Nvrtc.h"

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstring>
#include <random>

namespace kiln::runtime::test {

std::string gpuUnavailableReason() {
  auto devices = cudaDeviceCount();
  return devices.ok() ? "" : devices.status().message();
}

unsigned deviceArch() {
  int device = 0;
  cudaGetDevice(&device);
  cudaDeviceProp properties;
  cudaGetDeviceProperties(&properties, device);
  return static_cast<unsigned>(properties.major * 10 + properties.minor);
}

std::vector<uint8_t> sampleEngineForThisGpu() {
  SampleCode code;
  code.arch = deviceArch();
  CompiledCode compiled = compileCuda(kSampleKernels, code.arch);
  EXPECT_TRUE(compiled.ok()) << compiled.error;
  code.ptx = compiled.ptx;
  code.cubin = compiled.cubin;
  return makeSampleEngine(&code);
}

void useRuntimeVersions(EngineBuilder &builder) {
  RuntimeVersions versions = runtimeVersions();
  builder.cudaVersion = versions.cudaRuntime;
  builder.cudnnVersion = versions.cudnn;
  builder.cublasVersion = versions.cublasLt;
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  EXPECT_EQ(cudaMalloc(&pointer_, bytes ? bytes : 1), cudaSuccess);
  cudaMemset(pointer_, 0, bytes ? bytes : 1);
  // Tests enqueue on non-blocking streams, which do not wait for the
  // legacy default stream: let the clearing land first.
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

DeviceBuffer::~DeviceBuffer() {
  if (pointer_)
    cudaFree(pointer_);
}

void DeviceBuffer::upload(const void *data, size_t bytes) {
  EXPECT_EQ(cudaMemcpy(pointer_, data, bytes, cudaMemcpyHostToDevice), cudaSuccess);
  // A pageable copy may return before its DMA lands.
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

std::vector<uint8_t> DeviceBuffer::download() const {
  std::vector<uint8_t> bytes(bytes_);
  // After whatever non-blocking streams still run.
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(bytes.data(), pointer_, bytes_, cudaMemcpyDeviceToHost), cudaSuccess);
  return bytes;
}

std::vector<double> randomValues(size_t count, unsigned seed, DataType type) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  std::vector<double> values(count);
  std::vector<uint8_t> one(8);
  for (double &v : values) {
    storeFromDouble(one.data(), type, 0, uniform(generator));
    v = loadAsDouble(one.data(), type, 0);
  }
  return values;
}

std::vector<uint8_t> encode(const std::vector<double> &values, DataType type) {
  std::vector<uint8_t> bytes(values.size() * dataTypeSize(type));
  for (size_t i = 0; i < values.size(); ++i)
    storeFromDouble(bytes.data(), type, i, values[i]);
  return bytes;
}

std::vector<double> decode(const std::vector<uint8_t> &bytes, DataType type) {
  std::vector<double> values(bytes.size() / dataTypeSize(type));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = loadAsDouble(bytes.data(), type, i);
  return values;
}

double worstError(const std::vector<double> &actual, const std::vector<double> &expected,
                  double atol, double rtol, size_t *where) {
  double worst = actual.size() == expected.size() ? 0 : INFINITY;
  for (size_t i = 0; i < actual.size() && i < expected.size(); ++i) {
    double error = std::fabs(actual[i] - expected[i]) / (atol + rtol * std::fabs(expected[i]));
    if (!(error <= worst)) { // NaN counts as worst
      worst = std::isnan(error) ? INFINITY : error;
      if (where)
        *where = i;
    }
  }
  return worst;
}

SingleRun runOnce(const std::vector<uint8_t> &file, const std::string &input,
                  const std::string &output, unsigned seed) {
  SingleRun run;
  auto engine = Engine::loadFromMemory(file.data(), file.size());
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  if (!engine)
    return run;
  auto context = engine->createContext();
  EXPECT_TRUE(context.ok()) << context.status().message();
  if (!context)
    return run;
  const BindingInfo &in = engine->bindings()[engine->bindingIndex(input)];
  const BindingInfo &out = engine->bindings()[engine->bindingIndex(output)];
  DeviceBuffer x(in.bytes), y(out.bytes);
  x.upload(encode(randomValues(in.bytes / dataTypeSize(in.dtype), seed, in.dtype), in.dtype).data(),
           in.bytes);
  EXPECT_TRUE(context->setBinding(input, x.get()).ok());
  EXPECT_TRUE(context->setBinding(output, y.get()).ok());
  Status status = context->run();
  EXPECT_TRUE(status.ok()) << status.message();
  run.output = y.download();
  run.choice = context->stepChoice(0);
  run.tactic = context->stepTactic(0);
  run.warnings = engine->warnings();
  run.warnings.insert(run.warnings.end(), context->warnings().begin(), context->warnings().end());
  return run;
}

std::vector<int64_t> stridesFor(const std::vector<int64_t> &shape, bool channelsLast) {
  int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
  (void)n;
  if (channelsLast)
    return {h * w * c, 1, w * c, c};
  return {c * h * w, h * w, w, 1};
}

} // namespace kiln::runtime::test
