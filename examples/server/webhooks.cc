// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "webhooks.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <random>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "api_util.h"
#include "net_filter.h"
#include "signing.h"
#include <openssl/ssl.h>

namespace inventory::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr auto kGiveUpAfter = std::chrono::hours(24);
constexpr auto kMaxDelay = std::chrono::minutes(10);

struct Stopped {};

std::string cursor_name(const std::string& subscription_id) { return "webhook." + subscription_id; }

void log_line(const std::string& level, const std::string& message, const std::string& id) {
  boost::json::object line{{"ts", rfc3339_now()},
                           {"level", level},
                           {"msg", message},
                           {"subscriptionId", id},
                           {"requestId", ""}};
  const std::string text = boost::json::serialize(line) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace

class Webhooks::Delivery final : public Observer {
 public:
  Delivery(const Config& config, WebhookSubscription subscription)
      : config_(config), subscription_(std::move(subscription)), random_(std::random_device{}()) {}

  void on_events(std::span<const Event> events) override {
    for (const Event& event : events) deliver(event);
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }

  Stats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  void set_cursor(std::uint64_t cursor) {
    std::lock_guard lock(mutex_);
    stats_.cursor = cursor;
  }

  std::unique_ptr<Subscription> engine_subscription;

 private:
  void deliver(const Event& event) {
    const std::string body = Api::event_json(event);
    const auto first_try = std::chrono::steady_clock::now();
    for (int attempt = 0;; ++attempt) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) throw Stopped{};  // Not acknowledged: redelivered after a restart.
      }
      std::string error;
      const unsigned status = post(body, event.sequence, &error);
      std::unique_lock lock(mutex_);
      if (status >= 200 && status < 300) {
        stats_.delivered += 1;
        stats_.cursor = event.sequence;
        return;
      }
      stats_.failures += 1;
      stats_.last_error = error.empty() ? "HTTP " + std::to_string(status) : error;
      if (std::chrono::steady_clock::now() - first_try > kGiveUpAfter) {
        stats_.skipped += 1;
        stats_.cursor = event.sequence;
        lock.unlock();
        log_line("error",
                 "webhook event " + std::to_string(event.sequence) +
                     " skipped after 24 h of failures: " + stats_.last_error,
                 subscription_.id);
        return;
      }
      // Exponential backoff with full jitter between half and the whole step.
      const double step = std::min<double>(
          static_cast<double>(config_.webhook_retry_base.count()) *
              std::pow(2.0, std::min(attempt, 30)),
          static_cast<double>(
              std::chrono::duration_cast<std::chrono::milliseconds>(kMaxDelay).count()));
      const double jittered = step * std::uniform_real_distribution<double>(0.5, 1.0)(random_);
      wake_.wait_for(lock, std::chrono::milliseconds(static_cast<std::int64_t>(jittered)),
                     [&] { return stopping_; });
    }
  }

  // One POST; returns the HTTP status, or 0 with *error set when there was no answer.
  unsigned post(const std::string& body, std::uint64_t sequence, std::string* error) {
    const auto parsed = parse_webhook_url(subscription_.url, config_.webhook_allow_private);
    if (const auto* message = std::get_if<std::string>(&parsed)) {
      *error = "url refused: " + *message;
      return 0;
    }
    const WebhookUrl& url = std::get<WebhookUrl>(parsed);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    http::request<http::string_body> request{http::verb::post, url.target, 11};
    const bool default_port = url.port == (url.scheme == "https" ? 443 : 80);
    const std::string host =
        url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    request.set(http::field::host, default_port ? host : host + ":" + std::to_string(url.port));
    request.set(http::field::user_agent, "inventory-server webhooks");
    request.set(http::field::content_type, "application/json");
    request.set("X-Inventory-Event-Id", std::to_string(sequence));
    request.set("X-Inventory-Subscription", subscription_.id);
    request.set("X-Inventory-Signature", signature_header(subscription_.secret, now, body));
    request.body() = body;
    request.prepare_payload();

    net::io_context io;
    unsigned status = 0;
    std::exception_ptr failure;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
          tcp::resolver resolver(io);
          const auto results = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                               net::use_awaitable);
          // Re-checked at connect time: a name may resolve elsewhere than at registration.
          std::vector<tcp::endpoint> allowed;
          for (const auto& entry : results) {
            if (config_.webhook_allow_private || is_public_address(entry.endpoint().address())) {
              allowed.push_back(entry.endpoint());
            }
          }
          if (allowed.empty()) {
            throw std::runtime_error("refused: " + url.host +
                                     " resolves only to private, loopback or link-local addresses");
          }
          beast::flat_buffer buffer;
          http::response_parser<http::string_body> response;
          response.body_limit(64 * 1024);
          if (url.scheme == "https") {
            ssl::context context(ssl::context::tls_client);
            context.set_default_verify_paths();
            context.set_verify_mode(ssl::verify_peer);
            beast::ssl_stream<beast::tcp_stream> stream(io, context);
            if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(url.host.c_str())) != 1) {
              throw std::runtime_error("cannot set the TLS server name");
            }
            stream.set_verify_callback(ssl::host_name_verification(url.host));
            beast::get_lowest_layer(stream).expires_after(config_.webhook_timeout);
            co_await beast::get_lowest_layer(stream).async_connect(allowed, net::use_awaitable);
            co_await stream.async_handshake(ssl::stream_base::client, net::use_awaitable);
            co_await http::async_write(stream, request, net::use_awaitable);
            co_await http::async_read(stream, buffer, response, net::use_awaitable);
          } else {
            beast::tcp_stream stream(io);
            stream.expires_after(config_.webhook_timeout);
            co_await stream.async_connect(allowed, net::use_awaitable);
            co_await http::async_write(stream, request, net::use_awaitable);
            co_await http::async_read(stream, buffer, response, net::use_awaitable);
          }
          status = response.get().result_int();
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        *error = e.what();
      }
      return 0;
    }
    // Redirects are never followed: a 3xx is a failed delivery like any other non-2xx.
    return status;
  }

  const Config& config_;
  const WebhookSubscription subscription_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Stats stats_;
  std::mt19937_64 random_;
};

