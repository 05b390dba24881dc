// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The server's own durable state, next to the engine's data directory: API keys (only a
// SHA-256 of each secret is kept) and webhook subscriptions. Each change rewrites a small JSON
// file (write to a temporary file, fsync, rename, fsync the directory) before it is
// acknowledged, so a key revocation or a new subscription survives kill -9.
//
// Thread safety: every method may be called from any thread.

#ifndef INVENTORY_SERVER_STATE_STORE_H_
#define INVENTORY_SERVER_STATE_STORE_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api.h"

namespace inventory::server {

struct ApiKey {
  std::string id;
  std::string secret_hash;  // Hex SHA-256 of the secret part.
  Role role = Role::viewer;
  std::vector<std::string> locations;
  std::string name;
  std::string created_at;
};

struct WebhookSubscription {
  std::string id;
  std::string url;
  std::vector<std::string> events;  // API event type names; empty: all.
  std::string secret;
  std::string created_at;
};

class StateStore {
 public:
  // Loads (or creates) `directory`. Throws std::runtime_error naming the file on failure.
  explicit StateStore(std::string directory);

  // Sets the bootstrap admin key (not stored: it is given on every start).
  void set_bootstrap_key(const std::string& key);
  bool has_keys() const;

  // Resolves a presented key ("ik_<id>.<secret>" or the bootstrap key) in constant time per
  // candidate. nullopt: unknown or revoked.
  std::optional<ApiKey> authenticate(std::string_view presented) const;

  // Creates a key; returns it with the full key text (shown once). Durable when it returns.
  std::pair<ApiKey, std::string> create_key(Role role, std::vector<std::string> locations,
                                            std::string name, std::string created_at);
  // false: no such key. Durable when it returns.
  bool revoke_key(const std::string& id);
  // Whether the key `id` (as authenticate returned it) still authenticates.
  bool key_active(const std::string& id) const;

  void put_subscription(const WebhookSubscription& subscription);
  bool remove_subscription(const std::string& id);
  std::optional<WebhookSubscription> subscription(const std::string& id) const;
  std::vector<WebhookSubscription> subscriptions() const;

 private:
  void save_keys_locked() const;
  void save_subscriptions_locked() const;

  std::string directory_;
  mutable std::mutex mutex_;
  std::string bootstrap_hash_;
  std::map<std::string, ApiKey> keys_;
  std::map<std::string, WebhookSubscription> subscriptions_;
};

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_STATE_STORE_H_
