// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// ReadyQueue: the acknowledged operations (slots) of one issuing thread, handed over by the
// journal's thread through the completion form. The issuer is woken only when it sleeps: a
// futex call per acknowledgement would cost more than the acknowledgement itself.
//
// Thread safety: push() from any thread; take() from the one issuing thread.

#ifndef INVENTORY_BENCH_READY_QUEUE_H_
#define INVENTORY_BENCH_READY_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace inventory_bench {

class ReadyQueue {
 public:
  void push(int slot) {
    {
      std::lock_guard lock(mutex_);
      ready_.push_back(slot);
    }
    if (sleeping_.load(std::memory_order_seq_cst)) {
      signal_.fetch_add(1, std::memory_order_seq_cst);
      signal_.notify_one();
    }
  }

  // Waits until at least one slot is ready, then takes them all (replacing *out).
  void take(std::vector<int>* out) {
    out->clear();
    for (int spins = 0;; ++spins) {
      {
        std::lock_guard lock(mutex_);
        if (!ready_.empty()) {
          out->swap(ready_);
          return;
        }
      }
      if (spins < 64) {
        std::this_thread::yield();
        continue;
      }
      const std::uint32_t seen = signal_.load(std::memory_order_seq_cst);
      sleeping_.store(true, std::memory_order_seq_cst);
      bool empty;
      {
        std::lock_guard lock(mutex_);
        empty = ready_.empty();
      }
      if (empty) signal_.wait(seen, std::memory_order_seq_cst);
      sleeping_.store(false, std::memory_order_seq_cst);
    }
  }

 private:
  std::mutex mutex_;
  std::vector<int> ready_;  // GUARDED_BY(mutex_)
  std::atomic<std::uint32_t> signal_{0};
  std::atomic<bool> sleeping_{false};
};

}  // namespace inventory_bench

#endif  // INVENTORY_BENCH_READY_QUEUE_H_
