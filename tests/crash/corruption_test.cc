// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: a torn or damaged journal either recovers a correct prefix or is refused with
// corruption; it is never opened with acknowledged changes silently missing.
// Method: build one data directory: a first session runs part of the crash workload and closes
// cleanly (a checkpoint, memtables flushed into SST files), a second session runs the rest with
// sync durability and no checkpoint, and the process "dies" without closing (the file system
// turns inactive), so the RocksDB WAL holds the second session's groups, one WriteBatch each.
// The WAL is parsed (RocksDB's log format: 32 KiB blocks of physical records) into logical
// records. Then, on copies of the directory opened with the real file system:
//   - truncation: the WAL cut at every byte offset from the start of the third-to-last record
//     to the end of the last. Every one of those records was acknowledged (the high-water mark
//     says so), so only the whole file may open (with the final state); every shorter one must
//     be refused with corruption naming a sequence.
//   - bit flips: one bit of the WAL, an SST file, the MANIFEST or the high-water-mark file
//     flipped: the first, middle and last byte of each such file, then random ones. The copy must
//     open with exactly the final state (the bit was unused, or it damaged a high-water-mark entry
//     that is then skipped) or be refused with corruption.
// Anything else (opened with another state, another error code) is a silent divergence.
//
// Scale: INVENTORY_CORRUPTIONS (bit flips, default 300); INVENTORY_CORRUPTION_OPS (operations
// of the workload, default 1,000); seed from INVENTORY_SEED.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crash/workload.h"
#include "support/env.h"
#include "support/fault_fs.h"
#include "support/temp_dir.h"

namespace inventory {
namespace detail {
Result<std::unique_ptr<Engine>> open_engine(const Options& options, std::string_view path,
                                            std::shared_ptr<rocksdb::FileSystem> file_system);
}

namespace {

namespace fs = std::filesystem;
using testing::CrashCatalog;
using testing::FaultFs;
using testing::ModelInventory;
using testing::WorkOp;

// As the power-loss test's, but no checkpoint while running (only at a clean close).
Options corruption_options() {
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 0;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  return options;
}

std::vector<std::uint64_t> active_reservations(const ModelInventory& model) {
  std::vector<std::uint64_t> active;
  for (const auto& [id, r] : model.reservations) {
    if (static_cast<std::uint64_t>(id) < (std::uint64_t{1} << 62)) {
      active.push_back(static_cast<std::uint64_t>(id));
    }
  }
  return active;
}

// Runs `count` sync operations of the workload, keeping `model` in step. Returns how many
// returned ok.
std::uint64_t run_sync_ops(Engine& engine, testing::Workload& workload, const CrashCatalog& catalog,
                           ModelInventory& model, int count) {
  std::uint64_t ok = 0;
  for (int i = 0; i < count; ++i) {
    WorkOp op = workload.next(active_reservations(model));
    op.sync = true;
    workload.run(engine, op);
    const StatusCode expected = testing::apply(model, catalog, op, op.reserved);
    REQUIRE_MESSAGE(op.code == expected,
                    "operation " << i << " (" << op.encode() << ") answered " << to_string(op.code)
                                 << ", the model expects " << to_string(expected));
    ok += op.code == StatusCode::ok;
  }
  return ok;
}

// ---- RocksDB's WAL format (db/log_format.h) ----

constexpr std::size_t kWalBlock = 32 * 1024;
constexpr std::size_t kWalHeader = 7;             // masked CRC (4), length (2), type (1).
constexpr std::size_t kWalRecyclableHeader = 11;  // ... and the log number (4).

struct WalRecord {
  std::uint64_t begin = 0;  // Offset of its first physical record's header.
  std::uint64_t end = 0;    // One past its last physical record's payload.
};

// The logical records (FULL, or FIRST MIDDLE* LAST) carrying data, in file order. Records of
// other types (compression type, ...) are skipped. `error` says why parsing stopped early.
std::vector<WalRecord> parse_wal(const std::string& bytes, std::string* error) {
  std::vector<WalRecord> records;
  std::size_t pos = 0;
  bool in_record = false;
  std::uint64_t begin = 0;
  while (pos < bytes.size()) {
    const std::size_t left_in_block = kWalBlock - pos % kWalBlock;
    if (left_in_block < kWalHeader) {  // Block trailer: zero padding.
      pos += left_in_block;
      continue;
    }
    if (bytes.size() - pos < kWalHeader) {
      *error = "torn header at " + std::to_string(pos);
      break;
    }
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[pos + i]); };
    const std::size_t length = byte(4) | (std::size_t{byte(5)} << 8);
    const unsigned type = byte(6);
    if (type == 0) {  // Zero type: preallocated space, nothing follows.
      *error = "zero record at " + std::to_string(pos);
      break;
    }
    const bool recyclable = type >= 5 && type <= 8;
    const std::size_t header = recyclable ? kWalRecyclableHeader : kWalHeader;
    const std::size_t end = pos + header + length;
    if (end > bytes.size() || header + length > left_in_block) {
      *error = "bad length at " + std::to_string(pos);
      break;
    }
    switch (recyclable ? type - 4 : type) {
      case 1:  // FULL
        records.push_back({pos, end});
        in_record = false;
        break;
      case 2:  // FIRST
        begin = pos;
        in_record = true;
        break;
      case 3:  // MIDDLE
        break;
      case 4:  // LAST
        if (in_record) records.push_back({begin, end});
        in_record = false;
        break;
      default:  // Not a WriteBatch (kSetCompressionType, ...).
        break;
    }
    pos = end;
  }
  return records;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The live WAL: the highest-numbered non-empty NNNNNN.log.
fs::path live_wal(const std::string& dir) {
  fs::path best;
  std::uint64_t best_number = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".log" || fs::file_size(p) == 0) continue;
    const std::uint64_t number = std::strtoull(p.stem().string().c_str(), nullptr, 10);
    if (best.empty() || number > best_number) {
      best = p;
      best_number = number;
    }
  }
  return best;
}

