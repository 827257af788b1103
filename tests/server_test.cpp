// Integration tests: the real server binary, over HTTP, on real speech.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "asr/testing/transcription_peer.h"
#include "audio/decoder.h"
#include "server_harness.h"
#include "storage/testing/s3_peer.h"
#include "text/wer.h"

namespace reflexio::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// Measured: see the "[ measured ]" line this suite prints and the README. The bound leaves room
// for decoder differences between machines but fails when recognition breaks.
constexpr double kWerBound = 0.40;

std::string Transcript(const json& transcript) {
  std::string text;
  for (const auto& s : transcript["segments"]) text += s["text"].get<std::string>() + " ";
  return text;
}

// One server shared by the read-mostly tests of this file: starting PocketSphinx costs seconds.
class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(*dir_ / "data", {{"REFLEXIO_MAX_UPLOAD_BYTES", "2000000"}});
    alice_ = new Client(server_->base_url(), server_->first_run_key());
    bob_ = new Client(server_->base_url(), server_->CreateKey("bob"));
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
    delete server_;
    delete dir_;
  }
  static std::string UploadFile(const Client& client, const fs::path& file, const std::string& captured_at = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!captured_at.empty()) headers.emplace_back("X-Captured-At", captured_at);
    auto r = client.Upload(ReadFileBytes(file.string()), TypeFor(file.string()), headers);
    EXPECT_EQ(r.status, 202) << file << ": " << r.body;
    return json::parse(r.body, nullptr, false).value("id", "");
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static Client* alice_;
  static Client* bob_;
};
TempDir* ServerTest::dir_ = nullptr;
ServerProcess* ServerTest::server_ = nullptr;
Client* ServerTest::alice_ = nullptr;
Client* ServerTest::bob_ = nullptr;

TEST_F(ServerTest, FirstStartPrintsOneKeyAndHowToUpload) {
  std::string out = server_->stdout_text();
  EXPECT_FALSE(server_->first_run_key().empty());
  EXPECT_NE(out.find("curl -H 'Authorization: Bearer " + server_->first_run_key()), std::string::npos);
  EXPECT_NE(out.find("/v1/recordings"), std::string::npos);
  // The key is printed, never logged.
  EXPECT_EQ(server_->stderr_text().find(server_->first_run_key()), std::string::npos);
}

TEST_F(ServerTest, IndexListsEndpointsAndHealthHasRealChecks) {
  json index = alice_->GetJson("/");
  EXPECT_EQ(index["service"], "reflexio");
  std::set<std::string> paths;
  for (const auto& e : index["endpoints"]) paths.insert(e["method"].get<std::string>() + " " + e["path"].get<std::string>());
  for (const char* p : {"POST /v1/recordings", "GET /v1/recordings/{id}/transcript", "GET /v1/search", "GET /health"}) {
    EXPECT_TRUE(paths.count(p)) << p;
  }
  auto health = alice_->Get("/health");
  EXPECT_EQ(health.status, 200);
  json h = json::parse(health.body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["checks"]["database"]["writable"], true);
  EXPECT_GT(h["checks"]["disk"]["free_bytes"].get<double>(), 0);
  EXPECT_EQ(h["checks"]["asr"]["engine"], "pocketsphinx");
  EXPECT_TRUE(h["checks"]["queue"].contains("oldest_queued_age_seconds"));
}

