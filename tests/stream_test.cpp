// Streaming ingest (GET /v1/stream, docs/streaming.md) against the real server: real speech comes
// back as partials and then finals; a stream dropped at every phase — and across a server crash —
// resumes with nothing lost and nothing stored twice; duplicate, out-of-order, garbage and
// oversized frames, bad auth, a client that does not read, an idle one and one that sends too
// fast are each answered as documented, with nothing half-stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "audio/decoder.h"
#include "audio/opus_frames.h"
#include "audio/pcm16.h"
#include "audio/vad.h"
#include "core/test_support.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "edge/frame_spool.h"
#include "edge/frame_streamer.h"
#include "server_harness.h"
#include "stream_client.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;
constexpr int kRate = 16000;
constexpr size_t kFrame = 320;  // 20 ms

std::vector<float> Speech(const std::string& name) {
  auto decoded = DecodeAudioFile((SpeechDir() / "16k" / (name + ".wav")).string());
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? decoded->samples : std::vector<float>{};
}

// A room's quiet, not digital zeros: the VAD takes the step from zeros to a recording's noise
// floor for a voice.
void AddQuiet(std::vector<float>& samples, double seconds) {
  uint32_t state = 12345;
  for (size_t i = 0; i < static_cast<size_t>(seconds * kRate); ++i) {
    state = state * 1664525u + 1013904223u;
    samples.push_back(0.0005f * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f));
  }
}

// Two utterances with a pause between them long enough to cut at, and quiet after.
std::vector<float> TwoUtterances() {
  std::vector<float> audio = Speech("1988-24833-0000");
  AddQuiet(audio, 3);
  auto second = Speech("1988-24833-0001");
  audio.insert(audio.end(), second.begin(), second.end());
  AddQuiet(audio, 3);
  return audio;
}

std::vector<std::string> OpusFrames(const std::vector<float>& audio) {
  auto encoder = OpusFrameEncoder::Create().value();
  std::vector<std::string> frames;
  for (size_t at = 0; at + kFrame <= audio.size(); at += kFrame) {
    frames.push_back(encoder->Encode(std::span<const float>(audio).subspan(at, kFrame)).value());
  }
  return frames;
}

// What the server hears of the frames.
std::vector<float> Heard(const std::vector<std::string>& frames) {
  auto decoder = OpusFrameDecoder::Create().value();
  std::vector<float> audio;
  for (const auto& frame : frames) {
    auto samples = decoder->Decode(frame, kFrame).value();
    audio.insert(audio.end(), samples.begin(), samples.end());
  }
  return audio;
}

std::string Pcm16(std::span<const float> samples) {
  std::string bytes;
  for (float x : samples) {
    auto v = static_cast<uint16_t>(ToPcm16(x));
    bytes.push_back(static_cast<char>(v & 0xff));
    bytes.push_back(static_cast<char>(v >> 8));
  }
  return bytes;
}

const TimePoint kCapturedAt = ParseRfc3339("2026-12-07T09:00:00Z").value();

json Start(const std::string& stream_id, const std::string& format = "opus") {
  return {{"type", "start"}, {"stream_id", stream_id}, {"format", format}, {"frame_ms", 20},
          {"captured_at", FormatRfc3339(kCapturedAt)}};
}

std::vector<json> OfType(const std::vector<json>& messages, const std::string& type) {
  std::vector<json> out;
  for (const auto& m : messages) {
    if (m.value("type", "") == type) out.push_back(m);
  }
  return out;
}

// Reads until a message of `type` (true) or the end of the connection (false, said why); keeps
// what it read.
bool ReadUntil(StreamClient& client, const std::string& type, std::vector<json>& seen) {
  while (true) {
    auto event = client.Next(std::chrono::seconds(60));
    if (event.kind != StreamClient::Event::kMessage) {
      ADD_FAILURE() << "no '" << type << "' came: the connection ended (" << event.kind << ", " << event.close_code
                    << " " << event.close_reason << ")";
      return false;
    }
    seen.push_back(event.message);
    if (event.message.value("type", "") == type) return true;
  }
}