enum class FileKind { wal = 0, sst = 1, manifest = 2, hwm = 3 };
constexpr const char* kKindNames[] = {"WAL", "SST", "MANIFEST", "JOURNAL_HWM"};

// The kind of a file worth damaging; nullopt for the rest (LOCK, LOG*, OPTIONS*, CURRENT,
// IDENTITY: RocksDB's own bookkeeping or text, outside what recovery promises to check).
std::optional<FileKind> kind_of(const fs::path& p) {
  const std::string name = p.filename().string();
  if (p.extension() == ".log") return FileKind::wal;
  if (p.extension() == ".sst") return FileKind::sst;
  if (name.rfind("MANIFEST-", 0) == 0) return FileKind::manifest;
  if (name == "JOURNAL_HWM") return FileKind::hwm;
  return std::nullopt;
}

struct Outcome {
  enum Kind { recovered, refused, divergent } kind = divergent;
  std::string detail;
  // Refused with io_error although RocksDB found damage ("Corruption: ..." in the message).
  bool corruption_as_io_error = false;
};

// Opens the copy at `path` with the real file system and classifies what it found.
Outcome open_copy(const Options& options, const std::string& path, const ModelInventory& model,
                  bool expect_whole) {
  auto opened = Engine::open(options, path);
  if (opened.ok()) {
    std::string why;
    const bool same = testing::same_state(**opened, model, &why);
    const Status invariants = (*opened)->check_invariants();
    if (same && invariants.ok() && expect_whole) return {Outcome::recovered, {}};
    if (!expect_whole) return {Outcome::divergent, "opened although acknowledged records are cut"};
    return {Outcome::divergent,
            "opened with another state: " + (same ? invariants.to_string() : why)};
  }
  const Status& status = opened.status();
  if (status.code() == StatusCode::corruption) return {Outcome::refused, status.to_string()};
  return {Outcome::divergent, "refused with another code: " + status.to_string(),
          status.code() == StatusCode::io_error &&
              status.message().find("Corruption") != std::string_view::npos};
}

struct Built {
  ModelInventory model;
  std::uint64_t first_session_ops = 0;
  std::uint64_t second_session_ops = 0;
  std::uint64_t second_session_changes = 0;  // Operations that returned ok: one record each.
};

