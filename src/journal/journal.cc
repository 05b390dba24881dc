// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "journal/journal.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <unordered_map>

#include <boost/container/small_vector.hpp>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "core/spin_wait.h"
#include "util/assert.h"
#include "util/crc32c.h"

namespace inventory::journal {

namespace {

std::atomic<bool> g_ack_before_sync{false};
// Set in ThreadLog::durable when the journal fails; the low bits keep the last acknowledged
// ticket.
constexpr std::uint64_t kFailedBit = std::uint64_t{1} << 63;
std::atomic<std::uint64_t> g_next_journal_id{1};

constexpr char kFormatKey[] = "format";
constexpr char kCurrentKey[] = "checkpoint.current";
constexpr char kPreviousKey[] = "checkpoint.previous";
constexpr std::uint32_t kJournalFormat = 2;  // 2: records carry their event span.
constexpr std::size_t kCheckpointChunk = 1 << 20;
constexpr char kHwmFile[] = "JOURNAL_HWM";
constexpr std::uint32_t kHwmMagic = 0x484d5731;  // "1WMH"
constexpr std::uint64_t kHwmRotateBytes = 1 << 20;

Status io_error(std::string_view what, const rocksdb::Status& s) {
  return Status(StatusCode::io_error, std::string(what) + ": " + s.ToString(), "journal");
}
Status io_error(std::string_view what, const rocksdb::IOStatus& s) {
  return Status(StatusCode::io_error, std::string(what) + ": " + s.ToString(), "journal");
}
Status corruption(std::string message) {
  return Status(StatusCode::corruption, std::move(message), "journal");
}
// A failed read: damage RocksDB detected (a block or file checksum) is corruption, the rest
// is an I/O error.
Status read_error(std::string_view what, const rocksdb::Status& s) {
  if (s.IsCorruption()) return corruption(std::string(what) + ": RocksDB reports " + s.ToString());
  return io_error(what, s);
}

std::string checkpoint_key(std::uint64_t sequence, std::uint32_t chunk) {
  std::string key = "ckpt" + sequence_key(sequence);
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>(chunk >> (8 * i)));
  return key;
}

// The value of checkpoint.current/previous: which checkpoint, how many chunks, and the CRC of
// the whole body, so a checkpoint is used only if every chunk of it is there and intact.
struct CheckpointPointer {
  std::uint64_t sequence = 0;
  std::uint32_t chunks = 0;
  std::uint32_t body_crc = 0;
  std::uint64_t body_size = 0;

  std::string encode() const {
    std::string out;
    coding::Writer w(&out);
    w.fixed64(sequence);
    w.fixed32(chunks);
    w.fixed32(body_crc);
    w.fixed64(body_size);
    w.fixed32(crc32c::masked(crc32c::value(out.data(), out.size())));
    return out;
  }
  static bool decode(std::string_view in, CheckpointPointer* p) {
    if (in.size() != 28) return false;
    coding::Reader r(in);
    p->sequence = r.fixed64();
    p->chunks = r.fixed32();
    p->body_crc = r.fixed32();
    p->body_size = r.fixed64();
    const std::uint32_t crc = crc32c::unmasked(r.fixed32());
    return r.ok() && crc == crc32c::value(in.data(), 24);
  }
};

// What one record depends on and installs: (kind, index) -> version before and after.
struct Dep {
  enum Kind : std::uint8_t { item = 0, reservation = 1, catalog = 2 };
  Kind kind;
  std::uint32_t index;
  std::uint64_t before;
  std::uint64_t after;
};
using Deps = boost::container::small_vector<Dep, 4>;

void add_dep(Deps& deps, Dep::Kind kind, std::uint32_t index, std::uint64_t before,
             std::uint64_t after) {
  for (Dep& d : deps) {
    if (d.kind == kind && d.index == index) {
      d.after = after;  // A later change of the same key within the record.
      return;
    }
  }
  deps.push_back(Dep{kind, index, before, after});
}

Deps deps_of(const core::Changes& changes) {
  Deps deps;
  for (const core::ItemChange& c : changes.items) {
    add_dep(deps, Dep::item, c.index, c.before.version, c.after.version);
  }
  for (const core::ReservationChange& c : changes.reservations) {
    add_dep(deps, Dep::reservation, c.index, c.version_before, c.version_after);
  }
  for (const core::CatalogChange& c : changes.catalog) {
    add_dep(deps, Dep::catalog, 0, c.catalog_version_before, c.catalog_version_after);
  }
  return deps;
}

}  // namespace

// ---- ThreadLog ----

struct PendingRecord {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::uint64_t ticket = 0;
  std::uint32_t span = 1;
  bool sync = false;
  WriteCallback* completion = nullptr;
  Deps deps;
};

struct ThreadLog {
  // Held by the owning thread for a whole operation (Session); by the logger only to drain.
  std::mutex mutex;
  std::string bytes;                       // GUARDED_BY(mutex): appended records, back to back.
  std::vector<PendingRecord> records;      // GUARDED_BY(mutex)
  std::uint64_t next_ticket = 1;           // GUARDED_BY(mutex)
  std::atomic<std::uint64_t> appended{0};  // Tickets appended (seq_cst: pairs with idle_).
  std::atomic<std::uint64_t> durable{0};   // Highest ticket acknowledged.
  std::atomic<std::uint32_t> waiters{0};
  std::atomic<bool> owned{true};  // False once the owning thread has exited.

  // Logger only: drained records not yet written.
  std::string pending_bytes;
  std::vector<PendingRecord> pending;
  std::size_t pending_next = 0;
  std::uint64_t drained = 0;  // Tickets drained.
};

