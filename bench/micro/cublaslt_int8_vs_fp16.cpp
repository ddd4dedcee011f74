// cuBLASLt INT8 (IMMA: per-channel f32 alpha vector, f32 bias, relu, int8
// out, an int8 residual as C with beta 0.5) against FP16 (f32 compute, f16
// bias, relu, the residual as C) on ResNet-50's batch-1 pointwise
// convolutions as GEMMs (rows = pixels, columns = output channels): would
// cuBLASLt's INT8 kernels run them faster than FP16 where cuDNN's and
// Kiln's CUTLASS kernels do not? Best of the heuristic's first 16
// algorithms, each timed as a CUDA graph of 20 launches (median of 15), in
// microseconds per GEMM. lt_int8_pointwise.cu asked this at batch 64 and 1
// with launches timed as enqueued (session 10); this one times graphs, as
// the tactics do. Build and run on the GPU machine:
//   nvcc -O2 -std=c++17 -arch=sm_90 bench/micro/cublaslt_int8_vs_fp16.cpp //     -o cublaslt_int8_vs_fp16 -lcublasLt && ./cublaslt_int8_vs_fp16
// Results: bench/results/2026-11-23-h100-session15.md.
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x) do { auto e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); exit(1);} } while (0)
#define LK(x) do { auto e = (x); if (e != CUBLAS_STATUS_SUCCESS) { printf("%s: %d\n", #x, int(e)); return -1.0;} } while (0)

static cublasLtHandle_t lt;
static void *workspace;
static const size_t kWorkspace = 32 << 20;

// rows = pixels (M), cols = out channels (N), K = in channels.
// Column-major view: D is N x M (ld N), A(weights) is K x N transposed -> op(A)=N x K, B = K x M.
static double run(int M, int N, int K, bool int8, bool residual) {
  size_t es = int8 ? 1 : 2;
  void *x, *w, *y, *c, *bias, *alpha;
  CK(cudaMalloc(&x, size_t(M) * K * es));
  CK(cudaMalloc(&w, size_t(N) * K * es));
  CK(cudaMalloc(&y, size_t(M) * N * es));
  CK(cudaMalloc(&c, size_t(M) * N * es));
  CK(cudaMalloc(&bias, N * 4));
  CK(cudaMalloc(&alpha, N * 4));
  CK(cudaMemset(x, 1, size_t(M) * K * es));
  CK(cudaMemset(w, 1, size_t(N) * K * es));
  CK(cudaMemset(c, 1, size_t(M) * N * es));
  CK(cudaMemset(bias, 0, N * 4));
  CK(cudaMemset(alpha, 0, N * 4));

  cublasLtMatmulDesc_t op;
  cudaDataType_t dt = int8 ? CUDA_R_8I : CUDA_R_16F;
  LK(cublasLtMatmulDescCreate(&op, int8 ? CUBLAS_COMPUTE_32I : CUBLAS_COMPUTE_32F, CUDA_R_32F));
  cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
  LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t));
  LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof n));
  cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_RELU_BIAS;
  LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi));
  cudaDataType_t bt = int8 ? CUDA_R_32F : CUDA_R_16F;
  LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt));
  LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
  float one = 1.0f, beta = residual ? 0.5f : 0.0f;
  if (int8) {
    cublasLtPointerMode_t pm = CUBLASLT_POINTER_MODE_ALPHA_DEVICE_VECTOR_BETA_HOST;
    LK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_POINTER_MODE, &pm, sizeof pm));
  }
  cublasLtMatrixLayout_t la, lb, lc, ld;
  // A: weights stored N rows x K (row-major) = K x N column-major, ld K, op T -> N x K.
  LK(cublasLtMatrixLayoutCreate(&la, dt, K, N, K));
  LK(cublasLtMatrixLayoutCreate(&lb, dt, K, M, K));
  LK(cublasLtMatrixLayoutCreate(&lc, dt, N, M, N));
  LK(cublasLtMatrixLayoutCreate(&ld, dt, N, M, N));
  cublasLtMatmulPreference_t pref;
  LK(cublasLtMatmulPreferenceCreate(&pref));
  size_t wsz = kWorkspace;
  LK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsz, sizeof wsz));
  cublasLtMatmulHeuristicResult_t results[16];
  int found = 0;
  cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, ld, pref, 16, results, &found);
  if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
    printf("  no algorithm (status %d)\n", int(hs));
    return -1;
  }
  cudaStream_t s;
  CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  const void *alphaPtr = int8 ? alpha : (const void *)&one;
  double best = 1e9;
  for (int a = 0; a < found; ++a) {
    if (results[a].state != CUBLAS_STATUS_SUCCESS) continue;
    auto launch = [&]() {
      return cublasLtMatmul(lt, op, alphaPtr, w, la, x, lb, &beta, c, lc, y, ld, &results[a].algo,
                            workspace, kWorkspace, s);
    };
    if (launch() != CUBLAS_STATUS_SUCCESS) continue;
    CK(cudaStreamSynchronize(s));
    cudaGraph_t g;
    CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    bool ok = true;
    for (int i = 0; i < 20; ++i) ok &= launch() == CUBLAS_STATUS_SUCCESS;
    CK(cudaStreamEndCapture(s, &g));
    if (!ok) continue;
    cudaGraphExec_t ge;
    CK(cudaGraphInstantiate(&ge, g, 0));
    std::vector<float> times;
    for (int r = 0; r < 15; ++r) {
      CK(cudaEventRecord(e0, s));
      CK(cudaGraphLaunch(ge, s));
      CK(cudaEventRecord(e1, s));
      CK(cudaEventSynchronize(e1));
      float ms;
      CK(cudaEventElapsedTime(&ms, e0, e1));
      times.push_back(ms / 20);
    }
    std::sort(times.begin(), times.end());
    best = std::min(best, double(times[times.size() / 2]));
    cudaGraphExecDestroy(ge);
    cudaGraphDestroy(g);
  }
  cudaFree(x); cudaFree(w); cudaFree(y); cudaFree(c); cudaFree(bias); cudaFree(alpha);
  cublasLtMatmulDescDestroy(op);
  cudaStreamDestroy(s);
  return best * 1000;
}