// Builds the data directory in `dir` (see the file comment).
Built build(const std::string& dir, std::uint64_t seed, std::uint64_t ops) {
  const Options options = corruption_options();
  Built built;
  CrashCatalog catalog;
  built.first_session_ops = ops / 3;
  built.second_session_ops = ops - built.first_session_ops;
  {
    auto engine = detail::open_engine(options, dir, std::make_shared<FaultFs>());
    REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
    catalog = CrashCatalog::create(**engine, &built.model);
    testing::Workload first(seed, catalog);
    run_sync_ops(**engine, first, catalog, built.model, static_cast<int>(built.first_session_ops));
  }  // Clean close: checkpoint, flush.
  auto fault = std::make_shared<FaultFs>();
  auto engine = detail::open_engine(options, dir, fault);
  REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
  testing::Workload second(seed + 1, catalog);
  built.second_session_changes = run_sync_ops(**engine, second, catalog, built.model,
                                              static_cast<int>(built.second_session_ops));
  std::string why;
  REQUIRE_MESSAGE(testing::same_state(**engine, built.model, &why), why);
  // Die without closing: everything was synced, nothing more reaches the disk.
  fault->set_active(false);
  engine->reset();
  return built;
}

struct Counts {
  std::uint64_t tried = 0;
  std::uint64_t recovered = 0;
  std::uint64_t refused = 0;
  std::uint64_t named_sequence = 0;  // Of the refused: the message names a sequence.
  std::uint64_t divergent = 0;
  std::uint64_t corruption_as_io_error = 0;  // Of the divergent.
  std::string first_divergence;

