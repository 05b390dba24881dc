// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// A scratch directory removed at the end of its scope. Under /dev/shm when it exists (tmpfs:
// the crash and corruption tests reopen databases thousands of times), else the system's
// temporary directory.

#ifndef INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_
#define INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_

#include <atomic>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace inventory::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name = "inventory") {
    static std::atomic<int> counter{0};
    const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path_ = base /
            (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  // A path inside the directory.
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_
