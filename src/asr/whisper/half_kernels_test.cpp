// The float16 kernels against plain float arithmetic, on sizes that leave vector tails.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "asr/whisper/half_kernels.h"
#include "asr/whisper/safetensors.h"

namespace reflexio {
namespace {

TEST(FloatToHalf, RoundsToTheNearestHalfAndSaturatesToInfinity) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF) << "the largest half";
  EXPECT_EQ(FloatToHalf(1e6f), 0x7C00) << "beyond it: infinity";
  EXPECT_EQ(FloatToHalf(0.1f), 0x2E66);
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3C00) << "a tie goes to the even neighbour";
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int i = 0; i < 1000; ++i) {
    float x = normal(rng);
    EXPECT_NEAR(HalfToFloat(FloatToHalf(x)), x, std::fabs(x) / 2048 + 1e-7) << x;
  }
}

std::vector<uint16_t> RandomHalves(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  std::vector<uint16_t> halves(n);
  for (auto& h : halves) h = FloatToHalf(normal(rng));
  return halves;
}

TEST(WidenHalves, GivesEveryValueExactly) {
  std::vector<uint16_t> halves = RandomHalves(200003, 5);  // several blocks and a tail
  halves[7] = 0x0001;   // the smallest subnormal
  halves[8] = 0x7C00;   // infinity
  std::vector<float> wide(halves.size());
  WidenHalves(halves.data(), halves.size(), wide.data());
  for (size_t i = 0; i < halves.size(); ++i) ASSERT_EQ(wide[i], HalfToFloat(halves[i])) << i;
}

TEST(HalfMatrixVector, MatchesTheProductOfTheWidenedMatrix) {
  for (auto [out, in] : {std::pair{37, 300}, std::pair{513, 1031}, std::pair{3, 5}}) {
    std::vector<uint16_t> w = RandomHalves(static_cast<size_t>(out) * in, out);
    std::vector<float> x(in);
    std::mt19937 rng(in);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : x) v = normal(rng);
    std::vector<float> y(out);
    HalfMatrixVector(w.data(), out, in, x.data(), y.data());
    for (int r = 0; r < out; ++r) {
      double expected = 0, magnitude = 0;
      for (int i = 0; i < in; ++i) {
        double term = static_cast<double>(HalfToFloat(w[static_cast<size_t>(r) * in + i])) * x[i];
        expected += term;
        magnitude += std::fabs(term);
      }
      ASSERT_NEAR(y[r], expected, 1e-5 * magnitude + 1e-6) << out << "×" << in << " row " << r;
    }
  }
}

}  // namespace
}  // namespace reflexio
