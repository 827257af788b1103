#include "asr/engine.h"

namespace reflexio {

std::string CleanRecognizerToken(const std::string& token) {
  if (token.empty()) return "";
  char first = token.front();
  if (first == '<' || first == '[' || first == '+' || first == '(') return "";
  std::string word = token;
  auto paren = word.find('(');
  if (paren != std::string::npos && word.back() == ')') word.erase(paren);
  return word;
}

std::string JoinWords(const std::vector<RecognizedWord>& words) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += w.word;
  }
  return text;
}

Result<Recognition> AsrEngine::TranscribeLocally(std::span<const float> samples_16k) {
  if (!IsLocal()) {
    return Status(ErrorCode::kPermissionDenied, "remote_refused",
                  "this tenant opted out of sending audio away, and the " + Name() + " engine is not local");
  }
  return Transcribe(samples_16k);
}

}  // namespace reflexio
