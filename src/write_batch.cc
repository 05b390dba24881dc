// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "inventory/write_batch.h"

#include "util/assert.h"
#include "write_batch_internal.h"

namespace inventory {

WriteBatch::WriteBatch() = default;
WriteBatch::WriteBatch(const WriteBatch&) = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(const WriteBatch&) = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;
WriteBatch::~WriteBatch() = default;
WriteBatch::Handler::~Handler() = default;

WriteBatch& WriteBatch::adjust(const AdjustRequest& request) {
  Operation op;
  op.kind = Kind::adjust;
  op.item = request.item;
  op.quantity = request.delta;
  op.force = request.force;
  op.reason = request.reason;
  op.reference = request.reference;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::set_on_hand(const SetOnHandRequest& request) {
  Operation op;
  op.kind = Kind::set_on_hand;
  op.item = request.item;
  op.quantity = request.on_hand;
  op.expected_version = request.expected_version;
  op.force = request.force;
  op.reason = request.reason;
  op.reference = request.reference;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::reserve(const ReserveRequest& request) {
  const ReserveLine line{request.item, request.quantity};
  return reserve(ReserveLinesRequest{.lines = std::span<const ReserveLine>(&line, 1),
                                     .ttl = request.ttl,
                                     .reference = request.reference});
}

WriteBatch& WriteBatch::reserve(const ReserveLinesRequest& request) {
  Operation op;
  op.kind = Kind::reserve;
  op.lines.assign(request.lines.begin(), request.lines.end());
  op.ttl = request.ttl;
  op.reference = request.reference;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::confirm(const ConfirmRequest& request) {
  Operation op;
  op.kind = Kind::confirm;
  op.reservation = request.reservation;
  op.lines.assign(request.quantities.begin(), request.quantities.end());
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::release(ReservationId reservation) {
  Operation op;
  op.kind = Kind::release;
  op.reservation = reservation;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::extend(ReservationId reservation, std::chrono::milliseconds ttl) {
  Operation op;
  op.kind = Kind::extend;
  op.reservation = reservation;
  op.ttl = ttl;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::transfer(const TransferRequest& request) {
  Operation op;
  op.kind = Kind::transfer;
  op.item = request.from;
  op.item2 = request.to;
  op.quantity = request.quantity;
  op.reason = request.reason;
  op.reference = request.reference;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::set_policy(const SetPolicyRequest& request) {
  Operation op;
  op.kind = Kind::set_policy;
  op.item = request.item;
  op.policy = request.policy;
  op.expected_version = request.expected_version;
  ops_.push_back(std::move(op));
  return *this;
}

WriteBatch& WriteBatch::append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  return *this;
}

void WriteBatch::clear() noexcept { ops_.clear(); }

std::size_t WriteBatch::size() const noexcept { return ops_.size(); }

WriteBatch::Kind WriteBatch::kind(std::size_t index) const {
  INVENTORY_ASSERT(index < ops_.size());  // A programmer error, not an operating one.
  return ops_[index].kind;
}

Status WriteBatch::iterate(Handler& handler) const {
  for (const Operation& op : ops_) {
    Status status;
    switch (op.kind) {
      case Kind::adjust:
        status = handler.on_adjust({op.item, op.quantity, op.reason, op.reference, op.force});
        break;
      case Kind::set_on_hand:
        status = handler.on_set_on_hand(
            {op.item, op.quantity, op.expected_version, op.reason, op.reference, op.force});
        break;
      case Kind::reserve:
        status = handler.on_reserve({op.lines, op.ttl, op.reference});
        break;
      case Kind::confirm:
        status = handler.on_confirm({op.reservation, op.lines});
        break;
      case Kind::release:
        status = handler.on_release(op.reservation);
        break;
      case Kind::extend:
        status = handler.on_extend(op.reservation, op.ttl);
        break;
      case Kind::transfer:
        status = handler.on_transfer({op.item, op.item2, op.quantity, op.reason, op.reference});
        break;
      case Kind::set_policy:
        status = handler.on_set_policy({op.item, op.policy, op.expected_version});
        break;
    }
    if (!status.ok()) return status;
  }
  return Status();
}

}  // namespace inventory