// Connects, starts, and answers the ready message's resume point.
int64_t Begin(StreamClient& client, const std::string& stream_id, std::vector<json>& seen,
              const std::string& format = "opus") {
  EXPECT_EQ(client.upgrade_status(), 101) << client.refusal_body();
  client.SendJson(Start(stream_id, format));
  if (!ReadUntil(client, "ready", seen)) return -1;
  return seen.back()["resume_from_seq"].get<int64_t>();
}

struct Interval {
  double start_s, end_s;  // from the stream's first sample
};

// The pieces a tenant holds, from the recordings the server lists (not from the messages, which
// a dropped connection may have lost), once every one is transcribed.
std::vector<Interval> StoredPieces(const Client& client) {
  std::vector<Interval> pieces;
  json items = client.GetJson("/v1/recordings?limit=200")["items"];
  for (const auto& item : items) {
    json r = client.WaitForRecording(item["id"]);
    EXPECT_EQ(r["status"], "transcribed") << r.dump();
    double start = ToUnixSeconds(ParseRfc3339(r["captured_at"].get<std::string>()).value()) - ToUnixSeconds(kCapturedAt);
    pieces.push_back({start, start + r["duration_seconds"].get<double>()});
  }
  std::sort(pieces.begin(), pieces.end(), [](const Interval& a, const Interval& b) { return a.start_s < b.start_s; });
  return pieces;
}

// Nothing twice: no two pieces share a moment. Nothing lost: every stretch of speech the VAD
// finds in all the audio the server heard lies inside a piece.
void ExpectEverySpeechOnceIn(const std::vector<Interval>& pieces, const std::vector<float>& audio) {
  ASSERT_FALSE(pieces.empty());
  std::ostringstream listed;
  for (const Interval& p : pieces) listed << " [" << p.start_s << ", " << p.end_s << "]";
  SCOPED_TRACE("stored pieces (s):" + listed.str());
  for (size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_LE(pieces[i - 1].end_s, pieces[i].start_s + 0.002)
        << "pieces " << i - 1 << " and " << i << " overlap: the same audio was stored twice";
  }
  auto vad = MakeVad("webrtc").value();
  SpeechMap speech = FindSpeech(audio, *vad, {.padding_s = 0}).value();
  ASSERT_FALSE(speech.regions.empty());
  for (const TimeSpan& region : speech.regions) {
    double covered = 0;
    for (const Interval& p : pieces) {
      covered += std::max(0.0, std::min(p.end_s, region.end_s) - std::max(p.start_s, region.start_s));
    }
    EXPECT_GE(covered, region.Length() - 0.1) << "speech at " << region.start_s << "–" << region.end_s
                                              << " s is not (all) in a stored piece: it was lost";
  }
}

// The frames from `from` to the end, then end; answers what came back until the close.
std::vector<json> SendRestAndEnd(StreamClient& client, const std::vector<std::string>& frames, int64_t from,
                                 StreamClient::Event& end) {
  for (size_t seq = static_cast<size_t>(std::max<int64_t>(from, 0)); seq < frames.size(); ++seq) {
    EXPECT_TRUE(client.SendFrame(seq, frames[seq])) << "frame " << seq;
  }
  client.SendJson({{"type", "end"}});
  return client.ReadUntilClosed(end);
}

// A resumed stream to its end: the frames from `resume` on, then the end message; it closes
// normally, and every stretch of speech sent is stored once.
void FinishAndExpectEverySpeechOnce(StreamClient& stream, const std::vector<std::string>& frames, int64_t resume,
                                    const Client& client) {
  StreamClient::Event end;
  SendRestAndEnd(stream, frames, resume, end);
  EXPECT_EQ(end.close_code, 1000) << end.close_reason;
  ExpectEverySpeechOnceIn(StoredPieces(client), Heard(frames));
}

