#include "pipeline/stored_audio.h"

#include <algorithm>
#include <vector>

#include "core/file_util.h"
#include "core/ids.h"
#include "crypto/blob_cipher.h"

namespace reflexio {

Result<DecodedAudio> DecodeStoredAudio(BlobStore& blobs, const std::string& key, const std::filesystem::path& scratch_dir,
                                       const DecodeOptions& options) {
  std::filesystem::path scratch = scratch_dir / ("stored-" + NewId());
  struct RemoveScratch {
    std::filesystem::path path;
    ~RemoveScratch() { RemoveQuietly(path); }
  } cleanup{scratch};
  RETURN_IF_ERROR(blobs.GetToFile(key, scratch));
  return DecodeAudioFile(scratch.string(), options);
}

namespace {

// Reads whole aligned chunks of kBlobFrameSize — one sealed frame each — and keeps the last few,
// so the decoder's many small reads fetch and decrypt every frame once.
class ChunkCache {
 public:
  ChunkCache(BlobStore& blobs, const std::string& key) : blobs_(blobs), key_(key) {}
  Result<std::string> Read(uint64_t offset, size_t length) {
    std::string out;
    while (out.size() < length) {
      uint64_t at = offset + out.size();
      uint64_t index = at / kBlobFrameSize;
      ASSIGN_OR_RETURN(const std::string* chunk, Chunk(index));
      size_t within = static_cast<size_t>(at - index * kBlobFrameSize);
      if (within >= chunk->size()) break;  // past the end
      out.append(*chunk, within, std::min(chunk->size() - within, length - out.size()));
    }
    return out;
  }

 private:
  Result<const std::string*> Chunk(uint64_t index) {
    for (const auto& [cached, bytes] : chunks_) {
      if (cached == index) return &bytes;
    }
    ASSIGN_OR_RETURN(std::string bytes, blobs_.GetRange(key_, index * kBlobFrameSize, kBlobFrameSize));
    if (chunks_.size() == 4) chunks_.erase(chunks_.begin());
    chunks_.emplace_back(index, std::move(bytes));
    return &chunks_.back().second;
  }
  BlobStore& blobs_;
  const std::string& key_;
  std::vector<std::pair<uint64_t, std::string>> chunks_;
};

}  // namespace

Result<DecodedAudio> DecodeStoredClip(BlobStore& blobs, const std::string& key, DecodeOptions options) {
  ByteSource source;
  ASSIGN_OR_RETURN(source.size, blobs.GetSize(key));
  ChunkCache cache(blobs, key);
  source.read = [&cache](uint64_t offset, size_t length) { return cache.Read(offset, length); };
  options.seek = true;
  return DecodeAudioSource(source, options);
}

}  // namespace reflexio
