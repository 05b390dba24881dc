// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Feed: turns durable journal groups into events and delivers them.
//
//   logger thread --publish(group)--> ring of recent groups (decoded once, on first read)
//                                      |  older events: Journal::read (RocksDB)
//   subscription threads <-- notify ---+  (one io_context + thread per subscription)
//
// The logger only appends a pointer to the ring and posts a wake-up to each subscription; it
// never decodes, never waits for an observer and never blocks on one. A subscription reads from
// the ring while its cursor is inside it and from the journal when it has fallen behind, so a
// slow observer costs memory nowhere and holds writers back never. Reading a group back from
// RocksDB costs about as much CPU as writing it, so while writers are busy a subscription spends
// at most a twentieth of its time on journal reads (it catches up at full speed once they pause):
// on a machine with few cores its backlog must not take the writers' CPU.
//
// Thread safety: publish() from the journal's logger thread; the rest from any thread.

#ifndef INVENTORY_FEED_FEED_H_
#define INVENTORY_FEED_FEED_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "inventory/events.h"
#include "inventory/metrics.h"
#include "inventory/observer.h"
#include "inventory/status.h"

#include "journal/journal.h"

namespace inventory::feed {

// Fills the product and location ids of an item (empty when the item is gone).
using Resolver = std::function<void(ItemId, std::string* product_id, std::string* location_id)>;

// Appends the events of `record` to `out` (see journal/event_plan.h for the order).
void derive_events(const journal::Record& record, const Resolver& resolve, std::vector<Event>* out);

struct FeedOptions {
  std::uint64_t buffer_events = 65536;          // Recent events kept decoded in memory.
  std::uint64_t cursor_retention = 10'000'000;  // Log kept behind the slowest durable cursor.
  std::uint64_t history_retention = 1'000'000;  // Log kept for changes_since and history.
};

class Subscriber;

class Feed {
 public:
  Feed(journal::Journal* journal, Resolver resolve, const FeedOptions& options);
  ~Feed();  // Stops every subscription.
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // Logger thread: `group` is synced.
  void publish(std::shared_ptr<journal::DurableGroup> group);
  // Last durable sequence.
  std::uint64_t head() const noexcept { return head_.load(std::memory_order_seq_cst); }

  // Events with sequence in (after, head], in order, for which `keep` is true, at most `limit`
  // of them, scanning at most `scan_max` events. *next_after: the last sequence examined (pass
  // it as `after` to go on). *gap_last: nonzero when the events after `after` were trimmed from
  // the journal: nothing is returned and delivery may go on after *gap_last.
  // *oldest_durable_at: when the first returned event was published (unset when read from the
  // journal). *journal_time (if given) grows by the time spent reading and decoding groups from
  // the journal. Errors: corruption, io_error.
  Status read(std::uint64_t after, std::uint32_t limit, std::uint64_t scan_max,
              const std::function<bool(const Event&)>& keep, std::vector<Event>* out,
              std::uint64_t* next_after, std::uint64_t* gap_last,
              std::chrono::steady_clock::time_point* oldest_durable_at = nullptr,
              std::chrono::nanoseconds* journal_time = nullptr);
  // Whether groups are being published (one within the last kWritingWindow): writers are busy.
  static constexpr std::chrono::milliseconds kWritingWindow{10};
  bool writing() const noexcept;

  // Errors: invalid_argument (options, named), already_exists (cursor in use).
  Result<std::unique_ptr<Subscription>> subscribe(std::shared_ptr<Observer> observer,
                                                  const SubscribeOptions& options);

  // The lowest sequence the journal must keep (its retention_floor).
  std::uint64_t retention_floor();
  void observer_metrics(std::vector<ObserverMetrics>* out) const;

  // Stops every subscription (waits for running callbacks). Idempotent.
  void stop();
  // Forgets a stopped subscriber (its handle was cancelled).
  void remove(const Subscriber* subscriber);
  // Forgets a stored cursor (Engine::drop_cursor). Errors: invalid_argument, not_found,
  // failed_precondition (a live subscription uses it), io_error.
  Status drop_cursor(std::string_view name);

 private:
  friend class Subscriber;
  struct Chunk;
  std::shared_ptr<Chunk> find_chunk(std::uint64_t sequence) const;
  void decode(Chunk& chunk) const;
  void store_cursor(const std::string& name, std::uint64_t sequence);

  journal::Journal* const journal_;
  const Resolver resolve_;
  const FeedOptions options_;
  std::atomic<std::uint64_t> head_{0};
  std::atomic<std::int64_t> last_publish_ns_{0};  // steady_clock, for writing().
  // Cleared when the feed is destroyed, for subscription handles that outlive it.
  const std::shared_ptr<std::atomic<bool>> alive_;

  mutable std::mutex ring_mutex_;
  std::deque<std::shared_ptr<Chunk>> ring_;  // GUARDED_BY(ring_mutex_)
  std::uint64_t ring_events_ = 0;            // GUARDED_BY(ring_mutex_)
  // Groups read back from the journal for observers behind the ring, newest last.
  static constexpr std::size_t kBacklogChunks = 16;
  std::deque<std::shared_ptr<Chunk>> backlog_;  // GUARDED_BY(ring_mutex_)

  // Orders cursor writes and deletes in the journal with the cursors_ map, so that a stopped
  // subscriber's last store cannot bring back a dropped cursor, nor a subscribe resume from one
  // being dropped: stores and subscribes share it (stores run in parallel; a cursor write can
  // wait for a journal group's fsync), a drop holds it alone. Taken before subscribers_mutex_.
  std::shared_mutex cursor_write_mutex_;
  mutable std::mutex subscribers_mutex_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;  // GUARDED_BY(subscribers_mutex_)
  std::map<std::string, std::uint64_t> cursors_;          // GUARDED_BY(subscribers_mutex_)
  std::uint64_t next_observer_number_ = 1;                // GUARDED_BY(subscribers_mutex_)
  bool stopped_ = false;                                  // GUARDED_BY(subscribers_mutex_)
};

}  // namespace inventory::feed

#endif  // INVENTORY_FEED_FEED_H_
