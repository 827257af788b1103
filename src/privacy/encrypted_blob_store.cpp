#include "privacy/encrypted_blob_store.h"

namespace reflexio {

namespace {

class SealingWriter : public BlobWriter {
 public:
  SealingWriter(BlobSealer sealer, std::unique_ptr<BlobWriter> inner)
      : sealer_(std::move(sealer)), inner_(std::move(inner)) {}
  Status Append(std::string_view bytes) override {
    ASSIGN_OR_RETURN(std::string sealed, sealer_.Append(bytes));
    return sealed.empty() ? Status::Ok() : inner_->Append(sealed);
  }
  Status Commit() override {
    ASSIGN_OR_RETURN(std::string sealed, sealer_.Finish());
    RETURN_IF_ERROR(inner_->Append(sealed));
    return inner_->Commit();
  }

 private:
  BlobSealer sealer_;
  std::unique_ptr<BlobWriter> inner_;
};

class OpeningReader : public BlobReader {
 public:
  OpeningReader(SealedBlob blob, std::unique_ptr<BlobReader> inner) : blob_(std::move(blob)), inner_(std::move(inner)) {}
  uint64_t size() const override { return blob_.size(); }
  Result<std::string> Read(uint64_t offset, size_t length) override { return blob_.Read(offset, length); }

 private:
  SealedBlob blob_;
  std::unique_ptr<BlobReader> inner_;  // what blob_ reads through
};

}  // namespace

Result<BlobContext> EncryptedBlobStore::ContextFor(const std::string& key) const {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  size_t first = key.find('/');
  size_t second = first == std::string::npos ? std::string::npos : key.find('/', first + 1);
  if (second == std::string::npos) {
    return InvalidArgument("blob key '" + key + "' names no tenant (expected <kind>/<tenant>/<object>)", "invalid_key");
  }
  return BlobContext{key.substr(first + 1, second - first - 1), key};
}

Status EncryptedBlobStore::Put(const std::string& key, const std::string& bytes) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  ASSIGN_OR_RETURN(std::string sealed, EncryptBlob(tenant_key, context, bytes));
  return inner_->Put(key, sealed);
}

Result<std::unique_ptr<BlobWriter>> EncryptedBlobStore::Create(const std::string& key) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  ASSIGN_OR_RETURN(BlobSealer sealer, BlobSealer::Start(tenant_key, context));
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> inner, inner_->Create(key));
  return std::unique_ptr<BlobWriter>(std::make_unique<SealingWriter>(std::move(sealer), std::move(inner)));
}

Result<std::string> EncryptedBlobStore::Get(const std::string& key) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string sealed, inner_->Get(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  return DecryptBlob(tenant_key, context, sealed);
}

Result<std::unique_ptr<BlobReader>> EncryptedBlobStore::Open(const std::string& key) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> inner, inner_->Open(key));
  BlobReader* sealed = inner.get();
  ASSIGN_OR_RETURN(SealedBlob blob,
                   SealedBlob::Open(tenant_key, context, sealed->size(),
                                    [sealed](uint64_t position, size_t length) { return sealed->Read(position, length); }));
  return std::unique_ptr<BlobReader>(std::make_unique<OpeningReader>(std::move(blob), std::move(inner)));
}

}  // namespace reflexio
