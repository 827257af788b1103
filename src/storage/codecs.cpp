#include "storage/codecs.h"

#include <nlohmann/json.hpp>

namespace reflexio {

using nlohmann::json;

std::string WordsToJson(const std::vector<TranscriptWord>& words) {
  json out = json::array();
  for (const auto& w : words) out.push_back({w.word, w.start_s, w.end_s, w.confidence});
  return out.dump();
}

std::vector<TranscriptWord> WordsFromJson(const std::string& text) {
  std::vector<TranscriptWord> words;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return words;
  for (const auto& w : j) {
    if (w.is_array() && w.size() == 4 && w[0].is_string() && w[1].is_number() && w[2].is_number() &&
        w[3].is_number()) {
      words.push_back({w[0].get<std::string>(), w[1].get<double>(), w[2].get<double>(), w[3].get<double>()});
    }
  }
  return words;
}

std::string StringsToJson(const std::vector<std::string>& strings) { return json(strings).dump(); }

std::vector<std::string> StringsFromJson(const std::string& text) {
  std::vector<std::string> strings;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return strings;
  for (const auto& s : j) {
    if (s.is_string()) strings.push_back(s.get<std::string>());
  }
  return strings;
}

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string text;
  for (const auto& r : reasons) text += (text.empty() ? "" : ",") + r;
  return text;
}

std::vector<std::string> SplitReasons(const std::string& text) {
  std::vector<std::string> reasons;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) reasons.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return reasons;
}

}  // namespace reflexio
