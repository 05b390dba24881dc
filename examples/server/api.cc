// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The API's request pipeline: match the route, authenticate, check the role and the rate
// limit, replay or reserve the idempotency key, run the handler, then record metrics and the
// access log. Handlers are in api_handlers.cc.

#include "api.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>

#include <boost/url.hpp>

#include "api_context.h"
#include "api_util.h"
#include "signing.h"
#include "state_store.h"
#include "webhooks.h"

namespace inventory::server {
namespace json = boost::json;

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::none:
      return "none";
    case Role::viewer:
      return "viewer";
    case Role::operator_:
      return "operator";
    case Role::admin:
      return "admin";
  }
  return "none";
}

std::optional<Role> role_from_string(std::string_view name) noexcept {
  if (name == "viewer") return Role::viewer;
  if (name == "operator") return Role::operator_;
  if (name == "admin") return Role::admin;
  return std::nullopt;
}

bool Principal::may_see(std::string_view location_id) const {
  return locations.empty() ||
         std::find(locations.begin(), locations.end(), location_id) != locations.end();
}

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes = {
      {"GET", "/v1/products", Role::viewer, false},
      {"POST", "/v1/products", Role::admin, false},
      {"GET", "/v1/products/{productId}", Role::viewer, false},
      {"PUT", "/v1/products/{productId}", Role::admin, false},
      {"DELETE", "/v1/products/{productId}", Role::admin, false},
      {"GET", "/v1/locations", Role::viewer, false},
      {"POST", "/v1/locations", Role::admin, false},
      {"GET", "/v1/locations/{locationId}", Role::viewer, true},
      {"PUT", "/v1/locations/{locationId}", Role::admin, true},
      {"DELETE", "/v1/locations/{locationId}", Role::admin, true},
      {"GET", "/v1/inventory", Role::viewer, false},
      {"POST", "/v1/inventory", Role::operator_, true},
      {"POST", "/v1/inventory/bulk-update", Role::operator_, true},
      {"GET", "/v1/inventory/{inventoryId}", Role::viewer, true},
      {"PATCH", "/v1/inventory/{inventoryId}", Role::operator_, true},
      {"GET", "/v1/inventory/{inventoryId}/history", Role::viewer, true},
      {"POST", "/v1/reservations", Role::operator_, true},
      {"GET", "/v1/reservations/{reservationId}", Role::viewer, true},
      {"POST", "/v1/reservations/{reservationId}/confirm", Role::operator_, true},
      {"POST", "/v1/reservations/{reservationId}/release", Role::operator_, true},
      {"POST", "/v1/reservations/{reservationId}/extend", Role::operator_, true},
      {"POST", "/v1/transfers", Role::operator_, true},
      {"GET", "/v1/changes", Role::viewer, false},
      {"GET", "/v1/stream", Role::viewer, false},
      {"GET", "/v1/ws", Role::viewer, false},
      {"POST", "/v1/subscriptions/inventory", Role::admin, false},
      {"GET", "/v1/subscriptions/inventory/{subscriptionId}", Role::admin, false},
      {"DELETE", "/v1/subscriptions/inventory/{subscriptionId}", Role::admin, false},
      {"POST", "/v1/api-keys", Role::admin, false},
      {"DELETE", "/v1/api-keys/{keyId}", Role::admin, false},
      {"GET", "/healthz", Role::none, false},
      {"GET", "/readyz", Role::none, false},
      {"GET", "/metrics", Role::none, false},
      {"GET", "/openapi.json", Role::none, false},
      {"GET", "/", Role::none, false},
  };
  return kRoutes;
}

std::string routes_json() {
  json::array out;
  for (const Route& r : routes()) {
    out.push_back(json::object{
        {"method", r.method}, {"path", r.path}, {"role", to_string(r.role)}, {"scoped", r.scoped}});
  }
  return json::serialize(out);
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t at = 1;
  if (path == "/") return out;
  while (at <= path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Matches `segments` (decoded) against a route pattern; fills params.
bool match(const Route& route, const std::vector<std::string>& segments,
           std::vector<std::string>* params) {
  const auto pattern = split_path(route.path);
  if (pattern.size() != segments.size()) return false;
  params->clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].starts_with('{')) {
      if (segments[i].empty()) return false;
      params->push_back(segments[i]);
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

constexpr std::array<double, 14> kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};

std::mutex g_log_mutex;

}  // namespace

struct Api::RouteMetrics {
  std::array<std::atomic<std::uint64_t>, 6> by_class{};  // 1xx..5xx, index = status / 100.
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> buckets{};
  std::atomic<std::uint64_t> latency_ns{0};
};

struct Api::IdempotencyEntry {
  std::string fingerprint;
  bool done = false;
  Reply reply;
  std::chrono::steady_clock::time_point expires;
};

Api::Api(const Config& config, Engine& engine, StateStore& store, Webhooks& webhooks)
    : config_(config),
      engine_(engine),
      store_(store),
      webhooks_(webhooks),
      route_metrics_(new RouteMetrics[routes().size() + 1]) {}

Api::~Api() = default;

