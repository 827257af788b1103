// A local HTTP peer speaking the Telegram Bot API methods Reflexio uses, for tests only.
//
// `POST /bot{token}/sendMessage` (JSON) and `POST /bot{token}/sendDocument` (multipart form-data)
// are checked as Telegram checks them — the token (401), the chat (400 "chat not found" when
// chats are restricted), the HTML of parse_mode HTML (only Telegram's tags and entities, tags
// closed in order: 400 "can't parse entities" otherwise), at most 4,096 characters of text or
// 1,024 of caption after parsing, counted in UTF-16 units ("message is too long") — and answered
// in the Bot API's shape: {"ok":true,"result":Message} or {"ok":false,"error_code","description"
// [,"parameters":{"retry_after"}]}. On demand it fails requests with a 5xx, rate-limits them
// with 429 and a retry_after, or answers only after a delay (for client timeouts); such requests
// deliver nothing. Every accepted message is recorded. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/testing/local_http_peer.h"

namespace reflexio::testing {

class TelegramPeer {
 public:
  struct Delivered {
    std::string method;  // sendMessage | sendDocument
    std::string chat_id;
    std::string html;  // as sent (text, or the caption of a document)
    std::string text;  // what the chat shows: tags dropped, entities decoded
    std::string document;  // the file's bytes
    std::string filename;
    int64_t message_id = 0;
  };

  explicit TelegramPeer(std::string token);
  std::string api_url() const { return server_->base_url(); }  // for TELEGRAM_API_URL

  void FailNext(int count, int status = 502);
  void RateLimitNext(int count, int retry_after_s);
  void DelayNext(int count, double seconds);  // then answers 504 and delivers nothing
  void SetDown(bool down);                    // every request fails with 502 while down
  void RestrictChats(std::set<std::string> chats);

  std::vector<Delivered> delivered();
  int requests();  // every request to a Bot API method, refused ones included

  // The text Telegram would show for `html`, or the error it would answer with ("" when valid).
  static std::string ParseHtml(const std::string& html, std::string& text);

 private:
  PeerResponse Handle(const PeerRequest& request);

  const std::string token_;
  Mutex mutex_;
  int fail_next_ GUARDED_BY(mutex_) = 0;
  int fail_status_ GUARDED_BY(mutex_) = 502;
  int rate_limit_next_ GUARDED_BY(mutex_) = 0;
  int retry_after_s_ GUARDED_BY(mutex_) = 0;
  int delay_next_ GUARDED_BY(mutex_) = 0;
  double delay_s_ GUARDED_BY(mutex_) = 0;
  bool down_ GUARDED_BY(mutex_) = false;
  std::set<std::string> chats_ GUARDED_BY(mutex_);  // empty: any chat
  int requests_ GUARDED_BY(mutex_) = 0;
  int64_t next_message_id_ GUARDED_BY(mutex_) = 100;
  std::vector<Delivered> delivered_ GUARDED_BY(mutex_);
  std::unique_ptr<LocalHttpPeer> server_;  // last: stopped first
};

}  // namespace reflexio::testing