TEST_F(ServerTest, UnknownRoutesAndMethodsAnswerJsonErrors) {
  auto missing = alice_->Get("/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "no_such_endpoint");
  HttpRequest del;
  del.method = "DELETE";
  del.url = "/v1/search";
  auto wrong = alice_->Send(del);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(json::parse(wrong.body)["error"]["code"], "method_not_allowed");
}

TEST_F(ServerTest, EveryFormatIsTranscribedWithinTheMeasuredWerBound) {
  TempDir made;
  std::string lj = (SpeechDir() / "LJ001-0004.wav").string();
  std::map<std::string, std::string> reference_of;  // uploaded path -> reference
  auto refs = References();
  for (const auto& [file, ref] : refs) reference_of[(SpeechDir() / file).string()] = ref;
  for (const char* mp3 : {"common_voice_en_18132047", "common_voice_en_19664034"}) {
    reference_of[(SpeechDir() / "mp3_original" / (std::string(mp3) + ".mp3")).string()] = refs[std::string(mp3) + ".wav"];
  }
  // A browser MediaRecorder (WebM/Opus), a phone (M4A/AAC) and an Ogg/Opus recorder.
  struct { const char* name; const char* args; } encodings[] = {
      {"lj.webm", "-c:a libopus -b:a 32k -f webm -live 1"}, {"lj.m4a", "-c:a aac -b:a 64k"}, {"lj.ogg", "-c:a libopus -b:a 24k"}};
  for (auto& e : encodings) {
    std::string cmd = "ffmpeg -nostdin -loglevel error -y -i '" + lj + "' " + e.args + " '" + (made / e.name) + "'";
    ASSERT_EQ(reflexio::testing::Run(cmd), 0) << cmd;
    reference_of[made / e.name] = refs["LJ001-0004.wav"];
  }
  std::map<std::string, std::string> id_to_file;
  for (const auto& [file, ref] : reference_of) id_to_file[UploadFile(*alice_, file)] = file;

  WordErrors errors;
  for (const auto& [id, file] : id_to_file) {
    json recording = alice_->WaitForRecording(id);
    ASSERT_EQ(recording["status"], "transcribed") << file << ": " << recording.dump();
    EXPECT_GT(recording["speech_seconds"].get<double>(), 0.3) << file;
    EXPECT_LE(recording["speech_seconds"].get<double>(), recording["duration_seconds"].get<double>()) << file;
    json transcript = alice_->GetJson("/v1/recordings/" + id + "/transcript");
    ASSERT_FALSE(transcript["segments"].empty()) << file;
    for (const auto& seg : transcript["segments"]) {
      for (const auto& w : seg["words"]) {
        EXPECT_GE(w["start"].get<double>(), seg["start"].get<double>() - 1e-6);
        EXPECT_LE(w["end"].get<double>(), seg["end"].get<double>() + 0.02);
        std::string word = w["word"];
        EXPECT_EQ(word.find_first_of("<[("), std::string::npos) << "filler token " << word;
      }
    }
    errors += ScoreWords(reference_of[file], Transcript(transcript));
  }
  EXPECT_LT(errors.Rate(), kWerBound) << "WER " << errors.Rate() << " over " << errors.reference_words << " words";
  std::cout << "[ measured ] server WER " << 100 * errors.Rate() << " % over " << errors.reference_words
            << " words in " << id_to_file.size() << " uploads\n";
}

TEST_F(ServerTest, SearchFindsTheMomentAWordWasSaid) {
  std::string id = UploadFile(*alice_, SpeechDir() / "3752-4944-0000.flac", "2026-11-26T08:00:00Z");
  ASSERT_EQ(alice_->WaitForRecording(id)["status"], "transcribed");
  json hits = alice_->GetJson("/v1/search?q=Scenery&from=2026-11-26T07:59:00Z&to=2026-11-26T08:01:00Z");
  ASSERT_FALSE(hits["items"].empty()) << hits.dump();
  json hit = hits["items"][0];
  EXPECT_EQ(hit["recording_id"], id);
  double start = hit["start"], end = hit["end"];
  EXPECT_GE(start, hit["segment_start"].get<double>());
  EXPECT_LE(end, hit["segment_end"].get<double>());
  EXPECT_LT(end - start, 1.5) << "the hit is the word, not the whole segment";
  EXPECT_NE(hit["snippet"].get<std::string>().find("<mark>scenery</mark>"), std::string::npos);
  // The word really lies there in the transcript.
  json transcript = alice_->GetJson("/v1/recordings/" + id + "/transcript");
  bool found = false;
  for (const auto& seg : transcript["segments"]) {
    for (const auto& w : seg["words"]) {
      found |= w["word"] == "scenery" && w["start"].get<double>() == start && w["end"].get<double>() == end;
    }
  }
  EXPECT_TRUE(found) << transcript.dump();
  for (const auto& seg : transcript["segments"]) {
    EXPECT_EQ(seg["quality"]["state"], "trusted") << "clear read speech passes the quality gate: " << seg.dump();
    EXPECT_TRUE(seg["quality"]["reasons"].is_array());
    EXPECT_GT(seg["prosody"]["pitch_median_hz"].get<double>(), 60) << seg.dump();
    EXPECT_GT(seg["prosody"]["voiced_fraction"].get<double>(), 0.2);
    EXPECT_GE(seg["prosody"]["arousal"].get<double>(), 0);
  }
  auto captured = ParseRfc3339(hit["captured_at"].get<std::string>());
  ASSERT_TRUE(captured.ok());
  EXPECT_NEAR(ToUnixSeconds(*captured), ToUnixSeconds(*ParseRfc3339("2026-11-26T08:00:00Z")) + start, 0.002);
  // Outside the time window nothing is found.
  EXPECT_TRUE(alice_->GetJson("/v1/search?q=scenery&from=2026-11-27T00:00:00Z")["items"].empty());
  // Smart replay: the clip of exactly that moment.
  auto clip = alice_->Get("/v1/recordings/" + id + "/audio?start=" + std::to_string(start) + "&end=" + std::to_string(end),
                          {{"Accept", "audio/wav"}});
  ASSERT_EQ(clip.status, 200);
  EXPECT_EQ(clip.Header("content-type"), "audio/wav");
  EXPECT_NEAR((clip.body.size() - 44) / 2.0 / 16000, end - start, 0.002);
  auto ogg = alice_->Get("/v1/recordings/" + id + "/audio?start=0.5&end=2.5");
  ASSERT_EQ(ogg.status, 200);
  EXPECT_EQ(ogg.body.substr(0, 4), "OggS");
  TempDir tmp;
  std::ofstream(tmp / "clip.ogg", std::ios::binary) << ogg.body;
  auto decoded = DecodeAudioFile(tmp / "clip.ogg");
  ASSERT_TRUE(decoded.ok());
  EXPECT_NEAR(decoded->DurationSeconds(), 2.0, 0.03);
  EXPECT_EQ(alice_->Get("/v1/recordings/" + id + "/audio?start=3&end=1").status, 400);

  // The hit's audio_url is that moment with a second either side, and it plays.
  char expected[160];
  std::snprintf(expected, sizeof expected, "/v1/recordings/%s/audio?start=%g&end=%g", id.c_str(),
                std::max(0.0, start - 1), end + 1);
  std::string audio_url = hit["audio_url"];
  EXPECT_EQ(audio_url, expected);
  auto moment = alice_->Get(audio_url, {{"Accept", "audio/wav"}});
  ASSERT_EQ(moment.status, 200) << moment.body;
  EXPECT_NEAR((moment.body.size() - 44) / 2.0 / 16000, (end + 1) - std::max(0.0, start - 1), 0.01);
}

// What a thief with the data directory (and, on PostgreSQL, a dump of the database) would get:
// no word of what was said and no audio, only sealed bytes and blind-index tokens.
TEST_F(ServerTest, NothingSaidIsStoredInTheClear) {
  std::vector<fs::path> files = {SpeechDir() / "LJ001-0001.wav", SpeechDir() / "2412-153948-0000.flac"};
  std::set<std::string> words;
  for (const auto& file : files) {
    std::string id = UploadFile(*alice_, file);
    ASSERT_EQ(alice_->WaitForRecording(id)["status"], "transcribed");
    json transcript = alice_->GetJson("/v1/recordings/" + id + "/transcript");
    for (const auto& seg : transcript["segments"]) {
      for (const auto& w : seg["words"]) {
        std::string word = w["word"];
        if (word.size() >= 6) words.insert(word);  // shorter ones turn up by chance in any binary
      }
    }
  }
  ASSERT_GE(words.size(), 5u);
  std::string schema;  // words the schema itself spells out are no evidence of a leak
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(REFLEXIO_SOURCE_DIR) / "migrations")) {
    schema += ReadFileBytes(entry.path().string());
  }
  std::vector<std::pair<std::string, std::string>> stored;  // (where, bytes)
  for (const auto& entry : fs::recursive_directory_iterator(*dir_ / "data")) {
    if (entry.is_regular_file()) stored.emplace_back(entry.path().string(), ReadFileBytes(entry.path().string()));
  }
  if (server_->postgres() != nullptr) {
    std::string dump = *dir_ / "dump.sql";
    ASSERT_EQ(reflexio::testing::Run("pg_dump --data-only '" + server_->postgres()->owner_url() + "' > '" + dump + "'"), 0);
    stored.emplace_back("pg_dump", ReadFileBytes(dump));
    EXPECT_NE(stored.back().second.find("COPY public.segments"), std::string::npos) << "the dump holds the segments";
  }
  ASSERT_GE(stored.size(), 3u);
  int checked = 0;
  for (auto& [where, bytes] : stored) {
    std::transform(bytes.begin(), bytes.end(), bytes.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& word : words) {
      if (schema.find(word) != std::string::npos) continue;
      EXPECT_EQ(bytes.find(word), std::string::npos) << "'" << word << "' in clear in " << where;
      ++checked;
    }
    // Container signatures of every format that reaches the disk: Ogg pages, Opus, FLAC, WAV.
    for (const std::string& magic : {std::string("oggs\0\2", 6), std::string("opushead"),
                                     std::string("flac\0\0\0\x22", 8), std::string("wavefmt ")}) {
      EXPECT_EQ(bytes.find(magic), std::string::npos) << "audio in clear in " << where;
    }
  }
  EXPECT_GT(checked, 10);
}