Reply Api::error_reply(const ApiError& error, std::string_view request_id) {
  json::object e{{"code", error.code}, {"message", error.message}};
  if (!error.field.empty()) e["field"] = error.field;
  e["requestId"] = request_id;
  Reply reply{.status = error.status, .body = json::serialize(json::object{{"error", e}})};
  if (error.retry_after) {
    reply.headers.emplace_back("Retry-After", std::to_string(*error.retry_after));
  }
  if (error.status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  return reply;
}

Principal Api::authenticate(const Request& request, std::string_view query_token) const {
  std::string_view presented;
  std::string_view auth = request.authorization;
  if (!auth.empty()) {
    if (auth.size() < 8 || !(auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
      throw ApiError{401, "unauthenticated", "Authorization must be \"Bearer <key>\"",
                     "Authorization", std::nullopt};
    }
    presented = auth.substr(7);
    while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
    while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
  } else {
    presented = query_token;
  }
  if (presented.empty()) {
    throw ApiError{401, "unauthenticated", "an API key is required (Authorization: Bearer <key>)",
                   "Authorization", std::nullopt};
  }
  const auto key = store_.authenticate(presented);
  if (!key) {
    throw ApiError{401, "unauthenticated", "the API key is unknown or revoked", "Authorization",
                   std::nullopt};
  }
  return Principal{key->id, key->role, key->locations};
}

void Api::check_rate(const Principal& principal) {
  if (config_.rate_limit <= 0) return;
  const double burst = config_.rate_burst > 0 ? config_.rate_burst : 2 * config_.rate_limit;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(rate_mutex_);
  auto [it, inserted] = buckets_.try_emplace(principal.key_id, Bucket{burst, now});
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.at).count();
  bucket.tokens = std::min(burst, bucket.tokens + elapsed * config_.rate_limit);
  bucket.at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return;
  }
  const double wait = (1 - bucket.tokens) / config_.rate_limit;
  throw ApiError{429,
                 "rate_limited",
                 "more than " + std::to_string(static_cast<std::int64_t>(config_.rate_limit)) +
                     " requests per second for this key",
                 {},
                 static_cast<std::int64_t>(std::ceil(wait))};
}

void Api::handle(const Request& request, Done done) {
  in_flight_.fetch_add(1);
  auto c = std::make_shared<Context>();
  c->api = this;
  c->request = request;
  c->done = std::move(done);
  c->start = std::chrono::steady_clock::now();
  try {
    const auto parsed = boost::urls::parse_origin_form(c->request.target);
    if (!parsed) throw_invalid("target", "is not a valid request target");
    std::vector<std::string> segments;
    for (auto segment : parsed->segments()) segments.push_back(segment);
    if (parsed->path() == "/") segments.clear();
    for (auto param : parsed->params()) c->query[param.key] = param.value;
    c->path = parsed->path();

    std::vector<std::string> params;
    bool path_matched = false;
    std::string allowed;
    for (std::size_t i = 0; i < routes().size(); ++i) {
      if (!match(routes()[i], segments, &params)) continue;
      path_matched = true;
      if (request.method != routes()[i].method) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(routes()[i].method);
        continue;
      }
      c->route = i;
      break;
    }
    if (c->route == Context::kNoRoute) {
      if (path_matched) {
        Reply reply = error_reply(ApiError{405,
                                           "method_not_allowed",
                                           request.method + " is not allowed here; use " + allowed,
                                           {},
                                           std::nullopt},
                                  request.request_id);
        reply.headers.emplace_back("Allow", allowed);
        finish(c, std::move(reply));
        return;
      }
      throw ApiError{404, "not_found", "no route for " + c->path, {}, std::nullopt};
    }
    const Route& route = routes()[c->route];
    if (route.role != Role::none) {
      c->principal = authenticate(c->request, {});
      if (c->principal.role < route.role) {
        throw ApiError{403,
                       "forbidden",
                       "this route needs the " + std::string(to_string(route.role)) +
                           " role; the key has " + std::string(to_string(c->principal.role)),
                       {},
                       std::nullopt};
      }
      check_rate(c->principal);
    }
    const bool mutating = request.method != "GET" && request.method != "HEAD";
    if (mutating && !request.idempotency_key.empty()) {
      if (request.idempotency_key.size() > 255) {
        throw_invalid("Idempotency-Key", "is longer than 255 bytes");
      }
      const std::string fingerprint =
          sha256_hex(request.method + " " + request.target + "\n" + request.body);
      c->idempotency_slot = c->principal.key_id + "\n" + request.idempotency_key;
      c->engine_key = sha256_hex(c->idempotency_slot);
      std::lock_guard lock(idempotency_mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (now - idempotency_swept_ > std::chrono::minutes(1)) {
        std::erase_if(idempotency_,
                      [&](const auto& kv) { return kv.second->done && kv.second->expires < now; });
        idempotency_swept_ = now;
      }
      auto [it, inserted] = idempotency_.try_emplace(c->idempotency_slot, nullptr);
      if (!inserted && it->second->done && it->second->expires < now) inserted = true;
      if (!inserted) {
        const IdempotencyEntry& entry = *it->second;
        c->idempotency_slot.clear();  // Not ours: finish() must not touch it.
        if (entry.fingerprint != fingerprint) {
          throw ApiError{422, "idempotency_mismatch",
                         "this Idempotency-Key was used with a different request",
                         "Idempotency-Key", std::nullopt};
        }
        if (!entry.done) {
          throw ApiError{409, "request_in_flight",
                         "a request with this Idempotency-Key is still running; retry later",
                         "Idempotency-Key", std::nullopt};
        }
        Reply replay = entry.reply;
        replay.headers.emplace_back("Idempotent-Replayed", "true");
        finish(c, std::move(replay));
        return;
      }
      it->second = std::make_shared<IdempotencyEntry>();
      it->second->fingerprint = fingerprint;
    }
    dispatch(*c, c->route, params);
  } catch (const ApiError& error) {
    finish(c, error_reply(error, request.request_id));
  } catch (const std::exception& error) {
    finish(c, error_reply(ApiError{500, "internal", error.what(), {}, std::nullopt},
                          request.request_id));
  }
}

