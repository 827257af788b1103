// WhisperTokenizer: Whisper's byte-level BPE vocabulary, read from a model directory in the
// Hugging Face layout — `vocab.json` (token string → id, in GPT-2's byte alphabet) and, when
// present, the special tokens of `added_tokens.json` or `tokenizer.json` ("<|en|>",
// "<|transcribe|>", "<|0.00|>", …).
//
// Decode() turns ids into text: special tokens (ids from end-of-text up) are left out, the
// token strings concatenated, every character mapped back to its byte, the bytes read as UTF-8.
// Thread-safe after Load.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace reflexio {

class WhisperTokenizer {
 public:
  // `end_of_text`: the first special id (config.json's eos_token_id).
  static Result<WhisperTokenizer> Load(const std::string& model_dir, int end_of_text);

  std::string Decode(const std::vector<int>& ids) const;
  // The id of a special or ordinary token by its text ("<|ru|>"), if the vocabulary has it.
  std::optional<int> Find(const std::string& token) const;
  size_t size() const { return id_to_token_.size(); }

 private:
  std::vector<std::string> id_to_token_;  // "" where an id has no entry
  std::unordered_map<std::string, int> token_to_id_;
  int end_of_text_ = 50257;
};

}  // namespace reflexio
