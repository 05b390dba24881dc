// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Offline sync (offline_sync.h), written against the public Engine API only.

#include "inventory/offline_sync.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace inventory {
namespace {

constexpr std::string_view kRejectedReason = "offline sale rejected by central";
constexpr std::string_view kSyncReason = "sync from central";
constexpr std::string_view kCountReason = "offline count";
constexpr std::uint32_t kPage = 100;      // Within any sensible limits.page_size_max.
constexpr std::size_t kDeviceIdMax = 40;  // device_id:sequence fits a 64-byte reference.

Result<ItemId> find(Engine& engine, const ItemKey& key) {
  return engine.find_item({}, key.product_id, key.location_id);
}

// Events whose before/after is a change of the item's on_hand (transitions repeat the state of
// the event that caused them, so they are left out).
bool changes_on_hand(EventType type) {
  return type == EventType::stock_adjusted || type == EventType::stock_set ||
         type == EventType::stock_transferred || type == EventType::reservation_confirmed;
}

// ---- save()/load(): fields as "<length>:<bytes>", so any id round-trips. ----

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}
void put(std::string& out, std::int64_t value) { put(out, std::to_string(value)); }

struct Reader {
  std::string_view in;
  bool ok = true;
  std::string_view field() {
    const auto colon = in.find(':');
    std::size_t size = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(in.data(), in.data() + colon, size).ec != std::errc() ||
        in.size() - colon - 1 < size) {
      ok = false;
      in = {};
      return {};
    }
    const std::string_view out = in.substr(colon + 1, size);
    in.remove_prefix(colon + 1 + size);
    return out;
  }
  std::int64_t number() {
    const std::string_view f = field();
    std::int64_t value = 0;
    if (std::from_chars(f.data(), f.data() + f.size(), value).ec != std::errc()) ok = false;
    return value;
  }
};

// Applies a till's own change to the till engine. The change already happened in the shop, so
// it is recorded even below zero.
Result<StockLevel> apply_to_till(Engine& till, const OfflineChange& change, std::string_view key) {
  INVENTORY_ASSIGN_OR_RETURN(const ItemId id, find(till, change.item));
  const WriteOptions options{
      .idempotency_key = key, .actor = change.device_id, .occurred_at = change.occurred_at};
  if (change.kind == OfflineChangeKind::count) {
    return till.set_on_hand(options, {.item = id,
                                      .on_hand = Quantity{change.quantity},
                                      .reason = change.reason,
                                      .reference = change.idempotency_key,
                                      .force = true});
  }
  const bool sale = change.kind == OfflineChangeKind::sale;
  return till.adjust(options, {.item = id,
                               .delta = Quantity{sale ? -change.quantity : change.quantity},
                               .reason = change.reason,
                               .reference = change.idempotency_key,
                               .force = true});
}

// ---- The till's log file: records framed as "<length>:<fields>\n". ----
//   D device_id                      first record
//   C seq occurred_ms kind product location quantity reason attempt
//   V seq                            the change just logged was not applied: forget it
//   A seq                            acknowledged by central
//   X idempotency_key                compensated on the till

std::string frame(const std::string& fields) {
  std::string out;
  put(out, fields);
  out += '\n';
  return out;
}

std::string change_record(const OfflineChange& c, std::uint64_t attempt) {
  std::string f;
  put(f, "C");
  put(f, static_cast<std::int64_t>(c.local_sequence));
  put(f, static_cast<std::int64_t>(c.occurred_at.time_since_epoch().count()));
  put(f, static_cast<std::int64_t>(c.kind));
  put(f, c.item.product_id);
  put(f, c.item.location_id);
  put(f, c.quantity);
  put(f, c.reason);
  put(f, static_cast<std::int64_t>(attempt));
  return frame(f);
}

std::string simple_record(std::string_view type, std::string_view value) {
  std::string f;
  put(f, type);
  put(f, value);
  return frame(f);
}

