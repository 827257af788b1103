// /v1/privacy/…: the person's settings, export, erasure and audit log (privacy/controls.h).
#include <nlohmann/json.hpp>

#include <map>

#include "api/json_views.h"
#include "api/resources.h"
#include "privacy/retention.h"

namespace reflexio {

using nlohmann::json;

namespace {

json EffectiveSettingsJson(const EffectiveSettings& s) {
  auto optional = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  return {{"audio_retention_hours", s.audio_retention_hours},
          {"transcript_retention_days", s.transcript_retention_days},
          {"digest_retention_days", s.digest_retention_days},
          {"opt_out_training", s.opt_out_training},
          {"pii_mode", s.pii_mode},
          {"overrides",
           {{"audio_retention_hours", optional(s.stored.audio_retention_hours)},
            {"transcript_retention_days", optional(s.stored.transcript_retention_days)},
            {"digest_retention_days", optional(s.stored.digest_retention_days)},
            {"pii_mode", s.stored.pii_mode ? json(*s.stored.pii_mode) : json(nullptr)}}}};
}

Status Bad(const std::string& message, const std::string& code = "invalid_settings") {
  return InvalidArgument(message, code);
}

// Applies the fields present in `body` to `settings`; a null resets a field to the default.
Status ApplySettingsPatch(const json& body, TenantSettings& settings) {
  if (!body.is_object()) return Bad("send a JSON object of the settings to change", "invalid_json");
  auto whole_number = [&](const std::string& name, int min, int max, std::optional<int>& field) -> Status {
    const json& value = body[name];
    if (value.is_null()) {
      field.reset();
      return Status::Ok();
    }
    if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max) {
      return Bad(name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                 ", or null for the server's default");
    }
    field = value.get<int>();
    return Status::Ok();
  };
  for (const auto& [name, value] : body.items()) {
    if (name == "audio_retention_hours") {
      RETURN_IF_ERROR(whole_number(name, 0, 24 * 365 * 100, settings.audio_retention_hours));
    } else if (name == "transcript_retention_days") {
      RETURN_IF_ERROR(whole_number(name, 1, 365 * 100, settings.transcript_retention_days));
    } else if (name == "digest_retention_days") {
      RETURN_IF_ERROR(whole_number(name, 1, 365 * 100, settings.digest_retention_days));
    } else if (name == "opt_out_training") {
      if (!value.is_boolean()) return Bad("opt_out_training must be true or false");
      settings.opt_out_training = value.get<bool>();
    } else if (name == "pii_mode") {
      if (value.is_null()) {
        settings.pii_mode.reset();
      } else if (value.is_string() && (value == "audit" || value == "mask" || value == "strict")) {
        settings.pii_mode = value.get<std::string>();
      } else {
        return Bad("pii_mode must be audit, mask or strict, or null for the server's default");
      }
    } else {
      return Bad("unknown setting '" + name + "'", "unknown_field");
    }
  }
  return Status::Ok();
}

}  // namespace

void PrivacyApi::Register(Router& router) {
  router.Add("GET", "/v1/privacy/settings", "Retention, training opt-out and PII mode in effect, with your overrides",
             [this](ServerRequest& r) { return GetSettings(r); });
  router.Add("PUT", "/v1/privacy/settings", "Change privacy settings (JSON; null restores a default)",
             [this](ServerRequest& r) { return UpdateSettings(r); });
  router.Add("GET", "/v1/privacy/export", "Everything stored about you as one tar archive (JSON + audio)",
             [this](ServerRequest& r) { return Export(r); });
  router.Add("POST", "/v1/privacy/erase", "Erase all your data and destroy its key ({\"confirm\": true})",
             [this](ServerRequest& r) { return Erase(r); });
  router.Add("GET", "/v1/privacy/audit", "Audit log: exports, erasures, key rotations, admin access (limit, cursor)",
             [this](ServerRequest& r) { return ListAudit(r); });
  router.Add("GET", "/v1/privacy/retention", "What retention would delete now under your settings (deletes nothing)",
             [this](ServerRequest& r) { return RetentionDryRun(r); });
}

