// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "core/stock_core.h"

#include <algorithm>
#include <string>

#include <boost/container/small_vector.hpp>

#include "core/spin_wait.h"
#include "core/stock_decide.h"

namespace inventory::core {

namespace {
constexpr std::uint32_t kNone = IndexFreeList::kNone;

std::string line_field(std::size_t i, const char* member) {
  return "lines[" + std::to_string(i) + "]." + member;
}

}  // namespace

Status reservation_inactive(ResStatus state) noexcept {
  switch (state) {
    case ResStatus::confirmed:
      return Status::from_static(StatusCode::reservation_not_active,
                                 "reservation is not active: it was confirmed", "reservation");
    case ResStatus::released:
      return Status::from_static(StatusCode::reservation_not_active,
                                 "reservation is not active: it was released", "reservation");
    case ResStatus::expired:
      return Status::from_static(StatusCode::reservation_not_active,
                                 "reservation is not active: it expired", "reservation");
    default:
      return Status::from_static(StatusCode::reservation_not_active,
                                 "reservation is not active: it was confirmed, released or "
                                 "expired, and its record has been reused",
                                 "reservation");
  }
}

StockCore::StockCore(const Limits& limits)
    : limits_(limits),
      items_(limits.items_max),
      reservations_(
          limits.reservations_max,
          std::max<std::uint32_t>(
              (limits.reservation_overflow_lines_max + ReservationTable::kChunkLines - 1) /
                  ReservationTable::kChunkLines,
              limits.reservation_lines_max > ReservationTable::kInlineLines
                  ? (limits.reservation_lines_max - ReservationTable::kInlineLines +
                     ReservationTable::kChunkLines - 1) /
                        ReservationTable::kChunkLines
                  : 0)) {}

StockLevel StockCore::level_of(const ItemSlot& slot, ItemId id, const SlotWord& word,
                               std::int64_t updated_ms) const noexcept {
  StockLevel level;
  level.item = id;
  level.on_hand = Quantity(word.on_hand);
  level.reserved = Quantity(word.reserved);
  level.policy = ItemPolicy{slot.safety_stock.load(std::memory_order_acquire),
                            slot.low_stock_threshold.load(std::memory_order_acquire),
                            slot.backorder_limit.load(std::memory_order_acquire)};
  level.version = Version{word.version};
  level.updated_at = Timestamp(std::chrono::milliseconds(updated_ms));
  return level;
}

Result<StockLevel> StockCore::get(ItemId item) const noexcept {
  const ItemSlot* slot = items_.find(item);
  if (slot == nullptr) return kItemNotFound;
  const std::uint32_t generation = item_generation(item);
  SpinWait wait;
  // Seqlock-style: the policy and timestamp are consistent with the word if the word did not
  // change while they were read (policy changes happen under the lock bit).
  for (;;) {
    const u128 first = slot->word.load();
    if (first & SlotWord::kLockBit) {
      wait.once();
      continue;
    }
    if (slot->generation.load(std::memory_order_acquire) != generation) return kItemNotFound;
    const std::int64_t updated_ms = slot->updated_at_ms.load(std::memory_order_acquire);
    StockLevel level = level_of(*slot, item, SlotWord::decode(first), updated_ms);
    if (slot->word.load() == first) return level;
  }
}

Result<StockLevel> StockCore::adjust(ItemId item, std::int64_t delta, bool force,
                                     std::int64_t now_ms, Changes* changes) {
  ItemSlot* slot = items_.find(item);
  if (slot == nullptr) return kItemNotFound;
  SlotWord before, after;
  ItemPolicy policy;  // The policy the winning decision was made with.
  Status status = update_slot<Status>(
      *slot, item_generation(item), kItemNotFound,
      [&](const SlotWord& current, SlotWord& next) {
        policy = slot->policy();
        return decide_adjust(current, next, policy, delta, force);
      },
      &before, &after);
  if (!status.ok()) return status;
  slot->updated_at_ms.store(now_ms, std::memory_order_release);
  note_item(changes, item_index(item), item_generation(item), before, after, policy, now_ms);
  return level_of(*slot, item, after, now_ms);
}

Result<StockLevel> StockCore::set_on_hand(ItemId item, std::int64_t on_hand,
                                          const std::optional<Version>& expected_version,
                                          bool force, std::int64_t now_ms, Changes* changes) {
  ItemSlot* slot = items_.find(item);
  if (slot == nullptr) return kItemNotFound;
  SlotWord before, after;
  ItemPolicy policy;
  Status status = update_slot<Status>(
      *slot, item_generation(item), kItemNotFound,
      [&](const SlotWord& current, SlotWord& next) {
        policy = slot->policy();
        return decide_set(current, next, policy, on_hand, expected_version, force);
      },
      &before, &after);
  if (!status.ok()) return status;
  slot->updated_at_ms.store(now_ms, std::memory_order_release);
  note_item(changes, item_index(item), item_generation(item), before, after, policy, now_ms);
  return level_of(*slot, item, after, now_ms);
}

Result<StockLevel> StockCore::set_policy(ItemId item, const ItemPolicy& policy,
                                         const std::optional<Version>& expected_version,
                                         std::int64_t now_ms, Changes* changes) {
  ItemSlot* slot = items_.find(item);
  if (slot == nullptr) return kItemNotFound;
  SlotWord locked;
  if (!items_.lock(*slot, item_generation(item), &locked)) return kItemNotFound;
  SlotWord next = locked;
  Status status = decide_policy(locked, next, policy, expected_version);
  if (!status.ok()) {
    ItemTable::unlock(*slot, locked);
    return status;
  }
  slot->set_policy(policy);
  slot->updated_at_ms.store(now_ms, std::memory_order_release);
  next.version = (locked.version + 1) & SlotWord::kVersionMask;
  ItemTable::unlock(*slot, next);  // Publishes the policy with the word.
  note_item(changes, item_index(item), item_generation(item), locked, next, policy, now_ms);
  return level_of(*slot, item, next, now_ms);
}

Result<ReservationId> StockCore::reserve(ItemId item, std::int64_t quantity,
                                         std::int64_t expires_ms, std::string_view reference,
                                         std::int64_t now_ms, Changes* changes) {
  ItemSlot* slot = items_.find(item);
  if (slot == nullptr) return kItemNotFound;
  const std::uint32_t index = reservations_.claim(1, nullptr);
  if (index == kNone) return kNoReservationRecord;
  const ReserveLine line{item, Quantity(quantity)};
  reservations_.write(index, std::span<const ReserveLine>(&line, 1), reference, now_ms);
  SlotWord before, after;
  ItemPolicy policy;
  Status status = update_slot<Status>(
      *slot, item_generation(item), kItemNotFound,
      [&](const SlotWord& current, SlotWord& next) {
        policy = slot->policy();
        return decide_reserve(current, next, policy, quantity);
      },
      &before, &after);
  if (!status.ok()) {
    reservations_.abandon(index);
    return status;
  }
  slot->updated_at_ms.store(now_ms, std::memory_order_release);
  ResWord published;
  const ReservationId id = reservations_.publish(index, expires_ms, &published);
  if (changes != nullptr) {
    note_item(changes, item_index(item), item_generation(item), before, after, policy, now_ms);
    note_create(changes, index, published, std::span<const ReserveLine>(&line, 1), reference,
                now_ms);
  }
  return id;
}

Result<ReservationId> StockCore::reserve_lines(std::span<const ReserveLine> lines,
                                               std::int64_t expires_ms, std::string_view reference,
                                               std::int64_t now_ms, Changes* changes) {
  INVENTORY_ASSERT(!lines.empty());
  if (lines.size() == 1) {
    // The single-item path, with the answer in the multi-line form (field lines[0].*).
    Result<ReservationId> id =
        reserve(lines[0].item, lines[0].quantity.value(), expires_ms, reference, now_ms, changes);
    if (id.ok()) return id;
    if (id.status().code() == StatusCode::insufficient_stock) {
      Shortages shortage;
      // Re-read for the message only; the decision was made on the CAS.
      Result<StockLevel> level = get(lines[0].item);
      if (level.ok()) {
        SlotWord word;
        word.on_hand = level->on_hand.value();
        word.reserved = level->reserved.value();
        shortage.add(0, lines[0].quantity.value(), word, level->policy);
        return shortage.status();
      }
    }
    const Status& status = id.status();
    std::string field(status.field());
    if (field == "item" || field == "quantity") field = line_field(0, field.c_str());
    return Status(status.code(), status.message(), field, field.empty() ? -1 : 0);
  }
  // Resolve and order the slots. The order of lock acquisition is the slot index.
  struct Entry {
    std::uint32_t slot_index;
    std::uint32_t line;
    ItemSlot* slot;
    SlotWord locked;
    ItemPolicy policy;  // Read under the lock bit.
  };
  boost::container::small_vector<Entry, 8> entries;  // Carts stay off the heap.
  entries.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ItemSlot* slot = items_.find(lines[i].item);
    if (slot == nullptr) {
      return Status(StatusCode::not_found, "item not found", line_field(i, "item"),
                    static_cast<std::int32_t>(i));
    }
    entries.push_back(
        Entry{item_index(lines[i].item), static_cast<std::uint32_t>(i), slot, {}, {}});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.slot_index < b.slot_index; });

  bool lines_exhausted = false;
  const std::uint32_t index =
      reservations_.claim(static_cast<std::uint32_t>(lines.size()), &lines_exhausted);
  if (index == kNone) return lines_exhausted ? kNoOverflowLines : kNoReservationRecord;
  reservations_.write(index, lines, reference, now_ms);

  std::size_t locked_count = 0;
  auto unlock_all = [&] {
    for (std::size_t k = 0; k < locked_count; ++k) {
      ItemTable::unlock(*entries[k].slot, entries[k].locked);
    }
  };
  for (; locked_count < entries.size(); ++locked_count) {
    Entry& e = entries[locked_count];
    if (!items_.lock(*e.slot, item_generation(lines[e.line].item), &e.locked)) {
      unlock_all();
      reservations_.abandon(index);
      return Status(StatusCode::not_found, "item not found", line_field(e.line, "item"),
                    static_cast<std::int32_t>(e.line));
    }
  }

  // Decide every line on the locked words; report every short line, first one as the index.
  boost::container::small_vector<SlotWord, 8> next(entries.size());
  Shortages shortages;
  Status range;  // A line that would leave the quantity range (reported after shortages).
  for (std::size_t k = 0; k < entries.size(); ++k) {
    Entry& e = entries[k];
    next[k] = e.locked;
    const std::int64_t quantity = lines[e.line].quantity.value();
    e.policy = e.slot->policy();
    const ItemPolicy& policy = e.policy;
    Status line = decide_reserve(e.locked, next[k], policy, quantity);
    if (line.code() == StatusCode::insufficient_stock) {
      shortages.add(e.line, quantity, e.locked, policy);
    } else if (!line.ok() && range.ok()) {
      range = line.with_index(static_cast<std::int32_t>(e.line));
    }
  }
  if (!shortages.empty() || !range.ok()) {
    unlock_all();
    reservations_.abandon(index);
    return !shortages.empty() ? shortages.status() : range;
  }
  for (std::size_t k = 0; k < entries.size(); ++k) {
    entries[k].slot->updated_at_ms.store(now_ms, std::memory_order_release);
    next[k].version = (entries[k].locked.version + 1) & SlotWord::kVersionMask;
    ItemTable::unlock(*entries[k].slot, next[k]);
    note_item(changes, entries[k].slot_index, item_generation(lines[entries[k].line].item),
              entries[k].locked, next[k], entries[k].policy, now_ms);
  }
  ResWord published;
  const ReservationId id = reservations_.publish(index, expires_ms, &published);
  note_create(changes, index, published, lines, reference, now_ms);
  return id;
}