void Api::finish(const std::shared_ptr<Context>& c, Reply reply) {
  if (c->answered.exchange(true)) return;
  if (!c->idempotency_slot.empty()) {
    std::lock_guard lock(idempotency_mutex_);
    const auto it = idempotency_.find(c->idempotency_slot);
    if (it != idempotency_.end()) {
      // Server-side failures and rate limiting are not the request's answer: a retry runs again.
      if (reply.status >= 500 || reply.status == 429) {
        idempotency_.erase(it);
      } else {
        it->second->done = true;
        it->second->reply = reply;
        it->second->expires = std::chrono::steady_clock::now() + std::chrono::hours(24);
      }
    }
  }
  const auto latency = std::chrono::steady_clock::now() - c->start;
  record(c->route, reply.status, latency);
  if (config_.access_log) {
    json::object line{{"ts", rfc3339_now()},
                      {"level", reply.status >= 500 ? "error" : "info"},
                      {"msg", "request"},
                      {"requestId", c->request.request_id},
                      {"method", c->request.method},
                      {"path", c->path},
                      {"status", reply.status},
                      {"durationMs", std::chrono::duration<double, std::milli>(latency).count()}};
    if (!c->principal.key_id.empty()) line["keyId"] = c->principal.key_id;
    const std::string text = json::serialize(line) + "\n";
    std::lock_guard lock(g_log_mutex);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  in_flight_.fetch_sub(1);
  Done done = std::move(c->done);
  done(std::move(reply));
}

void Api::record(std::size_t route, unsigned status, std::chrono::nanoseconds latency) {
  RouteMetrics& m = route_metrics_[std::min(route, routes().size())];
  m.by_class[std::min<unsigned>(status / 100, 5)].fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(latency).count();
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  m.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  m.latency_ns.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
}

void Api::metrics(Context& c) {
  std::string out;
  out +=
      "# HELP inventory_http_requests_total HTTP requests answered, by route and status class.\n";
  out += "# TYPE inventory_http_requests_total counter\n";
  auto route_name = [](std::size_t i) {
    return i < routes().size() ? std::string(routes()[i].method) + " " + routes()[i].path
                               : std::string("unmatched");
  };
  for (std::size_t i = 0; i <= routes().size(); ++i) {
    for (unsigned k = 1; k <= 5; ++k) {
      const auto n = route_metrics_[i].by_class[k].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "inventory_http_requests_total{route=\"" + route_name(i) + "\",code=\"" +
             std::to_string(k) + "xx\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP inventory_http_request_duration_seconds Time from request parsed to reply.\n";
  out += "# TYPE inventory_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i <= routes().size(); ++i) {
    const RouteMetrics& m = route_metrics_[i];
    std::uint64_t total = 0;
    for (const auto& b : m.buckets) total += b.load(std::memory_order_relaxed);
    if (total == 0) continue;
    const std::string labels = "route=\"" + route_name(i) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kLatencyBuckets.size(); ++b) {
      cumulative += m.buckets[b].load(std::memory_order_relaxed);
      char le[32];
      std::snprintf(le, sizeof le, "%g", kLatencyBuckets[b]);
      out += "inventory_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "inventory_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(total) + "\n";
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f",
                  static_cast<double>(m.latency_ns.load(std::memory_order_relaxed)) / 1e9);
    out += "inventory_http_request_duration_seconds_sum{" + labels + "} " + sum + "\n";
    out += "inventory_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(total) + "\n";
  }
  out += "# HELP inventory_http_in_flight Requests being answered.\n";
  out += "# TYPE inventory_http_in_flight gauge\n";
  out += "inventory_http_in_flight " + std::to_string(in_flight_.load()) + "\n";
  if (transport_metrics_) out += transport_metrics_();
  out += to_prometheus(engine_.metrics());
  out += webhooks_.prometheus();
  c.reply(Reply{.status = 200,
                .body = std::move(out),
                .content_type = "text/plain; version=0.0.4; charset=utf-8"});
}

}  // namespace inventory::server
