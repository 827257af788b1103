#include "digest/telegram_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/strings.h"

namespace reflexio {

namespace {
using json = nlohmann::json;
constexpr double kDefaultRetryAfter_s = 30;  // a 429 that does not say how long
}  // namespace

std::string TelegramClient::Redacted(std::string text) const {
  if (options_.bot_token.empty()) return text;
  for (size_t at = text.find(options_.bot_token); at != std::string::npos;
       at = text.find(options_.bot_token, at)) {
    text.replace(at, options_.bot_token.size(), "<token>");
  }
  return text;
}

TelegramReply TelegramClient::SendMessage(const std::string& chat_id, const std::string& html) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json{{"chat_id", chat_id}, {"text", html}, {"parse_mode", "HTML"},
                      {"link_preview_options", {{"is_disabled", true}}}}.dump();
  return Call("sendMessage", std::move(request));
}

TelegramReply TelegramClient::SendDocument(const std::string& chat_id, const std::string& bytes,
                                           const std::string& filename, const std::string& caption_html) {
  HttpRequest request;
  request.multipart = {{"chat_id", chat_id, "", ""},
                       {"caption", caption_html, "", ""},
                       {"parse_mode", "HTML", "", ""},
                       {"document", bytes, filename, "application/pdf"}};
  return Call("sendDocument", std::move(request));
}

std::string TelegramClient::MethodUrl(const std::string& method) const {
  return WithoutTrailingSlashes(options_.api_url) + "/bot" + options_.bot_token + "/" + method;
}

Result<std::string> TelegramClient::GetMe() {
  if (options_.bot_token.empty()) return InvalidArgument("no bot token (TELEGRAM_BOT_TOKEN)", "invalid_config");
  HttpRequest request{.method = "GET", .url = MethodUrl("getMe"), .timeout_s = options_.timeout_s};
  auto response = http_.Send(request);
  if (!response.ok()) return Unavailable(Redacted("getMe: " + response.status().message()), "telegram_unreachable");
  json body = json::parse(response->body, nullptr, false);
  std::string description = body.is_object() ? body.value("description", "") : "";
  if (response->status == 200 && body.is_object() && body.value("ok", false) && body["result"].is_object()) {
    return "@" + body["result"].value("username", "?");
  }
  std::string why = Redacted("getMe: Telegram answered " + std::to_string(response->status) +
                             (description.empty() ? "" : ": " + description));
  if (response->status == 401 || response->status == 404) return Status(ErrorCode::kUnauthenticated, "telegram_token_refused", why);
  return Unavailable(why, "telegram_unavailable");
}

TelegramReply TelegramClient::Call(const std::string& method, HttpRequest request) {
  using Outcome = TelegramReply::Outcome;
  TelegramReply reply;
  if (options_.bot_token.empty()) {
    reply.outcome = Outcome::kRejected;
    reply.error = "no bot token (TELEGRAM_BOT_TOKEN)";
    return reply;
  }
  request.method = "POST";
  request.url = MethodUrl(method);
  request.timeout_s = options_.timeout_s;
  auto response = http_.Send(request);
  if (!response.ok()) {
    reply.error = Redacted(method + ": " + response.status().message());
    return reply;  // kRetry
  }
  json body = json::parse(response->body, nullptr, false);
  bool ok = body.is_object() && body.value("ok", false);
  std::string description = body.is_object() ? body.value("description", "") : "";
  if (response->status == 200 && ok && body.contains("result") && body["result"].is_object() &&
      body["result"].contains("message_id")) {
    reply.outcome = Outcome::kSent;
    const json& id = body["result"]["message_id"];
    reply.message_id = id.is_string() ? id.get<std::string>() : id.dump();
    return reply;
  }
  reply.error = Redacted(method + ": Telegram answered " + std::to_string(response->status) +
                         (description.empty() ? "" : ": " + description));
  if (response->status == 429) {
    reply.outcome = Outcome::kRateLimited;
    reply.retry_after_s = kDefaultRetryAfter_s;
    if (body.is_object() && body.contains("parameters") && body["parameters"].is_object() &&
        body["parameters"].value("retry_after", json()).is_number()) {
      reply.retry_after_s = std::max(0.0, body["parameters"]["retry_after"].get<double>());
    }
  } else if (response->status >= 500 || response->status == 200) {
    reply.outcome = Outcome::kRetry;  // 5xx, or a 200 we could not read
  } else {
    reply.outcome = Outcome::kRejected;
  }
  return reply;
}

}  // namespace reflexio
