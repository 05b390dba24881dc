// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Observer: receives the change feed and background errors. Override only what you need; the
// defaults do nothing.
//
//   struct Printer : inventory::Observer {
//     void on_events(std::span<const inventory::Event> events) override {
//       for (const auto& e : events) std::printf("%llu %s\n", e.sequence, to_string(e.type));
//     }
//   };
//   auto sub = engine->subscribe(std::make_shared<Printer>(), {.cursor = "printer"}).value();
//
// [Delivery] Each subscription has its own dispatcher thread (a Boost.Asio io_context), so a
//   slow, blocking or throwing observer delays only itself. Events arrive in sequence order,
//   in batches, only once durable. Returning from on_events acknowledges the batch: with a
//   cursor name the engine then stores the batch's last sequence, and a later subscribe with
//   the same name resumes after it. Delivery is at least once: after a crash, the batches
//   after the stored cursor are delivered again (dedupe by Event::sequence).
// [Exceptions] An exception from on_events is caught; the same batch is delivered again after
//   a backoff (10 ms doubling to 1 s). Nothing is skipped.
// [Backlog] An observer that falls behind reads from the journal; writers never wait for it.
//   If the events it needs were trimmed (see Options::feed_retention_events), it is told with
//   on_gap and continues after the gap.
// [Threading] Called on the subscription's thread, never on a caller's thread and never under
//   an engine lock. on_background_error is called on the journal's thread.

#ifndef INVENTORY_OBSERVER_H_
#define INVENTORY_OBSERVER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "inventory/events.h"
#include "inventory/export.h"
#include "inventory/status.h"

namespace inventory {

class INVENTORY_EXPORT Observer {
 public:
  virtual ~Observer();
  // A batch of events in sequence order (only those matching the subscription's filter).
  virtual void on_events(std::span<const Event> /*events*/) {}
  // Events after `after` up to and including `last` are gone from the journal (trimmed) and
  // will never be delivered; delivery goes on after `last`.
  virtual void on_gap(std::uint64_t /*after*/, std::uint64_t /*last*/) {}
  // A journal write or sync failed: the engine is read-only (mutations return io_error) until it
  // is reopened. Called once. Must not throw.
  virtual void on_background_error(const Status& /*status*/) noexcept {}
};

struct SubscribeOptions {
  // Deliver events with sequence > after. Default (unset): only events made durable after the
  // subscription starts. A stored cursor (below) takes precedence.
  std::optional<std::uint64_t> after;
  // Durable cursor name (1..64 bytes of [A-Za-z0-9._-]). When set, the last acknowledged
  // sequence is stored in the journal and the log behind it is kept (within
  // Options::feed_retention_events); subscribing again with the name resumes after it.
  std::string cursor;
  EventFilter filter;
  // Most events per on_events call. Default: 1,000. REQUIRES: 1..100,000.
  std::uint32_t max_batch = 1000;
};

// A live subscription; destroying it (or calling cancel) stops delivery and waits for a
// running callback to return. Do not destroy it from inside its own observer's callback.
// cancel() from inside the callback stops delivery without waiting; that batch is not
// acknowledged (a later subscription with the same cursor receives it again), and the engine
// may be closed while the callback still runs.
class INVENTORY_EXPORT Subscription {
 public:
  virtual ~Subscription();
  virtual void cancel() = 0;
  // Last sequence acknowledged by the observer.
  virtual std::uint64_t cursor() const noexcept = 0;
  virtual const std::string& name() const noexcept = 0;
};

}  // namespace inventory

#endif  // INVENTORY_OBSERVER_H_
