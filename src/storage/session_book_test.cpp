// The SessionBook contract, run against both backends: a sign-in link is spent once and only
// before it expires, a session is found by its secret's hash only while it lives, and a tenant
// sees and ends only its own sessions; and the API keys a person manages beside them.
#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::FakeClock;
using testing::TempDir;

class SessionBookTest : public testing::TwoTenantBackendTest {
 protected:
  BrowserSession NewSession(const Tenant& tenant, const std::string& device = "Chromium on Linux") {
    TimePoint now = clock_.Now();
    return {tenant.id, NewId(), device, now, now, now + hours(24 * 30)};
  }
};

TEST_P(SessionBookTest, ALinkIsSpentOnceAndStartsASessionOfItsTenant) {
  ASSERT_TRUE(db_->AddSignInLink(alice_.id, "link-1", clock_.Now(), clock_.Now() + minutes(15)).ok());
  BrowserSession wanted = NewSession(bob_);  // the link decides the tenant, not the caller
  wanted.tenant_id.clear();
  auto started = db_->StartSessionWithLink("link-1", wanted, "token-1");
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ASSERT_TRUE(started->has_value());
  EXPECT_EQ((*started)->tenant_id, alice_.id);
  auto found = db_->SessionForTokenHash("token-1", clock_.Now());
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, wanted.id);
  EXPECT_EQ((*found)->tenant_id, alice_.id);
  EXPECT_EQ((*found)->device, "Chromium on Linux");

  auto again = db_->StartSessionWithLink("link-1", NewSession(alice_), "token-2");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value()) << "a spent link starts nothing";
  EXPECT_FALSE(db_->SessionForTokenHash("token-2", clock_.Now())->has_value());
  EXPECT_FALSE(db_->StartSessionWithLink("no-such-link", NewSession(alice_), "token-3")->has_value());
}

TEST_P(SessionBookTest, AnExpiredLinkStartsNothingAndStaysUnspent) {
  ASSERT_TRUE(db_->AddSignInLink(alice_.id, "link-old", clock_.Now(), clock_.Now() + minutes(15)).ok());
  clock_.Advance(16 * 60);
  auto started = db_->StartSessionWithLink("link-old", NewSession(alice_), "token-old");
  ASSERT_TRUE(started.ok());
  EXPECT_FALSE(started->has_value());
  EXPECT_EQ(db_->ListSessions(alice_.id, clock_.Now())->size(), 0u) << "nothing half-stored";
}

TEST_P(SessionBookTest, ASessionLivesUntilItExpiresOrEnds) {
  BrowserSession phone = NewSession(alice_, "phone");
  ASSERT_TRUE(db_->StartSession(phone, "phone-token").ok());
  clock_.Advance(3600);
  BrowserSession laptop = NewSession(alice_, "laptop");
  ASSERT_TRUE(db_->StartSession(laptop, "laptop-token").ok());
  ASSERT_TRUE(db_->StartSession(NewSession(bob_, "bob's"), "bob-token").ok());

  auto listed = db_->ListSessions(alice_.id, clock_.Now());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u) << "bob's session is not alice's";
  EXPECT_EQ((*listed)[0].device, "laptop") << "most recently seen first";
  ASSERT_TRUE(db_->TouchSession(alice_.id, phone.id, clock_.Now() + minutes(1)).ok());
  EXPECT_EQ((*db_->ListSessions(alice_.id, clock_.Now() + minutes(2)))[0].device, "phone");

  EXPECT_FALSE(*db_->EndSession(bob_.id, phone.id, clock_.Now())) << "another tenant cannot end it";
  EXPECT_TRUE(db_->SessionForTokenHash("phone-token", clock_.Now())->has_value());
  EXPECT_TRUE(*db_->EndSession(alice_.id, phone.id, clock_.Now()));
  EXPECT_FALSE(*db_->EndSession(alice_.id, phone.id, clock_.Now())) << "ended once";
  EXPECT_FALSE(db_->SessionForTokenHash("phone-token", clock_.Now())->has_value());
  EXPECT_EQ(db_->ListSessions(alice_.id, clock_.Now())->size(), 1u);

  TimePoint after_expiry = laptop.expires_at + minutes(1);
  EXPECT_FALSE(db_->SessionForTokenHash("laptop-token", after_expiry)->has_value());
  EXPECT_EQ(db_->ListSessions(alice_.id, after_expiry)->size(), 0u);
  EXPECT_FALSE(*db_->EndSession(alice_.id, laptop.id, after_expiry)) << "an expired session is not live";
}

TEST_P(SessionBookTest, ApiKeysAreListedByPrefixAndRevokedOnceByTheirTenantOnly) {
  ASSERT_TRUE(db_->AddApiKey(alice_.id, "hash-1", "rfx_aaaa").ok());
  clock_.Advance(1);
  ASSERT_TRUE(db_->AddApiKey(alice_.id, "hash-2", "rfx_bbbb").ok());
  ASSERT_TRUE(db_->AddApiKey(bob_.id, "hash-3", "rfx_cccc").ok());
  auto keys = db_->ListApiKeys(alice_.id);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].prefix, "rfx_bbbb") << "newest first";
  EXPECT_FALSE((*keys)[0].revoked_at.has_value());
  std::string first = (*keys)[1].id;
  EXPECT_FALSE(*db_->RevokeApiKey(bob_.id, first, clock_.Now())) << "not bob's to revoke";
  EXPECT_TRUE(db_->TenantForKeyHash("hash-1")->has_value());
  EXPECT_TRUE(*db_->RevokeApiKey(alice_.id, first, clock_.Now()));
  EXPECT_FALSE(*db_->RevokeApiKey(alice_.id, first, clock_.Now())) << "revoked once";
  EXPECT_FALSE(db_->TenantForKeyHash("hash-1")->has_value()) << "a revoked key reaches nothing";
  EXPECT_TRUE(db_->TenantForKeyHash("hash-2")->has_value());
  EXPECT_TRUE((*db_->ListApiKeys(alice_.id))[1].revoked_at.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionBookTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflexio
