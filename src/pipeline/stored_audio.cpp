#include "pipeline/stored_audio.h"

namespace reflexio {

Result<DecodedAudio> DecodeStoredAudio(BlobStore& blobs, const std::string& key, const DecodeOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, blobs.Open(key));
  ByteSource source;
  source.size = reader->size();
  source.read = [&reader](uint64_t offset, size_t length) { return reader->Read(offset, length); };
  return DecodeAudioSource(source, options);
}

}  // namespace reflexio
