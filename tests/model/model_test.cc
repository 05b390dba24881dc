// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the engine computes exactly what the rules say, for every operation, in every state
// the generator can reach. Method: run a seeded stream of random operations (valid, invalid,
// retried with idempotency keys, batched, with time jumps and expiry) against the engine and
// against ModelInventory in lock step; compare every status code and returned value, and after
// every step the touched items and the invariants of DESIGN.md section 4; every 1,000 steps
// compare the whole state and run Engine::check_invariants().
//
// Replay: INVENTORY_SEED=<seed> INVENTORY_MODEL_OPS=<n> ./model_test. The seed is printed.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/write_batch.h"

#include "support/engine_fixture.h"
#include "support/env.h"
#include "support/model_inventory.h"

namespace inventory {
namespace {

using testing::env_or;

using testing::ModelInventory;
using testing::ModelItem;
using testing::ModelOutcome;
using Liveness = ModelInventory::Liveness;

class ModelRun {
 public:
  ModelRun(std::uint64_t seed, Limits limits) : rng_(seed), engine_(limits) {
    model_.reservations_max = limits.reservations_max;
    window_ms_ = limits.idempotency_window.count();
    // Three products at four locations; products 0 and 1 share items across locations so
    // transfers have somewhere to go.
    for (int p = 0; p < kProducts; ++p) {
      for (int l = 0; l < kLocations; ++l) create_item(p, l);
    }
  }

  void step() {
    ++steps_;
    const int dice = pick(0, 999);
    if (dice < 150) {
      op_adjust();
    } else if (dice < 200) {
      op_set_on_hand();
    } else if (dice < 230) {
      op_set_policy();
    } else if (dice < 430) {
      op_reserve(1);
    } else if (dice < 510) {
      op_reserve(pick(2, 4));
    } else if (dice < 630) {
      op_confirm();
    } else if (dice < 730) {
      op_release();
    } else if (dice < 770) {
      op_extend();
    } else if (dice < 820) {
      op_transfer();
    } else if (dice < 870) {
      op_batch(BatchPolicy::all_or_nothing);
    } else if (dice < 890) {
      op_batch(BatchPolicy::per_operation);
    } else if (dice < 920) {
      op_time();
    } else if (dice < 940) {
      op_get();
    } else if (dice < 970) {
      op_invalid();
    } else if (dice < 998) {
      op_idempotent();
    } else {
      op_recreate_item();
    }
    compare_touched();
    if (steps_ % 1000 == 0) compare_all();
    // The generator only names finished reservations from recent_finished_, so the model
    // needs to remember no others (this keeps the batch's copy of the model small).
    if (model_.finished.size() > 4 * recent_finished_.size() + 256) {
      std::map<ReservationId, ReservationState> kept;
      for (ReservationId id : recent_finished_) kept[id] = model_.finished.at(id);
      model_.finished = std::move(kept);
    }
  }

  void compare_all() {
    for (const auto& [id, item] : model_.items) expect_level(id, item, "full compare");
    const std::string model_bad = model_.check_invariants();
    if (!model_bad.empty()) fail("model invariant: " + model_bad);
    const Status engine_bad = engine_->check_invariants();
    if (!engine_bad.ok()) fail("engine invariant: " + engine_bad.to_string());
    std::size_t active = 0;
    for (const auto& [id, r] : model_.reservations) {
      auto info = engine_->get_reservation({}, id);
      if (!info.ok() || info->state != ReservationState::active ||
          info->lines.size() != r.lines.size() ||
          info->expires_at.time_since_epoch().count() != r.expires_ms) {
        fail("active reservation differs");
      }
      ++active;
    }
    (void)active;
  }

  std::uint64_t steps() const { return steps_; }
  bool failed() const { return failed_; }

 private:
  static constexpr int kProducts = 3;
  static constexpr int kLocations = 4;
  static constexpr std::chrono::milliseconds kDefaultTtl{std::chrono::minutes(15)};

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return pick(0, 99) < percent; }
  std::int64_t now_ms() const { return engine_.clock->now().time_since_epoch().count(); }

  void fail(const std::string& what) {
    if (failed_) return;
    failed_ = true;
    FAIL_CHECK("step " << steps_ << ": " << what);
  }

  void expect_code(StatusCode expected, const Status& actual, const char* op) {
    if (actual.code() != expected) {
      fail(std::string(op) + ": expected " + std::string(to_string(expected)) + ", engine said " +
           actual.to_string());
    }
  }

