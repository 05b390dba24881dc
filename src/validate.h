// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Request validation: every check that depends only on the request and Options::limits, not on
// the state. Each failure is invalid_argument (or limit_exceeded for a count over a limit) with
// the offending field named, so nothing invalid ever reaches the core or the catalog.
//
// Thread safety: pure functions.

#ifndef INVENTORY_VALIDATE_H_
#define INVENTORY_VALIDATE_H_

#include <string>
#include <string_view>

#include "inventory/catalog.h"
#include "inventory/options.h"
#include "inventory/status.h"
#include "inventory/types.h"
#include "inventory/write_batch.h"

#include "write_batch_internal.h"

namespace inventory::validate {

Status options(const Options& options);
Status write_options(const WriteOptions& options, const Limits& limits);

Status product(const Product& product, const Limits& limits);
Status location(const Location& location, const Limits& limits);
Status id(std::string_view field, std::string_view value, const Limits& limits);
Status policy(std::string_view field_prefix, const ItemPolicy& policy);
Status page(const PageRequest& page, const Limits& limits);

// `prefix` is prepended to field names ("operations[3]." inside a batch).
Status adjust(const AdjustRequest& request, const Limits& limits, std::string_view prefix = {});
Status set_on_hand(const SetOnHandRequest& request, const Limits& limits,
                   std::string_view prefix = {});
Status reserve(const ReserveRequest& request, const Limits& limits);
Status reserve_lines(std::span<const ReserveLine> lines, std::chrono::milliseconds ttl,
                     std::string_view reference, const Limits& limits,
                     std::string_view prefix = {});
Status confirm(const ConfirmRequest& request, const Limits& limits, std::string_view prefix = {});
Status reservation_id(ReservationId id, std::string_view prefix = {});
Status ttl(std::chrono::milliseconds ttl, const Limits& limits, std::string_view prefix = {});
Status transfer(const TransferRequest& request, const Limits& limits, std::string_view prefix = {});
Status set_policy(const SetPolicyRequest& request, std::string_view prefix = {});
// Every operation of a batch; the Status index() names the first bad one.
Status batch(const WriteBatch& batch, const Limits& limits);
// One batch operation (used per operation with BatchPolicy::per_operation).
Status operation(const WriteBatch::Operation& op, const Limits& limits, std::string_view prefix);

}  // namespace inventory::validate

#endif  // INVENTORY_VALIDATE_H_