// The person's controls, end to end over HTTP: settings, export, erase, audit log.
TEST_F(ServerTest, PrivacySettingsExportEraseAndTheAuditLog) {
  Client carol(server_->base_url(), server_->CreateKey("carol"));
  json defaults = carol.GetJson("/v1/privacy/settings");
  EXPECT_EQ(defaults["audio_retention_hours"], 24);
  EXPECT_EQ(defaults["transcript_retention_days"], 90);
  EXPECT_EQ(defaults["digest_retention_days"], 365);
  EXPECT_EQ(defaults["opt_out_training"], false);
  EXPECT_EQ(defaults["pii_mode"], "mask");
  for (const char* bad : {R"({"audio_retention_hours": -1})", R"({"nope": 1})", "not json",
                          R"({"opt_out_training": "yes"})", R"({"pii_mode": "loud"})", "[1]"}) {
    auto r = carol.SendJson("PUT", "/v1/privacy/settings", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(json::parse(r.body)["error"]["code"].is_string()) << r.body;
  }
  auto changed = carol.SendJson("PUT", "/v1/privacy/settings", R"({"transcript_retention_days": 30, "pii_mode": "strict"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  json now = carol.GetJson("/v1/privacy/settings");
  EXPECT_EQ(now["transcript_retention_days"], 30);
  EXPECT_EQ(now["overrides"]["transcript_retention_days"], 30);
  EXPECT_EQ(now["pii_mode"], "strict");
  ASSERT_EQ(carol.SendJson("PUT", "/v1/privacy/settings", R"({"pii_mode": null})").status, 200);
  EXPECT_EQ(carol.GetJson("/v1/privacy/settings")["pii_mode"], "mask") << "null restores the default";
  EXPECT_EQ(carol.GetJson("/v1/privacy/settings")["transcript_retention_days"], 30) << "other fields kept";

  std::string id = UploadFile(carol, SpeechDir() / "LJ001-0002.wav");
  ASSERT_EQ(carol.WaitForRecording(id)["status"], "transcribed");
  auto exported = carol.Get("/v1/privacy/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.Header("content-type"), "application/x-tar");
  TempDir unpacked;
  std::ofstream(unpacked / "export.tar", std::ios::binary) << exported.body;
  ASSERT_EQ(reflexio::testing::Run("tar -xf '" + (unpacked / "export.tar") + "' -C '" + unpacked.path().string() + "'"), 0);
  json manifest = json::parse(ReadFileBytes(unpacked / "manifest.json"));
  EXPECT_EQ(manifest["recordings"], 1);
  EXPECT_EQ(manifest["audio_files"], 1);
  json recording = json::parse(ReadFileBytes(unpacked / ("recordings/" + id + ".json")));
  ASSERT_FALSE(recording["segments"].empty());
  EXPECT_FALSE(recording["segments"][0]["text"].get<std::string>().empty()) << "the export is readable";
  std::string audio = ReadFileBytes(unpacked / ("audio/" + id + ".opus"));
  EXPECT_EQ(audio.substr(0, 4), "OggS") << "the export's audio is decrypted";
  EXPECT_TRUE(json::parse(ReadFileBytes(unpacked / "audit_log.json")).is_array());

  EXPECT_EQ(carol.SendJson("POST", "/v1/privacy/erase", "{}").status, 400) << "erasure needs confirmation";
  EXPECT_EQ(carol.GetJson("/v1/recordings/" + id)["status"], "transcribed");
  auto erased = carol.SendJson("POST", "/v1/privacy/erase", R"({"confirm": true})");
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(json::parse(erased.body)["recordings_deleted"], 1);
  EXPECT_EQ(carol.Get("/v1/recordings/" + id).status, 404);
  EXPECT_TRUE(carol.GetJson("/v1/recordings")["items"].empty());
  EXPECT_EQ(carol.GetJson("/v1/privacy/settings")["transcript_retention_days"], 90) << "settings erased too";

  json audit = carol.GetJson("/v1/privacy/audit");
  std::vector<std::string> actions;
  for (const auto& e : audit["items"]) actions.push_back(e["action"]);
  ASSERT_GE(actions.size(), 5u) << audit.dump();
  EXPECT_EQ(actions[0], "erase") << "newest first";
  EXPECT_EQ(actions[1], "export");
  EXPECT_EQ(actions.back(), "admin_access") << "the operator created carol's key";
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "settings_change"), 2);
  json alice_audit = alice_->GetJson("/v1/privacy/audit");  // a range-for over a temporary's member would dangle
  for (const auto& e : alice_audit["items"]) EXPECT_NE(e["action"], "erase");
}

TEST_F(ServerTest, ATenantCannotSeeAnotherTenantsRecordings) {
  std::string id = UploadFile(*alice_, SpeechDir() / "1988-24833-0000.flac");
  ASSERT_EQ(alice_->WaitForRecording(id)["status"], "transcribed");
  for (const std::string& path : {"/v1/recordings/" + id, "/v1/recordings/" + id + "/transcript",
                                 "/v1/recordings/" + id + "/audio"}) {
    auto r = bob_->Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "recording_not_found");
  }
  json bobs = bob_->GetJson("/v1/recordings");  // named: a range-for over a temporary's member dangles
  ASSERT_TRUE(bobs["items"].is_array()) << bobs.dump();
  for (const auto& item : bobs["items"]) EXPECT_NE(item["id"], id);
  EXPECT_TRUE(bob_->GetJson("/v1/search?q=kittens")["items"].empty());
  EXPECT_FALSE(alice_->GetJson("/v1/search?q=kittens")["items"].empty());
}

