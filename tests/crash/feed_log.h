// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// What the feed kill -9 test's consumer writes: one fixed-size binary record per delivered
// event, appended to a log file with write(2) and made durable with fdatasync before on_events
// returns, so that the engine can store the subscription's cursor only once the batch is on
// disk (RELIABILITY.md section 6). A record with sequence 0 marks a (re)start of the consumer;
// its `item` is the restart number.
//
// Shared by the test (feed_kill_test.cc) and its child (crash_tests --feed-child, main.cc).

#ifndef INVENTORY_TESTS_CRASH_FEED_LOG_H_
#define INVENTORY_TESTS_CRASH_FEED_LOG_H_

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "inventory/engine.h"

#include <unistd.h>

namespace inventory::testing {

struct FeedRecord {
  std::uint64_t sequence = 0;  // 0: a restart marker.
  std::uint64_t item = 0;      // The event's item (0 for catalog events); a marker: restart number.
  std::uint64_t version = 0;   // The item's version after the event.
  std::uint8_t type = 0;       // EventType.
  std::uint8_t padding[7] = {};
  std::int64_t before_on_hand = 0, before_reserved = 0;
  std::int64_t after_on_hand = 0, after_reserved = 0;

  static FeedRecord of(const Event& e) {
    FeedRecord r;
    r.sequence = e.sequence;
    r.item = static_cast<std::uint64_t>(e.item);
    r.version = static_cast<std::uint64_t>(e.version);
    r.type = static_cast<std::uint8_t>(e.type);
    r.before_on_hand = e.before.on_hand.value();
    r.before_reserved = e.before.reserved.value();
    r.after_on_hand = e.after.on_hand.value();
    r.after_reserved = e.after.reserved.value();
    return r;
  }
  static FeedRecord marker(std::uint64_t restart) {
    FeedRecord r;
    r.item = restart;
    return r;
  }
  // Same event content (what a redelivery or changes_since must reproduce).
  bool same_event(const FeedRecord& o) const {
    return sequence == o.sequence && item == o.item && version == o.version && type == o.type &&
           before_on_hand == o.before_on_hand && before_reserved == o.before_reserved &&
           after_on_hand == o.after_on_hand && after_reserved == o.after_reserved;
  }
};
static_assert(sizeof(FeedRecord) == 64);

// The feed kill test's engine options (the child and the parent's final open must agree).
inline Options feed_kill_options() {
  Options options;
  options.durability = Durability::buffered;  // Durable within flush_interval (10 ms).
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();  // Reservations never expire.
  options.checkpoint_records = 20'000;              // Checkpoints and log trimming happen.
  options.unusual_adjustment = 6;                   // Derived events too (adjustments go to 8).
  options.limits.items_max = 256;
  options.limits.reservations_max = 1u << 14;
  return options;
}

constexpr const char* kFeedCursor = "consumer";
constexpr std::uint32_t kFeedMaxBatch = 500;

// Writes every byte or aborts (a consumer that cannot record an event must not acknowledge it).
inline void feed_write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::perror("feed log write");
      std::abort();
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

inline void feed_sync(int fd) {
  if (::fdatasync(fd) != 0) {
    std::perror("feed log fdatasync");
    std::abort();
  }
}

// The consumer: appends each batch to the log and syncs it before returning. Then it spends
// `work` on the batch (as a consumer that forwards it somewhere would): a kill during that time
// finds the batch recorded but not acknowledged, so it is delivered again (on tmpfs the write
// itself takes microseconds, and redelivery would hardly ever be exercised). With
// `cursor_before_write` (the mutation the test must catch), a batch is written only when the
// next one arrives, i.e. after the engine has stored the cursor past it.
class FeedLogObserver final : public Observer {
 public:
  FeedLogObserver(int fd, bool cursor_before_write, std::chrono::microseconds work)
      : fd_(fd), cursor_before_write_(cursor_before_write), work_(work) {}

  void on_events(std::span<const Event> events) override {
    std::vector<FeedRecord> records;
    records.reserve(events.size());
    for (const Event& e : events) records.push_back(FeedRecord::of(e));
    // The work goes where a kill does the most harm: after the write in the correct consumer
    // (the cursor is not stored yet, so the batch comes again), before it in the faulty one (the
    // cursor of the previous batch is stored and its events are only in memory). With the work
    // after the write the faulty consumer loses events only when a kill lands in the few
    // microseconds between the cursor store and the next write: 0 losses in 5 kills happened.
    if (cursor_before_write_) {
      if (work_.count() > 0) std::this_thread::sleep_for(work_);
      records.swap(pending_);
    }
    if (!records.empty()) {
      feed_write_all(fd_, records.data(), records.size() * sizeof(FeedRecord));
      feed_sync(fd_);
    }
    if (!cursor_before_write_ && work_.count() > 0) std::this_thread::sleep_for(work_);
    if (!events.empty()) last_.store(events.back().sequence, std::memory_order_release);
    batches_.fetch_add(1, std::memory_order_relaxed);
  }
  void on_gap(std::uint64_t after, std::uint64_t last) override {
    // Never expected here (the cursor holds the log): leave a trace the checker reports.
    std::fprintf(stderr, "feed gap after %llu through %llu\n",
                 static_cast<unsigned long long>(after), static_cast<unsigned long long>(last));
    gaps_.fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t last() const { return last_.load(std::memory_order_acquire); }
  std::uint64_t gaps() const { return gaps_.load(std::memory_order_relaxed); }

 private:
  const int fd_;
  const bool cursor_before_write_;
  const std::chrono::microseconds work_;
  std::vector<FeedRecord> pending_;  // Subscription thread only.
  std::atomic<std::uint64_t> last_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> gaps_{0};
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_CRASH_FEED_LOG_H_