  void expect_level(ItemId id, const ModelItem& m, const char* op) {
    auto level = engine_->get({}, id);
    if (!level.ok()) {
      fail(std::string(op) + ": get failed " + level.status().to_string());
      return;
    }
    expect_same(*level, m, op);
  }

  void expect_same(const StockLevel& level, const ModelItem& m, const char* op) {
    if (level.on_hand.value() != m.on_hand || level.reserved.value() != m.reserved ||
        static_cast<std::uint64_t>(level.version) != m.version || !(level.policy == m.policy)) {
      fail(std::string(op) + ": level differs: engine on_hand " +
           std::to_string(level.on_hand.value()) + " reserved " +
           std::to_string(level.reserved.value()) + " version " +
           std::to_string(static_cast<std::uint64_t>(level.version)) + "; model on_hand " +
           std::to_string(m.on_hand) + " reserved " + std::to_string(m.reserved) + " version " +
           std::to_string(m.version));
    }
  }

  void expect_outcome(const ModelOutcome& expected, const Result<StockLevel>& actual,
                      const char* op) {
    expect_code(expected.code, actual.status(), op);
    if (expected.ok() && actual.ok()) expect_same(*actual, expected.levels.at(0).second, op);
  }

  void create_item(int product, int location) {
    const std::string p = "p" + std::to_string(product);
    const std::string l = "l" + std::to_string(location);
    ItemPolicy policy;
    policy.backorder_limit = chance(20) ? pick(1, 5) : 0;
    policy.safety_stock = chance(20) ? pick(1, 3) : 0;
    policy.low_stock_threshold = pick(0, 5);
    const ItemId id = engine_.item(p, l, 0, policy);
    ModelItem m;
    m.policy = policy;
    m.product = product;
    m.version = static_cast<std::uint64_t>(engine_.level(id).version);
    model_.items[id] = m;
    slots_[product * kLocations + location] = id;
  }

  ItemId random_item() {
    if (chance(2)) return ItemId{0xdead00000007ull};  // Never issued.
    if (chance(1) && !removed_.empty())
      return removed_[pick(0, static_cast<int>(removed_.size()) - 1)];
    return slots_[pick(0, kProducts * kLocations - 1)];
  }

  ReservationId random_reservation() {
    const int dice = pick(0, 99);
    if (dice < 75 && !model_.reservations.empty()) {
      auto it = model_.reservations.begin();
      std::advance(it, pick(0, static_cast<int>(model_.reservations.size()) - 1));
      return it->first;
    }
    if (dice < 95 && !recent_finished_.empty()) {
      return recent_finished_[pick(0, static_cast<int>(recent_finished_.size()) - 1)];
    }
    return ReservationId{0xbeef00000003ull};
  }

  std::int64_t random_quantity() { return chance(90) ? pick(1, 4) : pick(5, 40); }
  std::chrono::milliseconds random_ttl() {
    return chance(50) ? std::chrono::milliseconds(0)
                      : std::chrono::milliseconds(pick(1, 120) * 1000);
  }
  std::int64_t expires_for(std::chrono::milliseconds ttl) const {
    return now_ms() + (ttl.count() == 0 ? kDefaultTtl.count() : ttl.count());
  }

  void touch(ItemId id) { touched_.push_back(id); }
  void compare_touched() {
    for (ItemId id : touched_) {
      if (const ModelItem* m = model_.item(id)) expect_level(id, *m, "after step");
    }
    touched_.clear();
    const std::string bad = model_.check_invariants();
    if (!bad.empty()) fail("model invariant: " + bad);
  }

  void note_finished(ReservationId id) {
    if (recent_finished_.size() < 64) {
      recent_finished_.push_back(id);
    } else {
      recent_finished_[pick(0, 63)] = id;
    }
  }

  // ---- Operations ----

  void op_adjust() {
    const ItemId id = random_item();
    std::int64_t delta = chance(60) ? pick(1, 20) : -pick(1, 10);
    const bool force = chance(5);
    touch(id);
    expect_outcome(model_.adjust(id, delta, force),
                   engine_->adjust({}, {.item = id, .delta = Quantity{delta}, .force = force}),
                   "adjust");
  }

