//===- kiln_small_floats.h - f16 and bf16 for the CPU emulation -*- C++ -*-===//
//
// Exact conversions (round to nearest, ties to even, subnormals, overflow to
// infinity) between double and a binary format of EXP exponent bits and MANT
// mantissa bits, for the emulation's cuda_fp16.h and cuda_bf16.h.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_SMALL_FLOATS_H
#define KILN_SMALL_FLOATS_H

#include <cfenv>
#include <cmath>
#include <cstdint>

namespace kiln_emu {

template <int EXP, int MANT> inline uint16_t encodeFloat(double x) {
  const int bias = (1 << (EXP - 1)) - 1;
  const uint16_t infinity = static_cast<uint16_t>(((1 << EXP) - 1) << MANT);
  uint16_t sign = std::signbit(x) ? static_cast<uint16_t>(1u << (EXP + MANT)) : 0;
  if (std::isnan(x))
    return static_cast<uint16_t>(infinity | (1u << (MANT - 1)));
  double a = std::fabs(x);
  if (std::isinf(a))
    return sign | infinity;
  if (a == 0.0)
    return sign;
  int e;
  std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
  int exponent = e - 1;
  if (exponent < 1 - bias) // subnormal: multiples of 2^(1 - bias - MANT)
    exponent = 1 - bias;
  // The significand scaled to an integer of MANT + 1 bits, rounded to even.
  double scaled = std::ldexp(a, MANT - exponent);
  double rounded = std::nearbyint(scaled);
  if (rounded >= std::ldexp(1.0, MANT + 1)) {
    rounded /= 2;
    ++exponent;
  }
  if (exponent + bias >= (1 << EXP) - 1)
    return sign | infinity;
  uint32_t mantissa = static_cast<uint32_t>(rounded);
  if (mantissa < (1u << MANT)) // subnormal (or rounded up to the least normal)
    return sign | static_cast<uint16_t>(mantissa);
  return sign | static_cast<uint16_t>(((exponent + bias) << MANT) | (mantissa - (1u << MANT)));
}

template <int EXP, int MANT> inline double decodeFloat(uint16_t bits) {
  const int bias = (1 << (EXP - 1)) - 1;
  bool negative = bits >> (EXP + MANT);
  int exponent = (bits >> MANT) & ((1 << EXP) - 1);
  uint32_t mantissa = bits & ((1u << MANT) - 1);
  double value;
  if (exponent == (1 << EXP) - 1)
    value = mantissa ? NAN : INFINITY;
  else if (exponent == 0)
    value = std::ldexp(static_cast<double>(mantissa), 1 - bias - MANT);
  else
    value = std::ldexp(static_cast<double>(mantissa | (1u << MANT)), exponent - bias - MANT);
  return negative ? -value : value;
}

/// An integer rounded once to the format (through a double only when exact).
template <int EXP, int MANT, typename Int> inline uint16_t encodeInteger(Int v) {
  // Values of up to 53 bits convert to double exactly; larger ones are far
  // beyond these formats' precision, where the double's rounding cannot move
  // the result across a tie of 8- or 11-bit significands.
  return encodeFloat<EXP, MANT>(static_cast<double>(v));
}

} // namespace kiln_emu

#endif // KILN_SMALL_FLOATS_H
