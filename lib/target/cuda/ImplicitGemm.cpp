//===- ImplicitGemm.cpp - INT8 convolutions as CUTLASS implicit GEMMs -----===//
//
// The kernel is CUTLASS's threadblock main loop (DefaultConv2dFprop's Mma:
// optimized NHWC iterators, multistage cp.async pipeline, int8 tensor-core
// MMA with saturating adds) driven by Kiln's own entry, and an epilogue of
// Kiln's on EpilogueWithVisitor: the visitor gets, per thread, consecutive
// output channels of one output pixel, so it applies engine.conv's
// per-channel scale and bias, the scaled residual, relu, round half to even
// and saturation, and stores 8 or 16 int8 values at once. Split-K
// configurations run a cluster of blocks per output tile, one per slice of
// the channels, and add their int32 sums in block 0 through distributed
// shared memory before its epilogue (sm_90). Every size is a
// compile-time constant; CUTLASS's Params are built inside the kernel from
// them, so no CUTLASS host code runs.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/cuda/ImplicitGemm.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdio>
#include <cstdlib>
#include <limits>

using namespace kiln::cuda;

// Measured on the H100 at ResNet-50 batch-64 shapes (docs/codegen.md).
static const CutlassConvConfig kConfigs[] = {
    {"128x128x64_s4", 128, 128, 64, 64, 64, 64, 4, 16},
    {"128x128x128_s3", 128, 128, 128, 64, 64, 128, 3, 16},
    {"128x256x64_s3", 128, 256, 64, 64, 64, 64, 3, 16},
    {"256x128x64_s3", 256, 128, 64, 64, 64, 64, 3, 16},
    {"128x64x64_s4", 128, 64, 64, 64, 32, 64, 4, 8},
    {"64x64x64_s6", 64, 64, 64, 32, 32, 64, 6, 8},
    // Split-K, for convolutions whose output is a few tiles (batch 1).
    {"64x64x64_s4_k2", 64, 64, 64, 32, 32, 64, 4, 8, 2},
    {"64x64x64_s4_k4", 64, 64, 64, 32, 32, 64, 4, 8, 4},
    {"64x64x64_s4_k8", 64, 64, 64, 32, 32, 64, 4, 8, 8},
};

/// Channels one main-loop step reads of every filter tap (all
/// configurations' tileK).
static constexpr int64_t kChannelBlock = 64;

std::string CutlassConvConfig::describe() const {
  std::string text = llvm::formatv("cutlass {0}x{1}x{2} s{3}", tileM, tileN, tileK, stages);
  if (splitK > 1)
    text += llvm::formatv(" split-k {0}", splitK).str();
  return text;
}

llvm::ArrayRef<CutlassConvConfig> kiln::cuda::cutlassInt8ConvConfigs() { return kConfigs; }

std::vector<CutlassConvConfig>
kiln::cuda::cutlassInt8ConvConfigsFor(const Int8ConvProblem &pb, int oldest) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t smallGrid = ceilDiv(pb.n * pb.p * pb.q, 64) * ceilDiv(pb.k, 64);
  int64_t channelBlocks = ceilDiv(pb.c, kChannelBlock);
  // No sum of R*S*C products of int8 values (each at most 128 * 128 in
  // magnitude) reaches 2^31: the MMA's saturating adds never saturate, so
  // adding the slices' sums gives the unsplit kernel's exactly.
  bool exact = pb.r * pb.s * pb.c < (int64_t(1) << 31) / (128 * 128);
  std::vector<CutlassConvConfig> configs;
  for (const CutlassConvConfig &config : kConfigs)
    if (config.splitK == 1 || (oldest >= kClusterComputeCapability && exact &&
                               smallGrid <= 256 && channelBlocks % config.splitK == 0))
      configs.push_back(config);
  return configs;
}

const CutlassConvConfig *kiln::cuda::findCutlassInt8ConvConfig(llvm::StringRef name) {
  for (const CutlassConvConfig &config : kConfigs)
    if (name == config.name)
      return &config;
  return nullptr;
}

std::string kiln::cuda::cutlassInt8ConvConfigNames() {
  std::string names;
  for (const CutlassConvConfig &config : kConfigs)
    names += (names.empty() ? "" : ", ") + std::string(config.name);
  return names;
}

