// `reflexio bench http FILE`: what checking uploads costs the rest of the server. An embedded
// server (SQLite and sealed blobs in a scratch directory, no worker, so nothing is transcribed)
// listens on 127.0.0.1; the speech in FILE is looped to --minutes and encoded as Ogg/Opus, as a
// phone would send it; then, for --rounds rounds, --uploads clients post it at once while one
// more asks /health in a loop. It prints upload acknowledge latency and /health latency, idle and
// while the uploads are checked. It reports figures; it never passes or fails on them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "api/api.h"
#include "http/server.h"
#include "app/bench/corpus.h"
#include "app/flags.h"
#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "core/file_util.h"
#include "core/http_client.h"
#include "http/server.h"

namespace reflexio {

namespace {

void Print(const char* what, Latencies& l) {
  std::printf("%-34s %6zu %9.1f %9.1f %9.1f %9.1f\n", what, l.count(), l.Percentile(0.5), l.Percentile(0.95),
              l.Percentile(0.99), l.Max());
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// One request, timed; a transport failure or an unexpected status stops the bench.
Result<double> Timed(HttpClient& client, const HttpRequest& request, long expected_status) {
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(HttpResponse response, client.Send(request));
  double ms = MillisSince(start);
  if (response.status != expected_status) {
    return Internal(request.method + " " + request.url + " answered " + std::to_string(response.status) + ": " +
                    response.body.substr(0, 200));
  }
  return ms;
}

Result<std::string> LoopedOpus(const std::string& path, double minutes, int bitrate) {
  ASSIGN_OR_RETURN(DecodedAudio audio, DecodeAudioFile(path));
  std::vector<float> looped;
  size_t wanted = static_cast<size_t>(minutes * 60 * kSampleRate);
  looped.reserve(wanted);
  while (looped.size() < wanted) {
    size_t n = std::min(audio.samples.size(), wanted - looped.size());
    looped.insert(looped.end(), audio.samples.begin(), audio.samples.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return EncodeOggOpus(looped, bitrate);
}

struct Bench {
  std::string base_url;
  std::string key;
  std::string body;
  int uploads = 8;

  HttpRequest Health() const { return {.method = "GET", .url = base_url + "/health", .timeout_s = 120}; }
  HttpRequest Upload() const {
    return {.method = "POST", .url = base_url + "/v1/recordings",
            .headers = {{"Authorization", "Bearer " + key}, {"Content-Type", "audio/ogg"}},
            .body = body, .timeout_s = 600};
  }

  // `uploads` uploads at once, and /health asked again and again until they are all answered.
  Status Round(Latencies& acks, Latencies& health) const {
    std::vector<Result<double>> acked(uploads, Internal("not sent"));
    std::atomic<int> outstanding{uploads};
    std::vector<std::thread> clients;
    for (int i = 0; i < uploads; ++i) {
      clients.emplace_back([&, i] {
        CurlHttpClient client;
        acked[i] = Timed(client, Upload(), 202);
        --outstanding;
      });
    }
    CurlHttpClient prober;
    Status probed;
    while (outstanding > 0 && probed.ok()) {
      auto ms = Timed(prober, Health(), 200);
      if (ms.ok()) health.Add(*ms); else probed = ms.status();
    }
    for (auto& t : clients) t.join();
    RETURN_IF_ERROR(probed);
    for (auto& ms : acked) {
      if (!ms.ok()) return ms.status();
      acks.Add(*ms);
    }
    return Status::Ok();
  }
};

}  // namespace

int BenchHttpCommand(const Args& args) {
  std::string file;
  int uploads = 8, rounds = 3;
  double minutes = 5;
  po::options_description options("options");
  options.add_options()
      ("file", po::value(&file), "speech to loop into each upload (any accepted audio format)")
      ("uploads", po::value(&uploads)->value_name("N"), "uploads sent at once (default 8)")
      ("minutes", po::value(&minutes)->value_name("M"), "length of each upload in minutes (default 5)")
      ("rounds", po::value(&rounds)->value_name("N"), "how many times the uploads are sent (default 3)");
  po::positional_options_description positional;
  positional.add("file", 1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench http FILE [--uploads N] [--minutes M] [--rounds N]\n\n"
                         "Measures upload acknowledge latency and /health latency while N uploads are checked at\n"
                         "once, on an embedded server in a scratch directory, and prints the figures.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (file.empty()) return Fail("name a speech file, e.g. reflexio bench http ../shared/data/speech/en/LJ001-0001.wav", 2);
  if (uploads < 1 || rounds < 1 || !(minutes > 0 && minutes <= 60)) {
    return Fail("--uploads and --rounds must be at least 1, --minutes within (0, 60]", 2);
  }
  auto data = OpenBenchServerData("http");
  if (!data.ok()) return Fail(data.status().message());
  const Config& config = data->config;
  const Stores& stores = data->storage.stores();
  Bench bench;
  bench.uploads = uploads;
  bench.key = data->key;
  std::cerr << "encoding " << minutes << " min of " << file << " as Ogg/Opus\n";
  auto body = LoopedOpus(file, minutes, config.opus_bitrate);
  if (!body.ok()) return Fail(file + ": " + body.status().message());
  bench.body = std::move(*body);

  Metrics metrics;
  Ingestor ingestor(stores.recordings, *data->storage.blobs, config, metrics, [] {});
  Api api({stores, *data->storage.blobs, ingestor, config, metrics, nullptr, nullptr, data->storage.keyring.get()});
  Router router;
  api.RegisterRoutes(router);
  HttpServer server(config, router, metrics, [&api](const std::string& key) { return api.Authenticate(key); });
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  bench.base_url = "http://127.0.0.1:" + std::to_string(*port);

  Latencies idle_health, acks, busy_health;
  CurlHttpClient prober;
  for (int i = 0; i < 50; ++i) {
    auto ms = Timed(prober, bench.Health(), 200);
    if (!ms.ok()) return Fail(ms.status().message());
    idle_health.Add(*ms);
  }
  for (int round = 0; round < rounds; ++round) {
    std::cerr << "round " << round + 1 << "/" << rounds << ": " << uploads << " uploads of " << bench.body.size()
              << " bytes at once\n";
    Status s = bench.Round(acks, busy_health);
    if (!s.ok()) return Fail(s.message());
  }
  server.Stop();
  std::printf("%d uploads at once x %d rounds, each %.1f min of Ogg/Opus (%zu bytes), %d HTTP threads, %u cores\n",
              uploads, rounds, minutes, bench.body.size(), config.http_threads, std::thread::hardware_concurrency());
  std::printf("%-34s %6s %9s %9s %9s %9s\n", "latency", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms");
  Print("/health, idle", idle_health);
  Print("/health, while uploads are checked", busy_health);
  Print("upload acknowledged (202)", acks);
  std::printf("/health p50 while checking / idle: %.1fx\n",
              busy_health.Percentile(0.5) / std::max(1e-9, idle_health.Percentile(0.5)));
  return 0;
}

}  // namespace reflexio
