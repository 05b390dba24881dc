// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "state_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

#include "signing.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace inventory::server {
namespace {

namespace json = boost::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync " + path + ": " + std::strerror(errno));
}

// Replaces `path` with `text` atomically and durably.
void write_file_durably(const std::string& directory, const std::string& name,
                        const std::string& text) {
  const std::string path = directory + "/" + name;
  const std::string temporary = path + ".tmp";
  {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("open " + temporary + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        throw std::runtime_error("write " + temporary + ": " + std::strerror(errno));
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error("fsync " + temporary + ": " + std::strerror(errno));
    }
    ::close(fd);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("rename " + temporary + ": " + std::strerror(errno));
  }
  sync_path(directory, O_RDONLY | O_DIRECTORY);
}

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

std::vector<std::string> strings(const json::value& value) {
  std::vector<std::string> out;
  for (const auto& v : value.as_array()) out.emplace_back(v.as_string());
  return out;
}

}  // namespace

StateStore::StateStore(std::string directory) : directory_(std::move(directory)) {
  std::filesystem::create_directories(directory_);
  ::chmod(directory_.c_str(), 0700);
  try {
    const std::string keys = read_file(directory_ + "/keys.json");
    if (!keys.empty()) {
      const json::value parsed = json::parse(keys);
      for (const auto& v : parsed.as_array()) {
        const auto& o = v.as_object();
        ApiKey key{.id = std::string(o.at("id").as_string()),
                   .secret_hash = std::string(o.at("secretHash").as_string()),
                   .role = role_from_string(o.at("role").as_string()).value_or(Role::viewer),
                   .locations = strings(o.at("locations")),
                   .name = std::string(o.at("name").as_string()),
                   .created_at = std::string(o.at("createdAt").as_string())};
        keys_.emplace(key.id, std::move(key));
      }
    }
    const std::string subs = read_file(directory_ + "/subscriptions.json");
    if (!subs.empty()) {
      const json::value parsed = json::parse(subs);
      for (const auto& v : parsed.as_array()) {
        const auto& o = v.as_object();
        WebhookSubscription s{.id = std::string(o.at("id").as_string()),
                              .url = std::string(o.at("url").as_string()),
                              .events = strings(o.at("events")),
                              .secret = std::string(o.at("secret").as_string()),
                              .created_at = std::string(o.at("createdAt").as_string())};
        subscriptions_.emplace(s.id, std::move(s));
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read the server state in " + directory_ + ": " + e.what());
  }
}

void StateStore::set_bootstrap_key(const std::string& key) {
  std::lock_guard lock(mutex_);
  bootstrap_hash_ = key.empty() ? std::string() : sha256_hex(key);
}

bool StateStore::has_keys() const {
  std::lock_guard lock(mutex_);
  return !keys_.empty();
}

std::optional<ApiKey> StateStore::authenticate(std::string_view presented) const {
  if (presented.empty()) return std::nullopt;
  const std::string hash = sha256_hex(presented);
  std::lock_guard lock(mutex_);
  // Keys look like ik_<id>.<secret>: find the record by id, then compare the hash of the whole
  // key in constant time. Anything else can only be the bootstrap key.
  if (presented.starts_with("ik_")) {
    const auto dot = presented.find('.');
    if (dot != std::string_view::npos) {
      const auto it = keys_.find(std::string(presented.substr(3, dot - 3)));
      if (it != keys_.end() && constant_time_equal(hash, it->second.secret_hash)) {
        return it->second;
      }
      return std::nullopt;
    }
  }
  if (!bootstrap_hash_.empty() && constant_time_equal(hash, bootstrap_hash_)) {
    return ApiKey{.id = "bootstrap", .secret_hash = {}, .role = Role::admin};
  }
  return std::nullopt;
}

std::pair<ApiKey, std::string> StateStore::create_key(Role role, std::vector<std::string> locations,
                                                      std::string name, std::string created_at) {
  ApiKey key{.id = random_hex(6),
             .secret_hash = {},
             .role = role,
             .locations = std::move(locations),
             .name = std::move(name),
             .created_at = std::move(created_at)};
  const std::string text = "ik_" + key.id + "." + random_hex(24);
  key.secret_hash = sha256_hex(text);
  std::lock_guard lock(mutex_);
  keys_.emplace(key.id, key);
  try {
    save_keys_locked();
  } catch (...) {
    keys_.erase(key.id);
    throw;
  }
  return {key, text};
}

bool StateStore::key_active(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return id == "bootstrap" ? !bootstrap_hash_.empty() : keys_.contains(id);
}

bool StateStore::revoke_key(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = keys_.find(id);
  if (it == keys_.end()) return false;
  ApiKey removed = it->second;
  keys_.erase(it);
  try {
    save_keys_locked();
  } catch (...) {
    keys_.emplace(id, std::move(removed));
    throw;
  }
  return true;
}

void StateStore::put_subscription(const WebhookSubscription& subscription) {
  std::lock_guard lock(mutex_);
  const auto previous = subscriptions_.find(subscription.id);
  std::optional<WebhookSubscription> old;
  if (previous != subscriptions_.end()) old = previous->second;
  subscriptions_[subscription.id] = subscription;
  try {
    save_subscriptions_locked();
  } catch (...) {
    if (old) {
      subscriptions_[subscription.id] = *old;
    } else {
      subscriptions_.erase(subscription.id);
    }
    throw;
  }
}

bool StateStore::remove_subscription(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return false;
  WebhookSubscription removed = it->second;
  subscriptions_.erase(it);
  try {
    save_subscriptions_locked();
  } catch (...) {
    subscriptions_.emplace(id, std::move(removed));
    throw;
  }
  return true;
}

std::optional<WebhookSubscription> StateStore::subscription(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return std::nullopt;
  return it->second;
}

std::vector<WebhookSubscription> StateStore::subscriptions() const {
  std::lock_guard lock(mutex_);
  std::vector<WebhookSubscription> out;
  for (const auto& [id, s] : subscriptions_) out.push_back(s);
  return out;
}

void StateStore::save_keys_locked() const {
  json::array out;
  for (const auto& [id, k] : keys_) {
    out.push_back(json::object{{"id", k.id},
                               {"secretHash", k.secret_hash},
                               {"role", to_string(k.role)},
                               {"locations", strings(k.locations)},
                               {"name", k.name},
                               {"createdAt", k.created_at}});
  }
  write_file_durably(directory_, "keys.json", json::serialize(out));
}

void StateStore::save_subscriptions_locked() const {
  json::array out;
  for (const auto& [id, s] : subscriptions_) {
    out.push_back(json::object{{"id", s.id},
                               {"url", s.url},
                               {"events", strings(s.events)},
                               {"secret", s.secret},
                               {"createdAt", s.created_at}});
  }
  write_file_durably(directory_, "subscriptions.json", json::serialize(out));
}

}  // namespace inventory::server
