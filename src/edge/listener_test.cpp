// The listener's framing side with an input of the test's own (the PulseAudio path and the
// server are in tests/listener_test.cpp).
#include "edge/listener.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "core/http_client.h"
#include "core/test_support.h"
#include "crypto/keys.h"

namespace reflexio {
namespace {

const TimePoint kStarted = *ParseRfc3339("2026-12-07T08:00:00.000Z");

// Delivers `reads` buffers of a tone at the device's pace, then fails, as an unplugged device does.
class FailingInput : public AudioInput {
 public:
  explicit FailingInput(int reads) : reads_(reads) {}
  std::string Describe() const override { return "a test tone"; }
  Status Read(std::span<int16_t> samples) override {
    if (reads_-- <= 0) return Unavailable("the device went away");
    std::this_thread::sleep_for(std::chrono::microseconds(samples.size() * 1000000 / 16000));
    for (int16_t& sample : samples) sample = static_cast<int16_t>(8000 * std::sin(0.1 * static_cast<double>(n_++)));
    return Status::Ok();
  }
  TimePoint first_sample_at() const override { return kStarted; }

 private:
  int reads_;
  uint64_t n_ = 0;
};

TEST(ListenerTest, AStreamEndsWhenItsInputGoesAwayAndHoldsEverySampleItHeard) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  auto pieces = Spool::Open(dir / "spool", key, 1 << 20).value();
  auto frames = FrameSpool::Open(dir / "frames", key, 1 << 20).value();
  CurlHttpClient http;
  PieceUploader uploader(*pieces, http, {.server_url = "http://127.0.0.1:1", .api_key = "rfx_x"});
  FrameStreamer streamer(*frames, {.server_url = "http://127.0.0.1:1", .api_key = "rfx_x", .timeout_s = 1});
  int opened = 0;
  ListenerOptions options;
  options.streaming = {frames.get(), &streamer};
  Listener listener(
      [&opened]() -> Result<std::unique_ptr<AudioInput>> {
        if (opened++ > 0) return Unavailable("no such device");
        return std::unique_ptr<AudioInput>(std::make_unique<FailingInput>(100));  // 3 s of 30 ms reads
      },
      *pieces, uploader, options);
  listener.Start();
  std::optional<SpooledStream> stream;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!((stream = frames->Oldest()) && stream->ended) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(stream && stream->ended)
      << "the stream of an input gone for good ends (kInputGone), so the server is not kept waiting";
  EXPECT_EQ(stream->captured_at, kStarted);
  EXPECT_EQ(stream->end_seq, 150u) << "3 s of audio, every 20 ms frame of it";
  EXPECT_EQ(frames->Stats().streams, 1);
  EXPECT_FALSE(listener.CurrentStatus().capturing);
  EXPECT_EQ(listener.CurrentStatus().mode, "stream");
  listener.Stop();
  EXPECT_EQ(frames->Stats().frames, 150) << "no server: every frame stays spooled";
}

}  // namespace
}  // namespace reflexio