TEST(Stream, RealSpeechComesBackAsPartialsWhileSaidAndFinalsOnceStored) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  std::vector<float> audio = TwoUtterances();
  std::vector<std::string> frames = OpusFrames(audio);
  StreamClient stream(server.base_url(), key);
  std::vector<json> seen;
  ASSERT_EQ(Begin(stream, "laptop-kitchen-1", seen), 0) << "a new stream starts at frame 0";
  StreamClient::Event end;
  std::vector<json> rest = SendRestAndEnd(stream, frames, 0, end);
  seen.insert(seen.end(), rest.begin(), rest.end());
  ASSERT_EQ(end.kind, StreamClient::Event::kClosed) << end.close_reason;
  EXPECT_EQ(end.close_code, 1000) << end.close_reason;

  auto partials = OfType(seen, "partial"), stored = OfType(seen, "stored"), finals = OfType(seen, "final");
  auto acks = OfType(seen, "ack");
  ASSERT_EQ(stored.size(), 2u) << "two utterances, cut at the pause between them";
  ASSERT_FALSE(partials.empty()) << "partial transcripts while the speech was being said";
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back()["through_seq"], frames.size() - 1) << "after the end every frame is accounted for";
  // Partials of a piece come before it is stored.
  auto index_of = [&](const json& m) { return std::find(seen.begin(), seen.end(), m) - seen.begin(); };
  EXPECT_LT(index_of(partials.front()), index_of(stored.front()));
  std::string heard;
  for (const auto& p : partials) heard += " " + p["text"].get<std::string>();
  EXPECT_NE(heard.find_first_not_of(' '), std::string::npos) << "partials carry words";

  ASSERT_EQ(finals.size(), stored.size()) << "one final per stored piece";
  Client client(server.base_url(), key);
  auto refs = References();
  for (size_t i = 0; i < stored.size(); ++i) {
    std::string id = stored[i]["recording_id"];
    json final_message;
    for (const auto& f : finals) {
      if (f["recording_id"] == id) final_message = f;
    }
    ASSERT_FALSE(final_message.is_null()) << "no final for " << id;
    EXPECT_EQ(final_message["status"], "transcribed");
    EXPECT_FALSE(final_message["segments"].empty());
    // The final is what the server stored; its capture time is the stream's clock, not arrival.
    json transcript = client.GetJson("/v1/recordings/" + id + "/transcript");
    std::string stored_text;
    for (const auto& s : transcript["segments"]) stored_text += (stored_text.empty() ? "" : " ") + s["text"].get<std::string>();
    EXPECT_EQ(final_message["text"], stored_text);
    json recording = client.GetJson("/v1/recordings/" + id);
    EXPECT_EQ(recording["captured_at"], stored[i]["captured_at"]);
    double offset = ToUnixSeconds(ParseRfc3339(recording["captured_at"].get<std::string>()).value()) - ToUnixSeconds(kCapturedAt);
    EXPECT_NEAR(offset, stored[i]["first_seq"].get<double>() * 0.02, 0.021);
    // Real words of the reference come back.
    std::string reference = " " + refs[i == 0 ? "1988-24833-0000.flac" : "1988-24833-0001.flac"] + " ";
    std::istringstream words(stored_text);
    int shared = 0;
    for (std::string w; words >> w;) shared += reference.find(" " + w + " ") != std::string::npos;
    EXPECT_GE(shared, 2) << "final: " << stored_text << "\nreference: " << reference;
  }
  ExpectEverySpeechOnceIn(StoredPieces(client), Heard(frames));
}

// A stream dropped at `phase` — then resumed on a new connection — keeps every piece of speech
// once. Each phase streams as its own tenant, so its recordings are its pieces.
TEST(Stream, ADroppedStreamResumesAtEveryPhaseWithNothingLostOrTwice) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::vector<float> audio = TwoUtterances();
  std::vector<std::string> frames = OpusFrames(audio);
  const size_t mid_first = static_cast<size_t>(1.5 * kRate / kFrame);  // inside the first utterance
  for (std::string phase : {"before-ready", "mid-speech", "after-stored-before-ack", "replaced"}) {
    SCOPED_TRACE(phase);
    std::string key = server.CreateKey("tenant-" + phase);
    std::string id = "stream-" + phase;
    std::vector<json> seen;
    auto first = std::make_unique<StreamClient>(server.base_url(), key);
    if (phase == "before-ready") {
      first->SendJson(Start(id));
      first->Drop();
    } else {
      ASSERT_EQ(Begin(*first, id, seen), 0);
      size_t until = phase == "mid-speech" ? mid_first : frames.size() - static_cast<size_t>(1.0 * kRate / kFrame);
      for (size_t seq = 0; seq < until; ++seq) ASSERT_TRUE(first->SendFrame(seq, frames[seq]));
      if (phase == "after-stored-before-ack") {
        ASSERT_TRUE(ReadUntil(*first, "stored", seen));
      }
      if (phase != "replaced") first->Drop();
    }
    StreamClient second(server.base_url(), key);
    int64_t resume = Begin(second, id, seen);
    ASSERT_GE(resume, 0);
    if (phase == "replaced") {
      StreamClient::Event replaced;
      first->ReadUntilClosed(replaced);
      EXPECT_EQ(replaced.close_code, 4409) << "the older connection hands over: " << replaced.close_reason;
    }
    if (phase == "after-stored-before-ack") {
      EXPECT_GT(resume, static_cast<int64_t>(mid_first)) << "the stored piece is not asked for again";
    }
    FinishAndExpectEverySpeechOnce(second, frames, resume, Client(server.base_url(), key));
  }
}

