// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Journal: the durable log of every change, on RocksDB. The only code that includes RocksDB is
// under src/journal/.
//
// Writing (group commit without a global lock)
//   A mutation runs inside a Session, which holds the calling thread's own ThreadLog mutex (no
//   other thread takes it, except the logger for a moment to drain it and a checkpoint to wait
//   for the operation to end). The operation applies its change to the core, then appends its
//   encoded record to its ThreadLog. One logger thread drains every ThreadLog, orders the
//   records the way they took effect (each record names the version it replaced on every item,
//   reservation and the catalog; a record is written only after the one that installed that
//   version), numbers them with gap-free sequences, writes them as one RocksDB value in one
//   WriteBatch, syncs, records the high-water mark, and then acknowledges them all at once:
//   blocking callers wake up, completion callbacks run. While one group syncs, the next fills.
//
// Durability (per record): sync acknowledges after the group's fsync and high-water mark;
//   buffered acknowledges at once and is made durable within flush_interval.
//
// Checkpoints bound recovery: the logger is asked to flush everything, new operations wait at a
//   gate while the in-flight ones finish, the state is copied, and the gate opens; the copy is
//   then written in chunks. The log behind the previous checkpoint (and the retention floor) is
//   trimmed.
//
// Recovery (open): load the newest readable checkpoint, replay the log after it (checking
//   checksums, the sequence and every version), and compare the end with the high-water mark:
//   ending below it means acknowledged changes are gone, which is corruption, never a silent
//   truncation.
//
// Failure: a failed write or sync puts the journal in the failed state for good: pending and
//   later calls get io_error, nothing unsynced is acknowledged, and the engine turns read-only.
//
// Thread safety: safe for concurrent use.

#ifndef INVENTORY_JOURNAL_JOURNAL_H_
#define INVENTORY_JOURNAL_JOURNAL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inventory/options.h"
#include "inventory/status.h"

#include "core/changes.h"
#include "journal/record_format.h"

namespace rocksdb {
class FileSystem;
}

namespace inventory::journal {

class Journal;
struct ThreadLog;

// What the journal needs from the engine's state.
class StateHooks {
 public:
  virtual ~StateHooks() = default;
  // Replaces the (empty) state with a checkpoint body written by snapshot().
  virtual Status restore(std::string_view body) = 0;
  // Applies one replayed record. Errors: corruption (naming what does not match).
  virtual Status apply(const Record& record) = 0;
  // Called at the end of recovery: rebuild free lists, check the invariants.
  virtual Status finish_recovery() = 0;
  // Encodes the whole state. Called with no operation running.
  virtual void snapshot(std::string* body) = 0;
  // The current versions, to seed the logger's ordering (after recovery).
  virtual std::uint64_t item_version(std::uint32_t index) const = 0;
  virtual std::uint64_t reservation_version(std::uint32_t index) const = 0;
  virtual std::uint64_t catalog_version() const = 0;
};

// A group commit, written and synced: what the change feed gets, in sequence order.
struct DurableGroup {
  std::uint64_t first = 0;  // Sequence of its first event ...
  std::uint64_t last = 0;   // ... and of its last.
  std::string bytes;        // The group as stored (see record_format.h).
};

struct JournalOptions {
  std::string path;
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;  // Engine::verify(): recover and check, write nothing.
  std::chrono::milliseconds flush_interval{10};
  // A checkpoint is taken after this many records (0: never, except at close).
  std::uint64_t checkpoint_records = 1'000'000;
  std::chrono::milliseconds checkpoint_interval{std::chrono::minutes(5)};
  std::uint32_t items_max = 0;
  std::uint32_t reservations_max = 0;
  std::uint32_t lines_max = 1000;
  // Test seam: the file system RocksDB and the high-water mark file go through.
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // Called on a background failure (the journal turned read-only).
  std::function<void(const Status&)> on_background_error;
  // The lowest sequence that must stay in the log (the change feed's slowest durable cursor,
  // once it exists). Default: none, the log is kept only since the previous checkpoint.
  std::function<std::uint64_t()> retention_floor;
  // Called on the logger thread with each group once it is synced, in order. Keep it short.
  std::function<void(std::shared_ptr<DurableGroup>)> on_durable_group;
  // Called on the logger thread with the duration of each synced group write.
  std::function<void(std::chrono::nanoseconds)> on_sync_latency;
};

struct Ticket {
  ThreadLog* log = nullptr;
  std::uint64_t number = 0;  // 0: nothing to wait for.
};

struct RecoveryStats {
  std::uint64_t checkpoint_sequence = 0;
  std::uint64_t records_replayed = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t high_water_mark = 0;
  bool used_previous_checkpoint = false;
  ChainHash chain_head{};  // Hash of the last group (tamper evidence).
  double seconds = 0;
};

class Journal {
 public:
  // Opens (creating if allowed) and recovers into `hooks`, then starts the logger.
  static Result<std::unique_ptr<Journal>> open(const JournalOptions& options, StateHooks* hooks,
                                               RecoveryStats* stats);
  ~Journal();  // Flushes, takes a final checkpoint (unless failed), stops the threads.
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Holds the calling thread's log for one operation; waits while a checkpoint holds the gate.
  class Session {
   public:
    explicit Session(Journal& journal);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    // Appends the operation's record (when `changes` or `idempotency` is non-empty). With
    // `sync`, the returned ticket is acknowledged after the fsync; otherwise at once (and
    // `completion`, if any, runs before append returns).
    Ticket append(const Audit& audit, const core::Changes& changes,
                  const IdempotencyEntry* idempotency, bool sync, WriteCallback* completion);

