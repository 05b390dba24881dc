// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Webhook delivery. Each subscription is an engine subscription with a durable cursor
// ("webhook.<id>"): the engine hands its dispatcher thread the events in order, and the
// observer POSTs them one by one, signed (signing.h), retrying each with exponential backoff
// and jitter until a 2xx, so delivery is in order per subscription and resumes after a restart
// from the last acknowledged event. Every connection re-checks the resolved addresses
// (net_filter.h) unless --webhook-allow-private; redirects are never followed.
//
// Thread safety: every method may be called from any thread.

#ifndef INVENTORY_SERVER_WEBHOOKS_H_
#define INVENTORY_SERVER_WEBHOOKS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api.h"
#include "state_store.h"

namespace inventory::server {

class Webhooks {
 public:
  struct Stats {
    std::uint64_t cursor = 0;  // Last event acknowledged by the receiver.
    std::uint64_t delivered = 0;
    std::uint64_t failures = 0;
    std::uint64_t skipped = 0;
    std::string last_error;
  };

  Webhooks(const Config& config, Engine& engine);
  ~Webhooks();

  // Starts delivering for `subscription`. Errors: the engine's subscribe errors.
  Status start(const WebhookSubscription& subscription);
  // Stops delivering for `id` (its cursor stays: start() resumes from it).
  void stop(const std::string& id);
  // Forgets the engine cursor of a deleted (and stopped) subscription, so that it no longer
  // holds the engine's retained log.
  void forget_cursor(const std::string& id);
  // Stops delivering for every subscription (the server stops); their cursors stay.
  void stop_all();
  std::optional<Stats> stats(const std::string& id) const;
  std::string prometheus() const;

 private:
  class Delivery;
  const Config& config_;
  Engine& engine_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Delivery>> deliveries_;
};

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_WEBHOOKS_H_
