#include "edge/uploader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/strings.h"

namespace reflexio {

namespace {

// How long until a 402's reset time, from the error's details; an hour when it names none.
double SecondsUntilReset(const HttpResponse& response, TimePoint now) {
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json* resets_at = nullptr;
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("details") &&
      body["error"]["details"].is_object() && body["error"]["details"].contains("resets_at")) {
    resets_at = &body["error"]["details"]["resets_at"];
  }
  auto at = resets_at && resets_at->is_string() ? ParseRfc3339(resets_at->get<std::string>())
                                                : Result<TimePoint>(NotFound("no reset time"));
  if (!at.ok()) return 3600;
  return std::max(1.0, ToUnixSeconds(*at) - ToUnixSeconds(now));
}

std::optional<double> RetryAfter(const HttpResponse& response) {
  std::string value = response.Header("retry-after");
  char* end = nullptr;
  double seconds = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(seconds >= 0)) return std::nullopt;
  return seconds;
}

// What the server said, in one line: its error message when it sent one.
std::string Described(const HttpResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string message = body.is_object() && body.contains("error") && body["error"].is_object() &&
                                body["error"].value("message", nlohmann::json()).is_string()
                            ? body["error"]["message"].get<std::string>()
                            : std::string();
  return "the server answered " + std::to_string(response.status) + (message.empty() ? "" : ": " + message);
}

}  // namespace

PieceUploader::PieceUploader(Spool& spool, HttpClient& http, UploaderOptions options, const Clock& clock)
    : spool_(spool), http_(http), options_(std::move(options)), clock_(clock),
      backoff_(options_.backoff_base_s, options_.backoff_max_s, options_.random01) {
  options_.server_url = WithoutTrailingSlashes(options_.server_url);
}

UploadRound PieceUploader::SendWaiting() {
  UploadRound round;
  for (const std::string& id : spool_.Waiting()) {
    auto piece = spool_.Read(id);
    if (!piece.ok()) {
      // Unreadable here (a damaged file, another key): no server can take it either.
      LOG_ERROR("the spooled piece " << id << " cannot be read (" << piece.status().message() << "); set aside");
      if (spool_.Reject(id).ok()) ++round.rejected;
      continue;
    }
    Verdict verdict = Send(*piece, round);
    if (verdict == Verdict::kWait) return round;
  }
  return round;
}

PieceUploader::Verdict PieceUploader::Send(const SpooledPiece& piece, UploadRound& round) {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.server_url + "/v1/recordings";
  request.headers = {{"Authorization", "Bearer " + options_.api_key},
                     {"Content-Type", piece.content_type},
                     {"X-Captured-At", FormatRfc3339(piece.captured_at)},
                     {"Idempotency-Key", piece.id}};
  request.body = piece.audio;
  request.timeout_s = options_.timeout_s;
  auto response = http_.Send(request);
  long status = response.ok() ? response->status : 0;
  if (status == 200 || status == 202) {
    Status removed = spool_.Remove(piece.id);
    if (!removed.ok()) LOG_WARN("piece " << piece.id << " was stored but stays in the spool: " << removed.message());
    backoff_.Succeeded();
    last_upload_ = clock_.Now();
    ++round.sent;
    return Verdict::kStored;
  }
  if (status == 400 || status == 413 || status == 415 || status == 422) {
    LOG_ERROR("the server will not take piece " << piece.id << " (" << Described(*response) << "); kept in rejected/");
    if (spool_.Reject(piece.id).ok()) ++round.rejected;
    return Verdict::kRejected;
  }
  round.last_error = response.ok() ? Described(*response) : response.status().message();
  if (status == 402) {
    round.retry_in_s = SecondsUntilReset(*response, clock_.Now());
  } else if (status == 401 || status == 403) {
    round.retry_in_s = options_.backoff_max_s;
  } else {
    round.retry_in_s = backoff_.Failed(response.ok() ? RetryAfter(*response) : std::nullopt);
  }
  LOG_WARN("piece " << piece.id << " waits " << *round.retry_in_s << " s: " << round.last_error);
  return Verdict::kWait;
}

}  // namespace reflexio