  void add(const Outcome& outcome, const std::string& what) {
    ++tried;
    switch (outcome.kind) {
      case Outcome::recovered:
        ++recovered;
        break;
      case Outcome::refused:
        ++refused;
        named_sequence += outcome.detail.find("sequence") != std::string::npos;
        break;
      case Outcome::divergent:
        ++divergent;
        corruption_as_io_error += outcome.corruption_as_io_error;
        if (first_divergence.empty()) first_divergence = what + ": " + outcome.detail;
        break;
    }
  }
};

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("a torn or damaged journal recovers a correct prefix or is refused") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t flips = testing::env_or("INVENTORY_CORRUPTIONS", 300);
    const std::uint64_t ops = testing::env_or("INVENTORY_CORRUPTION_OPS", 1000);
    const Options options = corruption_options();
    testing::TempDir base("corrupt-base");
    testing::TempDir scratch("corrupt-copy");
    const Built built = build(base.path(), seed, ops);

    const fs::path wal = live_wal(base.path());
    REQUIRE_MESSAGE(!wal.empty(), "no WAL in " << base.path());
    const std::string wal_bytes = read_file(wal);
    std::string parse_error;
    const std::vector<WalRecord> records = parse_wal(wal_bytes, &parse_error);
    CHECK_MESSAGE(parse_error.empty(), parse_error);
    REQUIRE(records.size() >= 3);
    // The second session's groups at least: one WriteBatch for each operation that changed
    // something (one-thread workload, so one record per group).
    CHECK(records.size() >= built.second_session_changes);
    CHECK(records.back().end == wal_bytes.size());
    const std::uint64_t from = records[records.size() - 3].begin;
    const std::uint64_t to = records.back().end;

    // Every cut in the last three records.
    std::uint64_t copies = 0;
    auto fresh_copy = [&] {
      // Everything but RocksDB's text log (LOG, LOG.old.*), which recovery never reads.
      const std::string path = scratch.sub("c" + std::to_string(copies++));
      fs::create_directory(path);
      for (const auto& entry : fs::directory_iterator(base.path())) {
        if (entry.path().filename().string().rfind("LOG", 0) == 0) continue;
        fs::copy(entry.path(), fs::path(path) / entry.path().filename(),
                 fs::copy_options::recursive);
      }
      return path;
    };
    Counts cuts;
    std::uint64_t unnamed = 0;  // Refused without naming a sequence.
    for (std::uint64_t offset = from; offset <= to; ++offset) {
      const std::string copy = fresh_copy();
      fs::resize_file(fs::path(copy) / wal.filename(), offset);
      Outcome outcome = open_copy(options, copy, built.model, offset == to);
      if (outcome.kind == Outcome::refused &&
          outcome.detail.find("sequence") == std::string::npos) {
        ++unnamed;
        outcome = {Outcome::divergent, "the corruption names no sequence: " + outcome.detail};
      }
      cuts.add(outcome, "WAL cut at " + std::to_string(offset) + " of " + std::to_string(to));
      fs::remove_all(copy);
    }
    std::printf(
        "torn journal: seed %llu, %llu records in the WAL, last 3 at bytes %llu-%llu, %llu cuts "
        "tried, %llu recovered correctly, %llu refused with corruption, %llu silent "
        "divergences\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(records.size()),
        static_cast<unsigned long long>(from), static_cast<unsigned long long>(to),
        static_cast<unsigned long long>(cuts.tried),
        static_cast<unsigned long long>(cuts.recovered),
        static_cast<unsigned long long>(cuts.refused),
        static_cast<unsigned long long>(cuts.divergent));
    CHECK_MESSAGE(cuts.divergent == 0, cuts.first_divergence);
    CHECK(unnamed == 0);
    CHECK(cuts.recovered == 1);
    CHECK(cuts.tried == to - from + 1);

    // Random bit flips.
    std::vector<fs::path> candidates[4];
    for (const auto& entry : fs::directory_iterator(base.path())) {
      if (!entry.is_regular_file() || entry.file_size() == 0) continue;
      if (auto kind = kind_of(entry.path())) {
        candidates[static_cast<int>(*kind)].push_back(entry.path().filename());
      }
    }
    for (auto& names : candidates) std::sort(names.begin(), names.end());  // Reproducible.
    std::vector<int> kinds;  // Kinds present; each picked equally often.
    for (int k = 0; k < 4; ++k) {
      if (!candidates[k].empty()) kinds.push_back(k);
    }
    std::mt19937_64 rng(seed ^ 0x5eed);
    auto pick = [&](std::uint64_t n) {
      return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
    };
    Counts flipped;
    Counts per_kind[4];
    auto flip = [&](int kind, const fs::path& name, std::uint64_t at, int bit) {
      const std::string copy = fresh_copy();
      const fs::path target = fs::path(copy) / name;
      std::string bytes = read_file(target);
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
      {
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      }
      const Outcome outcome = open_copy(options, copy, built.model, true);
      const std::string what = name.string() + " byte " + std::to_string(at) + " bit " +
                               std::to_string(bit) + " of " + std::to_string(bytes.size());
      flipped.add(outcome, what);
      per_kind[kind].add(outcome, what);
      if (std::getenv("INVENTORY_CRASH_VERBOSE") != nullptr) {
        std::printf("flip %s: %s\n", what.c_str(),
                    outcome.kind == Outcome::recovered ? "recovered" : outcome.detail.c_str());
      }
      fs::remove_all(copy);
    };
    // Fixed places first, so that every file's first block (an SST's first data block, the
    // MANIFEST's first edit, the WAL's first group), middle and last byte are always tried.
    std::uint64_t fixed = 0;
    for (int kind : kinds) {
      for (const fs::path& name : candidates[kind]) {
        const std::uint64_t size = fs::file_size(fs::path(base.path()) / name);
        for (const std::uint64_t at : {std::uint64_t{0}, size / 2, size - 1}) {
          flip(kind, name, at, 0);
          ++fixed;
        }
      }
    }
    for (std::uint64_t i = 0; i < flips; ++i) {
      const int kind = kinds[pick(kinds.size())];
      const fs::path& name = candidates[kind][pick(candidates[kind].size())];
      const std::uint64_t at = pick(fs::file_size(fs::path(base.path()) / name));
      flip(kind, name, at, static_cast<int>(pick(8)));
    }
    std::string by_kind;
    for (int k = 0; k < 4; ++k) {
      by_kind += std::string(by_kind.empty() ? "" : "; ") + kKindNames[k] + " " +
                 std::to_string(per_kind[k].tried) + "/" + std::to_string(per_kind[k].recovered) +
                 "/" + std::to_string(per_kind[k].refused) + "/" +
                 std::to_string(per_kind[k].divergent);
    }
    std::printf(
        "bit flips: seed %llu, %llu flips (%llu at fixed places), %llu recovered correctly, "
        "%llu refused with "
        "corruption (%llu naming a sequence), %llu silent divergences (%llu of them damage "
        "reported as io_error) "
        "(tried/recovered/refused/divergent: %s)\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(flipped.tried),
        static_cast<unsigned long long>(fixed), static_cast<unsigned long long>(flipped.recovered),
        static_cast<unsigned long long>(flipped.refused),
        static_cast<unsigned long long>(flipped.named_sequence),
        static_cast<unsigned long long>(flipped.divergent),
        static_cast<unsigned long long>(flipped.corruption_as_io_error), by_kind.c_str());
    // Damage RocksDB detects in a block of the default column family (the format key, the
    // checkpoint pointers) must be reported as corruption, not io_error.
    CHECK_MESSAGE(flipped.divergent == 0, flipped.first_divergence);
  }
}

}  // namespace inventory