namespace {

// The calling thread's ThreadLog of each journal it has used (journal ids are never reused).
struct ThreadLogs {
  std::vector<std::pair<std::uint64_t, std::shared_ptr<ThreadLog>>> logs;
  ~ThreadLogs() {
    for (auto& [id, log] : logs) log->owned.store(false, std::memory_order_release);
  }
};
thread_local ThreadLogs t_logs;

// The high-water mark: the highest sequence ever acknowledged after an fsync, appended as
// 16-byte entries (sequence, magic, CRC) to a file that goes through the same FileSystem as
// RocksDB, and synced before the acknowledgement. Recovery takes the last intact entry.
class HighWaterMark {
 public:
  HighWaterMark(std::shared_ptr<rocksdb::FileSystem> fs, std::string dir)
      : fs_(std::move(fs)), dir_(std::move(dir)), path_(dir_ + "/" + kHwmFile) {}

  // The recorded mark (0 when the file does not exist).
  Result<std::uint64_t> read() {
    rocksdb::IOOptions io;
    if (!fs_->FileExists(path_, io, nullptr).ok()) return std::uint64_t{0};
    std::unique_ptr<rocksdb::FSSequentialFile> file;
    rocksdb::IOStatus s = fs_->NewSequentialFile(path_, rocksdb::FileOptions(), &file, nullptr);
    if (!s.ok()) return io_error("open high-water mark", s);
    std::uint64_t mark = 0;
    char buffer[16];
    for (;;) {
      rocksdb::Slice got;
      s = file->Read(sizeof(buffer), io, &got, buffer, nullptr);
      if (!s.ok()) return io_error("read high-water mark", s);
      if (got.size() < 16) break;  // End, or a torn last entry.
      coding::Reader r(std::string_view(got.data(), 16));
      const std::uint64_t sequence = r.fixed64();
      const std::uint32_t magic = r.fixed32();
      const std::uint32_t crc = crc32c::unmasked(r.fixed32());
      if (magic != kHwmMagic || crc != crc32c::value(got.data(), 12)) break;
      mark = std::max(mark, sequence);
    }
    return mark;
  }

  Status write(std::uint64_t sequence) {
    if (file_ == nullptr || size_ >= kHwmRotateBytes) INVENTORY_RETURN_IF_ERROR(rotate(sequence));
    const std::string entry = encode(sequence);
    rocksdb::IOOptions io;
    rocksdb::IOStatus s = file_->Append(entry, io, nullptr);
    if (s.ok()) s = file_->Sync(io, nullptr);
    if (!s.ok()) return io_error("write high-water mark", s);
    size_ += entry.size();
    return Status();
  }

  void close() {
    if (file_ != nullptr) file_->Close(rocksdb::IOOptions(), nullptr).PermitUncheckedError();
    file_.reset();
  }

 private:
  static std::string encode(std::uint64_t sequence) {
    std::string entry;
    coding::Writer w(&entry);
    w.fixed64(sequence);
    w.fixed32(kHwmMagic);
    w.fixed32(crc32c::masked(crc32c::value(entry.data(), 12)));
    return entry;
  }

  // Starts a fresh file holding `sequence`, atomically replacing the old one.
  Status rotate(std::uint64_t sequence) {
    close();
    rocksdb::IOOptions io;
    const std::string tmp = path_ + ".tmp";
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = fs_->NewWritableFile(tmp, rocksdb::FileOptions(), &file, nullptr);
    if (s.ok()) s = file->Append(encode(sequence), io, nullptr);
    if (s.ok()) s = file->Sync(io, nullptr);
    if (s.ok()) s = file->Close(io, nullptr);
    if (s.ok()) s = fs_->RenameFile(tmp, path_, io, nullptr);
    std::unique_ptr<rocksdb::FSDirectory> dir;
    if (s.ok()) s = fs_->NewDirectory(dir_, io, &dir, nullptr);
    if (s.ok()) s = dir->Fsync(io, nullptr);
    if (s.ok()) s = fs_->ReopenWritableFile(path_, rocksdb::FileOptions(), &file_, nullptr);
    if (!s.ok()) {
      file_.reset();
      return io_error("rotate high-water mark", s);
    }
    size_ = 16;
    return Status();
  }

  std::shared_ptr<rocksdb::FileSystem> fs_;
  std::string dir_;
  std::string path_;
  std::unique_ptr<rocksdb::FSWritableFile> file_;
  std::uint64_t size_ = 0;
};

}  // namespace

// ---- Impl ----

struct Journal::Impl {
  JournalOptions options;
  StateHooks* hooks = nullptr;
  Journal* self = nullptr;
  const std::uint64_t id = g_next_journal_id.fetch_add(1);

  std::unique_ptr<rocksdb::Env> env;
  std::shared_ptr<rocksdb::FileSystem> fs;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, log, checkpoint
  rocksdb::ColumnFamilyHandle* log_cf = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoint_cf = nullptr;
  std::unique_ptr<HighWaterMark> hwm;

  // Registry of thread logs.
  std::mutex registry_mutex;
  std::vector<std::shared_ptr<ThreadLog>> logs;         // GUARDED_BY(registry_mutex)
  std::atomic<std::uint64_t> logs_version{0};           // Bumps when a log is added.
  std::vector<std::shared_ptr<ThreadLog>> cached_logs;  // Logger's copy of `logs`.
  std::uint64_t cached_version = ~std::uint64_t{0};

  // Checkpoint gate: sessions wait while it is set.
  std::atomic<bool> gate{false};
  std::mutex gate_mutex;
  std::condition_variable gate_open;

