// Programmatic dependent launch (PDL, sm_90) on a chain of small dependent
// kernels, as an engine at batch 1 runs them: how much of each kernel's
// time is the gap between one kernel's end and the next one's start, and
// how much of it PDL takes away when captured into a CUDA graph.
//
// Each kernel reads its own constant "weights" (a prologue that does not
// depend on the previous kernel), then the previous kernel's output, and
// writes its own. Variants, each a graph of kChain launches (median of 21
// replays, microseconds per kernel):
//   plain      ordinary launches;
//   pdl-wait   launched with programmatic stream serialization; every kernel
//              waits (griddepcontrol.wait) first and lets its dependent
//              launch (griddepcontrol.launch_dependents) right after;
//   pdl-early  as pdl-wait, but the weights are read before the wait.
// Build and run on the GPU machine:
//   nvcc -O2 -std=c++17 -arch=sm_90 bench/micro/pdl_chain.cu -o pdl_chain && ./pdl_chain
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x)                                                                  \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      std::printf("%s: %s\n", #x, cudaGetErrorString(e));                      \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

static const int kChain = 64;

template <int kMode>
__global__ void step(const float *__restrict__ weights, const float *__restrict__ in,
                     float *__restrict__ out, int n, int weightsPerThread) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float w = 0.f;
  if (kMode == 2)
    for (int k = 0; k < weightsPerThread; ++k)
      w += weights[(i * weightsPerThread + k) % (1 << 20)];
  if (kMode != 0) {
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;");
  }
  if (kMode != 2)
    for (int k = 0; k < weightsPerThread; ++k)
      w += weights[(i * weightsPerThread + k) % (1 << 20)];
  if (i < n)
    out[i] = in[i] * 0.5f + w;
}

// Launches the chain of kChain kernels on `stream`, ping-ponging between
// `a` and `b` (the result ends in `a`): with programmatic stream
// serialization unless kMode is 0.
template <int kMode>
static void launchChain(int blocks, int threads, int weightsPerThread, const float *weights,
                        float *a, float *b, cudaStream_t stream) {
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  for (int k = 0; k < kChain; ++k) {
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(blocks);
    config.blockDim = dim3(threads);
    config.stream = stream;
    config.attrs = attribute;
    config.numAttrs = kMode == 0 ? 0 : 1;
    CK(cudaLaunchKernelEx(&config, step<kMode>, weights, (const float *)(k % 2 ? b : a),
                          k % 2 ? a : b, blocks * threads, weightsPerThread));
  }
}

template <int kMode>
static float timeChain(int blocks, int threads, int weightsPerThread, float *weights, float *a,
                       float *b, cudaStream_t stream) {
  cudaGraph_t graph;
  CK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  launchChain<kMode>(blocks, threads, weightsPerThread, weights, a, b, stream);
  CK(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec;
  CK(cudaGraphInstantiate(&exec, graph, 0));
  cudaEvent_t start, stop;
  CK(cudaEventCreate(&start));
  CK(cudaEventCreate(&stop));
  std::vector<float> times;
  for (int r = 0; r < 24; ++r) {
    CK(cudaEventRecord(start, stream));
    CK(cudaGraphLaunch(exec, stream));
    CK(cudaEventRecord(stop, stream));
    CK(cudaEventSynchronize(stop));
    float ms;
    CK(cudaEventElapsedTime(&ms, start, stop));
    if (r >= 3)
      times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  CK(cudaGraphExecDestroy(exec));
  CK(cudaGraphDestroy(graph));
  CK(cudaEventDestroy(start));
  CK(cudaEventDestroy(stop));
  return times[times.size() / 2] * 1000.f / kChain;
}

// The chain's result, to check that PDL keeps the order (every variant
// computes the same values).
template <int kMode>
static float checksum(int blocks, int threads, int weightsPerThread, float *weights, float *a,
                      float *b, cudaStream_t stream) {
  int n = blocks * threads;
  std::vector<float> ones(n, 1.f);
  // On `stream` (non-blocking: a plain cudaMemcpy would not order with it).
  CK(cudaMemcpyAsync(a, ones.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  CK(cudaStreamSynchronize(stream));
  // The chain from a known start, launched as the graph would be.
  launchChain<kMode>(blocks, threads, weightsPerThread, weights, a, b, stream);
  std::vector<float> result(n);
  CK(cudaMemcpyAsync(result.data(), a, n * sizeof(float), cudaMemcpyDeviceToHost, stream));
  CK(cudaStreamSynchronize(stream));
  double sum = 0;
  for (float v : result)
    sum += v;
  return float(sum / n);
}

int main() {
  float *weights, *a, *b;
  CK(cudaMalloc(&weights, (1 << 20) * sizeof(float)));
  CK(cudaMemset(weights, 0, (1 << 20) * sizeof(float)));
  CK(cudaMalloc(&a, (1 << 22) * sizeof(float)));
  CK(cudaMalloc(&b, (1 << 22) * sizeof(float)));
  CK(cudaMemset(a, 0, (1 << 22) * sizeof(float)));
  CK(cudaMemset(b, 0, (1 << 22) * sizeof(float)));
  cudaStream_t stream;
  CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  std::printf("blocks threads weights/thread | plain  pdl-wait pdl-early (us per kernel) | "
              "checksums\n");
  const int shapes[][3] = {{132, 128, 0},  {132, 256, 16}, {264, 256, 16},
                           {528, 256, 8},  {66, 256, 64},  {1056, 256, 4}};
  for (const auto &shape : shapes) {
    int blocks = shape[0], threads = shape[1], w = shape[2];
    float plain = timeChain<0>(blocks, threads, w, weights, a, b, stream);
    float wait = timeChain<1>(blocks, threads, w, weights, a, b, stream);
    float early = timeChain<2>(blocks, threads, w, weights, a, b, stream);
    float c0 = checksum<0>(blocks, threads, w, weights, a, b, stream);
    float c1 = checksum<1>(blocks, threads, w, weights, a, b, stream);
    float c2 = checksum<2>(blocks, threads, w, weights, a, b, stream);
    std::printf("%6d %7d %14d | %6.3f %8.3f %9.3f | %g %g %g\n", blocks, threads, w, plain, wait,
                early, c0, c1, c2);
  }
  return 0;
}
