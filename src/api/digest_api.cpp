// /v1/digests… (digest/service.h) and /v1/settings: the person's zone, digest time and chat.
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/resources.h"
#include "core/local_time.h"
#include "model/digest_document.h"

namespace reflexio {

using nlohmann::json;

namespace {

json PersonalSettingsJson(const TenantSettings& s, const Config& config) {
  auto or_null = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  return {{"timezone", s.timezone.value_or(config.timezone)},
          {"digest_time", s.digest_time.value_or(config.digest_time)},
          {"telegram_chat_id", s.telegram_chat_id ? json(*s.telegram_chat_id) : json(nullptr)},
          {"overrides", {{"timezone", or_null(s.timezone)}, {"digest_time", or_null(s.digest_time)},
                         {"telegram_chat_id", or_null(s.telegram_chat_id)}}}};
}

json DigestListItem(const Digest& d) {
  return {{"date", d.date}, {"status", ToString(d.status)}, {"updated_at", FormatRfc3339(d.updated_at)},
          {"error", d.error.empty() ? json(nullptr) : json(d.error)},
          {"links", {{"json", "/v1/digests/" + d.date + "?format=json"}, {"md", "/v1/digests/" + d.date + "?format=md"},
                     {"pdf", "/v1/digests/" + d.date + "?format=pdf"}}}};
}

// Applies the fields present in `body` to `settings`; a null restores the server's default.
Status ApplyPersonalSettings(const json& body, TenantSettings& settings) {
  for (const auto& [name, value] : body.items()) {
    std::optional<std::string>* field = name == "timezone" ? &settings.timezone
                                         : name == "digest_time" ? &settings.digest_time
                                         : name == "telegram_chat_id" ? &settings.telegram_chat_id
                                                                      : nullptr;
    if (field == nullptr) {
      return InvalidArgument("unknown setting '" + name + "' (timezone, digest_time, telegram_chat_id)", "unknown_field");
    }
    if (value.is_null()) {
      field->reset();
      continue;
    }
    std::string text = value.is_number_integer() && name == "telegram_chat_id" ? std::to_string(value.get<int64_t>())
                       : value.is_string()                                     ? value.get<std::string>()
                                                                               : std::string();
    if (text.empty()) return InvalidArgument(name + " must be text, or null for the default", "invalid_settings");
    if (name == "timezone" && !IsKnownTimeZone(text)) {
      return InvalidArgument("unknown time zone '" + text + "' (use an IANA name such as Europe/Berlin)",
                             "invalid_timezone");
    }
    if (name == "digest_time") RETURN_IF_ERROR(CheckClockTime(text));
    *field = text;
  }
  return Status::Ok();
}

ServerResponse DigestResponse(const Digest& digest, const std::string& format) {
  ServerResponse response;
  if (format == "md") {
    response.content_type = "text/markdown; charset=utf-8";
    response.body = digest.markdown;
  } else if (format == "pdf") {
    response.content_type = "application/pdf";
    response.body = digest.pdf;
    response.headers.emplace_back("Content-Disposition", "inline; filename=\"reflexio-digest-" + digest.date + ".pdf\"");
  } else {
    // Read back, so a digest stored by an earlier version answers in today's shape.
    auto document = ParseDigestDocument(digest.content_json);
    response.body = document.ok() ? json(*document).dump(2) : digest.content_json;
  }
  return response;
}

// The digest, or — while another build of the day runs — 202 and when to ask again.
Result<ServerResponse> DigestOrBuilding(const Result<Digest>& digest, const std::string& date,
                                        const std::string& format) {
  if (DigestService::IsBuilding(digest.status())) {
    auto response = ServerResponse::Json(202, {{"date", date}, {"status", "generating"},
                                               {"retry_after_seconds", DigestService::kRetryAfter_s}});
    response.headers.emplace_back("Retry-After", std::to_string(DigestService::kRetryAfter_s));
    return response;
  }
  if (!digest.ok()) return digest.status();
  return DigestResponse(*digest, format);
}

}  // namespace

void DigestsApi::Register(Router& router) {
  router.Add("GET", "/v1/digests", "Digests built, newest first (from, to as YYYY-MM-DD; limit, cursor)",
             [this](ServerRequest& r) { return List(r); });
  router.Add("GET", "/v1/digests/{date}", "The digest of a day (YYYY-MM-DD, today, yesterday; format=json|md|pdf)",
             [this](ServerRequest& r) { return Get(r); });
  router.Add("POST", "/v1/digests/{date}/generate", "Build the digest of a day again now",
             [this](ServerRequest& r) { return Generate(r); });
  router.Add("GET", "/v1/digests/{date}/deliveries", "How the digest of a day went to Telegram (state, parts, errors)",
             [this](ServerRequest& r) { return GetDeliveries(r); });
  router.Add("POST", "/v1/digests/{date}/deliver", "Send the digest of a day to your Telegram chat now",
             [this](ServerRequest& r) { return Deliver(r); });
}

Result<ServerResponse> DigestsApi::Get(ServerRequest& request) {
  std::string format = request.Query("format").value_or("json");
  if (format != "json" && format != "md" && format != "pdf") {
    return InvalidArgument("format must be json, md or pdf", "invalid_format");
  }
  ASSIGN_OR_RETURN(std::string date, digests_.ResolveDate(request.tenant->id, request.params.at("date")));
  return DigestOrBuilding(digests_.Fresh(request.tenant->id, date), date, format);
}

Result<ServerResponse> DigestsApi::Generate(ServerRequest& request) {
  ASSIGN_OR_RETURN(std::string date, digests_.ResolveDate(request.tenant->id, request.params.at("date")));
  return DigestOrBuilding(digests_.Rebuild(request.tenant->id, date), date, "json");
}

Result<ServerResponse> DigestsApi::List(ServerRequest& request) {
  std::string from = request.Query("from").value_or(""), to = request.Query("to").value_or("");
  for (const std::string* date : {&from, &to}) {
    if (!date->empty()) RETURN_IF_ERROR(CheckDate(*date));
  }
  if (!from.empty() && !to.empty() && to < from) {
    return InvalidArgument("'to' must not be before 'from'", "invalid_date_range");
  }
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 31, 366));
  ASSIGN_OR_RETURN(auto page, deps_.stores.digests.ListDigests(request.tenant->id, from, to, limit,
                                                                request.Query("cursor").value_or("")));
  json items = json::array();
  for (const Digest& d : page.items) items.push_back(DigestListItem(d));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

