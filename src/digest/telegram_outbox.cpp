#include "digest/telegram_outbox.h"

#include <algorithm>
#include <cmath>


#include "core/log.h"
#include "digest/telegram_message.h"

namespace reflexio {

namespace {
using Outcome = TelegramReply::Outcome;
constexpr int kClaimBatch = 10;

// The digest as the PII scan should read it: what was said, without the recording ids its
// sources name — the server's own random ids, which the scan would take for secrets.
std::string WithoutRecordingIds(const Digest& digest) {
  std::string text = digest.markdown;
  auto content = ParseDigestDocument(digest.content_json);
  if (!content.ok()) return text;
  for (const auto& [id, source] : content->sources) {
    if (source.recording_id.empty()) continue;
    for (size_t at = text.find(source.recording_id); at != std::string::npos; at = text.find(source.recording_id, at)) {
      text.erase(at, source.recording_id.size());
    }
  }
  return text;
}
}  // namespace

TelegramOutboxOptions TelegramOutboxOptionsFor(const Config& config) {
  TelegramOutboxOptions options;
  options.telegram.api_url = config.telegram.api_url;
  options.telegram.bot_token = config.telegram.bot_token;
  options.telegram.timeout_s = config.telegram.timeout_s;
  options.default_chat_id = config.telegram.chat_id;
  options.retry_base_s = config.telegram.retry_base_s;
  options.max_attempts = config.telegram.max_attempts;
  // Renewed after every step, and a step is one request of at most timeout_s: a live sender never
  // loses it, and a dead one's runs out soon.
  options.lease_s = 2 * config.telegram.timeout_s + 10;
  return options;
}

void TelegramOutbox::Count(const std::string& outcome) {
  if (metrics_ != nullptr) metrics_->CountDigestDelivery(outcome);
}

Result<std::string> TelegramOutbox::ChatFor(const std::string& tenant_id, std::string& why_none) {
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(tenant_id));
  if (settings.telegram_chat_id && !settings.telegram_chat_id->empty()) return *settings.telegram_chat_id;
  if (options_.default_chat_id.empty()) {
    why_none = "no Telegram chat: set telegram_chat_id in /v1/settings (or TELEGRAM_CHAT_ID on a single-tenant server)";
    return std::string();
  }
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  if (tenants.size() != 1) {
    why_none = "no Telegram chat: TELEGRAM_CHAT_ID only serves a server with one tenant; set telegram_chat_id in "
               "/v1/settings";
    return std::string();
  }
  return options_.default_chat_id;
}

Status TelegramOutbox::Guard(const Digest& digest, DigestDelivery& d) {
  if (guard_ == nullptr) return Status::Ok();
  const Destination telegram{"telegram", false};
  for (std::string& message : d.messages) {
    auto prepared = guard_->Prepare(d.tenant_id, message, telegram);
    if (!prepared.ok()) {
      if (prepared.status().code() != ErrorCode::kPermissionDenied) return prepared.status();
      d.state = DeliveryState::kSkipped;
      d.chat_id.clear();
      d.messages.clear();
      d.last_error = "not sent: " + prepared.status().message();
      return Status::Ok();
    }
    message = std::move(*prepared);
  }
  // The PDF cannot be masked: it goes only when the whole digest may leave as it is.
  std::string said = WithoutRecordingIds(digest);
  auto whole = guard_->Prepare(d.tenant_id, said, telegram);
  if (!whole.ok() && whole.status().code() != ErrorCode::kPermissionDenied) return whole.status();
  d.with_document = whole.ok() && *whole == said;
  if (!d.with_document) d.last_error = "the PDF stays on the server: it holds personal data this tenant's pii_mode keeps";
  return Status::Ok();
}

Result<DigestDelivery> TelegramOutbox::Enqueue(const Digest& digest, DeliveryOrigin origin, bool replace) {
  DigestDelivery d;
  d.tenant_id = digest.tenant_id;
  d.date = digest.date;
  d.origin = origin;
  d.next_attempt_at = clock_.Now();
  std::string why_none;
  ASSIGN_OR_RETURN(std::string chat, ChatFor(digest.tenant_id, why_none));
  if (options_.telegram.bot_token.empty()) {
    d.state = DeliveryState::kSkipped;
    d.last_error = "Telegram is not configured (TELEGRAM_BOT_TOKEN)";
  } else if (chat.empty()) {
    d.state = DeliveryState::kSkipped;
    d.last_error = why_none;
  } else {
    auto content = ParseDigestDocument(digest.content_json);
    if (!content.ok()) return Internal("the digest of " + digest.date + " is not readable: " + content.status().message());
    d.state = DeliveryState::kPending;
    d.chat_id = chat;
    d.messages = RenderTelegramMessages(*content);
    RETURN_IF_ERROR(Guard(digest, d));
  }
  ASSIGN_OR_RETURN(bool added, stores_.outbox.AddDelivery(d, replace));
  if (!added) {
    return Status(ErrorCode::kConflict, "delivery_exists",
                  "the digest of " + d.date + " is already in the outbox (" + ToString(origin) + ")");
  }
  if (d.state == DeliveryState::kSkipped) Count("skipped");
  ASSIGN_OR_RETURN(auto stored, stores_.outbox.GetDelivery(d.tenant_id, d.date, d.origin));
  if (!stored) return Internal("the delivery of " + d.date + " vanished after it was stored");
  return *stored;
}

