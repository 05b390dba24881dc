// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// ReservationTable: fixed-capacity reservation records, sized once from Limits.
//
// Each reservation has a 16-byte state word in a dense array (so the expiry sweep reads 16
// bytes per reservation) and a 192-byte record with its lines and reference. Reservations with
// more than kInlineLines lines chain 192-byte chunks of kChunkLines lines each.
//
// Thread safety
//   The state word (ResWord) is the reservation's single source of truth: every state change
//   (claim, publish, confirm, release, expire, extend, lock) is one CAS on it, and each such CAS
//   is that change's linearization point. The thread whose CAS moves a reservation out of
//   `active` owns the follow-up (applying its lines to the items, then freeing the record), so
//   no two threads ever apply one reservation. Record payload fields are atomics written only
//   by the thread that claimed the record, between the claim CAS and the publish CAS; readers
//   validate a payload read seqlock-style by re-reading the word (payload loads are acquire, so
//   the re-read cannot move before them). Lock-free; nothing here allocates after construction.
//
// Invariants
//   - version increases by one on every journaled change of a word (publish, extend, finish,
//     a batch's install) and never resets; claiming or abandoning a record leaves it alone.
//   - generation increases by one each time a record is claimed; a ReservationId carries the
//     generation it was issued with, so an id never aliases a later reservation.
//   - A record is in the free list iff its state is terminal (or none) and nobody owns it.

#ifndef INVENTORY_CORE_RESERVATION_TABLE_H_
#define INVENTORY_CORE_RESERVATION_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/types.h"

#include "core/atomic128.h"
#include "core/index_free_list.h"
#include "util/assert.h"

namespace inventory::core {

// Values match ReservationState; `none` is a record never published (or being filled).
enum class ResStatus : std::uint8_t {
  none = 0,
  active = 1,
  confirmed = 2,
  released = 3,
  expired = 4
};

struct ResWord {
  std::int64_t expires_ms = 0;
  std::uint32_t generation = 0;
  std::uint64_t version = 0;
  ResStatus state = ResStatus::none;
  ResStatus prev_state = ResStatus::none;  // Final state of the previous generation.
  bool locked = false;                     // Held by an all_or_nothing batch.

  // Bit layout: expires_ms 0..43, generation 44..75, version 76..119, state 120..122,
  // prev_state 123..125, lock 127.
  static constexpr int kExpiresBits = 44;
  static constexpr std::uint64_t kVersionMask = (std::uint64_t{1} << 44) - 1;
  static constexpr std::int64_t kExpiresMax = (std::int64_t{1} << kExpiresBits) - 1;
  static constexpr u128 kLockBit = u128{1} << 127;

  static ResWord decode(u128 raw) noexcept {
    ResWord w;
    w.expires_ms = static_cast<std::int64_t>(raw & ((u128{1} << kExpiresBits) - 1));
    w.generation = static_cast<std::uint32_t>(raw >> 44);
    w.version = static_cast<std::uint64_t>(raw >> 76) & kVersionMask;
    w.state = static_cast<ResStatus>(static_cast<unsigned>(raw >> 120) & 7);
    w.prev_state = static_cast<ResStatus>(static_cast<unsigned>(raw >> 123) & 7);
    w.locked = ((raw >> 127) & 1) != 0;
    return w;
  }
  u128 encode() const noexcept {
    INVENTORY_DASSERT(expires_ms >= 0);
    INVENTORY_DASSERT(expires_ms <= kExpiresMax);
    u128 raw = static_cast<u128>(static_cast<std::uint64_t>(expires_ms));
    raw |= static_cast<u128>(generation) << 44;
    raw |= static_cast<u128>(version & kVersionMask) << 76;
    raw |= static_cast<u128>(static_cast<unsigned>(state) & 7) << 120;
    raw |= static_cast<u128>(static_cast<unsigned>(prev_state) & 7) << 123;
    raw |= static_cast<u128>(locked ? 1 : 0) << 127;
    return raw;
  }
  bool terminal() const noexcept {
    return state == ResStatus::confirmed || state == ResStatus::released ||
           state == ResStatus::expired;
  }
};

// ReservationId = generation << 32 | (record index + 1).
inline ReservationId make_reservation_id(std::uint32_t index, std::uint32_t generation) noexcept {
  return ReservationId{(std::uint64_t{generation} << 32) | (std::uint64_t{index} + 1)};
}
inline std::uint32_t reservation_index(ReservationId id) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) & 0xffffffffu) - 1;
}
inline std::uint32_t reservation_generation(ReservationId id) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) >> 32);
}

class ReservationTable {
 public:
  static constexpr std::uint32_t kInlineLines = 6;
  static constexpr std::uint32_t kChunkLines = 11;
  static constexpr std::uint32_t kReferenceMax = 64;

  // `capacity` records; `chunk_count` overflow chunks shared by reservations of more than
  // kInlineLines lines.
  ReservationTable(std::uint32_t capacity, std::uint32_t chunk_count);
  ~ReservationTable();
  ReservationTable(const ReservationTable&) = delete;
  ReservationTable& operator=(const ReservationTable&) = delete;

  std::uint32_t capacity() const noexcept { return capacity_; }
  Atomic128& word(std::uint32_t index) noexcept { return words_[index]; }
  const Atomic128& word(std::uint32_t index) const noexcept { return words_[index]; }

  // The record index of `id` if it is in range, else kNone. The generation is not checked.
  std::uint32_t index_of(ReservationId id) const noexcept {
    const auto raw = static_cast<std::uint64_t>(id);
    if ((raw & 0xffffffffu) == 0) return IndexFreeList::kNone;
    const std::uint32_t index = reservation_index(id);
    return index < capacity_ ? index : IndexFreeList::kNone;
  }