Webhooks::Webhooks(const Config& config, Engine& engine) : config_(config), engine_(engine) {}

Webhooks::~Webhooks() { stop_all(); }

Status Webhooks::start(const WebhookSubscription& subscription) {
  auto delivery = std::make_shared<Delivery>(config_, subscription);
  SubscribeOptions options;
  options.cursor = cursor_name(subscription.id);
  options.max_batch = 100;
  for (const auto& name : subscription.events) {
    if (const auto type = inventory::event_type_from_string(name))
      options.filter.types.push_back(*type);
  }
  auto started = engine_.subscribe(delivery, options);
  if (!started.ok()) return started.status();
  delivery->engine_subscription = std::move(*started);
  delivery->set_cursor(delivery->engine_subscription->cursor());
  std::lock_guard lock(mutex_);
  deliveries_[subscription.id] = std::move(delivery);
  return Status();
}

void Webhooks::stop(const std::string& id) {
  std::shared_ptr<Delivery> delivery;
  {
    std::lock_guard lock(mutex_);
    const auto it = deliveries_.find(id);
    if (it != deliveries_.end()) {
      delivery = std::move(it->second);
      deliveries_.erase(it);
    }
  }
  if (delivery != nullptr) {
    delivery->stop();
    delivery->engine_subscription->cancel();
    // It holds the delivery (its observer): break the cycle.
    delivery->engine_subscription.reset();
  }
}

void Webhooks::forget_cursor(const std::string& id) {
  // not_found: a concurrent delete dropped it. Anything else only leaves the cursor (and the
  // log it holds, bounded by feed_retention_events) behind; say so in the log.
  const Status dropped = engine_.drop_cursor(cursor_name(id));
  if (!dropped.ok() && dropped.code() != StatusCode::not_found) {
    log_line("warn", "the engine cursor stays: " + dropped.to_string(), id);
  }
}

void Webhooks::stop_all() {
  std::map<std::string, std::shared_ptr<Delivery>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(deliveries_);
  }
  for (auto& [id, delivery] : all) delivery->stop();
  for (auto& [id, delivery] : all) {
    delivery->engine_subscription->cancel();
    delivery->engine_subscription.reset();
  }
}

std::optional<Webhooks::Stats> Webhooks::stats(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = deliveries_.find(id);
  if (it == deliveries_.end()) return std::nullopt;
  return it->second->stats();
}

std::string Webhooks::prometheus() const {
  std::string out =
      "# HELP inventory_webhook_delivered_total Events acknowledged by the receiver (2xx).\n"
      "# TYPE inventory_webhook_delivered_total counter\n";
  std::string failures =
      "# HELP inventory_webhook_failures_total Delivery attempts that failed (retried).\n"
      "# TYPE inventory_webhook_failures_total counter\n";
  std::string cursors =
      "# HELP inventory_webhook_cursor Last event sequence delivered, per subscription.\n"
      "# TYPE inventory_webhook_cursor gauge\n";
  std::lock_guard lock(mutex_);
  for (const auto& [id, delivery] : deliveries_) {
    const Stats s = delivery->stats();
    const std::string labels = "{subscription=\"" + id + "\"}";
    out += "inventory_webhook_delivered_total" + labels + " " + std::to_string(s.delivered) + "\n";
    failures +=
        "inventory_webhook_failures_total" + labels + " " + std::to_string(s.failures) + "\n";
    cursors += "inventory_webhook_cursor" + labels + " " + std::to_string(s.cursor) + "\n";
  }
  return out + failures + cursors;
}

}  // namespace inventory::server