void StockCore::apply_finished(std::uint32_t index, ResWord finishing, Finish kind,
                               std::span<const ReserveLine> quantities, std::int64_t now_ms,
                               Changes* changes) {
  // The caller won the CAS that moved the reservation to its final state with the lock bit set,
  // so it owns the record: the lines are stable and this is the only thread applying them.
  // Everyone else who meets the reservation waits for the lock bit to clear (below), so nobody
  // can learn that it finished before its holds are gone from the items.
  INVENTORY_DASSERT(finishing.locked);
  struct Line {
    ItemSlot* slot;
    ItemId item;
    std::int64_t held;
    std::int64_t confirmed;
    SlotWord locked;
  };
  auto line_of = [&](ReserveLine line) {
    const std::int64_t held = line.quantity.value();
    return Line{items_.find(line.item), line.item, held,
                kind == Finish::confirm ? confirmed_quantity(quantities, line.item, held) : 0,
                SlotWord{}};
  };
  if (reservations_.line_count(index) == 1) {
    // One item: a single CAS is the linearization point. Lock-free; does not allocate.
    Line line{};
    reservations_.for_each_line(index, [&](std::uint32_t, ReserveLine l) { line = line_of(l); });
    // A null slot: the item was removed with force, and its holds went with it.
    if (line.slot != nullptr) {
      SlotWord before, after;
      ItemPolicy policy;
      Status status = update_slot<Status>(
          *line.slot, item_generation(line.item), kItemNotFound,
          [&](const SlotWord& current, SlotWord& next) {
            policy = line.slot->policy();
            decide_finish_line(current, next, policy, line.held, line.confirmed);
            return Status();
          },
          &before, &after);
      if (status.ok()) {
        line.slot->updated_at_ms.store(now_ms, std::memory_order_release);
        note_item(changes, item_index(line.item), item_generation(line.item), before, after, policy,
                  now_ms);
      }
    }
  } else {
    // Several items: change them together under their lock bits (in slot order), so no reader
    // sees some of the holds gone and others still there.
    boost::container::small_vector<Line, 8> lines;  // Carts stay off the heap.
    lines.reserve(reservations_.line_count(index));
    const bool complete = reservations_.for_each_line(index, [&](std::uint32_t, ReserveLine l) {
      Line line = line_of(l);
      if (line.slot != nullptr) lines.push_back(line);
    });
    INVENTORY_ASSERT(complete);
    std::sort(lines.begin(), lines.end(),
              [](const Line& a, const Line& b) { return a.slot < b.slot; });
    for (Line& line : lines) {
      if (!items_.lock(*line.slot, item_generation(line.item), &line.locked)) line.slot = nullptr;
    }
    for (const Line& line : lines) {
      if (line.slot == nullptr) continue;
      SlotWord next = line.locked;
      const ItemPolicy policy = line.slot->policy();  // Stable under the lock bit.
      decide_finish_line(line.locked, next, policy, line.held, line.confirmed);
      next.version = (line.locked.version + 1) & SlotWord::kVersionMask;
      line.slot->updated_at_ms.store(now_ms, std::memory_order_release);
      ItemTable::unlock(*line.slot, next);
      note_item(changes, item_index(line.item), item_generation(line.item), line.locked, next,
                policy, now_ms);
    }
  }
  note_reservation(changes, ReservationChange::Kind::finish, index, finishing);
  finishing.locked = false;
  reservations_.word(index).store_exclusive(finishing.encode());
  reservations_.release_record(index);
}

