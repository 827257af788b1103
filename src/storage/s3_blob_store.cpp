#include <algorithm>
#include <ctime>

#include "core/file_util.h"
#include "core/log.h"
#include "crypto/digest.h"
#include "storage/blob_store.h"
#include "core/strings.h"

namespace reflexio {

std::string UriEncodePath(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == '/';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string SignV4(const SigV4Request& r) {
  auto headers = r.headers;
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  std::string canonical_request = r.method + "\n" + r.canonical_uri + "\n" + r.canonical_query + "\n" +
                                  canonical_headers + "\n" + signed_headers + "\n" + r.payload_sha256_hex;
  std::string date = r.amz_date.substr(0, 8);
  std::string scope = date + "/" + r.region + "/" + r.service + "/aws4_request";
  std::string string_to_sign = "AWS4-HMAC-SHA256\n" + r.amz_date + "\n" + scope + "\n" + Sha256Hex(canonical_request);
  std::string key = HmacSha256("AWS4" + r.secret_access_key, date);
  key = HmacSha256(key, r.region);
  key = HmacSha256(key, r.service);
  key = HmacSha256(key, "aws4_request");
  return "AWS4-HMAC-SHA256 Credential=" + r.access_key_id + "/" + scope + ", SignedHeaders=" + signed_headers +
         ", Signature=" + ToHex(HmacSha256(key, string_to_sign));
}

namespace {
std::string AmzDate(TimePoint at) {
  std::time_t now = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// "http://host:port/base" → ("host:port", "/base")
std::pair<std::string, std::string> SplitEndpoint(const std::string& endpoint) {
  auto scheme = endpoint.find("://");
  std::string rest = scheme == std::string::npos ? endpoint : endpoint.substr(scheme + 3);
  auto slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  return {host, slash == std::string::npos ? "" : WithoutTrailingSlashes(rest.substr(slash))};
}
}  // namespace

S3BlobStore::S3BlobStore(S3Settings settings, std::shared_ptr<HttpClient> http, const Clock& clock)
    : settings_(std::move(settings)), http_(std::move(http)), clock_(clock) {
  settings_.endpoint = WithoutTrailingSlashes(settings_.endpoint);
}

std::string S3BlobStore::Describe() const { return "s3 " + settings_.endpoint + "/" + settings_.bucket; }

Result<HttpResponse> S3BlobStore::Send(const std::string& method, const std::string& key, const std::string& body,
                                       const std::string& range) {
  auto [host, base] = SplitEndpoint(settings_.endpoint);
  // Path-style addressing works with every S3-compatible server (MinIO, s3rver, Ceph, AWS).
  std::string path = base + "/" + settings_.bucket + (key.empty() ? "" : "/" + key);
  std::string uri = UriEncodePath(path);
  std::string payload_hash = Sha256Hex(body);
  std::string amz_date = AmzDate(clock_.Now());
  SigV4Request sig;
  sig.method = method;
  sig.canonical_uri = uri;
  sig.headers = {{"host", host}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", amz_date}};
  sig.payload_sha256_hex = payload_hash;
  sig.amz_date = amz_date;
  sig.region = settings_.region;
  sig.service = "s3";
  sig.access_key_id = settings_.access_key_id;
  sig.secret_access_key = settings_.secret_access_key;

  HttpRequest request;
  request.method = method;
  request.url = settings_.endpoint.substr(0, settings_.endpoint.size() - base.size()) + uri;
  request.body = body;
  request.timeout_s = settings_.timeout_s;
  request.headers = {{"Authorization", SignV4(sig)}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", amz_date}};
  if (method == "PUT") request.headers.emplace_back("Content-Type", "application/octet-stream");
  if (!range.empty()) request.headers.emplace_back("Range", "bytes=" + range);  // unsigned, as S3 allows
  return http_->Send(request);
}

namespace {
Status S3Error(const std::string& what, const HttpResponse& response) {
  std::string code;
  auto b = response.body.find("<Code>"), e = response.body.find("</Code>");
  if (b != std::string::npos && e != std::string::npos) code = response.body.substr(b + 6, e - b - 6);
  std::string message = what + ": HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code);
  if (response.status == 404) return NotFound(message, "blob_not_found");
  return Unavailable(message, "object_store_error");
}
}  // namespace

Status S3BlobStore::Put(const std::string& key, const std::string& bytes) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  ASSIGN_OR_RETURN(HttpResponse response, Send("PUT", key, bytes));
  if (response.status != 200) return S3Error("storing " + key, response);
  return Status::Ok();
}

namespace {
class S3Writer : public BlobWriter {
 public:
  S3Writer(S3BlobStore& store, std::string key) : store_(store), key_(std::move(key)) {}
  Status Append(std::string_view bytes) override {
    bytes_.append(bytes);
    return Status::Ok();
  }
  Status Commit() override { return store_.Put(key_, bytes_); }

 private:
  S3BlobStore& store_;
  std::string key_, bytes_;
};
}  // namespace

class S3Reader : public BlobReader {
 public:
  S3Reader(S3BlobStore& store, std::string key, uint64_t size) : store_(store), key_(std::move(key)), size_(size) {}
  uint64_t size() const override { return size_; }
  Result<std::string> Read(uint64_t offset, size_t length) override {
    if (offset >= size_ || length == 0) return std::string();
    return store_.GetRange(key_, offset, static_cast<size_t>(std::min<uint64_t>(length, size_ - offset)));
  }

 private:
  S3BlobStore& store_;
  std::string key_;
  uint64_t size_;
};

Result<std::unique_ptr<BlobWriter>> S3BlobStore::Create(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  return std::unique_ptr<BlobWriter>(std::make_unique<S3Writer>(*this, key));
}

Result<std::string> S3BlobStore::Get(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  ASSIGN_OR_RETURN(HttpResponse response, Send("GET", key, ""));
  if (response.status != 200) return S3Error("reading " + key, response);
  return std::move(response.body);
}

Result<std::string> S3BlobStore::GetRange(const std::string& key, uint64_t offset, size_t length) {
  ASSIGN_OR_RETURN(HttpResponse response,
                   Send("GET", key, "", std::to_string(offset) + "-" + std::to_string(offset + length - 1)));
  if (response.status == 416) return std::string();  // the range starts past the end
  if (response.status == 206) return std::move(response.body);
  if (response.status == 200) {  // a store that ignores Range sends it all
    return offset >= response.body.size() ? std::string() : response.body.substr(offset, length);
  }
  return S3Error("reading " + key, response);
}

Result<std::unique_ptr<BlobReader>> S3BlobStore::Open(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  ASSIGN_OR_RETURN(HttpResponse response, Send("HEAD", key, ""));
  if (response.status != 200) return S3Error("reading " + key, response);
  std::string length = response.Header("content-length");
  char* end = nullptr;
  unsigned long long size = std::strtoull(length.c_str(), &end, 10);
  if (length.empty() || *end != '\0') return Unavailable("the object store sent no size for " + key, "object_store_error");
  return std::unique_ptr<BlobReader>(std::make_unique<S3Reader>(*this, key, static_cast<uint64_t>(size)));
}

Status S3BlobStore::Delete(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  ASSIGN_OR_RETURN(HttpResponse response, Send("DELETE", key, ""));
  if (response.status != 204 && response.status != 200 && response.status != 404) {
    return S3Error("deleting " + key, response);
  }
  return Status::Ok();
}

Status S3BlobStore::Check() {
  ASSIGN_OR_RETURN(HttpResponse response, Send("HEAD", "", ""));
  if (response.status != 200) return S3Error("bucket " + settings_.bucket, response);
  return Status::Ok();
}

Result<std::unique_ptr<BlobStore>> MakeBlobStore(const Config& config) {
  if (config.blob_backend == "filesystem") {
    return std::unique_ptr<BlobStore>(std::make_unique<FilesystemBlobStore>(
        config.data_dir, std::filesystem::path(config.data_dir) / "tmp"));
  }
  S3Settings s3{config.s3_endpoint, config.s3_bucket, config.s3_region, config.s3_access_key_id,
                config.s3_secret_access_key};
  if (s3.endpoint.empty() || s3.bucket.empty() || s3.access_key_id.empty() || s3.secret_access_key.empty()) {
    return InvalidArgument("the s3 object store needs REFLEXIO_S3_ENDPOINT, REFLEXIO_S3_BUCKET, "
                           "REFLEXIO_S3_ACCESS_KEY_ID and REFLEXIO_S3_SECRET_ACCESS_KEY",
                           "invalid_config");
  }
  return std::unique_ptr<BlobStore>(std::make_unique<S3BlobStore>(s3, std::make_shared<CurlHttpClient>()));
}

}  // namespace reflexio