TEST_F(ServerTest, IdempotencyKeyReplayReturnsTheSameRecording) {
  std::string body = ReadFileBytes((SpeechDir() / "p225_001_mic1.flac").string());
  auto first = alice_->Upload(body, "audio/flac", {{"Idempotency-Key", "device-7-chunk-1"}});
  auto second = alice_->Upload(body, "audio/flac", {{"Idempotency-Key", "device-7-chunk-1"}});
  ASSERT_EQ(first.status, 202);
  ASSERT_EQ(second.status, 202);
  EXPECT_EQ(json::parse(first.body)["id"], json::parse(second.body)["id"]);
  EXPECT_EQ(second.Header("idempotent-replayed"), "true");
  auto other = alice_->Upload(ReadFileBytes((SpeechDir() / "p225_002_mic1.flac").string()), "audio/flac",
                              {{"Idempotency-Key", "device-7-chunk-1"}});
  EXPECT_EQ(other.status, 409);
}

TEST_F(ServerTest, BadInputGetsTheRightStatusAndLeavesNothingBehind) {
  Client bad_key(server_->base_url(), "rfx_" + std::string(43, 'A'));
  Client no_key(server_->base_url(), "");
  std::string noise(100000, '\0');
  uint32_t x = 99;
  for (char& c : noise) { x = x * 1664525 + 1013904223; c = static_cast<char>(x >> 24); }
  std::string flac = ReadFileBytes((SpeechDir() / "2412-153948-0001.flac").string());
  // Let earlier tests' recordings finish, so the only change to count is ours.
  ASSERT_TRUE(WaitUntil([&] {
    json list = alice_->GetJson("/v1/recordings?limit=200");
    if (!list.contains("items")) {
      ADD_FAILURE() << "listing failed: " << list.dump();
      return false;
    }
    for (const auto& item : list["items"]) {
      if (item["status"] == "queued" || item["status"] == "processing") return false;
    }
    return true;
  }, 120s));
  size_t before = alice_->GetJson("/v1/recordings?limit=200")["items"].size();
  size_t files_before = FilesUnder(*dir_ / "data/incoming") + FilesUnder(*dir_ / "data/audio");

  struct Case { const Client* client; std::string body, type; int status; std::string code; } cases[] = {
      {alice_, noise, "audio/wav", 415, "unsupported_audio_format"},
      {alice_, flac.substr(0, flac.size() / 3), "audio/flac", 422, "undecodable_audio"},
      {alice_, "", "audio/wav", 400, "empty_body"},
      {alice_, flac, "text/plain", 415, "unsupported_media_type"},
      {alice_, std::string(3000000, 'x'), "audio/wav", 413, "body_too_large"},
      {&no_key, flac, "audio/flac", 401, "missing_api_key"},
      {&bad_key, flac, "audio/flac", 401, "invalid_api_key"},
  };
  for (const auto& c : cases) {
    auto r = c.client->Upload(c.body, c.type);
    EXPECT_EQ(r.status, c.status) << c.code << ": " << r.body;
    json error = json::parse(r.body, nullptr, false);
    EXPECT_EQ(error["error"]["code"], c.code) << r.body;
    EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());
  }
  {
    // Chunked, so no Content-Length to refuse it by: 413 once the streamed bytes pass the limit.
    reflexio::testing::ChunkedUpload chunked(server_->base_url(), server_->first_run_key(), "audio/flac");
    std::string big;
    while (big.size() < 3000000) big += flac;
    chunked.SendChunks(big);  // may stop early: the server answers as soon as the limit is passed
    EXPECT_EQ(chunked.ReadStatus(), 413);
  }
  auto bad_time = alice_->Upload(flac, "audio/flac", {{"X-Captured-At", "yesterday"}});
  EXPECT_EQ(bad_time.status, 400);
  EXPECT_EQ(alice_->Get("/v1/search?q=").status, 400);
  EXPECT_EQ(alice_->Get("/v1/recordings?limit=0").status, 400);
  EXPECT_EQ(alice_->Get("/v1/recordings?cursor=nonsense").status, 400);
  EXPECT_EQ(alice_->Get("/v1/recordings/not-an-id").status, 404);

  EXPECT_EQ(alice_->GetJson("/v1/recordings?limit=200")["items"].size(), before);
  EXPECT_EQ(FilesUnder(*dir_ / "data/incoming") + FilesUnder(*dir_ / "data/audio"), files_before) << [&] {
    std::string listing;
    for (auto& e : fs::recursive_directory_iterator(*dir_ / "data")) listing += e.path().string() + "\n";
    return listing;
  }();
  EXPECT_EQ(FilesUnder(*dir_ / "data/tmp"), 0u);
}

