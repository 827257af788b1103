// Framed AES-256-GCM for blobs (audio, digests, exports), decryptable by range.
//
// Layout: a 32-byte header ("RFX1", frame size, a random 16-byte salt, plaintext length)
// followed by frames of up to `frame_size` plaintext bytes, each sealed with its own 16-byte tag.
// Every object gets its own key, HKDF-SHA256(tenant data key, salt, tenant ‖ object id), so frame
// nonces can simply count frames. Each frame's associated data binds the header, its index and
// whether it is the last one, so a changed, swapped, reordered, dropped or truncated frame — or
// a blob moved to another tenant or object id — fails to decrypt. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace reflexio {

constexpr size_t kBlobFrameSize = 64 * 1024;
constexpr size_t kBlobHeaderSize = 32;
constexpr size_t kBlobTagSize = 16;

struct BlobContext {
  std::string tenant_id;
  std::string object_id;
};

// key: the tenant's 32-byte data key.
Result<std::string> EncryptBlob(std::string_view key, const BlobContext& context, std::string_view plaintext,
                                size_t frame_size = kBlobFrameSize);
Result<std::string> DecryptBlob(std::string_view key, const BlobContext& context, std::string_view sealed);

// Reads `length` bytes of the sealed blob at `position` (a file or an object-store range GET).
using SealedReader = std::function<Result<std::string>(uint64_t position, size_t length)>;
// Decrypts plaintext bytes [offset, offset + length), reading only the header and the frames
// that cover them. A range past the end is clipped.
Result<std::string> DecryptBlobRange(std::string_view key, const BlobContext& context, const SealedReader& read,
                                     uint64_t offset, uint64_t length);
// The plaintext length, authenticated by opening the last frame (so truncation is caught here).
Result<uint64_t> SealedPlaintextSize(std::string_view key, const BlobContext& context, const SealedReader& read);

}  // namespace reflexio
