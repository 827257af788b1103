// Api: every resource of the HTTP API (api/resources.h) on one Router, and the authentication
// that turns a bearer key into its tenant, or admits an operator key to the admin routes.
//
// Api owns the dependencies it is given (the parts they refer to must outlive it) and the
// resources that serve from them. Register before the server starts; afterwards everything is
// read-only apart from the parts' own thread-safe state.
#pragma once

#include <string>

#include "api/resources.h"

namespace reflexio {

class Api {
 public:
  explicit Api(ApiDependencies deps);
  void RegisterRoutes(Router& router);
  Result<Tenant> Authenticate(const std::string& key);
  Status AuthenticateOperator(const std::string& key);
  // A browser's session cookie; kUnauthenticated when this server signs no browsers in.
  Result<SessionCaller> AuthenticateSession(const std::string& token);

 private:
  ApiDependencies deps_;
  SystemApi system_;
  RecordingsApi recordings_;
  SearchApi search_;
  EpisodesApi episodes_;
  ActionsApi actions_;
  MemoryApi memory_;
  DigestsApi digests_;
  SettingsApi settings_;
  PrivacyApi privacy_;
  BillingApi billing_;
  AccountsApi accounts_;
  SessionsApi sessions_;
  AdminApi admin_;
};

}  // namespace reflexio
