/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-half.h"

#include <math.h>
#include <string.h>

uint16_t
vt_half_from_float (float value)
{
  uint32_t x;
  memcpy (&x, &value, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exponent = (x >> 23) & 0xffu;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent == 0xffu) /* inf or nan */
    return (uint16_t) (sign | 0x7c00u | (mantissa ? 0x200u : 0));
  int e = (int) exponent - 127 + 15;
  if (e >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (e <= 0)
    {
      if (e < -10)
        return (uint16_t) sign;
      mantissa |= 0x800000u;
      int shift = 14 - e;
      uint32_t half = mantissa >> shift;
      uint32_t rest = mantissa & ((1u << shift) - 1);
      uint32_t midpoint = 1u << (shift - 1);
      if (rest > midpoint || (rest == midpoint && (half & 1u)))
        half++;
      return (uint16_t) (sign | half);
    }
  uint32_t half = sign | ((uint32_t) e << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    half++; /* may carry into the exponent, which is the right rounding */
  return (uint16_t) half;
}

float
vt_half_to_float (uint16_t half)
{
  uint32_t sign = (uint32_t) (half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  uint32_t x;
  if (exponent == 0)
    {
      if (mantissa == 0)
        x = sign;
      else
        {
          float value = ldexpf ((float) mantissa, -24);
          return sign ? -value : value;
        }
    }
  else if (exponent == 31)
    x = sign | 0x7f800000u | (mantissa << 13);
  else
    x = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  float value;
  memcpy (&value, &x, sizeof value);
  return value;
}
