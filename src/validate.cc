// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "validate.h"

#include <algorithm>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "core/item_table.h"
#include "core/reservation_table.h"

namespace inventory::validate {

namespace {

Status bad(std::string_view prefix, std::string_view field, std::string_view message) {
  std::string name(prefix);
  name += field;
  return Status(StatusCode::invalid_argument, message, name);
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

Status text(std::string_view prefix, std::string_view field, std::string_view value,
            std::size_t max, bool required) {
  if (required && value.empty()) return bad(prefix, field, "is required");
  if (value.size() > max) {
    return bad(prefix, field, "is longer than " + std::to_string(max) + " bytes");
  }
  return Status();
}

Status quantity(std::string_view prefix, std::string_view field, std::int64_t value,
                std::int64_t min, std::int64_t max) {
  if (value < min || value > max) {
    return bad(prefix, field,
               "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return Status();
}

Status item_id(std::string_view prefix, std::string_view field, ItemId id) {
  if (id == ItemId{}) return bad(prefix, field, "is required");
  return Status();
}

Status attributes(std::string_view prefix, const Attributes& attributes, const Limits& limits) {
  if (attributes.size() > limits.attributes_max) {
    return bad(prefix, "attributes",
               "has more than limits.attributes_max (" + std::to_string(limits.attributes_max) +
                   ") entries");
  }
  for (const auto& [key, value] : attributes) {
    const std::string field = "attributes[" + key.substr(0, 32) + "]";
    if (key.empty() || key.size() > limits.attribute_length_max || has_control_characters(key)) {
      return bad(prefix, field,
                 "key must be 1.." + std::to_string(limits.attribute_length_max) +
                     " bytes without control characters");
    }
    INVENTORY_RETURN_IF_ERROR(text(prefix, field, value, limits.attribute_length_max, false));
  }
  return Status();
}

Status audit(std::string_view prefix, std::string_view reason, std::string_view reference,
             const Limits& limits) {
  INVENTORY_RETURN_IF_ERROR(text(prefix, "reason", reason, limits.reason_length_max, false));
  return text(prefix, "reference", reference, limits.reference_length_max, false);
}

}  // namespace

Status options(const Options& options) {
  const Limits& l = options.limits;
  auto range = [](std::string_view field, std::uint64_t value, std::uint64_t min,
                  std::uint64_t max) {
    if (value < min || value > max) {
      return bad("", field,
                 "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return Status();
  };
  if (options.unusual_adjustment < 0 || options.unusual_adjustment > kQuantityMax) {
    return bad("", "unusual_adjustment", "must be between 0 and " + std::to_string(kQuantityMax));
  }
  if (options.feed_buffer_events < 1) return bad("", "feed_buffer_events", "must be at least 1");
  INVENTORY_RETURN_IF_ERROR(range("limits.items_max", l.items_max, 1, 1u << 31));
  INVENTORY_RETURN_IF_ERROR(range("limits.reservations_max", l.reservations_max, 1, 1u << 31));
  INVENTORY_RETURN_IF_ERROR(
      range("limits.reservation_lines_max", l.reservation_lines_max, 1, 1000));
  INVENTORY_RETURN_IF_ERROR(
      range("limits.batch_operations_max", l.batch_operations_max, 1, 100'000));
  INVENTORY_RETURN_IF_ERROR(range(
      "limits.adjustment_max",
      static_cast<std::uint64_t>(std::max<std::int64_t>(l.adjustment_max, 0)), 1, kQuantityMax));
  if (l.ttl_min.count() < 1 || l.ttl_min > l.ttl_max) {
    return bad("", "limits.ttl_min", "must be at least 1 ms and at most limits.ttl_max");
  }
  if (l.ttl_max > std::chrono::hours(24 * 366)) {
    return bad("", "limits.ttl_max", "must be at most one year");
  }
  if (l.ttl_default < l.ttl_min || l.ttl_default > l.ttl_max) {
    return bad("", "limits.ttl_default", "must be within limits.ttl_min..limits.ttl_max");
  }
  if (l.idempotency_window.count() < 1) {
    return bad("", "limits.idempotency_window", "must be positive");
  }
  INVENTORY_RETURN_IF_ERROR(
      range("limits.idempotency_keys_max", l.idempotency_keys_max, 1, 1u << 30));
  INVENTORY_RETURN_IF_ERROR(range("limits.key_length_max", l.key_length_max, 1, 255));
  INVENTORY_RETURN_IF_ERROR(range("limits.reference_length_max", l.reference_length_max, 0,
                                  core::ReservationTable::kReferenceMax));
  INVENTORY_RETURN_IF_ERROR(range("limits.reason_length_max", l.reason_length_max, 0, 65'536));
  INVENTORY_RETURN_IF_ERROR(range("limits.id_length_max", l.id_length_max, 1, 1024));
  INVENTORY_RETURN_IF_ERROR(range("limits.name_length_max", l.name_length_max, 1, 65'536));
  INVENTORY_RETURN_IF_ERROR(
      range("limits.description_length_max", l.description_length_max, 0, 1u << 20));
  INVENTORY_RETURN_IF_ERROR(range("limits.attributes_max", l.attributes_max, 0, 4096));
  INVENTORY_RETURN_IF_ERROR(
      range("limits.attribute_length_max", l.attribute_length_max, 1, 65'536));
  INVENTORY_RETURN_IF_ERROR(range("limits.products_max", l.products_max, 1, 1u << 30));
  INVENTORY_RETURN_IF_ERROR(range("limits.locations_max", l.locations_max, 1, 1u << 30));
  INVENTORY_RETURN_IF_ERROR(range("limits.page_size_max", l.page_size_max, 1, 100'000));
  if (options.expiry_interval.count() < 0) {
    return bad("", "expiry_interval", "must not be negative");
  }
  if (options.flush_interval.count() < 1) return bad("", "flush_interval", "must be positive");
  if (static_cast<unsigned>(options.durability) > static_cast<unsigned>(Durability::none)) {
    return bad("", "durability", "is not a Durability value");
  }
  return Status();
}

Status write_options(const WriteOptions& options, const Limits& limits) {
  if (options.durability &&
      static_cast<unsigned>(*options.durability) > static_cast<unsigned>(Durability::none)) {
    return bad("", "durability", "is not a Durability value");
  }
  if (options.idempotency_key.size() > limits.key_length_max ||
      options.actor.size() > limits.key_length_max ||
      options.request_id.size() > limits.key_length_max) {
    const std::string_view field = options.idempotency_key.size() > limits.key_length_max
                                       ? "idempotency_key"
                                   : options.actor.size() > limits.key_length_max ? "actor"
                                                                                  : "request_id";
    return bad("", field, "is longer than limits.key_length_max bytes");
  }
  if (has_control_characters(options.idempotency_key)) {
    return bad("", "idempotency_key", "must not contain control characters");
  }
  return Status();
}

Status id(std::string_view field, std::string_view value, const Limits& limits) {
  if (value.empty() || value.size() > limits.id_length_max || has_control_characters(value)) {
    return bad(
        "", field,
        "must be 1.." + std::to_string(limits.id_length_max) + " bytes without control characters");
  }
  return Status();
}

Status product(const Product& product, const Limits& limits) {
  INVENTORY_RETURN_IF_ERROR(id("product.id", product.id, limits));
  INVENTORY_RETURN_IF_ERROR(id("product.sku", product.sku, limits));
  INVENTORY_RETURN_IF_ERROR(text("product.", "name", product.name, limits.name_length_max, true));
  INVENTORY_RETURN_IF_ERROR(
      text("product.", "description", product.description, limits.description_length_max, false));
  if (product.price.amount_minor < 0) {
    return bad("product.", "price.amount_minor", "must not be negative");
  }
  const std::string& currency = product.price.currency;
  const bool iso = currency.size() == 3 && std::all_of(currency.begin(), currency.end(),
                                                       [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!(iso || (currency.empty() && product.price.amount_minor == 0))) {
    return bad("product.", "price.currency", "must be an ISO 4217 code such as \"USD\"");
  }
  return attributes("product.", product.attributes, limits);
}

Status location(const Location& location, const Limits& limits) {
  INVENTORY_RETURN_IF_ERROR(id("location.id", location.id, limits));
  INVENTORY_RETURN_IF_ERROR(text("location.", "name", location.name, limits.name_length_max, true));
  if (static_cast<unsigned>(location.type) > static_cast<unsigned>(LocationType::transit)) {
    return bad("location.", "type", "must be warehouse, store, marketplace or transit");
  }
  return attributes("location.", location.attributes, limits);
}

Status policy(std::string_view field_prefix, const ItemPolicy& p) {
  INVENTORY_RETURN_IF_ERROR(
      quantity(field_prefix, "safety_stock", p.safety_stock, 0, kQuantityMax));
  INVENTORY_RETURN_IF_ERROR(
      quantity(field_prefix, "low_stock_threshold", p.low_stock_threshold, 0, kQuantityMax));
  return quantity(field_prefix, "backorder_limit", p.backorder_limit, 0, kQuantityMax);
}

Status page(const PageRequest& page, const Limits& limits) {
  if (page.limit < 1 || page.limit > limits.page_size_max) {
    return bad("", "limit",
               "must be between 1 and limits.page_size_max (" +
                   std::to_string(limits.page_size_max) + ")");
  }
  return Status();
}

Status adjust(const AdjustRequest& request, const Limits& limits, std::string_view prefix) {
  const std::int64_t delta = request.delta.value();
  if (request.item != ItemId{} && delta != 0 && delta <= limits.adjustment_max &&
      delta >= -limits.adjustment_max && request.reason.size() <= limits.reason_length_max &&
      request.reference.size() <= limits.reference_length_max) {
    return Status();  // The hot path, as in reserve().
  }
  INVENTORY_RETURN_IF_ERROR(item_id(prefix, "item", request.item));
  if (request.delta.value() == 0) return bad(prefix, "delta", "must not be zero");
  INVENTORY_RETURN_IF_ERROR(quantity(prefix, "delta", request.delta.value(), -limits.adjustment_max,
                                     limits.adjustment_max));
  return audit(prefix, request.reason, request.reference, limits);
}

Status set_on_hand(const SetOnHandRequest& request, const Limits& limits, std::string_view prefix) {
  INVENTORY_RETURN_IF_ERROR(item_id(prefix, "item", request.item));
  INVENTORY_RETURN_IF_ERROR(
      quantity(prefix, "on_hand", request.on_hand.value(), -kQuantityMax, kQuantityMax));
  return audit(prefix, request.reason, request.reference, limits);
}

Status ttl(std::chrono::milliseconds value, const Limits& limits, std::string_view prefix) {
  if (value.count() == 0) return Status();  // limits.ttl_default.
  if (value < limits.ttl_min || value > limits.ttl_max) {
    return bad(prefix, "ttl",
               "must be 0 (the default) or between " + std::to_string(limits.ttl_min.count()) +
                   " and " + std::to_string(limits.ttl_max.count()) + " ms");
  }
  return Status();
}

Status reserve(const ReserveRequest& request, const Limits& limits) {
  // The hot path: a well-formed request is answered with one comparison per field.
  if (request.item != ItemId{} && request.quantity.value() >= 1 &&
      request.quantity.value() <= limits.adjustment_max &&
      (request.ttl.count() == 0 ||
       (request.ttl >= limits.ttl_min && request.ttl <= limits.ttl_max)) &&
      request.reference.size() <= limits.reference_length_max) {
    return Status();
  }
  INVENTORY_RETURN_IF_ERROR(item_id("", "item", request.item));
  INVENTORY_RETURN_IF_ERROR(
      quantity("", "quantity", request.quantity.value(), 1, limits.adjustment_max));
  INVENTORY_RETURN_IF_ERROR(ttl(request.ttl, limits));
  return text("", "reference", request.reference, limits.reference_length_max, false);
}

Status reserve_lines(std::span<const ReserveLine> lines, std::chrono::milliseconds ttl_value,
                     std::string_view reference, const Limits& limits, std::string_view prefix) {
  if (lines.empty()) return bad(prefix, "lines", "must have at least one line");
  if (lines.size() > limits.reservation_lines_max) {
    return Status(StatusCode::limit_exceeded,
                  "more than limits.reservation_lines_max (" +
                      std::to_string(limits.reservation_lines_max) + ") lines",
                  std::string(prefix) + "lines");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string line = "lines[" + std::to_string(i) + "].";
    INVENTORY_RETURN_IF_ERROR(
        item_id(prefix, line + "item", lines[i].item).with_index(static_cast<std::int32_t>(i)));
    INVENTORY_RETURN_IF_ERROR(
        quantity(prefix, line + "quantity", lines[i].quantity.value(), 1, limits.adjustment_max)
            .with_index(static_cast<std::int32_t>(i)));
  }
  // Distinct items: sort a copy of the ids (the hot single-line path never gets here twice).
  if (lines.size() > 1) {
    boost::container::small_vector<std::pair<std::uint64_t, std::size_t>, 8> ids;
    ids.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      ids.emplace_back(static_cast<std::uint64_t>(lines[i].item), i);
    }
    std::sort(ids.begin(), ids.end());
    for (std::size_t k = 1; k < ids.size(); ++k) {
      if (ids[k].first == ids[k - 1].first) {
        const std::size_t later = std::max(ids[k].second, ids[k - 1].second);
        return bad(prefix, "lines[" + std::to_string(later) + "].item",
                   "repeats the item of lines[" +
                       std::to_string(std::min(ids[k].second, ids[k - 1].second)) +
                       "]; merge the quantities into one line")
            .with_index(static_cast<std::int32_t>(later));
      }
    }
  }
  INVENTORY_RETURN_IF_ERROR(ttl(ttl_value, limits, prefix));
  return text(prefix, "reference", reference, limits.reference_length_max, false);
}

Status reservation_id(ReservationId id, std::string_view prefix) {
  if (id == ReservationId{}) return bad(prefix, "reservation", "is required");
  return Status();
}

Status confirm(const ConfirmRequest& request, const Limits& limits, std::string_view prefix) {
  INVENTORY_RETURN_IF_ERROR(reservation_id(request.reservation, prefix));
  if (request.quantities.size() > limits.reservation_lines_max) {
    return bad(prefix, "quantities", "has more entries than limits.reservation_lines_max");
  }
  for (std::size_t i = 0; i < request.quantities.size(); ++i) {
    const std::string entry = "quantities[" + std::to_string(i) + "].";
    INVENTORY_RETURN_IF_ERROR(item_id(prefix, entry + "item", request.quantities[i].item));
    INVENTORY_RETURN_IF_ERROR(quantity(prefix, entry + "quantity",
                                       request.quantities[i].quantity.value(), 0,
                                       limits.adjustment_max));
    for (std::size_t j = 0; j < i; ++j) {
      if (request.quantities[j].item == request.quantities[i].item) {
        return bad(prefix, entry + "item", "repeats an item listed before");
      }
    }
  }
  return Status();
}

Status transfer(const TransferRequest& request, const Limits& limits, std::string_view prefix) {
  INVENTORY_RETURN_IF_ERROR(item_id(prefix, "from", request.from));
  INVENTORY_RETURN_IF_ERROR(item_id(prefix, "to", request.to));
  if (request.from == request.to) return bad(prefix, "to", "must differ from from");
  INVENTORY_RETURN_IF_ERROR(
      quantity(prefix, "quantity", request.quantity.value(), 1, limits.adjustment_max));
  return audit(prefix, request.reason, request.reference, limits);
}

Status set_policy(const SetPolicyRequest& request, std::string_view prefix) {
  INVENTORY_RETURN_IF_ERROR(item_id(prefix, "item", request.item));
  return policy(std::string(prefix) + "policy.", request.policy);
}

Status operation(const WriteBatch::Operation& op, const Limits& limits, std::string_view prefix) {
  using Kind = WriteBatch::Kind;
  switch (op.kind) {
    case Kind::adjust:
      return adjust({op.item, op.quantity, op.reason, op.reference, op.force}, limits, prefix);
    case Kind::set_on_hand:
      return set_on_hand(
          {op.item, op.quantity, op.expected_version, op.reason, op.reference, op.force}, limits,
          prefix);
    case Kind::reserve:
      return reserve_lines(op.lines, op.ttl, op.reference, limits, prefix);
    case Kind::confirm:
      return confirm({op.reservation, op.lines}, limits, prefix);
    case Kind::release:
      return reservation_id(op.reservation, prefix);
    case Kind::extend:
      INVENTORY_RETURN_IF_ERROR(reservation_id(op.reservation, prefix));
      return ttl(op.ttl, limits, prefix);
    case Kind::transfer:
      return transfer({op.item, op.item2, op.quantity, op.reason, op.reference}, limits, prefix);
    case Kind::set_policy:
      return set_policy({op.item, op.policy, op.expected_version}, prefix);
  }
  return bad(prefix, "kind", "is not an operation kind");
}

Status batch(const WriteBatch& batch, const Limits& limits) {
  const auto& ops = WriteBatchInternal::operations(batch);
  if (ops.empty()) return bad("", "batch", "has no operations");
  if (ops.size() > limits.batch_operations_max) {
    return Status(StatusCode::limit_exceeded,
                  "more than limits.batch_operations_max (" +
                      std::to_string(limits.batch_operations_max) + ") operations",
                  "batch");
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Status status = operation(ops[i], limits, "operations[" + std::to_string(i) + "].");
    if (!status.ok()) return status.with_index(static_cast<std::int32_t>(i));
  }
  return Status();
}

}  // namespace inventory::validate
