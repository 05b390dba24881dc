// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Batches: per_operation (each operation through its single path) and all_or_nothing (lock
// everything the batch touches, simulate in order on private copies, then install or undo).

#include <algorithm>
#include <string>

#include "core/spin_wait.h"
#include "core/stock_core.h"
#include "core/stock_decide.h"

namespace inventory::core {

namespace {
constexpr std::uint32_t kNone = IndexFreeList::kNone;
}  // namespace

OperationResult StockCore::apply_one(const WriteBatch::Operation& op, std::int64_t expires_ms,
                                     std::int64_t now_ms, Changes* changes) {
  using Kind = WriteBatch::Kind;
  OperationResult result;
  auto take_level = [&](Result<StockLevel> level) {
    if (level.ok()) {
      result.levels.push_back(*level);
    } else {
      result.status = level.status();
    }
  };
  switch (op.kind) {
    case Kind::adjust:
      take_level(adjust(op.item, op.quantity.value(), op.force, now_ms, changes));
      break;
    case Kind::set_on_hand:
      take_level(set_on_hand(op.item, op.quantity.value(), op.expected_version, op.force, now_ms,
                             changes));
      break;
    case Kind::set_policy:
      take_level(set_policy(op.item, op.policy, op.expected_version, now_ms, changes));
      break;
    case Kind::reserve: {
      Result<ReservationId> id = reserve_lines(op.lines, expires_ms, op.reference, now_ms, changes);
      if (id.ok()) {
        result.reservation = *id;
        result.expires_at = Timestamp(std::chrono::milliseconds(expires_ms));
      } else {
        result.status = id.status();
      }
      break;
    }
    case Kind::confirm:
      result.status = confirm(op.reservation, op.lines, now_ms, changes);
      break;
    case Kind::release:
      result.status = release(op.reservation, now_ms, changes);
      break;
    case Kind::extend: {
      Result<Timestamp> expires = extend(op.reservation, expires_ms, now_ms, changes);
      if (expires.ok()) {
        result.expires_at = *expires;
      } else {
        result.status = expires.status();
      }
      break;
    }
    case Kind::transfer: {
      Result<TransferReceipt> receipt =
          transfer(op.item, op.item2, op.quantity.value(), now_ms, changes);
      if (receipt.ok()) {
        result.levels = {receipt->from, receipt->to};
      } else {
        result.status = receipt.status();
      }
      break;
    }
  }
  return result;
}

// Everything an all_or_nothing batch holds while it runs.
struct StockCore::BatchState {
  struct HeldSlot {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    ItemSlot* slot = nullptr;
    bool live = false;  // The lock was taken (the item still existed).
    SlotWord original;
    SlotWord working;
    ItemPolicy policy;
    bool changed = false;
    bool policy_changed = false;
  };
  struct HeldReservation {
    std::uint32_t index = 0;
    bool locked = false;  // Active when the batch started, and locked by it.
    ResWord original;
    ResWord working;
    std::vector<ReserveLine> lines;
  };
  struct Claimed {
    std::size_t op = 0;
    std::uint32_t index = 0;
  };

  std::vector<HeldSlot> slots;                // Sorted by index.
  std::vector<HeldReservation> reservations;  // Sorted by index.
  std::vector<Claimed> claimed;

