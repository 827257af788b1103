#include "billing/stripe_webhook.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "billing/stripe_signature.h"
#include "core/log.h"
#include "core/strings.h"
#include "model/json.h"

namespace reflexio {

using nlohmann::json;

namespace {

struct Event {
  std::string id, type;
  TimePoint created{};
  json object;
};

Result<Event> ParseEvent(std::string_view payload) {
  json body = json::parse(payload, nullptr, false);
  auto bad = InvalidArgument("the body is not a Stripe event", "bad_stripe_event");
  if (!body.is_object() || StripeText(body, "object") != "event") return bad;
  Event event{StripeText(body, "id"), StripeText(body, "type"), {}, json()};
  auto created = body.find("created");
  auto data = body.find("data");
  if (event.id.empty() || event.type.empty() || created == body.end() || !created->is_number() ||
      data == body.end() || !data->is_object() || !data->contains("object") || !(*data)["object"].is_object()) {
    return bad;
  }
  event.created = FromUnixSeconds(created->get<double>());
  event.object = (*data)["object"];
  return event;
}

// The subscription an event is about, and the tenant the event itself names (Checkout's
// client_reference_id); nothing for events that change no subscription.
struct Target {
  std::string subscription_id;
  std::string tenant_hint;
};

std::optional<Target> TargetOf(const Event& e) {
  const json& o = e.object;
  if (e.type == "checkout.session.completed") {
    if (StripeText(o, "mode") != "subscription" || StripeText(o, "subscription").empty()) return std::nullopt;
    return Target{StripeText(o, "subscription"), StripeText(o, "client_reference_id")};
  }
  if (e.type == "invoice.paid" || e.type == "invoice.payment_failed") {
    std::string id = StripeText(o, "subscription");  // before API version 2025-03-31
    if (id.empty() && o.contains("parent") && o["parent"].is_object() && o["parent"].contains("subscription_details") &&
        o["parent"]["subscription_details"].is_object()) {
      id = StripeText(o["parent"]["subscription_details"], "subscription");
    }
    if (id.empty()) return std::nullopt;  // an invoice of no subscription
    return Target{id, ""};
  }
  if (e.type == "customer.subscription.created" || e.type == "customer.subscription.updated" ||
      e.type == "customer.subscription.deleted") {
    return Target{StripeText(o, "id"), ""};
  }
  return std::nullopt;
}

std::string PlanOf(const Pricing& pricing, const StripeSubscription& s, const std::optional<Subscription>& previous) {
  for (const Plan& plan : pricing.plans) {
    if (!plan.stripe_price_id.empty() && plan.stripe_price_id == s.price_id) return plan.id;
  }
  auto named = s.metadata.find("plan");
  if (named != s.metadata.end() && pricing.Find(named->second) != nullptr) return named->second;
  if (previous && !previous->plan_id.empty()) return previous->plan_id;
  return named != s.metadata.end() ? named->second : s.price_id;
}

json StateJson(const Subscription& s) {
  return {{"plan", s.plan_id},
          {"status", s.status},
          {"current_period_end", s.current_period_end},
          {"cancel_at_period_end", s.cancel_at_period_end},
          {"grace_until", s.grace_until}};
}

}  // namespace

std::vector<std::string> WebhookSecrets(const StripeConfig& config) {
  std::vector<std::string> secrets;
  size_t start = 0;
  while (start <= config.webhook_secret.size()) {
    size_t comma = config.webhook_secret.find(',', start);
    if (comma == std::string::npos) comma = config.webhook_secret.size();
    std::string secret = TrimWhitespace(std::string_view(config.webhook_secret).substr(start, comma - start));
    if (!secret.empty()) secrets.push_back(secret);
    start = comma + 1;
  }
  return secrets;
}

Result<WebhookOutcome> StripeWebhook::Handle(std::string_view payload, std::string_view signature_header) {
  if (options_.secrets.empty()) {
    return Unavailable("this server takes no Stripe events: STRIPE_WEBHOOK_SECRET is not set", "billing_not_configured");
  }
  RETURN_IF_ERROR(VerifyStripeSignature(payload, signature_header, options_.secrets, clock_.Now()));
  ASSIGN_OR_RETURN(Event event, ParseEvent(payload));
  WebhookOutcome outcome{event.id, event.type, "", "ignored"};
  std::optional<Target> target = TargetOf(event);
  if (!target) return outcome;
  auto fetched = stripe_.GetSubscription(target->subscription_id);
  if (!fetched.ok() && fetched.status().code() == ErrorCode::kNotFound) return outcome;
  if (!fetched.ok()) {
    return Unavailable("cannot read subscription " + target->subscription_id + " from Stripe; Stripe will send " +
                           event.id + " again: " + fetched.status().message(),
                       "stripe_unavailable");
  }
  auto tenant = fetched->metadata.find("tenant_id");
  outcome.tenant_id = tenant != fetched->metadata.end() ? tenant->second : target->tenant_hint;
  if (outcome.tenant_id.empty()) {
    LOG_WARN("Stripe event " << event.id << " (" << event.type << ") is about subscription " << fetched->id
                             << ", which no Checkout of this server made: ignored");
    return outcome;
  }

  ASSIGN_OR_RETURN(std::optional<Subscription> previous, ledger_.GetSubscription(outcome.tenant_id));
  Subscription next;
  next.tenant_id = outcome.tenant_id;
  next.plan_id = PlanOf(pricing_, *fetched, previous);
  next.status = fetched->status;
  next.stripe_customer = fetched->customer;
  next.stripe_subscription = fetched->id;
  next.current_period_end = fetched->current_period_end;
  next.cancel_at_period_end = fetched->cancel_at_period_end;
  next.synced_at = clock_.Now();
  if (next.status == "past_due") {
    // The grace runs from the first failed payment Stripe told us of, not from each retry.
    bool already = previous && previous->status == "past_due" && previous->grace_until;
    next.grace_until = already ? previous->grace_until
                               : std::optional<TimePoint>(AddSeconds(event.created, options_.grace_hours * 3600));
  }
  std::optional<AuditEntry> audit;
  json before = previous ? StateJson(*previous) : json(nullptr);
  json after = StateJson(next);
  if (before != after) {
    audit = AuditEntry{outcome.tenant_id, "", {}, "stripe", "subscription_change",
                       json{{"event", event.id}, {"type", event.type}, {"from", before}, {"to", after}}.dump()};
  }
  ASSIGN_OR_RETURN(bool applied,
                   ledger_.ApplyStripeEvent({outcome.tenant_id, event.id, event.type, event.created}, next, audit));
  outcome.result = applied ? "applied" : "replayed";
  LOG_INFO("Stripe event " << event.id << " (" << event.type << ") " << outcome.result << ": subscription "
                           << next.stripe_subscription << " is " << next.status << " on " << next.plan_id);
  return outcome;
}

}  // namespace reflexio