  void op_set_on_hand() {
    const ItemId id = random_item();
    const ModelItem* m = model_.item(id);
    std::optional<std::uint64_t> expected;
    if (chance(50) && m != nullptr) expected = chance(80) ? m->version : m->version + 7;
    const std::int64_t value = pick(0, 30);
    const bool force = chance(10);
    touch(id);
    std::optional<Version> engine_expected;
    if (expected) engine_expected = Version{*expected};
    expect_outcome(model_.set_on_hand(id, value, expected, force),
                   engine_->set_on_hand({}, {.item = id,
                                             .on_hand = Quantity{value},
                                             .expected_version = engine_expected,
                                             .force = force}),
                   "set_on_hand");
  }

  void op_set_policy() {
    const ItemId id = random_item();
    ItemPolicy policy{pick(0, 3), pick(0, 5), chance(50) ? 0 : pick(1, 6)};
    touch(id);
    expect_outcome(model_.set_policy(id, policy, std::nullopt),
                   engine_->set_policy({}, {.item = id, .policy = policy}), "set_policy");
  }

  std::vector<ReserveLine> random_lines(int count) {
    std::vector<ReserveLine> lines;
    while (static_cast<int>(lines.size()) < count) {
      const ItemId id = random_item();
      bool duplicate = false;
      for (const ReserveLine& l : lines) duplicate |= l.item == id;
      if (!duplicate) lines.push_back({id, Quantity{random_quantity()}});
    }
    return lines;
  }

  void op_reserve(int count) {
    const std::vector<ReserveLine> lines = random_lines(count);
    const auto ttl = random_ttl();
    for (const ReserveLine& l : lines) touch(l.item);
    const StatusCode expected = model_.check_reserve(lines);
    Result<ReservationId> id =
        count == 1 ? engine_->reserve({}, ReserveRequest{.item = lines[0].item,
                                                         .quantity = lines[0].quantity,
                                                         .ttl = ttl,
                                                         .reference = "cart"})
                   : engine_->reserve(
                         {}, ReserveLinesRequest{.lines = lines, .ttl = ttl, .reference = "cart"});
    expect_code(expected, id.status(), "reserve");
    if (expected == StatusCode::ok && id.ok()) model_.apply_reserve(*id, lines, expires_for(ttl));
  }

  // confirm / release / extend share the liveness rules.
  StatusCode finish_like(ReservationId id, ReservationState final_state,
                         const std::vector<ReserveLine>& quantities) {
    switch (model_.liveness(id, now_ms())) {
      case Liveness::not_found:
        return StatusCode::not_found;
      case Liveness::inactive:
        return StatusCode::reservation_not_active;
      case Liveness::overdue:
        touch_lines(id);
        model_.finish(id, ReservationState::expired, {});
        note_finished(id);
        return StatusCode::reservation_not_active;
      case Liveness::ok:
        break;
    }
    if (final_state == ReservationState::confirmed && !model_.valid_quantities(id, quantities)) {
      return StatusCode::invalid_argument;
    }
    touch_lines(id);
    model_.finish(id, final_state, quantities);
    note_finished(id);
    return StatusCode::ok;
  }

  void touch_lines(ReservationId id) {
    auto it = model_.reservations.find(id);
    if (it == model_.reservations.end()) return;
    for (const ReserveLine& l : it->second.lines) touch(l.item);
  }

  std::vector<ReserveLine> random_quantities(ReservationId id) {
    std::vector<ReserveLine> quantities;
    auto it = model_.reservations.find(id);
    if (it == model_.reservations.end() || chance(60)) return quantities;
    for (const ReserveLine& l : it->second.lines) {
      if (chance(70)) {
        const std::int64_t q = chance(90) ? pick(0, static_cast<int>(l.quantity.value()))
                                          : l.quantity.value() + 1;  // Invalid: over held.
        quantities.push_back({l.item, Quantity{q}});
      }
    }
    if (chance(3)) quantities.push_back({slots_[0], Quantity{1}});  // Maybe not a line.
    // Keep items distinct (duplicates are rejected by validation, tested elsewhere).
    for (std::size_t i = 1; i < quantities.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (quantities[j].item == quantities[i].item) {
          quantities.erase(quantities.begin() + static_cast<std::ptrdiff_t>(i));
          --i;
          break;
        }
      }
    }
    return quantities;
  }

  void op_confirm() {
    const ReservationId id = random_reservation();
    const std::vector<ReserveLine> quantities = random_quantities(id);
    const StatusCode expected = finish_like(id, ReservationState::confirmed, quantities);
    expect_code(expected, engine_->confirm({}, ConfirmRequest{id, quantities}), "confirm");
  }

