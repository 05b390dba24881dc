// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal (RELIABILITY.md section 6): the change feed delivers every durable event at least once
// across kill -9, in sequence order, and redelivers only the batch whose cursor was not stored.
// Method: each cycle starts this binary as a child (--feed-child, see main.cc) on the same data
// directory. The child subscribes a consumer with the durable cursor "consumer"; the consumer
// appends each delivered event to a log file and fdatasyncs it before on_events returns (so the
// cursor is stored only after the events are on disk) and then spends 3 ms on the batch (so
// that many kills land between the write and the cursor store), while two writer threads change
// stock with buffered durability, paced so that the log stays about 2x the events wanted. The
// parent kills the child with SIGKILL at a random moment 50-400 ms after it subscribed, until it
// has made enough kills and the consumer has seen enough events (its highest sequence). Then it
// opens the directory itself, lets the same cursor catch up to the head, and checks the log:
//   lost         a sequence in 1..head never delivered (nothing is exempt: oversell_rejected and
//                request_refused are events too);
//   reordered    per item, first deliveries whose version does not increase or whose `before`
//                is not the previous event's `after` (derived events must carry the version of
//                the change they follow);
//   duplicates   a sequence delivered again after a restart, at or below what was delivered
//                before it: counted, at most one batch (max_batch) per restart, the same content
//                as the first delivery, and > 0 in all (redelivery was exercised); within one
//                child's lifetime sequences strictly increase;
//   changes_since  every retained event read back with changes_since equals the logged one.
// A second case runs a child whose consumer writes each batch only when the next arrives (the
// cursor is stored before the events are written) and requires the checker to report losses;
// a third feeds the checker hand-made logs with each kind of fault.
//
// Scale: INVENTORY_FEED_KILL_CYCLES (default 100) and INVENTORY_FEED_KILL_EVENTS (default
// 1,000,000): both must be reached. Seed from INVENTORY_SEED.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "crash/child_process.h"
#include "crash/feed_log.h"
#include "support/env.h"
#include "support/temp_dir.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace inventory {
namespace {

using testing::FeedRecord;

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

using FeedChild = testing::Child;

FeedChild spawn_feed_child(const std::string& dir, std::uint64_t seed, const std::string& log,
                           std::uint64_t restart, std::uint64_t rate, bool cursor_before_write) {
  return testing::spawn_self({"--feed-child", dir, std::to_string(seed), log,
                              std::to_string(restart), std::to_string(rate),
                              cursor_before_write ? "1" : "0"});
}

// Reads the child's stdout until it says "R" (subscribed), it ends, or 30 s pass.
bool wait_ready(int fd, std::string* output) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (output->find("R\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) return false;
    output->append(buffer, static_cast<std::size_t>(n));
  }
  return true;
}

// The log, read incrementally. A write cut by the kill may leave part of a record: that batch
// was never acknowledged, so the partial record is cut off before the next child appends.
class LogReader {
 public:
  explicit LogReader(std::string path) : path_(std::move(path)) {}

  void read_new(std::vector<FeedRecord>* out) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t whole = size - size % sizeof(FeedRecord);
    if (whole != size) {
      REQUIRE(::ftruncate(fd, static_cast<off_t>(whole)) == 0);
      ++torn_;
    }
    const std::size_t count = static_cast<std::size_t>((whole - offset_) / sizeof(FeedRecord));
    const std::size_t at = out->size();
    out->resize(at + count);
    char* p = reinterpret_cast<char*>(out->data() + at);
    std::uint64_t left = count * sizeof(FeedRecord);
    off_t position = static_cast<off_t>(offset_);
    while (left > 0) {
      const ssize_t n = ::pread(fd, p, left, position);
      REQUIRE(n > 0);
      p += n;
      position += n;
      left -= static_cast<std::uint64_t>(n);
    }
    offset_ = whole;
    ::close(fd);
  }
  std::uint64_t torn() const { return torn_; }

