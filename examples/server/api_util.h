// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Small pieces the API handlers share: RFC 3339 times, the engine's Status as an API error,
// event type names, and a strict reader for JSON request bodies (unknown fields, wrong types
// and out-of-range numbers are refused with the field named).

#ifndef INVENTORY_SERVER_API_UTIL_H_
#define INVENTORY_SERVER_API_UTIL_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "inventory/engine.h"

#include "api.h"

namespace inventory::server {

std::string rfc3339(Timestamp time);
std::string rfc3339_now();
// Accepts YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). nullopt when malformed.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// Event type names in the API are the engine's own: inventory::to_string(EventType) and
// inventory::event_type_from_string (events.h).

// The engine's field names are C++ names (snake_case, e.g. "delta"); the API's are camelCase
// body fields ("adjustment"). `prefix` is prepended (e.g. "lines[2].").
std::string api_field(std::string_view engine_field, std::string_view prefix = {});

// Maps a non-ok engine Status to the API error (status code, code, message, field).
ApiError to_api_error(const Status& status, std::string_view field_prefix = {});
[[noreturn]] void throw_status(const Status& status, std::string_view field_prefix = {});
[[noreturn]] void throw_invalid(std::string field, std::string message);

// Reads one JSON object field by field; finish() refuses any field that was not read.
class Fields {
 public:
  // Throws invalid_argument when `value` is not an object.
  Fields(const boost::json::value& value, std::string prefix);
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  bool has(std::string_view name) const;
  std::optional<std::string> text(std::string_view name, bool required, std::size_t max_length,
                                  bool allow_empty = false);
  std::optional<std::int64_t> integer(std::string_view name, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(std::string_view name);
  // The raw value for nested objects/arrays (marked as read). nullptr when absent.
  const boost::json::value* value(std::string_view name, bool required);
  const boost::json::array* array(std::string_view name, bool required, std::size_t max_size);
  // A {string: string} map.
  std::optional<Attributes> attributes(std::string_view name);
  void finish() const;

  const std::string& prefix() const { return prefix_; }

 private:
  const boost::json::object* object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
};

// Parses a request body: JSON, at most 32 levels deep. Empty body: an empty object.
boost::json::value parse_body(std::string_view body);

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_API_UTIL_H_
