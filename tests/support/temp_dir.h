// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// A scratch directory removed at the end of its scope. Under /dev/shm/inventory-tests when
// /dev/shm exists (tmpfs: the crash and corruption tests reopen databases thousands of times),
// else under the system's temporary directory. A test process that is killed (a ctest timeout,
// Ctrl-C) leaves its directories behind, and tmpfs is memory: the first TempDir of each process
// removes the directories of processes that no longer run (names end in -<pid>-<n>).

#ifndef INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_
#define INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <string>

#include <signal.h>
#include <unistd.h>

namespace inventory::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name = "inventory") {
    static std::atomic<int> counter{0};
    const std::filesystem::path base =
        (std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                             : std::filesystem::temp_directory_path()) /
        "inventory-tests";
    static std::once_flag swept;
    std::call_once(swept, [&] { remove_leftovers(base); });
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
  // Removes <name>-<pid>-<n> entries whose process is gone.
  static void remove_leftovers(const std::filesystem::path& base) {
    std::error_code ec;
    std::filesystem::create_directories(base, ec);
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      const std::size_t last = name.rfind('-');
      if (last == std::string::npos || last == 0) continue;
      const std::size_t before = name.rfind('-', last - 1);
      if (before == std::string::npos) continue;
      const std::string digits = name.substr(before + 1, last - before - 1);
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const pid_t pid = static_cast<pid_t>(std::stol(digits));
      if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
      std::filesystem::remove_all(entry.path(), ec);
    }
  }

  std::filesystem::path path_;
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_TEMP_DIR_H_
