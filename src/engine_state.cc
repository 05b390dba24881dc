// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "engine_state.h"

#include <string>
#include <vector>

#include "journal/record_format.h"

namespace inventory {

namespace {

constexpr std::uint64_t kBodyFormat = 1;

Status bad(const std::string& what) { return Status(StatusCode::corruption, what, "journal"); }

void encode_policy(coding::Writer& w, const ItemPolicy& p) {
  w.svarint(p.safety_stock);
  w.svarint(p.low_stock_threshold);
  w.svarint(p.backorder_limit);
}

std::int64_t now_ms(const Clock& clock) { return clock.now().time_since_epoch().count(); }

}  // namespace

void EngineState::snapshot(std::string* body) {
  coding::Writer w(body);
  w.varint(kBodyFormat);
  catalog_.snapshot(w);

  const core::ItemTable& items = core_.items();
  const std::uint32_t high_water = items.high_water();
  w.varint(high_water);
  for (std::uint32_t i = 0; i < high_water; ++i) {
    const core::ItemSlot& slot = items.slot(i);
    w.varint(slot.generation.load(std::memory_order_acquire));
    journal::encode_word(w, core::SlotWord::decode(slot.word.load()));
    encode_policy(w, slot.policy());
    w.svarint(slot.updated_at_ms.load(std::memory_order_acquire));
    w.varint(slot.product_key.load(std::memory_order_relaxed));
    w.varint(slot.location_key.load(std::memory_order_relaxed));
  }

  core::ReservationTable& reservations = core_.reservations();
  w.varint(reservations.capacity());
  for (std::uint32_t i = 0; i < reservations.capacity(); ++i) {
    const core::ResWord word = core::ResWord::decode(reservations.word(i).load());
    w.varint(word.generation);
    w.varint(word.version);
    w.u8(static_cast<std::uint8_t>(word.state));
    w.u8(static_cast<std::uint8_t>(word.prev_state));
    w.svarint(word.expires_ms);
    if (word.state != core::ResStatus::active) continue;
    w.svarint(reservations.created_ms(i));
    w.bytes(reservations.reference(i));
    w.varint(reservations.line_count(i));
    reservations.for_each_line(i, [&](std::uint32_t, ReserveLine line) {
      w.fixed64(static_cast<std::uint64_t>(line.item));
      w.svarint(line.quantity.value());
    });
  }

  std::uint64_t count = 0;
  std::string entries;
  coding::Writer e(&entries);
  idempotency_.for_each(now_ms(clock_), [&](const std::string& key, std::uint64_t fingerprint,
                                            std::int64_t expires_ms, const StoredResult& result) {
    e.bytes(key);
    e.fixed64(fingerprint);
    e.svarint(expires_ms);
    journal::encode_stored(e, result);
    ++count;
  });
  w.varint(count);
  body->append(entries);
}

Status EngineState::restore(std::string_view body) {
  coding::Reader r(body);
  if (r.varint() != kBodyFormat) return bad("checkpoint: unknown body format");
  if (!catalog_.restore(r)) return bad("checkpoint: damaged catalog");

  core::ItemTable& items = core_.items();
  const std::uint64_t high_water = r.varint();
  if (high_water > limits_.items_max) {
    return Status(StatusCode::invalid_argument,
                  "the journal holds " + std::to_string(high_water) +
                      " item slots, more than limits.items_max (" +
                      std::to_string(limits_.items_max) + ")",
                  "limits.items_max");
  }
  for (std::uint32_t i = 0; i < high_water && r.ok(); ++i) {
    const auto generation = static_cast<std::uint32_t>(r.varint());
    const core::SlotWord word = journal::decode_word(r);
    ItemPolicy policy;
    policy.safety_stock = r.svarint();
    policy.low_stock_threshold = r.svarint();
    policy.backorder_limit = r.svarint();
    const std::int64_t updated_ms = r.svarint();
    const auto product_key = static_cast<std::uint32_t>(r.varint());
    const auto location_key = static_cast<std::uint32_t>(r.varint());
    if (r.ok()) items.install(i, generation, word, policy, updated_ms, product_key, location_key);
  }

  core::ReservationTable& reservations = core_.reservations();
  const std::uint64_t records = r.varint();
  std::vector<ReserveLine> lines;
  for (std::uint64_t i = 0; i < records && r.ok(); ++i) {
    core::ResWord word;
    word.generation = static_cast<std::uint32_t>(r.varint());
    word.version = r.varint();
    const std::uint8_t state = r.u8();
    const std::uint8_t prev_state = r.u8();
    word.expires_ms = r.svarint();
    if (state > 4 || prev_state > 4 || word.expires_ms < 0 ||
        word.expires_ms > core::ResWord::kExpiresMax) {
      return bad("checkpoint: damaged reservation record");
    }
    word.state = static_cast<core::ResStatus>(state);
    word.prev_state = static_cast<core::ResStatus>(prev_state);
    lines.clear();
    std::string reference;
    std::int64_t created_ms = 0;
    if (word.state == core::ResStatus::active) {
      created_ms = r.svarint();
      reference = r.bytes(core::ReservationTable::kReferenceMax);
      const std::uint64_t n = r.count(limits_.reservation_lines_max, 9);
      for (std::uint64_t k = 0; k < n && r.ok(); ++k) {
        const ItemId item{r.fixed64()};
        lines.push_back({item, Quantity(r.svarint())});
      }
      if (r.ok() && n == 0) return bad("checkpoint: active reservation without lines");
    }
    if (!r.ok()) break;
    if (i >= reservations.capacity()) {
      if (word.state == core::ResStatus::active) {
        return Status(StatusCode::invalid_argument,
                      "the journal holds active reservations beyond limits.reservations_max (" +
                          std::to_string(limits_.reservations_max) + ")",
                      "limits.reservations_max");
      }
      continue;
    }
    if (!reservations.install(static_cast<std::uint32_t>(i), word, lines, reference, created_ms)) {
      return Status(StatusCode::invalid_argument,
                    "the journal's reservations need more overflow lines than "
                    "limits.reservation_overflow_lines_max",
                    "limits.reservation_overflow_lines_max");
    }
  }

  const std::uint64_t entries = r.count(limits_.idempotency_keys_max, 8);
  const std::int64_t now = now_ms(clock_);
  for (std::uint64_t i = 0; i < entries && r.ok(); ++i) {
    const std::string key(r.bytes(255));
    const std::uint64_t fingerprint = r.fixed64();
    const std::int64_t expires_ms = r.svarint();
    auto result = std::make_shared<StoredResult>();
    if (!journal::decode_stored(r, result.get()))
      return bad("checkpoint: damaged idempotency entry");
    idempotency_.install(key, fingerprint, expires_ms, std::move(result), now);
  }
  if (!r.ok() || !r.done()) return bad("checkpoint: truncated or malformed body");
  return Status();
}

Status EngineState::apply_item(const core::ItemChange& c) {
  core::ItemTable& items = core_.items();
  if (c.index >= items.capacity()) return bad("item slot beyond limits.items_max");
  // Slots never used are all zero: version 0, generation 0.
  const bool known = c.index < items.high_water();
  const core::ItemSlot* slot = known ? &items.slot(c.index) : nullptr;
  const std::uint64_t version =
      known ? core::SlotWord::decode(slot->word.load()).version : std::uint64_t{0};
  if (version != c.before.version) {
    return bad("item slot " + std::to_string(c.index) + " is at version " +
               std::to_string(version) + ", the record replaces version " +
               std::to_string(c.before.version));
  }
  items.install(c.index, c.generation, c.after, c.policy, c.updated_ms,
                known ? slot->product_key.load(std::memory_order_relaxed) : 0,
                known ? slot->location_key.load(std::memory_order_relaxed) : 0);
  return Status();
}

Status EngineState::apply_reservation(const core::ReservationChange& c) {
  using Kind = core::ReservationChange::Kind;
  core::ReservationTable& reservations = core_.reservations();
  if (c.index >= reservations.capacity()) return bad("reservation beyond limits.reservations_max");
  const core::ResWord current = core::ResWord::decode(reservations.word(c.index).load());
  if (current.version != c.version_before) {
    return bad("reservation record " + std::to_string(c.index) + " is at version " +
               std::to_string(current.version) + ", the record replaces version " +
               std::to_string(c.version_before));
  }
  core::ResWord next = current;
  next.version = c.version_after;
  if (c.kind == Kind::create) {
    next.generation = c.generation;
    next.state = core::ResStatus::active;
    next.prev_state =
        current.state == core::ResStatus::active ? core::ResStatus::none : current.state;
    next.expires_ms = c.expires_ms;
    if (!reservations.install(c.index, next, c.lines, c.reference, c.created_ms)) {
      return Status(StatusCode::invalid_argument,
                    "the journal's reservations need more overflow lines than "
                    "limits.reservation_overflow_lines_max",
                    "limits.reservation_overflow_lines_max");
    }
    return Status();
  }
  if (current.state != core::ResStatus::active || current.generation != c.generation) {
    return bad("reservation record " + std::to_string(c.index) + " is not the active one");
  }
  if (c.kind == Kind::finish) {
    next.state = c.state;
  } else {
    next.expires_ms = c.expires_ms;
  }
  reservations.install(c.index, next, {}, {}, 0);
  return Status();
}

Status EngineState::apply(const journal::Record& record) {
  for (const core::ItemChange& c : record.changes.items) INVENTORY_RETURN_IF_ERROR(apply_item(c));
  for (const core::ReservationChange& c : record.changes.reservations) {
    INVENTORY_RETURN_IF_ERROR(apply_reservation(c));
  }
  for (const core::CatalogChange& c : record.changes.catalog) {
    INVENTORY_RETURN_IF_ERROR(catalog_.replay(c));
  }
  if (record.idempotency) {
    const journal::IdempotencyEntry& e = *record.idempotency;
    idempotency_.install(e.key, e.fingerprint, e.expires_ms,
                         std::make_shared<StoredResult>(e.result), now_ms(clock_));
  }
  return Status();
}

Status EngineState::finish_recovery() {
  core_.items().finish_install();
  core_.reservations().finish_install();
  Status invariants = core_.check_invariants();
  if (!invariants.ok()) {
    return bad("the recovered state breaks an invariant: " + std::string(invariants.message()));
  }
  return Status();
}

std::uint64_t EngineState::item_version(std::uint32_t index) const {
  const core::ItemTable& items = core_.items();
  if (index >= items.high_water()) return 0;
  return core::SlotWord::decode(items.slot(index).word.load()).version;
}

std::uint64_t EngineState::reservation_version(std::uint32_t index) const {
  return core::ResWord::decode(core_.reservations().word(index).load()).version;
}

}  // namespace inventory
