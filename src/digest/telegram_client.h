// TelegramClient: the two Bot API methods the digest uses — sendMessage (HTML parse mode) and
// sendDocument (multipart upload) — at `{api_url}/bot{token}/{method}`.
//
// Every answer is sorted into what the caller should do: kSent (with Telegram's message_id),
// kRetry (transport failure, timeout, 5xx, an unreadable answer), kRateLimited (429, with
// `parameters.retry_after` in seconds) or kRejected (any other refusal — a wrong token, an
// unknown chat, bad HTML — which repeating will not fix). The token is part of every URL, so it is
// replaced by "<token>" in every error this returns; nothing here logs. Thread-safe when the
// HttpClient is.
#pragma once

#include <string>

#include "core/http_client.h"

namespace reflexio {

struct TelegramOptions {
  std::string api_url = "https://api.telegram.org";
  std::string bot_token;  // never logged
  double timeout_s = 30;
};

struct TelegramReply {
  enum class Outcome { kSent, kRetry, kRateLimited, kRejected };
  Outcome outcome = Outcome::kRetry;
  std::string message_id;  // when sent
  double retry_after_s = 0;  // when rate limited
  std::string error;         // why not sent, without the token
};

class TelegramClient {
 public:
  TelegramClient(HttpClient& http, TelegramOptions options) : http_(http), options_(std::move(options)) {}

  TelegramReply SendMessage(const std::string& chat_id, const std::string& html);
  TelegramReply SendDocument(const std::string& chat_id, const std::string& bytes, const std::string& filename,
                             const std::string& caption_html);
  // getMe, which sends nothing to anyone: the bot's @username when the token is accepted, else
  // why not (kUnauthenticated when Telegram refuses the token; never the token itself).
  Result<std::string> GetMe();

 private:
  TelegramReply Call(const std::string& method, HttpRequest request);
  std::string MethodUrl(const std::string& method) const;
  std::string Redacted(std::string text) const;
  HttpClient& http_;
  TelegramOptions options_;
};

}  // namespace reflexio
