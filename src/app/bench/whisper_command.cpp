// `reflexio bench whisper [--sizes …] [--tokens N] [--rounds N] [--float16] [--concurrent]`: what
// the Whisper engine's arithmetic costs at the published sizes, with random weights (real
// checkpoints cannot be downloaded here; the cost of the arithmetic does not depend on the
// values). For each size it prints the weights' memory, the features and encoder time per 30 s
// window, the decoder time per token, the time to word-align N tokens (one teacher-forced pass),
// and the real-time factor of a window decoded to N tokens and aligned; with --concurrent, two
// whole windows at once on two threads against one after the other (why the engine pool gives
// Whisper one thread). It reports this project's own figures — a ratio to another program is
// honest only when both ran in the same run on the same machine — and never passes or fails.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/bench/corpus.h"
#include "app/flags.h"
#include "asr/whisper/whisper.h"

namespace reflexio {

int BenchWhisperCommand(const Args& args) {
  std::string sizes_text = "tiny,base,small";
  int tokens = 32, rounds = 3;
  bool float16 = false, concurrent = false;
  po::options_description options("options");
  options.add_options()
      ("sizes", po::value(&sizes_text)->value_name("LIST"), "comma-separated: tiny, base, small, medium, large-v3, turbo "
                                                            "(default tiny,base,small)")
      ("tokens", po::value(&tokens)->value_name("N"), "tokens decoded per window (default 32)")
      ("rounds", po::value(&rounds)->value_name("N"), "encoder runs per size; the median is printed (default 3)")
      ("float16", po::bool_switch(&float16), "hold the matrices in float16, as a float16 checkpoint's are")
      ("concurrent", po::bool_switch(&concurrent), "also time two windows at once on two threads against one after "
                                                   "the other");
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench whisper [--sizes LIST] [--tokens N] [--rounds N] [--float16] [--concurrent]\n\n"
                         "Times the Whisper front end, encoder and decoder at published sizes with random weights.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (tokens < 1 || tokens > 400 || rounds < 1) return Fail("--tokens must be 1..400 and --rounds at least 1", 2);
  std::vector<std::string> sizes;
  std::stringstream list(sizes_text);
  for (std::string size; std::getline(list, size, ',');) sizes.push_back(size);

  std::printf("%-9s %11s %12s %12s %14s %9s %8s\n", "size", "weights MB", "features ms", "encoder s",
              "decoder ms/tok", "align ms", "RTF");
  for (const std::string& size : sizes) {
    std::cerr << "building a random " << size << " model\n";
    auto made = WhisperArithmetic::WithRandomWeights(size, float16);
    if (!made.ok()) return Fail(made.status().message(), 2);
    WhisperArithmetic& whisper = **made;
    double features_ms = MedianMs(rounds, [&] { whisper.Features(); });
    double encode_ms = MedianMs(rounds, [&] { whisper.Encode(); });
    whisper.StartDecoding();  // the window's cross-attention, not timed per token
    double token_ms = MedianMs(1, [&] { whisper.DecodeTokens(tokens); }) / tokens;
    double align_ms = MedianMs(rounds, [&] { whisper.Align(tokens); });
    double rtf = (features_ms + encode_ms + tokens * token_ms + align_ms) / 1000.0 / 30.0;
    std::printf("%-9s %11.0f %12.1f %12.3f %14.2f %9.1f %8.3f\n", size.c_str(), whisper.weight_memory_bytes() / 1e6,
                features_ms, encode_ms / 1000.0, token_ms, align_ms, rtf);
    std::fflush(stdout);
    if (concurrent) {  // what an engine pool of two threads would do, against one thread
      auto window = [&] { whisper.Window(tokens); };
      double one_by_one = MedianMs(1, [&] { window(); window(); });
      double at_once = MedianMs(1, [&] {
        std::thread first(window), second(window);
        first.join();
        second.join();
      });
      std::printf("  two windows: one after the other %.0f ms, at once on two threads %.0f ms (%.2fx)\n", one_by_one,
                  at_once, at_once / one_by_one);
    }
  }
  std::printf("RTF: (features + encoder + %d tokens decoded one by one + aligning them in one pass) / 30 s; weights %s.\n",
              tokens, float16 ? "float16" : "float32");
  return 0;
}

}  // namespace reflexio
