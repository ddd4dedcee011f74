//===- cuda_bf16.h - __nv_bfloat16 for the CPU emulation -------*- C++ -*-===//
#ifndef KILN_EMU_CUDA_BF16_H
#define KILN_EMU_CUDA_BF16_H
#include "kiln_small_floats.h"

struct __nv_bfloat16_raw {
  unsigned short x;
};
struct __nv_bfloat16 {
  unsigned short x;
  __nv_bfloat16() = default;
  constexpr __nv_bfloat16(__nv_bfloat16_raw raw) : x(raw.x) {}
};
inline float __bfloat162float(__nv_bfloat16 h) {
  return static_cast<float>(kiln_emu::decodeFloat<8, 7>(h.x));
}
inline __nv_bfloat16 __double2bfloat16(double x) {
  return __nv_bfloat16_raw{kiln_emu::encodeFloat<8, 7>(x)};
}
inline __nv_bfloat16 __float2bfloat16_rn(float x) { return __double2bfloat16(x); }
inline __nv_bfloat16 __ll2bfloat16_rn(long long v) {
  return __nv_bfloat16_raw{kiln_emu::encodeInteger<8, 7>(v)};
}
inline __nv_bfloat16 __ull2bfloat16_rn(unsigned long long v) {
  return __nv_bfloat16_raw{kiln_emu::encodeInteger<8, 7>(v)};
}
#endif
