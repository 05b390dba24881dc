// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The engine reads time only through a Clock: reservation expiry, created_at/updated_at and the
// idempotency window. Tests inject a ManualClock and drive time explicitly.
//
// Thread safety: Clock implementations must be safe for concurrent use; both shipped here are.

#ifndef INVENTORY_CLOCK_H_
#define INVENTORY_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "inventory/export.h"
#include "inventory/types.h"

namespace inventory {

class INVENTORY_EXPORT Clock {
 public:
  virtual ~Clock();
  // The current time. REQUIRES: never decreases across calls (from any thread). Called on the
  // reservation hot path, so it must be cheap and must not block or allocate.
  virtual Timestamp now() const noexcept = 0;
};

// The default clock: the system wall clock, made non-decreasing. A backward jump of the wall
// clock (NTP step) holds this clock still until the wall clock catches up, so expiry never runs
// backwards and reservations never expire early. On Linux it reads CLOCK_REALTIME_COARSE, so
// its resolution is the kernel tick (1-4 ms): cheap enough for the reservation hot path.
class INVENTORY_EXPORT SystemClock final : public Clock {
 public:
  Timestamp now() const noexcept override;

 private:
  mutable std::atomic<std::int64_t> last_ms_{0};
};

// A clock that moves only when told to. For tests and simulations.
class INVENTORY_EXPORT ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = Timestamp(std::chrono::milliseconds(1'700'000'000'000)))
      : now_ms_(start.time_since_epoch().count()) {}

  Timestamp now() const noexcept override {
    return Timestamp(std::chrono::milliseconds(now_ms_.load(std::memory_order_acquire)));
  }
  // Moves the clock forward by `delta`. REQUIRES: delta >= 0.
  void advance(std::chrono::milliseconds delta) noexcept {
    now_ms_.fetch_add(delta.count() < 0 ? 0 : delta.count(), std::memory_order_acq_rel);
  }
  // Sets the clock to `t` if that is later than now; an earlier `t` is ignored, as the Clock
  // contract requires time never to decrease.
  void set(Timestamp t) noexcept;

 private:
  std::atomic<std::int64_t> now_ms_;
};

// A process-wide SystemClock, the default for Options::clock.
INVENTORY_EXPORT std::shared_ptr<Clock> system_clock();

}  // namespace inventory

#endif  // INVENTORY_CLOCK_H_
