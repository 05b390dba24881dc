// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The on-disk grammar of the journal. Enum values are never renumbered; new fields go at the end
// of a structure behind a new format version, and decoders refuse versions they do not know.
// Every decoder treats its input as hostile: lengths and counts are bounded by the bytes left
// and by the engine's limits, enums are range-checked, and a failure is a corruption Status,
// never a crash.
//
// RocksDB column families
//   log         key: fixed64 big-endian first sequence of a group -> value: Group
//   checkpoint  key: "ckpt" fixed64 big-endian sequence, fixed32 big-endian chunk -> Chunk
//   default     key: "checkpoint.current" / "checkpoint.previous" -> fixed64 sequence
//               key: "format" -> fixed32 journal format version
//
// Group (one RocksDB value; one per group commit)
//   fixed32  masked CRC32C of everything after this field
//   u8       group format version (2)
//   32 bytes prev: the previous group's hash (zeros for the first group ever written)
//   32 bytes hash: SHA-256(prev || everything after this field)   (tamper evidence: changing a
//            record means recomputing every later hash; verify() recomputes them all)
//   varint   record count (>= 1)
//   record count times: varint length, Record
//
// Record
//   fixed32  masked CRC32C of everything after this field
//   u8       record format version (1)
//   fixed64  sequence of the record's first event (gap-free, strictly increasing across the
//            whole journal: each record takes `span` consecutive numbers, one per event)
//   fixed32  span (the number of events, see event_plan.h; >= 1, checked when decoded)
//   u8       Operation
//   svarint  recorded_at (ms since the Unix epoch, engine clock)
//   svarint  occurred_at (ms, caller's clock; equals recorded_at when not given)
//   bytes    reason, reference, actor, request_id
//   varint   n; n x ItemChange
//   varint   n; n x ReservationChange
//   varint   n; n x CatalogChange
//   u8       has_idempotency (0/1); if 1: IdempotencyEntry
//   svarint  unusual_limit (Options::unusual_adjustment when the change was made; 0: off)
//   varint   n; n x Rejection: fixed64 item, svarint quantity, svarint on_hand,
//            svarint reserved, varint version
//
// ItemChange: varint index, varint generation (after), Word before, Word after,
//             svarint safety_stock, low_stock_threshold, backorder_limit, svarint updated_ms
// Word: svarint on_hand, svarint reserved, varint version, u8 deficit
// ReservationChange: u8 kind (0 create, 1 finish, 2 extend), varint index, varint generation,
//             varint version_before, varint version_after, u8 state, svarint expires_ms;
//             create adds: svarint created_ms, bytes reference, varint n, n x (fixed64 item,
//             svarint quantity)
// CatalogChange: u8 kind, varint catalog_version_before, varint catalog_version_after, then
//             product_upsert: varint key, Product | product_remove: varint key, bytes id |
//             location_upsert: varint key, Location | location_remove: varint key, bytes id |
//             item_create: fixed64 item, varint product_key, varint location_key |
//             item_remove: fixed64 item
// IdempotencyEntry: bytes key, fixed64 fingerprint, svarint expires_ms, StoredResult
//
// Checkpoint chunk
//   fixed32  masked CRC32C of everything after this field
//   u8       checkpoint format version (1)
//   bytes    payload (the concatenation of all chunks is the checkpoint body, see
//            checkpoint.cc)

#ifndef INVENTORY_JOURNAL_RECORD_FORMAT_H_
#define INVENTORY_JOURNAL_RECORD_FORMAT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "inventory/options.h"
#include "inventory/status.h"

#include "core/changes.h"
#include "idempotency.h"
#include "journal/event_plan.h"
#include "util/coding.h"