// A connection dropped right after its start can have that start read after its successor's:
// the connection opened later keeps the stream, whatever order the starts arrive in.
TEST(Stream, AStartReadLateFromAnOlderConnectionDoesNotTakeTheStreamOver) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  std::vector<std::string> frames = OpusFrames(TwoUtterances());
  StreamClient older(server.base_url(), key);
  StreamClient newer(server.base_url(), key);
  std::vector<json> seen;
  ASSERT_EQ(Begin(newer, "kitchen-listener", seen), 0);
  older.SendJson(Start("kitchen-listener"));
  StreamClient::Event refused;
  older.ReadUntilClosed(refused);
  EXPECT_EQ(refused.close_code, 4409) << refused.close_reason;
  EXPECT_NE(refused.close_reason.find("newer connection"), std::string::npos) << refused.close_reason;
  FinishAndExpectEverySpeechOnce(newer, frames, 0, Client(server.base_url(), key));
}

// The listener's streaming side (edge/frame_streamer.h) against the server: a spooled stream whose
// oldest frames the spool's bound dropped reaches the server from its first frame held, and
// leaves the spool once whole there; with no server, everything stays spooled.
TEST(Stream, AListenersSpooledStreamArrivesFromItsFirstHeldFrameAndThenLeavesTheSpool) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  std::vector<std::string> frames = OpusFrames(TwoUtterances());
  auto spool_all = [&](const std::filesystem::path& at, uint64_t bound) {
    auto spool = FrameSpool::Open(at, NewDataKey(), bound).value();
    EXPECT_TRUE(spool->BeginStream(kCapturedAt).ok());
    for (const std::string& frame : frames) EXPECT_TRUE(spool->Append(frame).ok());
    EXPECT_TRUE(spool->EndStream().ok());
    return spool;
  };
  uint64_t whole = spool_all(dir / "measure", uint64_t{1} << 30)->Stats().bytes;
  auto spool = spool_all(dir / "frames", whole * 6 / 10);
  FrameSpoolStats held = spool->Stats();
  ASSERT_GT(held.frames_dropped, 0);
  auto never = [] { return false; };

  FrameStreamer nowhere(*spool, {.server_url = "http://127.0.0.1:1", .api_key = key, .timeout_s = 5});
  StreamOutcome refused = nowhere.StreamOldest(never);
  EXPECT_EQ(refused.kind, StreamOutcome::kInterrupted);
  EXPECT_GT(refused.retry_in_s, 0);
  EXPECT_NE(refused.error.find("cannot connect"), std::string::npos) << refused.error;
  EXPECT_EQ(spool->Stats().frames, held.frames) << "nothing leaves the spool unacknowledged";

  FrameStreamer streamer(*spool, {.server_url = server.base_url(), .api_key = key});
  StreamOutcome outcome = streamer.StreamOldest(never);
  EXPECT_EQ(outcome.kind, StreamOutcome::kFinished) << outcome.error;
  EXPECT_EQ(outcome.frames_sent, held.frames);
  EXPECT_EQ(spool->Stats().streams, 0) << "whole at the server, gone from the spool";
  EXPECT_EQ(streamer.StreamOldest(never).kind, StreamOutcome::kIdle);
  EXPECT_GE(streamer.pieces_stored(), 1);

  std::vector<float> sent = Heard(frames);
  std::fill(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(held.frames_dropped * kFrame), 0.0f);
  std::vector<Interval> pieces = StoredPieces(Client(server.base_url(), key));
  ASSERT_FALSE(pieces.empty());
  EXPECT_GE(pieces.front().start_s, static_cast<double>(held.frames_dropped) * 0.02 - 0.001)
      << "nothing from the dropped frames";
  EXPECT_EQ(static_cast<int64_t>(pieces.size()), streamer.pieces_stored());
  ExpectEverySpeechOnceIn(pieces, sent);
}

