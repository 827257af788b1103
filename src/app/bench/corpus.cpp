#include "app/bench/corpus.h"

#include "app/speech_folder.h"
#include "core/file_util.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/api_key.h"
#include "text/normalize.h"

namespace reflexio {

Result<std::vector<std::string>> ReadReferenceTexts(const std::vector<std::string>& dirs) {
  std::vector<std::string> references;
  for (const auto& dir : dirs) {
    ASSIGN_OR_RETURN(auto read, ReadTranscriptsTsv(dir));
    for (const auto& [file, reference] : read) {
      if (!reference.empty()) references.push_back(reference);
    }
  }
  if (references.empty()) return NotFound("the folders hold no reference transcripts");
  return references;
}

Result<ScratchDirectory> ScratchDirectory::Create(const std::string& purpose) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("reflexio-bench-" + purpose + "-" + NewId());
  RETURN_IF_ERROR(EnsureDirectory(path));
  return ScratchDirectory(path);
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

double CpuSeconds(int who) {
  struct rusage usage {};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Result<BenchServerData> OpenBenchServerData(const std::string& purpose) {
  ASSIGN_OR_RETURN(ScratchDirectory scratch, ScratchDirectory::Create(purpose));
  Config config;
  config.data_dir = scratch.path().string();
  config.host = "127.0.0.1";
  config.port = 0;
  config.log_level = "warn";
  SetLogLevel(ParseLogLevel(config.log_level));
  RETURN_IF_ERROR(PrepareDataDirectory(config));
  ASSIGN_OR_RETURN(Storage storage, OpenStorage(config));
  const Stores& stores = storage.stores();
  auto tenant = stores.tenants.EnsureTenant("bench");
  std::string key = GenerateApiKey();
  if (!tenant.ok() || !stores.tenants.AddApiKey(tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key)).ok()) {
    return Internal("cannot create the bench tenant");
  }
  return BenchServerData{std::move(scratch), std::move(config), std::move(storage), std::move(key)};
}

Result<std::string> StoreReferenceRecording(const Stores& stores, const std::string& tenant_id,
                                            const std::vector<std::string>& texts, TimePoint captured_at,
                                            bool plaintext_index) {
  Recording r;
  r.tenant_id = tenant_id;
  r.id = NewId();
  r.content_type = "audio/flac";
  r.body_sha256 = "00";
  r.captured_at = r.received_at = captured_at;
  r.source_path = "incoming/" + tenant_id + "/" + r.id;
  RETURN_IF_ERROR(stores.recordings.InsertRecording(r, "transcribe", 1).status());
  ASSIGN_OR_RETURN(auto job, stores.jobs.ClaimJob("bench", 60));
  if (!job) return Internal("the bench job vanished");
  Transcription t;
  t.engine = "reference";
  for (size_t i = 0; i < texts.size(); ++i) {
    Segment s;
    s.seq = static_cast<int>(i);
    s.start_s = 10.0 * i;
    s.end_s = s.start_s + 8;
    s.captured_at = AddSeconds(r.captured_at, s.start_s);
    s.text = texts[i];
    s.engine = "reference";
    double at = s.start_s;
    for (const auto& word : NormalizedWords(s.text)) {
      s.words.push_back({word, at, at + 0.3, 0.9});
      at += 0.35;
    }
    if (plaintext_index) s.index_terms = NormalizeText(s.text);
    t.segments.push_back(std::move(s));
  }
  RETURN_IF_ERROR(stores.transcripts.CompleteTranscription(*job, t));
  return r.id;
}

}  // namespace reflexio
