// BlobStore: where audio and other large objects live, addressed by a relative key such as
// "audio/<tenant>/<recording>.opus" (the tenant always leads the key after the kind).
//
// FilesystemBlobStore keeps objects under the data directory (embedded default); S3BlobStore
// speaks the S3 REST API with AWS Signature V4, so workers on other machines reach the same
// audio (cluster mode). Put and Commit are durable when they return; Delete of a missing key
// succeeds. Stores are thread-safe; the readers and writers they hand out are not.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/http_client.h"
#include "core/status.h"
#include "core/time.h"

namespace reflexio {

// An object being read: its size is fixed when it is opened. Not thread-safe; one per reader.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Bytes [offset, offset + length) of the object, fewer at its end, none past it.
  virtual Result<std::string> Read(uint64_t offset, size_t length) = 0;
};

// An object being written as its bytes arrive. Nothing is visible under the key until Commit
// returns, and then all of it is, durably; a writer destroyed before Commit leaves nothing behind.
// Not thread-safe; one per writer.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Commit() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual std::string Describe() const = 0;  // for logs and /health, never secrets
  virtual Status Put(const std::string& key, const std::string& bytes) = 0;
  virtual Result<std::unique_ptr<BlobWriter>> Create(const std::string& key) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  // For reads by range (decoders, replay): a missing object is kNotFound.
  virtual Result<std::unique_ptr<BlobReader>> Open(const std::string& key) = 0;
  virtual Status Delete(const std::string& key) = 0;
  virtual Status Check() = 0;  // reachable and writable
};

// Keys: non-empty, relative, '/'-separated segments of [A-Za-z0-9._-], no "." or "..".
Status ValidateBlobKey(const std::string& key);

// Objects are files under `root`; a writer's bytes go to a file in `staging` (on the same
// filesystem, emptied by the server at start) that is renamed into place on Commit.
class FilesystemBlobStore : public BlobStore {
 public:
  FilesystemBlobStore(std::filesystem::path root, std::filesystem::path staging)
      : root_(std::move(root)), staging_(std::move(staging)) {}
  std::string Describe() const override { return "filesystem " + root_.string(); }
  Status Put(const std::string& key, const std::string& bytes) override;
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::unique_ptr<BlobReader>> Open(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Status Check() override;

 private:
  std::filesystem::path root_, staging_;
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
  // `clock` dates each request's signature (S3 rejects one more than 15 minutes off).
  S3BlobStore(S3Settings settings, std::shared_ptr<HttpClient> http, const Clock& clock = SystemClock::Instance());
  std::string Describe() const override;
  Status Put(const std::string& key, const std::string& bytes) override;
  // The bytes are held in memory and sent with one PUT on Commit.
  Result<std::unique_ptr<BlobWriter>> Create(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  // The size from a HEAD, then a GET with "Range: bytes=" per read.
  Result<std::unique_ptr<BlobReader>> Open(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Status Check() override;

 private:
  friend class S3Reader;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, size_t length);
  Result<HttpResponse> Send(const std::string& method, const std::string& key, const std::string& body,
                            const std::string& range = "");
  S3Settings settings_;
  std::shared_ptr<HttpClient> http_;
  const Clock& clock_;
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
