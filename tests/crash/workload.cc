// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "crash/workload.h"

#include <doctest/doctest.h>

namespace inventory::testing {

namespace {

std::string product_id(int p) { return "p" + std::to_string(p); }
std::string location_id(int l) { return "l" + std::to_string(l); }

// Placeholder ids for reservations whose real id the checker never learnt (a reserve cut off
// by the crash). They keep holding units in the model.
std::uint64_t g_placeholder = (std::uint64_t{1} << 62);

}  // namespace

CrashCatalog CrashCatalog::create(Engine& engine, ModelInventory* model) {
  CrashCatalog c;
  for (int l = 0; l < kLocations; ++l) {
    REQUIRE(engine.upsert_location({}, {.location = {.id = location_id(l), .name = "L"}}).ok());
  }
  for (int p = 0; p < kProducts; ++p) {
    REQUIRE(engine
                .upsert_product(
                    {}, {.product = {.id = product_id(p), .sku = "s" + product_id(p), .name = "P"}})
                .ok());
    for (int l = 0; l < kLocations; ++l) {
      auto info = engine.upsert_item({}, {.product_id = product_id(p),
                                          .location_id = location_id(l),
                                          .policy = {.backorder_limit = p == 0 ? 2 : 0}});
      REQUIRE(info.ok());
      auto level = engine.adjust({}, {.item = info->level.item, .delta = Quantity{50}});
      REQUIRE(level.ok());
      c.items.push_back(info->level.item);
      ModelItem m;
      m.on_hand = level->on_hand.value();
      m.policy = level->policy;
      m.version = static_cast<std::uint64_t>(level->version);
      m.product = p;
      model->items[info->level.item] = m;
    }
  }
  return c;
}

std::optional<CrashCatalog> CrashCatalog::find(Engine& engine) {
  CrashCatalog c;
  for (int p = 0; p < kProducts; ++p) {
    for (int l = 0; l < kLocations; ++l) {
      auto id = engine.find_item({}, product_id(p), location_id(l));
      if (!id.ok()) return std::nullopt;
      c.items.push_back(*id);
    }
  }
  return c;
}

std::string WorkOp::encode() const {
  std::ostringstream out;
  out << kind << ' ' << a << ' ' << b << ' ' << q << ' ' << q2 << ' ' << has_expected << ' '
      << expected << ' ' << reservation << ' ' << (key.empty() ? "-" : key) << ' ' << sync << ' '
      << returned << ' ' << static_cast<int>(code) << ' ' << reserved;
  return out.str();
}

bool WorkOp::decode(const std::string& line, WorkOp* op) {
  std::istringstream in(line);
  int kind = 0, code = 0;
  std::string key;
  if (!(in >> kind >> op->a >> op->b >> op->q >> op->q2 >> op->has_expected >> op->expected >>
        op->reservation >> key >> op->sync >> op->returned >> code >> op->reserved)) {
    return false;
  }
  op->kind = static_cast<Kind>(kind);
  op->key = key == "-" ? "" : key;
  op->code = static_cast<StatusCode>(code);
  return true;
}

WorkOp Workload::next(const std::vector<std::uint64_t>& active) {
  WorkOp op;
  const std::size_t n = catalog_.items.size();
  const int dice = pick(0, 99);
  op.a = static_cast<std::size_t>(pick(0, static_cast<int>(n) - 1));
  op.b = (op.a + static_cast<std::size_t>(pick(1, static_cast<int>(n) - 1))) % n;
  op.sync = pick(0, 9) < 7;
  if (pick(0, 9) == 0) op.key = "k" + std::to_string(rng_()) + "-" + std::to_string(key_counter_++);
  const bool have_active = !active.empty();
  if (dice < 15) {
    op.kind = WorkOp::adjust;
    op.q = pick(0, 2) == 0 ? -pick(1, 5) : pick(1, 8);
  } else if (dice < 22) {
    op.kind = WorkOp::set_on_hand;
    op.q = pick(0, 60);
    op.has_expected = pick(0, 1) == 0;
    op.expected = static_cast<std::uint64_t>(pick(0, 200));  // Often stale: a conflict.
  } else if (dice < 45) {
    op.kind = WorkOp::reserve1;
    op.q = pick(1, 4);
  } else if (dice < 55) {
    op.kind = WorkOp::reserve2;
    op.q = pick(1, 3);
    op.q2 = pick(1, 3);
  } else if (dice < 70 && have_active) {
    op.kind = WorkOp::confirm;
    op.reservation = active[static_cast<std::size_t>(pick(0, static_cast<int>(active.size()) - 1))];
  } else if (dice < 85 && have_active) {
    op.kind = WorkOp::release;
    op.reservation = active[static_cast<std::size_t>(pick(0, static_cast<int>(active.size()) - 1))];
  } else if (dice < 93) {
    op.kind = WorkOp::transfer;
    // Same product, another location.
    const int product = catalog_.product_of(op.a);
    op.b = static_cast<std::size_t>(product * CrashCatalog::kLocations +
                                    (static_cast<int>(op.a) % CrashCatalog::kLocations +
                                     pick(1, CrashCatalog::kLocations - 1)) %
                                        CrashCatalog::kLocations);
    op.q = pick(1, 5);
  } else {
    op.kind = WorkOp::batch;  // adjust a by q, then transfer-like: adjust b by -q2.
    op.q = pick(1, 6);
    op.q2 = pick(1, 6);
  }
  return op;
}

void Workload::run(Engine& engine, WorkOp& op) const {
  WriteOptions o;
  o.durability = op.sync ? Durability::sync : Durability::buffered;
  o.idempotency_key = op.key;
  const ItemId a = catalog_.items[op.a];
  const ItemId b = catalog_.items[op.b];
  Status status;
  switch (op.kind) {
    case WorkOp::adjust:
      status = engine.adjust(o, {.item = a, .delta = Quantity{op.q}}).status();
      break;
    case WorkOp::set_on_hand: {
      std::optional<Version> expected;
      if (op.has_expected) expected = Version{op.expected};
      status =
          engine
              .set_on_hand(o, {.item = a, .on_hand = Quantity{op.q}, .expected_version = expected})
              .status();
      break;
    }
    case WorkOp::reserve1: {
      auto r = engine.reserve(o, ReserveRequest{.item = a, .quantity = Quantity{op.q}});
      status = r.status();
      if (r.ok()) op.reserved = static_cast<std::uint64_t>(*r);
      break;
    }
    case WorkOp::reserve2: {
      const ReserveLine lines[] = {{a, Quantity{op.q}}, {b, Quantity{op.q2}}};
      auto r = engine.reserve(o, ReserveLinesRequest{.lines = lines});
      status = r.status();
      if (r.ok()) op.reserved = static_cast<std::uint64_t>(*r);
      break;
    }
    case WorkOp::confirm:
      status = engine.confirm(o, ReservationId{op.reservation});
      break;
    case WorkOp::release:
      status = engine.release(o, ReservationId{op.reservation});
      break;
    case WorkOp::transfer:
      status = engine.transfer(o, {.from = a, .to = b, .quantity = Quantity{op.q}}).status();
      break;
    case WorkOp::batch: {
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{op.q}});
      batch.adjust({.item = b, .delta = Quantity{-op.q2}});
      status = engine.write(o, batch).status();
      break;
    }
  }
  op.code = status.code();
  op.returned = true;
}

