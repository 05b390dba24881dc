// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "support/fault_fs.h"

#include <filesystem>

namespace inventory::testing {

namespace {

std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

class FaultWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultFs* fs, std::string name)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::write);
    if (s.ok()) s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->appended(name_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::write);
    if (s.ok()) s = target()->Append(data, options, info, dbg);
    if (s.ok()) fs_->appended(name_, data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, std::uint64_t,
                                     const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: positioned append");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, std::uint64_t,
                                     const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: positioned append");
  }
  bool use_direct_io() const override { return false; }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::sync);
    if (s.ok()) s = target()->Sync(options, dbg);
    if (s.ok()) fs_->synced(name_);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::sync);
    if (s.ok()) s = target()->Fsync(options, dbg);
    if (s.ok()) fs_->synced(name_);
    return s;
  }
  rocksdb::IOStatus RangeSync(std::uint64_t, std::uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    // A hint to start writeback; it promises nothing, so nothing counts as synced.
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return target()->Close(options, dbg);  // Closing does not sync.
  }

 private:
  FaultFs* fs_;
  std::string name_;
};

class FaultDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  FaultDirectory(std::unique_ptr<rocksdb::FSDirectory> dir, FaultFs* fs, std::string name)
      : rocksdb::FSDirectoryWrapper(std::move(dir)), fs_(fs), name_(std::move(name)) {}
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::sync);
    if (s.ok()) s = rocksdb::FSDirectoryWrapper::Fsync(options, dbg);
    if (s.ok()) fs_->dir_synced(name_);
    return s;
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& options,
                                        rocksdb::IODebugContext* dbg,
                                        const rocksdb::DirFsyncOptions& dir_options) override {
    rocksdb::IOStatus s = fs_->check(FaultFs::Op::sync);
    if (s.ok()) s = rocksdb::FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options);
    if (s.ok()) fs_->dir_synced(name_);
    return s;
  }

 private:
  FaultFs* fs_;
  std::string name_;
};

}  // namespace

void FaultFs::fail_after(Op op, std::uint64_t n, bool persistent) {
  std::lock_guard lock(mutex_);
  fail_at_[static_cast<int>(op)] =
      static_cast<std::int64_t>(counts_[static_cast<int>(op)].load() + n);
  fail_persistent_ = persistent;
}

rocksdb::IOStatus FaultFs::check(Op op) {
  const std::uint64_t n = counts_[static_cast<int>(op)].fetch_add(1) + 1;
  if (!active_.load()) {
    failures_.fetch_add(1);
    return rocksdb::IOStatus::IOError("FaultFs: the file system is inactive (power off)");
  }
  std::lock_guard lock(mutex_);
  if (failed_persistently_ || fail_at_[static_cast<int>(op)] == static_cast<std::int64_t>(n)) {
    if (fail_persistent_) failed_persistently_ = true;
    failures_.fetch_add(1);
    return rocksdb::IOStatus::IOError("FaultFs: injected failure");
  }
  return rocksdb::IOStatus::OK();
}

void FaultFs::appended(const std::string& fname, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  files_[fname].size += bytes;
}

void FaultFs::synced(const std::string& fname) {
  std::lock_guard lock(mutex_);
  FileState& f = files_[fname];
  f.synced = f.size;
}

void FaultFs::dir_synced(const std::string& dir) {
  std::lock_guard lock(mutex_);
  const std::string normal = std::filesystem::path(dir).lexically_normal().string();
  for (auto it = unsynced_entries_.begin(); it != unsynced_entries_.end();) {
    if (std::filesystem::path(parent_of(*it)).lexically_normal().string() == normal) {
      it = unsynced_entries_.erase(it);
    } else {
      ++it;
    }
  }
}

rocksdb::IOStatus FaultFs::wrap(const std::string& fname, bool fresh, rocksdb::IOStatus status,
                                std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!status.ok()) return status;
  {
    std::lock_guard lock(mutex_);
    if (fresh) {
      files_[fname] = FileState{};
      unsynced_entries_.insert(fname);
    } else if (files_.count(fname) == 0) {
      // An existing file we have not seen written: all of it is durable.
      std::error_code ec;
      const auto size = std::filesystem::file_size(fname, ec);
      files_[fname] = FileState{ec ? 0 : size, ec ? 0 : size};
    }
  }
  *result = std::make_unique<FaultWritableFile>(std::move(*result), this, fname);
  return status;
}

rocksdb::IOStatus FaultFs::NewWritableFile(const std::string& fname,
                                           const rocksdb::FileOptions& options,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = check(Op::create);
  if (!s.ok()) return s;
  return wrap(fname, true, target()->NewWritableFile(fname, options, result, dbg), result);
}

rocksdb::IOStatus FaultFs::ReopenWritableFile(const std::string& fname,
                                              const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = check(Op::create);
  if (!s.ok()) return s;
  return wrap(fname, false, target()->ReopenWritableFile(fname, options, result, dbg), result);
}

rocksdb::IOStatus FaultFs::ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                             const rocksdb::FileOptions& options,
                                             std::unique_ptr<rocksdb::FSWritableFile>* result,
                                             rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = check(Op::create);
  if (!s.ok()) return s;
  return wrap(fname, true, target()->ReuseWritableFile(fname, old_fname, options, result, dbg),
              result);
}

rocksdb::IOStatus FaultFs::NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                        std::unique_ptr<rocksdb::FSDirectory>* result,
                                        rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->NewDirectory(name, io_opts, result, dbg);
  if (s.ok()) *result = std::make_unique<FaultDirectory>(std::move(*result), this, name);
  return s;
}

rocksdb::IOStatus FaultFs::RenameFile(const std::string& src, const std::string& target_name,
                                      const rocksdb::IOOptions& options,
                                      rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = check(Op::rename);
  if (!s.ok()) return s;
  s = target()->RenameFile(src, target_name, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(src);
    if (it != files_.end()) {
      files_[target_name] = it->second;
      files_.erase(it);
    }
    unsynced_entries_.erase(src);
    unsynced_entries_.erase(target_name);
  }
  return s;
}

rocksdb::IOStatus FaultFs::DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                                      rocksdb::IODebugContext* dbg) {
  if (!active_.load()) return rocksdb::IOStatus::IOError("FaultFs: the file system is inactive");
  rocksdb::IOStatus s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    files_.erase(fname);
    unsynced_entries_.erase(fname);
  }
  return s;
}

void FaultFs::drop_unsynced_data() {
  std::lock_guard lock(mutex_);
  for (const std::string& name : unsynced_entries_) {
    std::error_code ec;
    std::filesystem::remove(name, ec);
    files_.erase(name);
  }
  unsynced_entries_.clear();
  for (auto& [name, state] : files_) {
    std::error_code ec;
    if (std::filesystem::exists(name, ec) && std::filesystem::file_size(name, ec) > state.synced) {
      std::filesystem::resize_file(name, state.synced, ec);
    }
    state.size = state.synced;
  }
}

}  // namespace inventory::testing
