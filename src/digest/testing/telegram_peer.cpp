#include "digest/testing/telegram_peer.h"

#include <nlohmann/json.hpp>
#include <unicode/unistr.h>

#include <chrono>
#include <map>
#include <thread>

#include "core/testing/multipart.h"

namespace reflexio::testing {

namespace {

using json = nlohmann::json;

PeerResponse Refuse(int code, const std::string& description, json parameters = nullptr) {
  json body = {{"ok", false}, {"error_code", code}, {"description", description}};
  if (!parameters.is_null()) body["parameters"] = std::move(parameters);
  return {code, body.dump()};
}

size_t Utf16Length(const std::string& utf8) {
  return static_cast<size_t>(
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))).length());
}

std::string Utf8Of(uint32_t cp) {
  icu::UnicodeString s(static_cast<UChar32>(cp));
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace

TelegramPeer::TelegramPeer(std::string token) : token_(std::move(token)) {
  server_ = std::make_unique<LocalHttpPeer>([this](const PeerRequest& request) { return Handle(request); });
}

void TelegramPeer::FailNext(int count, int status) {
  MutexLock lock(mutex_);
  fail_next_ = count;
  fail_status_ = status;
}

void TelegramPeer::RateLimitNext(int count, int retry_after_s) {
  MutexLock lock(mutex_);
  rate_limit_next_ = count;
  retry_after_s_ = retry_after_s;
}

void TelegramPeer::DelayNext(int count, double seconds) {
  MutexLock lock(mutex_);
  delay_next_ = count;
  delay_s_ = seconds;
}

void TelegramPeer::SetDown(bool down) {
  MutexLock lock(mutex_);
  down_ = down;
}

void TelegramPeer::RestrictChats(std::set<std::string> chats) {
  MutexLock lock(mutex_);
  chats_ = std::move(chats);
}

std::vector<TelegramPeer::Delivered> TelegramPeer::delivered() {
  MutexLock lock(mutex_);
  return delivered_;
}

int TelegramPeer::requests() {
  MutexLock lock(mutex_);
  return requests_;
}

std::string TelegramPeer::ParseHtml(const std::string& html, std::string& text) {
  static const std::set<std::string> kTags = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
                                              "tg-spoiler", "code", "pre", "blockquote", "a", "span"};
  static const std::map<std::string, std::string> kEntities = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}};
  text.clear();
  std::vector<std::string> open;
  for (size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (c == '<') {
      size_t close = html.find('>', i);
      if (close == std::string::npos) return "Can't parse entities: unclosed start tag at byte offset " + std::to_string(i);
      std::string tag = html.substr(i + 1, close - i - 1);
      bool closing = !tag.empty() && tag[0] == '/';
      std::string name = tag.substr(closing ? 1 : 0, tag.find(' ') == std::string::npos ? std::string::npos
                                                                                         : tag.find(' ') - (closing ? 1 : 0));
      if (!kTags.count(name)) {
        return "Can't parse entities: unsupported start tag \"" + name + "\" at byte offset " + std::to_string(i);
      }
      if (closing) {
        if (open.empty() || open.back() != name) {
          return "Can't parse entities: unexpected end tag at byte offset " + std::to_string(i);
        }
        open.pop_back();
      } else {
        open.push_back(name);
      }
      i = close;
    } else if (c == '&') {
      size_t semi = html.find(';', i);
      std::string name = semi == std::string::npos ? "" : html.substr(i + 1, semi - i - 1);
      if (kEntities.count(name)) {
        text += kEntities.at(name);
      } else if (name.size() > 1 && name[0] == '#') {
        bool hex = name[1] == 'x' || name[1] == 'X';
        try {
          text += Utf8Of(static_cast<uint32_t>(std::stoul(name.substr(hex ? 2 : 1), nullptr, hex ? 16 : 10)));
        } catch (...) {
          return "Can't parse entities: bad character reference at byte offset " + std::to_string(i);
        }
      } else {
        return "Can't parse entities: unsupported entity at byte offset " + std::to_string(i);
      }
      i = semi;
    } else {
      text += c;
    }
  }
  if (!open.empty()) return "Can't parse entities: can't find end tag corresponding to start tag \"" + open.back() + "\"";
  return "";
}

