// EncryptedBlobStore: a BlobStore that seals every object with its tenant's data key before it
// reaches the store underneath (filesystem or S3), as framed AES-256-GCM (crypto/blob_cipher.h)
// bound to the tenant and the object's key. The tenant is the key's second segment
// ("audio/<tenant>/<recording>.opus"); a key without one is refused. A writer seals its bytes as
// they arrive, so no plaintext is staged anywhere; a reader opens only the frames it reads. A
// sealed object moved to another key or tenant, altered or truncated, fails to read with
// kInternal ("blob_integrity"). Thread-safe when the store underneath is.
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
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> Open(const std::string& key) override;  // sizes are the plaintext's
  Status Delete(const std::string& key) override { return inner_->Delete(key); }
  Status Check() override { return inner_->Check(); }

 private:
  Result<BlobContext> ContextFor(const std::string& key) const;
  std::unique_ptr<BlobStore> inner_;
  Keyring& keyring_;
};

}  // namespace reflexio