Status io_error(const std::string& what) {
  return Status(StatusCode::io_error, what + ": " + std::strerror(errno));
}

}  // namespace

std::string_view to_string(OfflineChangeKind kind) noexcept {
  switch (kind) {
    case OfflineChangeKind::sale:
      return "sale";
    case OfflineChangeKind::adjustment:
      return "adjustment";
    case OfflineChangeKind::count:
      return "count";
  }
  return "unknown";
}

std::string_view to_string(ChangeStatus status) noexcept {
  switch (status) {
    case ChangeStatus::applied:
      return "applied";
    case ChangeStatus::duplicate:
      return "duplicate";
    case ChangeStatus::conflict:
      return "conflict";
  }
  return "unknown";
}

// ---- Till side ----

ChangeRecorder::ChangeRecorder(Engine& till, std::string device_id, std::uint64_t next_sequence)
    : till_(till), device_id_(std::move(device_id)), next_sequence_(next_sequence) {
  acknowledged_through_ = next_sequence_ > 0 ? next_sequence_ - 1 : 0;
}

Result<StockLevel> ChangeRecorder::record_sale(const ItemKey& item, std::int64_t quantity,
                                               Timestamp occurred_at) {
  if (quantity <= 0) return Status::invalid_argument("quantity", "a sale sells at least 1 unit");
  return record(OfflineChangeKind::sale, item, quantity, "offline sale", occurred_at);
}

Result<StockLevel> ChangeRecorder::record_adjustment(const ItemKey& item, std::int64_t delta,
                                                     std::string_view reason,
                                                     Timestamp occurred_at) {
  if (delta == 0) return Status::invalid_argument("delta", "an adjustment must change on_hand");
  return record(OfflineChangeKind::adjustment, item, delta, reason, occurred_at);
}

Result<StockLevel> ChangeRecorder::record_count(const ItemKey& item, std::int64_t on_hand,
                                                Timestamp occurred_at) {
  return record(OfflineChangeKind::count, item, on_hand, kCountReason, occurred_at);
}

Result<StockLevel> ChangeRecorder::record(OfflineChangeKind kind, const ItemKey& item,
                                          std::int64_t quantity, std::string_view reason,
                                          Timestamp occurred_at) {
  const std::lock_guard lock(mutex_);
  INVENTORY_RETURN_IF_ERROR(find(till_, item).status());
  OfflineChange change{.device_id = device_id_,
                       .local_sequence = next_sequence_,
                       .occurred_at = occurred_at,
                       .kind = kind,
                       .item = item,
                       .quantity = quantity,
                       .reason = std::string(reason),
                       .idempotency_key = device_id_ + ":" + std::to_string(next_sequence_)};
  // Logged before it is applied: a crash in between is repaired when the log is opened.
  INVENTORY_RETURN_IF_ERROR(append_locked(change_record(change, attempts_)));
  Result<StockLevel> level = apply_to_till(till_, change, till_key_locked(next_sequence_));
  if (!level.ok()) {
    // The next change takes this sequence, under a new till key (the till engine keeps this
    // attempt's refusal under the old one).
    INVENTORY_RETURN_IF_ERROR(
        append_locked(simple_record("V", std::to_string(change.local_sequence))));
    ++attempts_;
    return level;
  }
  ++next_sequence_;
  attempts_ = 0;
  log_.push_back(std::move(change));
  return level;
}

std::string ChangeRecorder::till_key_locked(std::uint64_t sequence) const {
  std::string key = device_id_ + ":" + std::to_string(sequence);
  if (attempts_ > 0) key += "#" + std::to_string(attempts_);
  return key;
}