  // Logger.
  std::thread logger;
  std::mutex logger_mutex;
  std::condition_variable logger_wake;
  std::atomic<bool> idle{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> checkpoint_requested{false};
  std::atomic<std::uint64_t> sync_requested{0};  // Generation of sync() requests.
  std::atomic<std::uint64_t> sync_completed{0};
  std::condition_variable sync_done;  // With logger_mutex.
  Status failure;                     // GUARDED_BY(logger_mutex)

  // Logger-only state.
  std::uint64_t next_sequence = 1;
  ChainHash chain{};  // Hash of the last group written.
  std::vector<std::uint64_t> item_versions;
  std::vector<std::uint64_t> reservation_versions;
  std::uint64_t catalog_version = 0;
  bool unsynced = false;  // Written without sync since the last sync.
  std::vector<std::shared_ptr<DurableGroup>> unpublished;  // Written, not yet synced.
  std::chrono::steady_clock::time_point last_sync = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_checkpoint = std::chrono::steady_clock::now();
  std::uint64_t records_since_checkpoint = 0;
  std::uint64_t checkpoint_sequence = 0;  // Sequence of the current checkpoint.
  std::uint64_t previous_checkpoint_sequence = 0;

  Status open_db(bool create);
  Status recover(RecoveryStats* stats);
  Status load_checkpoint(const CheckpointPointer& pointer, std::string* body);
  // verify(): recomputes the hash chain over the whole retained log.
  Status verify_chain() const;
  void run_logger();
  bool drain_all();
  Status write_round(bool force_sync, bool* wrote);
  Status take_checkpoint();
  void fail(const Status& status);
  // Hands the groups written so far (now synced) to the change feed, in order.
  void publish() {
    if (unpublished.empty()) return;
    const std::uint64_t last = unpublished.back()->last;
    if (options.on_durable_group) {
      for (auto& g : unpublished) options.on_durable_group(std::move(g));
    }
    unpublished.clear();
    self->durable_sequence_.store(last, std::memory_order_release);
  }
  uint64_t dep_state(const Dep& d) const {
    switch (d.kind) {
      case Dep::item:
        return item_versions[d.index];
      case Dep::reservation:
        return reservation_versions[d.index];
      default:
        return catalog_version;
    }
  }
  void set_dep_state(const Dep& d) {
    switch (d.kind) {
      case Dep::item:
        item_versions[d.index] = d.after;
        break;
      case Dep::reservation:
        reservation_versions[d.index] = d.after;
        break;
      default:
        catalog_version = d.after;
        break;
    }
  }
  std::vector<std::shared_ptr<ThreadLog>> snapshot_logs() {
    std::lock_guard lock(registry_mutex);
    return logs;
  }
  // The logger's view of the registry, refreshed only when a log was added.
  const std::vector<std::shared_ptr<ThreadLog>>& logger_logs() {
    const std::uint64_t version = logs_version.load(std::memory_order_acquire);
    if (version != cached_version) {
      cached_logs = snapshot_logs();
      cached_version = version;
    }
    return cached_logs;
  }
  void close_db() {
    for (auto* h : handles) {
      if (db != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    handles.clear();
    if (db != nullptr) db->Close().PermitUncheckedError();
    db.reset();
    if (hwm != nullptr) hwm->close();
  }
};

Status Journal::Impl::open_db(bool create) {
  fs = options.file_system != nullptr ? options.file_system : rocksdb::FileSystem::Default();
  env = rocksdb::NewCompositeEnv(fs);
  rocksdb::DBOptions db_options;
  db_options.env = env.get();
  db_options.create_if_missing = create;
  db_options.create_missing_column_families = create;
  db_options.error_if_exists = options.error_if_exists;
  db_options.paranoid_checks = true;
  // A torn or damaged WAL tail is cut at the last intact record; whether that loses an
  // acknowledged change is then decided by comparing with the high-water mark (recover()).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.max_background_jobs = 2;
  db_options.max_total_wal_size = 256ull << 20;
  db_options.avoid_flush_during_shutdown = false;
  rocksdb::ColumnFamilyOptions log_options;
  log_options.write_buffer_size = 64ull << 20;
  log_options.compression = rocksdb::kNoCompression;
  rocksdb::ColumnFamilyOptions checkpoint_options;
  checkpoint_options.write_buffer_size = 32ull << 20;
  checkpoint_options.compression = rocksdb::kNoCompression;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"log", log_options},
      {"checkpoint", checkpoint_options}};
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  if (!s.ok()) {
    if (s.IsCorruption()) return corruption("journal: RocksDB reports " + s.ToString());
    if (s.IsInvalidArgument() && !create) {
      return Status(StatusCode::not_found, "no journal at " + options.path + ": " + s.ToString(),
                    "path");
    }
    if (s.IsInvalidArgument() && options.error_if_exists) {
      return Status(StatusCode::already_exists, s.ToString(), "path");
    }
    return io_error("open journal", s);
  }
  db.reset(raw);
  log_cf = handles[1];
  checkpoint_cf = handles[2];
  hwm = std::make_unique<HighWaterMark>(fs, options.path);
  return Status();
}

Status Journal::Impl::load_checkpoint(const CheckpointPointer& pointer, std::string* body) {
  body->clear();
  for (std::uint32_t chunk = 0; chunk < pointer.chunks; ++chunk) {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), checkpoint_cf,
                                checkpoint_key(pointer.sequence, chunk), &value);
    if (s.IsNotFound()) {
      return corruption("checkpoint at sequence " + std::to_string(pointer.sequence) + ": chunk " +
                        std::to_string(chunk) + " is missing");
    }
    if (!s.ok()) {
      return read_error("checkpoint at sequence " + std::to_string(pointer.sequence), s);
    }
    if (value.size() < 5 ||
        crc32c::unmasked(coding::Reader(value).fixed32()) !=
            crc32c::value(value.data() + 4, value.size() - 4) ||
        static_cast<std::uint8_t>(value[4]) != kCheckpointFormat) {
      return corruption("checkpoint at sequence " + std::to_string(pointer.sequence) + ": chunk " +
                        std::to_string(chunk) + " is damaged");
    }
    body->append(value, 5, std::string::npos);
  }
  if (body->size() != pointer.body_size ||
      crc32c::value(body->data(), body->size()) != pointer.body_crc) {
    return corruption("checkpoint at sequence " + std::to_string(pointer.sequence) +
                      " does not match its checksum");
  }
  return Status();
}

