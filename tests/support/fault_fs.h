// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// FaultFs: a RocksDB FileSystem wrapper for tests (the engine takes it through
// detail::open_engine). It remembers, for every file written, how much of it has been synced,
// and which files were created since their directory was last synced; it can then
//   - simulate a power loss: drop_unsynced_data() truncates every file to its synced length and
//     deletes files whose directory entry was never synced (renames are treated as durable at
//     once, as RocksDB syncs the file before renaming it into place);
//   - fail the Nth write, sync, rename or file creation from now, once or from then on;
//   - turn inactive: every write, sync, rename and creation fails (the machine is "off").
//
// Thread safety: safe for concurrent use (RocksDB calls it from several threads).

#ifndef INVENTORY_TESTS_SUPPORT_FAULT_FS_H_
#define INVENTORY_TESTS_SUPPORT_FAULT_FS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <rocksdb/file_system.h>

namespace inventory::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  enum class Op : std::uint8_t { write = 0, sync = 1, rename = 2, create = 3 };

  explicit FaultFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default())
      : rocksdb::FileSystemWrapper(std::move(base)) {}

  const char* Name() const override { return "FaultFs"; }

  void set_active(bool active) { active_.store(active); }
  bool active() const { return active_.load(); }
  // The `n`th `op` from now (1 = the next one) fails; with `persistent`, so does every later
  // one, of any kind (the disk is gone).
  void fail_after(Op op, std::uint64_t n, bool persistent);
  // Simulated power loss. Call with the engine closed (or abandoned).
  void drop_unsynced_data();
  std::uint64_t count(Op op) const { return counts_[static_cast<int>(op)].load(); }
  // How many injected failures happened.
  std::uint64_t failures() const { return failures_.load(); }

  // --- FileSystem ---
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // --- Used by the wrapped files and directories ---
  rocksdb::IOStatus check(Op op);
  void appended(const std::string& fname, std::uint64_t bytes);
  void synced(const std::string& fname);
  void dir_synced(const std::string& dir);

 private:
  struct FileState {
    std::uint64_t size = 0;
    std::uint64_t synced = 0;
  };
  rocksdb::IOStatus wrap(const std::string& fname, bool fresh, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  std::atomic<bool> active_{true};
  std::atomic<std::uint64_t> counts_[4] = {};
  std::atomic<std::uint64_t> failures_{0};
  std::mutex mutex_;
  std::map<std::string, FileState> files_;      // GUARDED_BY(mutex_)
  std::set<std::string> unsynced_entries_;      // GUARDED_BY(mutex_): created, dir not synced.
  std::int64_t fail_at_[4] = {-1, -1, -1, -1};  // GUARDED_BY(mutex_): absolute op count.
  bool fail_persistent_ = false;                // GUARDED_BY(mutex_)
  bool failed_persistently_ = false;            // GUARDED_BY(mutex_)
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_FAULT_FS_H_