Status ChangeRecorder::append_locked(const std::string& record) {
  if (log_fd_ < 0) return Status();
  std::string_view rest = record;
  while (!rest.empty()) {
    const ssize_t n = ::write(log_fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("offline sync log write");
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(log_fd_) != 0) return io_error("offline sync log fsync");
  return Status();
}

ChangeRecorder::~ChangeRecorder() {
  if (log_fd_ >= 0) ::close(log_fd_);
}

Result<std::unique_ptr<ChangeRecorder>> ChangeRecorder::open(Engine& till, std::string device_id,
                                                             std::string log_path) {
  const int fd = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot open " + log_path);
  std::unique_ptr<ChangeRecorder> r(new ChangeRecorder(till, std::move(device_id)));
  r->log_fd_ = fd;  // Closed by the destructor from here on.
  std::string contents;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(contents.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read " + log_path);
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
  }
  const Status bad(StatusCode::corruption, "not the offline sync log of " + r->device_id_,
                   "log_path");
  Reader in{contents};
  std::size_t good = 0;
  bool header = false;
  std::uint64_t last_attempt = 0;
  // The last record is a change: record() may have stopped between the log and the till (any
  // later record means it returned, as it holds the mutex throughout).
  bool last_is_change = false;
  while (!in.in.empty()) {
    const std::string_view record = in.field();
    if (!in.ok || in.in.empty() || in.in.front() != '\n') break;  // A torn last record.
    in.in.remove_prefix(1);
    Reader f{record};
    const std::string_view type = f.field();
    if (!header) {
      if (type != "D" || f.field() != r->device_id_) return bad;
      header = true;
    } else if (type == "C") {
      OfflineChange c;
      c.device_id = r->device_id_;
      c.local_sequence = static_cast<std::uint64_t>(f.number());
      c.occurred_at = Timestamp(std::chrono::milliseconds(f.number()));
      c.kind = static_cast<OfflineChangeKind>(f.number());
      c.item.product_id = f.field();
      c.item.location_id = f.field();
      c.quantity = f.number();
      c.reason = f.field();
      last_attempt = static_cast<std::uint64_t>(f.number());
      if (c.local_sequence != r->next_sequence_) return bad;
      c.idempotency_key = r->device_id_ + ":" + std::to_string(c.local_sequence);
      r->log_.push_back(std::move(c));
      r->attempts_ = last_attempt;
      ++r->next_sequence_;
      last_is_change = true;
    } else if (type == "V") {
      const auto sequence = static_cast<std::uint64_t>(f.number());
      if (!last_is_change || r->log_.back().local_sequence != sequence) return bad;
      r->log_.pop_back();
      --r->next_sequence_;
      r->attempts_ = last_attempt + 1;
      last_is_change = false;
    } else if (type == "A") {
      r->acknowledge_locked(static_cast<std::uint64_t>(f.number()));
      last_is_change = false;
    } else if (type == "X") {
      r->compensated_.insert(std::string(f.field()));
      last_is_change = false;
    } else {
      return bad;
    }
    if (!f.ok || !f.in.empty()) return bad;
    good = contents.size() - in.in.size();
  }
  if (good < contents.size() && ::ftruncate(fd, static_cast<off_t>(good)) != 0) {
    return io_error("cannot truncate " + log_path);
  }
  if (!header) INVENTORY_RETURN_IF_ERROR(r->append_locked(simple_record("D", r->device_id_)));
  if (last_is_change) {
    // The crash may have come between the log and the till.
    r->attempts_ = last_attempt;
    const OfflineChange& last = r->log_.back();
    r->dirty_.insert(last.item);
    apply_to_till(till, last, r->till_key_locked(last.local_sequence))
        .status()
        .ignore_error();  // Why: catch_up corrects the till's level (see the header).
    r->attempts_ = 0;
  }
  return r;
}

ChangeBatch ChangeRecorder::export_changes(std::uint64_t since_local_sequence) const {
  const std::lock_guard lock(mutex_);
  ChangeBatch batch{.device_id = device_id_, .changes = {}};
  for (const OfflineChange& change : log_) {
    if (change.local_sequence > since_local_sequence) batch.changes.push_back(change);
  }
  return batch;
}

ChangeBatch ChangeRecorder::pending_changes() const {
  const std::lock_guard lock(mutex_);
  ChangeBatch batch{.device_id = device_id_, .changes = {}};
  for (const OfflineChange& change : log_) {
    if (!acknowledged_locked(change.local_sequence)) batch.changes.push_back(change);
  }
  return batch;
}

bool ChangeRecorder::acknowledged_locked(std::uint64_t sequence) const {
  return sequence <= acknowledged_through_ || acknowledged_above_.contains(sequence);
}

std::uint64_t ChangeRecorder::last_sequence() const {
  const std::lock_guard lock(mutex_);
  return next_sequence_ - 1;
}

std::uint64_t ChangeRecorder::compensated() const {
  const std::lock_guard lock(mutex_);
  return compensated_.size();
}

Status ChangeRecorder::acknowledge(const ApplyReport& report) {
  const std::lock_guard lock(mutex_);
  for (const ChangeResult& result : report.results) {
    const std::uint64_t sequence = result.local_sequence;
    if (log_.empty() || sequence < log_.front().local_sequence || sequence >= next_sequence_) {
      continue;  // Not one of ours.
    }
    const OfflineChange& change =
        log_[static_cast<std::size_t>(sequence - log_.front().local_sequence)];
    if (change.idempotency_key != result.idempotency_key) continue;
    dirty_.insert(change.item);
    if (result.conflict.has_value() && change.kind == OfflineChangeKind::sale &&
        !compensated_.contains(change.idempotency_key)) {
      // Central never took these units: put them back on the till, once (keyed, and noted).
      INVENTORY_ASSIGN_OR_RETURN(const ItemId id, find(till_, change.item));
      const std::string key = change.idempotency_key + ":rejected";
      auto level = till_.adjust({.idempotency_key = key, .actor = device_id_},
                                {.item = id,
                                 .delta = Quantity{change.quantity},
                                 .reason = kRejectedReason,
                                 .reference = change.idempotency_key,
                                 .force = true});
      if (!level.ok()) return level.status();
      INVENTORY_RETURN_IF_ERROR(append_locked(simple_record("X", change.idempotency_key)));
      compensated_.insert(change.idempotency_key);
    }
    if (!acknowledged_locked(sequence)) {
      INVENTORY_RETURN_IF_ERROR(append_locked(simple_record("A", std::to_string(sequence))));
      acknowledge_locked(sequence);
    }
  }
  return Status();
}

void ChangeRecorder::acknowledge_locked(std::uint64_t sequence) {
  if (sequence > acknowledged_through_) acknowledged_above_.insert(sequence);
  while (acknowledged_above_.contains(acknowledged_through_ + 1)) {
    acknowledged_above_.erase(++acknowledged_through_);
  }
}

Result<std::uint64_t> ChangeRecorder::catch_up(Engine& central, std::uint64_t after) {
  const std::lock_guard lock(mutex_);
  std::set<ItemKey> items = dirty_;
  std::uint64_t cursor = after;
  for (;;) {
    INVENTORY_ASSIGN_OR_RETURN(const ChangesPage page, central.changes_since(cursor, kPage));
    for (const Event& e : page.events) {
      if (e.item != ItemId{} && !e.product_id.empty()) items.insert({e.product_id, e.location_id});
    }
    const bool done = page.next_after == cursor || page.next_after >= page.head;
    cursor = page.next_after;
    if (done) break;
  }
  for (const ItemKey& key : items) {
    const Result<ItemId> local = find(till_, key);
    if (!local.ok()) continue;  // Not sold at this till.
    const Result<ItemId> remote = find(central, key);
    if (!remote.ok()) continue;
    INVENTORY_ASSIGN_OR_RETURN(const StockLevel level, central.get({}, *remote));
    // The till's changes central has not confirmed yet still count on the till.
    std::int64_t on_hand = level.on_hand.value();
    for (const OfflineChange& change : log_) {
      if (change.item != key || acknowledged_locked(change.local_sequence)) continue;
      if (change.kind == OfflineChangeKind::count) on_hand = change.quantity;
      if (change.kind == OfflineChangeKind::sale) on_hand -= change.quantity;
      if (change.kind == OfflineChangeKind::adjustment) on_hand += change.quantity;
    }
    INVENTORY_ASSIGN_OR_RETURN(const StockLevel mine, till_.get({}, *local));
    if (mine.on_hand.value() == on_hand) continue;
    auto set = till_.set_on_hand(
        {.actor = device_id_},
        {.item = *local, .on_hand = Quantity{on_hand}, .reason = kSyncReason, .force = true});
    if (!set.ok()) return set.status();
  }
  dirty_.clear();
  return cursor;
}

// ---- Central side ----

OfflineSyncCentral::OfflineSyncCentral(Engine& central) : central_(central) {}

bool OfflineSyncCentral::seen(const OfflineChange& change) const {
  const auto it = devices_.find(change.device_id);
  if (it == devices_.end()) return false;
  return change.local_sequence <= it->second.applied_through ||
         it->second.applied_above.contains(change.local_sequence);
}

void OfflineSyncCentral::mark_applied(const OfflineChange& change) {
  Device& device = devices_[change.device_id];
  if (change.local_sequence <= device.applied_through) return;
  device.applied_above.insert(change.local_sequence);
  while (device.applied_above.contains(device.applied_through + 1)) {
    device.applied_above.erase(++device.applied_through);
  }
}

Result<ApplyReport> OfflineSyncCentral::apply(const ChangeBatch& batch, const ApplyPolicy& policy) {
  if (policy.backorder_limit < 0) {
    return Status::invalid_argument("policy.backorder_limit", "must be >= 0");
  }
  if (batch.device_id.empty() || batch.device_id.size() > kDeviceIdMax) {
    return Status::invalid_argument("device_id", "must be 1..40 bytes");
  }
  for (std::size_t i = 0; i < batch.changes.size(); ++i) {
    const OfflineChange& c = batch.changes[i];
    if (c.device_id != batch.device_id || c.local_sequence == 0 ||
        c.idempotency_key != c.device_id + ":" + std::to_string(c.local_sequence)) {
      return Status(StatusCode::invalid_argument,
                    "a change's device_id, local_sequence or idempotency_key does not match",
                    "changes[" + std::to_string(i) + "]", static_cast<std::int32_t>(i));
    }
  }
  const std::lock_guard lock(mutex_);
  ApplyReport report;
  for (const OfflineChange& change : batch.changes) {
    ChangeResult result;
    if (seen(change)) {
      result = ChangeResult{.idempotency_key = change.idempotency_key,
                            .local_sequence = change.local_sequence,
                            .status = ChangeStatus::duplicate,
                            .level = std::nullopt,
                            .message = "applied before",
                            .conflict = std::nullopt};
      if (const auto it = conflicts_.find(change.idempotency_key); it != conflicts_.end()) {
        result.message = "refused before: " + it->second.message;
        result.conflict = it->second;
      }
    } else {
      INVENTORY_ASSIGN_OR_RETURN(result, apply_one(change, policy));
      if (result.status == ChangeStatus::conflict) {
        conflicts_.emplace(change.idempotency_key, *result.conflict);
        report.conflicts.push_back(*result.conflict);
      }
      mark_applied(change);
    }
    if (result.status == ChangeStatus::applied) ++report.applied;
    if (result.status == ChangeStatus::duplicate) ++report.duplicates;
    report.results.push_back(std::move(result));
  }
  return report;
}

namespace {

// A change's result before anything is known about it: applied, no level or message.
ChangeResult applied_result(const OfflineChange& change) {
  return ChangeResult{.idempotency_key = change.idempotency_key,
                      .local_sequence = change.local_sequence,
                      .status = ChangeStatus::applied,
                      .level = std::nullopt,
                      .message = {},
                      .conflict = std::nullopt};
}

}  // namespace

Result<ChangeResult> OfflineSyncCentral::apply_one(const OfflineChange& change,
                                                   const ApplyPolicy& policy) {
  const Result<ItemId> item = find(central_, change.item);
  if (!item.ok()) {
    if (item.status().code() != StatusCode::not_found) return item.status();
    Conflict conflict{.idempotency_key = change.idempotency_key,
                      .device_id = change.device_id,
                      .local_sequence = change.local_sequence,
                      .kind = change.kind,
                      .item = change.item,
                      .quantity = change.quantity,
                      .code = StatusCode::not_found,
                      .message = "central has no item " + change.item.product_id + " at " +
                                 change.item.location_id};
    return ChangeResult{.idempotency_key = change.idempotency_key,
                        .local_sequence = change.local_sequence,
                        .status = ChangeStatus::conflict,
                        .level = std::nullopt,
                        .message = conflict.message,
                        .conflict = std::move(conflict)};
  }
  if (const auto it = latest_count_.find(change.item);
      it != latest_count_.end() && change.occurred_at <= it->second) {
    // A count taken after this change already includes it (a delta), or replaces it (a count).
    ChangeResult result = applied_result(change);
    result.message = change.kind == OfflineChangeKind::count ? "superseded by a later count"
                                                             : "absorbed by a later count";
    INVENTORY_ASSIGN_OR_RETURN(result.level, central_.get({}, *item));
    return result;
  }
  if (change.kind == OfflineChangeKind::count) return apply_count(change, *item);
  return apply_delta(change, *item, policy);
}

Result<ChangeResult> OfflineSyncCentral::apply_delta(const OfflineChange& change, ItemId item,
                                                     const ApplyPolicy& policy) {
  ChangeResult result = applied_result(change);
  const bool sale = change.kind == OfflineChangeKind::sale;
  const std::int64_t delta = sale ? -change.quantity : change.quantity;
  const WriteOptions options{.idempotency_key = change.idempotency_key,
                             .actor = change.device_id,
                             .occurred_at = change.occurred_at};
  const AdjustRequest request{.item = item,
                              .delta = Quantity{delta},
                              .reason = change.reason,
                              .reference = change.idempotency_key,
                              .force = !sale};  // Adjustments are physical facts.
  Result<StockLevel> level = central_.adjust(options, request);
  if (!level.ok() && level.status().code() == StatusCode::insufficient_stock &&
      policy.oversell == OversellPolicy::backorder) {
    // The keyed attempt above stored its refusal; the forced attempt has its own key, so a
    // redelivery replays both answers instead of mixing them up.
    INVENTORY_ASSIGN_OR_RETURN(const StockLevel now, central_.get({}, item));
    const std::int64_t floor = -std::max(policy.backorder_limit, now.policy.backorder_limit);
    if (now.available().value() + delta >= floor) {
      const std::string key = change.idempotency_key + "/backorder";
      WriteOptions forced_options = options;
      forced_options.idempotency_key = key;
      AdjustRequest forced = request;
      forced.force = true;
      level = central_.adjust(forced_options, forced);
      if (level.ok()) result.message = "backordered";
    }
  }
  if (level.ok()) {
    result.level = *level;
    return result;
  }
  const StatusCode code = level.status().code();
  if (code == StatusCode::idempotency_mismatch) {
    // The key was used before (by a redelivery after this object's state was lost).
    result.status = ChangeStatus::duplicate;
    result.message = "applied before (idempotency key in use)";
    return result;
  }
  if (code != StatusCode::insufficient_stock && code != StatusCode::limit_exceeded &&
      code != StatusCode::invalid_argument && code != StatusCode::not_found) {
    return level.status();
  }
  Conflict conflict{.idempotency_key = change.idempotency_key,
                    .device_id = change.device_id,
                    .local_sequence = change.local_sequence,
                    .kind = change.kind,
                    .item = change.item,
                    .quantity = change.quantity,
                    .code = code,
                    .message = std::string(level.status().message())};
  if (auto now = central_.get({}, item); now.ok()) {
    result.level = *now;
    if (code == StatusCode::insufficient_stock) {
      conflict.message = "central has " + std::to_string(now->available().value()) +
                         " available; selling " + std::to_string(change.quantity) +
                         " would oversell (" +
                         (policy.oversell == OversellPolicy::reject
                              ? std::string("policy reject")
                              : "beyond backorder limit " +
                                    std::to_string(std::max(policy.backorder_limit,
                                                            now->policy.backorder_limit))) +
                         ")";
    }
  }
  result.status = ChangeStatus::conflict;
  result.message = conflict.message;
  result.conflict = std::move(conflict);
  return result;
}

Result<ChangeResult> OfflineSyncCentral::apply_count(const OfflineChange& change, ItemId item) {
  ChangeResult result = applied_result(change);
  // Read the level, make it durable so history holds the event that produced it, and sum the
  // on_hand changes up to that event that happened after the count. Changes made after the read
  // are deltas that happened after the count too (central's clock is later than the till's
  // count), so applying the difference as a delta keeps them: deltas commute.
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    INVENTORY_ASSIGN_OR_RETURN(const StockLevel level, central_.get({}, item));
    INVENTORY_RETURN_IF_ERROR(central_.sync());
    std::int64_t later = 0;
    bool found = false;
    std::uint64_t after = 0;
    std::vector<std::int64_t> changes_after;  // On_hand changes after the count, up to `level`.
    for (;;) {
      INVENTORY_ASSIGN_OR_RETURN(const std::vector<Event> events,
                                 central_.history({.item = item, .after = after, .limit = kPage}));
      for (const Event& e : events) {
        if (e.item != item) continue;
        if (changes_on_hand(e.type) && e.occurred_at > change.occurred_at) {
          later += e.after.on_hand.value() - e.before.on_hand.value();
        }
        if (e.version == level.version) {
          found = true;
          break;
        }
      }
      if (found || events.size() < kPage) break;
      after = events.back().sequence;
    }
    // Not found: the event is not durable yet (read again), or it left the retained history;
    // then only an item unchanged since the count can still be merged.
    if (!found && !(later == 0 && level.updated_at <= change.occurred_at)) continue;
    const std::int64_t target = change.quantity + later;
    const std::int64_t delta = target - level.on_hand.value();
    if (delta == 0) {
      latest_count_[change.item] = change.occurred_at;
      result.message = "count matches";
      result.level = level;
      return result;
    }
    Result<StockLevel> applied = central_.adjust(
        {.idempotency_key = change.idempotency_key,
         .actor = change.device_id,
         .occurred_at = change.occurred_at},
        {.item = item,
         .delta = Quantity{delta},
         .reason = change.reason.empty() ? kCountReason : std::string_view(change.reason),
         .reference = change.idempotency_key,
         .force = true});
    if (!applied.ok() && applied.status().code() == StatusCode::idempotency_mismatch) {
      latest_count_[change.item] = change.occurred_at;
      result.status = ChangeStatus::duplicate;
      result.message = "applied before (idempotency key in use)";
      return result;
    }
    if (!applied.ok()) return applied.status();
    latest_count_[change.item] = change.occurred_at;
    result.level = *applied;
    result.message = "counted " + std::to_string(change.quantity) + ", " + std::to_string(later) +
                     " from later changes";
    return result;
  }
  Conflict conflict{.idempotency_key = change.idempotency_key,
                    .device_id = change.device_id,
                    .local_sequence = change.local_sequence,
                    .kind = change.kind,
                    .item = change.item,
                    .quantity = change.quantity,
                    .code = StatusCode::failed_precondition,
                    .message =
                        "the item's history since the count is no longer retained "
                        "(Options::history_retention_events); count it again"};
  result.status = ChangeStatus::conflict;
  result.message = conflict.message;
  result.conflict = std::move(conflict);
  return result;
}