Status Journal::Impl::verify_chain() const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log_cf));
  ChainHash previous{};
  std::uint64_t previous_first = 0;
  bool first = true;
  std::vector<std::string_view> records;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view group(it->value().data(), it->value().size());
    const std::uint64_t group_first =
        decode_sequence_key(std::string_view(it->key().data(), it->key().size()));
    GroupChain links;
    records.clear();
    Status split = split_group(group, &records, &links);
    if (!split.ok()) {
      return corruption("journal corrupt in the group at sequence " + std::to_string(group_first) +
                        ": " + std::string(split.message()));
    }
    if (group_hash(group) != links.hash) {
      return corruption("journal tampered: the group at sequence " + std::to_string(group_first) +
                        " (" + std::to_string(records.size()) +
                        " records) does not match its hash");
    }
    if (!first && links.prev != previous) {
      return corruption("journal tampered: the group at sequence " +
                        std::to_string(previous_first) +
                        " was changed or replaced (the group at sequence " +
                        std::to_string(group_first) + " links to another hash)");
    }
    previous = links.hash;
    previous_first = group_first;
    first = false;
  }
  if (!it->status().ok()) return read_error("read journal", it->status());
  return Status();
}

Status Journal::Impl::recover(RecoveryStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  std::string format;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  if (s.IsNotFound()) {
    if (options.read_only) return Status(StatusCode::not_found, "not a journal", "path");
    std::string value;
    coding::Writer(&value).fixed32(kJournalFormat);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, kFormatKey, value);
    if (!s.ok()) return io_error("write journal format", s);
  } else if (!s.ok()) {
    return read_error("read journal format", s);
  } else if (coding::Reader(format).fixed32() != kJournalFormat) {
    return corruption("journal format " + std::to_string(coding::Reader(format).fixed32()) +
                      " is not supported by this build");
  }

  // The newest readable checkpoint. The log is kept since the previous one, so a damaged
  // current checkpoint is survivable; two damaged ones are not.
  std::uint64_t from = 0;
  bool any_pointer = false;
  for (const char* key : {kCurrentKey, kPreviousKey}) {
    std::string value;
    s = db->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return read_error("read checkpoint pointer", s);
    any_pointer = true;
    CheckpointPointer pointer;
    if (!CheckpointPointer::decode(value, &pointer)) continue;
    std::string body;
    Status loaded = load_checkpoint(pointer, &body);
    if (loaded.code() == StatusCode::io_error) return loaded;
    if (!loaded.ok()) continue;
    INVENTORY_RETURN_IF_ERROR(hooks->restore(body));
    from = pointer.sequence;
    stats->checkpoint_sequence = pointer.sequence;
    stats->used_previous_checkpoint = std::strcmp(key, kPreviousKey) == 0;
    checkpoint_sequence = pointer.sequence;
    break;
  }
  if (any_pointer && stats->checkpoint_sequence == 0) {
    return corruption("journal: every checkpoint is damaged");
  }
  {
    std::string value;
    CheckpointPointer previous;
    if (db->Get(rocksdb::ReadOptions(), kPreviousKey, &value).ok() &&
        CheckpointPointer::decode(value, &previous) && !stats->used_previous_checkpoint) {
      previous_checkpoint_sequence = previous.sequence;
    }
  }

  // Replay the log after the checkpoint.
  DecodeLimits limits{options.items_max, options.reservations_max, options.lines_max};
  std::uint64_t expected = from + 1;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log_cf));
  it->SeekForPrev(sequence_key(from + 1));
  if (!it->Valid()) it->SeekToFirst();
  bool chained = false;  // The first group's predecessor is not read.
  for (; it->Valid(); it->Next()) {
    const std::uint64_t group_first =
        decode_sequence_key(std::string_view(it->key().data(), it->key().size()));
    GroupChain links;
    if (group_first > expected) {
      return corruption("journal gap: expected sequence " + std::to_string(expected) +
                        ", the next group starts at " + std::to_string(group_first));
    }
    Status decoded = decode_group(
        std::string_view(it->value().data(), it->value().size()), limits,
        [&](Record&& record) -> Status {
          if (record.last_sequence() < expected) return Status();  // In the checkpoint.
          if (record.sequence != expected) {
            return corruption("journal gap: expected sequence " + std::to_string(expected) +
                              ", found " + std::to_string(record.sequence));
          }
          Status applied = hooks->apply(record);
          if (!applied.ok()) {
            return corruption("journal corrupt at sequence " + std::to_string(expected) + ": " +
                              std::string(applied.message()));
          }
          expected += record.span;
          ++stats->records_replayed;
          return Status();
        },
        &links);
    if (decoded.ok() && chained && links.prev != chain) {
      return corruption("journal hash chain broken: the group at sequence " +
                        std::to_string(group_first) +
                        " does not follow the group before it (modified or removed)");
    }
    if (decoded.ok()) {
      chain = links.hash;
      chained = true;
    }
    if (!decoded.ok()) {
      if (decoded.message().find("journal corrupt at") == 0 ||
          decoded.message().find("journal gap") == 0) {
        return decoded;
      }
      return corruption("journal corrupt at sequence " + std::to_string(expected) + ": " +
                        std::string(decoded.message()));
    }
  }
  if (!it->status().ok()) {
    if (it->status().IsCorruption()) {
      return corruption("journal corrupt at sequence " + std::to_string(expected) + ": " +
                        it->status().ToString());
    }
    return io_error("read journal at sequence " + std::to_string(expected), it->status());
  }
  const std::uint64_t last = expected - 1;
  stats->chain_head = chain;
  if (options.read_only) INVENTORY_RETURN_IF_ERROR(verify_chain());
  Result<std::uint64_t> mark = hwm->read();
  if (!mark.ok()) return mark.status();
  stats->last_sequence = last;
  stats->high_water_mark = *mark;
  if (last < *mark) {
    return corruption("journal ends at sequence " + std::to_string(last) + " but sequence " +
                      std::to_string(*mark) +
                      " was acknowledged: acknowledged changes are missing (journal corrupt at "
                      "sequence " +
                      std::to_string(last + 1) + ")");
  }
  INVENTORY_RETURN_IF_ERROR(hooks->finish_recovery());
  next_sequence = last + 1;
  self->last_sequence_.store(last, std::memory_order_release);
  self->durable_sequence_.store(last, std::memory_order_release);
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status();
}

