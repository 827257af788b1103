// HttpClient: the one seam through which Reflexio talks to outside services (ASR servers,
// later Telegram, Stripe, LLM providers). CurlHttpClient is the real implementation.
//
// Send() is thread-safe: each call uses its own curl handle. Transport failures (refused,
// timeout, DNS) come back as an Unavailable status; any HTTP status, 5xx included, comes back
// as a response for the caller to judge.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

struct MultipartPart {
  std::string name;
  std::string data;
  std::string filename;      // set for file parts
  std::string content_type;  // set for file parts
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                      // sent as is unless `multipart` is non-empty
  std::vector<MultipartPart> multipart;  // multipart/form-data body
  double timeout_s = 30;
};

struct HttpResponse {
  long status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient();
  Result<HttpResponse> Send(const HttpRequest& request) override;
};

}  // namespace reflexio
