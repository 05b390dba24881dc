// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: Engine::verify() detects a journal record changed after it was written, even when the
// editor recomputed every checksum, and names where.
// Method: journal 40 adjustments, close, then rewrite one record's reason inside its RocksDB
// group (same length) two ways: (a) fixing the record and group CRCs only; (b) also resealing
// the group's own hash, so that only the link from the next group exposes it. verify() must
// fail with corruption naming the sequence, and an untouched copy must verify clean.

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include "inventory/engine.h"

#include "journal/record_format.h"
#include "support/temp_dir.h"
#include "util/crc32c.h"

namespace inventory {
namespace {

Options tamper_options() {
  Options o;
  o.durability = Durability::sync;
  o.expiry_interval = std::chrono::milliseconds(0);
  o.checkpoint_records = 0;  // Only at close: the whole log stays.
  o.limits.items_max = 64;
  o.limits.reservations_max = 64;
  return o;
}

void write_history(const std::string& dir) {
  auto opened = Engine::open(tamper_options(), dir);
  REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
  Engine& e = **opened;
  REQUIRE(e.upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}}).ok());
  REQUIRE(e.upsert_product({}, {.product = {.id = "p", .sku = "P", .name = "P"}}).ok());
  const ItemId item = e.upsert_item({}, {.product_id = "p", .location_id = "wh"})->level.item;
  for (int i = 0; i < 40; ++i) {
    const std::string reason = "count-" + std::to_string(100 + i);
    REQUIRE(e.adjust({}, {.item = item, .delta = Quantity{1}, .reason = reason}).ok());
  }
}

// Rewrites "count-120" to "count-999" in the group holding it. Returns that group's first
// sequence and the next group's.
std::pair<std::uint64_t, std::uint64_t> tamper(const std::string& dir, bool reseal_hash) {
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"log", rocksdb::ColumnFamilyOptions()},
      {"checkpoint", rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, families, &handles, &raw);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::uint64_t changed = 0, next = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string group = it->value().ToString();
    const std::string key = it->key().ToString();
    if (changed != 0) {
      next = journal::decode_sequence_key(key);
      break;
    }
    const std::size_t at = group.find("count-120");
    if (at == std::string::npos) continue;
    std::vector<std::string_view> records;
    journal::GroupChain links;
    REQUIRE(journal::split_group(group, &records, &links).ok());
    for (std::string_view r : records) {
      const auto offset = static_cast<std::size_t>(r.data() - group.data());
      if (at < offset || at >= offset + r.size()) continue;
      std::uint64_t sequence = 0;
      std::memcpy(&sequence, group.data() + offset + 5, 8);  // Little-endian fixed64.
      group.replace(at, 9, "count-999");
      journal::seal_record(&group, offset, r.size(), sequence);
    }
    journal::ChainHash hash;
    journal::seal_group(&group, links.prev, &hash);  // Fixes the hash and the CRC ...
    if (!reseal_hash) {
      // ... or put the stored hash back and fix only the CRC, as a naive editor would.
      std::memcpy(group.data() + 37, links.hash.data(), 32);
      const std::uint32_t crc = crc32c::masked(crc32c::value(group.data() + 4, group.size() - 4));
      for (int i = 0; i < 4; ++i) group[i] = static_cast<char>(crc >> (8 * i));
    }
    changed = journal::decode_sequence_key(key);
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[1], key, group).ok());
  }
  it.reset();
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
  REQUIRE(changed != 0);
  return {changed, next};
}

std::string verify_message(const std::string& dir) {
  Result<VerifyReport> report = Engine::verify(tamper_options(), dir);
  if (report.ok()) return "";
  CHECK(report.status().code() == StatusCode::corruption);
  return std::string(report.status().message());
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("verify detects a journal record modified after it was written") {
    // Untouched: verifies clean and reports the chain head.
    {
      testing::TempDir dir("tamper-clean");
      write_history(dir.path());
      Result<VerifyReport> report = Engine::verify(tamper_options(), dir.path());
      REQUIRE_MESSAGE(report.ok(), report.status().to_string());
      CHECK(report->chain_head.size() == 64);
      CHECK(report->chain_head != std::string(64, '0'));
    }
    // Checksums fixed, hash left: the group's own hash exposes it.
    {
      testing::TempDir dir("tamper-crc");
      write_history(dir.path());
      const auto [changed, next] = tamper(dir.path(), /*reseal_hash=*/false);
      const std::string message = verify_message(dir.path());
      INFO(message);
      CHECK(message.find("tampered") != std::string::npos);
      CHECK(message.find("sequence " + std::to_string(changed) + " ") != std::string::npos);
      std::printf("tamper: record edited with checksums fixed: %s\n", message.c_str());
    }
    // Hash resealed too: the next group's link exposes it.
    {
      testing::TempDir dir("tamper-hash");
      write_history(dir.path());
      const auto [changed, next] = tamper(dir.path(), /*reseal_hash=*/true);
      REQUIRE(next != 0);
      const std::string message = verify_message(dir.path());
      INFO(message);
      CHECK(message.find("tampered") != std::string::npos);
      CHECK(message.find("group at sequence " + std::to_string(changed) + " was changed") !=
            std::string::npos);
      CHECK(message.find("sequence " + std::to_string(next) + " links") != std::string::npos);
      std::printf("tamper: record edited with checksums and its hash fixed: %s\n", message.c_str());
    }
  }
}

}  // namespace inventory