TEST_F(ServerTest, MetricsPassPromtoolAndCountWhatHappened) {
  std::string id = UploadFile(*alice_, SpeechDir() / "3752-4944-0001.flac");
  ASSERT_EQ(alice_->WaitForRecording(id)["status"], "transcribed");
  // The worker counts a recording just after committing it: give it a moment.
  HttpResponse metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = alice_->Get("/metrics/prometheus");
    if (metrics.body.find("reflexio_asr_real_time_factor_bucket") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(metrics.status, 200);
  TempDir tmp;
  std::ofstream(tmp / "metrics.txt") << metrics.body;
  EXPECT_EQ(reflexio::testing::Run("promtool check metrics < '" + (tmp / "metrics.txt") + "'"), 0) << metrics.body;
  for (const char* series : {"reflexio_http_requests_total{method=\"POST\",route=\"/v1/recordings\",status=\"202\"}",
                             "reflexio_http_request_duration_seconds_bucket", "reflexio_uploads_total",
                             "reflexio_upload_bytes_total", "reflexio_audio_seconds_total",
                             "reflexio_speech_seconds_total", "reflexio_asr_real_time_factor_bucket{engine=\"pocketsphinx\"",
                             "reflexio_queue_depth{state=\"queued\"}", "reflexio_jobs_completed_total"}) {
    EXPECT_NE(metrics.body.find(series), std::string::npos) << series;
  }
}

// --- Suites that need their own server -------------------------------------------------

// Retention against real time: recordings uploaded with a capture time in the past.
TEST(ServerOperations, RetentionRunsFromTheCommandLineWithADryRunFirst) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"TRANSCRIPTION_RETENTION_DAYS", "3"},
                                      {"REFLEXIO_SCHEDULER_INTERVAL_S", "0.2"},
                                      {"REFLEXIO_RETENTION_INTERVAL_S", "3600"}});
  Client client(server.base_url(), server.first_run_key());
  auto upload = [&](const std::string& file, double age_days) {
    std::string at = FormatRfc3339(AddSeconds(SystemClock::Instance().Now(), -age_days * 86400));
    auto r = client.Upload(ReadFileBytes((SpeechDir() / file).string()), TypeFor(file), {{"X-Captured-At", at}});
    EXPECT_EQ(r.status, 202) << r.body;
    std::string id = json::parse(r.body)["id"];
    EXPECT_EQ(client.WaitForRecording(id)["status"], "transcribed");
    return id;
  };
  std::string fresh = upload("LJ001-0003.wav", 0);
  std::string two_days = upload("LJ001-0004.wav", 2);
  std::string five_days = upload("2412-153948-0001.flac", 5);

  std::string out, err;
  ASSERT_EQ(server.RunCommand({"retention", "--dry-run"}, &out, &err), 0) << err;
  EXPECT_NE(out.find(two_days + "\taudio"), std::string::npos) << out;
  EXPECT_NE(out.find(five_days + "\trecording"), std::string::npos) << out;
  EXPECT_EQ(out.find(fresh), std::string::npos) << out;
  EXPECT_NE(err.find("nothing was deleted"), std::string::npos) << err;
  EXPECT_EQ(client.Get("/v1/recordings/" + five_days).status, 200) << "a dry run deletes nothing";

  ASSERT_EQ(server.RunCommand({"retention"}, &out, &err), 0) << err;
  EXPECT_NE(err.find("deleted 1 recording(s), the audio of 1 more"), std::string::npos) << err;
  EXPECT_EQ(client.Get("/v1/recordings/" + five_days).status, 404);
  EXPECT_EQ(client.Get("/v1/recordings/" + two_days + "/audio?start=0&end=1").status, 404);
  EXPECT_FALSE(client.GetJson("/v1/recordings/" + two_days + "/transcript")["segments"].empty());
  EXPECT_EQ(client.Get("/v1/recordings/" + fresh + "/audio?start=0&end=1", {{"Accept", "audio/wav"}}).status, 200);
  EXPECT_EQ(FilesUnder(dir / "data/audio"), 1u) << "only the fresh recording's audio is left";
  ASSERT_EQ(server.RunCommand({"retention", "--dry-run"}, &out, &err), 0);
  EXPECT_TRUE(out.empty()) << out;
  json audit = client.GetJson("/v1/privacy/audit");
  ASSERT_FALSE(audit["items"].empty());
  EXPECT_EQ(audit["items"][0]["action"], "retention");
}

TEST(ServerOperations, TheSchedulerAppliesRetentionAndCountsIt) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.2"}, {"REFLEXIO_RETENTION_INTERVAL_S", "1"}});
  Client client(server.base_url(), server.first_run_key());
  std::string at = FormatRfc3339(AddSeconds(SystemClock::Instance().Now(), -2 * 86400));
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0003.wav").string()), "audio/wav", {{"X-Captured-At", at}});
  ASSERT_EQ(r.status, 202);
  std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = client.Get("/v1/recordings/" + id + "/audio?start=0&end=1").status == 404;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "the 2-day-old audio went within seconds (24 h retention)";
  // The row goes before the sealed object and the sweep counts once it is over, so the file and
  // the counter follow the 404 by a moment.
  std::string metrics;
  bool counted = WaitUntil([&] {
    metrics = client.Get("/metrics/prometheus").body;
    return FilesUnder(dir / "data/audio") == 0 &&
           metrics.find("reflexio_retention_deleted_total{kind=\"audio\"} 1") != std::string::npos;
  }, std::chrono::seconds(10));
  EXPECT_TRUE(counted) << "audio files left: " << FilesUnder(dir / "data/audio") << "\n" << metrics;
}

