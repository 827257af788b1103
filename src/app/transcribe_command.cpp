// `reflexio transcribe FILE…`: the same pipeline as the server, on local files, no database.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "app/flags.h"
#include "asr/engine_pool.h"
#include "audio/decoder.h"
#include "audio/vad.h"
#include "pipeline/speech_pipeline.h"

namespace reflexio {

int TranscribeCommand(const Args& args) {
  CommonFlags flags;
  std::vector<std::string> files;
  std::string engine;
  po::options_description options("options");
  options.add_options()
      ("files", po::value(&files)->multitoken(), "audio files")
      ("engine", po::value(&engine)->value_name("NAME"), "pocketsphinx, remote or whisper (default: whisper when REFLEXIO_WHISPER_MODEL is set, else pocketsphinx)")
      ("json", po::bool_switch(), "print the transcript JSON (one object per file) instead of text");
  AddCommonFlags(options, flags, false);
  po::positional_options_description positional;
  positional.add("files", -1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio transcribe FILE... [--engine NAME] [--json]\n\n"
                         "Decodes each file (WAV, FLAC, Ogg/Opus, WebM, M4A, MP3), finds speech, transcribes it\n"
                         "offline and prints the text (or JSON with word times) on stdout; progress goes to stderr.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (files.empty()) return Fail("name at least one audio file (see --help)", 2);
  bool as_json = (*vars)["json"].as<bool>();
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto factory = MakeEngineFactory(*config, engine);
  if (!factory.ok()) return Fail(factory.status().message());
  auto pool = EnginePool::Create(config->worker_threads, *factory);
  if (!pool.ok()) return Fail(pool.status().message());

  int failures = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& file = files[i];
    std::string prefix = "[" + std::to_string(i + 1) + "/" + std::to_string(files.size()) + "] " + file;
    std::cerr << prefix << ": decoding\n";
    auto audio = DecodeAudioFile(file);
    if (!audio.ok()) {
      Fail(file + ": " + audio.status().message());
      ++failures;
      continue;
    }
    auto vad = MakeVad(config->vad);
    if (!vad.ok()) return Fail(vad.status().message());
    auto result = RunSpeechPipeline(audio->samples, **vad, **pool, SystemClock::Instance().Now(),
                                    [&](int done, int total) {
                                      std::cerr << "\r" << prefix << ": transcribed " << done << "/" << total
                                                << " parts" << std::flush;
                                    });
    std::cerr << "\n";
    if (!result.ok()) {
      Fail(file + ": " + result.status().message());
      ++failures;
      continue;
    }
    const Transcription& t = result->transcription;
    if (as_json) {
      nlohmann::json segments = nlohmann::json::array();
      for (const auto& s : t.segments) segments.push_back(SegmentJson(s));
      std::cout << nlohmann::json{{"file", file},
                                  {"engine", t.engine},
                                  {"language", t.language},
                                  {"duration_seconds", Millis(t.duration_s)},
                                  {"speech_seconds", Millis(t.speech_s)},
                                  {"segments", segments}}
                       .dump()
                << "\n";
    } else {
      std::string text;
      for (const auto& s : t.segments) text += (text.empty() ? "" : " ") + s.text;
      std::cout << (files.size() > 1 ? file + ": " : "") << text << "\n";
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace reflexio
