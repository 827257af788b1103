// The web app's sign-in over HTTP against the real binary: one-time links and pasted keys become
// cookie sessions, the CSRF rule, sign-out and revocation from another device, a foreign or
// ended cookie refused; and the app's files served beside the API (content negotiation, gzip,
// ETag, cache headers, content-security policy).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// The secret after '#' of a sign-in link.
std::string LinkSecret(const std::string& link) {
  size_t at = link.rfind('#');
  return at == std::string::npos ? "" : link.substr(at + 1);
}

// A browser as the server sees it: a cookie jar of one cookie and the CSRF token.
struct Browser {
  std::string cookie;  // "reflexio_session=…"
  std::string csrf;

  std::vector<std::pair<std::string, std::string>> Headers(bool with_csrf = true) const {
    std::vector<std::pair<std::string, std::string>> h = {{"Cookie", cookie}, {"User-Agent", "TestBrowser/1.0"}};
    if (with_csrf && !csrf.empty()) h.emplace_back("X-CSRF-Token", csrf);
    return h;
  }
};

HttpResponse SignIn(const Client& anonymous, const json& body, const std::string& old_cookie = "") {
  HttpRequest request;
  request.method = "POST";
  request.url = "/v1/session";
  request.body = body.dump();
  request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "TestBrowser/1.0"}};
  if (!old_cookie.empty()) request.headers.emplace_back("Cookie", old_cookie);
  return anonymous.Send(request);
}

Browser BrowserFrom(const HttpResponse& signed_in) {
  std::string set_cookie = HeaderOf(signed_in, "set-cookie");
  return {set_cookie.substr(0, set_cookie.find(';')), json::parse(signed_in.body).value("csrf_token", "")};
}

HttpResponse Call(const Client& c, const std::string& method, const std::string& path, const Browser& b,
                  bool with_csrf = true) {
  HttpRequest request;
  request.method = method;
  request.url = path;
  request.headers = b.Headers(with_csrf);
  return c.Send(request);
}

TEST(WebSession, TheFirstStartLinkSignsInOnceAndTheCookieIsTheOnlyCredential) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string secret = LinkSecret(server.first_run_sign_in_link());
  ASSERT_EQ(secret.size(), 43u) << server.stdout_text();
  EXPECT_EQ(server.first_run_sign_in_link().rfind(server.base_url() + "/signin#", 0), 0u) << "the link leads to this server";
  Client anonymous(server.base_url(), "");

  auto signed_in = SignIn(anonymous, {{"link", secret}});
  ASSERT_EQ(signed_in.status, 201) << signed_in.body;
  std::string set_cookie = HeaderOf(signed_in, "set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain http on loopback: not Secure";
  EXPECT_NE(set_cookie.find("Max-Age=2592000"), std::string::npos) << "30 days by default";
  EXPECT_EQ(HeaderOf(signed_in, "cache-control"), "no-store");
  Browser browser = BrowserFrom(signed_in);
  ASSERT_EQ(browser.csrf.size(), 64u);

  auto again = SignIn(anonymous, {{"link", secret}});
  EXPECT_EQ(again.status, 401) << "a link signs in once";
  EXPECT_EQ(json::parse(again.body)["error"]["code"], "invalid_sign_in_link");

  // The cookie reaches the tenant's data; the answer to GET /v1/session carries the same CSRF token.
  auto me = Call(anonymous, "GET", "/v1/session", browser);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json::parse(me.body)["csrf_token"], browser.csrf);
  EXPECT_EQ(json::parse(me.body)["session"]["device"], "TestBrowser/1.0");
  EXPECT_EQ(Call(anonymous, "GET", "/v1/recordings", browser).status, 200);
  EXPECT_EQ(Client(server.base_url(), server.first_run_key()).GetJson("/v1/session")["tenant_id"],
            json::parse(me.body)["tenant_id"]) << "the link signed in the first start's tenant";

  // A change without the CSRF token is refused before anything happens; with it, it is done.
  auto forged = Call(anonymous, "POST", "/v1/sign-in-links", browser, /*with_csrf=*/false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(json::parse(forged.body)["error"]["code"], "csrf_token_invalid");
  Browser wrong_token = browser;
  wrong_token.csrf = std::string(64, '0');
  EXPECT_EQ(Call(anonymous, "POST", "/v1/sign-in-links", wrong_token).status, 403);
  auto link = Call(anonymous, "POST", "/v1/sign-in-links", browser);
  ASSERT_EQ(link.status, 201) << link.body;
  EXPECT_NE(json::parse(link.body)["url"].get<std::string>().find("/signin#"), std::string::npos);

  // Operator routes never take a cookie.
  EXPECT_EQ(Call(anonymous, "GET", "/v1/admin/billing/stats", browser).status, 401);
}

