// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The journal of a build without RocksDB (INVENTORY_WITH_ROCKSDB=OFF, the firmware profile; see
// docs/firmware.md): compiled instead of journal.cc. Journal::open and verify() refuse with
// not_supported, so Engine::open with a path and Engine::verify do too, and no Journal object is
// ever made: an engine runs in memory only (Durability::none), and the engine already answers
// subscribe, changes_since and history with not_supported when it has no journal. The other
// members exist only so that the engine links; none of them can be reached.

#include <cstdlib>

#include "journal/journal.h"

namespace inventory::journal {

namespace {

Status not_built() {
  return Status::from_static(StatusCode::not_supported,
                             "built without RocksDB (INVENTORY_WITH_ROCKSDB=OFF): open without a "
                             "path, Durability::none",
                             "path");
}

[[noreturn]] void unreachable() { std::abort(); }  // No Journal exists in this build.

}  // namespace

struct Journal::Impl {};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Journal>> Journal::open(const JournalOptions& options, StateHooks* hooks,
                                               RecoveryStats* stats) {
  (void)options;
  (void)hooks;
  (void)stats;
  return not_built();
}

Journal::~Journal() = default;

ThreadLog* Journal::thread_log() { unreachable(); }

Journal::Session::Session(Journal& journal) : journal_(journal), log_(nullptr) { unreachable(); }

Journal::Session::~Session() = default;

Ticket Journal::Session::append(const Audit& audit, const core::Changes& changes,
                                const IdempotencyEntry* idempotency, bool sync,
                                WriteCallback* completion) {
  (void)audit;
  (void)changes;
  (void)idempotency;
  (void)sync;
  (void)completion;
  unreachable();
}

Status Journal::wait(const Ticket& ticket) {
  (void)ticket;
  return not_built();
}

Status Journal::health() const { return not_built(); }

Status Journal::checkpoint() { return not_built(); }

Status Journal::sync() { return not_built(); }

void Journal::set_ack_before_sync_for_testing(bool on) { (void)on; }

Status Journal::read_group(std::uint64_t sequence, DurableGroup* group,
                           std::uint64_t* first_available) const {
  (void)sequence;
  (void)group;
  (void)first_available;
  return not_built();
}

Status Journal::put_cursor(std::string_view name, std::uint64_t sequence) {
  (void)name;
  (void)sequence;
  return not_built();
}

Status Journal::delete_cursor(std::string_view name) {
  (void)name;
  return not_built();
}

std::vector<std::pair<std::string, std::uint64_t>> Journal::cursors() const { return {}; }

Status verify(const JournalOptions& options, StateHooks* hooks, RecoveryStats* stats) {
  (void)options;
  (void)hooks;
  (void)stats;
  return not_built();
}

}  // namespace inventory::journal
