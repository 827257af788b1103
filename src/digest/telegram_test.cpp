// Telegram delivery: the messages (HTML escaping, splitting under the limit), and the outbox
// against a local Bot API peer — outage then recovery, 429, timeouts, a refused chat, a dead
// sender's lease, resuming after the last confirmed step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/metrics.h"
#include "core/test_support.h"
#include "crypto/keys.h"
#include "digest/markdown.h"
#include "digest/telegram_message.h"
#include "digest/telegram_outbox.h"
#include "digest/testing/telegram_peer.h"
#include "privacy/sealed_stores.h"
#include "privacy/keyring.h"
#include "privacy/master_key.h"
#include "privacy/outbound_guard.h"
#include "storage/migrations.h"
#include "storage/sqlite_database.h"
#include "text/normalize.h"

namespace reflexio {
namespace {

using nlohmann::json;
using testing::TelegramPeer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "123456:AAE-secret-token";
constexpr const char* kChat = "4242";

json ADigest(const std::string& summary, int actions = 1) {
  json d = {{"format", "reflexio-digest-1"}, {"date", "2026-11-26"}, {"timezone", "Europe/Moscow"},
            {"status", "ok"}, {"degraded_reasons", json::array()},
            {"summary", {{"text", summary}, {"sources", json::array()}}},
            {"figures", {{"recordings", 3}, {"speech_minutes", 12.5}, {"words", 1500}, {"episodes", 2}}},
            {"actions", {{"new", json::array()}, {"due", json::array()}, {"done", json::array()}}},
            {"people", json::array({{{"text", "Анна"}}})}, {"topics", json::array({{{"text", "kittens"}}})}};
  for (int i = 0; i < actions; ++i) {
    d["actions"]["new"].push_back({{"text", "call the vet about kitten #" + std::to_string(i) + " <urgent> & soon"},
                                   {"who", "me"}, {"due_date", "2026-11-27"}, {"commitment", i % 2 == 0}});
  }
  return d;
}

std::string Shown(const std::string& html) {
  std::string text;
  std::string error = TelegramPeer::ParseHtml(html, text);
  EXPECT_EQ(error, "") << html;
  return text;
}

TEST(TelegramMessages, EverythingFromTheDigestIsEscaped) {
  auto messages = RenderTelegramMessages(ADigest("Tom said \"<b>5 > 3 & 2 < 4</b>\" — всё хорошо"));
  ASSERT_EQ(messages.size(), 1u);
  std::string shown = Shown(messages[0]);
  EXPECT_THAT(shown, HasSubstr("Tom said \"<b>5 > 3 & 2 < 4</b>\" — всё хорошо"));
  EXPECT_THAT(shown, HasSubstr("call the vet about kitten #0 <urgent> & soon — me (due 2026-11-27) [commitment]"));
  EXPECT_THAT(shown, HasSubstr("People: Анна"));
  EXPECT_THAT(messages[0], HasSubstr("<b>Reflexio · daily digest · 2026-11-26</b>")) << "our own markup stays markup";
  EXPECT_EQ(EscapeHtml("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;") << "the entities Telegram's HTML knows";
}

TEST(TelegramMessages, ALongDayIsSplitUnderTheLimitWithoutLosingALine) {
  json digest = ADigest("a busy day", 400);
  auto messages = RenderTelegramMessages(digest);
  ASSERT_GT(messages.size(), 1u);
  std::string all;
  for (const std::string& m : messages) {
    EXPECT_LE(TelegramTextLength(m), kTelegramTextLimit);
    all += Shown(m) + "\n";
  }
  size_t at = 0;
  for (int i = 0; i < 400; ++i) {
    size_t found = all.find("kitten #" + std::to_string(i) + " <urgent>", at);
    ASSERT_NE(found, std::string::npos) << "action " << i << " is missing or out of order";
    at = found;
  }
  // One line longer than a message: split between words, in Cyrillic and with characters that
  // take two UTF-16 units.
  std::string long_line;
  for (int i = 0; i < 900; ++i) long_line += "слово😀 ";
  auto parts = RenderTelegramMessages(ADigest(long_line, 0), 1000);
  ASSERT_GT(parts.size(), 5u);
  std::string joined;
  for (const std::string& p : parts) {
    EXPECT_LE(TelegramTextLength(p), 1000u);
    joined += Shown(p);
  }
  size_t words = 0;
  for (size_t at = joined.find("слово😀"); at != std::string::npos; at = joined.find("слово😀", at + 1)) ++words;
  EXPECT_EQ(words, 900u) << "no word cut in two";
  EXPECT_EQ(TelegramTextLength("<b>a&amp;😀</b>"), 4u) << "a, &, and a surrogate pair";
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = std::move(SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value());
    keyring_ = std::make_unique<Keyring>(PlainStores(*backend), MasterKeys{MasterKey::From(NewDataKey())});
    backend_ = std::move(backend);
    sealed_ = std::make_unique<SealedStores>(*backend_, *keyring_);
    tenant_ = db().tenants.EnsureTenant("alice").value();
  }

  TelegramOutboxOptions Options() {
    TelegramOutboxOptions options;
    options.telegram.api_url = peer_.api_url();
    options.telegram.bot_token = kToken;
    options.telegram.timeout_s = 2;
    options.default_chat_id = kChat;
    options.retry_base_s = 10;
    options.max_attempts = 4;
    return options;
  }

  // A ready digest of 2026-11-26 with a (fake) PDF.
  Digest StoreDigest(const json& content, const std::string& tenant_id = "") {
    Digest d;
    d.tenant_id = tenant_id.empty() ? tenant_.id : tenant_id;
    d.date = "2026-11-26";
    d.status = DigestStatus::kReady;
    d.content_json = content.dump();
    d.markdown = "# digest";
    d.pdf = "%PDF-1.5 fake digest bytes";
    EXPECT_TRUE(db().digests.StoreDigest(d).ok());
    return *db().digests.GetDigest(d.tenant_id, d.date).value();
  }

  DigestDelivery Stored(DeliveryOrigin origin = DeliveryOrigin::kSchedule) {
    return db().outbox.GetDelivery(tenant_.id, "2026-11-26", origin).value().value();
  }

  int Count(const std::string& method) {
    int n = 0;
    for (const auto& d : peer_.delivered()) n += d.method == method;
    return n;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<SealedStores> sealed_;
  const Stores& db() const { return sealed_->stores(); }
  std::unique_ptr<Database> backend_;
  Tenant tenant_;
  TelegramPeer peer_{kToken};
  CurlHttpClient http_;
  Metrics metrics_;
};

TEST_F(OutboxTest, AnOutageThenRecoveryDeliversEachPartOnce) {
  TelegramOutbox outbox(db(), http_, Options(), nullptr, &metrics_, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day", 400)), DeliveryOrigin::kSchedule, false).ok());
  size_t messages = Stored().messages.size();
  ASSERT_GT(messages, 1u);
  peer_.SetDown(true);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto round = outbox.DeliverDue();
    ASSERT_TRUE(round.ok()) << round.status().message();
    EXPECT_EQ(round->retrying, 1);
    EXPECT_EQ(Stored().attempts, attempt);
    EXPECT_THAT(Stored().last_error, HasSubstr("502"));
    EXPECT_THAT(Stored().last_error, Not(HasSubstr(kToken)));
    EXPECT_EQ(outbox.DeliverDue()->retrying, 0) << "not due before its backoff";
    clock_.Advance(10 * (1 << (attempt - 1)));  // 10 s, then 20 s
  }
  auto stats = db().outbox.GetDeliveryStats(clock_.Now());
  EXPECT_EQ(stats->pending, 1);
  peer_.SetDown(false);
  auto round = outbox.DeliverDue();
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->sent, 1);
  EXPECT_EQ(Stored().state, DeliveryState::kSent);
  EXPECT_EQ(Count("sendMessage"), static_cast<int>(messages));
  EXPECT_EQ(Count("sendDocument"), 1);
  EXPECT_EQ(Stored().message_ids.size(), messages + 1);
  auto documents = peer_.delivered();
  EXPECT_EQ(documents.back().filename, "reflexio-digest-2026-11-26.pdf");
  EXPECT_EQ(documents.back().document, "%PDF-1.5 fake digest bytes");
  EXPECT_EQ(documents.back().chat_id, kChat);
  clock_.Advance(3600);
  EXPECT_EQ(outbox.DeliverDue()->sent, 0) << "sent once";
  EXPECT_EQ(peer_.delivered().size(), messages + 1);
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("reflexio_digest_deliveries_total{outcome=\"retry\"} 2"));
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("reflexio_digest_deliveries_total{outcome=\"sent\"} 1"));
}