Result<DeliveryRoundReport> TelegramOutbox::DeliverDue() {
  DeliveryRoundReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  for (const Tenant& tenant : tenants) {
    ASSIGN_OR_RETURN(auto claimed, stores_.outbox.ClaimDeliveries(tenant.id, std::nullopt, AddSeconds(clock_.Now(), options_.lease_s),
                                                       kClaimBatch));
    for (DigestDelivery& d : claimed) {
      ASSIGN_OR_RETURN(DigestDelivery left, Send(std::move(d)));
      if (left.state == DeliveryState::kSent) ++report.sent;
      else if (left.state == DeliveryState::kFailed) ++report.failed;
      else ++report.retrying;
    }
  }
  return report;
}

Result<DigestDelivery> TelegramOutbox::DeliverNow(const std::string& tenant_id, const std::string& date,
                                                  DeliveryOrigin origin) {
  ASSIGN_OR_RETURN(auto claimed,
                   stores_.outbox.ClaimDeliveries(tenant_id, DeliveryKey{date, origin}, AddSeconds(clock_.Now(), options_.lease_s), 1));
  if (!claimed.empty()) return Send(std::move(claimed[0]));
  ASSIGN_OR_RETURN(auto stored, stores_.outbox.GetDelivery(tenant_id, date, origin));
  if (!stored) return NotFound("no delivery of the digest of " + date + " (" + ToString(origin) + ")");
  return *stored;  // done already, or another sender holds it
}

Result<DigestDelivery> TelegramOutbox::Send(DigestDelivery d) {
  const int total = static_cast<int>(d.messages.size()) + (d.with_document ? 1 : 0);
  while (d.steps_done < total) {
    TelegramReply reply;
    if (d.steps_done < static_cast<int>(d.messages.size())) {
      reply = client_.SendMessage(d.chat_id, d.messages[d.steps_done]);
    } else {
      ASSIGN_OR_RETURN(auto digest, stores_.digests.GetDigest(d.tenant_id, d.date));
      auto content = digest ? ParseDigestDocument(digest->content_json) : Result<DigestDocument>(NotFound("no digest"));
      if (!digest) {
        reply.outcome = Outcome::kRejected;
        reply.error = "the digest of " + d.date + " is no longer stored";
      } else if (digest->pdf.empty() || !content.ok()) {
        reply.error = "the digest of " + d.date + " has no PDF yet";  // being rebuilt: retry
      } else {
        reply = client_.SendDocument(d.chat_id, digest->pdf, "reflexio-digest-" + d.date + ".pdf",
                                     TelegramDocumentCaption(*content));
      }
    }
    TimePoint now = clock_.Now();
    if (reply.outcome == Outcome::kSent) {
      ++d.steps_done;
      d.message_ids.push_back(reply.message_id);
      d.lease_until = AddSeconds(now, options_.lease_s);
      if (d.steps_done == total) {
        d.state = DeliveryState::kSent;
        d.lease_until.reset();
        d.last_error.clear();
      }
      RETURN_IF_ERROR(stores_.outbox.UpdateDelivery(d));
      continue;
    }
    d.last_error = reply.error;
    d.lease_until.reset();
    if (reply.outcome == Outcome::kRateLimited) {
      d.next_attempt_at = AddSeconds(now, reply.retry_after_s);
      Count("rate_limited");
      LOG_WARN("Telegram rate-limited the digest of " << d.date << " for tenant " << d.tenant_id << ": trying again in "
                                                      << reply.retry_after_s << " s");
    } else if (reply.outcome == Outcome::kRetry && d.attempts + 1 < options_.max_attempts) {
      ++d.attempts;
      double wait = std::min(options_.retry_max_s, options_.retry_base_s * std::pow(2.0, d.attempts - 1));
      d.next_attempt_at = AddSeconds(now, wait);
      Count("retry");
      LOG_WARN("the digest of " << d.date << " for tenant " << d.tenant_id << " did not reach Telegram (attempt "
                                << d.attempts << " of " << options_.max_attempts << ", next in " << wait
                                << " s): " << d.last_error);
    } else {
      ++d.attempts;
      d.state = DeliveryState::kFailed;
      Count("failed");
      LOG_ERROR("gave up delivering the digest of " << d.date << " for tenant " << d.tenant_id << " to Telegram: "
                                                    << d.last_error);
    }
    RETURN_IF_ERROR(stores_.outbox.UpdateDelivery(d));
    return d;
  }
  Count("sent");
  LOG_INFO("the digest of " << d.date << " for tenant " << d.tenant_id << " reached Telegram (" << total
                            << " part(s))");
  return d;
}

}  // namespace reflexio
