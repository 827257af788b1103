// The listener against the real server: pieces of real speech reach it once each, with their
// capture times, through a lost answer and a server crash; and `reflexio listen` capturing through
// a real PulseAudio daemon whose input is fed with real speech, and that restarts under it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "core/test_support.h"
#include "crypto/keys.h"
#include "cutting_proxy.h"
#include "edge/spool.h"
#include "edge/uploader.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

// A PulseAudio daemon of the test's own: a null sink "feed" whose monitor is the default input,
// so what is played into "feed" is what a microphone would hear.
class PulseDaemon {
 public:
  explicit PulseDaemon(const std::filesystem::path& dir) : dir_(dir) { Start(); }
  ~PulseDaemon() { StopIt(); }
  void Restart() {
    StopIt();
    Start();
  }
  std::string server() const { return "unix:" + (dir_ / "run" / "native").string(); }
  // Plays a file into the feed; returns once it has played.
  void Play(const std::string& file) const {
    std::string command = "PULSE_SERVER=" + server() + " paplay --device=feed '" + file + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

 private:
  void StopIt() {
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  void Start() {
    const std::filesystem::path& dir = dir_;
    std::filesystem::create_directories(dir / "run");
    std::ofstream(dir / "default.pa") << "load-module module-native-protocol-unix auth-anonymous=1 socket="
                                      << (dir / "run" / "native").string() << "\n"
                                      << "load-module module-null-sink sink_name=feed rate=16000 channels=1\n"
                                      << "set-default-source feed.monitor\n";
    pid_ = fork();
    if (pid_ == 0) {
      setenv("HOME", dir.c_str(), 1);
      setenv("XDG_RUNTIME_DIR", (dir / "run").c_str(), 1);
      setenv("PULSE_RUNTIME_PATH", (dir / "run").c_str(), 1);
      std::string config = "--file=" + (dir / "default.pa").string(), log = "--log-target=file:" + (dir / "log").string();
      execlp("pulseaudio", "pulseaudio", "-n", config.c_str(), "--exit-idle-time=-1", "--daemonize=no",
             "--use-pid-file=false", log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    EXPECT_TRUE(WaitUntil([&] { return std::filesystem::exists(dir / "run" / "native"); }, std::chrono::seconds(20)))
        << "PulseAudio did not start (is the pulseaudio package installed?)";
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

// A piece is dated by the capture clock: from when paplay was started (its start-up and the sound
// server's latency come first, more on a busy machine) to 3 s after — and well before it reached
// the server, so never its upload time.
void ExpectCapturedWhenPlayed(const json& recording, TimePoint played) {
  double captured = ToUnixSeconds(*ParseRfc3339(recording["captured_at"].get<std::string>()));
  double received = ToUnixSeconds(*ParseRfc3339(recording["received_at"].get<std::string>()));
  EXPECT_GE(captured, ToUnixSeconds(played) - 0.5) << recording.dump();
  EXPECT_LE(captured, ToUnixSeconds(played) + 3.0) << recording.dump();
  EXPECT_LT(captured, received - 2.0) << "dated when it was heard, not when it arrived: " << recording.dump();
}

// The environment of a `reflexio listen` of the test's own.
std::map<std::string, std::string> ListenEnv(const TempDir& dir, const PulseDaemon& pulse, const std::string& server_url,
                                             const std::string& key) {
  return {{"PULSE_SERVER", pulse.server()}, {"HOME", dir / "home"}, {"REFLEXIO_LISTEN_SERVER", server_url},
          {"REFLEXIO_LISTEN_API_KEY", key}, {"REFLEXIO_LISTEN_STATE_DIR", dir / "listener"},
          {"REFLEXIO_LISTEN_RETRY_MAX_S", "2"}};
}

bool Listening(const WorkerProcess& listener) {
  return WaitUntil([&] { return listener.stderr_text().find("listening to") != std::string::npos; },
                   std::chrono::seconds(20));
}

json ListenerStatusOf(const std::map<std::string, std::string>& env) {
  std::string text;
  RunReflexio({"listen", "--status"}, &text, nullptr, env);
  return json::parse(text, nullptr, false);
}

// What most listener tests run against: a PulseAudio daemon of their own, a server and its key,
// a proxy in front of it, and the environment of a `reflexio listen` that goes through the proxy.
struct ListenerRig {
  TempDir dir;
  PulseDaemon pulse{dir / "pulse"};
  ServerProcess server{dir / "data"};
  std::string key = server.first_run_key();
  CuttingProxy proxy{std::stoi(server.base_url().substr(server.base_url().rfind(':') + 1))};
  std::map<std::string, std::string> env = ListenEnv(dir, pulse, proxy.url(), key);
};

// Settings that cannot work are said in one line, exit 2, before any device is opened; --help
// tells what --stream does.
TEST(Listener, BadSettingsAreRefusedInOneLineAndHelpExplainsStreaming) {
  TempDir dir;
  std::ofstream(dir / "listen.toml") << "server_url = \"http://127.0.0.1:1\"\napi_key = \"rfx_x\"\nstream = \"often\"\n";
  std::map<std::string, std::string> env = {{"HOME", dir / "home"}, {"REFLEXIO_LISTEN_STATE_DIR", dir / "state"}};
  std::string out, err;
  EXPECT_EQ(RunReflexio({"listen", "--config", dir / "listen.toml"}, &out, &err, env), 2);
  EXPECT_NE(err.find("stream must be true or false, not 'often'"), std::string::npos) << err;
  std::ofstream(dir / "listen.toml") << "server_url = \"http://127.0.0.1:1\"\napi_key = \"rfx_x\"\nstream = true\n"
                                     << "spool_max = \"lots\"\n";
  EXPECT_EQ(RunReflexio({"listen", "--config", dir / "listen.toml"}, &out, &err, env), 2);
  EXPECT_NE(err.find("spool_max must be a size"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir / "state")) << "nothing is made for settings that cannot work";
  ASSERT_EQ(RunReflexio({"listen", "--help"}, &out, &err, env), 0);
  EXPECT_NE(out.find("--stream"), std::string::npos) << out;
  EXPECT_NE(out.find("as it is heard"), std::string::npos) << out;
}

TEST(Listener, ListenCapturesThroughPulseAudioAndEachPieceArrivesWithItsCaptureTimeAndWords) {
  TempDir dir;
  PulseDaemon pulse(dir / "pulse");
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  auto env = ListenEnv(dir, pulse, server.base_url(), key);
  std::string devices;
  ASSERT_EQ(RunReflexio({"listen", "--devices"}, &devices, nullptr, env), 0);
  EXPECT_NE(devices.find("* feed.monitor"), std::string::npos) << devices;

  WorkerProcess listener(std::vector<std::string>{"listen"}, env, dir / "listener-run");
  ASSERT_TRUE(Listening(listener)) << listener.stderr_text();
  TimePoint first_played = SystemClock::Instance().Now();
  pulse.Play((SpeechDir() / "LJ001-0001.wav").string());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  TimePoint second_played = SystemClock::Instance().Now();
  pulse.Play((SpeechDir() / "LJ001-0004.wav").string());

  Client client(server.base_url(), key);
  json recordings;
  ASSERT_TRUE(WaitUntil([&] {
    recordings = client.GetJson("/v1/recordings")["items"];
    return recordings.size() >= 2;
  }, std::chrono::seconds(60))) << listener.stderr_text();
  ASSERT_EQ(recordings.size(), 2u) << "two utterances, two pieces: " << recordings.dump();
  // Newest first: the second utterance, then the first; each at the capture clock's time.
  const std::pair<TimePoint, const char*> expected[] = {{second_played, "predecessors"}, {first_played, "exhibition"}};
  for (size_t i = 0; i < 2; ++i) {
    ExpectCapturedWhenPlayed(recordings[i], expected[i].first);
    EXPECT_EQ(client.WaitForRecording(recordings[i]["id"])["status"], "transcribed");
    json transcript = client.GetJson("/v1/recordings/" + recordings[i]["id"].get<std::string>() + "/transcript");
    EXPECT_NE(transcript.dump().find(expected[i].second), std::string::npos) << transcript.dump();
  }

  // The sound server restarts (a device unplugged and back): the listener opens it again, and
  // what is said afterwards arrives, dated by the new stream's clock.
  pulse.Restart();
  ASSERT_TRUE(WaitUntil([&] { return listener.stderr_text().find("capturing again") != std::string::npos; },
                        std::chrono::seconds(30)))
      << listener.stderr_text();
  TimePoint after_restart = SystemClock::Instance().Now();
  pulse.Play((SpeechDir() / "LJ001-0003.wav").string());
  ASSERT_TRUE(WaitUntil([&] {
    recordings = client.GetJson("/v1/recordings")["items"];
    return recordings.size() >= 3;
  }, std::chrono::seconds(60))) << listener.stderr_text();
  EXPECT_NEAR(ToUnixSeconds(*ParseRfc3339(recordings[0]["captured_at"].get<std::string>())), ToUnixSeconds(after_restart),
              1.5)
      << FormatRfc3339(after_restart) << "\n" << listener.stderr_text();
  EXPECT_EQ(client.WaitForRecording(recordings[0]["id"])["status"], "transcribed");
  json transcript = client.GetJson("/v1/recordings/" + recordings[0]["id"].get<std::string>() + "/transcript");
  EXPECT_NE(transcript.dump().find("netherlands"), std::string::npos) << transcript.dump();

  json status = ListenerStatusOf(env);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["pieces_made"], 3);
  EXPECT_TRUE(status["capturing"].get<bool>());
  EXPECT_EQ(status["pieces_waiting"], 0);
  EXPECT_EQ(status["overruns"], 0);
  EXPECT_TRUE(status["last_upload"].is_string()) << status.dump();
  EXPECT_EQ(listener.Stop(), 0) << listener.stderr_text();
  for (const auto& [path, bytes] : FileContentsUnder(dir / "listener")) {
    EXPECT_EQ(bytes.find("OggS"), std::string::npos) << path << " holds audio in the clear";
  }
}

// `reflexio listen` with its network cut for longer than the pieces recorded, then answers lost on
// the way back, then restored: every piece arrives once, dated when it was said.
TEST(Listener, ThroughACutNetworkAndLostAnswersEveryPieceArrivesOnceWithItsCaptureTime) {
  ListenerRig rig;
  rig.proxy.Set(CuttingProxy::Mode::kRefuse);
  WorkerProcess listener(std::vector<std::string>{"listen"}, rig.env, rig.dir / "listener-run");
  ASSERT_TRUE(Listening(listener)) << listener.stderr_text();
  auto status = [&] { return ListenerStatusOf(rig.env); };
  std::vector<TimePoint> played;
  for (const char* file : {"LJ001-0001.wav", "LJ001-0004.wav"}) {
    played.push_back(SystemClock::Instance().Now());
    rig.pulse.Play((SpeechDir() / file).string());
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  json cut;
  ASSERT_TRUE(WaitUntil([&] {
    cut = status();
    return cut.is_object() && cut["pieces_waiting"] == 2 && cut["last_error"].is_string();
  }, std::chrono::seconds(30))) << cut.dump() << listener.stderr_text();
  Client client(rig.server.base_url(), rig.key);
  EXPECT_TRUE(client.GetJson("/v1/recordings")["items"].empty()) << "nothing went through the cut";

  rig.proxy.Set(CuttingProxy::Mode::kLoseAnswers);
  ASSERT_TRUE(WaitUntil([&] { return rig.proxy.answers_lost() >= 1; }, std::chrono::seconds(30)));
  rig.proxy.Set(CuttingProxy::Mode::kPass);
  json recordings;
  ASSERT_TRUE(WaitUntil([&] {
    json now = status();
    recordings = client.GetJson("/v1/recordings")["items"];
    return now.is_object() && now["pieces_waiting"] == 0 && recordings.size() >= 2;
  }, std::chrono::seconds(60))) << recordings.dump() << listener.stderr_text();
  ASSERT_EQ(recordings.size(), 2u) << "each piece once, the ones whose answer was lost too: " << recordings.dump();
  for (size_t i = 0; i < 2; ++i) {
    ExpectCapturedWhenPlayed(recordings[1 - i], played[i]);
  }
  EXPECT_EQ(listener.Stop(), 0);
}

TEST(Listener, SpooledPiecesReachTheServerOnceWithTheirCaptureTimesThroughALostAnswerAndACrash) {
  TempDir dir;
  auto first = std::make_unique<ServerProcess>(dir / "data");
  std::string key = first->first_run_key();
  Client client(first->base_url(), key);
  auto spool = std::move(Spool::Open(dir / "spool", NewDataKey(), 64 << 20).value());
  TimePoint now = SystemClock::Instance().Now();
  std::map<std::string, TimePoint> captured;  // piece id → capture time
  int minutes_ago = 10;
  for (const char* file : {"LJ001-0001.wav", "LJ001-0002.wav", "p225_001_mic1.flac"}) {
    TimePoint at = AddSeconds(now, -60.0 * minutes_ago--);
    auto id = spool->Add(at, TypeFor(file), ReadFileBytes((SpeechDir() / file).string()));
    ASSERT_TRUE(id.ok()) << id.status().message();
    captured[*id] = at;
  }
  // The second piece went out once before, but its answer was lost: the server has it, the
  // spool does not know.
  std::string lost = spool->Waiting()[1];
  SpooledPiece piece = *spool->Read(lost);
  auto earlier = client.Upload(piece.audio, piece.content_type,
                               {{"X-Captured-At", FormatRfc3339(piece.captured_at)}, {"Idempotency-Key", lost}});
  ASSERT_EQ(earlier.status, 202) << earlier.body;

  CurlHttpClient http;
  PieceUploader uploader(*spool, http, {.server_url = first->base_url(), .api_key = key});
  UploadRound round = uploader.SendWaiting();
  EXPECT_EQ(round.sent, 3) << round.last_error;
  EXPECT_TRUE(spool->Waiting().empty());

  // The server crashes; a piece recorded meanwhile waits in the spool and goes once it is back.
  first->Kill();
  TimePoint during = AddSeconds(now, -60);
  std::string waiting = *spool->Add(during, "audio/wav", ReadFileBytes((SpeechDir() / "LJ001-0003.wav").string()));
  captured[waiting] = during;
  UploadRound refused = uploader.SendWaiting();
  EXPECT_EQ(refused.sent, 0);
  EXPECT_TRUE(refused.retry_in_s.has_value());
  EXPECT_EQ(spool->Waiting(), std::vector<std::string>{waiting});
  ServerProcess second(dir / "data");
  PieceUploader again(*spool, http, {.server_url = second.base_url(), .api_key = key});
  EXPECT_EQ(again.SendWaiting().sent, 1);
  EXPECT_TRUE(spool->Waiting().empty());

  Client after(second.base_url(), key);
  json recordings = after.GetJson("/v1/recordings")["items"];
  ASSERT_EQ(recordings.size(), 4u) << "each piece once: " << recordings.dump();
  std::set<std::string> times;
  for (const json& r : recordings) times.insert(r["captured_at"].get<std::string>());
  for (const auto& [id, at] : captured) {
    EXPECT_TRUE(times.count(FormatRfc3339(at))) << "the capture time of " << id << " is kept: " << recordings.dump();
  }
  for (const json& r : recordings) EXPECT_EQ(after.WaitForRecording(r["id"])["status"], "transcribed");
}

TEST(Listener, AnUploadThroughAStalledConnectionTimesOutAndThePieceStillArrivesOnce) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  CuttingProxy proxy(std::stoi(server.base_url().substr(server.base_url().rfind(':') + 1)));
  auto spool = std::move(Spool::Open(dir / "spool", NewDataKey(), 64 << 20).value());
  TimePoint at = AddSeconds(SystemClock::Instance().Now(), -120);
  ASSERT_TRUE(spool->Add(at, "audio/wav", ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string())).ok());
  CurlHttpClient http;
  PieceUploader uploader(*spool, http, {.server_url = proxy.url(), .api_key = key, .timeout_s = 2});

  // The request reaches the server, which stores it; its answer never comes, nor does a close.
  proxy.Set(CuttingProxy::Mode::kStall);
  auto started = std::chrono::steady_clock::now();
  UploadRound stalled = uploader.SendWaiting();
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(stalled.sent, 0);
  EXPECT_TRUE(stalled.retry_in_s.has_value()) << "a stalled upload is tried again later";
  EXPECT_LT(waited, 30) << "the upload gave up after its timeout instead of hanging";
  EXPECT_EQ(spool->Waiting().size(), 1u) << "kept until a 202 is heard";

  proxy.Set(CuttingProxy::Mode::kPass);
  UploadRound round = uploader.SendWaiting();
  EXPECT_EQ(round.sent, 1) << round.last_error;
  EXPECT_TRUE(spool->Waiting().empty());
  json recordings = Client(server.base_url(), key).GetJson("/v1/recordings")["items"];
  ASSERT_EQ(recordings.size(), 1u) << "stored once, though sent twice: " << recordings.dump();
  EXPECT_EQ(recordings[0]["captured_at"], FormatRfc3339(at));
}

// Waits for `count` recordings, all transcribed; answers them newest first.
json WaitForRecordings(const Client& client, size_t count, const WorkerProcess& listener) {
  json recordings;
  EXPECT_TRUE(WaitUntil([&] {
    recordings = client.GetJson("/v1/recordings")["items"];
    return recordings.size() >= count;
  }, std::chrono::seconds(90))) << recordings.dump() << listener.stderr_text();
  for (const json& r : recordings) EXPECT_EQ(client.WaitForRecording(r["id"])["status"], "transcribed");
  return recordings;
}

void ExpectSaid(const Client& client, const json& recording, const std::string& word) {
  json transcript = client.GetJson("/v1/recordings/" + recording["id"].get<std::string>() + "/transcript");
  EXPECT_NE(transcript.dump().find(word), std::string::npos) << transcript.dump();
}

// `listen --stream`: speech goes to the server as it is heard and is cut there; through a dead
// network and a crash of the listener itself, the frames wait sealed on disk and every utterance
// arrives once, dated when it was said.
TEST(Listener, ListenStreamSendsSpeechAsHeardAndLosesNothingThroughADeadNetworkAndACrash) {
  ListenerRig rig;
  const std::vector<std::string> listen_stream = {"listen", "--stream"};
  auto listener = std::make_unique<WorkerProcess>(listen_stream, rig.env, rig.dir / "run-1");
  ASSERT_TRUE(Listening(*listener)) << listener->stderr_text();
  Client client(rig.server.base_url(), rig.key);
  TimePoint first_played = SystemClock::Instance().Now();
  rig.pulse.Play((SpeechDir() / "LJ001-0001.wav").string());
  json recordings = WaitForRecordings(client, 1, *listener);
  ASSERT_EQ(recordings.size(), 1u);
  ExpectCapturedWhenPlayed(recordings[0], first_played);
  ExpectSaid(client, recordings[0], "exhibition");
  json status = ListenerStatusOf(rig.env);
  EXPECT_EQ(status["mode"], "stream") << status.dump();
  EXPECT_EQ(status["pieces_made"], 1) << "the server's stored piece, counted: " << status.dump();

  // The network dies; what is said meanwhile is spooled; the listener crashes and starts again.
  rig.proxy.Set(CuttingProxy::Mode::kRefuse);
  TimePoint second_played = SystemClock::Instance().Now();
  rig.pulse.Play((SpeechDir() / "LJ001-0004.wav").string());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // sealed: a crash loses only the last second
  listener->Kill();
  listener = std::make_unique<WorkerProcess>(listen_stream, rig.env, rig.dir / "run-2");
  ASSERT_TRUE(Listening(*listener)) << listener->stderr_text();
  EXPECT_TRUE(client.GetJson("/v1/recordings")["items"].size() == 1u) << "nothing went through the dead network";
  rig.proxy.Set(CuttingProxy::Mode::kPass);
  recordings = WaitForRecordings(client, 2, *listener);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  recordings = client.GetJson("/v1/recordings")["items"];
  ASSERT_EQ(recordings.size(), 2u) << "each utterance once: " << recordings.dump();
  ExpectCapturedWhenPlayed(recordings[0], second_played);
  ExpectSaid(client, recordings[0], "predecessors");
  ASSERT_TRUE(WaitUntil([&] {
    status = ListenerStatusOf(rig.env);
    return status.is_object() && status["frames_waiting"].get<int64_t>() < 200;
  }, std::chrono::seconds(30))) << "the crashed run's stream is acknowledged and gone: " << status.dump();
  EXPECT_EQ(status["frames_dropped"], 0);

  // The sound server restarts under it: the silent input ends its stream, the reopened one begins
  // another, and what is said then arrives dated by the new clock.
  rig.pulse.Restart();
  ASSERT_TRUE(WaitUntil([&] { return listener->stderr_text().find("capturing again") != std::string::npos; },
                        std::chrono::seconds(30)))
      << listener->stderr_text();
  TimePoint third_played = SystemClock::Instance().Now();
  rig.pulse.Play((SpeechDir() / "LJ001-0003.wav").string());
  recordings = WaitForRecordings(client, 3, *listener);
  ASSERT_EQ(recordings.size(), 3u) << recordings.dump();
  ExpectCapturedWhenPlayed(recordings[0], third_played);
  ExpectSaid(client, recordings[0], "netherlands");
  EXPECT_EQ(listener->Stop(), 0) << listener->stderr_text();
}

// A server from before streaming (404 to the upgrade): `listen --stream` cuts pieces itself from
// the frames it spooled and uploads them, and nothing said is lost.
TEST(Listener, ListenStreamFallsBackToPiecesWhenTheServerDoesNotStream) {
  ListenerRig rig;
  rig.proxy.Set(CuttingProxy::Mode::kNoStreams);
  WorkerProcess listener(std::vector<std::string>{"listen", "--stream"}, rig.env, rig.dir / "run");
  ASSERT_TRUE(Listening(listener)) << listener.stderr_text();
  Client client(rig.server.base_url(), rig.key);
  TimePoint played = SystemClock::Instance().Now();
  rig.pulse.Play((SpeechDir() / "LJ001-0001.wav").string());
  json recordings = WaitForRecordings(client, 1, listener);
  ASSERT_EQ(recordings.size(), 1u) << recordings.dump();
  ExpectCapturedWhenPlayed(recordings[0], played);
  ExpectSaid(client, recordings[0], "exhibition");
  EXPECT_NE(listener.stderr_text().find("does not take streams"), std::string::npos) << listener.stderr_text();
  json status = ListenerStatusOf(rig.env);
  EXPECT_EQ(status["mode"], "pieces from frames") << status.dump();
  EXPECT_EQ(status["pieces_made"], 1) << status.dump();
  EXPECT_EQ(listener.Stop(), 0) << listener.stderr_text();
}

}  // namespace
}  // namespace reflexio::testing
