// `reflexio bench stream FILE`: how many real-time streams (GET /v1/stream) one server ingests
// durably on this machine. An embedded server (SQLite and sealed blobs in a scratch directory, no
// worker, so nothing is transcribed but what the live decoders hear) listens on 127.0.0.1. For
// each count in --streams, a second process (`reflexio bench stream-clients`, so the server's CPU
// is its own) opens that many streams, each sending the speech in FILE with 3 s pauses between
// its repeats as 20 ms Opus frames at 16 kbit/s in real time. Once all are connected and a warm-up
// has passed, the server's CPU time and memory are measured for --seconds. Printed per count:
// server CPU (of all cores, and per stream), resident memory (and per stream), pieces stored, and
// how long after its last frame a piece was reported stored (the cutter waits 2 s of quiet by
// design; a server that falls behind lets this grow). It reports figures; it never passes or fails.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "api/api.h"
#include "app/bench/corpus.h"
#include "app/flags.h"
#include "audio/decoder.h"
#include "audio/opus_frames.h"
#include "audio/stream_frame.h"
#include "http/server.h"
#include "api/stream_ingest.h"

namespace reflexio {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kFrameMs = 20;
constexpr size_t kFrameSamples = 16000 * kFrameMs / 1000;

// VmRSS or VmHWM of this process, in MB.
double MemoryMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

// FILE, then 3 s of quiet, as the Opus frames one device would send, repeated.
Result<std::vector<std::string>> SpeechFrames(const std::string& file) {
  ASSIGN_OR_RETURN(DecodedAudio audio, DecodeAudioFile(file));
  std::vector<float> samples = std::move(audio.samples);
  uint32_t noise = 1;
  for (int i = 0; i < 3 * 16000; ++i) {  // a room's quiet, not digital zeros
    noise = noise * 1664525u + 1013904223u;
    samples.push_back(0.0005f * (static_cast<float>(noise >> 8) / 8388608.0f - 1.0f));
  }
  ASSIGN_OR_RETURN(auto encoder, OpusFrameEncoder::Create(16000));
  std::vector<std::string> frames;
  for (size_t at = 0; at + kFrameSamples <= samples.size(); at += kFrameSamples) {
    ASSIGN_OR_RETURN(std::string packet, encoder->Encode(std::span<const float>(samples).subspan(at, kFrameSamples)));
    frames.push_back(std::move(packet));
  }
  return frames;
}

// ---- the clients' process ----

struct ClientTally {
  int connected = 0, failed = 0;
  int64_t frames = 0, stored = 0, partials = 0, late_frames = 0;
  Latencies stored_lag;  // ms from sending a piece's last frame to its "stored"
  std::map<int, int> closes;
  bool stopping = false;
};

struct Device : std::enable_shared_from_this<Device> {
  Device(asio::io_context& io, const std::vector<std::string>& frames) : ws(io), timer(io), frames(frames) {}
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer timer;
  const std::vector<std::string>& frames;
  std::vector<SteadyClock::time_point> sent_at;
};

awaitable<void> ReadAnswers(std::shared_ptr<Device> device, ClientTally& tally) {
  beast::flat_buffer buffer;
  while (true) {
    boost::system::error_code ec;
    co_await device->ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == websocket::error::closed && !tally.stopping) ++tally.closes[device->ws.reason().code];
      co_return;
    }
    json message = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    buffer.clear();
    std::string type = message.is_object() ? message.value("type", "") : "";
    if (type == "partial") ++tally.partials;
    if (type == "stored") {
      ++tally.stored;
      auto last = message["last_seq"].get<size_t>();
      if (last < device->sent_at.size()) {
        tally.stored_lag.Add(std::chrono::duration<double, std::milli>(SteadyClock::now() - device->sent_at[last]).count());
      }
    }
  }
}

awaitable<void> RunDevice(std::shared_ptr<Device> device, asio::ip::tcp::endpoint server, std::string key,
                          int index, ClientTally& tally, int& connected_so_far, int total) {
  boost::system::error_code ec;
  co_await beast::get_lowest_layer(device->ws).async_connect(server, asio::redirect_error(use_awaitable, ec));
  device->ws.set_option(websocket::stream_base::decorator(
      [key](websocket::request_type& request) { request.set(beast::http::field::authorization, "Bearer " + key); }));
  if (!ec) co_await device->ws.async_handshake("127.0.0.1", "/v1/stream", asio::redirect_error(use_awaitable, ec));
  json start = {{"type", "start"}, {"stream_id", "bench-device-" + std::to_string(index)}, {"format", "opus"},
                {"frame_ms", kFrameMs}, {"captured_at", FormatRfc3339(SystemClock::Instance().Now())}};
  device->ws.text(true);
  if (!ec) co_await device->ws.async_write(asio::buffer(start.dump()), asio::redirect_error(use_awaitable, ec));
  if (ec) {
    ++tally.failed;
    if (++connected_so_far == total) std::cout << "connected" << std::endl;
    co_return;
  }
  ++tally.connected;
  if (++connected_so_far == total) std::cout << "connected" << std::endl;
  asio::co_spawn(device->ws.get_executor(), ReadAnswers(device, tally), asio::detached);
  device->ws.binary(true);
  size_t offset = static_cast<size_t>(index * 37) % device->frames.size();  // devices do not speak in chorus
  auto next = SteadyClock::now();
  std::string message;
  for (uint64_t seq = 0; !tally.stopping; ++seq) {
    next += std::chrono::milliseconds(kFrameMs);
    device->timer.expires_at(next);
    co_await device->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (SteadyClock::now() - next > std::chrono::milliseconds(kFrameMs)) ++tally.late_frames;
    const std::string& frame = device->frames[(offset + seq) % device->frames.size()];
    message = StreamFrameMessage(seq, frame);
    device->sent_at.push_back(SteadyClock::now());
    co_await device->ws.async_write(asio::buffer(message), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    ++tally.frames;
  }
  beast::get_lowest_layer(device->ws).close();
}

}  // namespace

