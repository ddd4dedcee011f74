//===- Prelude.cpp - the common header of generated kernels ---------------===//
//
// Helpers the generated kernels share, each mirroring one rule of the
// reference interpreter (lib/reference): NaN handling of max/min, float to
// integer conversion, quantization, activations. Everything is `static` or
// a template, so the prelude may open any translation unit once.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/cuda/KernelEmitter.h"

llvm::StringRef kiln::cuda::prelude() {
  return R"cuda(// Kiln's prelude for generated kernels.
#include <cuda_fp16.h>
#include <cuda_bf16.h>

// Helpers are inline rather than static, so that unused ones draw no warning.
#define KILN_HELPER __device__ __forceinline__

// A vector of N elements, loaded and stored as one access (16 bytes at most).
template <typename T, int N> struct alignas(sizeof(T) * N) kiln_vec { T v[N]; };

// Values of f16 and bf16 tensors are computed in float and rounded to the
// tensor's type after each op (ties to even), as the reference does.
KILN_HELPER float kiln_round_f16(float x) { return __half2float(__float2half_rn(x)); }
KILN_HELPER float kiln_round_bf16(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }
KILN_HELPER float kiln_round_f16(double x) { return __half2float(__double2half(x)); }
KILN_HELPER float kiln_round_bf16(double x) { return __bfloat162float(__double2bfloat16(x)); }

KILN_HELPER float kiln_nan(float) { return __int_as_float(0x7fc00000); }
KILN_HELPER double kiln_nan(double) { return __longlong_as_double(0x7ff8000000000000ll); }

// std::max and std::min: a NaN second operand is dropped, a NaN first one kept.
template <typename T> KILN_HELPER T kiln_max(T a, T b) { return a < b ? b : a; }
template <typename T> KILN_HELPER T kiln_min(T a, T b) { return b < a ? b : a; }
// ONNX Max and Min (and float max/min reductions): NaN propagates.
template <typename F> KILN_HELPER F kiln_nan_max(F a, F b) {
  return isnan(a) || isnan(b) ? kiln_nan(a) : kiln_max(a, b);
}
template <typename F> KILN_HELPER F kiln_nan_min(F a, F b) {
  return isnan(a) || isnan(b) ? kiln_nan(a) : kiln_min(a, b);
}

// Float to integer as x86's cvttsd2si, which the reference follows: truncate;
// NaN and values out of the int32 (int64) range give the most negative value;
// narrower types then wrap.
KILN_HELPER int kiln_trunc_i32(double x) {
  const double t = trunc(x);
  return t >= -2147483648.0 && t < 2147483648.0 ? (int)t : (int)0x80000000u;
}
KILN_HELPER long long kiln_trunc_i64(double x) {
  const double t = trunc(x);
  return t >= -9223372036854775808.0 && t < 9223372036854775808.0 ? (long long)t
                                                                  : (long long)0x8000000000000000ull;
}
KILN_HELPER unsigned long long kiln_trunc_u64(double x) {
  const double t = trunc(x);
  if (t >= 9223372036854775808.0 && t < 18446744073709551616.0) return (unsigned long long)t;
  return (unsigned long long)kiln_trunc_i64(x);
}

// Integer remainder as the reference: C's (fmod) or Python's (the sign of
// the divisor); x % -1 is 0, and so is x % 0 (an error there).
KILN_HELPER long long kiln_mod(long long a, long long b, bool fmod) {
  if (b == 0 || b == -1) return 0;
  long long r = a % b;
  if (!fmod && r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// ONNX QuantizeLinear: x / scale in float (double for f64), ties to even,
// plus the zero point, saturated; NaN becomes the zero point.
KILN_HELPER int kiln_quantize(float x, float scale, int zero, int lo, int hi) {
  const float q = rintf(__fdiv_rn(x, scale));
  if (isnan(q)) return zero;
  const double s = (double)q + (double)zero;
  return s < lo ? lo : (s > hi ? hi : (int)s);
}
KILN_HELPER int kiln_quantize(double x, double scale, int zero, int lo, int hi) {
  const double q = rint(__ddiv_rn(x, scale));
  if (isnan(q)) return zero;
  const double s = q + (double)zero;
  return s < lo ? lo : (s > hi ? hi : (int)s);
}

// Activations, in the compute type F (float, or double for f64 tensors).
template <typename F> KILN_HELPER F kiln_sigmoid(F x) { return F(1) / (F(1) + exp(-x)); }
template <typename F> KILN_HELPER F kiln_softplus(F x) {
  return x > F(0) ? x + log1p(exp(-x)) : log1p(exp(x));
}
// 0.5 x (1 + erf(x / sqrt 2)) as 0.5 x erfc(-x / sqrt 2), which keeps the
// precision of the reference's double computation for negative x.
template <typename F> KILN_HELPER F kiln_gelu(F x) {
  return F(0.5) * x * erfc(-x * F(0.70710678118654752440));
}
// 0.5 x (1 + tanh(z)) as x / (1 + exp(-2z)), which does not cancel for
// negative x either.
template <typename F> KILN_HELPER F kiln_gelu_tanh(F x) {
  return x / (F(1) + exp(F(-1.59576912160573071176) * (x + F(0.044715) * x * x * x)));
}
template <typename F> KILN_HELPER F kiln_elu(F x, F alpha) { return x < F(0) ? alpha * expm1(x) : x; }
// The piecewise-linear activations in double, rounded once by the caller:
// the reference's own arithmetic, operation for operation.
KILN_HELPER double kiln_hard_sigmoid(double x, double alpha, double beta) {
  return kiln_max(0.0, kiln_min(1.0, __dadd_rn(__dmul_rn(alpha, x), beta)));
}
KILN_HELPER double kiln_hard_swish(double x) {
  return __dmul_rn(x, kiln_max(0.0, kiln_min(1.0, __dadd_rn(__ddiv_rn(x, 6.0), 0.5))));
}
template <typename F> KILN_HELPER F kiln_sign(F x) {
  return isnan(x) ? x : F((x > F(0)) - (x < F(0)));
}

// Cross-thread reductions. A row's lanes are W consecutive lanes of a warp
// (W <= 32), the T threads along x of a block holding R rows (along y), or
// the Y threads of a block column (y); every participant gets the result.
template <typename T> KILN_HELPER T kiln_shfl_xor(T v, int mask) {
  return __shfl_xor_sync(0xffffffffu, v, mask);
}
// A candidate of arg max/min and top-k: value and index (-1: none yet).
template <typename V> struct kiln_arg { V v; long long i; };
template <typename V> KILN_HELPER kiln_arg<V> kiln_shfl_xor(kiln_arg<V> a, int mask) {
  a.v = kiln_shfl_xor(a.v, mask);
  a.i = __shfl_xor_sync(0xffffffffu, a.i, mask);
  return a;
}
template <int W, typename T, typename Op> KILN_HELPER T kiln_warp_reduce(T v, Op op) {
#pragma unroll
  for (int m = W / 2; m > 0; m /= 2) v = op(v, kiln_shfl_xor(v, m));
  return v;
}
template <int T, int R, typename V, typename Op> KILN_HELPER V kiln_block_reduce(V v, Op op) {
  __shared__ V partial[R][T / 32];
  v = kiln_warp_reduce<32>(v, op);
  if (threadIdx.x % 32 == 0) partial[threadIdx.y][threadIdx.x / 32] = v;
  __syncthreads();
  v = partial[threadIdx.y][0];
#pragma unroll
  for (int w = 1; w < T / 32; ++w) v = op(v, partial[threadIdx.y][w]);
  __syncthreads();
  return v;
}
template <int Y, typename V, typename Op> KILN_HELPER V kiln_column_reduce(V v, Op op) {
  __shared__ V partial[Y][32];
  partial[threadIdx.y][threadIdx.x] = v;
  __syncthreads();
  v = partial[0][threadIdx.x];
#pragma unroll
  for (int y = 1; y < Y; ++y) v = op(v, partial[y][threadIdx.x]);
  __syncthreads();
  return v;
}
// Inclusive scan over the T threads of a block (x); also gives the
// exclusive prefix and the block's total.
template <int T, typename V> KILN_HELPER V kiln_block_scan(V x, V &exclusive, V &total) {
  __shared__ V warpTotals[T / 32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  V v = x;
#pragma unroll
  for (int o = 1; o < 32; o *= 2) {
    const V n = __shfl_up_sync(0xffffffffu, v, o);
    if (lane >= o) v += n;
  }
  const V previous = __shfl_up_sync(0xffffffffu, v, 1);
  if (lane == 31) warpTotals[warp] = v;
  __syncthreads();
  V prefix = 0;
  total = 0;
#pragma unroll
  for (int i = 0; i < T / 32; ++i) {
    if (i < warp) prefix += warpTotals[i];
    total += warpTotals[i];
  }
  __syncthreads();
  exclusive = lane == 0 ? prefix : prefix + previous;
  return prefix + v;
}
)cuda";
}
