#include "privacy/encrypted_blob_store.h"

#include "core/file_util.h"
#include "crypto/blob_cipher.h"

namespace reflexio {

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

Status EncryptedBlobStore::PutFile(const std::string& key, const std::filesystem::path& file) {
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(file));
  RETURN_IF_ERROR(Put(key, bytes));
  RemoveQuietly(file);  // the plaintext copy goes as soon as the sealed one is durable
  return Status::Ok();
}

Result<std::string> EncryptedBlobStore::Get(const std::string& key) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string sealed, inner_->Get(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  return DecryptBlob(tenant_key, context, sealed);
}

SealedReader EncryptedBlobStore::ReaderFor(const std::string& key) {
  return [this, key](uint64_t position, size_t length) { return inner_->GetRange(key, position, length); };
}

Result<std::string> EncryptedBlobStore::GetRange(const std::string& key, uint64_t offset, size_t length) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  return DecryptBlobRange(tenant_key, context, ReaderFor(key), offset, length);
}

Result<uint64_t> EncryptedBlobStore::GetSize(const std::string& key) {
  ASSIGN_OR_RETURN(BlobContext context, ContextFor(key));
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(context.tenant_id));
  return SealedPlaintextSize(tenant_key, context, ReaderFor(key));
}

}  // namespace reflexio