Status StockCore::finish(ReservationId reservation, Finish kind,
                         std::span<const ReserveLine> quantities, std::int64_t now_ms,
                         Changes* changes) {
  const std::uint32_t index = reservations_.index_of(reservation);
  if (index == kNone) return kReservationNotFound;
  const std::uint32_t generation = reservation_generation(reservation);
  Atomic128& word = reservations_.word(index);
  SpinWait wait;
  u128 raw = word.load();
  // A failed CAS means the word changed (another finish, an extend, a batch lock): re-decide.
  for (;;) {
    const ResWord current = ResWord::decode(raw);
    // Locked: a batch holds it, or another thread is finishing it. Wait, so that an answer of
    // "not active" is only given once the holds are gone from the items.
    if (current.locked) {
      wait.once();
      raw = word.load();
      continue;
    }
    if (Status s = check_res_word(current, generation); !s.ok()) return s;
    const bool overdue = now_ms >= current.expires_ms;
    if (!overdue && kind == Finish::confirm && !quantities.empty()) {
      // Every listed item must be a line, confirmed for at most what it holds.
      Status invalid;
      for (std::size_t i = 0; i < quantities.size() && invalid.ok(); ++i) {
        std::int64_t held = -1;
        const bool complete =
            reservations_.for_each_line(index, [&](std::uint32_t, ReserveLine line) {
              if (line.item == quantities[i].item) held = line.quantity.value();
            });
        if (!complete) {
          invalid = kRetry;
        } else if (held < 0) {
          invalid =
              Status(StatusCode::invalid_argument, "not a line of the reservation",
                     "quantities[" + std::to_string(i) + "].item", static_cast<std::int32_t>(i));
        } else if (quantities[i].quantity.value() > held) {
          invalid = Status(
              StatusCode::invalid_argument, "exceeds the held quantity " + std::to_string(held),
              "quantities[" + std::to_string(i) + "].quantity", static_cast<std::int32_t>(i));
        }
      }
      if (!invalid.ok()) {
        // The lines are trustworthy only if the word did not change while they were read.
        const u128 again = word.load();
        if (again != raw || invalid.code() == StatusCode::busy) {
          raw = again;
          continue;
        }
        return invalid;
      }
    }
    ResWord next = current;
    next.state = overdue                   ? ResStatus::expired
                 : kind == Finish::confirm ? ResStatus::confirmed
                 : kind == Finish::release ? ResStatus::released
                                           : ResStatus::expired;
    next.version = (current.version + 1) & ResWord::kVersionMask;
    next.locked = true;
    if (word.compare_exchange(raw, next.encode())) {
      apply_finished(index, next, overdue ? Finish::expire : kind, quantities, now_ms, changes);
      if (overdue && kind != Finish::expire) return reservation_inactive(ResStatus::expired);
      return Status();
    }
  }
}

