#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include "core/test_support.h"
#include "crypto/digest.h"
#include "storage/testing/s3_peer.h"

namespace reflexio {
namespace {

using testing::S3Peer;
using testing::TempDir;

TEST(SigV4, MatchesAwsDocumentedExample) {
  // The worked example of AWS's "Signature Version 4 signing process" documentation:
  // GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08 on 2015-08-30.
  SigV4Request r;
  r.method = "GET";
  r.canonical_uri = "/";
  r.canonical_query = "Action=ListUsers&Version=2010-05-08";
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"host", "iam.amazonaws.com"},
               {"x-amz-date", "20150830T123600Z"}};
  r.payload_sha256_hex = Sha256Hex("");
  r.amz_date = "20150830T123600Z";
  r.region = "us-east-1";
  r.service = "iam";
  r.access_key_id = "AKIDEXAMPLE";
  r.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  EXPECT_EQ(SignV4(r),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(BlobKeys, OnlyPlainRelativePathsAreAccepted) {
  EXPECT_TRUE(ValidateBlobKey("audio/0190-ab/0190-cd.opus").ok());
  for (const char* bad : {"", "/abs", "a//b", "../etc/passwd", "a/../b", "a/./b", "dir/", "sp ace", "q?x"}) {
    EXPECT_FALSE(ValidateBlobKey(bad).ok()) << bad;
  }
  EXPECT_EQ(UriEncodePath("/b/a b+c~.ogg"), "/b/a%20b%2Bc~.ogg");
}

void ExerciseStore(BlobStore& store) {
  ASSERT_TRUE(store.Check().ok()) << store.Check().ToString();
  std::string bytes(100000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(store.Put("audio/t1/r1.opus", bytes).ok());
  auto back = store.Get("audio/t1/r1.opus");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, bytes);
  auto reader = store.Open("audio/t1/r1.opus");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), bytes.size());
  EXPECT_EQ(*(*reader)->Read(70000, 1000), bytes.substr(70000, 1000));
  EXPECT_EQ(*(*reader)->Read(99990, 1000), bytes.substr(99990)) << "clipped at the end";
  EXPECT_EQ(*(*reader)->Read(200000, 10), "") << "past the end";
  EXPECT_EQ(store.Open("audio/t1/missing.opus").status().code(), ErrorCode::kNotFound);

  // A writer's bytes appear under the key only when it commits, and all at once.
  auto writer = store.Create("incoming/t1/r2.upload");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("uploaded ").ok());
  ASSERT_TRUE((*writer)->Append("body").ok());
  EXPECT_EQ(store.Get("incoming/t1/r2.upload").status().code(), ErrorCode::kNotFound) << "nothing before Commit";
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store.Get("incoming/t1/r2.upload"), "uploaded body");
  {
    auto abandoned = store.Create("incoming/t1/r3.upload");
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE((*abandoned)->Append("never committed").ok());
  }
  EXPECT_EQ(store.Get("incoming/t1/r3.upload").status().code(), ErrorCode::kNotFound) << "an abandoned writer";
  ASSERT_TRUE(store.Delete("incoming/t1/r2.upload").ok());
  auto gone = store.Get("incoming/t1/r2.upload");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store.Delete("incoming/t1/never-existed").ok());
  EXPECT_FALSE(store.Put("../escape", "x").ok());
  EXPECT_FALSE(store.Create("../escape").ok());
}

TEST(FilesystemBlobStore, StoresReadsAndDeletes) {
  TempDir dir;
  FilesystemBlobStore store(dir.path() / "blobs", dir.path() / "staging");
  ExerciseStore(store);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "blobs/audio/t1/r1.opus"));
  EXPECT_EQ(testing::FilesUnder(dir.path() / "staging"), 0u) << "committed and abandoned writers leave no staging file";
}

TEST(S3BlobStore, StoresReadsAndDeletesOnAnS3CompatibleServer) {
  S3Peer peer;
  S3BlobStore store({peer.endpoint(), peer.bucket(), "us-east-1", S3Peer::kAccessKeyId, S3Peer::kSecretAccessKey},
                    std::make_shared<CurlHttpClient>());
  ExerciseStore(store);
}

// s3rver checks the access key of a V4 request but not its signature (its source says so), so
// the signature itself is proven by SigV4.MatchesAwsDocumentedExample above.
TEST(S3BlobStore, UnknownCredentialsAndMissingBucketsAreRefused) {
  S3Peer peer;
  S3BlobStore store({peer.endpoint(), peer.bucket(), "us-east-1", "NOT-A-KEY", "not-the-secret"},
                    std::make_shared<CurlHttpClient>());
  Status put = store.Put("audio/t/x.opus", "data");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.message().find("InvalidAccessKeyId"), std::string::npos) << put.message();
  S3BlobStore missing_bucket({peer.endpoint(), "no-such-bucket", "us-east-1", S3Peer::kAccessKeyId,
                              S3Peer::kSecretAccessKey}, std::make_shared<CurlHttpClient>());
  EXPECT_FALSE(missing_bucket.Check().ok());
}

// The request date is signed, so it must come from the injected clock (S3 refuses a skew of
// more than 15 minutes): a client that only records what it is asked to send shows which.
TEST(S3BlobStore, SignsWithTheInjectedClock) {
  class RecordingClient : public HttpClient {
   public:
    Result<HttpResponse> Send(const HttpRequest& request) override {
      sent.push_back(request);
      HttpResponse ok;
      ok.status = 200;
      return ok;
    }
    std::vector<HttpRequest> sent;
  };
  auto http = std::make_shared<RecordingClient>();
  testing::FakeClock clock;
  clock.Advance(3600);
  S3BlobStore store({"http://127.0.0.1:9", "b", "us-east-1", "AK", "secret"}, http, clock);
  ASSERT_TRUE(store.Put("audio/t/x.opus", "data").ok());
  ASSERT_EQ(http->sent.size(), 1u);
  std::string date, authorization;
  for (const auto& [name, value] : http->sent[0].headers) {
    if (name == "x-amz-date") date = value;
    if (name == "Authorization") authorization = value;
  }
  EXPECT_EQ(date, "20261126T235000Z");
  EXPECT_NE(authorization.find("/20261126/us-east-1/s3/aws4_request"), std::string::npos) << authorization;
}

TEST(MakeBlobStore, S3WithoutCredentialsSaysWhatIsMissing) {
  Config config;
  config.blob_backend = "s3";
  auto store = MakeBlobStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("REFLEXIO_S3_ENDPOINT"), std::string::npos);
}

}  // namespace
}  // namespace reflexio