TEST(Stream, AStreamResumesAfterTheServerIsKilledMidStreamFromItsStoredPieces) {
  TempDir dir;
  std::vector<float> audio = TwoUtterances();
  std::vector<std::string> frames = OpusFrames(audio);
  std::string key;
  int64_t sent = 0;
  {
    ServerProcess server(dir / "data");
    key = server.first_run_key();
    StreamClient stream(server.base_url(), key);
    std::vector<json> seen;
    ASSERT_EQ(Begin(stream, "always-on-box", seen), 0);
    // Through the first utterance and into the second; the first piece is stored, then the crash.
    sent = static_cast<int64_t>(frames.size()) - static_cast<int64_t>(4.0 * kRate / kFrame);
    for (int64_t seq = 0; seq < sent; ++seq) ASSERT_TRUE(stream.SendFrame(seq, frames[seq]));
    ASSERT_TRUE(ReadUntil(stream, "stored", seen));
    server.Kill();
  }
  ServerProcess restarted(dir / "data");
  StreamClient stream(restarted.base_url(), key);
  std::vector<json> seen;
  int64_t resume = Begin(stream, "always-on-box", seen);
  EXPECT_GT(resume, 0) << "the restarted server finds the stored piece by its key";
  EXPECT_LT(resume, sent);
  FinishAndExpectEverySpeechOnce(stream, frames, resume, Client(restarted.base_url(), key));
}

TEST(Stream, DuplicateFramesAreIgnoredAndAGapClosesWith4400LeavingNothingHalfStored) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  std::vector<float> audio = TwoUtterances();
  std::vector<std::string> frames = OpusFrames(audio);
  StreamClient stream(server.base_url(), key);
  std::vector<json> seen;
  ASSERT_EQ(Begin(stream, "dup-and-gap", seen), 0);
  for (size_t seq = 0; seq < 100; ++seq) ASSERT_TRUE(stream.SendFrame(seq, frames[seq]));
  for (size_t seq = 40; seq < 60; ++seq) ASSERT_TRUE(stream.SendFrame(seq, frames[seq]));  // again
  for (size_t seq = 100; seq < 150; ++seq) ASSERT_TRUE(stream.SendFrame(seq, frames[seq]));
  stream.SendFrame(151, frames[151]);  // 150 never came
  StreamClient::Event closed;
  stream.ReadUntilClosed(closed);
  EXPECT_EQ(closed.close_code, 4400);
  EXPECT_NE(closed.close_reason.find("frame 151 came where 150 was due"), std::string::npos) << closed.close_reason;
  Client client(server.base_url(), key);
  EXPECT_TRUE(client.GetJson("/v1/recordings")["items"].empty()) << "speech held when it closed is not stored";

  StreamClient again(server.base_url(), key);
  int64_t resume = Begin(again, "dup-and-gap", seen);
  EXPECT_LE(resume, 150);
  FinishAndExpectEverySpeechOnce(again, frames, resume, client);
}

