// Status and Result<T>: how every library function in Reflexio reports failure.
//
// A Status is either OK or carries an ErrorCode (which maps 1:1 to an HTTP status), a stable
// snake_case `reason` a client can branch on, and a message a person can act on. Exceptions never
// cross a module boundary; code that calls a throwing library converts at the call site.
// Both types are plain values: safe to copy and to pass between threads. Reading the value of a
// Result that holds an error is a broken invariant: it stops the process (core/check.h), never
// undefined behaviour.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/check.h"

namespace reflexio {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,    // 400
  kUnauthenticated,    // 401
  kPaymentRequired,    // 402
  kPermissionDenied,   // 403
  kNotFound,           // 404
  kConflict,           // 409
  kTooLarge,           // 413
  kUnsupportedMedia,   // 415
  kUnprocessable,      // 422
  kRateLimited,        // 429
  kUnavailable,        // 503
  kInternal,           // 500
};

int HttpStatusFor(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string reason, std::string message)
      : code_(code), reason_(std::move(reason)), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : reason_ + ": " + message_; }

  // Adds context in front of the message, keeping code, reason and details.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    Status with = *this;
    with.message_ = context + ": " + message_;
    return with;
  }

  // Figures a client acts on besides the reason (a quota's limit and when it resets): a JSON
  // object the server sends as the error's "details".
  Status WithDetails(nlohmann::json details) const;
  const nlohmann::json* details() const { return details_.get(); }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string reason_;
  std::string message_;
  std::shared_ptr<const nlohmann::json> details_;  // immutable once set, so copies may share it
};

Status InvalidArgument(std::string message, std::string reason = "invalid_argument");
Status NotFound(std::string message, std::string reason = "not_found");
Status Internal(std::string message, std::string reason = "internal");
Status Unavailable(std::string message, std::string reason = "unavailable");

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return Checked(); }
  const T& value() const& { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &Checked(); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return Checked(); }

 private:
  T& Checked() {
    REFLEXIO_CHECK(value_.has_value(), "the value of a failed Result was read: " + status_.ToString());
    return *value_;
  }
  const T& Checked() const {
    REFLEXIO_CHECK(value_.has_value(), "the value of a failed Result was read: " + status_.ToString());
    return *value_;
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace reflexio

#define REFLEXIO_CONCAT_INNER(a, b) a##b
#define REFLEXIO_CONCAT(a, b) REFLEXIO_CONCAT_INNER(a, b)

// RETURN_IF_ERROR(status_expression): returns the Status from the enclosing function if not ok.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::reflexio::Status status_ = (expr);       \
    if (!status_.ok()) return status_;         \
  } while (0)

// ASSIGN_OR_RETURN(lhs, result_expression): unwraps a Result<T> or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(REFLEXIO_CONCAT(result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
