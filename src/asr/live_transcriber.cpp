#include "asr/live_transcriber.h"

#include <pocketsphinx.h>

#include <sstream>

#include "asr/engine.h"
#include "audio/pcm16.h"

namespace reflexio {

Result<std::unique_ptr<LiveTranscriber>> LiveTranscriber::Create(const std::string& model_dir) {
  ASSIGN_OR_RETURN(PocketSphinxDecoder decoder, LoadPocketSphinx(model_dir));
  return std::unique_ptr<LiveTranscriber>(new LiveTranscriber(decoder));
}

LiveTranscriber::~LiveTranscriber() {
  End();
  ps_free(decoder_.decoder);
  cmd_ln_free_r(decoder_.config);
}

Status LiveTranscriber::Begin() {
  End();
  if (ps_start_utt(decoder_.decoder) < 0) return Internal("PocketSphinx could not start an utterance");
  in_utterance_ = true;
  return Status::Ok();
}

Status LiveTranscriber::Feed(std::span<const float> samples_16k) {
  if (!in_utterance_) return Internal("audio fed to a live transcriber outside an utterance");
  std::vector<int16_t> pcm = ToPcm16(samples_16k);
  if (ps_process_raw(decoder_.decoder, pcm.data(), pcm.size(), FALSE, FALSE) < 0) {
    return Internal("PocketSphinx failed to process audio");
  }
  return Status::Ok();
}

std::string LiveTranscriber::Hypothesis() {
  if (!in_utterance_) return "";
  int32 score = 0;
  const char* hyp = ps_get_hyp(decoder_.decoder, &score);
  if (hyp == nullptr) return "";
  std::istringstream tokens(hyp);
  std::string out;
  for (std::string token; tokens >> token;) {
    std::string word = CleanRecognizerToken(token);
    if (!word.empty()) out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

void LiveTranscriber::End() {
  if (!in_utterance_) return;
  ps_end_utt(decoder_.decoder);
  in_utterance_ = false;
}

Result<std::unique_ptr<LiveTranscriberPool>> LiveTranscriberPool::Create(int size, const std::string& model_dir) {
  std::unique_ptr<LiveTranscriberPool> pool(new LiveTranscriberPool());
  pool->size_ = size;
  MutexLock lock(pool->mutex_);
  for (int i = 0; i < size; ++i) {
    ASSIGN_OR_RETURN(auto transcriber, LiveTranscriber::Create(model_dir));
    pool->free_.push_back(std::move(transcriber));
  }
  return pool;
}

std::unique_ptr<LiveTranscriber> LiveTranscriberPool::TryTake() {
  MutexLock lock(mutex_);
  if (free_.empty()) return nullptr;
  auto taken = std::move(free_.back());
  free_.pop_back();
  return taken;
}

void LiveTranscriberPool::Return(std::unique_ptr<LiveTranscriber> transcriber) {
  if (!transcriber) return;
  transcriber->End();
  MutexLock lock(mutex_);
  free_.push_back(std::move(transcriber));
}

}  // namespace reflexio