void Journal::Impl::fail(const Status& status) {
  {
    std::lock_guard lock(logger_mutex);
    if (!failure.ok()) return;
    failure = status;
  }
  self->failed_.store(true, std::memory_order_release);
  // Everything not yet acknowledged will never be: wake every waiter, fail every completion.
  for (const auto& log : snapshot_logs()) {
    std::vector<PendingRecord> orphans;
    {
      std::lock_guard lock(log->mutex);
      orphans = std::move(log->records);
      log->records.clear();
    }
    for (std::size_t i = log->pending_next; i < log->pending.size(); ++i) {
      orphans.push_back(log->pending[i]);
    }
    log->pending.clear();
    log->pending_next = 0;
    for (const PendingRecord& r : orphans) {
      if (r.sync && r.completion != nullptr) r.completion->on_durable(status);
    }
    // Change the value waiters wait on, so that none of them can miss this wake-up.
    log->durable.fetch_or(kFailedBit, std::memory_order_seq_cst);
    log->durable.notify_all();
  }
  sync_done.notify_all();
  if (options.on_background_error) options.on_background_error(status);
}

// Moves every thread's appended records into its pending queue. Returns whether any moved.
bool Journal::Impl::drain_all() {
  bool any = false;
  for (const auto& log : logger_logs()) {
    if (log->appended.load(std::memory_order_acquire) == log->drained) continue;
    std::lock_guard lock(log->mutex);
    if (log->records.empty()) continue;
    any = true;
    if (log->pending_next == log->pending.size()) {
      log->pending_bytes.swap(log->bytes);
      log->pending.swap(log->records);
      log->pending_next = 0;
      log->bytes.clear();
      log->records.clear();
    } else {
      const auto base = static_cast<std::uint32_t>(log->pending_bytes.size());
      log->pending_bytes.append(log->bytes);
      for (PendingRecord& r : log->records) {
        r.offset += base;
        log->pending.push_back(std::move(r));
      }
      log->bytes.clear();
      log->records.clear();
    }
    log->drained = log->pending.back().ticket;
  }
  return any;
}

// Writes every record that is ready (in the order the changes took effect) as one group.
Status Journal::Impl::write_round(bool force_sync, bool* wrote) {
  *wrote = false;
  struct Emitted {
    ThreadLog* log;
    std::uint64_t ticket;
    bool sync;
    WriteCallback* completion;
  };
  std::vector<Emitted> emitted;
  std::uint32_t count = 0;
  bool need_sync = force_sync;
  const auto& logs_now = logger_logs();
  // A round writes one or more groups of at most kGroupRecordsMax records (bounded values for
  // RocksDB, bounded decoding for the change feed), all in one WriteBatch and one sync.
  std::vector<std::shared_ptr<DurableGroup>> groups;
  std::string group;
  std::uint32_t in_group = 0;
  std::uint64_t group_first = next_sequence;
  ChainHash link = chain;
  auto close_group = [&] {
    if (in_group == 0) return;
    std::string header;
    begin_group(&header, in_group);
    const std::size_t skip = kGroupHeaderMax - header.size();
    std::memcpy(group.data() + skip, header.data(), header.size());
    group.erase(0, skip);
    seal_group(&group, link, &link);
    auto durable = std::make_shared<DurableGroup>();
    durable->first = group_first;
    durable->last = next_sequence - 1;
    durable->bytes = std::move(group);
    groups.push_back(std::move(durable));
    group.assign(kGroupHeaderMax, '\0');
    in_group = 0;
    group_first = next_sequence;
  };
  // Records go straight into the group; the header goes in front once the count is known (a
  // varint of at most 5 bytes, so room for the longest header is reserved and the unused part
  // skipped).
  group.assign(kGroupHeaderMax, '\0');
  for (bool progress = true; progress;) {
    progress = false;
    for (const auto& log : logs_now) {
      while (log->pending_next < log->pending.size()) {
        PendingRecord& r = log->pending[log->pending_next];
        bool ready = true;
        for (const Dep& d : r.deps) ready &= dep_state(d) == d.before;
        if (!ready) break;  // Its predecessor is still on its way; later ones of this thread wait.
        for (const Dep& d : r.deps) set_dep_state(d);
        coding::Writer(&group).varint(r.length);
        const std::size_t offset = group.size();
        group.append(log->pending_bytes, r.offset, r.length);
        seal_record(&group, offset, r.length, next_sequence);
        next_sequence += r.span;
        emitted.push_back({log.get(), r.ticket, r.sync, r.completion});
        need_sync |= r.sync;
        ++count;
        if (++in_group == kGroupRecordsMax) close_group();
        ++log->pending_next;
        progress = true;
      }
      if (log->pending_next == log->pending.size() && !log->pending.empty()) {
        log->pending.clear();
        log->pending_bytes.clear();
        log->pending_next = 0;
      }
    }
  }
  close_group();
  if (count > 0) {
    rocksdb::WriteBatch batch;
    for (const auto& g : groups) batch.Put(log_cf, sequence_key(g->first), g->bytes);
    rocksdb::WriteOptions wo;
    wo.sync = need_sync && !g_ack_before_sync.load(std::memory_order_relaxed);
    if (g_ack_before_sync.load(std::memory_order_relaxed)) {
      // Test seam: acknowledge first, then write without waiting for the disk.
      for (const Emitted& e : emitted) {
        e.log->durable.store(e.ticket, std::memory_order_seq_cst);
        if (e.log->waiters.load(std::memory_order_seq_cst) > 0) e.log->durable.notify_all();
        if (e.sync && e.completion != nullptr) e.completion->on_durable(Status());
      }
    }
    const auto write_started = std::chrono::steady_clock::now();
    rocksdb::Status s = db->Write(wo, &batch);
    Status written = s.ok() ? Status() : io_error("write journal", s);
    if (written.ok() && wo.sync) written = hwm->write(next_sequence - 1);
    if (!written.ok()) {
      // None of these is acknowledged (fail() wakes the blocked callers).
      for (const Emitted& e : emitted) {
        if (e.sync && e.completion != nullptr) e.completion->on_durable(written);
      }
      return written;
    }
    records_since_checkpoint += count;
    chain = link;
    unsynced = !wo.sync;
    for (auto& g : groups) unpublished.push_back(std::move(g));
    if (wo.sync) {
      last_sync = std::chrono::steady_clock::now();
      if (options.on_sync_latency) options.on_sync_latency(last_sync - write_started);
      // Published before the callers are acknowledged: once a call returns, the feed (and
      // changes_since) already holds its change.
      publish();
    }
    self->last_sequence_.store(next_sequence - 1, std::memory_order_release);
    *wrote = true;
    if (!g_ack_before_sync.load(std::memory_order_relaxed)) {
      for (const Emitted& e : emitted) {
        e.log->durable.store(e.ticket, std::memory_order_seq_cst);
        if (e.log->waiters.load(std::memory_order_seq_cst) > 0) e.log->durable.notify_all();
        if (e.sync && e.completion != nullptr) e.completion->on_durable(Status());
      }
    }
  } else if (force_sync && unsynced) {
    rocksdb::Status s = db->SyncWAL();
    if (!s.ok()) return io_error("sync journal", s);
    INVENTORY_RETURN_IF_ERROR(hwm->write(next_sequence - 1));
    unsynced = false;
    last_sync = std::chrono::steady_clock::now();
    publish();
  }
  return Status();
}

