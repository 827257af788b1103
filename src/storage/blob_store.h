// BlobStore: where audio and other large objects live, addressed by a relative key such as
// "audio/<tenant>/<recording>.opus" (the tenant always leads the key after the kind).
//
// FilesystemBlobStore keeps objects under the data directory (embedded default); S3BlobStore
// speaks the S3 REST API with AWS Signature V4, so workers on other machines reach the same
// audio (cluster mode). Put is durable when it returns; Delete of a missing key succeeds.
// Implementations are thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/http_client.h"
#include "core/status.h"

namespace reflexio {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual std::string Describe() const = 0;  // for logs and /health, never secrets
  virtual Status Put(const std::string& key, const std::string& bytes) = 0;
  // Consumes `file`: it is moved or uploaded, then no longer exists at its path.
  virtual Status PutFile(const std::string& key, const std::filesystem::path& file) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  // Writes the object to a local file (created or replaced), for decoders that read files.
  virtual Status GetToFile(const std::string& key, const std::filesystem::path& file);
  // Bytes [offset, offset + length) of the object, fewer at its end; and its size. The defaults
  // read the whole object; the stores override them with real range reads.
  virtual Result<std::string> GetRange(const std::string& key, uint64_t offset, size_t length);
  virtual Result<uint64_t> GetSize(const std::string& key);
  virtual Status Delete(const std::string& key) = 0;
  virtual Status Check() = 0;  // reachable and writable
};

// Keys: non-empty, relative, '/'-separated segments of [A-Za-z0-9._-], no "." or "..".
Status ValidateBlobKey(const std::string& key);

class FilesystemBlobStore : public BlobStore {
 public:
  explicit FilesystemBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::string Describe() const override { return "filesystem " + root_.string(); }
  Status Put(const std::string& key, const std::string& bytes) override;
  Status PutFile(const std::string& key, const std::filesystem::path& file) override;
  Result<std::string> Get(const std::string& key) override;
  Status GetToFile(const std::string& key, const std::filesystem::path& file) override;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, size_t length) override;
  Result<uint64_t> GetSize(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Status Check() override;

 private:
  std::filesystem::path root_;
};

struct S3Settings {
  std::string endpoint;  // e.g. http://127.0.0.1:4568 or https://s3.eu-central-1.amazonaws.com
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;  // never logged
  double timeout_s = 60;
};

class S3BlobStore : public BlobStore {
 public:
  S3BlobStore(S3Settings settings, std::shared_ptr<HttpClient> http);
  std::string Describe() const override;
  Status Put(const std::string& key, const std::string& bytes) override;
  Status PutFile(const std::string& key, const std::filesystem::path& file) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, size_t length) override;  // Range: bytes=
  Result<uint64_t> GetSize(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Status Check() override;

 private:
  Result<HttpResponse> Send(const std::string& method, const std::string& key, const std::string& body,
                            const std::string& range = "");
  S3Settings settings_;
  std::shared_ptr<HttpClient> http_;
};

// AWS Signature Version 4 for one request. `headers` must hold every header to sign (host and
// x-amz-date included); returns the Authorization header value.
struct SigV4Request {
  std::string method;
  std::string canonical_uri;          // already URI-encoded path, e.g. "/bucket/audio/a.opus"
  std::string canonical_query;        // already encoded and sorted, e.g. "Action=ListUsers&Version=2010-05-08"
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string payload_sha256_hex;
  std::string amz_date;               // 20150830T123600Z
  std::string region;
  std::string service;
  std::string access_key_id;
  std::string secret_access_key;
};
std::string SignV4(const SigV4Request& request);
std::string UriEncodePath(const std::string& path);  // encodes all but unreserved and '/'

Result<std::unique_ptr<BlobStore>> MakeBlobStore(const Config& config);

}  // namespace reflexio