  void op_release() {
    const ReservationId id = random_reservation();
    const StatusCode expected = finish_like(id, ReservationState::released, {});
    expect_code(expected, engine_->release({}, id), "release");
  }

  void op_extend() {
    const ReservationId id = random_reservation();
    const auto ttl = random_ttl();
    StatusCode expected = StatusCode::ok;
    switch (model_.liveness(id, now_ms())) {
      case Liveness::not_found:
        expected = StatusCode::not_found;
        break;
      case Liveness::inactive:
        expected = StatusCode::reservation_not_active;
        break;
      case Liveness::overdue:
        touch_lines(id);
        model_.finish(id, ReservationState::expired, {});
        note_finished(id);
        expected = StatusCode::reservation_not_active;
        break;
      case Liveness::ok:
        model_.reservations.at(id).expires_ms = expires_for(ttl);
        break;
    }
    auto result = engine_->extend({}, id, ttl);
    expect_code(expected, result.status(), "extend");
    if (expected == StatusCode::ok && result.ok() &&
        result->time_since_epoch().count() != model_.reservations.at(id).expires_ms) {
      fail("extend: expiry differs");
    }
  }

  std::pair<ItemId, ItemId> random_transfer_items() {
    const int product = chance(90) ? pick(0, kProducts - 1) : -1;
    if (product < 0) return {random_item(), random_item()};
    const int a = pick(0, kLocations - 1);
    int b = pick(0, kLocations - 2);
    if (b >= a) ++b;
    return {slots_[product * kLocations + a], slots_[product * kLocations + b]};
  }

  void op_transfer() {
    auto [from, to] = random_transfer_items();
    if (from == to) return;
    const std::int64_t quantity = random_quantity();
    touch(from);
    touch(to);
    const ModelOutcome expected = model_.transfer(from, to, quantity);
    auto receipt = engine_->transfer({}, {.from = from, .to = to, .quantity = Quantity{quantity}});
    expect_code(expected.code, receipt.status(), "transfer");
    if (expected.ok() && receipt.ok()) {
      expect_same(receipt->from, expected.levels[0].second, "transfer from");
      expect_same(receipt->to, expected.levels[1].second, "transfer to");
    }
  }

