// INT8 convolution kernels on ResNet-50's batch-64 shapes, outside Kiln: CUTLASS 2.x
// implicit-GEMM fprop (Sm80 tensor-op int8, mma.sync, on the H100) at six tile shapes with
// a scalar epilogue, and cuBLASLt's int8 GEMM with a per-channel alpha vector, bias, relu and
// an optional int8 residual (1x1 convs as GEMMs). What Kiln's INT8 tactics were chosen from;
// bench/micro/README.md says how to build and run it.
#include <cstdio>
#include <vector>
#include <algorithm>
#include <cublasLt.h>
#include "cutlass/cutlass.h"
#include "cutlass/conv/kernel/default_conv2d_fprop.h"
#include "cutlass/conv/device/implicit_gemm_convolution.h"
#include "cutlass/epilogue/thread/linear_combination_clamp.h"
#include "cutlass/epilogue/thread/linear_combination_relu.h"

#define CK(x) do { auto e = (x); if (e != cudaSuccess) { printf("cuda %s line %d\n", cudaGetErrorString(e), __LINE__); exit(1);} } while(0)

template <int TM, int TN, int TK, int WM, int WN, int WK, int Stages, bool Opt>
struct Cfg {
  using Epi = cutlass::epilogue::thread::LinearCombinationClamp<int8_t, 8, int32_t, float>;
  using Kernel = typename cutlass::conv::kernel::DefaultConv2dFprop<
      int8_t, cutlass::layout::TensorNHWC, int8_t, cutlass::layout::TensorNHWC, int8_t,
      cutlass::layout::TensorNHWC, int32_t, cutlass::arch::OpClassTensorOp, cutlass::arch::Sm80,
      cutlass::gemm::GemmShape<TM, TN, TK>, cutlass::gemm::GemmShape<WM, WN, WK>,
      cutlass::gemm::GemmShape<16, 8, 32>, Epi,
      cutlass::gemm::threadblock::GemmIdentityThreadblockSwizzle<4>, Stages,
      cutlass::arch::OpMultiplyAddSaturate,
      Opt ? cutlass::conv::IteratorAlgorithm::kOptimized : cutlass::conv::IteratorAlgorithm::kAnalytic>::Kernel;
  using Op = cutlass::conv::device::ImplicitGemmConvolution<Kernel>;
};

struct Shape { const char* name; int n, h, w, c, k, r, s, pad, stride; };

template <class C>
float runConv(const Shape& sh, int8_t* x, int8_t* wt, int8_t* y, const char* cname) {
  int p = (sh.h + 2 * sh.pad - sh.r) / sh.stride + 1, q = (sh.w + 2 * sh.pad - sh.s) / sh.stride + 1;
  cutlass::conv::Conv2dProblemSize ps({sh.n, sh.h, sh.w, sh.c}, {sh.k, sh.r, sh.s, sh.c},
      {sh.pad, sh.pad, sh.pad, sh.pad}, {sh.stride, sh.stride}, {1, 1}, {sh.n, p, q, sh.k},
      cutlass::conv::Mode::kCrossCorrelation, 1);
  using L = cutlass::layout::TensorNHWC;
  cutlass::TensorRef<int8_t, L> tx(x, L::packed({sh.n, sh.h, sh.w, sh.c}));
  cutlass::TensorRef<int8_t, L> tw(wt, L::packed({sh.k, sh.r, sh.s, sh.c}));
  cutlass::TensorRef<int8_t, L> ty(y, L::packed({sh.n, p, q, sh.k}));
  typename C::Op::Arguments args(ps, tx, tw, ty, ty, {0.01f, 0.0f});
  typename C::Op op;
  if (op.can_implement(args) != cutlass::Status::kSuccess) { printf("  %-28s cannot implement\n", cname); return -1; }
  if (op.initialize(args, nullptr) != cutlass::Status::kSuccess) { printf("  init fail\n"); return -1; }
  cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
  for (int i = 0; i < 20; ++i) op();
  std::vector<float> ts;
  for (int rep = 0; rep < 15; ++rep) {
    cudaEventRecord(a); for (int i = 0; i < 20; ++i) op(); cudaEventRecord(b); cudaEventSynchronize(b);
    float ms; cudaEventElapsedTime(&ms, a, b); ts.push_back(ms / 20);
  }
  CK(cudaGetLastError());
  std::sort(ts.begin(), ts.end());
  double flop = 2.0 * sh.n * p * q * sh.k * sh.c * sh.r * sh.s;
  printf("  %-28s %.4f ms  %.0f TOP/s\n", cname, ts[ts.size()/2], flop / ts[ts.size()/2] / 1e9);
  return ts[ts.size()/2];
}

