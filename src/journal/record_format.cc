// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "journal/record_format.h"

#include <cstring>
#include <limits>

#include "util/crc32c.h"
#include "util/sha256.h"

namespace inventory::journal {

namespace {

using coding::Reader;
using coding::Writer;

constexpr std::size_t kTextMax = 1 << 20;  // No string in a record is longer (limits cap them).
constexpr std::uint64_t kCountMax = 1 << 24;

Status corrupt(std::string_view what) {
  return Status(StatusCode::corruption, "journal record: " + std::string(what), "journal");
}

void put_u32(std::string* out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>(v >> (8 * i));
}
std::uint32_t get_u32(std::string_view in, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  return v;
}

void encode_policy(Writer& w, const ItemPolicy& p) {
  w.svarint(p.safety_stock);
  w.svarint(p.low_stock_threshold);
  w.svarint(p.backorder_limit);
}
bool decode_policy(Reader& r, ItemPolicy* p) {
  p->safety_stock = r.svarint();
  p->low_stock_threshold = r.svarint();
  p->backorder_limit = r.svarint();
  auto ok = [](std::int64_t v) { return v >= 0 && v <= kQuantityMax; };
  return r.ok() && ok(p->safety_stock) && ok(p->low_stock_threshold) && ok(p->backorder_limit);
}

void encode_attributes(Writer& w, const Attributes& attributes) {
  w.varint(attributes.size());
  for (const auto& [key, value] : attributes) {
    w.bytes(key);
    w.bytes(value);
  }
}
bool decode_attributes(Reader& r, Attributes* attributes) {
  const std::uint64_t n = r.count(kCountMax, 2);
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string key(r.bytes(kTextMax));
    std::string value(r.bytes(kTextMax));
    (*attributes)[std::move(key)] = std::move(value);
  }
  return r.ok();
}

void encode_level(Writer& w, const StockLevel& level) {
  w.fixed64(static_cast<std::uint64_t>(level.item));
  w.svarint(level.on_hand.value());
  w.svarint(level.reserved.value());
  encode_policy(w, level.policy);
  w.varint(static_cast<std::uint64_t>(level.version));
  w.svarint(level.updated_at.time_since_epoch().count());
}
bool decode_level(Reader& r, StockLevel* level) {
  level->item = ItemId{r.fixed64()};
  level->on_hand = Quantity(r.svarint());
  level->reserved = Quantity(r.svarint());
  if (!decode_policy(r, &level->policy)) return false;
  level->version = Version{r.varint()};
  level->updated_at = Timestamp(std::chrono::milliseconds(r.svarint()));
  return r.ok();
}

void encode_status(Writer& w, const Status& s) {
  w.u8(static_cast<std::uint8_t>(s.code()));
  w.bytes(s.message());
  w.bytes(s.field());
  w.svarint(s.index());
}
bool decode_status(Reader& r, Status* s) {
  const std::uint8_t code = r.u8();
  const std::string_view message = r.bytes(kTextMax);
  const std::string_view field = r.bytes(kTextMax);
  const std::int64_t index = r.svarint();
  if (!r.ok() || code > static_cast<std::uint8_t>(StatusCode::failed_precondition)) return false;
  if (index < -1 || index > std::numeric_limits<std::int32_t>::max()) return false;
  *s = code == 0 ? Status()
                 : Status(static_cast<StatusCode>(code), message, field,
                          static_cast<std::int32_t>(index));
  return true;
}

void encode_info_item(Writer& w, const ItemInfo& info) {
  encode_level(w, info.level);
  w.bytes(info.product_id);
  w.bytes(info.location_id);
}

}  // namespace

// ---- Shared pieces ----

void encode_word(Writer& w, const core::SlotWord& word) {
  w.svarint(word.on_hand);
  w.svarint(word.reserved);
  w.varint(word.version);
  w.u8(word.deficit ? 1 : 0);
}

core::SlotWord decode_word(Reader& r) {
  core::SlotWord word;
  word.on_hand = r.svarint();
  word.reserved = r.svarint();
  word.version = r.varint();
  word.deficit = r.boolean();
  if (word.on_hand > kQuantityMax || word.on_hand < -kQuantityMax || word.reserved < 0 ||
      word.reserved > kQuantityMax || word.version > core::SlotWord::kVersionMask) {
    r.fail();
  }
  return word;
}

