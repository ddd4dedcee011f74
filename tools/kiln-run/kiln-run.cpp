// kiln-run: loads a .kiln engine, runs it with random or given inputs, and
// reports GPU latency percentiles, host wall time and throughput, per-layer
// profiles and outputs, like TensorRT's trtexec. --inspect needs no GPU.
#include "Options.h"

#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/Inspect.h"
#include "kiln/runtime/JsonWriter.h"
#include "kiln/runtime/Npy.h"
#include "kiln/runtime/Runtime.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sys/stat.h>

using namespace kiln::runtime;

namespace {

enum ExitCode { Success = 0, Usage = 1, BadEngine = 2, NoGpu = 3, RunFailure = 4 };

int report(const Status &status) {
  std::fprintf(stderr, "kiln-run: %s\n", status.message().c_str());
  if (status.code() == ErrorCode::NoDevice)
    return NoGpu;
  if (isEngineError(status.code()))
    return BadEngine;
  return RunFailure;
}

int cudaReport(cudaError_t error, const char *what) {
  std::fprintf(stderr, "kiln-run: %s: %s\n", what, cudaGetErrorString(error));
  return RunFailure;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string versionText(int version, bool cuda) {
  if (!version)
    return "?";
  return cuda ? cudaVersionText(version) : libraryVersionText(version);
}

bool writeText(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "kiln-run: cannot write '%s'\n", path.c_str());
    return false;
  }
  return true;
}

// Random values an engine can take: floats in [-1, 1], small integers.
NpyArray randomInput(const BindingInfo &binding, uint64_t seed, size_t index) {
  NpyArray array;
  array.dtype = binding.dtype;
  array.shape = binding.shape;
  array.data.resize(binding.bytes);
  std::mt19937_64 generator(seed * 1000003u + index);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int> small(0, 3);
  uint64_t elements = array.numElements();
  for (uint64_t i = 0; i < elements; ++i) {
    bool isFloat = binding.dtype == DataType::F32 || binding.dtype == DataType::F16 ||
                   binding.dtype == DataType::BF16;
    storeFromDouble(array.data.data(), binding.dtype, i,
                    isFloat ? real(generator) : static_cast<double>(small(generator)));
  }
  return array;
}

struct Stats {
  double min = 0, max = 0, mean = 0, median = 0, p90 = 0, p99 = 0;
};

double percentile(const std::vector<double> &sorted, double p) {
  if (sorted.empty())
    return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::min(sorted.size() - 1, rank ? rank - 1 : 0)];
}

Stats statistics(std::vector<double> values) {
  Stats stats;
  if (values.empty())
    return stats;
  std::sort(values.begin(), values.end());
  stats.min = values.front();
  stats.max = values.back();
  double sum = 0;
  for (double v : values)
    sum += v;
  stats.mean = sum / values.size();
  size_t n = values.size();
  stats.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  stats.p90 = percentile(values, 90);
  stats.p99 = percentile(values, 99);
  return stats;
}

void printStats(const char *title, const Stats &s) {
  std::printf("%s: min = %.5f ms, max = %.5f ms, mean = %.5f ms, median = %.5f ms, "
              "percentile(90%%) = %.5f ms, percentile(99%%) = %.5f ms\n",
              title, s.min, s.max, s.mean, s.median, s.p90, s.p99);
}

