// `reflexio listen`: the always-on listener (src/edge/listener.h) — the microphone, cut into
// pieces of speech, sealed in a local spool and uploaded to a Reflexio server; with `--stream`,
// sent as it is heard over GET /v1/stream instead (frames sealed in a local spool until the server
// acknowledges them); `--devices` lists the inputs; `--status` prints what a running listener
// last reported.
//
// Settings come from a TOML file (--config, default $XDG_CONFIG_HOME/reflexio/listen.toml, else
// ~/.config/reflexio/listen.toml), overridden by the environment, overridden by flags:
//   server_url  REFLEXIO_LISTEN_SERVER      the server, e.g. https://reflexio.example
//   api_key     REFLEXIO_LISTEN_API_KEY     never a flag: flags show in `ps`
//   device      REFLEXIO_LISTEN_DEVICE      a PulseAudio source; "" the default input
//   state_dir   REFLEXIO_LISTEN_STATE_DIR   its key, spool and status (default ~/.local/state/reflexio)
//   spool_max   REFLEXIO_LISTEN_SPOOL_MAX   bytes, or with K/M/G (default 256M: days of speech)
//   retry_max_s REFLEXIO_LISTEN_RETRY_MAX_S the longest wait between tries of an upload (default 300)
//   stream      REFLEXIO_LISTEN_STREAM      true: stream (--stream); pieces are cut here only when
//                                           the server does not stream
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/flags.h"
#include "app/stop_signals.h"
#include "core/file_util.h"
#include "core/log.h"
#include "edge/listener.h"
#include "privacy/master_key.h"

namespace reflexio {

namespace {

namespace fs = std::filesystem;

struct ListenSettings {
  std::string server_url, api_key, device, state_dir, spool_max = "256M", retry_max_s = "300", stream = "false";
};

fs::path HomeDir(const char* xdg, const char* fallback) {
  if (const char* set = std::getenv(xdg); set != nullptr && *set != '\0') return fs::path(set) / "reflexio";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : ".") / fallback / "reflexio";
}

Status ReadSettingsFile(const std::string& path, bool required, ListenSettings& s) {
  if (!fs::exists(path)) {
    return required ? NotFound("no listener settings at " + path) : Status::Ok();
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(path + ": " + std::string(e.description()));
  }
  for (auto [key, field] : {std::pair{"server_url", &s.server_url}, {"api_key", &s.api_key}, {"device", &s.device},
                            {"state_dir", &s.state_dir}, {"spool_max", &s.spool_max},
                            {"retry_max_s", &s.retry_max_s}, {"stream", &s.stream}}) {
    if (auto value = root[key].value<std::string>()) *field = *value;
    if (auto flag = root[key].value<bool>()) *field = *flag ? "true" : "false";
    if (auto number = root[key].value<double>()) *field = std::to_string(*number);
  }
  return Status::Ok();
}

void ReadEnvironment(ListenSettings& s) {
  for (auto [name, field] : {std::pair{"REFLEXIO_LISTEN_SERVER", &s.server_url}, {"REFLEXIO_LISTEN_API_KEY", &s.api_key},
                             {"REFLEXIO_LISTEN_DEVICE", &s.device}, {"REFLEXIO_LISTEN_STATE_DIR", &s.state_dir},
                             {"REFLEXIO_LISTEN_SPOOL_MAX", &s.spool_max},
                             {"REFLEXIO_LISTEN_RETRY_MAX_S", &s.retry_max_s}, {"REFLEXIO_LISTEN_STREAM", &s.stream}}) {
    if (const char* value = std::getenv(name); value != nullptr) *field = value;
  }
}

Result<uint64_t> ParseBytes(const std::string& text) {
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string unit = end ? std::string(end) : "";
  double scale = unit.empty() ? 1 : unit == "K" ? 1024.0 : unit == "M" ? 1024.0 * 1024 : unit == "G" ? 1024.0 * 1024 * 1024 : 0;
  if (end == text.c_str() || scale == 0 || !(number > 0)) {
    return InvalidArgument("spool_max must be a size such as 256M or 2G, not '" + text + "'");
  }
  return static_cast<uint64_t>(number * scale);
}

// The listener's own key, made on its first start.
Result<std::string> ListenerKey(const fs::path& state_dir) {
  fs::path file = state_dir / "listener.key";
  if (fs::exists(file)) {
    ASSIGN_OR_RETURN(MasterKey key, ReadKeyFile(file));
    return key.key;
  }
  ASSIGN_OR_RETURN(MasterKey created, CreateKeyFile(file));
  LOG_INFO("made the listener's key " << file.string() << " (its spool opens only with it)");
  return created.key;
}

nlohmann::json StatusJson(const ListenerStatus& s) {
  return {{"capturing", s.capturing}, {"input", s.input}, {"pieces_made", s.pieces_made},
          {"pieces_waiting", s.pieces_waiting}, {"pieces_dropped", s.pieces_dropped},
          {"pieces_rejected", s.pieces_rejected}, {"overruns", s.overruns}, {"mode", s.mode},
          {"frames_waiting", s.frames_waiting}, {"frames_dropped", s.frames_dropped},
          {"last_upload", s.last_upload ? nlohmann::json(FormatRfc3339(*s.last_upload)) : nlohmann::json(nullptr)},
          {"last_error", s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error)},
          {"reported_at", FormatRfc3339(SystemClock::Instance().Now())}};
}