 private:
  const std::string path_;
  std::uint64_t offset_ = 0;
  std::uint64_t torn_ = 0;
};

struct FeedCheck {
  std::uint64_t head = 0;
  std::uint64_t restarts = 0;
  std::uint64_t delivered = 0;     // Event records in the log.
  std::uint64_t lost = 0;          // In 1..head, never delivered.
  std::uint64_t beyond_head = 0;   // Delivered but past the recovered head.
  std::uint64_t reordered = 0;     // Per item, among first deliveries.
  std::uint64_t out_of_order = 0;  // Within one lifetime, a sequence not above the previous one.
  std::uint64_t duplicates = 0;
  std::uint64_t max_duplicates = 0;         // In one restart.
  std::uint64_t redelivering_restarts = 0;  // Restarts followed by at least one duplicate.
  std::uint64_t changed_redeliveries = 0;   // A redelivered event that differs from the first.
  std::vector<std::uint32_t> first;         // Per sequence: index of its first delivery in the log.
  std::string problem;                      // The first problem found, for the failure message.

  void note(const std::string& what) {
    if (problem.empty()) problem = what;
  }
};

bool is_item_change(std::uint8_t type) {
  return type >= static_cast<std::uint8_t>(EventType::stock_adjusted) &&
         type <= static_cast<std::uint8_t>(EventType::reservation_expired);
}

bool is_transition(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(EventType::low_stock) ||
         type == static_cast<std::uint8_t>(EventType::out_of_stock) ||
         type == static_cast<std::uint8_t>(EventType::back_in_stock) ||
         type == static_cast<std::uint8_t>(EventType::unusual_adjustment);
}

FeedCheck check_feed_log(const std::vector<FeedRecord>& log, std::uint64_t head) {
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  FeedCheck c;
  c.head = head;
  REQUIRE(log.size() < kNone);
  c.first.assign(head + 1, kNone);
  std::uint64_t max_seen = 0;        // Highest sequence delivered so far.
  std::uint64_t before_restart = 0;  // max_seen at the latest restart marker.
  std::uint64_t lifetime_last = 0;   // Last sequence delivered since the latest marker.
  std::uint64_t lifetime_duplicates = 0;
  auto end_lifetime = [&] {
    c.max_duplicates = std::max(c.max_duplicates, lifetime_duplicates);
    if (lifetime_duplicates > 0) ++c.redelivering_restarts;
    lifetime_duplicates = 0;
  };
  for (std::size_t i = 0; i < log.size(); ++i) {
    const FeedRecord& r = log[i];
    if (r.sequence == 0) {
      end_lifetime();
      ++c.restarts;
      before_restart = max_seen;
      lifetime_last = 0;
      continue;
    }
    ++c.delivered;
    const std::uint64_t s = r.sequence;
    if (s <= lifetime_last) {
      ++c.out_of_order;
      c.note("sequence " + std::to_string(s) + " delivered after " + std::to_string(lifetime_last) +
             " in the same lifetime (log record " + std::to_string(i) + ")");
    }
    lifetime_last = std::max(lifetime_last, s);
    if (s > head) {
      ++c.beyond_head;
      c.note("sequence " + std::to_string(s) + " delivered but the head is " +
             std::to_string(head));
      continue;
    }
    if (c.first[s] == kNone) {
      c.first[s] = static_cast<std::uint32_t>(i);
      max_seen = std::max(max_seen, s);
      continue;
    }
    // Delivered before: a redelivery, which must lie behind the restart it follows.
    if (s <= before_restart) {
      ++c.duplicates;
      ++lifetime_duplicates;
    }
    if (!log[c.first[s]].same_event(r)) {
      ++c.changed_redeliveries;
      c.note("sequence " + std::to_string(s) + " redelivered with other content");
    }
  }
  end_lifetime();
  for (std::uint64_t s = 1; s <= head; ++s) {
    if (c.first[s] != kNone) continue;
    ++c.lost;
    c.note("sequence " + std::to_string(s) + " was never delivered");
  }
  // Per item, in first-delivery order (the order the consumer saw them).
  struct ItemState {
    std::uint64_t version;
    std::int64_t on_hand, reserved;
  };
  std::map<std::uint64_t, ItemState> items;
  std::vector<std::uint32_t> order;
  order.reserve(head);
  for (std::uint64_t s = 1; s <= head; ++s) {
    if (c.first[s] != kNone) order.push_back(c.first[s]);
  }
  std::sort(order.begin(), order.end());
  for (std::uint32_t i : order) {
    const FeedRecord& r = log[i];
    if (r.item == 0) continue;
    auto it = items.find(r.item);
    if (is_item_change(r.type)) {
      if (it != items.end()) {
        const ItemState& last = it->second;
        if (r.version <= last.version || r.before_on_hand != last.on_hand ||
            r.before_reserved != last.reserved) {
          ++c.reordered;
          c.note("item " + std::to_string(r.item) + ": sequence " + std::to_string(r.sequence) +
                 " has version " + std::to_string(r.version) + " before " +
                 std::to_string(r.before_on_hand) + "/" + std::to_string(r.before_reserved) +
                 ", the item's previous event left version " + std::to_string(last.version) +
                 " at " + std::to_string(last.on_hand) + "/" + std::to_string(last.reserved));
        }
      }
      items[r.item] = ItemState{r.version, r.after_on_hand, r.after_reserved};
    } else if (is_transition(r.type) && it != items.end() && r.version != it->second.version) {
      ++c.reordered;
      c.note("item " + std::to_string(r.item) + ": transition at sequence " +
             std::to_string(r.sequence) + " has version " + std::to_string(r.version) +
             ", its change has " + std::to_string(it->second.version));
    }
  }
  return c;
}

