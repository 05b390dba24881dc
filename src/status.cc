// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "inventory/status.h"

#include <cstdio>
#include <cstdlib>

namespace inventory {

std::string_view to_string(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::ok:
      return "ok";
    case StatusCode::invalid_argument:
      return "invalid_argument";
    case StatusCode::not_found:
      return "not_found";
    case StatusCode::already_exists:
      return "already_exists";
    case StatusCode::insufficient_stock:
      return "insufficient_stock";
    case StatusCode::version_conflict:
      return "version_conflict";
    case StatusCode::reservation_not_active:
      return "reservation_not_active";
    case StatusCode::idempotency_mismatch:
      return "idempotency_mismatch";
    case StatusCode::limit_exceeded:
      return "limit_exceeded";
    case StatusCode::not_supported:
      return "not_supported";
    case StatusCode::busy:
      return "busy";
    case StatusCode::io_error:
      return "io_error";
    case StatusCode::corruption:
      return "corruption";
    case StatusCode::failed_precondition:
      return "failed_precondition";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string_view message, std::string_view field,
               std::int32_t index)
    : code_(code), index_(index) {
  if (code != StatusCode::ok) {
    owned_ = std::make_shared<const Owned>(Owned{std::string(message), std::string(field)});
  }
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(inventory::to_string(code_));
  out += ": ";
  out += message();
  if (!field().empty() || index_ >= 0) {
    out += " (";
    if (!field().empty()) {
      out += "field: ";
      out += field();
    }
    if (index_ >= 0) {
      if (!field().empty()) out += ", ";
      out += "index: " + std::to_string(index_);
    }
    out += ")";
  }
  return out;
}

namespace detail {
void result_abort(std::string_view what, const Status* status) {
  std::fprintf(stderr, "inventory: %.*s%s%s\n", static_cast<int>(what.size()), what.data(),
               status != nullptr ? ": " : "", status != nullptr ? status->to_string().c_str() : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace inventory
