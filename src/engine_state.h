// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// EngineState: the engine's in-memory state (core, catalog, idempotency table) as the journal
// sees it: encoded into checkpoints, restored from them, and rebuilt by replaying records.
//
// Checkpoint body (version 1; see journal/record_format.h for the framing)
//   varint   body format (1)
//   Catalog  (catalog.cc: version, next keys, products, locations, items)
//   varint   item high-water mark; per slot: varint generation, Word, policy (3 svarint),
//            svarint updated_ms, varint product_key, varint location_key
//   varint   reservation records; per record: varint generation, varint version, u8 state,
//            u8 prev_state, svarint expires_ms; if active: svarint created_ms, bytes reference,
//            varint n, n x (fixed64 item, svarint quantity)
//   varint   idempotency entries; each: bytes key, fixed64 fingerprint, svarint expires_ms,
//            StoredResult
//
// Thread safety: restore/apply/finish_recovery run before the engine is shared; snapshot runs
// while the journal's gate keeps every mutation out.

#ifndef INVENTORY_ENGINE_STATE_H_
#define INVENTORY_ENGINE_STATE_H_

#include "inventory/clock.h"

#include "catalog/catalog.h"
#include "core/stock_core.h"
#include "idempotency.h"
#include "journal/journal.h"

namespace inventory {

class EngineState final : public journal::StateHooks {
 public:
  EngineState(const Limits& limits, const Clock& clock, core::StockCore& core,
              catalog::Catalog& catalog, IdempotencyTable& idempotency)
      : limits_(limits), clock_(clock), core_(core), catalog_(catalog), idempotency_(idempotency) {}

  Status restore(std::string_view body) override;
  Status apply(const journal::Record& record) override;
  Status finish_recovery() override;
  void snapshot(std::string* body) override;
  std::uint64_t item_version(std::uint32_t index) const override;
  std::uint64_t reservation_version(std::uint32_t index) const override;
  std::uint64_t catalog_version() const override { return catalog_.version(); }

 private:
  Status apply_item(const core::ItemChange& change);
  Status apply_reservation(const core::ReservationChange& change);

  const Limits& limits_;
  const Clock& clock_;
  core::StockCore& core_;
  catalog::Catalog& catalog_;
  IdempotencyTable& idempotency_;
};

}  // namespace inventory

#endif  // INVENTORY_ENGINE_STATE_H_