void encode_product(Writer& w, const Product& p) {
  w.bytes(p.id);
  w.bytes(p.sku);
  w.bytes(p.name);
  w.bytes(p.description);
  w.svarint(p.price.amount_minor);
  w.bytes(p.price.currency);
  encode_attributes(w, p.attributes);
  w.svarint(p.created_at.time_since_epoch().count());
  w.svarint(p.updated_at.time_since_epoch().count());
  w.varint(static_cast<std::uint64_t>(p.version));
}

bool decode_product(Reader& r, Product* p) {
  p->id = r.bytes(kTextMax);
  p->sku = r.bytes(kTextMax);
  p->name = r.bytes(kTextMax);
  p->description = r.bytes(kTextMax);
  p->price.amount_minor = r.svarint();
  p->price.currency = r.bytes(kTextMax);
  if (!decode_attributes(r, &p->attributes)) return false;
  p->created_at = Timestamp(std::chrono::milliseconds(r.svarint()));
  p->updated_at = Timestamp(std::chrono::milliseconds(r.svarint()));
  p->version = Version{r.varint()};
  return r.ok() && !p->id.empty();
}

void encode_location(Writer& w, const Location& l) {
  w.bytes(l.id);
  w.bytes(l.name);
  w.u8(static_cast<std::uint8_t>(l.type));
  encode_attributes(w, l.attributes);
  w.svarint(l.created_at.time_since_epoch().count());
  w.svarint(l.updated_at.time_since_epoch().count());
  w.varint(static_cast<std::uint64_t>(l.version));
}

bool decode_location(Reader& r, Location* l) {
  l->id = r.bytes(kTextMax);
  l->name = r.bytes(kTextMax);
  const std::uint8_t type = r.u8();
  if (type > static_cast<std::uint8_t>(LocationType::transit)) return false;
  l->type = static_cast<LocationType>(type);
  if (!decode_attributes(r, &l->attributes)) return false;
  l->created_at = Timestamp(std::chrono::milliseconds(r.svarint()));
  l->updated_at = Timestamp(std::chrono::milliseconds(r.svarint()));
  l->version = Version{r.varint()};
  return r.ok() && !l->id.empty();
}

void encode_stored(Writer& w, const StoredResult& result) {
  encode_status(w, result.status);
  w.u8(static_cast<std::uint8_t>(result.value.index()));
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StockLevel>) {
          encode_level(w, v);
        } else if constexpr (std::is_same_v<T, ReservationId>) {
          w.fixed64(static_cast<std::uint64_t>(v));
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          w.svarint(v.time_since_epoch().count());
        } else if constexpr (std::is_same_v<T, TransferReceipt>) {
          encode_level(w, v.from);
          encode_level(w, v.to);
        } else if constexpr (std::is_same_v<T, BatchReceipt>) {
          w.varint(v.results.size());
          for (const OperationResult& op : v.results) {
            encode_status(w, op.status);
            w.varint(op.levels.size());
            for (const StockLevel& level : op.levels) encode_level(w, level);
            w.fixed64(static_cast<std::uint64_t>(op.reservation));
            w.svarint(op.expires_at.time_since_epoch().count());
          }
        } else if constexpr (std::is_same_v<T, Product>) {
          encode_product(w, v);
        } else if constexpr (std::is_same_v<T, Location>) {
          encode_location(w, v);
        } else if constexpr (std::is_same_v<T, ItemInfo>) {
          encode_info_item(w, v);
        }
      },
      result.value);
}