TEST(Stream, GarbageAndOversizedMessagesGetTheirCloseCodesAndStoreNothing) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  auto frame = Pcm16(std::vector<float>(kFrame, 0.1f));
  struct Case {
    std::string name;
    std::function<void(StreamClient&)> send;
    int code;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"a frame before start", [&](StreamClient& s) { s.SendFrame(0, frame); }, 4400, "before the start"},
      {"not JSON", [](StreamClient& s) { s.SendText("hello there"); }, 4400, "JSON object"},
      {"an unknown type", [](StreamClient& s) { s.SendJson({{"type", "dance"}}); }, 4400, "unknown message type"},
      {"end before start", [](StreamClient& s) { s.SendJson({{"type", "end"}}); }, 4400, "out of turn"},
      {"a bad format", [](StreamClient& s) { s.SendJson(Start("garbage-1", "mp3")); }, 4400, "format"},
      {"a short stream id", [](StreamClient& s) { s.SendJson(Start("x")); }, 4400, "stream_id"},
      {"a PCM frame of the wrong size",
       [&](StreamClient& s) {
         s.SendJson(Start("garbage-2", "pcm16"));
         s.SendFrame(0, frame.substr(0, 100));
       },
       4400, "is 640 bytes, not 100"},
      {"a frame that is not Opus",
       [](StreamClient& s) {
         s.SendJson(Start("garbage-3", "opus"));
         s.SendFrame(0, "");
       },
       4400, "not an Opus packet"},
      {"a frame without its sequence number",
       [](StreamClient& s) {
         s.SendJson(Start("garbage-4", "pcm16"));
         s.SendBinary("abc");
       },
       4400, "8-byte sequence number"},
      {"an oversized message", [](StreamClient& s) { s.SendFrameHeaderOnly(70 * 1024); }, 1009, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StreamClient stream(server.base_url(), key);
    ASSERT_EQ(stream.upgrade_status(), 101);
    c.send(stream);
    StreamClient::Event closed;
    stream.ReadUntilClosed(closed, std::chrono::seconds(20));
    ASSERT_EQ(closed.kind, StreamClient::Event::kClosed) << closed.close_reason;
    EXPECT_EQ(closed.close_code, c.code);
    EXPECT_NE(closed.close_reason.find(c.reason), std::string::npos) << closed.close_reason;
  }
  EXPECT_TRUE(Client(server.base_url(), key).GetJson("/v1/recordings")["items"].empty());
}