  // Claims a free record for `line_count` lines, bumping its generation (state none). Returns
  // kNone when the records or the overflow chunks are exhausted; in the latter case sets
  // *lines_exhausted (if not null). Lock-free.
  std::uint32_t claim(std::uint32_t line_count, bool* lines_exhausted = nullptr) noexcept;
  // Fills a claimed record. REQUIRES: the caller claimed it and has not published it.
  void write(std::uint32_t index, std::span<const ReserveLine> lines, std::string_view reference,
             std::int64_t created_ms) noexcept;
  // Makes a claimed, written record active (version + 1). Returns its id; *published (if not
  // null) receives the word installed.
  ReservationId publish(std::uint32_t index, std::int64_t expires_ms,
                        ResWord* published = nullptr) noexcept;
  // Returns a claimed, unpublished record to the free list.
  void abandon(std::uint32_t index) noexcept;
  // Returns a terminal record owned by the caller (the thread that finished it).
  void release_record(std::uint32_t index) noexcept;

  // --- Recovery. REQUIRES: single-threaded, before the engine is used. ---

  // Sets record `index`'s word; with `lines` (a reservation being created), also its payload.
  // A word that is not active drops the record's overflow chunks; an active word without
  // lines keeps the payload. Returns false when the overflow chunks run out.
  bool install(std::uint32_t index, const ResWord& word, std::span<const ReserveLine> lines,
               std::string_view reference, std::int64_t created_ms);
  // Makes every record that is not active free again.
  void finish_install();

  // Payload reads. Exact when the caller owns the record (claimed it, or won the CAS that
  // finished it). Any other reader must treat the result as a guess, valid only if the word is
  // unchanged afterwards (a CAS that succeeds, or a re-read); read_lines() also checks that
  // every overflow chunk still belongs to the record.
  std::uint32_t line_count(std::uint32_t index) const noexcept {
    return records_[index].line_count.load(std::memory_order_acquire);
  }
  // Calls f(i, line) for each line. Returns false if an overflow chunk was reused meanwhile.
  template <typename F>
  bool for_each_line(std::uint32_t index, F&& f) const noexcept;
  std::int64_t created_ms(std::uint32_t index) const noexcept {
    return records_[index].created_ms.load(std::memory_order_acquire);
  }
  std::string reference(std::uint32_t index) const;

 private:
  struct alignas(64) Record {
    std::atomic<std::uint64_t> item[kInlineLines];
    std::atomic<std::int64_t> quantity[kInlineLines];
    std::atomic<std::int64_t> created_ms{0};
    std::atomic<std::uint32_t> line_count{0};
    std::atomic<std::uint32_t> first_chunk{0};  // Chunk index + 1; 0 = none.
    std::atomic<std::uint64_t> reference[kReferenceMax / 8];
    std::atomic<std::uint32_t> reference_length{0};
  };
  struct alignas(64) Chunk {
    std::atomic<std::uint64_t> item[kChunkLines];
    std::atomic<std::int64_t> quantity[kChunkLines];
    std::atomic<std::uint32_t> next{0};  // Chunk index + 1; 0 = end.
    // make_reservation_id() of the record it belongs to; written before the lines.
    std::atomic<std::uint64_t> owner{0};
  };
  static_assert(sizeof(Record) == 192);
  static_assert(sizeof(Chunk) == 192);

  void free_chunks(std::uint32_t index) noexcept;
  std::uint32_t generation_of(std::uint32_t index) const noexcept {
    return ResWord::decode(words_[index].load()).generation;
  }

  std::uint32_t capacity_;
  std::uint32_t chunk_count_;
  std::unique_ptr<Atomic128[]> words_;
  Record* records_ = nullptr;
  std::size_t records_bytes_ = 0;
  Chunk* chunks_ = nullptr;
  std::size_t chunks_bytes_ = 0;
  IndexFreeList free_records_;
  IndexFreeList free_chunks_;
};

template <typename F>
bool ReservationTable::for_each_line(std::uint32_t index, F&& f) const noexcept {
  const Record& record = records_[index];
  const std::uint32_t count = record.line_count.load(std::memory_order_acquire);
  const std::uint32_t inline_count = count < kInlineLines ? count : kInlineLines;
  for (std::uint32_t i = 0; i < inline_count; ++i) {
    f(i, ReserveLine{ItemId{record.item[i].load(std::memory_order_acquire)},
                     Quantity{record.quantity[i].load(std::memory_order_acquire)}});
  }
  std::uint32_t i = inline_count;
  if (i == count) return true;  // No overflow chunks: the common case.
  std::uint32_t next = record.first_chunk.load(std::memory_order_acquire);
  const std::uint64_t owner =
      static_cast<std::uint64_t>(make_reservation_id(index, generation_of(index)));
  while (i < count) {
    if (next == 0 || next > chunk_count_) return false;
    const Chunk& chunk = chunks_[next - 1];
    if (chunk.owner.load(std::memory_order_acquire) != owner) return false;
    for (std::uint32_t k = 0; k < kChunkLines && i < count; ++k, ++i) {
      f(i, ReserveLine{ItemId{chunk.item[k].load(std::memory_order_acquire)},
                       Quantity{chunk.quantity[k].load(std::memory_order_acquire)}});
    }
    next = chunk.next.load(std::memory_order_acquire);
    if (chunk.owner.load(std::memory_order_acquire) != owner) return false;
  }
  return true;
}

}  // namespace inventory::core

#endif  // INVENTORY_CORE_RESERVATION_TABLE_H_
