// Decoding audio kept in the BlobStore, read by range through the store: FFmpeg's custom I/O
// asks for bytes, the store hands them over (an EncryptedBlobStore opens only the frames that
// hold them), and nothing is copied to a local file — sealed audio is never written out in the
// clear. With options.seek, the decoder jumps to options.start_s, so a clip fetches only what
// is near it. Thread-safe: every call opens its own reader.
#pragma once

#include <string>

#include "audio/decoder.h"
#include "storage/blob_store.h"

namespace reflexio {

// Fetch failures come back as the store reports them; decode failures as the decoder does
// (kUnsupportedMedia or kUnprocessable — see IsUndecodable).
Result<DecodedAudio> DecodeStoredAudio(BlobStore& blobs, const std::string& key, const DecodeOptions& options = {});

inline bool IsUndecodable(const Status& status) {
  return status.code() == ErrorCode::kUnsupportedMedia || status.code() == ErrorCode::kUnprocessable;
}

}  // namespace reflexio