Status StockCore::confirm(ReservationId reservation, std::span<const ReserveLine> quantities,
                          std::int64_t now_ms, Changes* changes) {
  return finish(reservation, Finish::confirm, quantities, now_ms, changes);
}

Status StockCore::release(ReservationId reservation, std::int64_t now_ms, Changes* changes) {
  return finish(reservation, Finish::release, {}, now_ms, changes);
}

Result<Timestamp> StockCore::extend(ReservationId reservation, std::int64_t expires_ms,
                                    std::int64_t now_ms, Changes* changes) {
  const std::uint32_t index = reservations_.index_of(reservation);
  if (index == kNone) return kReservationNotFound;
  const std::uint32_t generation = reservation_generation(reservation);
  Atomic128& word = reservations_.word(index);
  SpinWait wait;
  u128 raw = word.load();
  for (;;) {
    const ResWord current = ResWord::decode(raw);
    if (current.locked) {  // As in finish().
      wait.once();
      raw = word.load();
      continue;
    }
    if (Status s = check_res_word(current, generation); !s.ok()) return s;
    if (now_ms >= current.expires_ms) {
      // Too late: expire it on the spot, as the sweeper would.
      Status status = finish(reservation, Finish::expire, {}, now_ms, changes);
      if (!status.ok()) return status;
      return reservation_inactive(ResStatus::expired);
    }
    ResWord next = current;
    next.expires_ms = expires_ms;
    next.version = (current.version + 1) & ResWord::kVersionMask;
    if (word.compare_exchange(raw, next.encode())) {
      note_reservation(changes, ReservationChange::Kind::extend, index, next);
      return Timestamp(std::chrono::milliseconds(expires_ms));
    }
  }
}