PeerResponse TelegramPeer::Handle(const PeerRequest& request) {
  std::string prefix = "/bot" + token_ + "/";
  std::string method;
  double delay = 0;
  {
    MutexLock lock(mutex_);
    if (request.target.rfind("/bot", 0) != 0) return Refuse(404, "Not Found");
    if (request.target.rfind(prefix, 0) != 0) return Refuse(401, "Unauthorized");
    method = request.target.substr(prefix.size());
    if (method == "getMe") {
      return {200, R"({"ok":true,"result":{"id":7000001,"is_bot":true,"first_name":"Reflexio","username":"reflexio_test_bot"}})"};
    }
    if (method != "sendMessage" && method != "sendDocument") return Refuse(404, "Not Found: method not found");
    ++requests_;
    if (down_) return Refuse(502, "Bad Gateway");
    if (fail_next_ > 0) {
      --fail_next_;
      return Refuse(fail_status_, "Internal Server Error");
    }
    if (rate_limit_next_ > 0) {
      --rate_limit_next_;
      return Refuse(429, "Too Many Requests: retry after " + std::to_string(retry_after_s_),
                    {{"retry_after", retry_after_s_}});
    }
    if (delay_next_ > 0) {
      --delay_next_;
      delay = delay_s_;
    }
  }
  if (delay > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    return Refuse(504, "Gateway Timeout");
  }

  Delivered d;
  d.method = method;
  std::string parse_mode;
  if (method == "sendMessage") {
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) return Refuse(400, "Bad Request: the body is not JSON");
    d.chat_id = body.value("chat_id", json()).is_number() ? body["chat_id"].dump() : body.value("chat_id", "");
    d.html = body.value("text", "");
    parse_mode = body.value("parse_mode", "");
  } else {
    auto parts = ParseMultipartForm(request.Header("content-type"), request.body);
    if (!parts) return Refuse(400, "Bad Request: expected multipart/form-data");
    for (const auto& part : *parts) {
      if (part.name == "chat_id") d.chat_id = part.data;
      if (part.name == "caption") d.html = part.data;
      if (part.name == "parse_mode") parse_mode = part.data;
      if (part.name == "document") {
        d.document = part.data;
        d.filename = part.filename;
      }
    }
    if (d.document.empty() || d.filename.empty()) return Refuse(400, "Bad Request: there is no document in the request");
  }
  if (d.chat_id.empty()) return Refuse(400, "Bad Request: chat_id is empty");
  if (parse_mode == "HTML") {
    std::string error = ParseHtml(d.html, d.text);
    if (!error.empty()) return Refuse(400, "Bad Request: " + error);
  } else {
    d.text = d.html;
  }
  if (method == "sendMessage" && d.text.empty()) return Refuse(400, "Bad Request: message text is empty");
  size_t limit = method == "sendMessage" ? 4096 : 1024;
  if (Utf16Length(d.text) > limit) {
    return Refuse(400, method == "sendMessage" ? "Bad Request: message is too long"
                                               : "Bad Request: message caption is too long");
  }
  MutexLock lock(mutex_);
  if (!chats_.empty() && !chats_.count(d.chat_id)) return Refuse(400, "Bad Request: chat not found");
  d.message_id = next_message_id_++;
  delivered_.push_back(d);
  json message = {{"message_id", d.message_id},
                  {"date", std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count()},
                  {"chat", {{"id", d.chat_id}, {"type", "private"}}}};
  if (method == "sendMessage") {
    message["text"] = d.text;
  } else {
    message["document"] = {{"file_name", d.filename}, {"mime_type", "application/pdf"},
                           {"file_id", "peer-file-" + std::to_string(d.message_id)},
                           {"file_size", d.document.size()}};
    if (!d.text.empty()) message["caption"] = d.text;
  }
  return {200, json{{"ok", true}, {"result", message}}.dump()};
}

}  // namespace reflexio::testing
