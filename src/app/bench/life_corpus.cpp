#include "app/bench/life_corpus.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "text/normalize.h"

namespace reflexio {

namespace {

constexpr double kDaySeconds = 86400;

// Words of one language and how often each is spoken: Zipf with exponent 1 over a shuffled order,
// so which words are frequent does not follow the alphabet.
class Language {
 public:
  Language(std::vector<std::vector<std::string>> sentences, std::vector<std::string> vocabulary, std::mt19937_64& rng)
      : sentences_(std::move(sentences)), vocabulary_(std::move(vocabulary)) {
    std::shuffle(vocabulary_.begin(), vocabulary_.end(), rng);
    double total = 0;
    for (size_t rank = 1; rank <= vocabulary_.size(); ++rank) {
      total += 1.0 / static_cast<double>(rank);
      cumulative_.push_back(total);
    }
  }

  const std::vector<std::vector<std::string>>& sentences() const { return sentences_; }

  std::vector<std::string> Segment(int words, std::mt19937_64& rng) const {
    const auto& sentence = sentences_[std::uniform_int_distribution<size_t>(0, sentences_.size() - 1)(rng)];
    size_t fragment = std::min(sentence.size(), std::uniform_int_distribution<size_t>(3, 8)(rng));
    size_t begin = std::uniform_int_distribution<size_t>(0, sentence.size() - fragment)(rng);
    std::vector<std::string> out;
    for (int i = static_cast<int>(fragment); i < words; ++i) out.push_back(ZipfWord(rng));
    size_t at = std::uniform_int_distribution<size_t>(0, out.size())(rng);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), sentence.begin() + static_cast<std::ptrdiff_t>(begin),
               sentence.begin() + static_cast<std::ptrdiff_t>(begin + fragment));
    return out;
  }

 private:
  const std::string& ZipfWord(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
    size_t rank = std::upper_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin();
    return vocabulary_[std::min(rank, vocabulary_.size() - 1)];
  }

  std::vector<std::vector<std::string>> sentences_;
  std::vector<std::string> vocabulary_;
  std::vector<double> cumulative_;
};

std::string Join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

}  // namespace

Result<LifeCorpus> LifeCorpus::Build(const std::vector<std::vector<std::string>>& languages,
                                     const std::vector<std::string>& dictionary, const LifeCorpusOptions& options) {
  if (options.segments < 1 || options.words_per_segment < 4 || options.other_tenants < 0 || options.other_segments < 1) {
    return InvalidArgument("a corpus needs segments of at least 4 words");
  }
  std::mt19937_64 rng(options.seed);
  LifeCorpus corpus;
  std::vector<Language> spoken;
  std::vector<double> weights;
  for (const auto& references : languages) {
    std::vector<std::vector<std::string>> sentences;
    std::set<std::string> own_words;
    for (const auto& reference : references) {
      auto words = NormalizedWords(reference);
      if (words.empty()) continue;
      own_words.insert(words.begin(), words.end());
      sentences.push_back(words);
      corpus.sentences_.push_back(std::move(words));
    }
    if (sentences.empty()) return InvalidArgument("a speech folder holds no words");
    bool latin = static_cast<unsigned char>(own_words.begin()->front()) < 0x80;
    std::vector<std::string> vocabulary = latin && !dictionary.empty()
                                              ? dictionary
                                              : std::vector<std::string>(own_words.begin(), own_words.end());
    weights.push_back(static_cast<double>(sentences.size()));
    spoken.emplace_back(std::move(sentences), std::move(vocabulary), rng);
  }
  if (spoken.empty()) return InvalidArgument("name at least one speech folder");
  std::discrete_distribution<size_t> pick_language(weights.begin(), weights.end());
  std::uniform_int_distribution<int> length(options.words_per_segment / 2, options.words_per_segment * 3 / 2);
  corpus.year_start_ = FromUnixSeconds(1767225600.0);  // 2026-01-01T00:00:00Z

  auto speak = [&](int64_t segments, TimePoint first, double span_s, bool heavy) {
    CorpusTenant tenant;
    int64_t recordings = (segments + kSegmentsPerRecording - 1) / kSegmentsPerRecording;
    for (int64_t r = 0; r < recordings; ++r) {
      CorpusRecording recording;
      recording.captured_at = AddSeconds(first, span_s * static_cast<double>(r) / static_cast<double>(recordings));
      int64_t count = std::min<int64_t>(kSegmentsPerRecording, segments - r * kSegmentsPerRecording);
      for (int64_t s = 0; s < count; ++s) {
        auto words = spoken[pick_language(rng)].Segment(length(rng), rng);
        corpus.total_words_ += static_cast<int64_t>(words.size());
        if (heavy) {
          for (const auto& word : std::set<std::string>(words.begin(), words.end())) ++corpus.document_frequency_[word];
        }
        recording.texts.push_back(Join(words));
      }
      tenant.recordings.push_back(std::move(recording));
    }
    corpus.tenants_.push_back(std::move(tenant));
  };
  speak(options.segments, corpus.year_start_, 365 * kDaySeconds, true);
  for (int t = 0; t < options.other_tenants; ++t) {
    speak(options.other_segments, AddSeconds(corpus.year_start_, 335 * kDaySeconds + 61.0 * t), 30 * kDaySeconds, false);
  }
  for (const auto& [word, count] : corpus.document_frequency_) corpus.words_by_frequency_.push_back(word);
  std::stable_sort(corpus.words_by_frequency_.begin(), corpus.words_by_frequency_.end(),
                   [&](const std::string& a, const std::string& b) {
                     return corpus.document_frequency_.at(a) > corpus.document_frequency_.at(b);
                   });
  return corpus;
}

int64_t LifeCorpus::total_segments() const {
  int64_t total = 0;
  for (const auto& tenant : tenants_) {
    for (const auto& recording : tenant.recordings) total += static_cast<int64_t>(recording.texts.size());
  }
  return total;
}

Result<std::vector<std::string>> ReadDictionary(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(path + " cannot be read (on Debian: apt-get install wamerican)");
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    bool letters = line.size() >= 2 && std::all_of(line.begin(), line.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (letters) words.push_back(line);
  }
  if (words.empty()) return NotFound(path + " holds no lower-case words");
  return words;
}

}  // namespace reflexio