// A dry run's report lists what would go; the counts are taken from that list.
Result<ServerResponse> PrivacyApi::RetentionDryRun(ServerRequest& request) {
  RetentionSweeper sweeper(deps_.stores, deps_.blobs, RetentionPolicy::Defaults(deps_.config), nullptr, *deps_.clock);
  ASSIGN_OR_RETURN(RetentionReport report, sweeper.RunForTenant(*request.tenant, /*dry_run=*/true));
  std::map<std::string, int64_t> counts = {{"audio", 0}, {"recording", 0}, {"digest", 0}};
  json actions = json::array();
  for (const RetentionAction& a : report.actions) {
    ++counts[a.what];
    json action = {{"what", a.what}};
    if (a.what == "digest") {
      action["date"] = a.digest_date;
    } else {
      action["recording_id"] = a.recording_id;
      action["captured_at"] = FormatRfc3339(a.captured_at);
    }
    actions.push_back(std::move(action));
  }
  return ServerResponse::Json(200, {{"dry_run", true},
                                    {"audio", counts["audio"]},
                                    {"recordings", counts["recording"]},
                                    {"digests", counts["digest"]},
                                    {"actions", actions}});
}

Result<ServerResponse> PrivacyApi::GetSettings(ServerRequest& request) {
  ASSIGN_OR_RETURN(EffectiveSettings settings, privacy_.Settings(request.tenant->id));
  return ServerResponse::Json(200, EffectiveSettingsJson(settings));
}

Result<ServerResponse> PrivacyApi::UpdateSettings(ServerRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Bad("the body is not valid JSON", "invalid_json");
  ASSIGN_OR_RETURN(TenantSettings settings, deps_.stores.privacy.GetTenantSettings(request.tenant->id));
  RETURN_IF_ERROR(ApplySettingsPatch(body, settings));
  ASSIGN_OR_RETURN(EffectiveSettings updated, privacy_.UpdateSettings(request.tenant->id, settings, "tenant"));
  return ServerResponse::Json(200, EffectiveSettingsJson(updated));
}

Result<ServerResponse> PrivacyApi::Export(ServerRequest& request) {
  RecordingView view = [](const Recording& r, const std::vector<Segment>& segments) {
    json out = RecordingJson(r);
    json transcript = json::array();
    for (const auto& s : segments) transcript.push_back(SegmentJson(s));
    out["segments"] = std::move(transcript);
    return out;
  };
  ServerResponse response;
  ASSIGN_OR_RETURN(response.body, privacy_.Export(*request.tenant, view, "tenant"));
  response.content_type = "application/x-tar";
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"reflexio-export-" + request.tenant->name + ".tar\"");
  return response;
}

Result<ServerResponse> PrivacyApi::Erase(ServerRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || body.value("confirm", json(false)) != json(true)) {
    return InvalidArgument(
        "erasure deletes every recording and transcript and destroys their key; send {\"confirm\": true} to proceed",
        "confirmation_required");
  }
  ASSIGN_OR_RETURN(auto report, privacy_.Erase(request.tenant->id, "tenant"));
  return ServerResponse::Json(200, {{"recordings_deleted", report.recordings_deleted},
                                    {"objects_deleted", report.objects_deleted},
                                    {"data_key_destroyed", true}});
}

Result<ServerResponse> PrivacyApi::ListAudit(ServerRequest& request) {
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 200));
  ASSIGN_OR_RETURN(auto page, deps_.stores.privacy.ListAudit(request.tenant->id, limit,
                                                              request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& e : page.items) {
    items.push_back({{"id", e.id}, {"at", FormatRfc3339(e.at)}, {"actor", e.actor}, {"action", e.action},
                     {"detail", json::parse(e.detail, nullptr, false)}});
  }
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

}  // namespace reflexio
