#include "api/api.h"

#include "crypto/api_key.h"

namespace reflexio {

Api::Api(ApiDependencies deps)
    : deps_(std::move(deps)),
      system_(HealthDependencies{deps_.stores.jobs, deps_.blobs, deps_.config, deps_.metrics, deps_.engines,
                                 &deps_.stores.outbox, deps_.clock, &deps_.stores.billing}),
      recordings_(deps_),
      search_(deps_),
      episodes_(deps_),
      actions_(deps_),
      memory_(deps_),
      digests_(deps_),
      settings_(deps_),
      privacy_(deps_),
      billing_(deps_),
      accounts_(deps_),
      sessions_(deps_),
      admin_(deps_) {}

// In the order GET / lists them.
void Api::RegisterRoutes(Router& router) {
  system_.Register(router);
  recordings_.Register(router);
  search_.Register(router);
  episodes_.Register(router);
  actions_.Register(router);
  memory_.Register(router);
  digests_.Register(router);
  settings_.Register(router);
  privacy_.Register(router);
  billing_.Register(router);
  accounts_.Register(router);
  sessions_.Register(router);
  admin_.Register(router);
}

Status Api::AuthenticateOperator(const std::string& key) {
  auto bad = Status(ErrorCode::kUnauthenticated, "invalid_api_key", "the key is not valid");
  if (!LooksLikeApiKey(key)) return bad;
  std::string hash = HashApiKey(key);
  ASSIGN_OR_RETURN(bool is_operator, deps_.stores.tenants.IsOperatorKeyHash(hash));
  if (is_operator) return Status::Ok();
  ASSIGN_OR_RETURN(auto tenant, deps_.stores.tenants.TenantForKeyHash(hash));
  if (!tenant) return bad;
  return Status(ErrorCode::kPermissionDenied, "operator_key_required",
                "this is a tenant's key; admin routes take an operator key (reflexio keys create --operator)");
}

Result<SessionCaller> Api::AuthenticateSession(const std::string& token) {
  if (deps_.sign_in == nullptr) {
    return Status(ErrorCode::kUnauthenticated, "invalid_session", "this server signs no browsers in");
  }
  return deps_.sign_in->Authenticate(token);
}

Result<Tenant> Api::Authenticate(const std::string& key) {
  auto bad = Status(ErrorCode::kUnauthenticated, "invalid_api_key", "the API key is not valid");
  if (!LooksLikeApiKey(key)) return bad;
  ASSIGN_OR_RETURN(auto tenant, deps_.stores.tenants.TenantForKeyHash(HashApiKey(key)));
  if (!tenant) return bad;
  return *tenant;
}

}  // namespace reflexio
