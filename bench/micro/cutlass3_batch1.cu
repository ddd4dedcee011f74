// CUTLASS 3 on sm_90a (TMA, warpgroup MMA, warp-specialized ping-pong and cooperative
// kernels, cluster 1x1x1): INT8 against FP16 on ResNet-50's batch-1 pointwise convolutions as
// GEMMs (rows M = pixels, columns N = output channels, K = input channels; the twelve shapes
// of cublaslt_int8_vs_fp16.cpp). Does a Hopper-native INT8 GEMM with the epilogue of Kiln's
// INT8 convs beat the FP16 GEMM with the FP16 engine's epilogue where cuBLASLt's did not
// (session 15: INT8 slower on all twelve by 0.7-3.5 us)?
//   INT8: A int8 MxK row-major (NHWC activations), B int8 NxK (= KxN column-major, weights),
//         int32 accumulate; epilogue PerColLinCombPerColBiasEltAct: per-channel f32 alpha
//         vector, f32 bias, int8 residual as C (beta 0.5 with "+ res", else 0), relu, int8 D.
//   FP16: same layouts in half, f32 accumulate; epilogue LinCombPerColBiasEltAct: alpha 1,
//         per-channel f16 bias, f16 residual as C (beta 1 with "+ res", else 0), relu, f16 D.
// Configurations per precision (K-tile 128 for int8, 64 for fp16, i.e. 128 bytes):
//   ping 64x64xK, ping 64x128xK, ping 128x64xK, coop 128x64xK, coop 128x128xK (persistent
//   data-parallel scheduler), and for shapes with K >= 512 coop 128x64xK with
//   cutlass::gemm::StreamKScheduler (PersistentTileSchedulerSm90StreamK; ping-pong kernels do
//   not support it) run as stream-K (DecompositionMode::StreamK) and as split-K 2/4/8 (only
//   splits <= K tiles), deterministic reduction. The stream-K scheduler's barrier workspace
//   must be zero before every launch (the kernel does not reset it), so those graphs hold
//   GemmKernel::initialize_workspace's cudaMemsetAsync node before each kernel; its cost is
//   in their time (the "nodes" column says 2 per GEMM then).
// Timing as cublaslt_int8_vs_fp16.cpp: each GEMM (after initialize) captured as a CUDA graph
// of 20 run(stream) launches, 20 warm-up graph launches, median of 15 timed graph launches
// (CUDA events), microseconds per GEMM. Inputs are constant bytes (speed does not depend on
// the values). Prints every configuration's time, then one table: shape | best FP16 (config)
// | best INT8 (config) | INT8 - FP16. bench/micro/README.md has the build line; run:
//   LD_LIBRARY_PATH=/usr/local/cuda/lib64 gpu-run/micro/cutlass3_batch1
// Results: bench/results/2026-11-24-h100-session17.md.
// NDEBUG before any header: with device-side assert() left in, ptxas reports (C7510) that
// every kernel's wgmma instructions are serialized ("wgmma pipeline crossing function
// boundary at a function call", the __assertfail call), which would slow the mainloop.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cutlass/cutlass.h"
#include "cute/tensor.hpp"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/kernel/gemm_universal.hpp"
#include "cutlass/gemm/kernel/tile_scheduler.hpp"
#include "cutlass/gemm/collective/collective_builder.hpp"
#include "cutlass/epilogue/collective/collective_builder.hpp"
#include "cutlass/util/packed_stride.hpp"
using namespace cute;

#define CK(x) do { auto e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); exit(1);} } while (0)

using Ping = cutlass::gemm::KernelTmaWarpSpecializedPingpong;
using PingE = cutlass::epilogue::TmaWarpSpecialized;
using Coop = cutlass::gemm::KernelTmaWarpSpecializedCooperative;
using CoopE = cutlass::epilogue::TmaWarpSpecializedCooperative;
using C1 = Shape<_1, _1, _1>;
using DecompositionMode = cutlass::gemm::kernel::detail::DecompositionMode;