Result<ReservationInfo> StockCore::get_reservation(ReservationId reservation) const {
  const std::uint32_t index = reservations_.index_of(reservation);
  if (index == kNone) return kReservationNotFound;
  const std::uint32_t generation = reservation_generation(reservation);
  auto& table = const_cast<ReservationTable&>(reservations_);
  // Seqlock-style read: the payload is valid if the word did not change while it was read.
  SpinWait wait;
  for (;;) {
    const u128 raw = table.word(index).load();
    const ResWord word = ResWord::decode(raw);
    if (word.locked) {  // Being finished or held by a batch: report the settled state.
      wait.once();
      continue;
    }
    if (word.generation != generation || word.state == ResStatus::none) {
      return kReservationNotFound;
    }
    ReservationInfo info;
    info.id = reservation;
    info.state = static_cast<ReservationState>(word.state);
    info.expires_at = Timestamp(std::chrono::milliseconds(word.expires_ms));
    info.created_at = Timestamp(std::chrono::milliseconds(table.created_ms(index)));
    info.reference = table.reference(index);
    info.lines.reserve(table.line_count(index));
    const bool complete = table.for_each_line(
        index, [&](std::uint32_t, ReserveLine line) { info.lines.push_back(line); });
    if (complete && table.word(index).load() == raw) return info;
  }
}

