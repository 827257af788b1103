// /v1/session, /v1/sessions and /v1/sign-in-links: the web app's sign-in and the person's list of
// signed-in devices (api/browser_sign_in.h).
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/resources.h"
#include "core/strings.h"
#include "model/json.h"

namespace reflexio {

using nlohmann::json;

namespace {

json SessionJson(const BrowserSession& s, const std::string& current_id) {
  return {{"id", s.id},           {"device", s.device},         {"created_at", s.created_at},
          {"last_seen_at", s.last_seen_at}, {"expires_at", s.expires_at}, {"current", s.id == current_id}};
}

// A form of another site can post to us, but not as JSON: signing a browser in to someone
// else's account (login CSRF) takes a request only our own page can make.
Status RequireJson(const ServerRequest& request) {
  std::string type = AsciiLower(request.Header("content-type"));
  if (type.rfind("application/json", 0) == 0) return Status::Ok();
  return Status(ErrorCode::kUnsupportedMedia, "unsupported_media_type", "send the sign-in as application/json");
}

}  // namespace

bool SessionsApi::SecureCookies(const ServerRequest& request) const {
  return AsciiLower(request.Header("x-forwarded-proto")) == "https" ||
         deps_.config.stripe.public_url.rfind("https://", 0) == 0;
}

void SessionsApi::Register(Router& router) {
  if (deps_.sign_in == nullptr) return;
  Route sign_in;
  sign_in.method = "POST";
  sign_in.pattern = "/v1/session";
  sign_in.summary = "Sign this browser in with a sign-in link's secret or an API key ({\"link\"} or {\"api_key\"})";
  sign_in.access = Access::kOpen;
  sign_in.before_body = RequireJson;
  sign_in.handler = [this](ServerRequest& r) { return SignIn(r); };
  router.Add(std::move(sign_in));
  router.Add("GET", "/v1/session", "Who this browser is signed in as, and its CSRF token",
             [this](ServerRequest& r) { return Current(r); });
  router.Add("DELETE", "/v1/session", "Sign this browser out", [this](ServerRequest& r) { return SignOut(r); });
  router.Add("GET", "/v1/sessions", "The browsers signed in to this account",
             [this](ServerRequest& r) { return List(r); });
  router.Add("DELETE", "/v1/sessions/{id}", "Sign a browser out from here",
             [this](ServerRequest& r) { return End(r); });
  router.Add("POST", "/v1/sign-in-links", "A one-time link that signs another browser in",
             [this](ServerRequest& r) { return MakeLink(r); });
}

// A new session every time (never the one the browser had: no session fixation); the browser's
// previous session, if it sent one, ends.
Result<ServerResponse> SessionsApi::SignIn(ServerRequest& request) {
  ASSIGN_OR_RETURN(json body, BodyObject(request));
  ASSIGN_OR_RETURN(auto link, OptionalTextField(body, "link"));
  ASSIGN_OR_RETURN(auto key, OptionalTextField(body, "api_key"));
  if (link.has_value() == key.has_value()) {
    return InvalidArgument("send either {\"link\": \"…\"} (the part after # of a sign-in link) or {\"api_key\": \"…\"}",
                           "invalid_sign_in");
  }
  std::string device = request.Header("user-agent");
  ASSIGN_OR_RETURN(BrowserSignIn::Started started,
                   link ? deps_.sign_in->StartWithLink(*link, device) : deps_.sign_in->StartWithKey(*key, device));
  if (auto previous = CookieValue(request.Header("cookie"), kSessionCookieName); previous && !previous->empty()) {
    RETURN_IF_ERROR(deps_.sign_in->EndByToken(*previous));
  }
  RETURN_IF_ERROR(deps_.stores.privacy.AppendAudit({started.session.tenant_id, "", {}, "tenant", "sign_in",
                                                    json{{"session_id", started.session.id},
                                                         {"with", link ? "link" : "api_key"}}.dump()}));
  ServerResponse answer = ServerResponse::Json(
      201, {{"session", SessionJson(started.session, started.session.id)},
            {"tenant_id", started.session.tenant_id},
            {"csrf_token", started.csrf_token}});
  answer.headers.emplace_back("Set-Cookie", SessionCookie(started.token, deps_.sign_in->session_seconds(),
                                                          SecureCookies(request)));
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

Result<ServerResponse> SessionsApi::Current(ServerRequest& request) {
  json answer = {{"tenant_id", request.tenant->id}, {"session", nullptr}, {"csrf_token", nullptr}};
  if (!request.session_id.empty()) {
    ASSIGN_OR_RETURN(auto sessions, deps_.stores.sessions.ListSessions(request.tenant->id, deps_.clock->Now()));
    for (const auto& s : sessions) {
      if (s.id == request.session_id) answer["session"] = SessionJson(s, s.id);
    }
    auto token = CookieValue(request.Header("cookie"), kSessionCookieName);
    answer["csrf_token"] = BrowserSignIn::CsrfTokenFor(token.value_or(""));
  }
  ServerResponse response = ServerResponse::Json(200, answer);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Result<ServerResponse> SessionsApi::SignOut(ServerRequest& request) {
  if (request.session_id.empty()) {
    return InvalidArgument("this request came with an API key, not a browser session; revoke keys instead",
                           "not_a_session");
  }
  RETURN_IF_ERROR(deps_.stores.sessions.EndSession(request.tenant->id, request.session_id, deps_.clock->Now()).status());
  ServerResponse answer = ServerResponse::Json(200, {{"ended", true}});
  answer.headers.emplace_back("Set-Cookie", SessionCookie("", 0, SecureCookies(request)));
  return answer;
}

Result<ServerResponse> SessionsApi::List(ServerRequest& request) {
  ASSIGN_OR_RETURN(auto sessions, deps_.stores.sessions.ListSessions(request.tenant->id, deps_.clock->Now()));
  json items = json::array();
  for (const auto& s : sessions) items.push_back(SessionJson(s, request.session_id));
  return ServerResponse::Json(200, PageJson(std::move(items), std::nullopt));
}

Result<ServerResponse> SessionsApi::End(ServerRequest& request) {
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(bool ended, deps_.stores.sessions.EndSession(request.tenant->id, id, deps_.clock->Now()));
  if (!ended) return NotFound("no signed-in browser " + id, "session_not_found");
  ServerResponse answer = ServerResponse::Json(200, {{"ended", true}});
  if (id == request.session_id) answer.headers.emplace_back("Set-Cookie", SessionCookie("", 0, SecureCookies(request)));
  return answer;
}

// The link leads back to this server as the browser reached it (or REFLEXIO_PUBLIC_URL).
Result<ServerResponse> SessionsApi::MakeLink(ServerRequest& request) {
  std::string base = deps_.config.stripe.public_url;
  if (base.empty()) base = (SecureCookies(request) ? "https://" : "http://") + request.Header("host");
  ASSIGN_OR_RETURN(auto link, deps_.sign_in->MakeLink(request.tenant->id, base));
  return ServerResponse::Json(201, {{"url", link.url}, {"expires_at", link.expires_at}});
}

}  // namespace reflexio
