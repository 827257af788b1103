// Matrix arithmetic on float16 weights held as they are stored (IEEE binary16 in uint16_t), so a
// float16 checkpoint takes half the memory of float32 and the decoder, whose speed is bounded by
// reading its weights once per token, reads half the bytes.
//
// On a CPU with AVX2, FMA and F16C (chosen at run time) the conversions are the vector
// instructions; elsewhere a portable loop gives the same values. Each call runs on the calling
// thread: a matrix-vector product is bounded by memory bandwidth, which one core nearly uses up
// here (measured: `reflexio bench whisper --float16`), and a second pool of threads spinning
// beside OpenBLAS's slowed both down two- to three-fold. Thread-safe: pure functions over
// caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace reflexio {

// The float16 nearest to `value` (ties to even; overflow to infinity).
uint16_t FloatToHalf(float value);

// out[i] = half[i] as float32, for `count` values.
void WidenHalves(const uint16_t* half, size_t count, float* out);

// y[out] = W[out][in] · x[in], W float16 row-major.
void HalfMatrixVector(const uint16_t* weight, int out, int in, const float* x, float* y);

}  // namespace reflexio
