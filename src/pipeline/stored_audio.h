// Decoding audio kept in the BlobStore. Decoders read files, so the object is copied into a
// scratch file (it may live on another machine's object store), decoded, and the scratch file
// is removed whatever happens. Thread-safe: every call uses its own scratch file.
#pragma once

#include <filesystem>
#include <string>

#include "audio/decoder.h"
#include "storage/blob_store.h"

namespace reflexio {

// Fetch failures come back as the store reports them; decode failures as the decoder does
// (kUnsupportedMedia or kUnprocessable — see IsUndecodable).
Result<DecodedAudio> DecodeStoredAudio(BlobStore& blobs, const std::string& key, const std::filesystem::path& scratch_dir,
                                       const DecodeOptions& options = {});

// A clip of stored audio, read by range through the store (only what is near the clip is
// fetched and decrypted); the decoder seeks to options.start_s. No scratch file.
Result<DecodedAudio> DecodeStoredClip(BlobStore& blobs, const std::string& key, DecodeOptions options);

inline bool IsUndecodable(const Status& status) {
  return status.code() == ErrorCode::kUnsupportedMedia || status.code() == ErrorCode::kUnprocessable;
}

}  // namespace reflexio