TEST(ServerOperations, RecordingsBecomeEpisodesByCaptureTime) {
  TempDir dir;
  // The gap is also how long an episode waits, in arrival time, for more of its segments: wide
  // enough here that a loaded machine transcribing the next upload never splits the conversation.
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.2"}, {"REFLEXIO_EPISODE_GAP_S", "30"}});
  Client client(server.base_url(), server.first_run_key());
  Client other(server.base_url(), server.CreateKey("other"));
  std::vector<std::string> ids;
  auto upload = [&](const std::string& file, double seconds_ago) {
    std::string at = FormatRfc3339(AddSeconds(SystemClock::Instance().Now(), -seconds_ago));
    auto r = client.Upload(ReadFileBytes((SpeechDir() / file).string()), TypeFor(file), {{"X-Captured-At", at}});
    EXPECT_EQ(r.status, 202) << r.body;
    ids.push_back(json::parse(r.body)["id"]);
  };
  // Uploaded now, captured minutes ago (a device back online): grouped by capture time.
  upload("LJ001-0001.wav", 600);         // 9.7 s of speech …
  upload("LJ001-0002.wav", 600 - 14);    // … and 4 s after it ended, more: one conversation
  upload("2412-153948-0000.flac", 300);  // five minutes on: another
  for (const auto& id : ids) ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  json episodes;
  for (int i = 0; i < 900; ++i) {  // closing waits for 30 s of quiet after the last segment arrived
    episodes = client.GetJson("/v1/episodes");
    // Both closed: the earlier one may close later, when its other half was transcribed last.
    if (episodes["items"].size() == 2 && episodes["items"][0]["state"] == "closed" &&
        episodes["items"][1]["state"] == "closed" && episodes["items"][1]["segments"].get<int>() >= 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(episodes["items"].size(), 2u) << episodes.dump();
  json older = episodes["items"][1], newer = episodes["items"][0];
  EXPECT_GE(older["segments"].get<int>(), 2) << "both early recordings in one episode";
  EXPECT_GT(older["duration_seconds"].get<double>(), 14);
  EXPECT_EQ(older["state"], "closed") << "quiet for longer than the gap";
  EXPECT_EQ(newer["state"], "closed");
  std::string id = newer["id"];
  EXPECT_EQ(client.GetJson("/v1/episodes/" + id)["id"], id);
  EXPECT_EQ(other.Get("/v1/episodes/" + id).status, 404) << "another tenant's episode does not exist for them";
  EXPECT_TRUE(other.GetJson("/v1/episodes")["items"].empty());
  EXPECT_EQ(client.Get("/v1/episodes?limit=0").status, 400);

  // from/to select the episodes that overlap [from, to), by capture time.
  TimePoint between = FromUnixSeconds((ToUnixSeconds(*ParseRfc3339(older["ended_at"].get<std::string>())) +
                                       ToUnixSeconds(*ParseRfc3339(newer["started_at"].get<std::string>()))) / 2);
  std::string middle = FormatRfc3339(between);
  json later = client.GetJson("/v1/episodes?from=" + middle);
  ASSERT_EQ(later["items"].size(), 1u) << later.dump();
  EXPECT_EQ(later["items"][0]["id"], newer["id"]);
  json earlier = client.GetJson("/v1/episodes?to=" + middle);
  ASSERT_EQ(earlier["items"].size(), 1u) << earlier.dump();
  EXPECT_EQ(earlier["items"][0]["id"], older["id"]);
  std::string inside = FormatRfc3339(AddSeconds(*ParseRfc3339(older["started_at"].get<std::string>()), 1));
  json overlapping = client.GetJson("/v1/episodes?from=" + inside + "&to=" + middle);
  EXPECT_EQ(overlapping["items"].size(), 1u) << "an episode that began before `from` still overlaps it";
  EXPECT_EQ(client.Get("/v1/episodes?from=" + middle + "&to=" + inside).status, 400) << "to before from";
  EXPECT_EQ(client.Get("/v1/episodes?from=yesterday").status, 400);
}

TEST(ServerOperations, HealthIsDegradedWhenACheckFails) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_MIN_FREE_DISK_BYTES", "999999999999999"}});
  auto health = Client(server.base_url(), "").Get("/health");
  EXPECT_EQ(health.status, 503);
  json h = json::parse(health.body);
  EXPECT_EQ(h["status"], "degraded");
  EXPECT_EQ(h["checks"]["disk"]["ok"], false);
  EXPECT_EQ(h["checks"]["database"]["ok"], true);
}

// A job that cannot be done waits in the queue for its retry; once the oldest has waited longer
// than REFLEXIO_QUEUE_AGE_DEGRADED_S, /health says so.
TEST(ServerOperations, HealthIsDegradedWhileAJobWaitsTooLong) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_ASR_ENGINE", "remote"},
                                      {"REFLEXIO_ASR_REMOTE_URLS", "http://127.0.0.1:1"},
                                      {"REFLEXIO_ASR_REMOTE_FALLBACK", "false"},
                                      {"REFLEXIO_ASR_REMOTE_RETRIES", "0"},
                                      {"REFLEXIO_JOB_RETRY_BASE_S", "600"},
                                      {"REFLEXIO_QUEUE_AGE_DEGRADED_S", "2"}});
  Client client(server.base_url(), server.first_run_key());
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
  ASSERT_EQ(r.status, 202);
  ASSERT_EQ(client.GetJson("/health")["checks"]["queue"]["ok"], true) << "just queued";
  json health;
  ASSERT_TRUE(WaitUntil([&] {
    health = json::parse(client.Get("/health").body);
    return health["checks"]["queue"]["ok"] == false;
  }, std::chrono::seconds(20))) << health.dump();
  EXPECT_EQ(health["status"], "degraded");
  // Degraded means older than 2 s; the figure is rounded to milliseconds, so 2.0004 s reads 2.
  EXPECT_GE(health["checks"]["queue"]["oldest_queued_age_seconds"].get<double>(), 2);
  EXPECT_EQ(health["checks"]["queue"]["max_age_seconds"], 2);
  EXPECT_EQ(client.Get("/health").status, 503);
  EXPECT_EQ(health["checks"]["asr"]["ok"], true) << "one failure does not make the engine unready";
}