float runLt(cublasLtHandle_t lt, const Shape& sh, int8_t* x, int8_t* wt, int8_t* y, int8_t* res, float* alpha, float* bias, void* ws, size_t wsz) {
  // D[K, NPQ] (col-major, ld K) = relu(alpha[k] * W[K,C] x X[C,NPQ] + beta * R + bias[k])
  int64_t M = sh.k, N = (int64_t)sh.n * sh.h * sh.w, K = sh.c;
  cublasLtMatmulDesc_t d; cublasLtMatmulDescCreate(&d, CUBLAS_COMPUTE_32I, CUDA_R_32F);
  cublasOperation_t tA = CUBLAS_OP_T, tB = CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_TRANSA, &tA, sizeof tA);
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_TRANSB, &tB, sizeof tB);
  int pm = CUBLASLT_POINTER_MODE_ALPHA_DEVICE_VECTOR_BETA_HOST;
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_POINTER_MODE, &pm, sizeof pm);
  cublasLtEpilogue_t ep = CUBLASLT_EPILOGUE_RELU_BIAS;
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_EPILOGUE, &ep, sizeof ep);
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias);
  cudaDataType_t bt = CUDA_R_32F;
  cublasLtMatmulDescSetAttribute(d, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt);
  cublasLtMatrixLayout_t la, lb, lc;
  cublasLtMatrixLayoutCreate(&la, CUDA_R_8I, K, M, K);
  cublasLtMatrixLayoutCreate(&lb, CUDA_R_8I, K, N, K);
  cublasLtMatrixLayoutCreate(&lc, CUDA_R_8I, M, N, M);
  cublasLtMatmulPreference_t pref; cublasLtMatmulPreferenceCreate(&pref);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsz, sizeof wsz);
  cublasLtMatmulHeuristicResult_t h[16]; int nres = 0;
  for (int withRes = 0; withRes < 2; ++withRes) {
    float beta = withRes ? 0.5f : 0.0f;
    auto st = cublasLtMatmulAlgoGetHeuristic(lt, d, la, lb, lc, lc, pref, 16, h, &nres);
    if (st != CUBLAS_STATUS_SUCCESS || nres == 0) { printf("  cublasLt%s: no algo (status %d)\n", withRes ? "+res" : "", (int)st); continue; }
    float best = 1e9; int bi = -1;
    for (int i = 0; i < nres; ++i) {
      cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
      bool ok = true;
      for (int w = 0; w < 5; ++w) if (cublasLtMatmul(lt, d, alpha, wt, la, x, lb, &beta, withRes ? res : y, lc, y, lc, &h[i].algo, ws, wsz, 0) != CUBLAS_STATUS_SUCCESS) ok = false;
      if (!ok) continue;
      std::vector<float> ts;
      for (int rep = 0; rep < 9; ++rep) {
        cudaEventRecord(a); for (int it = 0; it < 20; ++it) cublasLtMatmul(lt, d, alpha, wt, la, x, lb, &beta, withRes ? res : y, lc, y, lc, &h[i].algo, ws, wsz, 0);
        cudaEventRecord(b); cudaEventSynchronize(b); float ms; cudaEventElapsedTime(&ms, a, b); ts.push_back(ms / 20);
      }
      std::sort(ts.begin(), ts.end()); if (ts[4] < best) { best = ts[4]; bi = i; }
    }
    CK(cudaGetLastError());
    double flop = 2.0 * M * N * K;
    printf("  %-28s %.4f ms  %.0f TOP/s (%d algos, best #%d)\n", withRes ? "cublasLt alphaVec+bias+relu+res" : "cublasLt alphaVec+bias+relu", best, flop / best / 1e9, nres, bi);
  }
  return 0;
}

int main() {
  Shape shapes[] = {
    {"layer1 conv3 1x1 64->256 56", 64, 56, 56, 64, 256, 1, 1, 0, 1},
    {"layer2.0 conv1 1x1 256->128 56", 64, 56, 56, 256, 128, 1, 1, 0, 1},
    {"layer2 conv3 1x1 128->512 28", 64, 28, 28, 128, 512, 1, 1, 0, 1},
    {"layer4 conv3 1x1 512->2048 7", 64, 7, 7, 512, 2048, 1, 1, 0, 1},
    {"layer1 conv2 3x3 64 56", 64, 56, 56, 64, 64, 3, 3, 1, 1},
    {"layer2 conv2 3x3 128 28", 64, 28, 28, 128, 128, 3, 3, 1, 1},
    {"layer3 conv2 3x3 256 14", 64, 14, 14, 256, 256, 3, 3, 1, 1},
    {"layer4 conv2 3x3 512 7", 64, 7, 7, 512, 512, 3, 3, 1, 1},
    {"stem 7x7/2 C16 224", 64, 224, 224, 16, 64, 7, 7, 3, 2},
  };
  size_t big = 256ull << 20;
  int8_t *x, *w, *y, *r; float *alpha, *bias; void* ws;
  CK(cudaMalloc(&x, big)); CK(cudaMalloc(&w, 16 << 20)); CK(cudaMalloc(&y, big)); CK(cudaMalloc(&r, big));
  CK(cudaMalloc(&alpha, 65536)); CK(cudaMalloc(&bias, 65536)); CK(cudaMalloc(&ws, 64 << 20));
  cudaMemset(x, 1, big); cudaMemset(w, 1, 16 << 20); cudaMemset(r, 1, big); cudaMemset(alpha, 0, 65536); cudaMemset(bias, 0, 65536);
  cublasLtHandle_t lt; cublasLtCreate(&lt);
  for (auto& sh : shapes) {
    printf("%s\n", sh.name);
    runConv<Cfg<128, 256, 64, 64, 64, 64, 3, true>>(sh, x, w, y, "cutlass 128x256x64 s3");
    runConv<Cfg<256, 128, 64, 64, 64, 64, 3, true>>(sh, x, w, y, "cutlass 256x128x64 s3");
    runConv<Cfg<128, 128, 64, 64, 64, 64, 4, true>>(sh, x, w, y, "cutlass 128x128x64 s4");
    runConv<Cfg<128, 64, 64, 64, 32, 64, 4, true>>(sh, x, w, y, "cutlass 128x64x64 s4");
    runConv<Cfg<64, 64, 64, 32, 32, 64, 6, true>>(sh, x, w, y, "cutlass 64x64x64 s6");
    runConv<Cfg<128, 128, 128, 64, 64, 128, 3, true>>(sh, x, w, y, "cutlass 128x128x128 s3");
    if (sh.r == 1) runLt(lt, sh, x, w, y, r, alpha, bias, ws, 64 << 20);
  }
  return 0;
}