TEST(WebSession, SignInRefusesFormsBadBodiesAndWrongKeysStoringNothing) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client anonymous(server.base_url(), "");
  HttpRequest form;
  form.method = "POST";
  form.url = "/v1/session";
  form.body = "link=" + LinkSecret(server.first_run_sign_in_link());
  form.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  auto refused = anonymous.Send(form);
  EXPECT_EQ(refused.status, 415) << "another site's form cannot sign a browser in";
  EXPECT_EQ(SignIn(anonymous, json::object()).status, 400);
  EXPECT_EQ(SignIn(anonymous, {{"link", "x"}, {"api_key", "y"}}).status, 400);
  EXPECT_EQ(SignIn(anonymous, {{"api_key", "rfx_not-a-real-key-000000000000000000000000000"}}).status, 401);
  EXPECT_EQ(SignIn(anonymous, {{"link", 42}}).status, 400);
  // The refused form did not spend the link.
  EXPECT_EQ(SignIn(anonymous, {{"link", LinkSecret(server.first_run_sign_in_link())}}).status, 201);
}

TEST(WebSession, APastedKeyStartsASessionAndDevicesCanSignEachOtherOut) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client anonymous(server.base_url(), "");
  Browser laptop = BrowserFrom(SignIn(anonymous, {{"api_key", server.first_run_key()}}));
  ASSERT_FALSE(laptop.cookie.empty());
  Browser phone = BrowserFrom(SignIn(anonymous, {{"link", LinkSecret(server.first_run_sign_in_link())}}));

  json devices = json::parse(Call(anonymous, "GET", "/v1/sessions", laptop).body);
  ASSERT_EQ(devices["items"].size(), 2u) << devices;
  std::string phone_id;
  for (const auto& d : devices["items"]) {
    if (!d["current"].get<bool>()) phone_id = d["id"];
  }
  ASSERT_FALSE(phone_id.empty());
  EXPECT_EQ(Call(anonymous, "DELETE", "/v1/sessions/" + phone_id, laptop).status, 200);
  auto ended = Call(anonymous, "GET", "/v1/recordings", phone);
  EXPECT_EQ(ended.status, 401);
  EXPECT_EQ(json::parse(ended.body)["error"]["code"], "invalid_session");
  EXPECT_NE(HeaderOf(ended, "set-cookie").find("Max-Age=0"), std::string::npos) << "the browser is told to forget it";
  EXPECT_EQ(Call(anonymous, "DELETE", "/v1/sessions/" + phone_id, laptop).status, 404);

  // Signing in again from the laptop rotates its session: the old cookie stops working.
  Browser rotated = BrowserFrom(SignIn(anonymous, {{"api_key", server.first_run_key()}}, laptop.cookie));
  EXPECT_NE(rotated.cookie, laptop.cookie);
  EXPECT_EQ(Call(anonymous, "GET", "/v1/session", laptop).status, 401);
  EXPECT_EQ(Call(anonymous, "DELETE", "/v1/session", rotated).status, 200);
  EXPECT_EQ(Call(anonymous, "GET", "/v1/session", rotated).status, 401);
  EXPECT_EQ(Client(server.base_url(), server.first_run_key()).SendJson("DELETE", "/v1/session", "").status, 400)
      << "an API key is no session";
}

TEST(WebSession, ACookieOfAnotherServerOrTenantReachesNothingHere) {
  TempDir dir;
  ServerProcess one(dir / "one"), two(dir / "two");
  Browser from_one = BrowserFrom(SignIn(Client(one.base_url(), ""), {{"link", LinkSecret(one.first_run_sign_in_link())}}));
  auto foreign = Call(Client(two.base_url(), ""), "GET", "/v1/recordings", from_one);
  EXPECT_EQ(foreign.status, 401);
  EXPECT_EQ(json::parse(foreign.body)["error"]["code"], "invalid_session");

  // Another tenant of the same server: its session sees its own (empty) day, not the first's.
  std::string bob_key = one.CreateKey("bob");
  Client alice(one.base_url(), one.first_run_key());
  auto uploaded = alice.Upload(ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string()), "audio/wav");
  ASSERT_EQ(uploaded.status, 202) << uploaded.body;
  std::string id = json::parse(uploaded.body)["id"];
  Browser bob = BrowserFrom(SignIn(Client(one.base_url(), ""), {{"api_key", bob_key}}));
  json bobs = json::parse(Call(Client(one.base_url(), ""), "GET", "/v1/recordings", bob).body);
  EXPECT_EQ(bobs["items"].size(), 0u) << bobs;
  EXPECT_EQ(Call(Client(one.base_url(), ""), "GET", "/v1/recordings/" + id, bob).status, 404);
}

