// No plaintext audio ever touches the disk. A server under a PlaintextWatch takes uploads of every
// accepted format — one chunked, one refused as too large while it streams, one truncated, one
// replayed by its Idempotency-Key — is killed with SIGKILL with an upload half sent and jobs
// running, restarts and finishes the work, serves a clip; nothing written in its data directory
// or its TMPDIR meanwhile holds a byte sequence of an upload or of its decoded samples, or an
// audio container's signature. Runs on SQLite and, in server_test_on_postgres, on PostgreSQL.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include "audio/decoder.h"
#include "plaintext_watch.h"
#include "server_harness.h"

namespace reflexio {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Client;
using testing::PlaintextWatch;
using testing::SecretBytes;
using testing::ServerProcess;
using testing::SpeechDir;
using testing::TempDir;

class PlaintextWatchTest : public ::testing::TestWithParam<PlaintextWatch::Watcher> {};

TEST_P(PlaintextWatchTest, CatchesAudioWrittenAndRemovedAtOnceAndNotRandomBytes) {
  TempDir dir;
  std::string wav = testing::ReadFileBytes((SpeechDir() / "16k/1988-24833-0000.wav").string());
  SecretBytes secrets;
  secrets.Add("the wav", wav);
  ASSERT_GT(secrets.windows(), 1000u);
  PlaintextWatch watch({dir.path()}, secrets, GetParam());
  std::cout << "[ measured ] watching with " << (watch.sees_every_file() ? "fanotify" : "inotify") << "\n";
  {
    std::ofstream scratch(dir / "scratch", std::ios::binary);
    scratch << wav.substr(50000, 50) << std::flush;  // a slice, no header, in two writes
    // Without fanotify a file must live a moment to be seen; with it, not even that.
    if (!watch.sees_every_file()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scratch << wav.substr(50050, 50);
  }
  fs::remove(dir / "scratch");
  fs::create_directories(dir.path() / "new/deeper");
  std::ofstream(dir / "new/deeper/page", std::ios::binary) << std::string("xxOggS\0\x02", 8);
  std::string noise(4 << 20, '\0');
  std::mt19937_64 random(7);
  for (char& c : noise) c = static_cast<char>(random());
  std::ofstream(dir / "noise", std::ios::binary) << noise;
  PlaintextWatch::Report report = watch.Stop();
  EXPECT_EQ(report.files_seen, 3u);
  ASSERT_EQ(report.findings.size(), 2u) << ::testing::PrintToString(report.findings);
  std::string all = report.findings[0] + "\n" + report.findings[1];
  EXPECT_NE(all.find("scratch: the wav (its byte 50"), std::string::npos) << all;
  EXPECT_NE(all.find("page: Ogg signature"), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(Watchers, PlaintextWatchTest,
                         ::testing::Values(PlaintextWatch::Watcher::kBest, PlaintextWatch::Watcher::kInotifyOnly),
                         [](const auto& info) { return info.index == 0 ? "Best" : "InotifyOnly"; });

std::string Float32Bytes(const std::vector<float>& samples) {
  return std::string(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(float));
}

TEST(NoPlaintextOnDisk, UploadsJobsAndCrashesLeaveOnlySealedBytes) {
  TempDir made;  // encodings made with the ffmpeg CLI, outside what is watched
  std::string lj = (SpeechDir() / "16k/1988-24833-0001.wav").string();
  for (auto [name, args] : {std::pair{"lj.webm", "-c:a libopus -b:a 32k -f webm"}, {"lj.m4a", "-c:a aac -b:a 64k"},
                            {"lj.ogg", "-c:a libopus -b:a 24k"}}) {
    std::string cmd = "ffmpeg -nostdin -loglevel error -y -i '" + lj + "' " + args + " '" + (made / name) + "'";
    ASSERT_EQ(reflexio::testing::Run(cmd), 0) << cmd;
  }
  std::vector<std::string> files = {(SpeechDir() / "16k/2412-153948-0000.wav").string(),
                                    (SpeechDir() / "16k/2412-153948-0001.wav").string(),
                                    (SpeechDir() / "LJ001-0001.wav").string(),
                                    (SpeechDir() / "3752-4944-0000.flac").string(),
                                    (SpeechDir() / "mp3_original/common_voice_en_19664034.mp3").string(),
                                    made / "lj.webm", made / "lj.m4a", made / "lj.ogg"};
  std::string chunked_file = (SpeechDir() / "16k/1988-24833-0003.wav").string();
  std::string interrupted_file = (SpeechDir() / "16k/2412-153948-0002.wav").string();
  std::string too_large_file = (SpeechDir() / "EDACC-C02-000000000.wav").string();
  SecretBytes secrets;
  for (const auto& file : files) {
    secrets.Add(file, testing::ReadFileBytes(file));
    auto decoded = DecodeAudioFile(file);
    ASSERT_TRUE(decoded.ok()) << file;
    secrets.Add(file + " decoded", Float32Bytes(decoded->samples));
  }
  for (const auto& file : {chunked_file, interrupted_file, too_large_file}) secrets.Add(file, testing::ReadFileBytes(file));

  TempDir dir;
  fs::path watched = dir.path() / "watched";
  PlaintextWatch watch({watched}, secrets);
  std::map<std::string, std::string> env = {{"TMPDIR", (watched / "tmpdir").string()},
                                            {"REFLEXIO_WORKER_THREADS", "1"},
                                            {"REFLEXIO_MAX_UPLOAD_BYTES", "1500000"}};
  std::unique_ptr<testing::PostgresTestDatabase> postgres;
  if (const char* backend = std::getenv("REFLEXIO_TEST_BACKEND"); backend && std::string(backend) == "postgres") {
    postgres = std::make_unique<testing::PostgresTestDatabase>();
    env["DATABASE_URL"] = postgres->app_url();
  }
  fs::create_directories(watched / "tmpdir");
  std::string data = (watched / "data").string();
  std::vector<std::string> ids;  // of the uploads sent whole with Content-Length
  std::string key;
  {
    ServerProcess server(data, env);
    key = server.first_run_key();
    Client client(server.base_url(), key);
    for (const auto& file : files) {
      auto r = client.Upload(testing::ReadFileBytes(file), testing::TypeFor(file), {{"Idempotency-Key", file}});
      ASSERT_EQ(r.status, 202) << file << ": " << r.body;
      ids.push_back(json::parse(r.body)["id"]);
    }
    auto replay = client.Upload(testing::ReadFileBytes(files[0]), "audio/wav", {{"Idempotency-Key", files[0]}});
    EXPECT_EQ(replay.status, 202);
    EXPECT_EQ(json::parse(replay.body)["id"], ids[0]);
    auto truncated = client.Upload(testing::ReadFileBytes(files[3]).substr(0, 30000), "audio/flac");
    EXPECT_EQ(truncated.status, 422) << truncated.body;
    {
      testing::ChunkedUpload chunked(server.base_url(), key, "audio/wav");
      ASSERT_TRUE(chunked.SendChunks(testing::ReadFileBytes(chunked_file)));
      EXPECT_EQ(chunked.Finish(), 202);
    }
    {
      testing::ChunkedUpload too_large(server.base_url(), key, "audio/wav");
      too_large.SendChunks(testing::ReadFileBytes(too_large_file));  // refused partway: the rest may not go
      EXPECT_EQ(too_large.ReadStatus(), 413);
    }
    testing::ChunkedUpload interrupted(server.base_url(), key, "audio/wav");
    std::string half = testing::ReadFileBytes(interrupted_file);
    ASSERT_TRUE(interrupted.SendChunks(half.substr(0, half.size() / 2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the first half reaches the server's disk
    json listed = client.GetJson("/v1/recordings?limit=100");
    int unfinished = 0;
    for (const auto& r : listed["items"]) unfinished += r["status"] != "transcribed";
    EXPECT_GT(unfinished, 0) << "the crash should find jobs queued or running";
    server.Kill();
  }
  {
    ServerProcess again(data, env);
    Client client(again.base_url(), key);
    json listed = client.GetJson("/v1/recordings?limit=100");
    ASSERT_EQ(listed["items"].size(), files.size() + 1) << "every acknowledged upload, no other";
    for (const auto& r : listed["items"]) {
      std::string id = r["id"];
      EXPECT_EQ(client.WaitForRecording(id)["status"], "transcribed") << id;
    }
    std::string id = listed["items"][0]["id"];
    auto clip = client.Get("/v1/recordings/" + id + "/audio?start=0.5&end=2");
    EXPECT_EQ(clip.status, 200);
    EXPECT_EQ(clip.body.substr(0, 4), "OggS") << "replay still works, from the sealed object";
    EXPECT_EQ(client.Get("/v1/privacy/export").status, 200);
    EXPECT_EQ(again.Stop(), 0);
  }

  PlaintextWatch::Report report = watch.Stop();
  EXPECT_TRUE(report.findings.empty()) << ::testing::PrintToString(report.findings);
  std::cout << "[ measured ] " << report.files_seen << " files seen, " << report.scans << " scans, "
            << secrets.windows() << " secret windows\n";
  // The watch saw where uploads are staged and where they and their replay audio are kept.
  EXPECT_TRUE(report.directories_written.count("data/tmp")) << ::testing::PrintToString(report.directories_written);
  bool saw_incoming = false, saw_audio = false;
  for (const auto& d : report.directories_written) {
    saw_incoming = saw_incoming || d.rfind("data/incoming/", 0) == 0;
    saw_audio = saw_audio || d.rfind("data/audio/", 0) == 0;
  }
  EXPECT_TRUE(saw_incoming && saw_audio) << ::testing::PrintToString(report.directories_written);
  EXPECT_GE(report.files_seen, files.size() * 2) << "each upload staged, and its audio stored";
}

}  // namespace
}  // namespace reflexio