StatusCode apply(ModelInventory& model, const CrashCatalog& catalog, const WorkOp& op,
                 std::uint64_t reserved) {
  const ItemId a = catalog.items[op.a];
  const ItemId b = catalog.items[op.b];
  switch (op.kind) {
    case WorkOp::adjust:
      return model.adjust(a, op.q, false).code;
    case WorkOp::set_on_hand: {
      std::optional<std::uint64_t> expected;
      if (op.has_expected) expected = op.expected;
      return model.set_on_hand(a, op.q, expected, false).code;
    }
    case WorkOp::reserve1:
    case WorkOp::reserve2: {
      std::vector<ReserveLine> lines{{a, Quantity{op.q}}};
      if (op.kind == WorkOp::reserve2) lines.push_back({b, Quantity{op.q2}});
      const StatusCode code = model.check_reserve(lines);
      if (code == StatusCode::ok) {
        model.apply_reserve(ReservationId{reserved != 0 ? reserved : g_placeholder++}, lines,
                            std::numeric_limits<std::int64_t>::max() / 2);
      }
      return code;
    }
    case WorkOp::confirm:
    case WorkOp::release: {
      const ReservationId id{op.reservation};
      if (model.reservations.count(id) == 0) {
        return model.finished.count(id) != 0 ? StatusCode::reservation_not_active
                                             : StatusCode::not_found;
      }
      model.finish(
          id, op.kind == WorkOp::confirm ? ReservationState::confirmed : ReservationState::released,
          {});
      return StatusCode::ok;
    }
    case WorkOp::transfer:
      return model.transfer(a, b, op.q).code;
    case WorkOp::batch: {
      // All or nothing, one version bump per item: decide on a copy.
      ModelInventory copy = model;
      const StatusCode first = copy.adjust(a, op.q, false).code;
      if (first != StatusCode::ok) return first;
      const StatusCode second = copy.adjust(b, -op.q2, false).code;
      if (second != StatusCode::ok) return second;
      copy.items[a].version = model.items[a].version + 1;
      copy.items[b].version = model.items[b].version + 1;
      model = std::move(copy);
      return StatusCode::ok;
    }
  }
  return StatusCode::ok;
}

bool same_state(Engine& engine, const ModelInventory& model, std::string* why) {
  for (const auto& [id, m] : model.items) {
    auto level = engine.get({}, id);
    if (!level.ok()) {
      *why = "item missing: " + level.status().to_string();
      return false;
    }
    if (level->on_hand.value() != m.on_hand || level->reserved.value() != m.reserved ||
        static_cast<std::uint64_t>(level->version) != m.version) {
      *why = "item " + std::to_string(static_cast<std::uint64_t>(id)) + ": engine on_hand " +
             std::to_string(level->on_hand.value()) + " reserved " +
             std::to_string(level->reserved.value()) + " v" +
             std::to_string(static_cast<std::uint64_t>(level->version)) + ", model on_hand " +
             std::to_string(m.on_hand) + " reserved " + std::to_string(m.reserved) + " v" +
             std::to_string(m.version);
      return false;
    }
  }
  for (const auto& [id, r] : model.reservations) {
    if (static_cast<std::uint64_t>(id) >= (std::uint64_t{1} << 62)) continue;  // Placeholder.
    auto info = engine.get_reservation({}, id);
    if (!info.ok() || info->state != ReservationState::active ||
        info->lines.size() != r.lines.size()) {
      *why = "reservation " + std::to_string(static_cast<std::uint64_t>(id)) + " not active";
      return false;
    }
  }
  return true;
}

}  // namespace inventory::testing