std::string kiln::cuda::whyNotCutlassInt8Conv(const Int8ConvProblem &pb) {
  if (pb.c % 16 || pb.k % 16)
    return llvm::formatv("input and output channels must be multiples of 16 (16-byte "
                         "accesses), found C={0}, K={1}",
                         pb.c, pb.k)
        .str();
  if (pb.r > 32 || pb.s > 32)
    return llvm::formatv("the filter must be at most 32x32, found {0}x{1}", pb.r, pb.s).str();
  if (pb.n < 1 || pb.p < 1 || pb.q < 1 || pb.h < 1 || pb.w < 1 || pb.r < 1 || pb.s < 1)
    return "empty convolution";
  const int64_t limit = std::numeric_limits<int32_t>::max();
  if (pb.n * pb.h * pb.w * pb.c > limit || pb.n * pb.p * pb.q * pb.k > limit ||
      pb.k * pb.r * pb.s * pb.c > limit)
    return "a tensor of more than 2^31 elements (the kernels index with 32 bits)";
  return "";
}

/// An exact float literal (hexadecimal).
static std::string exactFloat(float value) {
  char text[64];
  std::snprintf(text, sizeof text, "%af", double(value));
  return text;
}

/// CUTLASS's GemmIdentityThreadblockSwizzle<4>: how many column tiles (log2)
/// neighbouring blocks share, chosen as CUTLASS's host code would.
static int swizzleLogTile(int64_t columnTiles) {
  return columnTiles >= 3 ? 2 : columnTiles >= 2 ? 1 : 0;
}

// Shared by every CUTLASS convolution of a translation unit: the headers and
// the epilogue visitor, guarded so that it appears once.
static const char kCommon[] = R"cuda(#include "cutlass/cutlass.h"
#include "cutlass/conv/kernel/default_conv2d_fprop.h"
#include "cutlass/epilogue/thread/linear_combination.h"
#include "cutlass/epilogue/threadblock/epilogue_with_visitor.h"
#include <cooperative_groups.h>

#ifndef KILN_CUTLASS_INT8_CONV
#define KILN_CUTLASS_INT8_CONV
namespace kiln_cutlass {

// engine.conv's INT8 epilogue as a CUTLASS epilogue visitor: visit() gets
// kElementsPerAccess int32 sums of consecutive output channels of one output
// pixel; y = act(sum * scale[c] + bias[c] + residual * residualScale),
// rounded half to even and saturated to int8, computed in f32 in that order.
template <typename OutputTileIterator, bool kResidual, bool kRelu>
struct Int8ConvEpilogue {
  static int const kIterations = OutputTileIterator::kIterations;
  static int const kElementsPerAccess = OutputTileIterator::kElementsPerAccess;
  static_assert(kElementsPerAccess % 4 == 0, "scale and bias are read 4 floats at a time");
  using ThreadMap = typename OutputTileIterator::ThreadMap;
  using AccumulatorFragment = cutlass::Array<int32_t, kElementsPerAccess>;
  using OutputVector = cutlass::Array<int8_t, kElementsPerAccess>;
  using Fragment = typename OutputTileIterator::Fragment;
  struct SharedStorage {};

  const float *scale, *bias;
  float residualScale;
  int channels;
  OutputTileIterator iteratorY, iteratorResidual;
  Fragment fragmentY, fragmentResidual;

  CUTLASS_DEVICE
  Int8ConvEpilogue(typename OutputTileIterator::Params const &layout, const float *scale,
                   const float *bias, const int8_t *residual, float residualScale, int8_t *y,
                   cutlass::MatrixCoord extent, int thread, cutlass::MatrixCoord tileOffset)
      : scale(scale), bias(bias), residualScale(residualScale), channels(extent.column()),
        iteratorY(layout, y, extent, thread, tileOffset),
        iteratorResidual(layout, const_cast<int8_t *>(residual), extent, thread, tileOffset) {}