Status Journal::Impl::take_checkpoint() {
  // 1. Close the gate and wait for the operations in flight.
  gate.store(true, std::memory_order_seq_cst);
  for (const auto& log : snapshot_logs()) {
    std::lock_guard lock(log->mutex);  // An operation holds it from start to append.
  }
  // 2. Write and sync everything appended so far: the state equals the log's end.
  bool wrote = false;
  Status status;
  for (int rounds = 0; status.ok(); ++rounds) {
    drain_all();
    status = write_round(/*force_sync=*/true, &wrote);
    if (!wrote) break;
  }
  std::string body;
  const std::uint64_t sequence = next_sequence - 1;
  if (status.ok()) hooks->snapshot(&body);
  // 3. Open the gate.
  gate.store(false, std::memory_order_seq_cst);
  { std::lock_guard lock(gate_mutex); }
  gate_open.notify_all();
  if (!status.ok()) return status;
  if (sequence == checkpoint_sequence && checkpoint_sequence != 0) return Status();

  // 4. Store it, then point at it, then trim.
  CheckpointPointer pointer;
  pointer.sequence = sequence;
  pointer.body_size = body.size();
  pointer.body_crc = crc32c::value(body.data(), body.size());
  rocksdb::WriteOptions no_sync;
  for (std::size_t at = 0, chunk = 0; at < body.size() || chunk == 0; ++chunk) {
    const std::size_t n = std::min(kCheckpointChunk, body.size() - at);
    std::string value;
    coding::Writer w(&value);
    w.fixed32(0);
    w.u8(kCheckpointFormat);
    value.append(body, at, n);
    const std::uint32_t crc = crc32c::value(value.data() + 4, value.size() - 4);
    for (int i = 0; i < 4; ++i) value[i] = static_cast<char>(crc32c::masked(crc) >> (8 * i));
    rocksdb::Status s = db->Put(no_sync, checkpoint_cf,
                                checkpoint_key(sequence, static_cast<std::uint32_t>(chunk)), value);
    if (!s.ok()) return io_error("write checkpoint", s);
    at += n;
    pointer.chunks = static_cast<std::uint32_t>(chunk + 1);
    if (at >= body.size()) break;
  }
  rocksdb::WriteBatch pointers;
  std::string current;
  if (db->Get(rocksdb::ReadOptions(), kCurrentKey, &current).ok()) {
    pointers.Put(kPreviousKey, current);
  }
  pointers.Put(kCurrentKey, pointer.encode());
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::Status s = db->Write(sync, &pointers);
  if (!s.ok()) return io_error("write checkpoint pointer", s);
  const std::uint64_t retired = previous_checkpoint_sequence;
  previous_checkpoint_sequence = checkpoint_sequence;
  checkpoint_sequence = sequence;
  records_since_checkpoint = 0;
  last_checkpoint = std::chrono::steady_clock::now();

  // Drop the checkpoint before the previous one, and the log the previous one does not need.
  if (retired != 0 && retired != previous_checkpoint_sequence) {
    db->DeleteRange(no_sync, checkpoint_cf, checkpoint_key(retired, 0),
                    checkpoint_key(retired + 1, 0))
        .PermitUncheckedError();
  }
  std::uint64_t floor = previous_checkpoint_sequence;
  if (options.retention_floor) floor = std::min(floor, options.retention_floor());
  if (floor > 0) {
    // Keep the group that holds floor + 1 (a group may start before it).
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log_cf));
    it->SeekForPrev(sequence_key(floor + 1));
    if (it->Valid()) {
      db->DeleteRange(no_sync, log_cf, sequence_key(0),
                      std::string(it->key().data(), it->key().size()))
          .PermitUncheckedError();
    }
  }
  return Status();
}

