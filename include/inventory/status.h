// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Status and Result<T>: every fallible call returns one of these; nothing throws across the API.
//
// A Status is either ok() or carries a StatusCode, a human-readable message, the name of the
// request field the error is about (empty when none) and, for batches and multi-line requests,
// the index of the operation or line that failed (-1 when none).
//
// Thread safety: a Status is a value; const methods may be called concurrently.
// Cost: an ok Status and a Status built from string literals do not allocate, so the lock-free
// hot paths can fail (e.g. insufficient_stock during a flash sale) without touching the heap.

#ifndef INVENTORY_STATUS_H_
#define INVENTORY_STATUS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "inventory/export.h"

namespace inventory {

// Each code says what the caller does next. Values are stable: the C API, the journal and the
// REST server use them, so they are never renumbered.
enum class StatusCode : std::uint8_t {
  ok = 0,
  // The request is malformed; fix the field named by Status::field(). Never retry as is.
  invalid_argument = 1,
  // The product, location, item or reservation does not exist (or was removed).
  not_found = 2,
  // A product or location with that id or SKU exists already.
  already_exists = 3,
  // Not enough available stock; wait for the state to change (restock, releases).
  insufficient_stock = 4,
  // The object changed since you read it (expected version mismatch); re-read and retry.
  version_conflict = 5,
  // The reservation is confirmed, released or expired; the message says which.
  reservation_not_active = 6,
  // The idempotency key was used before with a different request; use a new key.
  idempotency_mismatch = 7,
  // A configured limit (Options::limits) would be exceeded; the message names it.
  limit_exceeded = 8,
  // The operation or option is not available in this build or configuration.
  not_supported = 9,
  // Transient contention (e.g. the same idempotency key is in flight); retry the call.
  busy = 10,
  // A write or sync failed; the engine is read-only until it is reopened.
  io_error = 11,
  // Stored data is damaged; stop and investigate. Never retry.
  corruption = 12,
  // The object is in a state that forbids the call (e.g. removing a product that still has
  // stock or holds); change the state first, or pass force.
  failed_precondition = 13,
};

// Returns the snake_case name of `code` ("insufficient_stock"); "unknown" for other values.
INVENTORY_EXPORT std::string_view to_string(StatusCode code) noexcept;

class INVENTORY_EXPORT [[nodiscard]] Status {
 public:
  // An ok status.
  Status() noexcept = default;

  // An error with a message and field that are string literals (or otherwise outlive every copy
  // of the Status). Does not allocate.
  static Status from_static(StatusCode code, const char* message, const char* field = "",
                            std::int32_t index = -1) noexcept {
    Status s;
    s.code_ = code;
    s.static_message_ = message;
    s.static_field_ = field;
    s.index_ = index;
    return s;
  }

  // An error with an owned message and field. Allocates.
  Status(StatusCode code, std::string_view message, std::string_view field = {},
         std::int32_t index = -1);

  static Status invalid_argument(std::string_view field, std::string_view message) {
    return Status(StatusCode::invalid_argument, message, field);
  }
  static Status not_found(std::string_view message) {
    return Status(StatusCode::not_found, message);
  }

  bool ok() const noexcept { return code_ == StatusCode::ok; }
  StatusCode code() const noexcept { return code_; }
  // The message; empty for ok.
  std::string_view message() const noexcept {
    return owned_ ? std::string_view(owned_->message) : std::string_view(static_message_);
  }
  // The request field the error is about, e.g. "lines[2].quantity"; empty when none.
  std::string_view field() const noexcept {
    return owned_ ? std::string_view(owned_->field) : std::string_view(static_field_);
  }
  // Index of the failing batch operation or request line; -1 when none.
  std::int32_t index() const noexcept { return index_; }

  // The same status with `index` set (used by batches to name the failing operation).
  Status with_index(std::int32_t index) const {
    Status s = *this;
    s.index_ = index;
    return s;
  }

  // "insufficient_stock: ... (field: lines[1].quantity, index: 1)"; "ok" for ok.
  std::string to_string() const;

  // Drops an error visibly: `status.ignore_error();  // Why: ...`.
  void ignore_error() const noexcept {}

  friend bool operator==(const Status& a, const Status& b) noexcept {
    return a.code_ == b.code_ && a.index_ == b.index_ && a.message() == b.message() &&
           a.field() == b.field();
  }

 private:
  struct Owned {
    std::string message;
    std::string field;
  };
  StatusCode code_ = StatusCode::ok;
  std::int32_t index_ = -1;
  const char* static_message_ = "";
  const char* static_field_ = "";
  std::shared_ptr<const Owned> owned_;  // Immutable once built, so copies may share it.
};

// Either a value of type T or an error Status. Accessing value() of an error is a programmer
// error and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "use Status directly");

  // NOLINTNEXTLINE(google-explicit-constructor): a value converts to a successful Result.
  Result(T value) : value_(std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor): an error Status converts to a failed Result.
  Result(Status status) : status_(std::move(status)) {
    if (status_.ok()) abort_ok_status();
  }

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const noexcept { return status_; }

  T& value() & {
    check();
    return *value_;
  }
  const T& value() const& {
    check();
    return *value_;
  }
  T&& value() && {
    check();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` on error.
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void check() const {
    if (!value_.has_value()) abort_no_value(status_);
  }
  [[noreturn]] static void abort_ok_status();
  [[noreturn]] static void abort_no_value(const Status& status);

  std::optional<T> value_;
  Status status_;
};

namespace detail {
[[noreturn]] INVENTORY_EXPORT void result_abort(std::string_view what, const Status* status);
}  // namespace detail

template <typename T>
void Result<T>::abort_ok_status() {
  detail::result_abort("Result<T> constructed from an ok Status", nullptr);
}
template <typename T>
void Result<T>::abort_no_value(const Status& status) {
  detail::result_abort("Result<T>::value() called on an error", &status);
}

}  // namespace inventory

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define INVENTORY_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::inventory::Status inventory_status_ = (expr);        \
    if (!inventory_status_.ok()) return inventory_status_; \
  } while (false)

#define INVENTORY_CONCAT_INNER_(a, b) a##b
#define INVENTORY_CONCAT_(a, b) INVENTORY_CONCAT_INNER_(a, b)

// `INVENTORY_ASSIGN_OR_RETURN(auto level, engine->get({}, item));` declares `level` from the
// value of a Result, or returns its Status from the enclosing function.
#define INVENTORY_ASSIGN_OR_RETURN(lhs, expr)                       \
  auto INVENTORY_CONCAT_(inventory_result_, __LINE__) = (expr);     \
  if (!INVENTORY_CONCAT_(inventory_result_, __LINE__).ok())         \
    return INVENTORY_CONCAT_(inventory_result_, __LINE__).status(); \
  lhs = std::move(INVENTORY_CONCAT_(inventory_result_, __LINE__)).value()

#endif  // INVENTORY_STATUS_H_
