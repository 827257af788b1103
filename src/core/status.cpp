#include "core/status.h"

#include <nlohmann/json.hpp>

namespace reflexio {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPaymentRequired: return 402;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kUnsupportedMedia: return 415;
    case ErrorCode::kUnprocessable: return 422;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Status Status::WithDetails(nlohmann::json details) const {
  Status with = *this;
  with.details_ = std::make_shared<const nlohmann::json>(std::move(details));
  return with;
}

Status InvalidArgument(std::string message, std::string reason) {
  return Status(ErrorCode::kInvalidArgument, std::move(reason), std::move(message));
}
Status NotFound(std::string message, std::string reason) {
  return Status(ErrorCode::kNotFound, std::move(reason), std::move(message));
}
Status Internal(std::string message, std::string reason) {
  return Status(ErrorCode::kInternal, std::move(reason), std::move(message));
}
Status Unavailable(std::string message, std::string reason) {
  return Status(ErrorCode::kUnavailable, std::move(reason), std::move(message));
}

}  // namespace reflexio