Result<TransferReceipt> StockCore::transfer(ItemId from, ItemId to, std::int64_t quantity,
                                            std::int64_t now_ms, Changes* changes) {
  ItemSlot* source = items_.find(from);
  if (source == nullptr)
    return Status::from_static(StatusCode::not_found, "item not found", "from");
  ItemSlot* target = items_.find(to);
  if (target == nullptr) return Status::from_static(StatusCode::not_found, "item not found", "to");
  INVENTORY_ASSERT(source != target);  // The engine rejects from == to.
  if (source->product_key.load(std::memory_order_relaxed) !=
      target->product_key.load(std::memory_order_relaxed)) {
    return kDifferentProduct;
  }
  const bool source_first = item_index(from) < item_index(to);
  ItemSlot* first = source_first ? source : target;
  ItemSlot* second = source_first ? target : source;
  const ItemId first_id = source_first ? from : to;
  const ItemId second_id = source_first ? to : from;
  SlotWord first_word, second_word;
  if (!items_.lock(*first, item_generation(first_id), &first_word)) {
    return Status::from_static(StatusCode::not_found, "item not found",
                               source_first ? "from" : "to");
  }
  if (!items_.lock(*second, item_generation(second_id), &second_word)) {
    ItemTable::unlock(*first, first_word);
    return Status::from_static(StatusCode::not_found, "item not found",
                               source_first ? "to" : "from");
  }
  const SlotWord& source_word = source_first ? first_word : second_word;
  const SlotWord& target_word = source_first ? second_word : first_word;
  SlotWord source_next = source_word;
  SlotWord target_next = target_word;
  const ItemPolicy source_policy = source->policy();  // Stable under the lock bits.
  const ItemPolicy target_policy = target->policy();
  Status status = decide_transfer_from(source_word, source_next, source_policy, quantity);
  if (status.ok()) {
    status = decide_transfer_to(target_word, target_next, target_policy, quantity);
  }
  if (!status.ok()) {
    ItemTable::unlock(*second, second_word);
    ItemTable::unlock(*first, first_word);
    return status;
  }
  source_next.version = (source_word.version + 1) & SlotWord::kVersionMask;
  target_next.version = (target_word.version + 1) & SlotWord::kVersionMask;
  source->updated_at_ms.store(now_ms, std::memory_order_release);
  target->updated_at_ms.store(now_ms, std::memory_order_release);
  ItemTable::unlock(*second, source_first ? target_next : source_next);
  ItemTable::unlock(*first, source_first ? source_next : target_next);
  note_item(changes, item_index(from), item_generation(from), source_word, source_next,
            source_policy, now_ms);
  note_item(changes, item_index(to), item_generation(to), target_word, target_next, target_policy,
            now_ms);
  return TransferReceipt{level_of(*source, from, source_next, now_ms),
                         level_of(*target, to, target_next, now_ms)};
}

std::size_t StockCore::expire_due(std::int64_t now_ms) {
  return expire_due(now_ms, [](const Changes&) {});
}

bool StockCore::expire_one(std::uint32_t index, std::int64_t now_ms, Changes* changes) {
  Atomic128& word = reservations_.word(index);
  u128 raw = word.load();
  for (;;) {
    const ResWord current = ResWord::decode(raw);
    // Locked ones belong to a batch or a finishing thread right now; the next sweep (or that
    // thread) handles them.
    if (current.state != ResStatus::active || current.locked || current.expires_ms > now_ms) {
      return false;
    }
    ResWord next = current;
    next.state = ResStatus::expired;
    next.version = (current.version + 1) & ResWord::kVersionMask;
    next.locked = true;
    if (word.compare_exchange(raw, next.encode())) {
      apply_finished(index, next, Finish::expire, {}, now_ms, changes);
      return true;
    }
  }
}