std::uint64_t OfflineSyncCentral::applied_through(std::string_view device_id) const {
  const std::lock_guard lock(mutex_);
  const auto it = devices_.find(device_id);
  return it == devices_.end() ? 0 : it->second.applied_through;
}

std::vector<Conflict> OfflineSyncCentral::conflicts() const {
  const std::lock_guard lock(mutex_);
  std::vector<Conflict> out;
  for (const auto& [key, conflict] : conflicts_) out.push_back(conflict);
  return out;
}

std::string OfflineSyncCentral::save() const {
  const std::lock_guard lock(mutex_);
  std::string out = "offline-sync-v1";
  put(out, static_cast<std::int64_t>(devices_.size()));
  for (const auto& [id, device] : devices_) {
    put(out, id);
    put(out, static_cast<std::int64_t>(device.applied_through));
    put(out, static_cast<std::int64_t>(device.applied_above.size()));
    for (const std::uint64_t s : device.applied_above) put(out, static_cast<std::int64_t>(s));
  }
  put(out, static_cast<std::int64_t>(latest_count_.size()));
  for (const auto& [key, at] : latest_count_) {
    put(out, key.product_id);
    put(out, key.location_id);
    put(out, static_cast<std::int64_t>(at.time_since_epoch().count()));
  }
  put(out, static_cast<std::int64_t>(conflicts_.size()));
  for (const auto& [key, c] : conflicts_) {
    put(out, c.idempotency_key);
    put(out, c.device_id);
    put(out, static_cast<std::int64_t>(c.local_sequence));
    put(out, static_cast<std::int64_t>(c.kind));
    put(out, c.item.product_id);
    put(out, c.item.location_id);
    put(out, c.quantity);
    put(out, static_cast<std::int64_t>(c.code));
    put(out, c.message);
  }
  return out;
}

