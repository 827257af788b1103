// LifeCorpus: what a year of one person's speech, and a month of many others', looks like to
// search — built deterministically from the dev transcripts, for `reflexio bench search --year`.
//
// Each segment is a fragment of a spoken sentence (3–8 consecutive words of a reference
// transcript) set among words drawn from a Zipf distribution over a vocabulary — a packaged word
// list (Debian's wamerican) for Latin-script transcripts, the transcripts' own words otherwise —
// so that a few words are in most segments and most words in very few, as in real speech. The
// heavy user (tenant 0) speaks `segments` segments spread evenly over 365 days; every other
// tenant speaks `other_segments` over the last 30 of them. Recordings hold 60 segments, 10 s
// apart. Built once, then read only: safe to share between threads after Build returns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

struct LifeCorpusOptions {
  int64_t segments = 460000;       // the heavy user's year: about 2 hours of speech a day
  int words_per_segment = 15;      // on average (7 million words a year)
  int other_tenants = 50;
  int64_t other_segments = 9500;   // each other tenant's month: about 30 minutes a day
  uint64_t seed = 20261207;
};

struct CorpusRecording {
  TimePoint captured_at;
  std::vector<std::string> texts;  // one per segment, 10 s apart
};

struct CorpusTenant {
  std::vector<CorpusRecording> recordings;
};

class LifeCorpus {
 public:
  static constexpr int kSegmentsPerRecording = 60;

  // `languages`: each speech folder's reference transcripts; `dictionary`: the word list mixed
  // into Latin-script segments. kInvalidArgument when a language has no words.
  static Result<LifeCorpus> Build(const std::vector<std::vector<std::string>>& languages,
                                  const std::vector<std::string>& dictionary, const LifeCorpusOptions& options);

  const std::vector<CorpusTenant>& tenants() const { return tenants_; }
  const CorpusTenant& heavy_user() const { return tenants_.front(); }
  TimePoint year_start() const { return year_start_; }
  // How many of the heavy user's segments hold each normalised word.
  const std::map<std::string, int64_t>& document_frequency() const { return document_frequency_; }
  // The heavy user's words, most frequent first.
  const std::vector<std::string>& words_by_frequency() const { return words_by_frequency_; }
  int64_t total_segments() const;
  int64_t total_words() const { return total_words_; }
  // The reference sentences, normalised, for phrase queries.
  const std::vector<std::vector<std::string>>& sentences() const { return sentences_; }

 private:
  std::vector<CorpusTenant> tenants_;
  TimePoint year_start_;
  std::map<std::string, int64_t> document_frequency_;
  std::vector<std::string> words_by_frequency_;
  std::vector<std::vector<std::string>> sentences_;
  int64_t total_words_ = 0;
};

// The lower-case, letters-only words of a word list file (one per line): proper names and
// possessives are left out. kNotFound with a hint to install wamerican when it is missing.
Result<std::vector<std::string>> ReadDictionary(const std::string& path);

}  // namespace reflexio
