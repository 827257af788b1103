#include "asr/whisper/tokenizer.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "asr/whisper/checkpoint_json.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

// GPT-2's byte alphabet: each byte is written as a printable code point; this maps back.
const std::unordered_map<uint32_t, uint8_t>& ByteOfCodePoint() {
  static const std::unordered_map<uint32_t, uint8_t> table = [] {
    std::unordered_map<uint32_t, uint8_t> t;
    std::vector<int> printable;
    for (int b = '!'; b <= '~'; ++b) printable.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) printable.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) printable.push_back(b);
    std::vector<bool> is_printable(256, false);
    for (int b : printable) {
      is_printable[b] = true;
      t[static_cast<uint32_t>(b)] = static_cast<uint8_t>(b);
    }
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      if (!is_printable[b]) t[next++] = static_cast<uint8_t>(b);
    }
    return t;
  }();
  return table;
}

}  // namespace

Result<WhisperTokenizer> WhisperTokenizer::Load(const std::string& model_dir, int end_of_text) {
  namespace fs = std::filesystem;
  WhisperTokenizer tokenizer;
  tokenizer.end_of_text_ = end_of_text;
  ASSIGN_OR_RETURN(json vocab, ReadCheckpointJson(fs::path(model_dir) / "vocab.json"));
  if (!vocab.is_object() || vocab.empty()) {
    return InvalidArgument(model_dir + "/vocab.json is not a token → id object", "invalid_model");
  }
  auto add = [&](const std::string& token, int id) {
    if (id < 0) return;
    if (static_cast<size_t>(id) >= tokenizer.id_to_token_.size()) tokenizer.id_to_token_.resize(id + 1);
    tokenizer.id_to_token_[id] = token;
    tokenizer.token_to_id_[token] = id;
  };
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) return InvalidArgument(model_dir + "/vocab.json: " + token + " has no id", "invalid_model");
    add(token, id.get<int>());
  }
  if (fs::exists(fs::path(model_dir) / "added_tokens.json")) {
    ASSIGN_OR_RETURN(json added, ReadCheckpointJson(fs::path(model_dir) / "added_tokens.json"));
    for (const auto& [token, id] : added.items()) {
      if (id.is_number_integer()) add(token, id.get<int>());
    }
  } else if (fs::exists(fs::path(model_dir) / "tokenizer.json")) {
    ASSIGN_OR_RETURN(json full, ReadCheckpointJson(fs::path(model_dir) / "tokenizer.json"));
    for (const json& t : full.value("added_tokens", json::array())) {
      if (t.contains("content") && t.contains("id")) add(t["content"].get<std::string>(), t["id"].get<int>());
    }
  }
  return tokenizer;
}

std::optional<int> WhisperTokenizer::Find(const std::string& token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

std::string WhisperTokenizer::Decode(const std::vector<int>& ids) const {
  const auto& byte_of = ByteOfCodePoint();
  std::string bytes;
  for (int id : ids) {
    if (id < 0 || id >= end_of_text_ || static_cast<size_t>(id) >= id_to_token_.size()) continue;
    const std::string& token = id_to_token_[id];
    for (size_t i = 0; i < token.size();) {
      // One UTF-8 code point of the token string.
      unsigned char lead = static_cast<unsigned char>(token[i]);
      size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      uint32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
      for (size_t j = 1; j < length && i + j < token.size(); ++j) cp = (cp << 6) | (token[i + j] & 0x3F);
      i += length;
      auto byte = byte_of.find(cp);
      if (byte != byte_of.end()) bytes += static_cast<char>(byte->second);
    }
  }
  return bytes;
}

}  // namespace reflexio
