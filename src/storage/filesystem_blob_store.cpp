#include "core/file_util.h"
#include "storage/blob_store.h"

#include <algorithm>
#include <fstream>

namespace reflexio {

namespace fs = std::filesystem;

Status ValidateBlobKey(const std::string& key) {
  auto bad = [&] { return InvalidArgument("'" + key + "' is not a valid object key", "invalid_blob_key"); };
  if (key.empty() || key.size() > 512 || key.front() == '/' || key.back() == '/') return bad();
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    std::string segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return bad();
    for (char c : segment) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
      if (!ok) return bad();
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status FilesystemBlobStore::Put(const std::string& key, const std::string& bytes) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RETURN_IF_ERROR(EnsureDirectory((root_ / key).parent_path()));
  return WriteFileDurably(root_ / key, bytes);
}

Status FilesystemBlobStore::PutFile(const std::string& key, const fs::path& file) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RETURN_IF_ERROR(EnsureDirectory((root_ / key).parent_path()));
  RETURN_IF_ERROR(FsyncFile(file));
  // Same filesystem in the embedded layout: a rename is atomic and copies nothing.
  if (RenameDurably(file, root_ / key).ok()) return Status::Ok();
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(file));
  RETURN_IF_ERROR(WriteFileDurably(root_ / key, bytes));
  RemoveQuietly(file);
  return Status::Ok();
}

Result<std::string> FilesystemBlobStore::Get(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  auto bytes = ReadWholeFile(root_ / key);
  if (!bytes.ok()) return NotFound("object " + key + " does not exist", "blob_not_found");
  return bytes;
}

Result<std::string> BlobStore::GetRange(const std::string& key, uint64_t offset, size_t length) {
  ASSIGN_OR_RETURN(std::string bytes, Get(key));
  if (offset >= bytes.size()) return std::string();
  return bytes.substr(offset, length);
}

Result<uint64_t> BlobStore::GetSize(const std::string& key) {
  ASSIGN_OR_RETURN(std::string bytes, Get(key));
  return static_cast<uint64_t>(bytes.size());
}

Result<std::string> FilesystemBlobStore::GetRange(const std::string& key, uint64_t offset, size_t length) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  std::ifstream in(root_ / key, std::ios::binary);
  if (!in) return NotFound("object " + key + " does not exist", "blob_not_found");
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(length, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  bytes.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return bytes;
}

Result<uint64_t> FilesystemBlobStore::GetSize(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  std::error_code ec;
  uint64_t size = fs::file_size(root_ / key, ec);
  if (ec) return NotFound("object " + key + " does not exist", "blob_not_found");
  return size;
}

Status BlobStore::GetToFile(const std::string& key, const fs::path& file) {
  ASSIGN_OR_RETURN(std::string bytes, Get(key));
  return WriteFileDurably(file, bytes);
}

Status FilesystemBlobStore::GetToFile(const std::string& key, const fs::path& file) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  std::error_code ec;
  fs::copy_file(root_ / key, file, fs::copy_options::overwrite_existing, ec);
  if (ec) return NotFound("object " + key + " cannot be read: " + ec.message(), "blob_not_found");
  return Status::Ok();
}

Status FilesystemBlobStore::Delete(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RemoveQuietly(root_ / key);
  return Status::Ok();
}

Status FilesystemBlobStore::Check() {
  RETURN_IF_ERROR(EnsureDirectory(root_));
  return WriteFileDurably(root_ / ".health", "ok");
}

}  // namespace reflexio
