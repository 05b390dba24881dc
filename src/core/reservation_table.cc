// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "core/reservation_table.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "util/zeroed_memory.h"

namespace inventory::core {

namespace {
// One shard per thread up to this many threads (each thread starts at its own shard), so the
// free-list CAS of different threads never touches the same cache line. 64 heads cost 4 KiB.
constexpr std::uint32_t kFreeListShards = 64;
}  // namespace

ReservationTable::ReservationTable(std::uint32_t capacity, std::uint32_t chunk_count)
    : capacity_(capacity),
      chunk_count_(chunk_count),
      words_(new Atomic128[capacity]),
      free_records_(capacity, kFreeListShards),
      free_chunks_(chunk_count, kFreeListShards) {
  records_bytes_ = sizeof(Record) * std::size_t{capacity};
  records_ = static_cast<Record*>(detail::map_zeroed(records_bytes_));
  chunks_bytes_ = sizeof(Chunk) * std::size_t{chunk_count};
  chunks_ = static_cast<Chunk*>(detail::map_zeroed(chunks_bytes_));
  if (records_ == nullptr || (chunk_count > 0 && chunks_ == nullptr)) throw std::bad_alloc();
}

ReservationTable::~ReservationTable() {
  detail::unmap_zeroed(records_, records_bytes_);
  detail::unmap_zeroed(chunks_, chunks_bytes_);
}

std::uint32_t ReservationTable::claim(std::uint32_t line_count, bool* lines_exhausted) noexcept {
  const std::uint32_t index = free_records_.pop();
  if (index == IndexFreeList::kNone) return index;

  // Bump the generation first: from here on, a reader validating against the old word knows
  // the payload may change.
  ResWord word = ResWord::decode(words_[index].load());
  INVENTORY_DASSERT(!word.locked);
  INVENTORY_DASSERT(word.state != ResStatus::active);
  ResWord claimed;
  claimed.generation = word.generation + 1 == 0 ? 1 : word.generation + 1;
  // The version moves only with journaled changes (publish, extend, finish), so that every
  // journal record of a reservation names the version it replaced.
  claimed.version = word.version;
  claimed.state = ResStatus::none;
  claimed.prev_state = word.state;
  words_[index].store_exclusive(claimed.encode());

  Record& record = records_[index];
  record.first_chunk.store(0, std::memory_order_relaxed);
  if (line_count > kInlineLines) {
    const std::uint32_t needed = (line_count - kInlineLines + kChunkLines - 1) / kChunkLines;
    const std::uint64_t owner =
        static_cast<std::uint64_t>(make_reservation_id(index, claimed.generation));
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    for (std::uint32_t k = 0; k < needed; ++k) {
      const std::uint32_t chunk = free_chunks_.pop();
      if (chunk == IndexFreeList::kNone) {
        record.first_chunk.store(head, std::memory_order_relaxed);
        abandon(index);
        if (lines_exhausted != nullptr) *lines_exhausted = true;
        return IndexFreeList::kNone;
      }
      chunks_[chunk].owner.store(owner, std::memory_order_release);
      chunks_[chunk].next.store(0, std::memory_order_relaxed);
      if (tail == 0) {
        head = chunk + 1;
      } else {
        chunks_[tail - 1].next.store(chunk + 1, std::memory_order_relaxed);
      }
      tail = chunk + 1;
    }
    record.first_chunk.store(head, std::memory_order_release);
  }
  return index;
}

void ReservationTable::write(std::uint32_t index, std::span<const ReserveLine> lines,
                             std::string_view reference, std::int64_t created_ms) noexcept {
  Record& record = records_[index];
  const auto count = static_cast<std::uint32_t>(lines.size());
  std::uint32_t i = 0;
  for (; i < count && i < kInlineLines; ++i) {
    record.item[i].store(static_cast<std::uint64_t>(lines[i].item), std::memory_order_relaxed);
    record.quantity[i].store(lines[i].quantity.value(), std::memory_order_relaxed);
  }
  std::uint32_t next = record.first_chunk.load(std::memory_order_relaxed);
  while (i < count) {
    INVENTORY_ASSERT(next != 0);
    Chunk& chunk = chunks_[next - 1];
    for (std::uint32_t k = 0; k < kChunkLines && i < count; ++k, ++i) {
      chunk.item[k].store(static_cast<std::uint64_t>(lines[i].item), std::memory_order_relaxed);
      chunk.quantity[k].store(lines[i].quantity.value(), std::memory_order_relaxed);
    }
    next = chunk.next.load(std::memory_order_relaxed);
  }
  record.line_count.store(count, std::memory_order_relaxed);
  record.created_ms.store(created_ms, std::memory_order_relaxed);

  INVENTORY_DASSERT(reference.size() <= kReferenceMax);
  const std::size_t length = std::min<std::size_t>(reference.size(), kReferenceMax);
  // Whole 8-byte words only as far as the reference goes; bytes past the length are never read.
  for (std::size_t k = 0; k * 8 < length; ++k) {
    std::uint64_t packed = 0;
    std::memcpy(&packed, reference.data() + k * 8, std::min<std::size_t>(8, length - k * 8));
    record.reference[k].store(packed, std::memory_order_relaxed);
  }
  record.reference_length.store(static_cast<std::uint32_t>(length), std::memory_order_relaxed);
}

ReservationId ReservationTable::publish(std::uint32_t index, std::int64_t expires_ms,
                                        ResWord* published) noexcept {
  ResWord word = ResWord::decode(words_[index].load());
  INVENTORY_DASSERT(word.state == ResStatus::none);
  word.state = ResStatus::active;
  word.expires_ms = expires_ms;
  word.version = (word.version + 1) & ResWord::kVersionMask;
  // Publishes the payload written by write() (the CAS is a release; pairs with the acquire
  // load of every reader of the word).
  words_[index].store_exclusive(word.encode());
  if (published != nullptr) *published = word;
  return make_reservation_id(index, word.generation);
}

void ReservationTable::abandon(std::uint32_t index) noexcept {
  ResWord word = ResWord::decode(words_[index].load());
  INVENTORY_DASSERT(word.state == ResStatus::none);
  // Keep what is known about the previous generation for stale ids. The version stays: nothing
  // that was journaled changed.
  word.state = word.prev_state;
  words_[index].store_exclusive(word.encode());
  release_record(index);
}

void ReservationTable::free_chunks(std::uint32_t index) noexcept {
  Record& record = records_[index];
  // Only the owner of the record gets here, so a load and a store need no atomic exchange.
  std::uint32_t next = record.first_chunk.load(std::memory_order_relaxed);
  if (next == 0) return;
  record.first_chunk.store(0, std::memory_order_relaxed);
  while (next != 0) {
    Chunk& chunk = chunks_[next - 1];
    const std::uint32_t after = chunk.next.load(std::memory_order_relaxed);
    chunk.owner.store(0, std::memory_order_release);
    free_chunks_.push(next - 1);
    next = after;
  }
}

void ReservationTable::release_record(std::uint32_t index) noexcept {
  free_chunks(index);
  free_records_.push(index);
}

bool ReservationTable::install(std::uint32_t index, const ResWord& word,
                               std::span<const ReserveLine> lines, std::string_view reference,
                               std::int64_t created_ms) {
  INVENTORY_ASSERT(index < capacity_);
  ResWord clean = word;
  clean.locked = false;
  // A finished reservation keeps no overflow chunks; a new payload replaces the old one; an
  // active word without lines (an extend) keeps its payload.
  if (clean.state != ResStatus::active || !lines.empty()) free_chunks(index);
  if (!lines.empty()) {
    // Chunks for lines beyond the inline ones, taken straight from the chunk pool.
    Record& record = records_[index];
    const auto count = static_cast<std::uint32_t>(lines.size());
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    for (std::uint32_t have = kInlineLines; have < count; have += kChunkLines) {
      const std::uint32_t chunk = free_chunks_.pop();
      if (chunk == IndexFreeList::kNone) return false;
      chunks_[chunk].owner.store(
          static_cast<std::uint64_t>(make_reservation_id(index, clean.generation)),
          std::memory_order_relaxed);
      chunks_[chunk].next.store(0, std::memory_order_relaxed);
      if (tail == 0) {
        head = chunk + 1;
      } else {
        chunks_[tail - 1].next.store(chunk + 1, std::memory_order_relaxed);
      }
      tail = chunk + 1;
    }
    record.first_chunk.store(head, std::memory_order_relaxed);
    write(index, lines, reference, created_ms);
  }
  words_[index].store_exclusive(clean.encode());
  return true;
}

void ReservationTable::finish_install() {
  std::vector<std::uint32_t> free;
  free.reserve(capacity_);
  for (std::uint32_t i = 0; i < capacity_; ++i) {
    if (ResWord::decode(words_[i].load()).state != ResStatus::active) free.push_back(i);
  }
  free_records_.reset(free);
}

std::string ReservationTable::reference(std::uint32_t index) const {
  const Record& record = records_[index];
  const std::uint32_t length = std::min<std::uint32_t>(
      record.reference_length.load(std::memory_order_acquire), kReferenceMax);
  char buffer[kReferenceMax];
  for (std::size_t k = 0; k * 8 < length; ++k) {
    const std::uint64_t packed = record.reference[k].load(std::memory_order_acquire);
    std::memcpy(buffer + k * 8, &packed, 8);
  }
  return std::string(buffer, length);
}

}  // namespace inventory::core