// Hidden: the clients of `bench stream`. Prints "connected" once every stream is open, streams
// until a line arrives on stdin, then prints its tally as one JSON line.
int BenchStreamClientsCommand(const Args& args) {
  if (args.size() != 4) return Fail("usage: reflexio bench stream-clients PORT KEY STREAMS FILE", 2);
  auto frames = SpeechFrames(args[3]);
  if (!frames.ok()) return Fail(args[3] + ": " + frames.status().message());
  int total = std::stoi(args[2]);
  asio::io_context io;
  asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(args[0])));
  ClientTally tally;
  int connected_so_far = 0;
  std::vector<std::shared_ptr<Device>> devices;
  for (int i = 0; i < total; ++i) {
    devices.push_back(std::make_shared<Device>(io, *frames));
    asio::co_spawn(io, RunDevice(devices.back(), server, args[1], i, tally, connected_so_far, total), asio::detached);
  }
  std::thread stopper([&] {
    std::string line;
    std::getline(std::cin, line);
    asio::post(io, [&] {
      tally.stopping = true;
      for (auto& d : devices) d->timer.cancel();
    });
  });
  io.run();
  stopper.join();
  json out = {{"connected", tally.connected}, {"failed", tally.failed}, {"frames", tally.frames},
              {"stored", tally.stored}, {"partials", tally.partials}, {"late_frames", tally.late_frames},
              {"stored_lag_ms", {{"p50", tally.stored_lag.Percentile(0.5)}, {"p95", tally.stored_lag.Percentile(0.95)},
                                 {"max", tally.stored_lag.Max()}}},
              {"cpu_s", CpuSeconds()}, {"closes", json::object()}};
  for (const auto& [code, n] : tally.closes) out["closes"][std::to_string(code)] = n;
  std::cout << out.dump() << std::endl;
  return 0;
}

namespace {

// The clients' process, its stdin and stdout as pipes.
struct Clients {
  pid_t pid = -1;
  FILE* to = nullptr;
  FILE* from = nullptr;

