// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// inventory-server: the engine as a REST service (docs/api.md). See examples/server/README.md.
//
//   inventory-server --data ./inventory-data --listen 127.0.0.1:8080

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "api.h"
#include "api_util.h"
#include "server.h"
#include "state_store.h"
#include "webhooks.h"
#include <pthread.h>
#include <signal.h>

namespace {

using inventory::server::Config;

constexpr const char* kUsage =
    "usage: inventory-server --data DIR --listen HOST:PORT [--bootstrap-admin-key KEY]\n"
    "                        [--webhook-allow-private] [--durability sync|buffered]\n"
    "                        [--tls-cert FILE --tls-key FILE] [--threads N]\n"
    "                        [--rate-limit N] [--rate-burst N] [--max-connections N]\n"
    "                        [--max-body-bytes N] [--header-timeout-ms N]\n"
    "                        [--stream-queue-bytes N] [--webhook-retry-base-ms N]\n"
    "                        [--webhook-timeout-ms N] [--no-access-log] [--print-routes]\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "inventory-server: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

std::uint64_t number(std::string_view flag, std::string_view text, std::uint64_t min,
                     std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    usage_error(std::string(flag) + " must be a number from " + std::to_string(min) + " to " +
                std::to_string(max));
  }
  return value;
}

Config parse(int argc, char** argv, bool* print_routes) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (flag == "--data") {
      config.data = value();
    } else if (flag == "--listen") {
      const std::string_view listen = value();
      const auto colon = listen.rfind(':');
      if (colon == std::string_view::npos) usage_error("--listen must be HOST:PORT");
      std::string_view host = listen.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      config.host = host;
      config.port =
          static_cast<std::uint16_t>(number("--listen port", listen.substr(colon + 1), 0, 65535));
    } else if (flag == "--bootstrap-admin-key") {
      config.bootstrap_admin_key = value();
      if (config.bootstrap_admin_key.size() < 16 || config.bootstrap_admin_key.size() > 128) {
        usage_error("--bootstrap-admin-key must be 16..128 bytes");
      }
    } else if (flag == "--webhook-allow-private") {
      config.webhook_allow_private = true;
    } else if (flag == "--durability") {
      const std::string_view d = value();
      if (d == "sync") {
        config.durability = inventory::Durability::sync;
      } else if (d == "buffered") {
        config.durability = inventory::Durability::buffered;
      } else {
        usage_error("--durability must be sync or buffered");
      }
    } else if (flag == "--tls-cert") {
      config.tls_cert = value();
    } else if (flag == "--tls-key") {
      config.tls_key = value();
    } else if (flag == "--threads") {
      config.threads = static_cast<unsigned>(number(flag, value(), 1, 1024));
    } else if (flag == "--rate-limit") {
      config.rate_limit = static_cast<double>(number(flag, value(), 0, 100'000'000));
    } else if (flag == "--rate-burst") {
      config.rate_burst = static_cast<double>(number(flag, value(), 1, 1'000'000'000));
    } else if (flag == "--max-connections") {
      config.max_connections = number(flag, value(), 1, 10'000'000);
    } else if (flag == "--max-body-bytes") {
      config.max_body_bytes = number(flag, value(), 1024, 1ull << 30);
    } else if (flag == "--header-timeout-ms") {
      config.header_timeout = std::chrono::milliseconds(number(flag, value(), 1, 3'600'000));
    } else if (flag == "--stream-queue-bytes") {
      config.stream_queue_bytes = number(flag, value(), 1024, 1ull << 34);
    } else if (flag == "--webhook-retry-base-ms") {
      config.webhook_retry_base = std::chrono::milliseconds(number(flag, value(), 1, 3'600'000));
    } else if (flag == "--webhook-timeout-ms") {
      config.webhook_timeout = std::chrono::milliseconds(number(flag, value(), 1, 3'600'000));
    } else if (flag == "--no-access-log") {
      config.access_log = false;
    } else if (flag == "--print-routes") {
      *print_routes = true;
    } else if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      usage_error("unknown option " + std::string(flag));
    }
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    usage_error("--tls-cert and --tls-key go together");
  }
  return config;
}

// Turns /readyz off when the journal fails (the engine is then read-only).
class FailureObserver final : public inventory::Observer {
 public:
  void on_background_error(const inventory::Status& status) noexcept override {
    std::fprintf(stderr,
                 "{\"level\":\"error\",\"msg\":\"journal failed; read-only\",\"requestId\":\"\","
                 "\"detail\":\"%s\"}\n",
                 status.to_string().c_str());
    if (api != nullptr) api->set_failed();
  }
  inventory::server::Api* api = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  bool print_routes = false;
  const Config config = parse(argc, argv, &print_routes);
  if (print_routes) {
    std::printf("%s\n", inventory::server::routes_json().c_str());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // SIGINT and SIGTERM are taken by one thread with sigwait (Server::run): block them here,
  // before any thread starts, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    std::filesystem::create_directories(config.data);
    auto failures = std::make_shared<FailureObserver>();
    inventory::Options options;
    options.durability = config.durability;
    options.observers.push_back(failures);
    auto opened = inventory::Engine::open(options, config.data + "/engine");
    if (!opened.ok()) {
      std::fprintf(stderr, "inventory-server: cannot open %s/engine: %s\n", config.data.c_str(),
                   opened.status().to_string().c_str());
      return 1;
    }
    std::unique_ptr<inventory::Engine> engine = std::move(*opened);
    inventory::server::StateStore store(config.data + "/server");
    store.set_bootstrap_key(config.bootstrap_admin_key);
    std::string first_key;
    if (config.bootstrap_admin_key.empty() && !store.has_keys()) {
      first_key = store
                      .create_key(inventory::server::Role::admin, {}, "first admin key",
                                  inventory::server::rfc3339_now())
                      .second;
    }
    {
      inventory::server::Webhooks webhooks(config, *engine);
      inventory::server::Api api(config, *engine, store, webhooks);
      failures->api = &api;
      inventory::server::Server server(config, api, *engine);
      const std::string url = server.bind();
      for (const auto& subscription : store.subscriptions()) {
        const auto started = webhooks.start(subscription);
        if (!started.ok()) {
          std::fprintf(stderr, "inventory-server: webhook %s: %s\n", subscription.id.c_str(),
                       started.to_string().c_str());
        }
      }
      if (config.tls_cert.empty()) {
        std::fprintf(stderr,
                     "{\"level\":\"warn\",\"msg\":\"serving plain HTTP (no --tls-cert): use it on "
                     "loopback or behind a TLS-terminating proxy\",\"requestId\":\"\"}\n");
      }
      std::printf("inventory-server: listening on %s\n", url.c_str());
      if (!first_key.empty()) {
        std::printf("admin key: %s\n(shown once; keep it: only its hash is stored)\n",
                    first_key.c_str());
      }
      std::printf("dashboard: %s/\n", url.c_str());
      std::fflush(stdout);
      server.run([&] {
        webhooks.stop_all();
        const auto synced = engine->sync();
        if (!synced.ok()) {
          std::fprintf(stderr, "inventory-server: final sync failed: %s\n",
                       synced.to_string().c_str());
        }
      });
      failures->api = nullptr;
    }
    engine.reset();  // Checkpoint and close.
    std::fprintf(stderr, "{\"level\":\"info\",\"msg\":\"stopped\",\"requestId\":\"\"}\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inventory-server: %s\n", e.what());
    return 1;
  }
}