TEST(WebSession, ABrowserManagesTheAccountsKeysSeeingEachOnlyOnce) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client anonymous(server.base_url(), "");
  Browser browser = BrowserFrom(SignIn(anonymous, {{"link", LinkSecret(server.first_run_sign_in_link())}}));
  EXPECT_EQ(Call(anonymous, "POST", "/v1/keys", browser, /*with_csrf=*/false).status, 403);
  auto created = Call(anonymous, "POST", "/v1/keys", browser);
  ASSERT_EQ(created.status, 201) << created.body;
  json key = json::parse(created.body);
  std::string secret = key["key"];
  EXPECT_EQ(secret.rfind(key["prefix"].get<std::string>(), 0), 0u) << "the prefix is the key's start";
  EXPECT_EQ(Client(server.base_url(), secret).Get("/v1/recordings").status, 200) << "the new key works";

  json listed = json::parse(Call(anonymous, "GET", "/v1/keys", browser).body);
  ASSERT_EQ(listed["items"].size(), 2u) << "the first start's key and the new one";
  EXPECT_EQ(listed.dump().find(secret), std::string::npos) << "a listing never holds a key";
  EXPECT_EQ(listed["items"][0]["id"], key["id"]) << "newest first";

  EXPECT_EQ(Call(anonymous, "DELETE", "/v1/keys/" + key["id"].get<std::string>(), browser).status, 200);
  EXPECT_EQ(Client(server.base_url(), secret).Get("/v1/recordings").status, 401) << "revoked at once";
  EXPECT_EQ(Call(anonymous, "DELETE", "/v1/keys/" + key["id"].get<std::string>(), browser).status, 404);
  EXPECT_FALSE(json::parse(Call(anonymous, "GET", "/v1/keys", browser).body)["items"][0]["revoked_at"].is_null());
  std::string bob = server.CreateKey("bob");
  Client bobs(server.base_url(), bob);
  EXPECT_EQ(bobs.SendJson("DELETE", "/v1/keys/" + listed["items"][1]["id"].get<std::string>(), "").status, 404)
      << "another tenant's key is not found";
  EXPECT_EQ(Client(server.base_url(), server.first_run_key()).Get("/v1/recordings").status, 200);
}

TEST(WebApp, BrowsersGetTheAppAndApiClientsKeepGettingJson) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client page(server.base_url(), "", Client::Contract::kOtherServer);
  auto html = page.Get("/", {{"Accept", "text/html,application/xhtml+xml"}});
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(HeaderOf(html, "content-type"), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("<div id=\"app\">"), std::string::npos);
  std::string csp = HeaderOf(html, "content-security-policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(HeaderOf(html, "cache-control"), "no-cache");
  EXPECT_EQ(page.Get("/settings", {{"Accept", "text/html"}}).body, html.body) << "every view's path is the app";

  auto api = Client(server.base_url(), "").Get("/");
  EXPECT_EQ(HeaderOf(api, "content-type"), "application/json") << "curl's Accept: */* still gets the index";
  EXPECT_EQ(page.Get("/v1/recordings", {{"Accept", "text/html"}}).status, 401) << "the API stays the API";
  EXPECT_EQ(page.Get("/no-such-file.js").status, 404);

  // The script the page names: immutable, gzip when asked, 304 when unchanged.
  size_t at = html.body.find("src=\"/assets/app-");
  ASSERT_NE(at, std::string::npos);
  at += 5;
  std::string script = html.body.substr(at, html.body.find('"', at) - at);
  auto plain = page.Get(script);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(HeaderOf(plain, "cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(plain, "content-type"), "text/javascript; charset=utf-8");
  auto zipped = page.Get(script, {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(HeaderOf(zipped, "content-encoding"), "gzip");
  ASSERT_GE(zipped.body.size(), 2u);
  EXPECT_EQ(zipped.body.substr(0, 2), "\x1f\x8b");
  EXPECT_LT(zipped.body.size(), plain.body.size() / 2);
  auto unchanged = page.Get(script, {{"If-None-Match", HeaderOf(plain, "etag")}});
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty());
  auto worker = page.Get("/sw.js");
  EXPECT_EQ(worker.status, 200);
  EXPECT_NE(worker.body.find(script), std::string::npos) << "the service worker pre-caches this build's script";
  EXPECT_EQ(page.Get("/manifest.webmanifest").status, 200);
}

}  // namespace
}  // namespace reflexio::testing
