// ResNet-50's batch-64 1x1 convolutions as INT8 GEMMs through CUTLASS 3 on sm_90a (TMA,
// warpgroup MMA, warp-specialized cooperative and ping-pong kernels), with the epilogue of
// Kiln's INT8 convs (per-channel alpha and bias, int8 residual, relu, int8 out).
// bench/micro/README.md says how to build and run it.
// NDEBUG before any header: with device-side assert() left in, ptxas serializes every
// kernel's wgmma instructions (warning C7510), which slowed the main loops measured in
// bench/results/2026-11-22-h100-int8-kernel-microbench.md (session 17 measured it again).
#ifndef NDEBUG
#define NDEBUG
#endif
#include <cstdio>
#include <vector>
#include <algorithm>
#include "cutlass/cutlass.h"
#include "cute/tensor.hpp"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/kernel/gemm_universal.hpp"
#include "cutlass/gemm/collective/collective_builder.hpp"
#include "cutlass/epilogue/collective/collective_builder.hpp"
#include "cutlass/util/packed_stride.hpp"
using namespace cute;

template <class Tile, class Cluster, class KSched, class ESched>
struct G {
  using Fusion = cutlass::epilogue::fusion::PerColLinCombPerColBiasEltAct<
      cutlass::epilogue::thread::ReLu, int8_t, float, float, int8_t, float>;
  using Epi = typename cutlass::epilogue::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, Tile, Cluster,
      cutlass::epilogue::collective::EpilogueTileAuto, int32_t, float,
      int8_t, cutlass::layout::RowMajor, 16, int8_t, cutlass::layout::RowMajor, 16,
      ESched, Fusion>::CollectiveOp;
  using Main = typename cutlass::gemm::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp,
      int8_t, cutlass::layout::RowMajor, 16, int8_t, cutlass::layout::ColumnMajor, 16, int32_t,
      Tile, Cluster,
      cutlass::gemm::collective::StageCountAutoCarveout<static_cast<int>(sizeof(typename Epi::SharedStorage))>,
      KSched>::CollectiveOp;
  using Kernel = cutlass::gemm::kernel::GemmUniversal<Shape<int, int, int, int>, Main, Epi>;
  using Gemm = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;
};

template <class GG>
void run(const char* name, int M, int N, int K, int8_t* a, int8_t* b, int8_t* c, int8_t* d,
         float* alpha, float* bias, bool residual) {
  using Gemm = typename GG::Gemm;
  using SA = typename Gemm::GemmKernel::StrideA; using SB = typename Gemm::GemmKernel::StrideB;
  using SC = typename Gemm::GemmKernel::StrideC; using SD = typename Gemm::GemmKernel::StrideD;
  SA sa = cutlass::make_cute_packed_stride(SA{}, {M, K, 1});
  SB sb = cutlass::make_cute_packed_stride(SB{}, {N, K, 1});
  SC sc = cutlass::make_cute_packed_stride(SC{}, {M, N, 1});
  SD sd = cutlass::make_cute_packed_stride(SD{}, {M, N, 1});
  cutlass::KernelHardwareInfo hw; hw.device_id = 0; hw.sm_count = 132;
  typename Gemm::Arguments args{cutlass::gemm::GemmUniversalMode::kGemm, {M, N, K, 1},
      {a, sa, b, sb}, {{}, c, sc, d, sd}, hw};
  auto& t = args.epilogue.thread;
  t.alpha_ptr = alpha; t.dAlpha = {_0{}, true, 0};
  t.beta = residual ? 0.5f : 0.0f; t.beta_ptr = nullptr; t.dBeta = {_0{}, false, 0};
  t.bias_ptr = bias;
  Gemm g;
  if (g.can_implement(args) != cutlass::Status::kSuccess) { printf("  %-34s cannot implement\n", name); return; }
  size_t ws = Gemm::get_workspace_size(args); void* w = nullptr; if (ws) cudaMalloc(&w, ws);
  if (g.initialize(args, w) != cutlass::Status::kSuccess) { printf("  init failed\n"); return; }
  for (int i = 0; i < 20; ++i) g.run();
  cudaEvent_t e0, e1; cudaEventCreate(&e0); cudaEventCreate(&e1);
  std::vector<float> ts;
  for (int r = 0; r < 15; ++r) {
    cudaEventRecord(e0); for (int i = 0; i < 20; ++i) g.run(); cudaEventRecord(e1); cudaEventSynchronize(e1);
    float ms; cudaEventElapsedTime(&ms, e0, e1); ts.push_back(ms / 20);
  }
  auto err = cudaGetLastError(); if (err != cudaSuccess) printf("  error %s\n", cudaGetErrorString(err));
  std::sort(ts.begin(), ts.end()); float ms = ts[7];
  double bytes = double(M) * K + double(N) * K + double(M) * N * (residual ? 2 : 1);
  printf("  %-34s %s %.4f ms  %.0f TOP/s  %.0f GB/s\n", name, residual ? "+res" : "    ", ms, 2.0 * M * N * K / ms / 1e9, bytes / ms / 1e6);
  if (w) cudaFree(w);
}

int main() {
  struct S { const char* n; int m, nn, k; } shapes[] = {
    {"layer1 conv3 1x1 64->256 @56", 64 * 56 * 56, 256, 64},
    {"layer2.0 conv1 1x1 256->128 @56", 64 * 56 * 56, 128, 256},
    {"layer2 conv3 1x1 128->512 @28", 64 * 28 * 28, 512, 128},
    {"layer4 conv3 1x1 512->2048 @7", 64 * 7 * 7, 2048, 512},
  };
  size_t big = 256ull << 20; int8_t *a, *b, *c, *d; float *al, *bi;
  cudaMalloc(&a, big); cudaMalloc(&b, 16 << 20); cudaMalloc(&c, big); cudaMalloc(&d, big);
  cudaMalloc(&al, 65536); cudaMalloc(&bi, 65536);
  cudaMemset(a, 1, big); cudaMemset(b, 1, 16 << 20); cudaMemset(c, 1, big); cudaMemset(al, 0, 65536); cudaMemset(bi, 0, 65536);
  using Coop = cutlass::gemm::KernelTmaWarpSpecializedCooperative; using CoopE = cutlass::epilogue::TmaWarpSpecializedCooperative;
  using Ping = cutlass::gemm::KernelTmaWarpSpecializedPingpong; using PingE = cutlass::epilogue::TmaWarpSpecialized;
  for (auto& s : shapes) {
    printf("%s\n", s.n);
    for (int res = 0; res < 2; ++res) {
      run<G<Shape<_128, _128, _128>, Shape<_1, _1, _1>, Coop, CoopE>>("coop 128x128x128 c1", s.m, s.nn, s.k, a, b, c, d, al, bi, res);
      run<G<Shape<_128, _256, _128>, Shape<_1, _1, _1>, Coop, CoopE>>("coop 128x256x128 c1", s.m, s.nn, s.k, a, b, c, d, al, bi, res);
      run<G<Shape<_64, _128, _128>, Shape<_1, _1, _1>, Ping, PingE>>("ping 64x128x128 c1", s.m, s.nn, s.k, a, b, c, d, al, bi, res);
      run<G<Shape<_128, _128, _128>, Shape<_2, _1, _1>, Coop, CoopE>>("coop 128x128x128 c2x1", s.m, s.nn, s.k, a, b, c, d, al, bi, res);
    }
  }
}