int ListDevices(const std::string& chosen) {
  auto devices = ListPulseSources();
  if (!devices.ok()) return Fail(devices.status().message());
  for (const AudioDevice& d : *devices) {
    std::cout << (d.is_default ? "* " : "  ") << d.name << (d.name == chosen ? " (configured)" : "") << "\t"
              << d.description << "\n";
  }
  if (devices->empty()) std::cout << "no audio inputs\n";
  return 0;
}

int PrintStatus(const fs::path& state_dir) {
  auto text = ReadWholeFile(state_dir / "status.json");
  if (!text.ok()) return Fail("no listener has reported in " + state_dir.string() + " (is `reflexio listen` running?)");
  std::cout << *text << "\n";
  return 0;
}

int Listen(const ListenSettings& s, const fs::path& state_dir) {
  if (s.server_url.empty()) return Fail("say which server: server_url in the settings, or REFLEXIO_LISTEN_SERVER", 2);
  if (s.api_key.empty()) return Fail("the server's API key: api_key in the settings, or REFLEXIO_LISTEN_API_KEY", 2);
  auto spool_max = ParseBytes(s.spool_max);
  if (!spool_max.ok()) return Fail(spool_max.status().message(), 2);
  char* end = nullptr;
  double retry_max_s = std::strtod(s.retry_max_s.c_str(), &end);
  if (end == s.retry_max_s.c_str() || *end != '\0' || !(retry_max_s >= 1 && retry_max_s <= 86400)) {
    return Fail("retry_max_s must be a number of seconds from 1 to 86400, not '" + s.retry_max_s + "'", 2);
  }
  if (s.stream != "true" && s.stream != "false") return Fail("stream must be true or false, not '" + s.stream + "'", 2);
  bool streaming = s.stream == "true";
  StopSignals signals;
  if (Status made = EnsureDirectory(state_dir); !made.ok()) return Fail(made.message());
  auto key = ListenerKey(state_dir);
  if (!key.ok()) return Fail(key.status().message());
  auto spool = Spool::Open(state_dir / "spool", *key, *spool_max);
  if (!spool.ok()) return Fail(spool.status().message());
  auto frames = FrameSpool::Open(state_dir / "frames", *key, *spool_max);
  if (!frames.ok()) return Fail(frames.status().message());
  // A wrong device is said at once; an input lost later is opened again by the listener.
  auto input = OpenPulseInput(s.device);
  if (!input.ok()) return Fail(input.status().message());
  std::string described = (*input)->Describe();
  input->reset();
  CurlHttpClient http;
  PieceUploader uploader(**spool, http,
                         {.server_url = s.server_url, .api_key = s.api_key, .backoff_max_s = retry_max_s});
  fs::path status_file = state_dir / "status.json";
  ListenerOptions options;
  // Written when something changed, else once a minute: a small box's flash is not worn by the second.
  options.on_status = [status_file, last = std::string(), last_at = TimePoint{}](const ListenerStatus& status) mutable {
    nlohmann::json report = StatusJson(status);
    std::string reported_at = report["reported_at"];
    report.erase("reported_at");
    TimePoint now = SystemClock::Instance().Now();
    if (report.dump() == last && ToUnixSeconds(now) - ToUnixSeconds(last_at) < 60) return;
    last = report.dump();
    last_at = now;
    report["reported_at"] = reported_at;
    Status written = WriteFileDurably(status_file, report.dump(2));
    if (!written.ok()) LOG_WARN("cannot write " << status_file.string() << ": " << written.message());
  };
  FrameStreamer streamer(**frames, {.server_url = s.server_url, .api_key = s.api_key, .backoff_max_s = retry_max_s});
  if (streaming) options.streaming = {frames->get(), &streamer};
  LOG_INFO("listening to " << described << "; " << (streaming ? "streamed" : "pieces go") << " to " << s.server_url
                           << " (spool " << (state_dir / (streaming ? "frames" : "spool")).string() << ", at most "
                           << *spool_max << " bytes, " << (*spool)->Stats().pieces << " pieces and "
                           << (*frames)->Stats().frames << " frames waiting)");
  Listener listener([device = s.device] { return OpenPulseInput(device); }, **spool, uploader, options);
  listener.Start();
  int signal_number = signals.Wait();
  LOG_INFO("stopping (signal " << signal_number << "): the speech in hand goes to the spool");
  listener.Stop();
  return 0;
}

}  // namespace