struct FeedRun {
  std::uint64_t seed = 0;
  std::uint64_t kills = 0;
  FeedCheck check;
  std::uint64_t compared = 0;    // Events read back with changes_since ...
  std::uint64_t mismatched = 0;  // ... that differ from the log.
  std::uint64_t trimmed = 0;     // Events before the first one the journal still holds.
  std::uint64_t torn = 0;        // Kills that cut a log write in the middle of a record.
  double seconds = 0;
  double final_seconds = 0;  // The parent's catch-up and checks.
};

// Kills the feed child at random moments until `cycles` kills and `events` events, then catches
// up with the same cursor and checks everything.
FeedRun run_feed_kill(std::uint64_t seed, std::uint64_t cycles, std::uint64_t events,
                      bool cursor_before_write) {
  const auto started = std::chrono::steady_clock::now();
  FeedRun run;
  run.seed = seed;
  std::mt19937_64 rng(seed);
  testing::TempDir dir("feed-kill");
  const std::string data = dir.sub("data");
  const std::string log_path = dir.sub("feed.log");
  {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    ::close(fd);
  }
  LogReader reader(log_path);
  std::vector<FeedRecord> log;
  std::uint64_t max_sequence = 0;
  // Pace the writers so that the kills wanted make the events wanted with some margin: a child
  // runs 225 ms on average and an operation makes about 1.4 events. The log then stays a size
  // the parent can hold (64 bytes per delivery).
  const std::uint64_t rate =
      cycles == 0 ? 0 : std::max<std::uint64_t>(20'000, events * 1000 / (cycles * 200));
  const std::uint64_t cycle_cap = std::max<std::uint64_t>(cycles * 20, 1000);
  for (std::uint64_t cycle = 0; cycle < cycles || max_sequence < events; ++cycle) {
    REQUIRE_MESSAGE(cycle < cycle_cap,
                    "only " << max_sequence << " events after " << cycle << " kills");
    FeedChild child = spawn_feed_child(data, rng(), log_path, cycle, rate, cursor_before_write);
    std::string output;
    const bool ready = wait_ready(child.out, &output);
    if (ready) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    }
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    ::close(child.out);
    REQUIRE_MESSAGE(ready, "cycle " << cycle << ": the child never subscribed: " << output);
    REQUIRE_MESSAGE(
        (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
        "cycle " << cycle << ": the child ended on its own (status " << status << "): " << output);
    ++run.kills;
    const std::size_t before = log.size();
    reader.read_new(&log);
    for (std::size_t i = before; i < log.size(); ++i) {
      max_sequence = std::max(max_sequence, log[i].sequence);
    }
  }
  const auto final_started = std::chrono::steady_clock::now();

  // Catch up with the same cursor in this process, then read everything back.
  auto engine = Engine::open(testing::feed_kill_options(), data);
  REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
  auto head_page = (*engine)->changes_since(std::numeric_limits<std::uint64_t>::max(), 1);
  REQUIRE(head_page.ok());
  const std::uint64_t head = head_page->head;
  {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const FeedRecord marker = FeedRecord::marker(run.kills);
    testing::feed_write_all(fd, &marker, sizeof(marker));
    auto observer =
        std::make_shared<testing::FeedLogObserver>(fd, false, std::chrono::microseconds(0));
    auto subscription = (*engine)->subscribe(
        observer,
        {.after = 0, .cursor = testing::kFeedCursor, .max_batch = testing::kFeedMaxBatch});
    REQUIRE_MESSAGE(subscription.ok(), subscription.status().to_string());
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while ((*subscription)->cursor() < head && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE_MESSAGE((*subscription)->cursor() >= head,
                    "the cursor stopped at " << (*subscription)->cursor() << " of " << head);
    (*subscription)->cancel();
    CHECK(observer->gaps() == 0);
    ::close(fd);
  }
  reader.read_new(&log);
  run.torn = reader.torn();
  run.check = check_feed_log(log, head);

  // The feed's polling form must return the same events (for the log the journal still holds).
  std::uint64_t after = 0;
  while (after < head) {
    auto page = (*engine)->changes_since(after, 1000);
    REQUIRE_MESSAGE(page.ok(), page.status().to_string());
    if (page->trimmed_through != 0) {
      run.trimmed += page->trimmed_through - after;
      after = page->trimmed_through;
      continue;
    }
    for (const Event& e : page->events) {
      const std::uint32_t first = e.sequence <= head ? run.check.first[e.sequence]
                                                     : std::numeric_limits<std::uint32_t>::max();
      ++run.compared;
      if (first == std::numeric_limits<std::uint32_t>::max() ||
          !log[first].same_event(FeedRecord::of(e))) {
        ++run.mismatched;
        run.check.note("changes_since differs from the delivered event at sequence " +
                       std::to_string(e.sequence));
      }
    }
    REQUIRE(page->next_after > after);
    after = page->next_after;
  }
  engine->reset();
  const auto done = std::chrono::steady_clock::now();
  run.seconds = std::chrono::duration<double>(done - started).count();
  run.final_seconds = std::chrono::duration<double>(done - final_started).count();
  return run;
}

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("feed kill -9: every durable event is delivered at least once, in order per item") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t cycles = testing::env_or("INVENTORY_FEED_KILL_CYCLES", 100);
    const std::uint64_t events = testing::env_or("INVENTORY_FEED_KILL_EVENTS", 1'000'000);
    const FeedRun run = run_feed_kill(seed, cycles, events, false);
    const FeedCheck& c = run.check;
    std::printf(
        "feed kill -9: seed %llu, %llu kills, %s events, %llu lost, %llu reordered per item, "
        "%llu duplicates (max %llu per restart), %.1f s\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run.kills),
        with_commas(c.head).c_str(), static_cast<unsigned long long>(c.lost),
        static_cast<unsigned long long>(c.reordered), static_cast<unsigned long long>(c.duplicates),
        static_cast<unsigned long long>(c.max_duplicates), run.seconds);
    std::printf(
        "  %s deliveries, %llu restarts redelivered, %llu out of order within a lifetime, %llu "
        "past the head, %llu "
        "redelivered with other content; changes_since: %s compared, %llu differ, %s trimmed; "
        "%llu torn log records; final catch-up and checks %.1f s\n",
        with_commas(c.delivered).c_str(), static_cast<unsigned long long>(c.redelivering_restarts),
        static_cast<unsigned long long>(c.out_of_order),
        static_cast<unsigned long long>(c.beyond_head),
        static_cast<unsigned long long>(c.changed_redeliveries), with_commas(run.compared).c_str(),
        static_cast<unsigned long long>(run.mismatched), with_commas(run.trimmed).c_str(),
        static_cast<unsigned long long>(run.torn), run.final_seconds);
    INFO("seed " << seed << ": " << c.problem);
    CHECK(c.lost == 0);
    CHECK(c.reordered == 0);
    CHECK(c.out_of_order == 0);
    CHECK(c.beyond_head == 0);
    CHECK(c.changed_redeliveries == 0);
    CHECK(c.duplicates > 0);                            // Redelivery was exercised.
    CHECK(c.max_duplicates <= testing::kFeedMaxBatch);  // At most the unacknowledged batch.
    CHECK(run.mismatched == 0);
    CHECK(run.compared > 0);
  }

  TEST_CASE("the feed log checker finds lost, reordered, out-of-order and changed events") {
    // Item 7's events: versions 1..4, each `before` the previous `after`.
    auto event = [](std::uint64_t sequence, std::uint64_t version, std::int64_t on_hand) {
      FeedRecord r;
      r.sequence = sequence;
      r.item = 7;
      r.version = version;
      r.type = static_cast<std::uint8_t>(EventType::stock_adjusted);
      r.before_on_hand = on_hand - 1;
      r.after_on_hand = on_hand;
      return r;
    };
    const std::vector<FeedRecord> good = {FeedRecord::marker(0), event(1, 1, 1), event(2, 2, 2),
                                          FeedRecord::marker(1), event(2, 2, 2), event(3, 3, 3),
                                          event(4, 4, 4)};
    const FeedCheck ok = check_feed_log(good, 4);
    CHECK(ok.problem == "");
    CHECK(ok.duplicates == 1);
    CHECK(ok.max_duplicates == 1);
    CHECK(ok.restarts == 2);

    std::vector<FeedRecord> lost = good;
    lost.erase(lost.begin() + 5);  // Sequence 3.
    const FeedCheck c1 = check_feed_log(lost, 4);
    CHECK(c1.lost == 1);
    CHECK(c1.reordered == 1);  // 4's before is not 2's after.

    std::vector<FeedRecord> swapped = good;
    std::swap(swapped[5].version, swapped[6].version);  // 3 carries version 4, 4 carries 3.
    CHECK(check_feed_log(swapped, 4).reordered == 1);

    std::vector<FeedRecord> repeated = good;
    repeated.insert(repeated.begin() + 6, event(2, 2, 2));  // Again, with no restart.
    const FeedCheck c2 = check_feed_log(repeated, 4);
    CHECK(c2.out_of_order == 1);
    CHECK(c2.duplicates == 2);  // Both redeliveries of 2 lie behind the restart.

    std::vector<FeedRecord> changed = good;
    changed[4].version = 9;  // The redelivery differs from the first delivery.
    CHECK(check_feed_log(changed, 4).changed_redeliveries == 1);

    CHECK(check_feed_log(good, 3).beyond_head == 1);
    CHECK(check_feed_log(good, 5).lost == 1);
  }

  TEST_CASE("the feed kill test fails when the cursor is stored before the events are written") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const FeedRun run = run_feed_kill(seed, 5, 0, true);
    const FeedCheck& c = run.check;
    std::printf(
        "feed kill -9 with the cursor stored before the write: seed %llu, %llu kills, "
        "%s events, %llu lost (must be > 0)\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run.kills),
        with_commas(c.head).c_str(), static_cast<unsigned long long>(c.lost));
    CHECK(c.lost > 0);
  }
}

}  // namespace inventory
