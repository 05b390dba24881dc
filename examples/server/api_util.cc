// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "api_util.h"

#include <cstdio>
#include <ctime>
#include <limits>
#include <utility>

namespace inventory::server {
namespace json = boost::json;

std::string rfc3339(Timestamp time) {
  const std::int64_t ms = time.time_since_epoch().count();
  std::int64_t seconds = ms / 1000;
  std::int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[80];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

std::string rfc3339_now() {
  return rfc3339(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int scale = 100;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start || at - start > 9) return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int sign = text[at] == '+' ? 1 : -1;
    const auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || at + 3 >= text.size() || text[at + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset_seconds = sign * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const std::time_t seconds = timegm(&tm);
  return Timestamp(std::chrono::milliseconds(
      (static_cast<std::int64_t>(seconds) - offset_seconds) * 1000 + millis));
}

std::string api_field(std::string_view engine_field, std::string_view prefix) {
  static const std::pair<std::string_view, std::string_view> kRenames[] = {
      {"delta", "adjustment"},
      {"on_hand", "stockLevel"},
      {"ttl", "ttlSeconds"},
      {"policy.safety_stock", "safetyStock"},
      {"policy.low_stock_threshold", "lowStockThreshold"},
      {"policy.backorder_limit", "backorderLimit"},
      {"expected_version", "version"},
      {"idempotency_key", "Idempotency-Key"},
      {"request_id", "X-Request-Id"},
      {"product.id", "productId"},
      {"location.id", "locationId"},
      {"price.amount_minor", "price.amount"},
      {"from", "fromLocationId"},
      {"to", "toLocationId"},
      {"limit", "limit"},
      {"cursor", "cursor"},
  };
  // "operations[3].delta", "lines[1].quantity": keep the element, map the rest.
  if (const auto dot = engine_field.find("]."); dot != std::string_view::npos && prefix.empty()) {
    return api_field(engine_field.substr(dot + 2), engine_field.substr(0, dot + 2));
  }
  if (engine_field.empty()) {
    return std::string(prefix.empty() ? std::string_view() : prefix.substr(0, prefix.size() - 1));
  }
  for (const auto& [from, to] : kRenames) {
    if (engine_field == from) return std::string(prefix) + std::string(to);
  }
  // "product.sku" -> "sku"; "lines[2].quantity" stays; snake_case -> camelCase.
  std::string_view rest = engine_field;
  for (std::string_view object : {"product.", "location.", "policy."}) {
    if (rest.starts_with(object)) rest.remove_prefix(object.size());
  }
  std::string out(prefix);
  bool upper = false;
  for (const char ch : rest) {
    if (ch == '_') {
      upper = true;
    } else {
      out.push_back(upper && ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch);
      upper = false;
    }
  }
  return out;
}

ApiError to_api_error(const Status& status, std::string_view field_prefix) {
  unsigned http = 500;
  std::string code;
  switch (status.code()) {
    case StatusCode::ok:
      http = 200;
      code = "ok";
      break;
    case StatusCode::invalid_argument:
      http = 400;
      code = "invalid_argument";
      break;
    case StatusCode::not_found:
      http = 404;
      code = "not_found";
      break;
    case StatusCode::already_exists:
      http = 409;
      code = "already_exists";
      break;
    case StatusCode::insufficient_stock:
      http = 409;
      code = "insufficient_stock";
      break;
    case StatusCode::version_conflict:
      http = 409;
      code = "version_conflict";
      break;
    case StatusCode::reservation_not_active:
      http = 409;
      code = "reservation_not_active";
      break;
    case StatusCode::idempotency_mismatch:
      http = 422;
      code = "idempotency_mismatch";
      break;
    case StatusCode::limit_exceeded:
      http = 400;
      code = "limit_exceeded";
      break;
    case StatusCode::not_supported:
      http = 501;
      code = "not_supported";
      break;
    case StatusCode::busy:
      http = 409;
      code = "request_in_flight";
      break;
    case StatusCode::io_error:
      http = 503;
      code = "unavailable";
      break;
    case StatusCode::corruption:
      http = 500;
      code = "internal";
      break;
    case StatusCode::failed_precondition:
      http = 409;
      code = "failed_precondition";
      break;
  }
  return ApiError{http, std::move(code), std::string(status.message()),
                  status.field().empty() ? std::string() : api_field(status.field(), field_prefix),
                  std::nullopt};
}

void throw_status(const Status& status, std::string_view field_prefix) {
  throw to_api_error(status, field_prefix);
}

void throw_invalid(std::string field, std::string message) {
  throw ApiError{400, "invalid_argument", std::move(message), std::move(field), std::nullopt};
}

Fields::Fields(const json::value& value, std::string prefix) : prefix_(std::move(prefix)) {
  object_ = value.if_object();
  if (object_ == nullptr) {
    throw_invalid(prefix_.empty() ? "body" : prefix_.substr(0, prefix_.size() - 1),
                  "must be a JSON object");
  }
}

bool Fields::has(std::string_view name) const {
  const json::value* v = object_->if_contains(name);
  return v != nullptr && !v->is_null();
}

const json::value* Fields::value(std::string_view name, bool required) {
  read_.emplace(name);
  const json::value* v = object_->if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) throw_invalid(prefix_ + std::string(name), "is required");
    return nullptr;
  }
  return v;
}

std::optional<std::string> Fields::text(std::string_view name, bool required,
                                        std::size_t max_length, bool allow_empty) {
  const json::value* v = value(name, required);
  if (v == nullptr) return std::nullopt;
  const json::string* s = v->if_string();
  if (s == nullptr) throw_invalid(prefix_ + std::string(name), "must be a string");
  if (s->size() > max_length) {
    throw_invalid(prefix_ + std::string(name),
                  "is longer than " + std::to_string(max_length) + " bytes");
  }
  if (s->empty() && !allow_empty) throw_invalid(prefix_ + std::string(name), "must not be empty");
  return std::string(s->data(), s->size());
}

std::optional<std::int64_t> Fields::integer(std::string_view name, bool required, std::int64_t min,
                                            std::int64_t max) {
  const json::value* v = value(name, required);
  if (v == nullptr) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    throw_invalid(prefix_ + std::string(name), "must be at most " + std::to_string(max));
  } else if (v->is_double()) {
    // 3.0 is an integer in JSON's eyes; 3.5 is not, nor is anything beyond 2^53.
    const double d = v->get_double();
    if (d != static_cast<double>(static_cast<std::int64_t>(d)) || d > 9.0e15 || d < -9.0e15) {
      throw_invalid(prefix_ + std::string(name), "must be an integer");
    }
    n = static_cast<std::int64_t>(d);
  } else {
    throw_invalid(prefix_ + std::string(name), "must be an integer");
  }
  if (n < min)
    throw_invalid(prefix_ + std::string(name), "must be at least " + std::to_string(min));
  if (n > max) throw_invalid(prefix_ + std::string(name), "must be at most " + std::to_string(max));
  return n;
}