  CUTLASS_DEVICE void begin_epilogue() {}
  CUTLASS_DEVICE void begin_step(int) {
    if (kResidual) {
      fragmentResidual.clear();
      iteratorResidual.load(fragmentResidual);
      ++iteratorResidual;
    }
  }
  CUTLASS_DEVICE void begin_row(int) {}
  CUTLASS_DEVICE void visit(int, int, int, int index, AccumulatorFragment const &sums) {
    int channel =
        iteratorY.thread_start().column() + ThreadMap::iteration_offset(index).column();
    OutputVector &out = reinterpret_cast<OutputVector *>(&fragmentY)[index];
    // Past the last channel the store is masked; do not read scale or bias.
    if (channel >= channels) {
      out.clear();
      return;
    }
    OutputVector const &res = reinterpret_cast<OutputVector const *>(&fragmentResidual)[index];
    CUTLASS_PRAGMA_UNROLL
    for (int i = 0; i < kElementsPerAccess; i += 4) {
      float4 s = *reinterpret_cast<const float4 *>(scale + channel + i);
      float4 b = *reinterpret_cast<const float4 *>(bias + channel + i);
      float sv[4] = {s.x, s.y, s.z, s.w}, bv[4] = {b.x, b.y, b.z, b.w};
      CUTLASS_PRAGMA_UNROLL
      for (int j = 0; j < 4; ++j) {
        float v = __fadd_rn(__fmul_rn(float(sums[i + j]), sv[j]), bv[j]);
        if (kResidual)
          v = __fadd_rn(v, __fmul_rn(float(res[i + j]), residualScale));
        if (kRelu)
          v = fmaxf(v, 0.0f);
        int q = __float2int_rn(v);
        out[i + j] = int8_t(q < -128 ? -128 : (q > 127 ? 127 : q));
      }
    }
  }
  CUTLASS_DEVICE void end_row(int) {}
  CUTLASS_DEVICE void end_step(int) {
    iteratorY.store(fragmentY);
    ++iteratorY;
  }
  CUTLASS_DEVICE void end_epilogue() {}
};

} // namespace kiln_cutlass
#endif // KILN_CUTLASS_INT8_CONV
)cuda";