// One GEMM type. int8: int8 in/out, int32 acc; else half in/out, f32 acc.
template <bool Int8, class Tile, class KSched, class ESched, class TileSched = void>
struct G {
  using T = std::conditional_t<Int8, int8_t, cutlass::half_t>;
  using Acc = std::conditional_t<Int8, int32_t, float>;
  static constexpr int Align = 16 / sizeof(T);
  using Fusion = std::conditional_t<Int8,
      cutlass::epilogue::fusion::PerColLinCombPerColBiasEltAct<
          cutlass::epilogue::thread::ReLu, int8_t, float, float, int8_t, float>,
      cutlass::epilogue::fusion::LinCombPerColBiasEltAct<
          cutlass::epilogue::thread::ReLu, cutlass::half_t, float, cutlass::half_t, cutlass::half_t, float>>;
  using Epi = typename cutlass::epilogue::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, Tile, C1,
      cutlass::epilogue::collective::EpilogueTileAuto, Acc, float,
      T, cutlass::layout::RowMajor, Align, T, cutlass::layout::RowMajor, Align,
      ESched, Fusion>::CollectiveOp;
  using Main = typename cutlass::gemm::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp,
      T, cutlass::layout::RowMajor, Align, T, cutlass::layout::ColumnMajor, Align, Acc,
      Tile, C1,
      cutlass::gemm::collective::StageCountAutoCarveout<static_cast<int>(sizeof(typename Epi::SharedStorage))>,
      KSched>::CollectiveOp;
  using Kernel = cutlass::gemm::kernel::GemmUniversal<Shape<int, int, int, int>, Main, Epi, TileSched>;
  using Gemm = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;
  static constexpr bool kStreamK = std::is_same_v<TileSched, cutlass::gemm::StreamKScheduler>;
};

struct Bufs { void *a, *b, *c, *d, *alpha, *bias; };
static int g_sms;
static cudaStream_t g_s;
static cudaEvent_t g_e0, g_e1;