TEST(ServerOperations, ASlowClientIsCutOffAfterTheHeaderTimeout) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_HEADER_TIMEOUT_S", "1"}});
  int fd = reflexio::testing::ConnectTo(server.base_url());
  const char partial[] = "GET /health HTTP/1.1\r\nHost: x\r\n";  // never finishes its header
  ASSERT_GT(::write(fd, partial, sizeof partial - 1), 0);
  auto started = std::chrono::steady_clock::now();
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);  // returns when the server closes
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::close(fd);
  EXPECT_LE(n, 0);
  EXPECT_GT(waited, 0.5);
  EXPECT_LT(waited, 5.0);
  EXPECT_EQ(Client(server.base_url(), "").Get("/health").status, 200) << "other clients are unaffected";
}

TEST(ServerOperations, PartialUploadsFromACrashAreRemovedOnStart) {
  TempDir dir;
  fs::create_directories(dir.path() / "data/tmp");
  std::ofstream(dir / "data/tmp/upload-interrupted") << "half a recording";
  ServerProcess server(dir / "data");
  EXPECT_EQ(FilesUnder(dir / "data/tmp"), 0u);
}

// Paths of the objects s3rver holds, relative to the bucket (it stores each under its key).
std::vector<std::string> ObjectsIn(const std::string& bucket_dir) {
  std::set<std::string> keys;  // s3rver keeps the data and its metadata beside each other
  if (!fs::exists(bucket_dir)) return {};
  for (auto& e : fs::recursive_directory_iterator(bucket_dir)) {
    std::string rel = fs::relative(e.path(), bucket_dir).string();
    if (e.is_regular_file() && rel.find("._S3rver_object") != std::string::npos) {
      keys.insert(rel.substr(0, rel.find("._S3rver_object")));
    }
  }
  return {keys.begin(), keys.end()};
}

TEST(ObjectStoreServer, KeepsUploadsAndAudioInAnS3CompatibleStore) {
  auto peer = std::make_unique<S3Peer>();
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_BLOB_BACKEND", "s3"},
                                      {"REFLEXIO_S3_ENDPOINT", peer->endpoint()},
                                      {"REFLEXIO_S3_BUCKET", peer->bucket()},
                                      {"REFLEXIO_S3_ACCESS_KEY_ID", S3Peer::kAccessKeyId},
                                      {"REFLEXIO_S3_SECRET_ACCESS_KEY", S3Peer::kSecretAccessKey}});
  EXPECT_EQ(server.stderr_text().find(S3Peer::kSecretAccessKey + std::string("\n")), std::string::npos);
  Client client(server.base_url(), server.first_run_key());
  json health = client.GetJson("/health");
  EXPECT_EQ(health["checks"]["object_store"]["ok"], true) << health.dump();
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  EXPECT_FALSE(client.GetJson("/v1/search?q=scenery")["items"].empty());
  auto clip = client.Get("/v1/recordings/" + id + "/audio?start=0.5&end=2", {{"Accept", "audio/wav"}});
  ASSERT_EQ(clip.status, 200);
  EXPECT_NEAR((clip.body.size() - 44) / 2.0 / 16000, 1.5, 0.002);

  auto objects = ObjectsIn(peer->bucket_directory());
  ASSERT_EQ(objects.size(), 1u) << "only the Opus recording remains; the upload was removed once transcribed: "
                                << json(objects).dump();
  EXPECT_EQ(objects[0].rfind("audio/", 0), 0u) << objects[0];
  EXPECT_NE(objects[0].find(id + ".opus"), std::string::npos) << objects[0];
  EXPECT_EQ(FilesUnder(dir / "data/audio") + FilesUnder(dir / "data/incoming"), 0u) << "nothing kept locally";

  peer.reset();  // the object store goes away
  auto degraded = client.Get("/health");
  EXPECT_EQ(degraded.status, 503);
  EXPECT_EQ(json::parse(degraded.body)["checks"]["object_store"]["ok"], false);
  auto refused = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0001.flac").string()), "audio/flac");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(client.GetJson("/v1/recordings")["items"].size(), 1u) << "an upload the store refused is not recorded";
}