void Journal::Impl::run_logger() {
  using Clock = std::chrono::steady_clock;
  while (true) {
    const bool any = drain_all();
    bool wrote = false;
    const bool flush_due = unsynced && Clock::now() - last_sync >= options.flush_interval;
    const std::uint64_t sync_wanted = sync_requested.load(std::memory_order_acquire);
    Status status = write_round(flush_due || sync_wanted != sync_completed.load(), &wrote);
    if (status.ok() && sync_wanted != sync_completed.load()) {
      // sync(): everything appended before the request is now written and synced.
      bool more = true;
      while (status.ok() && more) {
        drain_all();
        status = write_round(true, &more);
      }
      {
        std::lock_guard lock(logger_mutex);
        sync_completed.store(sync_wanted, std::memory_order_release);
      }
      sync_done.notify_all();
    }
    const bool checkpoint_due = checkpoint_requested.load(std::memory_order_acquire) ||
                                (options.checkpoint_records != 0 &&
                                 records_since_checkpoint >= options.checkpoint_records) ||
                                (records_since_checkpoint > 0 &&
                                 Clock::now() - last_checkpoint >= options.checkpoint_interval);
    if (status.ok() && checkpoint_due) {
      status = take_checkpoint();
      checkpoint_requested.store(false, std::memory_order_release);
      { std::lock_guard lock(logger_mutex); }
      sync_done.notify_all();
    }
    if (!status.ok()) {
      fail(status);
      return;
    }
    if (any || wrote) continue;
    if (stopping.load(std::memory_order_acquire)) return;
    // Nothing to do: spin briefly (a hand-off on a spinning thread costs ~70 ns, a wake-up
    // ~35 us), then sleep until an append, a request or the next flush is due.
    bool found = false;
    for (int spin = 0; spin < 2000 && !found; ++spin) {
      for (const auto& log : logger_logs()) {
        if (log->appended.load(std::memory_order_acquire) != log->drained) found = true;
      }
      core::cpu_relax();
    }
    if (found) continue;
    idle.store(true, std::memory_order_seq_cst);
    for (const auto& log : logger_logs()) {
      if (log->appended.load(std::memory_order_seq_cst) != log->drained) found = true;
    }
    if (!found && !stopping.load() && !checkpoint_requested.load() &&
        sync_requested.load() == sync_completed.load()) {
      std::unique_lock lock(logger_mutex);
      logger_wake.wait_for(lock, unsynced ? options.flush_interval : std::chrono::milliseconds(100),
                           [&] { return !idle.load() || stopping.load(); });
    }
    idle.store(false, std::memory_order_seq_cst);
  }
}

// ---- Journal ----

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->self = this; }

Result<std::unique_ptr<Journal>> Journal::open(const JournalOptions& options, StateHooks* hooks,
                                               RecoveryStats* stats) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->hooks = hooks;
  std::unique_ptr<Journal> journal(new Journal(std::move(impl)));
  Impl& j = *journal->impl_;
  RecoveryStats ignored;
  if (stats == nullptr) stats = &ignored;
  Status s = j.open_db(options.create_if_missing);
  if (s.ok()) s = j.recover(stats);
  if (!s.ok()) {
    j.close_db();
    return s;
  }
  if (options.read_only) return journal;
  j.item_versions.resize(options.items_max);
  j.reservation_versions.resize(options.reservations_max);
  for (std::uint32_t i = 0; i < options.items_max; ++i) j.item_versions[i] = hooks->item_version(i);
  for (std::uint32_t i = 0; i < options.reservations_max; ++i) {
    j.reservation_versions[i] = hooks->reservation_version(i);
  }
  j.catalog_version = hooks->catalog_version();
  j.logger = std::thread([&j] { j.run_logger(); });
  return journal;
}

Journal::~Journal() {
  Impl& j = *impl_;
  if (j.logger.joinable()) {
    if (!failed()) {
      j.checkpoint_requested.store(true, std::memory_order_release);
    }
    j.stopping.store(true, std::memory_order_release);
    {
      std::lock_guard lock(j.logger_mutex);
      j.idle.store(false);
    }
    j.logger_wake.notify_all();
    j.logger.join();
  }
  j.close_db();
}

ThreadLog* Journal::thread_log() {
  for (auto& [id, log] : t_logs.logs) {
    if (id == impl_->id) return log.get();
  }
  std::shared_ptr<ThreadLog> log;
  {
    std::lock_guard lock(impl_->registry_mutex);
    // Reuse the log of a thread that has exited, once the logger has written all of it.
    for (const auto& candidate : impl_->logs) {
      if (!candidate->owned.load(std::memory_order_acquire) &&
          candidate->pending_next == candidate->pending.size() &&
          candidate->appended.load() == candidate->drained) {
        std::lock_guard log_lock(candidate->mutex);
        if (candidate->records.empty()) {
          candidate->owned.store(true, std::memory_order_release);
          log = candidate;
          break;
        }
      }
    }
    if (log == nullptr) {
      log = std::make_shared<ThreadLog>();
      impl_->logs.push_back(log);
      impl_->logs_version.fetch_add(1, std::memory_order_release);
    }
  }
  // Forget logs of journals that no longer exist (their ids are never reused).
  if (t_logs.logs.size() >= 16) t_logs.logs.erase(t_logs.logs.begin());
  t_logs.logs.emplace_back(impl_->id, log);
  return log.get();
}

Journal::Session::Session(Journal& journal) : journal_(journal), log_(journal.thread_log()) {
  Impl& j = *journal_.impl_;
  log_->mutex.lock();
  while (j.gate.load(std::memory_order_seq_cst)) {
    // A checkpoint is copying the state: let it, then start.
    log_->mutex.unlock();
    {
      std::unique_lock lock(j.gate_mutex);
      j.gate_open.wait(lock, [&] { return !j.gate.load(); });
    }
    log_->mutex.lock();
  }
}

Journal::Session::~Session() {
  log_->mutex.unlock();
  Impl& j = *journal_.impl_;
  if (j.idle.load(std::memory_order_seq_cst) && j.idle.exchange(false)) {
    { std::lock_guard lock(j.logger_mutex); }
    j.logger_wake.notify_one();
  }
}