TEST_F(OutboxTest, A429WaitsExactlyItsRetryAfterAndIsNotAnAttempt) {
  TelegramOutbox outbox(db(), http_, Options(), nullptr, nullptr, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day")), DeliveryOrigin::kSchedule, false).ok());
  peer_.RateLimitNext(1, 7);
  EXPECT_EQ(outbox.DeliverDue()->retrying, 1);
  EXPECT_EQ(Stored().attempts, 0);
  EXPECT_NEAR(ToUnixSeconds(Stored().next_attempt_at) - clock_.seconds(), 7, 0.01);
  int asked = peer_.requests();
  clock_.Advance(6.9);
  EXPECT_EQ(outbox.DeliverDue()->sent, 0);
  EXPECT_EQ(peer_.requests(), asked) << "not a request before retry_after";
  clock_.Advance(0.1);
  EXPECT_EQ(outbox.DeliverDue()->sent, 1);
  EXPECT_EQ(peer_.delivered().size(), 2u);
}

TEST_F(OutboxTest, ATimeoutIsRetriedAndAFailedDocumentResumesAfterTheMessages) {
  TelegramOutboxOptions options = Options();
  options.telegram.timeout_s = 0.3;
  TelegramOutbox outbox(db(), http_, options, nullptr, nullptr, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day", 400)), DeliveryOrigin::kSchedule, false).ok());
  size_t messages = Stored().messages.size();
  peer_.DelayNext(1, 1.0);
  EXPECT_EQ(outbox.DeliverDue()->retrying, 1);
  EXPECT_EQ(Stored().steps_done, 0);
  EXPECT_THAT(Stored().last_error, HasSubstr("imeout"));
  EXPECT_THAT(Stored().last_error, HasSubstr("<token>")) << "the URL is in the error, the token is not";
  EXPECT_THAT(Stored().last_error, Not(HasSubstr(kToken)));
  clock_.Advance(10);

  // The messages go, but the PDF is missing for a moment: the next try sends only the document.
  Digest digest = *db().digests.GetDigest(tenant_.id, "2026-11-26").value();
  digest.pdf.clear();
  ASSERT_TRUE(db().digests.StoreDigest(digest).ok());  // being rebuilt: no PDF for a moment
  EXPECT_EQ(outbox.DeliverDue()->retrying, 1);
  EXPECT_EQ(Stored().steps_done, static_cast<int>(messages));
  EXPECT_EQ(Count("sendMessage"), static_cast<int>(messages));
  StoreDigest(ADigest("the day", 400));
  clock_.Advance(20);
  EXPECT_EQ(outbox.DeliverDue()->sent, 1);
  EXPECT_EQ(Count("sendMessage"), static_cast<int>(messages)) << "no message twice";
  EXPECT_EQ(Count("sendDocument"), 1);
}

TEST_F(OutboxTest, ASenderThatDiedHoldsItsLeaseOnlyUntilItRunsOut) {
  TelegramOutbox outbox(db(), http_, Options(), nullptr, nullptr, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day")), DeliveryOrigin::kSchedule, false).ok());
  auto claimed = db().outbox.ClaimDeliveries(tenant_.id, std::nullopt, AddSeconds(clock_.Now(), 300), 10);
  ASSERT_EQ(claimed->size(), 1u);  // ...and that sender is killed
  EXPECT_EQ(outbox.DeliverDue()->sent, 0);
  EXPECT_TRUE(peer_.delivered().empty());
  clock_.Advance(301);
  EXPECT_EQ(outbox.DeliverDue()->sent, 1);
  EXPECT_EQ(peer_.delivered().size(), 2u);
}

TEST_F(OutboxTest, ARefusedChatFailsAtOnceAndShowsInTheStats) {
  peer_.RestrictChats({"1"});
  TelegramOutbox outbox(db(), http_, Options(), nullptr, nullptr, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day")), DeliveryOrigin::kSchedule, false).ok());
  EXPECT_EQ(outbox.DeliverDue()->failed, 1);
  EXPECT_EQ(Stored().state, DeliveryState::kFailed);
  EXPECT_THAT(Stored().last_error, HasSubstr("chat not found"));
  auto stats = db().outbox.GetDeliveryStats(AddSeconds(clock_.Now(), -86400));
  EXPECT_EQ(stats->failed, 1);
  EXPECT_EQ(stats->pending, 0);
  // A wrong token is refused too, and its error names no token.
  TelegramOutboxOptions wrong = Options();
  wrong.telegram.bot_token = "999:wrong";
  TelegramOutbox other(db(), http_, wrong, nullptr, nullptr, clock_);
  ASSERT_TRUE(other.Enqueue(StoreDigest(ADigest("again")), DeliveryOrigin::kCommand, true).ok());
  auto left = other.DeliverNow(tenant_.id, "2026-11-26", DeliveryOrigin::kCommand);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->state, DeliveryState::kFailed);
  EXPECT_THAT(left->last_error, HasSubstr("401"));
}

TEST_F(OutboxTest, TheDefaultChatServesOnlyASingleTenantServer) {
  TelegramOutbox outbox(db(), http_, Options(), nullptr, nullptr, clock_);
  EXPECT_EQ(outbox.Enqueue(StoreDigest(ADigest("alone")), DeliveryOrigin::kSchedule, false)->chat_id, kChat);
  Tenant bob = db().tenants.EnsureTenant("bob").value();
  auto bobs = outbox.Enqueue(StoreDigest(ADigest("bob's day"), bob.id), DeliveryOrigin::kSchedule, false);
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->state, DeliveryState::kSkipped);
  EXPECT_THAT(bobs->last_error, HasSubstr("one tenant"));
  TenantSettings settings;
  settings.telegram_chat_id = "777";
  ASSERT_TRUE(db().privacy.PutTenantSettings(bob.id, settings).ok());
  auto again = outbox.Enqueue(StoreDigest(ADigest("bob's day"), bob.id), DeliveryOrigin::kSchedule, false);
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict) << "the schedule issues a day once";
  auto replaced = outbox.Enqueue(StoreDigest(ADigest("bob's day"), bob.id), DeliveryOrigin::kCommand, true);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->chat_id, "777");
  EXPECT_EQ(outbox.DeliverNow(bob.id, "2026-11-26", DeliveryOrigin::kCommand)->state, DeliveryState::kSent);
  for (const auto& d : peer_.delivered()) EXPECT_EQ(d.chat_id, "777");
}