int ListenCommand(const Args& args) {
  std::string config_path, device_flag, server_flag, spool_max_flag;
  po::options_description options("options");
  options.add_options()
      ("config", po::value(&config_path)->value_name("FILE"), "the settings file (default ~/.config/reflexio/listen.toml)")
      ("server", po::value(&server_flag)->value_name("URL"), "the Reflexio server")
      ("device", po::value(&device_flag)->value_name("NAME"), "the input to capture (see --devices)")
      ("spool-max", po::value(&spool_max_flag)->value_name("SIZE"), "the most the spool holds, e.g. 256M")
      ("stream", po::bool_switch(), "send speech as it is heard (GET /v1/stream) rather than in pieces")
      ("devices", po::bool_switch(), "list the audio inputs and exit")
      ("status", po::bool_switch(), "print what the running listener last reported and exit");
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio listen [--server URL] [--device NAME] [--spool-max SIZE] [--stream]\n"
                         "                       [--config FILE]\n"
                         "       reflexio listen --devices | --status\n\n"
                         "Captures speech from a microphone (PulseAudio or PipeWire), keeps each piece sealed in a\n"
                         "local spool and uploads it with its capture time; a piece leaves the spool only once the\n"
                         "server has it, so a dead network or server loses nothing. With --stream the audio goes\n"
                         "as it is heard, 20 ms at a time, and the server cuts and transcribes it (a server that\n"
                         "does not stream gets pieces instead). The API key comes from the settings file\n"
                         "(api_key) or REFLEXIO_LISTEN_API_KEY, never from a flag.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  ListenSettings settings;
  bool named = !config_path.empty();
  if (!named) config_path = (HomeDir("XDG_CONFIG_HOME", ".config") / "listen.toml").string();
  if (Status read = ReadSettingsFile(config_path, named, settings); !read.ok()) return Fail(read.message(), 2);
  ReadEnvironment(settings);
  for (auto [flag, field] : {std::pair{&server_flag, &settings.server_url}, {&device_flag, &settings.device},
                             {&spool_max_flag, &settings.spool_max}}) {
    if (!flag->empty()) *field = *flag;
  }
  fs::path state_dir = settings.state_dir.empty() ? HomeDir("XDG_STATE_HOME", ".local/state") : fs::path(settings.state_dir);
  if ((*vars)["stream"].as<bool>()) settings.stream = "true";
  if ((*vars)["devices"].as<bool>()) return ListDevices(settings.device);
  if ((*vars)["status"].as<bool>()) return PrintStatus(state_dir);
  return Listen(settings, state_dir);
}

}  // namespace reflexio