int main() {
  if (cublasLtCreate(&lt) != CUBLAS_STATUS_SUCCESS) { printf("no cublasLt\n"); return 1; }
  CK(cudaMalloc(&workspace, kWorkspace));
  struct Shape { int m, n, k; bool res; const char *name; } shapes[] = {
      {3136, 64, 64, false, "layer1 conv1 (first) 64->64 @56"},
      {3136, 256, 64, true, "layer1 conv3 64->256 @56 + res"},
      {3136, 64, 256, false, "layer1 conv1 256->64 @56"},
      {3136, 128, 256, false, "layer2.0 conv1 256->128 @56"},
      {784, 512, 128, true, "layer2 conv3 128->512 @28 + res"},
      {784, 128, 512, false, "layer2 conv1 512->128 @28"},
      {784, 256, 512, false, "layer3.0 conv1 512->256 @28"},
      {196, 1024, 256, true, "layer3 conv3 256->1024 @14 + res"},
      {196, 256, 1024, false, "layer3 conv1 1024->256 @14"},
      {196, 512, 1024, false, "layer4.0 conv1 1024->512 @14"},
      {49, 2048, 512, true, "layer4 conv3 512->2048 @7 + res"},
      {49, 512, 2048, false, "layer4 conv1 2048->512 @7"},
  };
  printf("%-36s %10s %10s\n", "gemm (M pixels, N out, K in)", "fp16 us", "int8 us");
  for (const Shape &sh : shapes) {
    double f = run(sh.m, sh.n, sh.k, false, sh.res);
    double i = run(sh.m, sh.n, sh.k, true, sh.res);
    printf("%-36s %10.2f %10.2f\n", sh.name, f, i);
    fflush(stdout);
  }
  return 0;
}
