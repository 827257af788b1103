// A local S3-compatible server for tests: runs the npm package s3rver (installed by
// scripts/test.sh into tests/peers) on 127.0.0.1 with a port the OS picks, one bucket, and
// signature checking on (credentials S3RVER / S3RVER). Stopped on destruction.
#pragma once

#include <sys/types.h>

#include <string>

namespace reflexio::testing {

class S3Peer {
 public:
  explicit S3Peer(const std::string& bucket = "reflexio");
  ~S3Peer();

  const std::string& endpoint() const { return endpoint_; }
  const std::string& bucket() const { return bucket_; }
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";
  // Where s3rver keeps the bucket's objects on disk (to check what was really stored).
  std::string bucket_directory() const { return directory_ + "/" + bucket_; }

 private:
  std::string bucket_, directory_, endpoint_;
  pid_t pid_ = -1;
};

}  // namespace reflexio::testing
