// `reflexio models check DIR`: whether a Whisper checkpoint directory (Hugging Face layout) is one
// the engine can run, and what it holds — size, parameters, weight type, mel bins, vocabulary and
// languages — read from its files without loading the weights. Exit status: 0 usable, 1 not
// (the first problem found, naming the file), 2 bad usage.
#include <cstdio>
#include <iostream>

#include "app/flags.h"
#include "asr/whisper/whisper.h"

namespace reflexio {

int ModelsCommand(const Args& args) {
  if (args.empty() || (args[0] != "check" && args[0] != "--help" && args[0] != "-h")) {
    return Fail("usage: reflexio models check DIR", 2);
  }
  std::string dir;
  po::options_description options("options");
  options.add_options()("dir", po::value(&dir), "the model directory: config.json, model.safetensors, vocab.json, …");
  po::positional_options_description positional;
  positional.add("dir", 1);
  int exit_code = 0;
  auto vars = ParseFlags(args[0] == "check" ? Args(args.begin() + 1, args.end()) : args,
                         "usage: reflexio models check DIR\n\n"
                         "Checks a Whisper checkpoint in the Hugging Face layout (as cloned from huggingface.co, e.g.\n"
                         "openai/whisper-small) and prints its size, weights and languages. Point REFLEXIO_WHISPER_MODEL\n"
                         "at a directory this accepts.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dir.empty()) return Fail("name the model directory: reflexio models check DIR", 2);
  auto info = InspectWhisperCheckpoint(dir);
  if (!info.ok()) return Fail(info.status().message());
  std::printf("%s: Whisper %s — %.1f M parameters in %s (%.1f MB), %d mel bins, %d+%d layers of %d\n", dir.c_str(),
              info->size.c_str(), info->parameters / 1e6, info->dtype.c_str(), info->weight_bytes / 1e6, info->n_mels,
              info->encoder_layers, info->decoder_layers, info->d_model);
  if (info->multilingual) {
    std::printf("vocabulary: %d ids (%zu in the tokenizer files), multilingual: %zu languages (ru: %s, en: %s)\n",
                info->vocab_size, info->tokenizer_entries, info->languages.size(),
                info->languages.count("ru") ? "yes" : "no", info->languages.count("en") ? "yes" : "no");
  } else {
    std::printf("vocabulary: %d ids (%zu in the tokenizer files), English only\n", info->vocab_size,
                info->tokenizer_entries);
  }
  std::printf("ok: REFLEXIO_WHISPER_MODEL=%s makes it the transcription engine\n", dir.c_str());
  return 0;
}

}  // namespace reflexio
