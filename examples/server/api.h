// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The REST API of inventory-server (docs/api.md): the route table, authentication and roles,
// request validation, JSON mapping of the engine's types, idempotency, rate limits and the
// per-route metrics. Transport-free: server.cc feeds it parsed requests and writes its replies.
//
// Threading: Api is shared by every I/O thread. handle() never blocks on the journal: a mutation
// is applied in memory with WriteOptions::on_durable set, and the reply is produced when the
// engine acknowledges it, on the journal's thread, then handed to the `done` callback (which
// posts it back to the connection's executor).

#ifndef INVENTORY_SERVER_API_H_
#define INVENTORY_SERVER_API_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "inventory/engine.h"

namespace inventory::server {

class StateStore;
class Webhooks;

struct Config {
  std::string data = "inventory-data";
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string bootstrap_admin_key;
  bool webhook_allow_private = false;
  Durability durability = Durability::sync;
  std::string tls_cert;
  std::string tls_key;
  unsigned threads = 0;      // 0: the number of cores.
  double rate_limit = 1000;  // Requests per second per key; 0: off.
  double rate_burst = 0;     // 0: 2 x rate_limit.
  std::size_t max_connections = 10000;
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::milliseconds header_timeout{10000};
  std::size_t stream_queue_bytes = 4 << 20;
  std::chrono::milliseconds webhook_retry_base{1000};
  std::chrono::milliseconds webhook_timeout{10000};
  bool access_log = true;
};

enum class Role : std::uint8_t { none = 0, viewer = 1, operator_ = 2, admin = 3 };
std::string_view to_string(Role role) noexcept;
std::optional<Role> role_from_string(std::string_view name) noexcept;

// Who is calling: the key's id, its role and, when not empty, the only locations it may see.
struct Principal {
  std::string key_id;
  Role role = Role::none;
  std::vector<std::string> locations;
  bool may_see(std::string_view location_id) const;
};

// A request as the transport parsed it.
struct Request {
  std::string method;  // Upper case.
  std::string target;  // Path and query, as sent.
  std::string body;
  std::string authorization;    // The Authorization header.
  std::string idempotency_key;  // The Idempotency-Key header.
  std::string if_match;         // The If-Match header.
  std::string last_event_id;    // The Last-Event-ID header.
  std::string content_type;
  std::string request_id;  // X-Request-Id, sent or generated.
};

struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// An error a handler answers with; thrown inside the API and rendered as docs/api.md's error
// object.
struct ApiError {
  unsigned status;
  std::string code;
  std::string message;
  std::string field;
  std::optional<std::int64_t> retry_after;
};

struct Route {
  const char* method;
  const char* path;  // With {params}.
  Role role;
  // Addresses an object that belongs to a location (404 for a key limited to other locations).
  bool scoped;
};
// Every route the server answers, in match order (the auth-matrix test and --print-routes).
const std::vector<Route>& routes();
std::string routes_json();

// A live stream (SSE or WebSocket) as the API resolves it: who, from where, which events.
struct StreamRequest {
  Principal principal;
  SubscribeOptions subscribe;
};

class Api {
 public:
  using Done = std::function<void(Reply)>;

  Api(const Config& config, Engine& engine, StateStore& store, Webhooks& webhooks);
  ~Api();

  // Answers one request; calls done exactly once, from this thread or the journal's.
  void handle(const Request& request, Done done);

  // Authenticates and parses a /v1/stream or /v1/ws request. On failure the Reply is the error.
  std::variant<StreamRequest, Reply> open_stream(const Request& request);
  // Whether the key a stream authenticated with still authenticates (it may have been revoked
  // between open_stream and the stream's registration for set_on_key_revoked).
  bool key_active(const Principal& principal) const;

  // Renders an event as the API's Event JSON.
  static std::string event_json(const Event& event);

  // Readiness: false once shutting down or after a journal failure.
  void set_shutting_down() { shutting_down_.store(true); }
  void set_failed() { failed_.store(true); }
  bool ready() const { return !shutting_down_.load() && !failed_.load(); }

  // Requests still being answered (shutdown waits for them).
  std::int64_t in_flight() const { return in_flight_.load(); }

  // Renders an error reply (also used by the transport: 413, 400 for unparsable requests).
  static Reply error_reply(const ApiError& error, std::string_view request_id);