std::optional<bool> Fields::boolean(std::string_view name) {
  const json::value* v = value(name, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) throw_invalid(prefix_ + std::string(name), "must be true or false");
  return v->get_bool();
}

const json::array* Fields::array(std::string_view name, bool required, std::size_t max_size) {
  const json::value* v = value(name, required);
  if (v == nullptr) return nullptr;
  const json::array* a = v->if_array();
  if (a == nullptr) throw_invalid(prefix_ + std::string(name), "must be an array");
  if (a->size() > max_size) {
    throw ApiError{400, "limit_exceeded", "has more than " + std::to_string(max_size) + " entries",
                   prefix_ + std::string(name), std::nullopt};
  }
  return a;
}

std::optional<Attributes> Fields::attributes(std::string_view name) {
  const json::value* v = value(name, false);
  if (v == nullptr) return std::nullopt;
  const json::object* o = v->if_object();
  if (o == nullptr) throw_invalid(prefix_ + std::string(name), "must be an object of strings");
  Attributes out;
  for (const auto& [key, item] : *o) {
    const json::string* s = item.if_string();
    if (s == nullptr) {
      throw_invalid(prefix_ + std::string(name) + "." + std::string(key), "must be a string");
    }
    out.emplace(std::string(key), std::string(s->data(), s->size()));
  }
  return out;
}

void Fields::finish() const {
  for (const auto& [key, v] : *object_) {
    if (!read_.contains(std::string_view(key))) {
      throw_invalid(prefix_ + std::string(key), "is not a known field");
    }
  }
}

json::value parse_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json::parse_options options;
  options.max_depth = 32;
  std::error_code error;
  json::value value = json::parse(body, error, json::storage_ptr(), options);
  if (error) {
    throw_invalid("body", std::string("is not valid JSON: ") + error.message());
  }
  return value;
}

}  // namespace inventory::server