bool decode_stored(Reader& r, StoredResult* result) {
  if (!decode_status(r, &result->status)) return false;
  switch (r.u8()) {
    case 0:
      result->value = std::monostate{};
      break;
    case 1: {
      StockLevel level;
      if (!decode_level(r, &level)) return false;
      result->value = level;
      break;
    }
    case 2:
      result->value = ReservationId{r.fixed64()};
      break;
    case 3:
      result->value = Timestamp(std::chrono::milliseconds(r.svarint()));
      break;
    case 4: {
      TransferReceipt receipt;
      if (!decode_level(r, &receipt.from) || !decode_level(r, &receipt.to)) return false;
      result->value = receipt;
      break;
    }
    case 5: {
      BatchReceipt receipt;
      const std::uint64_t n = r.count(kCountMax, 4);
      for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        OperationResult op;
        if (!decode_status(r, &op.status)) return false;
        const std::uint64_t levels = r.count(kCountMax, 8);
        for (std::uint64_t k = 0; k < levels && r.ok(); ++k) {
          if (!decode_level(r, &op.levels.emplace_back())) return false;
        }
        op.reservation = ReservationId{r.fixed64()};
        op.expires_at = Timestamp(std::chrono::milliseconds(r.svarint()));
        receipt.results.push_back(std::move(op));
      }
      result->value = std::move(receipt);
      break;
    }
    case 6: {
      Product p;
      if (!decode_product(r, &p)) return false;
      result->value = std::move(p);
      break;
    }
    case 7: {
      Location l;
      if (!decode_location(r, &l)) return false;
      result->value = std::move(l);
      break;
    }
    case 8: {
      ItemInfo info;
      if (!decode_level(r, &info.level)) return false;
      info.product_id = r.bytes(kTextMax);
      info.location_id = r.bytes(kTextMax);
      result->value = std::move(info);
      break;
    }
    default:
      return false;
  }
  return r.ok();
}

std::string sequence_key(std::uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<char>(sequence >> (8 * i));
  return key;
}

std::uint64_t decode_sequence_key(std::string_view key) {
  std::uint64_t v = 0;
  if (key.size() != 8) return 0;
  for (char c : key) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// ---- Records ----

std::uint32_t encode_record(const Audit& audit, const core::Changes& changes,
                            const IdempotencyEntry* idempotency, std::string* out) {
  const std::uint32_t span =
      count_events(audit.operation, changes, audit.rejections, audit.unusual_limit);
  Writer w(out);
  w.fixed32(0);  // CRC, sealed later.
  w.u8(kRecordFormat);
  w.fixed64(0);  // Sequence, patched later.
  w.fixed32(span);
  w.u8(static_cast<std::uint8_t>(audit.operation));
  w.svarint(audit.recorded_ms);
  w.svarint(audit.occurred_ms);
  w.bytes(audit.reason);
  w.bytes(audit.reference);
  w.bytes(audit.actor);
  w.bytes(audit.request_id);
  w.varint(changes.items.size());
  for (const core::ItemChange& c : changes.items) {
    w.varint(c.index);
    w.varint(c.generation);
    encode_word(w, c.before);
    encode_word(w, c.after);
    encode_policy(w, c.policy);
    w.svarint(c.updated_ms);
  }
  w.varint(changes.reservations.size());
  for (const core::ReservationChange& c : changes.reservations) {
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.varint(c.index);
    w.varint(c.generation);
    w.varint(c.version_before);
    w.varint(c.version_after);
    w.u8(static_cast<std::uint8_t>(c.state));
    w.svarint(c.expires_ms);
    if (c.kind == core::ReservationChange::Kind::create) {
      w.svarint(c.created_ms);
      w.bytes(c.reference);
      w.varint(c.lines.size());
      for (const ReserveLine& line : c.lines) {
        w.fixed64(static_cast<std::uint64_t>(line.item));
        w.svarint(line.quantity.value());
      }
    }
  }
  w.varint(changes.catalog.size());
  for (const core::CatalogChange& c : changes.catalog) {
    using Kind = core::CatalogChange::Kind;
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.varint(c.catalog_version_before);
    w.varint(c.catalog_version_after);
    switch (c.kind) {
      case Kind::product_upsert:
        w.varint(c.key);
        encode_product(w, *c.product);
        break;
      case Kind::location_upsert:
        w.varint(c.key);
        encode_location(w, *c.location);
        break;
      case Kind::product_remove:
      case Kind::location_remove:
        w.varint(c.key);
        w.bytes(c.id);
        break;
      case Kind::item_create:
        w.fixed64(static_cast<std::uint64_t>(c.item));
        w.varint(c.product_key);
        w.varint(c.location_key);
        break;
      case Kind::item_remove:
        w.fixed64(static_cast<std::uint64_t>(c.item));
        break;
    }
  }
  w.boolean(idempotency != nullptr);
  if (idempotency != nullptr) {
    w.bytes(idempotency->key);
    w.fixed64(idempotency->fingerprint);
    w.svarint(idempotency->expires_ms);
    encode_stored(w, idempotency->result);
  }
  w.svarint(audit.unusual_limit);
  w.varint(audit.rejections.size());
  for (const Rejection& x : audit.rejections) {
    w.fixed64(static_cast<std::uint64_t>(x.item));
    w.svarint(x.quantity);
    w.svarint(x.on_hand);
    w.svarint(x.reserved);
    w.varint(x.version);
  }
  return span;
}

void seal_record(std::string* out, std::size_t offset, std::size_t length, std::uint64_t sequence) {
  for (int i = 0; i < 8; ++i) (*out)[offset + 5 + i] = static_cast<char>(sequence >> (8 * i));
  const std::uint32_t crc = crc32c::value(out->data() + offset + 4, length - 4);
  put_u32(out, offset, crc32c::masked(crc));
}

namespace {
constexpr std::size_t kPrevOffset = 5;
constexpr std::size_t kHashOffset = kPrevOffset + 32;
constexpr std::size_t kBodyOffset = kHashOffset + 32;
}  // namespace

void begin_group(std::string* out, std::uint32_t record_count) {
  Writer w(out);
  w.fixed32(0);
  w.u8(kGroupFormat);
  out->append(64, '\0');  // prev and hash, filled by seal_group.
  w.varint(record_count);
}

ChainHash group_hash(std::string_view group) {
  sha256::Hasher h;
  h.update(group.substr(kPrevOffset, 32));
  h.update(group.substr(kBodyOffset));
  return h.finish();
}

void seal_group(std::string* out, const ChainHash& prev, ChainHash* hash) {
  std::memcpy(out->data() + kPrevOffset, prev.data(), prev.size());
  *hash = group_hash(*out);
  std::memcpy(out->data() + kHashOffset, hash->data(), hash->size());
  const std::uint32_t crc = crc32c::value(out->data() + 4, out->size() - 4);
  put_u32(out, 0, crc32c::masked(crc));
}

Status split_group(std::string_view group, std::vector<std::string_view>* records,
                   GroupChain* chain) {
  if (group.size() < kBodyOffset + 1) return corrupt("group shorter than its header");
  const std::uint32_t stored = crc32c::unmasked(get_u32(group, 0));
  if (crc32c::value(group.data() + 4, group.size() - 4) != stored) {
    return corrupt("group checksum mismatch");
  }
  if (static_cast<std::uint8_t>(group[4]) != kGroupFormat) {
    return corrupt("unknown group format version");
  }
  if (chain != nullptr) {
    std::memcpy(chain->prev.data(), group.data() + kPrevOffset, 32);
    std::memcpy(chain->hash.data(), group.data() + kHashOffset, 32);
  }
  Reader r(group.substr(kBodyOffset));
  const std::uint64_t n = r.count(kCountMax, 16);
  if (!r.ok() || n == 0) return corrupt("bad record count");
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string_view bytes = r.bytes();
    if (!r.ok()) return corrupt("record length past the end of the group");
    records->push_back(bytes);
  }
  if (!r.done()) return corrupt("trailing bytes after the last record");
  return Status();
}