TEST_F(OutboxTest, WhatLeavesPassesTheOutboundGuard) {
  Config config;  // pii_mode mask by default
  OutboundGuard guard(db().privacy, config, nullptr);
  TelegramOutbox outbox(db(), http_, Options(), &guard, nullptr, clock_);
  Digest digest = StoreDigest(ADigest("write to anna.petrova@example.com tonight"));
  digest.markdown = "write to anna.petrova@example.com tonight";
  auto masked = outbox.Enqueue(digest, DeliveryOrigin::kSchedule, false);
  ASSERT_TRUE(masked.ok()) << masked.status().message();
  EXPECT_FALSE(masked->with_document) << "the PDF cannot be masked, so it stays home";
  EXPECT_EQ(outbox.DeliverDue()->sent, 1);
  auto delivered = peer_.delivered();
  ASSERT_EQ(delivered.size(), 1u) << "the message only";
  EXPECT_THAT(delivered[0].text, HasSubstr("write to [EMAIL] tonight"));
  EXPECT_THAT(delivered[0].text, Not(HasSubstr("anna.petrova")));

  // Rendered as the server renders it, citing a recording by its id: the server's own random id
  // is not taken for a secret, so the PDF still goes.
  json cited = ADigest("a quiet day");
  cited["sources"]["S1"] = {{"episode_id", NewId()}, {"recording_id", NewId()}, {"segment", 0}, {"start_s", 0.0},
                            {"end_s", 4.2}, {"captured_at", "2026-11-26T07:10:00Z"}, {"local_time", "10:10:00"},
                            {"quote", "a quiet day"}};
  cited["summary"]["sources"] = {"S1"};
  Digest clean = StoreDigest(cited);
  clean.markdown = RenderDigestMarkdown(*ParseDigestDocument(clean.content_json));
  ASSERT_THAT(clean.markdown, HasSubstr(cited["sources"]["S1"]["recording_id"].get<std::string>()));
  auto whole = outbox.Enqueue(clean, DeliveryOrigin::kCommand, true);
  EXPECT_TRUE(whole->with_document) << "nothing to keep home: the PDF goes too. " << whole->last_error;

  TenantSettings opted_out;
  opted_out.opt_out_training = true;
  ASSERT_TRUE(db().privacy.PutTenantSettings(tenant_.id, opted_out).ok());
  auto refused = outbox.Enqueue(clean, DeliveryOrigin::kCommand, true);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->state, DeliveryState::kSkipped);
  EXPECT_THAT(refused->last_error, HasSubstr("opted out"));
  EXPECT_TRUE(refused->messages.empty());

  // pii_mode strict: a digest holding personal data is withheld whole, not masked.
  TenantSettings strict;
  strict.pii_mode = "strict";
  ASSERT_TRUE(db().privacy.PutTenantSettings(tenant_.id, strict).ok());
  size_t before = peer_.delivered().size();
  auto withheld = outbox.Enqueue(digest, DeliveryOrigin::kCommand, true);
  ASSERT_TRUE(withheld.ok()) << withheld.status().message();
  EXPECT_EQ(withheld->state, DeliveryState::kSkipped);
  EXPECT_THAT(withheld->last_error, HasSubstr("not sent"));
  EXPECT_TRUE(withheld->messages.empty()) << "nothing of it is kept to be sent";
  EXPECT_EQ(outbox.DeliverDue()->sent, 0);
  EXPECT_EQ(peer_.delivered().size(), before);
  auto quiet = outbox.Enqueue(clean, DeliveryOrigin::kCommand, true);
  EXPECT_EQ(quiet->state, DeliveryState::kPending) << "a digest without personal data still goes under strict";
}

// Failures back off base · 2^(attempt-1), never longer than retry_max_s (an hour by default).
TEST_F(OutboxTest, BackoffDoublesUpToAnHour) {
  TelegramOutboxOptions options = Options();
  options.retry_base_s = 1000;
  options.max_attempts = 10;
  EXPECT_EQ(options.retry_max_s, 3600) << "the default cap";
  TelegramOutbox outbox(db(), http_, options, nullptr, nullptr, clock_);
  ASSERT_TRUE(outbox.Enqueue(StoreDigest(ADigest("the day")), DeliveryOrigin::kSchedule, false).ok());
  peer_.SetDown(true);
  for (double expected : {1000.0, 2000.0, 3600.0, 3600.0}) {
    ASSERT_EQ(outbox.DeliverDue()->retrying, 1);
    EXPECT_NEAR(ToUnixSeconds(Stored().next_attempt_at) - clock_.seconds(), expected, 0.01)
        << "after attempt " << Stored().attempts;
    clock_.Advance(expected);
  }
}

}  // namespace
}  // namespace reflexio