// opt_out_training: a tenant's audio goes only to local engines — here the peer would see any
// request that left, so the test fails if one does. Audio retention 0 keeps no audio at all.
TEST(RemoteEngineServer, ATenantThatOptedOutNeverReachesTheRemoteEngine) {
  TranscriptionPeer peer;
  for (bool fallback : {true, false}) {
    TempDir dir;
    ServerProcess server(dir / "data", {{"REFLEXIO_ASR_ENGINE", "remote"},
                                        {"REFLEXIO_ASR_REMOTE_URLS", peer.base_url()},
                                        {"REFLEXIO_ASR_REMOTE_FALLBACK", fallback ? "true" : "false"},
                                        {"REFLEXIO_JOB_MAX_ATTEMPTS", "1"}});
    Client private_person(server.base_url(), server.first_run_key());
    Client other(server.base_url(), server.CreateKey("other"));
    auto set = private_person.SendJson("PUT", "/v1/privacy/settings",
                                       R"({"opt_out_training": true, "audio_retention_hours": 0})");
    ASSERT_EQ(set.status, 200) << set.body;
    int before = peer.received();
    auto r = private_person.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
    ASSERT_EQ(r.status, 202);
    std::string id = json::parse(r.body)["id"];
    json recording = private_person.WaitForRecording(id);
    EXPECT_EQ(peer.received(), before) << "no request left for the tenant that opted out";
    if (fallback) {
      ASSERT_EQ(recording["status"], "transcribed") << recording.dump();
      EXPECT_EQ(private_person.GetJson("/v1/recordings/" + id + "/transcript")["engine"], "pocketsphinx");
      auto clip = private_person.Get("/v1/recordings/" + id + "/audio?start=0&end=1");
      EXPECT_EQ(clip.status, 404);
      EXPECT_NE(clip.body.find("audio_deleted"), std::string::npos) << clip.body;
      EXPECT_EQ(FilesUnder(dir / "data/audio"), 0u) << "retention 0: no audio is kept";
    } else {
      EXPECT_EQ(recording["status"], "failed") << recording.dump();
      EXPECT_NE(recording.dump().find("opted out"), std::string::npos) << recording.dump();
    }
    auto r2 = other.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0001.flac").string()), "audio/flac");
    std::string other_id = json::parse(r2.body)["id"];
    ASSERT_EQ(other.WaitForRecording(other_id)["status"], "transcribed");
    EXPECT_EQ(other.GetJson("/v1/recordings/" + other_id + "/transcript")["engine"], "remote");
    EXPECT_GT(peer.received(), before) << "tenants that did not opt out still use the remote engine";
    EXPECT_EQ(FilesUnder(dir / "data/audio"), 1u) << "the other tenant's audio is kept (default 24 h)";
  }
}

// /health asks the engine itself: with no fallback, a remote engine whose every endpoint fails
// makes the server unable to transcribe, and health says so until the endpoint recovers.
TEST(RemoteEngineServer, HealthIsDegradedWhileTheEngineCannotTranscribe) {
  TranscriptionPeer peer;
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_ASR_ENGINE", "remote"},
                                      {"REFLEXIO_ASR_REMOTE_URLS", peer.base_url()},
                                      {"REFLEXIO_ASR_REMOTE_FALLBACK", "false"},
                                      {"REFLEXIO_ASR_REMOTE_RETRIES", "0"},
                                      {"REFLEXIO_ASR_REMOTE_BREAKER_FAILURES", "1"},
                                      {"REFLEXIO_ASR_REMOTE_BREAKER_COOLDOWN_S", "2"},
                                      {"REFLEXIO_JOB_MAX_ATTEMPTS", "1"}});
  Client client(server.base_url(), server.first_run_key());
  auto health = client.Get("/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(json::parse(health.body)["checks"]["asr"]["engine"], "remote");

  peer.FailNext(1000, 503);
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
  ASSERT_EQ(r.status, 202);
  EXPECT_EQ(client.WaitForRecording(json::parse(r.body)["id"])["status"], "failed");
  health = client.Get("/health");
  EXPECT_EQ(health.status, 503) << health.body;
  json asr = json::parse(health.body)["checks"]["asr"];
  EXPECT_EQ(asr["ok"], false);
  EXPECT_NE(asr["error"].get<std::string>().find("circuit is open"), std::string::npos) << asr.dump();
  EXPECT_EQ(json::parse(health.body)["checks"]["database"]["ok"], true) << "only the engine is down";

  peer.FailNext(0);  // the endpoint is back; after the cool-down a request may try it again
  EXPECT_TRUE(WaitUntil([&] { return client.Get("/health").status == 200; }, std::chrono::seconds(10)));
  auto again = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0001.flac").string()), "audio/flac");
  EXPECT_EQ(client.WaitForRecording(json::parse(again.body)["id"])["status"], "transcribed");
}

TEST(RemoteEngineServer, TranscribesThroughAnOpenAiCompatiblePeerAndFallsBackWhenItFails) {
  TranscriptionPeer peer;
  peer.RequireKey("sk-peer");
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_ASR_ENGINE", "remote"},
                                      {"REFLEXIO_ASR_REMOTE_URLS", peer.base_url()},
                                      {"REFLEXIO_ASR_REMOTE_API_KEY", "sk-peer"},
                                      {"REFLEXIO_ASR_REMOTE_MODEL", "whisper-1"},
                                      {"REFLEXIO_ASR_REMOTE_RETRIES", "1"},
                                      {"REFLEXIO_ASR_REMOTE_BREAKER_FAILURES", "2"}});
  Client client(server.base_url(), server.first_run_key());
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
  ASSERT_EQ(r.status, 202);
  std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  json transcript = client.GetJson("/v1/recordings/" + id + "/transcript");
  EXPECT_EQ(transcript["engine"], "remote");
  ASSERT_FALSE(transcript["segments"].empty());
  json seg = transcript["segments"][0];
  EXPECT_EQ(seg["text"], "remote peer words");
  ASSERT_EQ(seg["words"].size(), 3u);
  EXPECT_GE(seg["words"][0]["start"].get<double>(), seg["start"].get<double>());
  EXPECT_LE(seg["words"][2]["end"].get<double>(), seg["end"].get<double>() + 1e-3);
  EXPECT_FALSE(client.GetJson("/v1/search?q=peer")["items"].empty());
  ASSERT_FALSE(peer.requests().empty());
  EXPECT_EQ(peer.requests()[0].fields["model"], "whisper-1");

  peer.FailNext(1000, 503);  // the whisper server goes down: the embedded engine takes over
  auto r2 = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0002.flac").string()), "audio/flac");
  std::string id2 = json::parse(r2.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id2)["status"], "transcribed");
  json fallback = client.GetJson("/v1/recordings/" + id2 + "/transcript");
  EXPECT_EQ(fallback["engine"], "pocketsphinx");
  EXPECT_LT(ScoreWords("in the valley of the shadow of death he is with us", Transcript(fallback)).Rate(), 0.7)
      << fallback.dump();
}

}  // namespace
}  // namespace reflexio::testing
