#include "asr/whisper/half_kernels.h"

#include <immintrin.h>

#include <bit>

#include "asr/whisper/safetensors.h"

namespace reflexio {

namespace {

bool HasHalfVectors() {
  static const bool supported =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return supported;
}

__attribute__((target("avx2,fma,f16c"))) void WidenVector(const uint16_t* half, size_t count, float* out) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(half + i))));
  }
  for (; i < count; ++i) out[i] = _cvtsh_ss(half[i]);
}

__attribute__((target("avx2,fma,f16c"))) inline __m256 Half8(const uint16_t* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}

__attribute__((target("avx2,fma,f16c"))) float DotVector(const uint16_t* w, const float* x, int n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(Half8(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(Half8(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Half8(w + i + 16), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Half8(w + i + 24), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Half8(w + i), _mm256_loadu_ps(x + i), acc0);
  __m256 acc = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
  __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  sum4 = _mm_add_ss(sum4, _mm_shuffle_ps(sum4, sum4, 1));
  float sum = _mm_cvtss_f32(sum4);
  for (; i < n; ++i) sum += _cvtsh_ss(w[i]) * x[i];
  return sum;
}

float DotPortable(const uint16_t* w, const float* x, int n) {
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += HalfToFloat(w[i]) * x[i];
  return sum;
}

}  // namespace

uint16_t FloatToHalf(float value) { return std::bit_cast<uint16_t>(static_cast<_Float16>(value)); }

void WidenHalves(const uint16_t* half, size_t count, float* out) {
  if (HasHalfVectors()) {
    WidenVector(half, count, out);
  } else {
    for (size_t i = 0; i < count; ++i) out[i] = HalfToFloat(half[i]);
  }
}

void HalfMatrixVector(const uint16_t* weight, int out, int in, const float* x, float* y) {
  const bool vector = HasHalfVectors();
  for (int r = 0; r < out; ++r) {
    const uint16_t* row = weight + static_cast<size_t>(r) * in;
    y[r] = vector ? DotVector(row, x, in) : DotPortable(row, x, in);
  }
}

}  // namespace reflexio