   private:
    Journal& journal_;
    ThreadLog* log_;
  };

  // Blocks until the ticket is acknowledged. Errors: io_error.
  Status wait(const Ticket& ticket);
  // ok, or the io_error that made the journal fail.
  Status health() const;
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // Takes a checkpoint now (tests, benchmarks). Errors: io_error.
  Status checkpoint();
  // Flushes and syncs everything appended so far. Errors: io_error.
  Status sync();
  std::uint64_t last_sequence() const noexcept {
    return last_sequence_.load(std::memory_order_acquire);
  }
  // The last sequence synced and handed to on_durable_group (after recovery: the last
  // recovered one).
  std::uint64_t durable_sequence() const noexcept {
    return durable_sequence_.load(std::memory_order_acquire);
  }

  // Reads the group holding `sequence` into *group (bytes empty when there is none: past the
  // end, or trimmed). *first_available: the first sequence still in the log. group->last is
  // exact except for the newest group, where it is last_sequence() read after the group (an
  // upper bound; decode the group for the exact end). Safe concurrently with writers; callers
  // stop at durable_sequence(). Errors: corruption, io_error.
  Status read_group(std::uint64_t sequence, DurableGroup* group,
                    std::uint64_t* first_available) const;
  // Durable cursors of the change feed: stored in the journal (written without waiting for a
  // sync; a cursor that goes back after a power loss only means redelivery). Errors: io_error.
  Status put_cursor(std::string_view name, std::uint64_t sequence);
  // Removes a stored cursor (absent: ok). Errors: io_error.
  Status delete_cursor(std::string_view name);
  std::vector<std::pair<std::string, std::uint64_t>> cursors() const;

  // Test seam: acknowledge sync records before their fsync. Makes the power-loss test fail;
  // CI runs it to prove the test can see a lost acknowledged write.
  static void set_ack_before_sync_for_testing(bool on);

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  ThreadLog* thread_log();

  std::unique_ptr<Impl> impl_;
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> last_sequence_{0};
  std::atomic<std::uint64_t> durable_sequence_{0};
  friend class Session;
};

// Reads a closed database without changing it: recovers into `hooks` and checks. The report
// says what was found. Errors: corruption (with the sequence), io_error, not_found.
Status verify(const JournalOptions& options, StateHooks* hooks, RecoveryStats* stats);

}  // namespace inventory::journal

#endif  // INVENTORY_JOURNAL_JOURNAL_H_