Status OfflineSyncCentral::load(std::string_view saved) {
  constexpr std::string_view kMagic = "offline-sync-v1";
  const Status bad = Status::from_static(StatusCode::corruption, "not a saved offline sync state");
  if (!saved.starts_with(kMagic)) return bad;
  Reader r{saved.substr(kMagic.size())};
  std::map<std::string, Device, std::less<>> devices;
  std::map<ItemKey, Timestamp> latest;
  std::map<std::string, Conflict> conflicts;
  for (std::int64_t n = r.number(); r.ok && n > 0; --n) {
    Device& d = devices[std::string(r.field())];
    d.applied_through = static_cast<std::uint64_t>(r.number());
    for (std::int64_t m = r.number(); r.ok && m > 0; --m) {
      d.applied_above.insert(static_cast<std::uint64_t>(r.number()));
    }
  }
  for (std::int64_t n = r.number(); r.ok && n > 0; --n) {
    ItemKey key{std::string(r.field()), std::string(r.field())};
    latest[key] = Timestamp(std::chrono::milliseconds(r.number()));
  }
  for (std::int64_t n = r.number(); r.ok && n > 0; --n) {
    Conflict c;
    c.idempotency_key = r.field();
    c.device_id = r.field();
    c.local_sequence = static_cast<std::uint64_t>(r.number());
    c.kind = static_cast<OfflineChangeKind>(r.number());
    c.item.product_id = r.field();
    c.item.location_id = r.field();
    c.quantity = r.number();
    c.code = static_cast<StatusCode>(r.number());
    c.message = r.field();
    conflicts.emplace(c.idempotency_key, std::move(c));
  }
  if (!r.ok || !r.in.empty()) return bad;
  const std::lock_guard lock(mutex_);
  devices_ = std::move(devices);
  latest_count_ = std::move(latest);
  conflicts_ = std::move(conflicts);
  return Status();
}

}  // namespace inventory
