// Framed AES-256-GCM for blobs (audio, digests, exports, sealed text), sealed as the bytes stream
// in and decryptable by range.
//
// Layout: a 32-byte header ("RFX2", frame size u32 BE, a random 16-byte salt, 8 zero bytes)
// followed by frames of up to `frame_size` plaintext bytes, each sealed with its own 16-byte tag.
// Every object gets its own key, HKDF-SHA256(tenant data key, salt, tenant ‖ object id), so frame
// nonces can simply count frames. Each frame's associated data binds the header, its index and
// whether it is the last one, so a changed, swapped, reordered, dropped or truncated frame — or
// a blob moved to another tenant or object id — fails to decrypt. The plaintext length is not
// written anywhere: it follows from the sealed length, and the last frame's flag proves that
// nothing was cut off. That is what lets an upload be sealed before its length is known.
// Objects sealed by earlier versions ("RFX1": the same, with the plaintext length in the header's
// last 8 bytes) still open.
//
// The functions are pure and thread-safe; a BlobSealer or SealedBlob belongs to one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace reflexio {

constexpr size_t kBlobFrameSize = 64 * 1024;
constexpr size_t kBlobHeaderSize = 32;
constexpr size_t kBlobTagSize = 16;

struct BlobContext {
  std::string tenant_id;
  std::string object_id;
};

// Seals bytes as they arrive. A frame is sealed once the byte after it arrives (only then is it
// known not to be the last), so at most one frame of plaintext is held in memory.
class BlobSealer {
 public:
  // key: the tenant's 32-byte data key.
  static Result<BlobSealer> Start(std::string_view key, const BlobContext& context,
                                  size_t frame_size = kBlobFrameSize);
  // Sealed bytes ready to be written: the header first, then every frame completed so far.
  Result<std::string> Append(std::string_view plaintext);
  // The rest, ending with the last frame. The sealer is spent afterwards.
  Result<std::string> Finish();

 private:
  BlobSealer() = default;
  Result<std::string> SealFrame(std::string_view plaintext, bool last);
  std::string header_, object_key_, pending_;
  uint32_t frame_size_ = 0;
  uint64_t next_frame_ = 0;
  bool header_written_ = false;
};

// Reads `length` bytes of the sealed object at `position` (fewer at its end): a file read or an
// object-store range GET.
using SealedReader = std::function<Result<std::string>(uint64_t position, size_t length)>;

// An opened sealed object: header checked, length known and authenticated. Reads decrypt only
// the frames that cover them and keep the last few frames opened, so a decoder's many small
// sequential reads open each frame once.
class SealedBlob {
 public:
  // Reads the header and opens the last frame (truncation is caught here, kInternal
  // "blob_integrity", like every other integrity failure).
  static Result<SealedBlob> Open(std::string_view key, const BlobContext& context, uint64_t sealed_size,
                                 SealedReader read);
  uint64_t size() const { return plaintext_size_; }
  // Plaintext bytes [offset, offset + length), clipped at the end.
  Result<std::string> Read(uint64_t offset, uint64_t length);

 private:
  SealedBlob() = default;
  Result<const std::string*> OpenFrame(uint64_t index);
  uint64_t Frames() const;
  size_t FramePlainSize(uint64_t index) const;
  std::string header_, object_key_;
  uint32_t frame_size_ = 0;
  uint64_t plaintext_size_ = 0;
  SealedReader read_;
  std::vector<std::pair<uint64_t, std::string>> opened_;  // (frame index, plaintext), oldest first
};

// One-shot forms of the above, for values held in memory.
Result<std::string> EncryptBlob(std::string_view key, const BlobContext& context, std::string_view plaintext,
                                size_t frame_size = kBlobFrameSize);
Result<std::string> DecryptBlob(std::string_view key, const BlobContext& context, std::string_view sealed);

}  // namespace reflexio
