//===- cuda_fp16.h - __half for the CPU emulation of kernels ---*- C++ -*-===//
#ifndef KILN_EMU_CUDA_FP16_H
#define KILN_EMU_CUDA_FP16_H
#include "kiln_small_floats.h"

struct __half_raw {
  unsigned short x;
};
struct __half {
  unsigned short x;
  __half() = default;
  constexpr __half(__half_raw raw) : x(raw.x) {}
};
inline float __half2float(__half h) {
  return static_cast<float>(kiln_emu::decodeFloat<5, 10>(h.x));
}
inline __half __double2half(double x) { return __half_raw{kiln_emu::encodeFloat<5, 10>(x)}; }
inline __half __float2half_rn(float x) { return __double2half(x); }
inline __half __ll2half_rn(long long v) { return __half_raw{kiln_emu::encodeInteger<5, 10>(v)}; }
inline __half __ull2half_rn(unsigned long long v) {
  return __half_raw{kiln_emu::encodeInteger<5, 10>(v)};
}
#endif