Status decode_record(std::string_view bytes, const DecodeLimits& limits, Record* out) {
  if (bytes.size() < 18) return corrupt("record shorter than its header");
  const std::uint32_t stored = crc32c::unmasked(get_u32(bytes, 0));
  if (crc32c::value(bytes.data() + 4, bytes.size() - 4) != stored) {
    return corrupt("record checksum mismatch");
  }
  Reader r(bytes.substr(4));
  if (r.u8() != kRecordFormat) return corrupt("unknown record format version");
  out->sequence = r.fixed64();
  out->span = r.fixed32();
  const std::uint8_t operation = r.u8();
  if (operation == 0 || operation > kOperationMax) return corrupt("unknown operation");
  out->operation = static_cast<Operation>(operation);
  out->recorded_ms = r.svarint();
  out->occurred_ms = r.svarint();
  out->reason = r.bytes(kTextMax);
  out->reference = r.bytes(kTextMax);
  out->actor = r.bytes(kTextMax);
  out->request_id = r.bytes(kTextMax);

  const std::uint64_t items = r.count(kCountMax, 8);
  for (std::uint64_t i = 0; i < items && r.ok(); ++i) {
    core::ItemChange& c = out->changes.items.emplace_back();
    c.index = static_cast<std::uint32_t>(r.varint());
    c.generation = static_cast<std::uint32_t>(r.varint());
    c.before = decode_word(r);
    c.after = decode_word(r);
    if (!decode_policy(r, &c.policy)) return corrupt("bad item policy");
    c.updated_ms = r.svarint();
    if (c.index >= limits.items_max) return corrupt("item slot out of range");
  }
  const std::uint64_t reservations = r.count(kCountMax, 8);
  for (std::uint64_t i = 0; i < reservations && r.ok(); ++i) {
    core::ReservationChange& c = out->changes.reservations.emplace_back();
    const std::uint8_t kind = r.u8();
    if (kind > 2) return corrupt("unknown reservation change");
    c.kind = static_cast<core::ReservationChange::Kind>(kind);
    c.index = static_cast<std::uint32_t>(r.varint());
    c.generation = static_cast<std::uint32_t>(r.varint());
    c.version_before = r.varint();
    c.version_after = r.varint();
    const std::uint8_t state = r.u8();
    if (state < 1 || state > 4) return corrupt("bad reservation state");
    c.state = static_cast<core::ResStatus>(state);
    c.expires_ms = r.svarint();
    if (c.index >= limits.reservations_max) return corrupt("reservation record out of range");
    if (c.expires_ms < 0 || c.expires_ms > core::ResWord::kExpiresMax) {
      return corrupt("reservation expiry out of range");
    }
    if (c.kind == core::ReservationChange::Kind::create) {
      c.created_ms = r.svarint();
      c.reference = r.bytes(core::ReservationTable::kReferenceMax);
      const std::uint64_t lines = r.count(limits.lines_max, 9);
      if (r.ok() && lines == 0) return corrupt("reservation without lines");
      for (std::uint64_t k = 0; k < lines && r.ok(); ++k) {
        const ItemId item{r.fixed64()};
        const std::int64_t quantity = r.svarint();
        if (quantity < 1 || quantity > kQuantityMax) return corrupt("bad line quantity");
        c.lines.push_back({item, Quantity(quantity)});
      }
    }
  }
  const std::uint64_t catalog = r.count(kCountMax, 3);
  for (std::uint64_t i = 0; i < catalog && r.ok(); ++i) {
    using Kind = core::CatalogChange::Kind;
    core::CatalogChange& c = out->changes.catalog.emplace_back();
    const std::uint8_t kind = r.u8();
    if (kind > static_cast<std::uint8_t>(Kind::item_remove))
      return corrupt("unknown catalog change");
    c.kind = static_cast<Kind>(kind);
    c.catalog_version_before = r.varint();
    c.catalog_version_after = r.varint();
    bool ok = true;
    switch (c.kind) {
      case Kind::product_upsert:
        c.key = static_cast<std::uint32_t>(r.varint());
        ok = decode_product(r, &c.product.emplace());
        break;
      case Kind::location_upsert:
        c.key = static_cast<std::uint32_t>(r.varint());
        ok = decode_location(r, &c.location.emplace());
        break;
      case Kind::product_remove:
      case Kind::location_remove:
        c.key = static_cast<std::uint32_t>(r.varint());
        c.id = r.bytes(kTextMax);
        break;
      case Kind::item_create:
        c.item = ItemId{r.fixed64()};
        c.product_key = static_cast<std::uint32_t>(r.varint());
        c.location_key = static_cast<std::uint32_t>(r.varint());
        break;
      case Kind::item_remove:
        c.item = ItemId{r.fixed64()};
        break;
    }
    if (!ok) return corrupt("bad catalog change");
  }
  if (r.boolean()) {
    IdempotencyEntry& e = out->idempotency.emplace();
    e.key = r.bytes(255);
    e.fingerprint = r.fixed64();
    e.expires_ms = r.svarint();
    if (!decode_stored(r, &e.result)) return corrupt("bad idempotency result");
  }
  out->unusual_limit = r.svarint();
  const std::uint64_t rejections = r.count(kCountMax, 12);
  for (std::uint64_t i = 0; i < rejections && r.ok(); ++i) {
    Rejection& x = out->rejections.emplace_back();
    x.item = ItemId{r.fixed64()};
    x.quantity = r.svarint();
    x.on_hand = r.svarint();
    x.reserved = r.svarint();
    x.version = r.varint();
  }
  if (!r.ok()) return corrupt("truncated or malformed record");
  if (!r.done()) return corrupt("trailing bytes after the record");
  if (out->unusual_limit < 0) return corrupt("negative unusual-adjustment limit");
  if (out->span !=
      count_events(out->operation, out->changes, out->rejections, out->unusual_limit)) {
    return corrupt("event span does not match the record");
  }
  return Status();
}

}  // namespace inventory::journal