  HeldSlot* slot(ItemId id) {
    const std::uint32_t index = item_index(id);
    auto it = std::lower_bound(slots.begin(), slots.end(), index,
                               [](const HeldSlot& h, std::uint32_t i) { return h.index < i; });
    if (it == slots.end() || it->index != index || !it->live) return nullptr;
    if (it->generation != item_generation(id)) return nullptr;
    return &*it;
  }
  HeldReservation* reservation(std::uint32_t index) {
    auto it =
        std::lower_bound(reservations.begin(), reservations.end(), index,
                         [](const HeldReservation& h, std::uint32_t i) { return h.index < i; });
    return it == reservations.end() || it->index != index ? nullptr : &*it;
  }
  // Installs a decided change of a held slot.
  static void take(HeldSlot& h, const SlotWord& next) {
    h.working.on_hand = next.on_hand;
    h.working.reserved = next.reserved;
    h.working.deficit = next.deficit;
    h.working.version = (h.original.version + 1) & SlotWord::kVersionMask;
    h.changed = true;
  }
  static StockLevel level(const HeldSlot& h, ItemId id, std::int64_t now_ms) {
    return StockLevel{id,
                      Quantity(h.working.on_hand),
                      Quantity(h.working.reserved),
                      h.policy,
                      Version{h.working.version},
                      Timestamp(std::chrono::milliseconds(h.changed ? now_ms : 0))};
  }
};

Result<BatchReceipt> StockCore::apply_all(std::span<const WriteBatch::Operation> ops,
                                          std::span<const std::int64_t> expires_ms,
                                          std::int64_t now_ms, Changes* changes) {
  using Kind = WriteBatch::Kind;
  BatchState state;

  // 1. Lock the reservations the batch names, in index order.
  for (const auto& op : ops) {
    if (op.kind != Kind::confirm && op.kind != Kind::release && op.kind != Kind::extend) continue;
    const std::uint32_t index = reservations_.index_of(op.reservation);
    if (index != kNone) state.reservations.push_back({.index = index});
  }
  std::sort(state.reservations.begin(), state.reservations.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  state.reservations.erase(
      std::unique(state.reservations.begin(), state.reservations.end(),
                  [](const auto& a, const auto& b) { return a.index == b.index; }),
      state.reservations.end());
  for (auto& held : state.reservations) {
    Atomic128& word = reservations_.word(held.index);
    SpinWait wait;
    u128 raw = word.load();
    for (;;) {
      const ResWord current = ResWord::decode(raw);
      if (current.locked) {  // Another batch holds it, or a thread is finishing it.
        wait.once();
        raw = word.load();
        continue;
      }
      if (current.state != ResStatus::active) {
        held.original = current;  // Ops will report why it is not active.
        break;
      }
      if (word.compare_exchange(raw, raw | ResWord::kLockBit)) {
        held.original = current;
        held.locked = true;
        break;
      }
    }
    held.working = held.original;
    if (held.locked) {
      // Locked and active: nobody else can finish or reuse the record, so the lines are stable.
      reservations_.for_each_line(
          held.index, [&](std::uint32_t, ReserveLine line) { held.lines.push_back(line); });
    }
  }

  // 2. Lock every item any operation or held reservation touches, in slot order.
  auto add_item = [&](ItemId id) {
    if (items_.find(id) == nullptr) return;  // Operations on it report not_found.
    state.slots.push_back({.index = item_index(id), .generation = item_generation(id)});
  };
  for (const auto& op : ops) {
    switch (op.kind) {
      case Kind::adjust:
      case Kind::set_on_hand:
      case Kind::set_policy:
        add_item(op.item);
        break;
      case Kind::transfer:
        add_item(op.item);
        add_item(op.item2);
        break;
      case Kind::reserve:
        for (const ReserveLine& line : op.lines) add_item(line.item);
        break;
      default:
        break;
    }
  }
  for (const auto& held : state.reservations) {
    for (const ReserveLine& line : held.lines) add_item(line.item);
  }
  std::sort(state.slots.begin(), state.slots.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  state.slots.erase(std::unique(state.slots.begin(), state.slots.end(),
                                [](const auto& a, const auto& b) { return a.index == b.index; }),
                    state.slots.end());
  for (auto& held : state.slots) {
    held.slot = &items_.slot(held.index);
    held.live = items_.lock(*held.slot, held.generation, &held.original);
    held.working = held.original;
    if (held.live) held.policy = held.slot->policy();
  }

  auto undo = [&] {
    for (auto& held : state.slots) {
      if (held.live) ItemTable::unlock(*held.slot, held.original);
    }
    for (auto& held : state.reservations) {
      if (held.locked) reservations_.word(held.index).store_exclusive(held.original.encode());
    }
    for (const auto& c : state.claimed) reservations_.abandon(c.index);
  };

  // 3. Decide every operation in order on the private copies.
  BatchReceipt receipt;
  receipt.results.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    OperationResult result;
    Status status = apply_held(state, op, i, expires_ms[i], now_ms, &result);
    if (!status.ok()) {
      undo();
      // Name the field as validation does: operations[i].<field of the operation>.
      const std::string prefix = "operations[" + std::to_string(i) + "].";
      return Status(status.code(), status.message(),
                    status.field().empty() ? std::string() : prefix + std::string(status.field()),
                    static_cast<std::int32_t>(i));
    }
    receipt.results.push_back(std::move(result));
  }

  // 4. Install: items first (the holds and stock), then the reservations.
  for (auto& held : state.slots) {
    if (!held.live) continue;
    if (!held.changed && !held.policy_changed) {
      ItemTable::unlock(*held.slot, held.original);
      continue;
    }
    if (held.policy_changed) held.slot->set_policy(held.policy);
    held.slot->updated_at_ms.store(now_ms, std::memory_order_release);
    held.working.version = (held.original.version + 1) & SlotWord::kVersionMask;
    ItemTable::unlock(*held.slot, held.working);
    note_item(changes, held.index, held.generation, held.original, held.working, held.policy,
              now_ms);
  }
  for (const auto& c : state.claimed) {
    ResWord published;
    receipt.results[c.op].reservation =
        reservations_.publish(c.index, expires_ms[c.op], &published);
    note_create(changes, c.index, published, ops[c.op].lines, ops[c.op].reference, now_ms);
  }
  for (auto& held : state.reservations) {
    if (!held.locked) continue;
    if (held.working.state == held.original.state &&
        held.working.expires_ms == held.original.expires_ms) {
      reservations_.word(held.index).store_exclusive(held.original.encode());
      continue;
    }
    ResWord next = held.working;
    next.locked = false;
    next.version = (held.original.version + 1) & ResWord::kVersionMask;
    reservations_.word(held.index).store_exclusive(next.encode());
    note_reservation(
        changes,
        next.terminal() ? ReservationChange::Kind::finish : ReservationChange::Kind::extend,
        held.index, next);
    if (next.terminal()) reservations_.release_record(held.index);
  }
  return receipt;
}

Status StockCore::apply_held(BatchState& state, const WriteBatch::Operation& op,
                             std::size_t op_index, std::int64_t expires_ms, std::int64_t now_ms,
                             OperationResult* result) {
  using Kind = WriteBatch::Kind;
  using HeldSlot = BatchState::HeldSlot;
  switch (op.kind) {
    case Kind::adjust:
    case Kind::set_on_hand:
    case Kind::set_policy: {
      HeldSlot* held = state.slot(op.item);
      if (held == nullptr) return kItemNotFound;
      SlotWord next = held->working;
      Status status = op.kind == Kind::adjust ? decide_adjust(held->working, next, held->policy,
                                                              op.quantity.value(), op.force)
                      : op.kind == Kind::set_on_hand
                          ? decide_set(held->working, next, held->policy, op.quantity.value(),
                                       op.expected_version, op.force)
                          : decide_policy(held->working, next, op.policy, op.expected_version);
      if (!status.ok()) return status;
      if (op.kind == Kind::set_policy) {
        held->policy = op.policy;
        held->policy_changed = true;
      }
      BatchState::take(*held, next);
      result->levels.push_back(BatchState::level(*held, op.item, now_ms));
      return Status();
    }
    case Kind::transfer: {
      HeldSlot* source = state.slot(op.item);
      if (source == nullptr)
        return Status::from_static(StatusCode::not_found, "item not found", "from");
      HeldSlot* target = state.slot(op.item2);
      if (target == nullptr)
        return Status::from_static(StatusCode::not_found, "item not found", "to");
      if (source->slot->product_key.load(std::memory_order_relaxed) !=
          target->slot->product_key.load(std::memory_order_relaxed)) {
        return kDifferentProduct;
      }
      SlotWord source_next = source->working;
      SlotWord target_next = target->working;
      const std::int64_t quantity = op.quantity.value();
      INVENTORY_RETURN_IF_ERROR(
          decide_transfer_from(source->working, source_next, source->policy, quantity));
      INVENTORY_RETURN_IF_ERROR(
          decide_transfer_to(target->working, target_next, target->policy, quantity));
      BatchState::take(*source, source_next);
      BatchState::take(*target, target_next);
      result->levels.push_back(BatchState::level(*source, op.item, now_ms));
      result->levels.push_back(BatchState::level(*target, op.item2, now_ms));
      return Status();
    }
    case Kind::reserve: {
      // Same precedence as the single path: not_found, then limit_exceeded, then stock.
      for (std::size_t k = 0; k < op.lines.size(); ++k) {
        if (state.slot(op.lines[k].item) == nullptr) {
          return Status(StatusCode::not_found, "item not found",
                        "lines[" + std::to_string(k) + "].item");
        }
      }
      bool lines_exhausted = false;
      const std::uint32_t index =
          reservations_.claim(static_cast<std::uint32_t>(op.lines.size()), &lines_exhausted);
      if (index == kNone) return lines_exhausted ? kNoOverflowLines : kNoReservationRecord;
      std::vector<std::pair<HeldSlot*, SlotWord>> decided;
      decided.reserve(op.lines.size());
      Shortages shortages;
      Status range;  // A line that would leave the quantity range (reported after shortages).
      for (std::size_t k = 0; k < op.lines.size(); ++k) {
        HeldSlot* held = state.slot(op.lines[k].item);
        SlotWord next = held->working;
        const std::int64_t quantity = op.lines[k].quantity.value();
        Status line = decide_reserve(held->working, next, held->policy, quantity);
        if (line.code() == StatusCode::insufficient_stock) {
          shortages.add(k, quantity, held->working, held->policy);
        } else if (!line.ok() && range.ok()) {
          range = line;
        }
        decided.emplace_back(held, next);
      }
      if (!shortages.empty() || !range.ok()) {
        reservations_.abandon(index);
        return !shortages.empty() ? shortages.status() : range;
      }
      reservations_.write(index, op.lines, op.reference, now_ms);
      state.claimed.push_back({.op = op_index, .index = index});
      for (auto& [held, next] : decided) BatchState::take(*held, next);
      result->expires_at = Timestamp(std::chrono::milliseconds(expires_ms));
      return Status();
    }
    case Kind::confirm:
    case Kind::release:
    case Kind::extend: {
      const std::uint32_t index = reservations_.index_of(op.reservation);
      BatchState::HeldReservation* held = index == kNone ? nullptr : state.reservation(index);
      if (held == nullptr) return kReservationNotFound;
      INVENTORY_RETURN_IF_ERROR(
          check_res_word(held->working, reservation_generation(op.reservation)));
      INVENTORY_ASSERT(held->locked);
      if (now_ms >= held->working.expires_ms) return reservation_inactive(ResStatus::expired);
      if (op.kind == Kind::extend) {
        held->working.expires_ms = expires_ms;
        result->expires_at = Timestamp(std::chrono::milliseconds(expires_ms));
        return Status();
      }
      const std::span<const ReserveLine> quantities = op.kind == Kind::confirm
                                                          ? std::span<const ReserveLine>(op.lines)
                                                          : std::span<const ReserveLine>();
      for (std::size_t i = 0; i < quantities.size(); ++i) {
        auto line = std::find_if(held->lines.begin(), held->lines.end(), [&](const ReserveLine& l) {
          return l.item == quantities[i].item;
        });
        if (line == held->lines.end()) {
          return Status(StatusCode::invalid_argument, "not a line of the reservation",
                        "quantities[" + std::to_string(i) + "].item");
        }
        if (quantities[i].quantity > line->quantity) {
          return Status(StatusCode::invalid_argument,
                        "exceeds the held quantity " + std::to_string(line->quantity.value()),
                        "quantities[" + std::to_string(i) + "].quantity");
        }
      }
      for (const ReserveLine& line : held->lines) {
        HeldSlot* slot = state.slot(line.item);
        if (slot == nullptr) continue;  // Removed with force; its holds went with it.
        const std::int64_t held_quantity = line.quantity.value();
        const std::int64_t confirmed =
            op.kind == Kind::confirm ? confirmed_quantity(quantities, line.item, held_quantity) : 0;
        SlotWord next = slot->working;
        decide_finish_line(slot->working, next, slot->policy, held_quantity, confirmed);
        BatchState::take(*slot, next);
      }
      held->working.state = op.kind == Kind::confirm ? ResStatus::confirmed : ResStatus::released;
      return Status();
    }
  }
  return Status::from_static(StatusCode::invalid_argument, "unknown operation kind", "kind");
}

}  // namespace inventory::core