Ticket Journal::Session::append(const Audit& audit, const core::Changes& changes,
                                const IdempotencyEntry* idempotency, bool sync,
                                WriteCallback* completion) {
  if (changes.empty() && idempotency == nullptr && audit.rejections.empty()) {
    if (completion != nullptr) completion->on_durable(Status());
    return Ticket{};
  }
  if (journal_.failed()) {
    if (completion != nullptr) completion->on_durable(journal_.health());
    return Ticket{log_, ~std::uint64_t{0}};  // wait() reports the failure.
  }
  PendingRecord record;
  record.offset = static_cast<std::uint32_t>(log_->bytes.size());
  record.span = encode_record(audit, changes, idempotency, &log_->bytes);
  record.length = static_cast<std::uint32_t>(log_->bytes.size() - record.offset);
  record.ticket = log_->next_ticket++;
  record.sync = sync;
  record.completion = sync ? completion : nullptr;
  record.deps = deps_of(changes);
  log_->records.push_back(std::move(record));
  log_->appended.store(log_->records.back().ticket, std::memory_order_seq_cst);
  if (!sync && completion != nullptr) completion->on_durable(Status());
  return Ticket{log_, sync ? log_->records.back().ticket : 0};
}

Status Journal::wait(const Ticket& ticket) {
  if (ticket.number == 0) return Status();
  ThreadLog& log = *ticket.log;
  auto acknowledged = [&](std::uint64_t v) { return (v & ~kFailedBit) >= ticket.number; };
  for (int i = 0; i < 64; ++i) {  // Spin a few microseconds before sleeping.
    const std::uint64_t v = log.durable.load(std::memory_order_seq_cst);
    if (acknowledged(v)) return Status();
    if ((v & kFailedBit) != 0 || failed()) return health();
    core::cpu_relax();
  }
  log.waiters.fetch_add(1, std::memory_order_seq_cst);
  std::uint64_t v = log.durable.load(std::memory_order_seq_cst);
  while (!acknowledged(v) && (v & kFailedBit) == 0 && !failed()) {
    log.durable.wait(v, std::memory_order_seq_cst);
    v = log.durable.load(std::memory_order_seq_cst);
  }
  log.waiters.fetch_sub(1, std::memory_order_seq_cst);
  return acknowledged(v) ? Status() : health();
}

Status Journal::health() const {
  std::lock_guard lock(impl_->logger_mutex);
  return impl_->failure;
}

Status Journal::checkpoint() {
  Impl& j = *impl_;
  if (failed()) return health();
  j.checkpoint_requested.store(true, std::memory_order_release);
  {
    std::lock_guard lock(j.logger_mutex);
    j.idle.store(false);
  }
  j.logger_wake.notify_one();
  std::unique_lock lock(j.logger_mutex);
  j.sync_done.wait(lock, [&] { return !j.checkpoint_requested.load() || !j.failure.ok(); });
  return j.failure;
}

Status Journal::sync() {
  Impl& j = *impl_;
  if (failed()) return health();
  const std::uint64_t wanted = j.sync_requested.fetch_add(1) + 1;
  {
    std::lock_guard lock(j.logger_mutex);
    j.idle.store(false);
  }
  j.logger_wake.notify_one();
  std::unique_lock lock(j.logger_mutex);
  j.sync_done.wait(lock, [&] { return j.sync_completed.load() >= wanted || !j.failure.ok(); });
  return j.failure;
}

void Journal::set_ack_before_sync_for_testing(bool on) {
  g_ack_before_sync.store(on, std::memory_order_relaxed);
}

Status Journal::read_group(std::uint64_t sequence, DurableGroup* group,
                           std::uint64_t* first_available) const {
  const Impl& j = *impl_;
  group->bytes.clear();
  *first_available = 0;
  std::unique_ptr<rocksdb::Iterator> it(j.db->NewIterator(rocksdb::ReadOptions(), j.log_cf));
  auto key_of = [&] {
    return decode_sequence_key(std::string_view(it->key().data(), it->key().size()));
  };
  it->SeekForPrev(sequence_key(sequence));
  if (!it->Valid()) {
    if (!it->status().ok()) return read_error("read journal", it->status());
    it->SeekToFirst();
    *first_available = it->Valid() ? key_of() : durable_sequence() + 1;
    return it->status().ok() ? Status() : read_error("read journal", it->status());
  }
  group->first = key_of();
  group->bytes.assign(it->value().data(), it->value().size());
  it->Next();
  group->last = it->Valid() ? key_of() - 1 : last_sequence();
  if (!it->status().ok()) return read_error("read journal", it->status());
  if (group->last < sequence) group->bytes.clear();  // Past the end of the log.
  *first_available = group->first;
  return Status();
}

namespace {
constexpr std::string_view kCursorPrefix = "cursor/";
}  // namespace

Status Journal::put_cursor(std::string_view name, std::uint64_t sequence) {
  if (failed()) return health();
  std::string key(kCursorPrefix);
  key.append(name);
  std::string value;
  coding::Writer(&value).fixed64(sequence);
  rocksdb::Status s = impl_->db->Put(rocksdb::WriteOptions(), key, value);
  return s.ok() ? Status() : io_error("write feed cursor", s);
}

Status Journal::delete_cursor(std::string_view name) {
  if (failed()) return health();
  std::string key(kCursorPrefix);
  key.append(name);
  // Synced, unlike the cursor stores (which only cost redelivery if lost): an acknowledged
  // drop must not come back after a power loss to hold the log again, or make a later
  // subscribe with the name resume from the old position. Drops are rare.
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::Status s = impl_->db->Delete(synced, key);
  return s.ok() ? Status() : io_error("delete feed cursor", s);
}

std::vector<std::pair<std::string, std::uint64_t>> Journal::cursors() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(kCursorPrefix)); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(kCursorPrefix)) break;
    if (it->value().size() != 8) continue;
    out.emplace_back(std::string(key.substr(kCursorPrefix.size())),
                     coding::Reader(std::string_view(it->value().data(), 8)).fixed64());
  }
  return out;
}

Status verify(const JournalOptions& options, StateHooks* hooks, RecoveryStats* stats) {
  JournalOptions read_only = options;
  read_only.read_only = true;
  read_only.create_if_missing = false;
  Result<std::unique_ptr<Journal>> journal = Journal::open(read_only, hooks, stats);
  return journal.ok() ? Status() : journal.status();
}

}  // namespace inventory::journal
