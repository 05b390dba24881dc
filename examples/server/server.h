// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The transport of inventory-server: a Boost.Beast HTTP/1.1 server (plain, or TLS 1.2+ only)
// on a pool of I/O threads, with limits on connections, header read time and body size, that
// hands requests to Api and takes live streams (Server-Sent Events, WebSocket) over itself.

#ifndef INVENTORY_SERVER_SERVER_H_
#define INVENTORY_SERVER_SERVER_H_

#include <functional>
#include <memory>

#include "api.h"

namespace inventory::server {

class Server {
 public:
  Server(const Config& config, Api& api, Engine& engine);
  ~Server();

  // Binds the listening socket; returns the URL (with the port the OS chose for port 0).
  // Throws std::runtime_error when it cannot listen or load the TLS files.
  std::string bind();

  // Serves until SIGTERM/SIGINT: then stops accepting, closes live streams, waits (up to 10 s)
  // for in-flight requests, calls before_exit (stop webhooks, sync the journal) and returns.
  void run(const std::function<void()>& before_exit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_SERVER_H_
