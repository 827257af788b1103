// /v1/signup and /v1/referrals: new accounts and the invitations that bring them
// (billing/referrals.h); /v1/keys: the account's API keys.
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/resources.h"
#include "core/ids.h"
#include "crypto/api_key.h"
#include "model/json.h"

namespace reflexio {

using nlohmann::json;

namespace {

// The body's code field `name`, if there: text of 1 to 64 characters, else a 400.
Result<std::optional<std::string>> CodeInBody(const ServerRequest& request, const std::string& name) {
  ASSIGN_OR_RETURN(json body, BodyObject(request));
  ASSIGN_OR_RETURN(auto code, OptionalTextField(body, name));
  if (code && (code->empty() || code->size() > 64)) {
    return InvalidArgument(name + " must be text of 1 to 64 characters", "invalid_" + name);
  }
  return code;
}

// A key as listed: its prefix, never the key.
json KeyJson(const ApiKeyRecord& k) {
  return {{"id", k.id}, {"prefix", k.prefix}, {"created_at", k.created_at},
          {"revoked_at", k.revoked_at ? json(FormatRfc3339(*k.revoked_at)) : json(nullptr)}};
}

}  // namespace

void AccountsApi::Register(Router& router) {
  router.Add("POST", "/v1/signup", "Create an account and its first API key ({\"referral_code\"} optional; when open)",
             [this](ServerRequest& r) { return Signup(r); }, false);
  router.Add("GET", "/v1/keys", "Your API keys by prefix, revoked ones too (never the keys themselves)",
             [this](ServerRequest& r) { return ListKeys(r); });
  router.Add("POST", "/v1/keys", "A new API key, shown only in this answer",
             [this](ServerRequest& r) { return CreateKey(r); });
  router.Add("DELETE", "/v1/keys/{id}", "Revoke an API key: it reaches nothing from now on",
             [this](ServerRequest& r) { return RevokeKey(r); });
  if (deps_.referrals == nullptr) return;
  router.Add("GET", "/v1/referrals", "Your referral code, the invitations counted and the bonus they earn",
             [this](ServerRequest& r) { return Referrals(r); });
  router.Add("POST", "/v1/referrals/redeem", "Redeem a friend's referral code ({\"code\"}; new accounts only)",
             [this](ServerRequest& r) { return Redeem(r); });
}

// The code is checked before anything is stored, so a wrong one leaves no account behind.
Result<ServerResponse> AccountsApi::Signup(ServerRequest& request) {
  if (deps_.config.signup != "open") {
    return Status(ErrorCode::kPermissionDenied, "signup_closed",
                  "this server does not take sign-ups; its operator makes accounts (reflexio keys create)");
  }
  ASSIGN_OR_RETURN(auto code, CodeInBody(request, "referral_code"));
  if (code && deps_.referrals == nullptr) return InvalidArgument("this server has no referrals", "referrals_off");
  if (code) RETURN_IF_ERROR(deps_.referrals->ReferrerOf(*code).status());
  ASSIGN_OR_RETURN(Tenant tenant, deps_.stores.tenants.EnsureTenant("signup-" + NewId()));
  std::string key = GenerateApiKey();
  RETURN_IF_ERROR(deps_.stores.tenants.AddApiKey(tenant.id, HashApiKey(key), ApiKeyDisplayPrefix(key)).status());
  RETURN_IF_ERROR(deps_.stores.privacy.AppendAudit(
      {tenant.id, "", {}, "tenant", "signup", json{{"key_prefix", ApiKeyDisplayPrefix(key)}}.dump()}));
  json answer = {{"tenant_id", tenant.id}, {"api_key", key}, {"referral_code", nullptr}};
  if (deps_.referrals != nullptr) {
    if (code) RETURN_IF_ERROR(deps_.referrals->Redeem(tenant.id, *code));
    ASSIGN_OR_RETURN(answer["referral_code"], deps_.referrals->CodeOf(tenant.id));
  }
  return ServerResponse::Json(201, answer);
}

Result<ServerResponse> AccountsApi::ListKeys(ServerRequest& request) {
  ASSIGN_OR_RETURN(auto keys, deps_.stores.tenants.ListApiKeys(request.tenant->id));
  json items = json::array();
  for (const auto& k : keys) items.push_back(KeyJson(k));
  return ServerResponse::Json(200, PageJson(std::move(items), std::nullopt));
}

Result<ServerResponse> AccountsApi::CreateKey(ServerRequest& request) {
  std::string key = GenerateApiKey();
  ASSIGN_OR_RETURN(std::string id,
                   deps_.stores.tenants.AddApiKey(request.tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key)));
  RETURN_IF_ERROR(deps_.stores.privacy.AppendAudit({request.tenant->id, "", {}, "tenant", "api_key_created",
                                                    json{{"key_id", id}, {"prefix", ApiKeyDisplayPrefix(key)}}.dump()}));
  ASSIGN_OR_RETURN(auto keys, deps_.stores.tenants.ListApiKeys(request.tenant->id));
  for (const auto& k : keys) {
    if (k.id != id) continue;
    json answer = KeyJson(k);
    answer["key"] = key;  // the only time it is shown
    ServerResponse response = ServerResponse::Json(201, answer);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }
  return Internal("the new key " + id + " was stored but is not listed");
}

Result<ServerResponse> AccountsApi::RevokeKey(ServerRequest& request) {
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(bool revoked, deps_.stores.tenants.RevokeApiKey(request.tenant->id, id, deps_.clock->Now()));
  if (!revoked) return NotFound("no valid API key " + id, "key_not_found");
  RETURN_IF_ERROR(deps_.stores.privacy.AppendAudit({request.tenant->id, "", {}, "tenant", "api_key_revoked",
                                                    json{{"key_id", id}}.dump()}));
  return ServerResponse::Json(200, {{"revoked", id}});
}

Result<ServerResponse> AccountsApi::Referrals(ServerRequest& request) {
  ASSIGN_OR_RETURN(ReferralStatus s, deps_.referrals->StatusOf(request.tenant->id));
  double progress = s.invites_required > 0 ? std::min(1.0, static_cast<double>(s.counts.counted) / s.invites_required) : 1;
  return ServerResponse::Json(200, {{"code", s.code},
                                    {"invites_redeemed", s.counts.redeemed},
                                    {"invites_counted", s.counts.counted},
                                    {"invites_required", s.invites_required},
                                    {"bonus_minutes", s.bonus_minutes},
                                    {"bonus_applied", s.bonus_applied},
                                    {"progress", progress}});
}

Result<ServerResponse> AccountsApi::Redeem(ServerRequest& request) {
  ASSIGN_OR_RETURN(auto code, CodeInBody(request, "code"));
  if (!code) return InvalidArgument("name the code: {\"code\": \"…\"}", "invalid_code");
  RETURN_IF_ERROR(deps_.referrals->Redeem(request.tenant->id, *code));
  return ServerResponse::Json(200, {{"redeemed", true}});
}

}  // namespace reflexio