// Times one configuration; returns us per GEMM, or -1 (printed why).
// splits/mode are used only by stream-K scheduler configurations.
template <class GG>
double run(const char* name, int M, int N, int K, bool res, const Bufs& bf,
           int splits = 1, DecompositionMode mode = DecompositionMode::Heuristic) {
  using Gemm = typename GG::Gemm;
  using T = typename GG::T;
  using SA = typename Gemm::GemmKernel::StrideA; using SB = typename Gemm::GemmKernel::StrideB;
  using SC = typename Gemm::GemmKernel::StrideC; using SD = typename Gemm::GemmKernel::StrideD;
  SA sa = cutlass::make_cute_packed_stride(SA{}, {M, K, 1});
  SB sb = cutlass::make_cute_packed_stride(SB{}, {N, K, 1});
  SC sc = cutlass::make_cute_packed_stride(SC{}, {M, N, 1});
  SD sd = cutlass::make_cute_packed_stride(SD{}, {M, N, 1});
  cutlass::KernelHardwareInfo hw; hw.device_id = 0; hw.sm_count = g_sms;
  typename Gemm::Arguments args{cutlass::gemm::GemmUniversalMode::kGemm, {M, N, K, 1},
      {(const T*)bf.a, sa, (const T*)bf.b, sb}, {{}, (const T*)bf.c, sc, (T*)bf.d, sd}, hw};
  auto& t = args.epilogue.thread;
  if constexpr (GG::Align == 16) {  // int8: per-channel alpha vector, f32 bias, beta 0.5 / 0
    t.alpha_ptr = (const float*)bf.alpha; t.dAlpha = {_0{}, true, 0};
    t.beta = res ? 0.5f : 0.0f; t.beta_ptr = nullptr; t.dBeta = {_0{}, false, 0};
    t.bias_ptr = (const float*)bf.bias;
  } else {                          // fp16: alpha 1, f16 bias, beta 1 / 0
    t.alpha = 1.0f; t.alpha_ptr = nullptr;
    t.beta = res ? 1.0f : 0.0f; t.beta_ptr = nullptr;
    t.bias_ptr = (const cutlass::half_t*)bf.bias;
  }
  if constexpr (GG::kStreamK) {
    args.scheduler.splits = splits;
    args.scheduler.decomposition_mode = mode;
  }
  printf("  %-5s %-28s ", GG::Align == 16 ? "int8" : "fp16", name);
  Gemm g;
  if (g.can_implement(args) != cutlass::Status::kSuccess) { printf("cannot implement\n"); return -1; }
  size_t ws = Gemm::get_workspace_size(args);
  void* w = nullptr;
  if (ws) CK(cudaMalloc(&w, ws));
  if (g.initialize(args, w, g_s) != cutlass::Status::kSuccess) {
    printf("initialize failed\n"); if (w) cudaFree(w); return -1;
  }
  // Per launch: the stream-K barrier clearing (a no-op unless there is a barrier workspace),
  // then the kernel with the params initialize() built.
  auto launch = [&]() {
    if (GG::kStreamK && ws &&
        Gemm::GemmKernel::initialize_workspace(args, w, g_s) != cutlass::Status::kSuccess) return false;
    return g.run(g_s) == cutlass::Status::kSuccess;
  };
  bool ok = launch();
  CK(cudaStreamSynchronize(g_s));
  CK(cudaGetLastError());
  if (!ok) { printf("launch failed\n"); if (w) cudaFree(w); return -1; }
  cudaGraph_t gr;
  CK(cudaStreamBeginCapture(g_s, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < 20; ++i) ok &= launch();
  CK(cudaStreamEndCapture(g_s, &gr));
  CK(cudaGetLastError());
  if (!ok) { printf("capture failed\n"); cudaGraphDestroy(gr); if (w) cudaFree(w); return -1; }
  size_t nodes = 0;
  CK(cudaGraphGetNodes(gr, nullptr, &nodes));
  cudaGraphExec_t ge;
  CK(cudaGraphInstantiate(&ge, gr, 0));
  for (int i = 0; i < 20; ++i) CK(cudaGraphLaunch(ge, g_s));
  CK(cudaStreamSynchronize(g_s));
  CK(cudaGetLastError());
  std::vector<float> times;
  for (int r = 0; r < 15; ++r) {
    CK(cudaEventRecord(g_e0, g_s));
    CK(cudaGraphLaunch(ge, g_s));
    CK(cudaEventRecord(g_e1, g_s));
    CK(cudaEventSynchronize(g_e1));
    float ms;
    CK(cudaEventElapsedTime(&ms, g_e0, g_e1));
    times.push_back(ms / 20);
  }
  CK(cudaGetLastError());
  std::sort(times.begin(), times.end());
  double us = times[times.size() / 2] * 1000.0;
  printf("%8.2f us  (nodes/gemm %zu, workspace %zu B)\n", us, nodes / 20, ws);
  CK(cudaGraphExecDestroy(ge));
  CK(cudaGraphDestroy(gr));
  if (w) CK(cudaFree(w));
  return us;
}

struct Best {
  double us = 1e30; std::string cfg = "-";
  void add(double t, const std::string& c) { if (t > 0 && t < us) { us = t; cfg = c; } }
};

// All configurations of one precision. KT = K-tile (128 int8, 64 fp16).
template <bool Int8, int KT>
Best run_all(int M, int N, int K, bool res, const Bufs& bf) {
  using KTile = Int<KT>;
  using P64x64 = G<Int8, Shape<_64, _64, KTile>, Ping, PingE>;
  using P64x128 = G<Int8, Shape<_64, _128, KTile>, Ping, PingE>;
  using P128x64 = G<Int8, Shape<_128, _64, KTile>, Ping, PingE>;
  using C128x64 = G<Int8, Shape<_128, _64, KTile>, Coop, CoopE>;
  using C128x128 = G<Int8, Shape<_128, _128, KTile>, Coop, CoopE>;
  using SK128x64 = G<Int8, Shape<_128, _64, KTile>, Coop, CoopE, cutlass::gemm::StreamKScheduler>;
  std::string kt = std::to_string(KT);
  Best b;
  std::string n;
  n = "ping 64x64x" + kt;   b.add(run<P64x64>(n.c_str(), M, N, K, res, bf), n);
  n = "ping 64x128x" + kt;  b.add(run<P64x128>(n.c_str(), M, N, K, res, bf), n);
  n = "ping 128x64x" + kt;  b.add(run<P128x64>(n.c_str(), M, N, K, res, bf), n);
  n = "coop 128x64x" + kt;  b.add(run<C128x64>(n.c_str(), M, N, K, res, bf), n);
  n = "coop 128x128x" + kt; b.add(run<C128x128>(n.c_str(), M, N, K, res, bf), n);
  if (K >= 512) {
    n = "coop 128x64x" + kt + " stream-k";
    b.add(run<SK128x64>(n.c_str(), M, N, K, res, bf, 1, DecompositionMode::StreamK), n);
    int ktiles = (K + KT - 1) / KT;
    for (int s = 2; s <= 8 && s <= ktiles; s *= 2) {
      n = "coop 128x64x" + kt + " split-k " + std::to_string(s);
      b.add(run<SK128x64>(n.c_str(), M, N, K, res, bf, s, DecompositionMode::SplitK), n);
    }
  }
  return b;
}

int main() {
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  g_sms = prop.multiProcessorCount;
  printf("%s, %d SMs\n", prop.name, g_sms);
  CK(cudaStreamCreateWithFlags(&g_s, cudaStreamNonBlocking));
  CK(cudaEventCreate(&g_e0));
  CK(cudaEventCreate(&g_e1));
  // Largest operands: A 3136x256, B 2048x512, C/D 3136x256, in half: under 4 MiB each.
  const size_t kBuf = 4 << 20;
  Bufs bf;
  CK(cudaMalloc(&bf.a, kBuf)); CK(cudaMalloc(&bf.b, kBuf));
  CK(cudaMalloc(&bf.c, kBuf)); CK(cudaMalloc(&bf.d, kBuf));
  CK(cudaMalloc(&bf.alpha, 2048 * 4)); CK(cudaMalloc(&bf.bias, 2048 * 4));
  CK(cudaMemset(bf.a, 1, kBuf)); CK(cudaMemset(bf.b, 1, kBuf)); CK(cudaMemset(bf.c, 1, kBuf));
  CK(cudaMemset(bf.d, 0, kBuf));
  CK(cudaMemset(bf.alpha, 0, 2048 * 4)); CK(cudaMemset(bf.bias, 0, 2048 * 4));
  struct Shape_ { int m, n, k; bool res; const char* name; } shapes[] = {
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
  struct Row { const char* name; Best f, i; };
  std::vector<Row> rows;
  for (const Shape_& sh : shapes) {
    printf("%s (M %d, N %d, K %d)\n", sh.name, sh.m, sh.n, sh.k);
    Best f = run_all<false, 64>(sh.m, sh.n, sh.k, sh.res, bf);
    Best i = run_all<true, 128>(sh.m, sh.n, sh.k, sh.res, bf);
    rows.push_back({sh.name, f, i});
    fflush(stdout);
  }
  printf("\n%-34s | %-36s | %-36s | %s\n", "gemm (M pixels, N out, K in)", "best FP16 us (config)",
         "best INT8 us (config)", "INT8 - FP16 us");
  for (const Row& r : rows) {
    char f[64], i[64];
    snprintf(f, sizeof f, "%7.2f (%s)", r.f.us, r.f.cfg.c_str());
    snprintf(i, sizeof i, "%7.2f (%s)", r.i.us, r.i.cfg.c_str());
    printf("%-34s | %-36s | %-36s | %+7.2f\n", r.name, f, i, r.i.us - r.f.us);
  }
  return 0;
}