  static Result<Clients> Start(int port, const std::string& key, int streams, const std::string& file) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return Internal("pipe failed");
    Clients c;
    c.pid = fork();
    if (c.pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::string port_text = std::to_string(port), streams_text = std::to_string(streams);
      execl("/proc/self/exe", "reflexio", "bench", "stream-clients", port_text.c_str(), key.c_str(),
            streams_text.c_str(), file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c.to = fdopen(in[1], "w");
    c.from = fdopen(out[0], "r");
    return c;
  }
  std::string ReadLine() {
    char line[1 << 16];
    return fgets(line, sizeof line, from) ? std::string(line) : "";
  }
  json Finish() {
    std::fputs("stop\n", to);
    std::fflush(to);
    json tally = json::parse(ReadLine(), nullptr, false);
    std::fclose(to);
    std::fclose(from);
    waitpid(pid, nullptr, 0);
    return tally;
  }
};

struct Round {
  int streams = 0;
  double cpu_cores = 0, rss_mb = 0, rss_idle_mb = 0;
  json tally;
  int64_t stored = 0, partials = 0;
};

}  // namespace

int BenchStreamCommand(const Args& args) {
  std::string file, counts = "100,250,500,1000";
  double seconds = 60, warmup = 10;
  int live = 0;
  po::options_description options("options");
  options.add_options()
      ("file", po::value(&file), "speech each device repeats (any accepted audio format)")
      ("streams", po::value(&counts)->value_name("N,N,…"), "stream counts to measure (default 100,250,500,1000)")
      ("seconds", po::value(&seconds)->value_name("S"), "measured seconds per count (default 60)")
      ("warmup", po::value(&warmup)->value_name("S"), "seconds after all connect before measuring (default 10)")
      ("live", po::value(&live)->value_name("N"), "live PocketSphinx decoders for partial transcripts (default 0)");
  po::positional_options_description positional;
  positional.add("file", 1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench stream FILE [--streams N,N,…] [--seconds S] [--warmup S] [--live N]\n\n"
                         "Measures the CPU and memory an embedded server spends on N real-time Opus streams\n"
                         "(GET /v1/stream), each repeating FILE with pauses, and how soon each piece is stored.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (file.empty()) return Fail("name a speech file, e.g. reflexio bench stream ../shared/data/speech/en/LJ001-0001.wav", 2);
  std::vector<int> stream_counts;
  std::stringstream list(counts);
  for (std::string n; std::getline(list, n, ',');) stream_counts.push_back(std::atoi(n.c_str()));
  if (stream_counts.empty() || std::any_of(stream_counts.begin(), stream_counts.end(), [](int n) { return n < 1; }) ||
      !(seconds > 0) || warmup < 0 || live < 0) {
    return Fail("--streams takes positive counts, --seconds a positive number, --warmup and --live at least 0", 2);
  }
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  std::vector<Round> rounds;
  for (int streams : stream_counts) {
    auto data = OpenBenchServerData("stream");
    if (!data.ok()) return Fail(data.status().message());
    Config& config = data->config;
    config.stream_live_transcribers = live;
    const Stores& stores = data->storage.stores();
    const std::string& key = data->key;
    Metrics metrics;
    Ingestor ingestor(stores.recordings, *data->storage.blobs, config, metrics, [] {});
    std::unique_ptr<LiveTranscriberPool> decoders;
    if (live > 0) {
      auto made = LiveTranscriberPool::Create(live, config.pocketsphinx_model_dir);
      if (!made.ok()) return Fail(made.status().message());
      decoders = std::move(made).value();
    }
    StreamIngest ingest({ingestor, stores.recordings, stores.transcripts, config, nullptr, decoders.get()});
    ApiDependencies deps{stores, *data->storage.blobs, ingestor, config, metrics, nullptr, nullptr,
                         data->storage.keyring.get()};
    deps.streams = &ingest;
    Api api(deps);
    Router router;
    api.RegisterRoutes(router);
    HttpServer server(config, router, metrics, [&api](const std::string& k) { return api.Authenticate(k); });
    auto port = server.Start();
    if (!port.ok()) return Fail(port.status().message());
    Round round;
    round.streams = streams;
    round.rss_idle_mb = MemoryMb("VmRSS");
    std::cerr << streams << " streams: connecting\n";
    auto clients = Clients::Start(*port, key, streams, file);
    if (!clients.ok()) return Fail(clients.status().message());
    if (clients->ReadLine().rfind("connected", 0) != 0) return Fail("the clients' process failed to start");
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    double cpu_before = CpuSeconds();
    StreamIngestStats before = ingest.Stats();
    auto started = SteadyClock::now();
    std::cerr << streams << " streams: measuring for " << seconds << " s\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    double elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
    round.cpu_cores = (CpuSeconds() - cpu_before) / elapsed;
    round.rss_mb = MemoryMb("VmRSS");
    StreamIngestStats after = ingest.Stats();
    round.stored = after.pieces_stored - before.pieces_stored;
    round.partials = after.partials_sent - before.partials_sent;
    round.tally = clients->Finish();
    server.Stop();
    ingest.Stop();
    rounds.push_back(round);
  }

  std::printf("%u cores; each stream: Opus 16 kbit/s in %d ms frames, real time, speech with 3 s pauses; "
              "%d live decoder(s); %.0f s measured per count\n",
              std::thread::hardware_concurrency(), kFrameMs, live, seconds);
  std::printf("%8s %9s %8s %11s %9s %9s %7s %9s %11s %11s %11s\n", "streams", "connected", "cpu_%", "cpu_ms/s/st",
              "rss_MB", "MB/stream", "pieces", "partials", "stored_p50", "stored_p95", "stored_max");
  for (Round& r : rounds) {
    const json& t = r.tally;
    auto lag = [&](const char* p) { return t.contains("stored_lag_ms") ? t["stored_lag_ms"].value(p, 0.0) / 1000 : 0.0; };
    double client_cpu = t.value("cpu_s", 0.0);
    std::printf("%8d %9d %8.1f %11.2f %9.1f %9.3f %7lld %9lld %10.2fs %10.2fs %10.2fs\n", r.streams,
                t.value("connected", 0), 100 * r.cpu_cores, 1000 * r.cpu_cores / r.streams, r.rss_mb,
                (r.rss_mb - r.rss_idle_mb) / r.streams, static_cast<long long>(r.stored),
                static_cast<long long>(r.partials), lag("p50"), lag("p95"), lag("max"));
    std::printf("         clients' process: %.1f CPU s in all, %lld frames sent, %lld sent late, closes %s\n",
                client_cpu, static_cast<long long>(t.value("frames", int64_t{0})),
                static_cast<long long>(t.value("late_frames", int64_t{0})), t.value("closes", json::object()).dump().c_str());
  }
  return 0;
}

}  // namespace reflexio