namespace {
json DeliveryJson(const DigestDelivery& d) {
  return {{"date", d.date}, {"origin", ToString(d.origin)}, {"state", ToString(d.state)},
          {"chat_id", d.chat_id.empty() ? json(nullptr) : json(d.chat_id)},
          {"messages", d.messages.size()}, {"steps", d.messages.size() + (d.with_document ? 1 : 0)},
          {"with_document", d.with_document}, {"steps_done", d.steps_done},
          {"message_ids", d.message_ids}, {"attempts", d.attempts},
          {"next_attempt_at", d.state == DeliveryState::kPending ? json(FormatRfc3339(d.next_attempt_at)) : json(nullptr)},
          {"error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
          {"created_at", FormatRfc3339(d.created_at)}, {"updated_at", FormatRfc3339(d.updated_at)}};
}
}  // namespace

Result<ServerResponse> DigestsApi::GetDeliveries(ServerRequest& request) {
  ASSIGN_OR_RETURN(std::string date, digests_.ResolveDate(request.tenant->id, request.params.at("date")));
  ASSIGN_OR_RETURN(auto deliveries, deps_.stores.outbox.ListDeliveries(request.tenant->id, date));
  json items = json::array();
  for (const DigestDelivery& d : deliveries) items.push_back(DeliveryJson(d));
  return ServerResponse::Json(200, {{"date", date}, {"items", items}});
}

// The day's digest (built now if it is not yet) into the outbox as a command delivery, replacing
// an earlier one, and sent at once; the answer is the delivery as it was left.
Result<ServerResponse> DigestsApi::Deliver(ServerRequest& request) {
  if (deps_.telegram == nullptr || deps_.config.telegram.bot_token.empty()) {
    return Status(ErrorCode::kConflict, "telegram_not_configured",
                  "this server sends no digests: its operator has not set TELEGRAM_BOT_TOKEN");
  }
  ASSIGN_OR_RETURN(std::string date, digests_.ResolveDate(request.tenant->id, request.params.at("date")));
  ASSIGN_OR_RETURN(Digest digest, digests_.Rebuild(request.tenant->id, date));
  ASSIGN_OR_RETURN(DigestDelivery queued, deps_.telegram->Enqueue(digest, DeliveryOrigin::kCommand, /*replace=*/true));
  if (queued.state != DeliveryState::kPending) return ServerResponse::Json(200, DeliveryJson(queued));
  ASSIGN_OR_RETURN(DigestDelivery left, deps_.telegram->DeliverNow(request.tenant->id, date, DeliveryOrigin::kCommand));
  return ServerResponse::Json(200, DeliveryJson(left));
}

void SettingsApi::Register(Router& router) {
  router.Add("GET", "/v1/settings", "Your time zone, digest time and Telegram chat",
             [this](ServerRequest& r) { return Get(r); });
  router.Add("PUT", "/v1/settings", "Change them (JSON; null restores the server's default)",
             [this](ServerRequest& r) { return Update(r); });
}

Result<ServerResponse> SettingsApi::Get(ServerRequest& request) {
  ASSIGN_OR_RETURN(TenantSettings settings, deps_.stores.privacy.GetTenantSettings(request.tenant->id));
  return ServerResponse::Json(200, PersonalSettingsJson(settings, deps_.config));
}

Result<ServerResponse> SettingsApi::Update(ServerRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return InvalidArgument("send a JSON object of the settings to change", "invalid_json");
  ASSIGN_OR_RETURN(TenantSettings settings, deps_.stores.privacy.GetTenantSettings(request.tenant->id));
  RETURN_IF_ERROR(ApplyPersonalSettings(body, settings));
  RETURN_IF_ERROR(deps_.stores.privacy.PutTenantSettings(request.tenant->id, settings));
  return ServerResponse::Json(200, PersonalSettingsJson(settings, deps_.config));
}

}  // namespace reflexio
