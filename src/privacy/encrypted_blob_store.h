// EncryptedBlobStore: a BlobStore that seals every object with its tenant's data key before it
// reaches the store underneath (filesystem or S3), as framed AES-256-GCM (crypto/blob_cipher.h)
// bound to the tenant and the object's key. The tenant is the key's second segment
// ("audio/<tenant>/<recording>.opus"); a key without one is refused. A sealed object moved to
// another key or tenant, altered or truncated, fails to read with kInternal ("blob_integrity").
// Thread-safe when the store underneath is.
#pragma once

#include <memory>

#include "crypto/blob_cipher.h"
#include "privacy/keyring.h"
#include "storage/blob_store.h"

namespace reflexio {

class EncryptedBlobStore : public BlobStore {
 public:
  EncryptedBlobStore(std::unique_ptr<BlobStore> inner, Keyring& keyring)
      : inner_(std::move(inner)), keyring_(keyring) {}
  std::string Describe() const override { return inner_->Describe() + ", AES-256-GCM per tenant"; }
  Status Put(const std::string& key, const std::string& bytes) override;
  Status PutFile(const std::string& key, const std::filesystem::path& file) override;
  Result<std::string> Get(const std::string& key) override;
  // Reads and opens only the frames that cover the range (and the header).
  Result<std::string> GetRange(const std::string& key, uint64_t offset, size_t length) override;
  Result<uint64_t> GetSize(const std::string& key) override;  // of the plaintext
  Status Delete(const std::string& key) override { return inner_->Delete(key); }
  Status Check() override { return inner_->Check(); }

 private:
  Result<BlobContext> ContextFor(const std::string& key) const;
  SealedReader ReaderFor(const std::string& key);
  std::unique_ptr<BlobStore> inner_;
  Keyring& keyring_;
};

}  // namespace reflexio