KernelSource kiln::cuda::emitCutlassInt8Conv(const Int8ConvProblem &pb,
                                             const CutlassConvConfig &cfg,
                                             llvm::StringRef entry) {
  int64_t rows = pb.n * pb.p * pb.q;
  int64_t rowTiles = (rows + cfg.tileM - 1) / cfg.tileM;
  int64_t columnTiles = (pb.k + cfg.tileN - 1) / cfg.tileN;
  int logTile = swizzleLogTile(columnTiles);

  KernelSource kernel;
  kernel.entry = entry.str();
  kernel.grid = {uint32_t(rowTiles << logTile),
                 uint32_t((columnTiles + (1 << logTile) - 1) >> logTile),
                 uint32_t(cfg.splitK)};
  kernel.block = {uint32_t(cfg.threads()), 1, 1};
  kernel.sharedMemBytes = cfg.sharedMemBytes();

  std::string residualParam = pb.residual ? "const int8_t *__restrict__ residual, " : "";
  // Split-K: the blocks of a cluster along z sum their slices' int32 sums
  // in block 0 (distributed shared memory), which alone runs the epilogue.
  std::string clusterDims, splitSums;
  if (cfg.splitK > 1) {
    clusterDims = llvm::formatv("__cluster_dims__(1, 1, {0}) ", cfg.splitK).str();
    splitSums = llvm::formatv(R"cuda(
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  // Split-K: block z summed the channel blocks z, z + {0}, ...; block 0
  // adds the other blocks' sums, read from their shared memory.
  {{
    static_assert(Mma::FragmentC::kElements % 4 == 0, "sums are exchanged 4 at a time");
    constexpr int kQuads = Mma::FragmentC::kElements / 4;
    static_assert(sizeof(int4) * kQuads * {1} <= {2}, "the split's sums do not fit the shared memory");
    cooperative_groups::cluster_group cluster = cooperative_groups::this_cluster();
    int4 *exchange = reinterpret_cast<int4 *>({3}_shared);
    unsigned rank = cluster.block_rank();
    if (rank != 0) {{
      __syncthreads();
      CUTLASS_PRAGMA_UNROLL
      for (int i = 0; i < kQuads; ++i)
        exchange[i * {1} + thread] =
            make_int4(sums[4 * i], sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3]);
    }
    cluster.sync();
    if (rank == 0) {{
      for (unsigned other = 1; other < {0}; ++other) {{
        const int4 *theirs = cluster.map_shared_rank(exchange, other);
        CUTLASS_PRAGMA_UNROLL
        for (int i = 0; i < kQuads; ++i) {{
          int4 v = theirs[i * {1} + thread];
          sums[4 * i] += v.x, sums[4 * i + 1] += v.y, sums[4 * i + 2] += v.z, sums[4 * i + 3] += v.w;
        }
      }
    }
    // The others' shared memory must outlive block 0's reads.
    cluster.sync();
    if (rank != 0)
      return;
  }
#else
#error "split-K CUTLASS convolutions use thread-block clusters: sm_90 or newer"
#endif
)cuda",
                              cfg.splitK, cfg.threads(), kernel.sharedMemBytes, entry)
                    .str();
  }
  kernel.source = std::string(kCommon) + llvm::formatv(R"cuda(
// {0}: {1}, N={2} H={3} W={4} C={5} -> P={6} Q={7} K={8}, filter {9}x{10}
// stride {11}x{12} pad {13},{14} dilation {15}x{16}; epilogue
// act(sum * scale[k] + bias[k]{17}){18}, round half to even, saturate to int8.
namespace {0}_cutlass {{
using Base = cutlass::conv::kernel::DefaultConv2dFprop<
    int8_t, cutlass::layout::TensorNHWC, int8_t, cutlass::layout::TensorNHWC, int8_t,
    cutlass::layout::TensorNHWC, int32_t, cutlass::arch::OpClassTensorOp, cutlass::arch::Sm80,
    cutlass::gemm::GemmShape<{19}, {20}, {21}>, cutlass::gemm::GemmShape<{22}, {23}, {24}>,
    cutlass::gemm::GemmShape<16, 8, 32>,
    cutlass::epilogue::thread::LinearCombination<int8_t, {25}, int32_t, float>,
    cutlass::gemm::threadblock::GemmIdentityThreadblockSwizzle<4>, {26},
    cutlass::arch::OpMultiplyAddSaturate, cutlass::conv::IteratorAlgorithm::kOptimized>::Kernel;
using Mma = Base::Mma;
using Visitor = kiln_cutlass::Int8ConvEpilogue<Base::Epilogue::OutputTileIterator, {27}, {28}>;
using Epilogue = cutlass::epilogue::threadblock::EpilogueWithVisitorFromExistingEpilogue<
    Visitor, Base::Epilogue>::Epilogue;
union SharedStorage {{
  Mma::SharedStorage mainLoop;
  Epilogue::SharedStorage epilogue;
};
static_assert(sizeof(SharedStorage) <= {29}, "the launch's dynamic shared memory is too small");
static_assert(Base::kThreadCount == {30}, "the launch's block does not match the kernel");
} // namespace {0}_cutlass

extern "C" __global__ void {38}__launch_bounds__({30}) {0}(
    const int8_t *__restrict__ x, const int8_t *__restrict__ w, const float *__restrict__ scale,
    const float *__restrict__ bias, {31}int8_t *__restrict__ y) {{
  using namespace {0}_cutlass;
  using Layout = cutlass::layout::TensorNHWC;
  cutlass::conv::Conv2dProblemSize problem({2}, {3}, {4}, {5}, {8}, {9}, {10}, {6}, {7}, {13}, {14},
                                           {11}, {12}, {15}, {16},
                                           cutlass::conv::Mode::kCrossCorrelation, {40}, 1);
  // Every input of the Params is a constant here: the compiler folds most
  // of their computation (measured: faster than Params read from memory).
  Base::Arguments arguments(problem, {{nullptr, Layout::packed({{{2}, {3}, {4}, {5}})},
                            {{nullptr, Layout::packed({{{8}, {9}, {10}, {5}})},
                            {{nullptr, Layout::packed({{{2}, {6}, {7}, {8}})},
                            {{nullptr, Layout::packed({{{2}, {6}, {7}, {8}})}, {{1.0f, 0.0f});
  Base::Params params(arguments, nullptr);
  extern __shared__ __align__(16) char {0}_shared[];
  SharedStorage &shared = *reinterpret_cast<SharedStorage *>({0}_shared);
  cutlass::gemm::GemmCoord tile = Base::ThreadblockSwizzle().get_tile_offset({32});
  if (tile.m() >= {33} || tile.n() >= {34})
    return;
  int thread = threadIdx.x, warp = cutlass::canonical_warp_idx_sync(), lane = threadIdx.x % 32;
  Mma::IteratorA iteratorX(params.iterator_A, problem, const_cast<int8_t *>(x), thread,
                           cutlass::MatrixCoord(tile.m() * Mma::Shape::kM, tile.k() * Mma::Shape::kK));
  Mma::IteratorB iteratorW(params.iterator_B, problem, const_cast<int8_t *>(w), thread,
                           cutlass::MatrixCoord(tile.k() * Mma::Shape::kK, tile.n() * Mma::Shape::kN));
  Mma mma(shared.mainLoop, thread, warp, lane);
  Mma::FragmentC sums;
  sums.clear();
  mma(params.gemm_k_iterations, sums, iteratorX, iteratorW, sums,
      params.gemm_k_iterations_per_channel);{39}
  Visitor visitor(params.iterator_D, scale, bias, {35}, {36}, y,
                  cutlass::MatrixCoord({37}, {8}), thread,
                  cutlass::MatrixCoord(tile.m() * Mma::Shape::kM, tile.n() * Mma::Shape::kN));
  Epilogue epilogue(shared.epilogue, thread, warp, lane);
  epilogue(visitor, sums);
}
)cuda",
      entry, cfg.describe(), pb.n, pb.h, pb.w, pb.c, pb.p, pb.q, pb.k, pb.r, pb.s,
      pb.strideH, pb.strideW, pb.padTop, pb.padLeft, pb.dilationH, pb.dilationW,
      pb.residual ? " + residual * " + exactFloat(pb.residualScale) : "",
      pb.relu ? " with relu" : " without activation", cfg.tileM, cfg.tileN, cfg.tileK,
      cfg.warpM, cfg.warpN, cfg.warpK, cfg.elementsPerAccess, cfg.stages,
      pb.residual ? "true" : "false", pb.relu ? "true" : "false", kernel.sharedMemBytes,
      cfg.threads(), residualParam, logTile, rowTiles, columnTiles,
      pb.residual ? "residual" : "nullptr", exactFloat(pb.residualScale), rows, clusterDims,
      splitSums, cfg.splitK)
                                             .str();
  return kernel;
}

bool kiln::cuda::needsCutlass(llvm::StringRef source) {
  return source.contains("#include \"cutlass/cutlass.h\"");
}

static bool holdsCutlass(llvm::StringRef dir) {
  llvm::SmallString<256> header(dir);
  llvm::sys::path::append(header, "cutlass", "cutlass.h");
  return !dir.empty() && llvm::sys::fs::exists(header);
}

llvm::Expected<std::string> kiln::cuda::cutlassIncludeDir() {
  std::vector<std::string> tried;
  // An explicit choice is not second-guessed.
  if (const char *env = std::getenv("KILN_CUTLASS_INCLUDE_DIR")) {
    if (holdsCutlass(env))
      return std::string(env);
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   llvm::Twine("KILN_CUTLASS_INCLUDE_DIR is '") + env +
                                       "', which holds no cutlass/cutlass.h");
  }
  // dist/bin/kiln-compile finds dist/cutlass/include.
  static int anchor;
  std::string executable = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  if (!executable.empty()) {
    llvm::SmallString<256> dir(llvm::sys::path::parent_path(
        llvm::sys::path::parent_path(executable)));
    llvm::sys::path::append(dir, "cutlass", "include");
    if (holdsCutlass(dir))
      return std::string(dir);
    tried.push_back(std::string(dir));
  }
#ifdef KILN_CUTLASS_INCLUDE_DIR
  if (holdsCutlass(KILN_CUTLASS_INCLUDE_DIR))
    return std::string(KILN_CUTLASS_INCLUDE_DIR);
  tried.push_back(KILN_CUTLASS_INCLUDE_DIR);
#endif
  std::string where;
  for (const std::string &dir : tried)
    where += (where.empty() ? "" : ", ") + dir;
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "the CUTLASS headers (cutlass/cutlass.h) are not found" +
          (where.empty() ? std::string() : " in " + where) +
          ": install them with 'python3 -m pip install nvidia-cutlass==4.2.0.0' "
          "(scripts/bootstrap.sh does) or set KILN_CUTLASS_INCLUDE_DIR to the folder "
          "holding cutlass/ and cute/");
}