std::string fileSafe(const std::string &name) {
  std::string out = name;
  for (char &c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      c = '_';
  return out;
}

int runEngine(const kiln::run::Options &options, EngineFile file) {
  LoadOptions load;
  load.device = options.device;
  std::string engineName = options.engine;
  auto engine = Engine::fromFile(std::move(file), load);
  if (!engine)
    return report(engine.status().prepend("'" + engineName + "': "));
  ContextOptions contextOptions;
  contextOptions.maxAuxStreams = options.auxStreams;
  auto context = engine->createContext(contextOptions);
  if (!context)
    return report(context.status().prepend("'" + engineName + "': "));
  for (const auto *list : {&engine->warnings(), &context->warnings()})
    for (const std::string &warning : *list)
      std::fprintf(stderr, "kiln-run: warning: %s\n", warning.c_str());

  cudaDeviceProp properties;
  cudaGetDeviceProperties(&properties, engine->device());
  RuntimeVersions versions = runtimeVersions();
  std::printf("=== Engine ===\n");
  std::printf("Engine: %s (%zu steps)\n", engineName.c_str(), engine->numSteps());
  std::printf("Device: %s (sm_%d%d), kernels: %s\n", properties.name, properties.major,
              properties.minor, engine->codeDescription().c_str());
  std::printf("Libraries: CUDA driver %s, runtime %s, cuDNN %s, cuBLASLt %s\n",
              versionText(versions.cudaDriver, true).c_str(),
              versionText(versions.cudaRuntime, true).c_str(),
              versionText(versions.cudnn, false).c_str(),
              versionText(versions.cublasLt, false).c_str());
  std::printf("Memory: weights %s, arena %s, workspace %s\n",
              formatBytes(engine->weightsSize()).c_str(), formatBytes(engine->arenaSize()).c_str(),
              formatBytes(context->workspaceSize()).c_str());

  // Bindings: device buffers, inputs filled.
  const std::vector<BindingInfo> &bindings = engine->bindings();
  std::vector<void *> buffers(bindings.size(), nullptr);
  struct Free {
    std::vector<void *> &buffers;
    ~Free() {
      for (void *b : buffers)
        if (b)
          cudaFree(b);
    }
  } freeBuffers{buffers};
  for (const auto &[name, path] : options.inputs)
    if (engine->bindingIndex(name) < 0 || !bindings[engine->bindingIndex(name)].isInput) {
      std::fprintf(stderr, "kiln-run: --input %s: the engine has no input named '%s'\n",
                   name.c_str(), name.c_str());
      return Usage;
    }
  // The run's stream and its timing events, released on every return. Every
  // copy goes through that stream: a plain cudaMemcpy of pageable memory may
  // return before its DMA lands, and a non-blocking stream does not wait for
  // the legacy default stream.
  struct StreamAndEvents {
    cudaStream_t stream = nullptr;
    cudaEvent_t start = nullptr, stop = nullptr;
    ~StreamAndEvents() {
      if (start)
        cudaEventDestroy(start);
      if (stop)
        cudaEventDestroy(stop);
      if (stream)
        cudaStreamDestroy(stream);
    }
  } owned;
  if (cudaError_t e = cudaStreamCreateWithFlags(&owned.stream, cudaStreamNonBlocking);
      e != cudaSuccess)
    return cudaReport(e, "cudaStreamCreate");
  cudaStream_t stream = owned.stream;
  std::printf("=== Bindings ===\n");
  for (size_t i = 0; i < bindings.size(); ++i) {
    const BindingInfo &binding = bindings[i];
    if (cudaError_t e = cudaMalloc(&buffers[i], std::max<uint64_t>(binding.bytes, 1));
        e != cudaSuccess)
      return cudaReport(e, "allocating a binding");
    if (Status s = context->setBinding(static_cast<int>(i), buffers[i]); !s.ok())
      return report(s);
    std::string source = binding.isInput ? "random (seed " + std::to_string(options.seed) + ")"
                                         : "";
    if (binding.isInput) {
      NpyArray array = randomInput(binding, options.seed, i);
      for (const auto &[name, path] : options.inputs) {
        if (name != binding.name)
          continue;
        auto loaded = readNpy(path);
        if (!loaded)
          return report(loaded.status());
        if (loaded->shape != binding.shape) {
          std::fprintf(stderr, "kiln-run: input '%s' has shape %s, '%s' holds %s\n",
                       name.c_str(), shapeText(binding.shape).c_str(), path.c_str(),
                       shapeText(loaded->shape).c_str());
          return Usage;
        }
        auto converted = convertNpy(*loaded, binding.dtype);
        if (!converted)
          return report(converted.status().prepend("input '" + name + "': "));
        array = std::move(*converted);
        source = path;
      }
      cudaError_t e = cudaMemcpyAsync(buffers[i], array.data.data(), binding.bytes,
                                      cudaMemcpyHostToDevice, stream);
      if (e == cudaSuccess)
        e = cudaStreamSynchronize(stream);
      if (e != cudaSuccess)
        return cudaReport(e, "uploading an input");
    }
    std::printf("%-6s %-24s %-5s %-20s %s\n", binding.isInput ? "input" : "output",
                binding.name.c_str(), dataTypeName(binding.dtype),
                shapeText(binding.shape).c_str(), source.c_str());
  }

  context->enableCudaGraph(options.cudaGraph);
  for (int i = 0; i < options.warmup; ++i)
    if (Status s = context->enqueue(stream); !s.ok())
      return report(s);
  if (cudaError_t e = cudaStreamSynchronize(stream); e != cudaSuccess)
    return cudaReport(e, "warm-up runs");

  if (cudaError_t e = cudaEventCreate(&owned.start); e != cudaSuccess)
    return cudaReport(e, "cudaEventCreate");
  if (cudaError_t e = cudaEventCreate(&owned.stop); e != cudaSuccess)
    return cudaReport(e, "cudaEventCreate");
  cudaEvent_t start = owned.start, stop = owned.stop;
  std::vector<double> gpuTimes, hostTimes;
  using Clock = std::chrono::steady_clock;
  auto begin = Clock::now();
  for (int i = 0;; ++i) {
    double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    if (i >= options.iterations && elapsed >= options.duration)
      break;
    auto hostStart = Clock::now();
    cudaEventRecord(start, stream);
    if (Status s = context->enqueue(stream); !s.ok())
      return report(s);
    cudaEventRecord(stop, stream);
    if (cudaError_t e = cudaEventSynchronize(stop); e != cudaSuccess)
      return cudaReport(e, "a timed run");
    auto hostEnd = Clock::now();
    float gpu = 0;
    cudaEventElapsedTime(&gpu, start, stop);
    gpuTimes.push_back(gpu);
    hostTimes.push_back(std::chrono::duration<double, std::milli>(hostEnd - hostStart).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - begin).count();

  std::printf("=== Performance summary ===\n");
  std::printf("Runs: %zu timed after %d warm-up, CUDA graph: %s\n", gpuTimes.size(),
              options.warmup, options.cudaGraph ? "on" : "off");
  std::printf("Streams: %u (the caller's and %u auxiliary, at most %d asked)\n",
              context->numStreams(), context->numStreams() - 1, options.auxStreams);
  std::printf("Throughput: %.2f inferences/s\n", gpuTimes.size() / total);
  printStats("Latency (GPU time per run)", statistics(gpuTimes));
  printStats("Host wall time per run", statistics(hostTimes));
  std::printf("Total host wall time: %.3f s\n", total);

  if (options.dumpProfile || !options.exportProfile.empty()) {
    Profiler profiler;
    if (Status s = context->setProfiler(&profiler); !s.ok())
      return report(s);
    size_t runs = std::max<size_t>(1, std::min<size_t>(gpuTimes.size(), 1000));
    for (size_t i = 0; i < runs; ++i)
      if (Status s = context->enqueue(stream); !s.ok())
        return report(s);
    if (Status s = context->setProfiler(nullptr); !s.ok())
      return report(s);
    if (options.dumpProfile) {
      std::printf("=== Profile (%zu runs, step by step, %s) ===\n", runs,
                  options.cudaGraph ? "in a CUDA graph with events between steps"
                                    : "without CUDA graph");
      std::printf("%s", profiler.toText().c_str());
      for (size_t i = 0; i < engine->numSteps(); ++i)
        std::printf("  tactic of '%s': %s\n", engine->stepName(i).c_str(),
                    context->stepTactic(i).c_str());
    }
    if (!options.exportProfile.empty() && !writeText(options.exportProfile, profiler.toJson()))
      return Usage;
  }

  if (!options.exportTimes.empty()) {
    JsonWriter json;
    json.beginObject().field("cuda_graph", options.cudaGraph).key("runs").beginArray();
    for (size_t i = 0; i < gpuTimes.size(); ++i)
      json.beginObject().field("gpu_ms", gpuTimes[i]).field("host_ms", hostTimes[i]).endObject();
    json.endArray().endObject();
    if (!writeText(options.exportTimes, json.str()))
      return Usage;
  }

  if (!options.exportOutput.empty()) {
    ::mkdir(options.exportOutput.c_str(), 0755);
    for (size_t i = 0; i < bindings.size(); ++i) {
      if (bindings[i].isInput)
        continue;
      NpyArray array;
      array.dtype = bindings[i].dtype;
      array.shape = bindings[i].shape;
      array.data.resize(bindings[i].bytes);
      cudaError_t e = cudaMemcpyAsync(array.data.data(), buffers[i], bindings[i].bytes,
                                      cudaMemcpyDeviceToHost, stream);
      if (e == cudaSuccess)
        e = cudaStreamSynchronize(stream);
      if (e != cudaSuccess)
        return cudaReport(e, "downloading an output");
      std::string path = options.exportOutput + "/" + fileSafe(bindings[i].name) + ".npy";
      if (Status s = writeNpy(path, array); !s.ok())
        return report(s);
      std::printf("Output '%s' written to %s\n", bindings[i].name.c_str(), path.c_str());
    }
  }
  return Success;
}

} // namespace

int main(int argc, char **argv) {
  kiln::run::Options options;
  std::string error;
  if (!kiln::run::parseOptions(argc, argv, options, error)) {
    std::fprintf(stderr, "kiln-run: %s\n\n%s", error.c_str(), kiln::run::usageText());
    return Usage;
  }
  if (options.help) {
    std::printf("%s", kiln::run::usageText());
    return Success;
  }

  // Everything the file can be checked for, before any GPU is touched.
  auto file = EngineFile::open(options.engine);
  if (!file)
    return report(file.status());
  if (options.inspect || options.inspectJson) {
    for (const std::string &warning : file->warnings())
      std::fprintf(stderr, "kiln-run: warning: %s\n", warning.c_str());
    std::printf("%s", options.inspectJson ? inspectEngineJson(*file).c_str()
                                          : inspectEngineText(*file).c_str());
    return Success;
  }

  auto devices = cudaDeviceCount();
  if (!devices) {
    std::fprintf(stderr, "kiln-run: cannot run '%s': %s\n", options.engine.c_str(),
                 devices.status().message().c_str());
    return NoGpu;
  }
  return runEngine(options, std::move(*file));
}