  void op_time() {
    engine_.clock->advance(std::chrono::milliseconds(pick(0, 30'000)));
    if (chance(70)) {
      const std::size_t expected = model_.expire_due(now_ms());
      for (const auto& [id, m] : model_.items) touch(id);
      const std::size_t actual = engine_->expire_due();
      if (expected != actual) {
        fail("expire_due: expected " + std::to_string(expected) + ", engine " +
             std::to_string(actual));
      }
    }
  }

  void op_get() {
    const ItemId id = random_item();
    auto level = engine_->get({}, id);
    const ModelItem* m = model_.item(id);
    expect_code(m != nullptr ? StatusCode::ok : StatusCode::not_found, level.status(), "get");
    if (m != nullptr && level.ok()) expect_same(*level, *m, "get");
  }

  void op_invalid() {
    const ItemId id = slots_[pick(0, kProducts * kLocations - 1)];
    switch (pick(0, 5)) {
      case 0:
        expect_code(StatusCode::invalid_argument,
                    engine_->adjust({}, {.item = id, .delta = Quantity{0}}).status(), "adjust 0");
        break;
      case 1:
        expect_code(
            StatusCode::invalid_argument,
            engine_->reserve({}, ReserveRequest{.item = id, .quantity = Quantity{0}}).status(),
            "reserve 0");
        break;
      case 2: {
        const ReserveLine dup[] = {{id, Quantity{1}}, {id, Quantity{1}}};
        expect_code(StatusCode::invalid_argument,
                    engine_->reserve({}, ReserveLinesRequest{.lines = dup}).status(),
                    "reserve duplicate");
        break;
      }
      case 3:
        expect_code(StatusCode::invalid_argument,
                    engine_
                        ->reserve({}, ReserveRequest{.item = id,
                                                     .quantity = Quantity{1},
                                                     .ttl = std::chrono::milliseconds(5)})
                        .status(),
                    "reserve ttl");
        break;
      case 4:
        expect_code(StatusCode::invalid_argument,
                    engine_->transfer({}, {.from = id, .to = id, .quantity = Quantity{1}}).status(),
                    "transfer to itself");
        break;
      default:
        expect_code(
            StatusCode::not_supported,
            engine_->adjust({.durability = Durability::sync}, {.item = id, .delta = Quantity{1}})
                .status(),
            "durability sync");
        break;
    }
  }

  // A keyed adjust or reserve, possibly a retry of an earlier one, possibly a mismatch.
  struct Stored {
    std::string request;
    StatusCode code;
    std::optional<StockLevel> level;
    ReservationId reservation{};
    std::int64_t expires_ms;
  };

  void op_idempotent() {
    const std::string key = "key-" + std::to_string(pick(0, 40));
    const bool is_reserve = chance(50);
    const ItemId id = slots_[pick(0, 3)];
    const std::int64_t quantity = pick(1, 3);
    const std::string request = std::string(is_reserve ? "r" : "a") +
                                std::to_string(static_cast<std::uint64_t>(id)) + "/" +
                                std::to_string(quantity);
    auto it = keys_.find(key);
    if (it != keys_.end() && it->second.expires_ms <= now_ms()) {
      keys_.erase(it);
      it = keys_.end();
    }
    const WriteOptions options{.idempotency_key = key};
    touch(id);
    if (it != keys_.end()) {
      const Stored& s = it->second;
      const bool same = s.request == request;
      if (is_reserve) {
        auto r =
            engine_->reserve(options, ReserveRequest{.item = id, .quantity = Quantity{quantity}});
        expect_code(same ? s.code : StatusCode::idempotency_mismatch, r.status(), "keyed reserve");
        if (same && r.ok() && *r != s.reservation) fail("keyed reserve: a different id");
      } else {
        auto r = engine_->adjust(options, {.item = id, .delta = Quantity{quantity}});
        expect_code(same ? s.code : StatusCode::idempotency_mismatch, r.status(), "keyed adjust");
        if (same && r.ok() && !(*r == *s.level)) fail("keyed adjust: a different result");
      }
      return;
    }
    Stored stored{request, StatusCode::ok, std::nullopt, ReservationId{}, now_ms() + window_ms_};
    if (is_reserve) {
      const std::vector<ReserveLine> lines{{id, Quantity{quantity}}};
      stored.code = model_.check_reserve(lines);
      auto r =
          engine_->reserve(options, ReserveRequest{.item = id, .quantity = Quantity{quantity}});
      expect_code(stored.code, r.status(), "keyed reserve (first)");
      if (stored.code == StatusCode::ok && r.ok()) {
        model_.apply_reserve(*r, lines, expires_for(std::chrono::milliseconds(0)));
        stored.reservation = *r;
      }
    } else {
      const ModelOutcome expected = model_.adjust(id, quantity, false);
      auto r = engine_->adjust(options, {.item = id, .delta = Quantity{quantity}});
      expect_outcome(expected, r, "keyed adjust (first)");
      stored.code = expected.code;
      if (r.ok()) stored.level = *r;
    }
    keys_[key] = stored;
  }

  void op_recreate_item() {
    const int slot = pick(0, kProducts * kLocations - 1);
    const ItemId old = slots_[slot];
    REQUIRE(engine_->remove_item({}, old, /*force=*/true).ok());
    model_.items.erase(old);
    removed_.push_back(old);
    create_item(slot / kLocations, slot % kLocations);
  }

  // A batch of 1-5 operations, decided by the model on a copy with batch rules: each item's
  // version moves once per batch; reservation operations on an overdue reservation fail
  // without expiring it (all_or_nothing); reservations created in the batch get the engine's
  // ids afterwards.
  void op_batch(BatchPolicy policy) {
    WriteBatch batch;
    struct Planned {
      WriteBatch::Kind kind;
      ItemId a{}, b{};
      std::int64_t q = 0;
      bool force = false;
      ReservationId r{};
      std::vector<ReserveLine> lines;
      std::chrono::milliseconds ttl{0};
      ItemPolicy policy;
    };
    std::vector<Planned> plan;
    const int count = pick(1, 5);
    for (int i = 0; i < count; ++i) {
      Planned p;
      switch (pick(0, 7)) {
        case 0:
          p.kind = WriteBatch::Kind::adjust;
          p.a = random_item();
          p.q = chance(60) ? pick(1, 20) : -pick(1, 10);
          batch.adjust({.item = p.a, .delta = Quantity{p.q}});
          break;
        case 1:
          p.kind = WriteBatch::Kind::set_on_hand;
          p.a = random_item();
          p.q = pick(0, 30);
          batch.set_on_hand({.item = p.a, .on_hand = Quantity{p.q}});
          break;
        case 2:
        case 3:
          p.kind = WriteBatch::Kind::reserve;
          p.lines = random_lines(pick(1, 3));
          p.ttl = random_ttl();
          batch.reserve(ReserveLinesRequest{.lines = p.lines, .ttl = p.ttl});
          break;
        case 4:
          p.kind = WriteBatch::Kind::confirm;
          p.r = random_reservation();
          p.lines = random_quantities(p.r);
          batch.confirm(ConfirmRequest{p.r, p.lines});
          break;
        case 5:
          p.kind = WriteBatch::Kind::release;
          p.r = random_reservation();
          batch.release(p.r);
          break;
        case 6: {
          p.kind = WriteBatch::Kind::transfer;
          auto [from, to] = random_transfer_items();
          if (from == to) continue;
          p.a = from;
          p.b = to;
          p.q = random_quantity();
          batch.transfer({.from = p.a, .to = p.b, .quantity = Quantity{p.q}});
          break;
        }
        default:
          p.kind = WriteBatch::Kind::set_policy;
          p.a = random_item();
          p.policy = ItemPolicy{pick(0, 3), pick(0, 5), chance(50) ? 0 : pick(1, 6)};
          batch.set_policy({.item = p.a, .policy = p.policy});
          break;
      }
      plan.push_back(p);
    }
    if (plan.empty()) return;
    for (const Planned& p : plan) {
      touch(p.a);
      touch(p.b);
      for (const ReserveLine& l : p.lines) touch(l.item);
      touch_lines(p.r);
    }
    auto receipt = engine_->write({}, batch, policy);

    if (policy == BatchPolicy::per_operation) {
      if (!receipt.ok()) {
        fail("per_operation batch failed: " + receipt.status().to_string());
        return;
      }
      for (std::size_t i = 0; i < plan.size(); ++i) {
        const Planned& p = plan[i];
        const OperationResult& actual = receipt->results.at(i);
        StatusCode expected = StatusCode::ok;
        switch (p.kind) {
          case WriteBatch::Kind::adjust:
            expected = model_.adjust(p.a, p.q, false).code;
            break;
          case WriteBatch::Kind::set_on_hand:
            expected = model_.set_on_hand(p.a, p.q, std::nullopt, false).code;
            break;
          case WriteBatch::Kind::set_policy:
            expected = model_.set_policy(p.a, p.policy, std::nullopt).code;
            break;
          case WriteBatch::Kind::transfer:
            expected = model_.transfer(p.a, p.b, p.q).code;
            break;
          case WriteBatch::Kind::reserve:
            expected = model_.check_reserve(p.lines);
            if (expected == StatusCode::ok && actual.status.ok()) {
              model_.apply_reserve(actual.reservation, p.lines, expires_for(p.ttl));
            }
            break;
          case WriteBatch::Kind::confirm:
            expected = finish_like(p.r, ReservationState::confirmed, p.lines);
            break;
          case WriteBatch::Kind::release:
            expected = finish_like(p.r, ReservationState::released, {});
            break;
          default:
            break;
        }
        expect_code(expected, actual.status, "per_operation");
      }
      return;
    }

    // all_or_nothing: decide on a copy.
    ModelInventory copy = model_;
    std::map<ItemId, std::uint64_t> original_version;
    for (const auto& [id, m] : copy.items) original_version[id] = m.version;
    std::set<ItemId> changed;
    std::size_t finished_in_batch = 0;
    std::vector<std::pair<std::size_t, ReservationId>> created;  // (op, placeholder)
    auto settle_versions = [&](const ModelOutcome& o) {
      for (const auto& [id, m] : o.levels) changed.insert(id);
    };
    auto fix_versions = [&] {
      for (ItemId id : changed) {
        if (ModelItem* m = copy.item(id)) m->version = original_version[id] + 1;
      }
    };
    StatusCode failure = StatusCode::ok;
    std::size_t failed_at = 0;
    const std::int64_t now = now_ms();
    for (std::size_t i = 0; i < plan.size() && failure == StatusCode::ok; ++i) {
      const Planned& p = plan[i];
      ModelOutcome o;
      switch (p.kind) {
        case WriteBatch::Kind::adjust:
          o = copy.adjust(p.a, p.q, false);
          break;
        case WriteBatch::Kind::set_on_hand:
          o = copy.set_on_hand(p.a, p.q, std::nullopt, false);
          break;
        case WriteBatch::Kind::set_policy:
          o = copy.set_policy(p.a, p.policy, std::nullopt);
          break;
        case WriteBatch::Kind::transfer:
          o = copy.transfer(p.a, p.b, p.q);
          break;
        case WriteBatch::Kind::reserve: {
          o.code = copy.check_reserve(p.lines, finished_in_batch);
          if (o.ok()) {
            const ReservationId placeholder{(std::uint64_t{1} << 63) | i};
            copy.apply_reserve(placeholder, p.lines, expires_for(p.ttl));
            for (const ReserveLine& l : p.lines) changed.insert(l.item);
            created.emplace_back(i, placeholder);
          }
          break;
        }
        case WriteBatch::Kind::confirm:
        case WriteBatch::Kind::release: {
          const Liveness live = copy.liveness(p.r, now);
          if (live == Liveness::not_found) {
            o.code = StatusCode::not_found;
          } else if (live != Liveness::ok) {
            o.code = StatusCode::reservation_not_active;
          } else if (p.kind == WriteBatch::Kind::confirm && !copy.valid_quantities(p.r, p.lines)) {
            o.code = StatusCode::invalid_argument;
          } else {
            for (const ReserveLine& l : copy.reservations.at(p.r).lines) {
              if (copy.item(l.item) != nullptr) changed.insert(l.item);
            }
            copy.finish(p.r,
                        p.kind == WriteBatch::Kind::confirm ? ReservationState::confirmed
                                                            : ReservationState::released,
                        p.lines);
            ++finished_in_batch;
          }
          break;
        }
        default:
          break;
      }
      if (!o.ok()) {
        failure = o.code;
        failed_at = i;
      } else {
        settle_versions(o);
      }
      fix_versions();
    }
    if (failure != StatusCode::ok) {
      expect_code(failure, receipt.status(), "all_or_nothing");
      if (!receipt.ok() && receipt.status().index() != static_cast<std::int32_t>(failed_at)) {
        fail("all_or_nothing: index " + std::to_string(receipt.status().index()) + ", expected " +
             std::to_string(failed_at));
      }
      return;
    }
    expect_code(StatusCode::ok, receipt.status(), "all_or_nothing");
    if (!receipt.ok()) return;
    for (const auto& [op, placeholder] : created) {
      const ReservationId real = receipt->results.at(op).reservation;
      copy.reservations[real] = copy.reservations.at(placeholder);
      copy.reservations.erase(placeholder);
    }
    for (const auto& [id, state] : copy.finished) {
      if (model_.finished.count(id) == 0) note_finished(id);
    }
    model_ = std::move(copy);
  }

  std::mt19937_64 rng_;
  testing::TestEngine engine_;
  ModelInventory model_;
  ItemId slots_[kProducts * kLocations];
  std::vector<ItemId> removed_;
  std::vector<ReservationId> recent_finished_;
  std::vector<ItemId> touched_;
  std::map<std::string, Stored> keys_;
  std::int64_t window_ms_ = 0;
  std::uint64_t steps_ = 0;
  bool failed_ = false;
};

}  // namespace

TEST_SUITE("model") {
  TEST_CASE("one million random operations match the reference model exactly") {
    const std::uint64_t seed = env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t ops = env_or("INVENTORY_MODEL_OPS", 1'000'000);
    Limits limits = testing::TestEngine::small_limits();
    limits.reservations_max = 64;  // Small, so limit_exceeded is part of the stream.
    limits.idempotency_window = std::chrono::hours(1);
    std::printf("model test: seed %llu, %llu operations (replay: INVENTORY_SEED=%llu)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(ops),
                static_cast<unsigned long long>(seed));
    ModelRun run(seed, limits);
    const auto start = std::chrono::steady_clock::now();
    while (run.steps() < ops && !run.failed()) run.step();
    run.compare_all();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("model test: seed %llu, %llu operations compared, %s, %.1f s\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run.steps()),
                run.failed() ? "MISMATCH" : "0 mismatches, 0 invariant violations", seconds);
    CHECK_FALSE(run.failed());
    CHECK(run.steps() >= ops);
  }
}

}  // namespace inventory