  // Route metrics: the transport reports each finished request.
  void record(std::size_t route, unsigned status, std::chrono::nanoseconds latency);

  // Where replies are built after the engine acknowledges (an I/O thread), and where the
  // server's own file writes run (API keys, subscriptions: they fsync).
  using Post = std::function<void(std::function<void()>)>;
  void set_executors(Post io, Post blocking) {
    post_ = std::move(io);
    blocking_ = std::move(blocking);
  }
  // Called (on the blocking pool) with the id of each key just revoked, so that the transport
  // closes the live streams that key opened. Set before serving.
  void set_on_key_revoked(std::function<void(const std::string& key_id)> hook) {
    on_key_revoked_ = std::move(hook);
  }
  // Appended to GET /metrics: the transport's own gauges (Prometheus text). Set before serving.
  void set_transport_metrics(std::function<std::string()> render) {
    transport_metrics_ = std::move(render);
  }

 public:
  struct Context;  // One request (api_context.h).

 private:
  struct IdempotencyEntry;
  class Completion;

  void dispatch(Context& context, std::size_t route, const std::vector<std::string>& params);
  Principal authenticate(const Request& request, std::string_view query_token) const;
  void check_rate(const Principal& principal);
  void finish(const std::shared_ptr<Context>& context, Reply reply);

  // Handlers (api.cc). Each either answers through context.reply(...) or throws ApiError.
  void list_products(Context& c);
  void get_product(Context& c, const std::string& id);
  void create_product(Context& c);
  void put_product(Context& c, const std::string& id);
  void delete_product(Context& c, const std::string& id);
  void list_locations(Context& c);
  void get_location(Context& c, const std::string& id);
  void create_location(Context& c);
  void put_location(Context& c, const std::string& id);
  void delete_location(Context& c, const std::string& id);
  void list_inventory(Context& c);
  void get_inventory(Context& c, const std::string& id);
  void adjust_inventory(Context& c);
  void patch_inventory(Context& c, const std::string& id);
  void bulk_update(Context& c);
  void history(Context& c, const std::string& id);
  void create_reservation(Context& c);
  void get_reservation(Context& c, const std::string& id);
  void confirm_reservation(Context& c, const std::string& id);
  void release_reservation(Context& c, const std::string& id);
  void extend_reservation(Context& c, const std::string& id);
  void transfer(Context& c);
  void changes(Context& c);
  void create_subscription(Context& c);
  void get_subscription(Context& c, const std::string& id);
  void delete_subscription(Context& c, const std::string& id);
  void create_key(Context& c);
  void delete_key(Context& c, const std::string& id);
  void metrics(Context& c);

  // Helpers shared by handlers.
  ItemInfo item_in_scope(const Context& c, const std::string& inventory_id) const;
  ItemId item_for(const Context& c, const std::string& product_id, const std::string& location_id,
                  std::string_view field) const;
  ReservationInfo reservation_in_scope(const Context& c, const std::string& id) const;
  boost::json::object item_json(const StockLevel& level, std::string_view product_id,
                                std::string_view location_id) const;
  boost::json::object item_json(ItemId item) const;
  boost::json::object reservation_json(const ReservationInfo& info) const;

  template <typename Call, typename Build>
  void mutate(Context& c, bool keyed, Call&& call, Build&& build);
  WriteOptions write_options(const Context& c, bool keyed, WriteCallback* callback) const;

  const Config& config_;
  Engine& engine_;
  Post post_;
  Post blocking_;
  std::function<void(const std::string&)> on_key_revoked_;
  std::function<std::string()> transport_metrics_;
  StateStore& store_;
  Webhooks& webhooks_;
  std::mutex subscription_delete_mutex_;  // Serializes DELETE /v1/subscriptions/{id}.
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::int64_t> in_flight_{0};

  // HTTP-level idempotency: (key id, Idempotency-Key) -> the first response.
  std::mutex idempotency_mutex_;
  std::unordered_map<std::string, std::shared_ptr<IdempotencyEntry>> idempotency_;
  std::chrono::steady_clock::time_point idempotency_swept_{};

  // Token buckets per key id.
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex rate_mutex_;
  std::unordered_map<std::string, Bucket> buckets_;

  // Per route (plus one for unmatched requests): counts by status class and a latency histogram.
  struct RouteMetrics;
  std::unique_ptr<RouteMetrics[]> route_metrics_;
};

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_API_H_