ItemId StockCore::allocate_item(const ItemPolicy& policy, std::uint32_t product_key,
                                std::uint32_t location_key, std::int64_t now_ms, Changes* changes) {
  SlotWord before, after;
  const ItemId id = items_.allocate(policy, product_key, location_key, now_ms, &before, &after);
  if (id != ItemId{}) {
    note_item(changes, item_index(id), item_generation(id), before, after, policy, now_ms);
  }
  return id;
}

Status StockCore::retire_items(std::span<const ItemId> ids, bool force, Changes* changes) {
  struct Entry {
    ItemId id;
    ItemSlot* slot;
    SlotWord locked;
  };
  boost::container::small_vector<Entry, 8> entries;  // Carts stay off the heap.
  entries.reserve(ids.size());
  for (ItemId id : ids) {
    ItemSlot* slot = items_.find(id);
    if (slot == nullptr) return kItemNotFound;
    entries.push_back(Entry{id, slot, {}});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return item_index(a.id) < item_index(b.id); });
  std::size_t locked = 0;
  auto unlock_all = [&] {
    for (std::size_t k = 0; k < locked; ++k) ItemTable::unlock(*entries[k].slot, entries[k].locked);
  };
  for (; locked < entries.size(); ++locked) {
    if (!items_.lock(*entries[locked].slot, item_generation(entries[locked].id),
                     &entries[locked].locked)) {
      unlock_all();
      return kItemNotFound;
    }
  }
  if (!force) {
    for (const Entry& e : entries) {
      if (e.locked.on_hand != 0 || e.locked.reserved != 0) {
        unlock_all();
        return Status(StatusCode::failed_precondition,
                      "an item still has stock or holds (on_hand " +
                          std::to_string(e.locked.on_hand) + ", reserved " +
                          std::to_string(e.locked.reserved) + "); pass force to remove it anyway",
                      "force");
      }
    }
  }
  for (const Entry& e : entries) {
    const ItemPolicy policy = e.slot->policy();
    const SlotWord after = items_.retire_locked(*e.slot, e.locked);
    // The generation noted is the one after the change: even, the slot is free.
    note_item(changes, item_index(e.id), item_generation(e.id) + 1, e.locked, after, policy, 0);
  }
  return Status();
}

Status StockCore::check_invariants() const {
  const std::uint32_t high_water = items_.high_water();
  std::vector<std::int64_t> held(high_water, 0);
  auto& table = const_cast<ReservationTable&>(reservations_);
  for (std::uint32_t index = 0; index < table.capacity(); ++index) {
    const ResWord word = ResWord::decode(table.word(index).load());
    if (word.state != ResStatus::active) continue;
    table.for_each_line(index, [&](std::uint32_t, ReserveLine line) {
      const ItemSlot* slot = items_.find(line.item);
      if (slot != nullptr) held[item_index(line.item)] += line.quantity.value();
    });
  }
  for (std::uint32_t index = 0; index < high_water; ++index) {
    const ItemSlot& slot = items_.slot(index);
    if ((slot.generation.load(std::memory_order_acquire) & 1) == 0) continue;
    const SlotWord word = SlotWord::decode(slot.word.load());
    const std::string name =
        "item " + std::to_string(static_cast<std::uint64_t>(items_.id_of(slot)));
    if (word.locked) {
      return Status(StatusCode::corruption, name + " is locked at quiescence", "item");
    }
    if (word.reserved != held[index]) {
      return Status(StatusCode::corruption,
                    name + ": reserved " + std::to_string(word.reserved) +
                        " != sum of active holds " + std::to_string(held[index]),
                    "item");
    }
    const std::int64_t backorder = slot.backorder_limit.load(std::memory_order_acquire);
    if (word.available() < -backorder && !word.deficit) {
      return Status(StatusCode::corruption,
                    name + ": available " + std::to_string(word.available()) +
                        " < -backorder_limit " + std::to_string(backorder) +
                        " without a forced change",
                    "item");
    }
  }
  return Status();
}

}  // namespace inventory::core