TEST(Stream, BadAuthAndPlainRequestsAreRefusedBeforeTheUpgrade) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  const std::vector<std::pair<std::string, std::string>> upgrade = {
      {"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  HttpResponse without = Client(server.base_url(), "").Get("/v1/stream", upgrade);
  EXPECT_EQ(without.status, 401);
  EXPECT_EQ(json::parse(without.body)["error"]["code"], "missing_api_key");
  HttpResponse wrong = Client(server.base_url(), "rfx_not-a-key").Get("/v1/stream", upgrade);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  StreamClient refused(server.base_url(), "rfx_not-a-key");
  EXPECT_NE(refused.upgrade_status(), 101);
  EXPECT_FALSE(refused.SendJson(Start("never-started"))) << "no WebSocket without a key";
  // Not an upgrade: a JSON error that says what to send.
  HttpResponse plain = Client(server.base_url(), key).Get("/v1/stream");
  EXPECT_EQ(plain.status, 426);
  EXPECT_EQ(json::parse(plain.body)["error"]["code"], "upgrade_required");
  StreamClient right(server.base_url(), key);
  EXPECT_EQ(right.upgrade_status(), 101);
}

// A browser opens a WebSocket to any site with its cookies: a cookie opens one only from a page
// of this server.
TEST(Stream, ABrowsersCookieOpensAStreamOnlyFromAPageOfThisServer) {
  TempDir dir;
  ServerProcess server(dir / "data");
  HttpRequest sign_in;
  sign_in.method = "POST";
  sign_in.url = "/v1/session";
  sign_in.body = json{{"api_key", server.first_run_key()}}.dump();
  sign_in.headers = {{"Content-Type", "application/json"}};
  HttpResponse signed_in = Client(server.base_url(), "").Send(sign_in);
  ASSERT_EQ(signed_in.status, 201) << signed_in.body;
  auto found = signed_in.headers.find("set-cookie");
  std::string set_cookie = found == signed_in.headers.end() ? "" : found->second;
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  ASSERT_FALSE(cookie.empty());
  std::string host = server.base_url().substr(server.base_url().find("//") + 2);
  const std::vector<std::pair<std::string, std::string>> upgrade = {
      {"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Cookie", cookie}};
  auto with_origin = [&](const std::string& origin) {
    auto headers = upgrade;
    if (!origin.empty()) headers.emplace_back("Origin", origin);
    return Client(server.base_url(), "").Get("/v1/stream", headers);
  };
  HttpResponse elsewhere = with_origin("https://evil.example");
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_EQ(json::parse(elsewhere.body)["error"]["code"], "cross_origin");
  EXPECT_EQ(with_origin("").status, 403) << "no Origin: not a page of this server";
  StreamClient same_page(server.base_url(), {{"Cookie", cookie}, {"Origin", "http://" + host}});
  EXPECT_EQ(same_page.upgrade_status(), 101) << same_page.refusal_body();

  // The server stops cleanly under a stream in the middle of speech.
  std::vector<json> seen;
  ASSERT_EQ(Begin(same_page, "browser-tab-1", seen), 0);
  std::vector<std::string> frames = OpusFrames(Speech("1988-24833-0001"));
  for (size_t seq = 0; seq < frames.size() / 2; ++seq) ASSERT_TRUE(same_page.SendFrame(seq, frames[seq]));
  EXPECT_EQ(server.Stop(), 0) << LogTail(server.stderr_text());
}

TEST(Stream, AClientThatDoesNotReadIsClosedWith4429AndAnIdleOneWith4408) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_STREAM_PONG_TIMEOUT_S", "1"}, {"REFLEXIO_STREAM_IDLE_TIMEOUT_S", "2"}});
  std::string key = server.first_run_key();
  auto quiet = Pcm16(std::vector<float>(kFrame, 0.0f));

  StreamClient idle(server.base_url(), key);
  std::vector<json> seen;
  ASSERT_EQ(Begin(idle, "idle-stream", seen), 0);
  StreamClient::Event closed;
  idle.ReadUntilClosed(closed, std::chrono::seconds(20));  // reading answers the pings
  EXPECT_EQ(closed.close_code, 4408) << closed.close_reason;

  StreamClient deaf(server.base_url(), key);
  deaf.SendJson(Start("deaf-stream", "pcm16"));
  // Real time for 3 s, never reading: its pings go unanswered.
  for (uint64_t seq = 0; seq < 150; ++seq) {
    if (!deaf.SendFrame(seq, quiet)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<json> got = deaf.ReadUntilClosed(closed, std::chrono::seconds(20));
  ASSERT_EQ(closed.kind, StreamClient::Event::kClosed) << closed.close_reason;
  EXPECT_EQ(closed.close_code, 4429) << closed.close_reason;
  EXPECT_NE(closed.close_reason.find("does not read"), std::string::npos);
  EXPECT_FALSE(OfType(got, "ready").empty());
}

TEST(Stream, AClientSendingFasterThanRealTimeIsSlowedAfterItsBurst) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_STREAM_BURST_S", "2"}});
  std::string key = server.first_run_key();
  std::vector<float> audio = Speech("1988-24833-0000");
  AddQuiet(audio, std::max(0.0, 12.0 - static_cast<double>(audio.size()) / kRate));
  StreamClient stream(server.base_url(), key);
  std::vector<json> seen;
  ASSERT_EQ(Begin(stream, "too-fast", seen, "pcm16"), 0);
  auto started = std::chrono::steady_clock::now();
  size_t frames = audio.size() / kFrame;
  for (size_t seq = 0; seq < frames; ++seq) {
    ASSERT_TRUE(stream.SendFrame(seq, Pcm16(std::span<const float>(audio).subspan(seq * kFrame, kFrame))));
  }
  stream.SendJson({{"type", "end"}});
  // The frames fit in the sockets' buffers, so the client's writes return at once; the server
  // reads them at its pace, so the acknowledgement of the last one comes when the pace allows
  // (and before the transcripts, which the close waits for).
  StreamClient::Event end;
  double took = -1;
  std::vector<json> rest;
  while ((end = stream.Next()).kind == StreamClient::Event::kMessage) {
    rest.push_back(end.message);
    if (end.message.value("type", "") == "ack" && end.message["through_seq"] == frames - 1) {
      took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
  }
  // 12 s of audio, 2 s of burst, then twice real time: no less than 5 s, whatever the machine.
  EXPECT_GE(took, 4.5) << "the server did not slow a client 10 s ahead of real time";
  EXPECT_EQ(end.close_code, 1000) << end.close_reason;
  EXPECT_EQ(OfType(rest, "stored").size(), 1u) << "slowed, not refused: the speech is stored";
}

}  // namespace
}  // namespace reflexio::testing
