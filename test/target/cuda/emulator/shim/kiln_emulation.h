//===- kiln_emulation.h - CUDA kernels on the CPU, for tests ---*- C++ -*-===//
//
// Enough of CUDA for Kiln's generated kernels to run on the host: each block's
// threads are cooperative contexts (ucontext) on one OS thread, switched at
// __syncthreads and at warp shuffles, so barriers and shuffles behave as on a
// GPU; blocks run one after another, so `__shared__` can be `static`.
// Arithmetic is IEEE: build with -ffp-contract=off (no fused multiply-add),
// as the kernels' explicit _rn intrinsics demand. Math functions are the
// host's, so transcendental results differ from CUDA's by an ulp or so.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_EMULATION_H
#define KILN_EMULATION_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <ucontext.h>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static

using std::ceil;
using std::cos;
using std::erf;
using std::erfc;
using std::exp;
using std::expm1;
using std::fabs;
using std::floor;
using std::fmod;
using std::isfinite;
using std::isnan;
using std::log;
using std::log1p;
using std::pow;
using std::rint;
using std::sin;
using std::sqrt;
using std::tanh;
using std::trunc;

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

namespace kiln_emu {

/// The state of the block being run.
struct Block {
  unsigned threads = 0;
  std::vector<ucontext_t> contexts;
  std::vector<std::vector<char>> stacks;
  std::vector<int> state; // 0 runnable, 1 at the block barrier, 2 at a warp barrier, 3 done
  std::vector<unsigned> warpArrivals;
  std::vector<unsigned long long> warpSlots; // one 8-byte value per thread
  ucontext_t scheduler;
  unsigned current = 0;
  std::function<void()> body;
};

inline Block &block() {
  static Block b;
  return b;
}

/// threadIdx, blockIdx, blockDim and gridDim of the running thread.
struct Indices {
  dim3 thread, block, blockSize, gridSize;
};
inline Indices &indices() {
  static Indices i;
  return i;
}

inline void yieldToScheduler() {
  Block &b = block();
  swapcontext(&b.contexts[b.current], &b.scheduler);
}

inline void threadMain() {
  Block &b = block();
  b.body();
  b.state[b.current] = 3;
  yieldToScheduler();
}

/// All live threads of the block wait here.
inline void syncthreads() {
  Block &b = block();
  b.state[b.current] = 1;
  yieldToScheduler();
}

/// All 32 lanes of this thread's warp wait here.
inline void warpBarrier() {
  Block &b = block();
  b.state[b.current] = 2;
  yieldToScheduler();
}

template <typename T> T shuffle(T value, int source, bool valid) {
  Block &b = block();
  unsigned lane = b.current % 32, base = b.current - lane;
  static_assert(sizeof(T) <= 8, "shuffled values are at most 8 bytes");
  unsigned long long bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  b.warpSlots[b.current] = bits;
  warpBarrier();
  T result = value;
  if (valid)
    std::memcpy(&result, &b.warpSlots[base + source], sizeof(T));
  warpBarrier();
  return result;
}

/// Runs `kernel` over `grid` blocks of `threads`.
inline void launch(dim3 grid, dim3 threads, std::function<void()> kernel) {
  Block &b = block();
  unsigned count = threads.x * threads.y * threads.z;
  if (count % 32 != 0) {
    std::fprintf(stderr, "kiln_emulation: blocks must hold whole warps\n");
    std::abort();
  }
  b.threads = count;
  b.contexts.resize(count);
  b.stacks.resize(count);
  b.state.assign(count, 0);
  b.warpSlots.assign(count, 0);
  b.body = std::move(kernel);
  indices().gridSize = grid;
  indices().blockSize = threads;
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        indices().block = {bx, by, bz};
        for (unsigned t = 0; t < count; ++t) {
          b.stacks[t].resize(64 * 1024);
          getcontext(&b.contexts[t]);
          b.contexts[t].uc_stack.ss_sp = b.stacks[t].data();
          b.contexts[t].uc_stack.ss_size = b.stacks[t].size();
          b.contexts[t].uc_link = nullptr;
          makecontext(&b.contexts[t], threadMain, 0);
          b.state[t] = 0;
        }
        // Round robin: run every runnable thread; release a barrier when all
        // of its threads wait at it.
        while (true) {
          bool ran = false;
          for (unsigned t = 0; t < count; ++t) {
            if (b.state[t] != 0)
              continue;
            b.current = t;
            indices().thread = {t % threads.x, t / threads.x % threads.y,
                                t / (threads.x * threads.y)};
            swapcontext(&b.scheduler, &b.contexts[t]);
            ran = true;
          }
          bool done = true, allAtBlock = true;
          for (unsigned t = 0; t < count; ++t) {
            done &= b.state[t] == 3;
            allAtBlock &= b.state[t] == 1 || b.state[t] == 3;
          }
          if (done)
            break;
          for (unsigned w = 0; w < count; w += 32) {
            bool all = true, any = false;
            for (unsigned t = w; t < w + 32; ++t) {
              all &= b.state[t] == 2;
              any |= b.state[t] == 2;
            }
            if (all) {
              for (unsigned t = w; t < w + 32; ++t)
                b.state[t] = 0;
              ran = true;
            } else if (any) {
              for (unsigned t = w; t < w + 32; ++t)
                if (b.state[t] != 2 && b.state[t] != 0) {
                  std::fprintf(stderr, "kiln_emulation: a warp diverges at a shuffle\n");
                  std::abort();
                }
            }
          }
          if (allAtBlock) {
            for (unsigned t = 0; t < count; ++t)
              if (b.state[t] == 1)
                b.state[t] = 0;
            ran = true;
          }
          if (!ran) {
            std::fprintf(stderr, "kiln_emulation: deadlock (threads wait at different barriers)\n");
            std::abort();
          }
        }
      }
}

} // namespace kiln_emu

#define threadIdx (kiln_emu::indices().thread)
#define blockIdx (kiln_emu::indices().block)
#define blockDim (kiln_emu::indices().blockSize)
#define gridDim (kiln_emu::indices().gridSize)

inline void __syncthreads() { kiln_emu::syncthreads(); }

template <typename T> T __shfl_xor_sync(unsigned, T value, int mask) {
  unsigned lane = kiln_emu::block().current % 32;
  return kiln_emu::shuffle(value, static_cast<int>(lane ^ mask), true);
}
template <typename T> T __shfl_up_sync(unsigned, T value, int delta) {
  int lane = static_cast<int>(kiln_emu::block().current % 32);
  return kiln_emu::shuffle(value, lane - delta, lane >= delta);
}

// IEEE arithmetic with round to nearest even (the host's default).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
// Round half to even, saturating as the GPU does (NaN gives 0).
inline int __float2int_rn(float x) {
  if (std::isnan(x)) return 0;
  double r = std::nearbyint(static_cast<double>(x));
  if (r < -2147483648.0) return INT32_MIN;
  if (r > 2147483647.0) return INT32_MAX;
  return static_cast<int>(r);
}
inline float __frsqrt_rn(float x) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(x))); }
inline float __int_as_float(int bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline double __longlong_as_double(long long bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

#endif // KILN_EMULATION_H