namespace inventory::journal {

constexpr std::uint8_t kGroupFormat = 2;
constexpr std::size_t kGroupHeaderMax = 4 + 1 + 32 + 32 + 5;  // With the longest count.
constexpr std::uint32_t kGroupRecordsMax = 2048;  // Records in one group (writers' choice).
constexpr std::uint8_t kRecordFormat = 2;
constexpr std::uint8_t kCheckpointFormat = 1;

// What the caller asked for; kept for audit and for the change feed. Never renumbered.
enum class Operation : std::uint8_t {
  adjust = 1,
  set_on_hand = 2,
  set_policy = 3,
  reserve = 4,
  confirm = 5,
  release = 6,
  extend = 7,
  expire = 8,
  transfer = 9,
  batch = 10,
  product_upsert = 11,
  product_remove = 12,
  location_upsert = 13,
  location_remove = 14,
  item_upsert = 15,
  item_remove = 16,
};
constexpr std::uint8_t kOperationMax = 16;

struct Audit {
  Operation operation = Operation::adjust;
  std::int64_t recorded_ms = 0;
  std::int64_t occurred_ms = 0;
  std::string_view reason;
  std::string_view reference;
  std::string_view actor;
  std::string_view request_id;
  std::int64_t unusual_limit = 0;
  std::span<const Rejection> rejections;
};

// An idempotency key's stored result, journaled with the effect it belongs to.
struct IdempotencyEntry {
  std::string key;
  std::uint64_t fingerprint = 0;
  std::int64_t expires_ms = 0;
  StoredResult result;
};

// A decoded record. Strings own their bytes.
struct Record {
  std::uint64_t sequence = 0;
  Operation operation = Operation::adjust;
  std::int64_t recorded_ms = 0;
  std::int64_t occurred_ms = 0;
  std::string reason, reference, actor, request_id;
  core::Changes changes;
  std::optional<IdempotencyEntry> idempotency;
  std::uint32_t span = 1;  // Events, so sequence .. sequence + span - 1.
  std::int64_t unusual_limit = 0;
  std::vector<Rejection> rejections;
  std::uint64_t last_sequence() const noexcept { return sequence + span - 1; }
};

// Bounds a decoder enforces beyond "fits in the bytes left".
struct DecodeLimits {
  std::uint32_t items_max = 0;
  std::uint32_t reservations_max = 0;
  std::uint32_t lines_max = 1000;
};

// Appends one record (without the group framing) to `out`. The sequence is written as 0 and
// patched by seal_record() once the journal assigns it; the CRC is computed then. Returns the
// record's span (its number of events).
std::uint32_t encode_record(const Audit& audit, const core::Changes& changes,
                            const IdempotencyEntry* idempotency, std::string* out);
// Sets the sequence of the record occupying out[offset, offset + length) and seals its CRC.
void seal_record(std::string* out, std::size_t offset, std::size_t length, std::uint64_t sequence);

// Group framing around already sealed records.
using ChainHash = std::array<std::uint8_t, 32>;
struct GroupChain {
  ChainHash prev{};
  ChainHash hash{};
};
void begin_group(std::string* out, std::uint32_t record_count);
// Links the group to `prev`, stores its hash in *hash, then seals its CRC.
void seal_group(std::string* out, const ChainHash& prev, ChainHash* hash);
// The hash a stored group should carry (for verify).
ChainHash group_hash(std::string_view group);

// Decodes a group; calls on_record(Record&&) for each record in order. Errors: corruption.
template <typename OnRecord>
Status decode_group(std::string_view group, const DecodeLimits& limits, OnRecord&& on_record,
                    GroupChain* chain = nullptr);
Status decode_record(std::string_view bytes, const DecodeLimits& limits, Record* out);
// Checks a group's framing and CRC and splits it into record byte ranges; *chain (if given)
// gets the stored hashes.
Status split_group(std::string_view group, std::vector<std::string_view>* records,
                   GroupChain* chain = nullptr);

// Shared pieces, also used by checkpoints.
void encode_word(coding::Writer& w, const core::SlotWord& word);
core::SlotWord decode_word(coding::Reader& r);
void encode_product(coding::Writer& w, const Product& p);
bool decode_product(coding::Reader& r, Product* p);
void encode_location(coding::Writer& w, const Location& l);
bool decode_location(coding::Reader& r, Location* l);
void encode_stored(coding::Writer& w, const StoredResult& result);
bool decode_stored(coding::Reader& r, StoredResult* result);

// Big-endian keys (so that RocksDB's bytewise order is numeric order).
std::string sequence_key(std::uint64_t sequence);
std::uint64_t decode_sequence_key(std::string_view key);

template <typename OnRecord>
Status decode_group(std::string_view group, const DecodeLimits& limits, OnRecord&& on_record,
                    GroupChain* chain) {
  std::vector<std::string_view> records;
  INVENTORY_RETURN_IF_ERROR(split_group(group, &records, chain));
  for (std::string_view bytes : records) {
    Record record;
    INVENTORY_RETURN_IF_ERROR(decode_record(bytes, limits, &record));
    INVENTORY_RETURN_IF_ERROR(on_record(std::move(record)));
  }
  return Status();
}

}  // namespace inventory::journal

#endif  // INVENTORY_JOURNAL_RECORD_FORMAT_H_
