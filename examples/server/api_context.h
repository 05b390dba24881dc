// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// One request inside the API (private to api*.cc), and the completion that answers a mutation
// once the engine has made it durable.

#ifndef INVENTORY_SERVER_API_CONTEXT_H_
#define INVENTORY_SERVER_API_CONTEXT_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "api.h"
#include "api_util.h"

namespace inventory::server {

struct Api::Context : std::enable_shared_from_this<Api::Context> {
  static constexpr std::size_t kNoRoute = static_cast<std::size_t>(-1);

  Api* api = nullptr;
  Request request;
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  Principal principal;
  std::size_t route = kNoRoute;
  Done done;
  std::chrono::steady_clock::time_point start;
  std::string idempotency_slot;  // Set when this request owns an idempotency entry.
  std::string engine_key;        // The Idempotency-Key as passed to the engine.
  std::atomic<bool> answered{false};

  std::optional<std::string> q(std::string_view name) const {
    const auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }

  void reply(Reply r) { api->finish(shared_from_this(), std::move(r)); }
  void reply(unsigned status, const boost::json::value& body) {
    reply(Reply{.status = status, .body = boost::json::serialize(body)});
  }
};

// Joins the two halves of a mutation in the completion form: the call's return (the in-memory
// result) and the engine's on_durable. Whichever comes second builds the reply, on an I/O
// thread (never on the journal's thread, which acknowledges everyone).
class Api::Completion final : public WriteCallback {
 public:
  Completion(std::shared_ptr<Context> context, std::function<void(std::function<void()>)> post)
      : context_(std::move(context)), post_(std::move(post)) {}

  void on_durable(const Status& status) noexcept override {
    durable_ = status;
    arrive();
  }
  void returned(std::function<Reply()> build) {
    build_ = std::move(build);
    arrive();
  }

 private:
  void arrive() noexcept {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    post_([this] {
      Reply reply;
      const std::string& request_id = context_->request.request_id;
      if (!durable_.ok()) {
        context_->api->set_failed();
        reply = error_reply(to_api_error(durable_), request_id);
      } else {
        try {
          reply = build_();
        } catch (const ApiError& error) {
          reply = error_reply(error, request_id);
        } catch (const std::exception& error) {
          reply =
              error_reply(ApiError{500, "internal", error.what(), {}, std::nullopt}, request_id);
        }
      }
      context_->api->finish(context_, std::move(reply));
      delete this;
    });
  }

  std::shared_ptr<Context> context_;
  std::function<void(std::function<void()>)> post_;
  std::atomic<int> remaining_{2};
  Status durable_;
  std::function<Reply()> build_;
};

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_API_CONTEXT_H_
