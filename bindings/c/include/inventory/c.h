/* Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
 *
 * inventory/c.h: the C API (C99) of the inventory engine, a thin layer over the C++ API in
 * include/inventory/ (engine.h is the reference for what each call does and which errors it
 * returns, in order of precedence). Link the CMake target inventory::c.
 *
 * Conventions
 *
 *  1. Names. Everything starts with inv_ (types, functions) or INV_ (constants). Only fixed-width
 *     integer types, size_t and bool appear in signatures; the header includes only <stdint.h>,
 *     <stddef.h> and <stdbool.h>.
 *  2. Status codes. Every fallible call returns an int32_t equal to inventory::StatusCode:
 *     INV_OK (0) on success, else one of the INV_* codes below (each says what to do next, see
 *     status.h). inv_status_name() gives the snake_case name. Out-parameters are written only on
 *     success (inv_batch_apply's failed_index_out is the one exception). A failed call changes
 *     nothing.
 *  3. Messages. The last parameter of a fallible call is `char** errptr`, which may be NULL. When
 *     it is not NULL the call always writes it: NULL on success, and on failure a malloc()ed,
 *     NUL-terminated message ("insufficient_stock: ... (field: quantity, index: 1)") that the
 *     caller frees with inv_free() (or may be NULL if even that allocation failed). A previous
 *     value is overwritten, not freed.
 *  4. Arguments. A required pointer that is NULL returns INV_INVALID_ARGUMENT, and the message
 *     names the argument ("field: engine"). Optional arguments are documented as "may be NULL":
 *     a NULL `const inv_write_options*` means the defaults, a NULL `const uint64_t*
 *     expected_version` means "unset". Optional values inside structs are a `has_x` flag plus `x`.
 *  5. Strings are NUL-terminated UTF-8 (`const char*`), borrowed for the duration of the call. In
 *     a request struct a NULL string means the empty string. Strings the library returns are
 *     NUL-terminated and owned by the handle they came from (see 6), or malloc()ed and freed with
 *     inv_free() when the function says so.
 *  6. Handles. Engines, batches and subscriptions are opaque handles with create/destroy pairs
 *     (inv_open/inv_close, inv_batch_create/inv_batch_destroy, inv_subscribe/
 *     inv_subscription_destroy). Results that carry strings or arrays (product, location and item
 *     lists, reservations, event pages, batch results, explanations) are read-only structs that
 *     the library allocates and the caller frees with the matching _destroy function; everything
 *     they point to lives until then. inv_close(NULL) and every _destroy(NULL) are no-ops.
 *  7. Numbers. Quantities are int64_t units; ids (items, reservations), versions and sequences are
 *     uint64_t (0 is never a valid id); times are int64_t milliseconds since the Unix epoch and
 *     durations int64_t milliseconds.
 *  8. Thread safety: as for the C++ Engine. An inv_engine is safe for concurrent use from many
 *     threads without external synchronization; inv_close must not race with other calls on the
 *     engine. An inv_batch needs external synchronization for writes (add, clear) and may be read
 *     (applied) concurrently. Result structs are immutable values.
 *  9. Callbacks. An observer (inv_observer) is called on its subscription's own dispatcher thread,
 *     never on the caller's thread and never under an engine lock; events arrive in sequence
 *     order. A clock callback (inv_options.clock_now_ms) is called on any thread. Callbacks must
 *     not unwind (no longjmp, no C++ exceptions) out of the call.
 * 10. Stability. A published struct layout or signature never changes; new behaviour gets a new
 *     name (a _v2 function or struct). Enum values equal the C++ ones and are never renumbered.
 * 11. Not exposed here: WriteOptions::on_durable (calls block until acknowledged, or return at
 *     once with INV_DURABILITY_BUFFERED / NONE), Options::observers (on_background_error) and
 *     Metrics as structs (use inv_metrics_prometheus).
 */

#ifndef INVENTORY_C_H_
#define INVENTORY_C_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define INV_API
#elif defined(__GNUC__)
#define INV_API __attribute__((visibility("default")))
#else
#define INV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes (inventory::StatusCode) ---- */

enum {
  INV_OK = 0,
  INV_INVALID_ARGUMENT = 1,       /* Fix the named field; never retry as is. */
  INV_NOT_FOUND = 2,              /* No such product, location, item or reservation. */
  INV_ALREADY_EXISTS = 3,         /* The id or SKU is taken. */
  INV_INSUFFICIENT_STOCK = 4,     /* Wait for the state to change (restock, releases). */
  INV_VERSION_CONFLICT = 5,       /* Re-read and retry. */
  INV_RESERVATION_NOT_ACTIVE = 6, /* Confirmed, released or expired; the message says which. */
  INV_IDEMPOTENCY_MISMATCH = 7,   /* The key was used with another request; use a new key. */
  INV_LIMIT_EXCEEDED = 8,         /* A configured limit (or memory) ran out; the message says. */
  INV_NOT_SUPPORTED = 9,          /* Not available in this build or configuration. */
  INV_BUSY = 10,                  /* Transient contention; retry the call. */
  INV_IO_ERROR = 11,              /* The engine is read-only until it is reopened. */
  INV_CORRUPTION = 12,            /* Stored data is damaged; stop. */
  INV_FAILED_PRECONDITION = 13    /* The state forbids the call; change it or pass force. */
};

/* "ok", "insufficient_stock", ...; "unknown" for other values. Static storage. */
INV_API const char* inv_status_name(int32_t code);
/* Frees a string or buffer the library malloc()ed (messages, Prometheus text). NULL: no-op. */
INV_API void inv_free(void* pointer);
/* The linked library's version, e.g. "0.1.0". Static storage. */
INV_API const char* inv_version(void);

/* ---- Enumerations (values equal the C++ enums) ---- */

/* inventory::Durability; DEFAULT means "the engine's Options::durability". */
enum {
  INV_DURABILITY_DEFAULT = -1,
  INV_DURABILITY_SYNC = 0,
  INV_DURABILITY_BUFFERED = 1,
  INV_DURABILITY_NONE = 2
};
/* inventory::LocationType */
enum {
  INV_LOCATION_WAREHOUSE = 0,
  INV_LOCATION_STORE = 1,
  INV_LOCATION_MARKETPLACE = 2,
  INV_LOCATION_TRANSIT = 3
};
/* inventory::UpsertMode */
enum { INV_UPSERT_CREATE_OR_REPLACE = 0, INV_UPSERT_CREATE_ONLY = 1, INV_UPSERT_REPLACE_ONLY = 2 };
/* inventory::ReservationState */
enum {
  INV_RESERVATION_ACTIVE = 1,
  INV_RESERVATION_CONFIRMED = 2,
  INV_RESERVATION_RELEASED = 3,
  INV_RESERVATION_EXPIRED = 4
};
/* inventory::BatchPolicy */
enum { INV_BATCH_ALL_OR_NOTHING = 0, INV_BATCH_PER_OPERATION = 1 };
/* inventory::EventType (see events.h) */
enum {
  INV_EVENT_STOCK_ADJUSTED = 1,
  INV_EVENT_STOCK_SET = 2,
  INV_EVENT_STOCK_TRANSFERRED = 3,
  INV_EVENT_POLICY_CHANGED = 4,
  INV_EVENT_RESERVATION_RESERVED = 5,
  INV_EVENT_RESERVATION_CONFIRMED = 6,
  INV_EVENT_RESERVATION_RELEASED = 7,
  INV_EVENT_RESERVATION_EXPIRED = 8,
  INV_EVENT_RESERVATION_EXTENDED = 9,
  INV_EVENT_PRODUCT_UPSERTED = 10,
  INV_EVENT_PRODUCT_REMOVED = 11,
  INV_EVENT_LOCATION_UPSERTED = 12,
  INV_EVENT_LOCATION_REMOVED = 13,
  INV_EVENT_ITEM_UPSERTED = 14,
  INV_EVENT_ITEM_REMOVED = 15,
  INV_EVENT_LOW_STOCK = 16,
  INV_EVENT_OUT_OF_STOCK = 17,
  INV_EVENT_BACK_IN_STOCK = 18,
  INV_EVENT_OVERSELL_REJECTED = 19,
  INV_EVENT_UNUSUAL_ADJUSTMENT = 20,
  INV_EVENT_REQUEST_REFUSED = 21
};

/* "stock.adjusted", "reservation.reserved", ...; "unknown" for other values. Static storage. */
INV_API const char* inv_event_type_name(int32_t type);
/* "active", "confirmed", "released", "expired"; "unknown" for other values. Static storage. */
INV_API const char* inv_reservation_state_name(int32_t state);

/* ---- Opening an engine ---- */

/* inventory::Limits. inv_options_init fills in the C++ defaults (options.h documents each). */
typedef struct inv_limits {
  uint32_t items_max;
  uint32_t reservations_max;
  uint32_t reservation_lines_max;
  uint32_t reservation_overflow_lines_max;
  uint32_t batch_operations_max;
  int64_t adjustment_max;
  int64_t ttl_min_ms;
  int64_t ttl_max_ms;
  int64_t ttl_default_ms;
  int64_t idempotency_window_ms;
  uint32_t idempotency_keys_max;
  uint32_t key_length_max;
  uint32_t reference_length_max;
  uint32_t reason_length_max;
  uint32_t id_length_max;
  uint32_t name_length_max;
  uint32_t description_length_max;
  uint32_t attributes_max;
  uint32_t attribute_length_max;
  uint32_t products_max;
  uint32_t locations_max;
  uint32_t page_size_max;
} inv_limits;

/* The engine's clock: milliseconds since the Unix epoch. REQUIRES: never decreases, cheap, safe
 * to call from any thread at any time while the engine is open. */
typedef int64_t (*inv_clock_fn)(void* state);

/* inventory::Options. Always start from inv_options_init(). */
typedef struct inv_options {
  bool create_if_missing;            /* Default: true. */
  bool error_if_exists;              /* Default: false. */
  int32_t durability;                /* INV_DURABILITY_*; not DEFAULT. Default: SYNC. */
  int64_t expiry_interval_ms;        /* 0: no expiry thread (call inv_expire_due). Default: 1000. */
  int64_t flush_interval_ms;         /* Default: 10. */
  uint64_t checkpoint_records;       /* Default: 1,000,000. */
  int64_t checkpoint_interval_ms;    /* Default: 5 minutes. */
  int64_t unusual_adjustment;        /* Default: 0 (off). */
  uint64_t feed_buffer_events;       /* Default: 65,536. */
  uint64_t feed_retention_events;    /* Default: 10,000,000. */
  uint64_t history_retention_events; /* Default: 1,000,000. */
  /* Time source; NULL (the default) uses the system clock. clock_state is passed to it and
   * must outlive the engine (the library never frees it). */
  inv_clock_fn clock_now_ms;
  void* clock_state;
  inv_limits limits;
} inv_options;

/* Fills `options` with the C++ defaults. NULL: no-op. */
INV_API void inv_options_init(inv_options* options);

typedef struct inv_engine inv_engine;

/* Opens (or creates) the engine on the data directory `path`; "" opens an in-memory engine,
 * which needs options->durability == INV_DURABILITY_NONE. `options` may be NULL (defaults).
 * Errors: as Engine::open. */
INV_API int32_t inv_open(const inv_options* options, const char* path, inv_engine** engine_out,
                         char** errptr);
/* Syncs the journal, stops the engine's threads and frees it. Subscriptions must be destroyed
 * first. NULL: no-op. */
INV_API void inv_close(inv_engine* engine);

/* What inv_verify found (inventory::VerifyReport). */
typedef struct inv_verify_report {
  uint64_t checkpoint_sequence;
  uint64_t records_replayed;
  uint64_t last_sequence;
  uint64_t high_water_mark;
  bool used_previous_checkpoint;
  char chain_head[72]; /* Hex SHA-256 of the last journal group, NUL-terminated. */
  uint64_t items;
  uint64_t reservations_active;
} inv_verify_report;

/* Checks a closed data directory without changing it. `options` may be NULL. */
INV_API int32_t inv_verify(const inv_options* options, const char* path,
                           inv_verify_report* report_out, char** errptr);

/* ---- Per-call options ---- */

/* inventory::WriteOptions. Start from inv_write_options_init(); strings may be NULL. */
typedef struct inv_write_options {
  int32_t durability;          /* INV_DURABILITY_*. Default: INV_DURABILITY_DEFAULT. */
  const char* idempotency_key; /* Same key and request: the first answer, applied once. */
  const char* actor;           /* Audit: who made the change. */
  const char* request_id;      /* Audit: the caller's request id. */
  bool has_occurred_at;        /* Default: false (the engine's clock). */
  int64_t occurred_at_ms;
} inv_write_options;

/* Fills `options` with the defaults. NULL: no-op. */
INV_API void inv_write_options_init(inv_write_options* options);

/* ---- Catalog ---- */

typedef struct inv_attribute {
  const char* key;
  const char* value;
} inv_attribute;

/* inventory::Product. In upsert requests created_at_ms, updated_at_ms and version are ignored. */
typedef struct inv_product {
  const char* id;
  const char* sku;
  const char* name;
  const char* description;
  int64_t price_amount_minor;
  const char* price_currency; /* ISO 4217, e.g. "EUR". */
  const inv_attribute* attributes;
  size_t attribute_count;
  int64_t created_at_ms;
  int64_t updated_at_ms;
  uint64_t version;
} inv_product;

/* inventory::Location. In upsert requests created_at_ms, updated_at_ms and version are ignored. */
typedef struct inv_location {
  const char* id;
  const char* name;
  int32_t type; /* INV_LOCATION_* */
  const inv_attribute* attributes;
  size_t attribute_count;
  int64_t created_at_ms;
  int64_t updated_at_ms;
  uint64_t version;
} inv_location;

/* A list of products owned by the library: a page of inv_list_products, or the one product of
 * inv_get_product / inv_find_product_by_sku. Free with inv_product_list_destroy. */
typedef struct inv_product_list {
  const inv_product* items;
  size_t count;
  const char* next_cursor; /* Pass to the next list call; NULL on the last page. */
} inv_product_list;
INV_API void inv_product_list_destroy(inv_product_list* list);

typedef struct inv_location_list {
  const inv_location* items;
  size_t count;
  const char* next_cursor; /* NULL on the last page. */
} inv_location_list;
INV_API void inv_location_list_destroy(inv_location_list* list);

/* Creates or replaces a product (`mode`: INV_UPSERT_*). expected_version may be NULL (unset);
 * version_out may be NULL. */
INV_API int32_t inv_upsert_product(inv_engine* engine, const inv_write_options* options,
                                   const inv_product* product, int32_t mode,
                                   const uint64_t* expected_version, uint64_t* version_out,
                                   char** errptr);
INV_API int32_t inv_remove_product(inv_engine* engine, const inv_write_options* options,
                                   const char* product_id, bool force, char** errptr);
INV_API int32_t inv_get_product(inv_engine* engine, const char* product_id,
                                inv_product_list** product_out, char** errptr);
INV_API int32_t inv_find_product_by_sku(inv_engine* engine, const char* sku,
                                        inv_product_list** product_out, char** errptr);
/* Products ordered by id. cursor: NULL or "" from the start. limit: 1..limits.page_size_max. */
INV_API int32_t inv_list_products(inv_engine* engine, const char* cursor, uint32_t limit,
                                  inv_product_list** page_out, char** errptr);

INV_API int32_t inv_upsert_location(inv_engine* engine, const inv_write_options* options,
                                    const inv_location* location, int32_t mode,
                                    const uint64_t* expected_version, uint64_t* version_out,
                                    char** errptr);
INV_API int32_t inv_remove_location(inv_engine* engine, const inv_write_options* options,
                                    const char* location_id, bool force, char** errptr);
INV_API int32_t inv_get_location(inv_engine* engine, const char* location_id,
                                 inv_location_list** location_out, char** errptr);
INV_API int32_t inv_list_locations(inv_engine* engine, const char* cursor, uint32_t limit,
                                   inv_location_list** page_out, char** errptr);

/* ---- Stock values ---- */

/* inventory::ItemPolicy. All zero is the default policy. */
typedef struct inv_item_policy {
  int64_t safety_stock;
  int64_t low_stock_threshold;
  int64_t backorder_limit;
} inv_item_policy;

/* inventory::StockLevel; available = on_hand - reserved. */
typedef struct inv_stock_level {
  uint64_t item;
  int64_t on_hand;
  int64_t reserved;
  int64_t available;
  inv_item_policy policy;
  uint64_t version;
  int64_t updated_at_ms;
} inv_stock_level;

/* inventory::ItemInfo. */
typedef struct inv_item_info {
  inv_stock_level level;
  const char* product_id;
  const char* location_id;
} inv_item_info;

typedef struct inv_item_list {
  const inv_item_info* items;
  size_t count;
  const char* next_cursor; /* NULL on the last page. */
} inv_item_list;
INV_API void inv_item_list_destroy(inv_item_list* list);

/* inventory::ItemFilter; NULL strings match everything. */
typedef struct inv_item_filter {
  const char* product_id;
  const char* location_id;
  bool has_updated_after;
  int64_t updated_after_ms;
  bool low_stock_only;
} inv_item_filter;

/* Creates the item (product at location) if needed and sets its policy. policy may be NULL (all
 * zero); expected_version may be NULL; level_out may be NULL (level_out->item is the new id).
 * The same as inv_upsert_item_v2 with INV_UPSERT_CREATE_OR_REPLACE. */
INV_API int32_t inv_upsert_item(inv_engine* engine, const inv_write_options* options,
                                const char* product_id, const char* location_id,
                                const inv_item_policy* policy, const uint64_t* expected_version,
                                inv_stock_level* level_out, char** errptr);
/* inv_upsert_item with a `mode` (INV_UPSERT_*): INV_UPSERT_CREATE_ONLY leaves an existing item
 * (and its policy) alone and fails with INV_ALREADY_EXISTS; INV_UPSERT_REPLACE_ONLY fails with
 * INV_NOT_FOUND when there is no item. */
INV_API int32_t inv_upsert_item_v2(inv_engine* engine, const inv_write_options* options,
                                   const char* product_id, const char* location_id,
                                   const inv_item_policy* policy, int32_t mode,
                                   const uint64_t* expected_version, inv_stock_level* level_out,
                                   char** errptr);
INV_API int32_t inv_remove_item(inv_engine* engine, const inv_write_options* options, uint64_t item,
                                bool force, char** errptr);
INV_API int32_t inv_find_item(inv_engine* engine, const char* product_id, const char* location_id,
                              uint64_t* item_out, char** errptr);
INV_API int32_t inv_get_item(inv_engine* engine, uint64_t item, inv_item_list** item_out,
                             char** errptr);
/* Items ordered by id. filter may be NULL (all items). */
INV_API int32_t inv_list_items(inv_engine* engine, const inv_item_filter* filter,
                               const char* cursor, uint32_t limit, inv_item_list** page_out,
                               char** errptr);

/* ---- Stock operations ---- */

/* A consistent snapshot of one item. Lock-free. */
INV_API int32_t inv_get(inv_engine* engine, uint64_t item, inv_stock_level* level_out,
                        char** errptr);

/* inventory::AdjustRequest: on_hand += delta. */
typedef struct inv_adjust_request {
  uint64_t item;
  int64_t delta;
  const char* reason;
  const char* reference;
  bool force;
} inv_adjust_request;

/* inventory::SetOnHandRequest: on_hand = on_hand (a count). */
typedef struct inv_set_on_hand_request {
  uint64_t item;
  int64_t on_hand;
  bool has_expected_version;
  uint64_t expected_version;
  const char* reason;
  const char* reference;
  bool force;
} inv_set_on_hand_request;

/* inventory::ReserveRequest: hold quantity of item; ttl_ms 0 means limits.ttl_default. */
typedef struct inv_reserve_request {
  uint64_t item;
  int64_t quantity;
  int64_t ttl_ms;
  const char* reference;
} inv_reserve_request;

typedef struct inv_reserve_line {
  uint64_t item;
  int64_t quantity;
} inv_reserve_line;

/* inventory::ReserveLinesRequest: every line or none (distinct items). */
typedef struct inv_reserve_lines_request {
  const inv_reserve_line* lines;
  size_t line_count;
  int64_t ttl_ms;
  const char* reference;
} inv_reserve_lines_request;

/* inventory::TransferRequest: moves on_hand between two items of one product. */
typedef struct inv_transfer_request {
  uint64_t from;
  uint64_t to;
  int64_t quantity;
  const char* reason;
  const char* reference;
} inv_transfer_request;

/* level_out may be NULL in each of these. */
INV_API int32_t inv_adjust(inv_engine* engine, const inv_write_options* options,
                           const inv_adjust_request* request, inv_stock_level* level_out,
                           char** errptr);
INV_API int32_t inv_set_on_hand(inv_engine* engine, const inv_write_options* options,
                                const inv_set_on_hand_request* request, inv_stock_level* level_out,
                                char** errptr);
/* expected_version may be NULL (unset). */
INV_API int32_t inv_set_policy(inv_engine* engine, const inv_write_options* options, uint64_t item,
                               const inv_item_policy* policy, const uint64_t* expected_version,
                               inv_stock_level* level_out, char** errptr);

INV_API int32_t inv_reserve(inv_engine* engine, const inv_write_options* options,
                            const inv_reserve_request* request, uint64_t* reservation_out,
                            char** errptr);
/* insufficient_stock names the short lines in the message; the first is its index. */
INV_API int32_t inv_reserve_lines(inv_engine* engine, const inv_write_options* options,
                                  const inv_reserve_lines_request* request,
                                  uint64_t* reservation_out, char** errptr);
/* Confirms every line in full. */
INV_API int32_t inv_confirm(inv_engine* engine, const inv_write_options* options,
                            uint64_t reservation, char** errptr);
/* Confirms each listed item for the given quantity (0..held) and releases the rest.
 * REQUIRES: quantity_count >= 1 (use inv_confirm for a full confirmation). */
INV_API int32_t inv_confirm_partial(inv_engine* engine, const inv_write_options* options,
                                    uint64_t reservation, const inv_reserve_line* quantities,
                                    size_t quantity_count, char** errptr);
INV_API int32_t inv_release(inv_engine* engine, const inv_write_options* options,
                            uint64_t reservation, char** errptr);
/* Moves the expiry to now + ttl_ms (0: limits.ttl_default). expires_at_ms_out may be NULL. */
INV_API int32_t inv_extend(inv_engine* engine, const inv_write_options* options,
                           uint64_t reservation, int64_t ttl_ms, int64_t* expires_at_ms_out,
                           char** errptr);

/* inventory::ReservationInfo, owned by the library. Free with inv_reservation_destroy. */
typedef struct inv_reservation {
  uint64_t id;
  int32_t state; /* INV_RESERVATION_* */
  const inv_reserve_line* lines;
  size_t line_count;
  const char* reference;
  int64_t created_at_ms;
  int64_t expires_at_ms;
} inv_reservation;
INV_API void inv_reservation_destroy(inv_reservation* reservation);
INV_API int32_t inv_get_reservation(inv_engine* engine, uint64_t reservation,
                                    inv_reservation** reservation_out, char** errptr);

/* from_out and to_out may be NULL. */
INV_API int32_t inv_transfer(inv_engine* engine, const inv_write_options* options,
                             const inv_transfer_request* request, inv_stock_level* from_out,
                             inv_stock_level* to_out, char** errptr);

/* Expires every reservation due by the engine's clock. expired_out may be NULL. */
INV_API int32_t inv_expire_due(inv_engine* engine, uint64_t* expired_out, char** errptr);
/* INV_CORRUPTION naming the first bad item. Only meaningful while no mutation runs. */
INV_API int32_t inv_check_invariants(inv_engine* engine, char** errptr);
/* Makes everything applied so far durable. */
INV_API int32_t inv_sync(inv_engine* engine, char** errptr);
/* Takes a checkpoint now, bounding the next recovery. */
INV_API int32_t inv_checkpoint(inv_engine* engine, char** errptr);

/* ---- Batches (write_batch.h) ---- */

/* An ordered list of stock operations. It copies everything it is given. */
typedef struct inv_batch inv_batch;

INV_API int32_t inv_batch_create(inv_batch** batch_out, char** errptr);
INV_API void inv_batch_destroy(inv_batch* batch);
/* Number of operations; 0 for NULL. */
INV_API size_t inv_batch_size(const inv_batch* batch);
INV_API int32_t inv_batch_clear(inv_batch* batch, char** errptr);
INV_API int32_t inv_batch_adjust(inv_batch* batch, const inv_adjust_request* request,
                                 char** errptr);
INV_API int32_t inv_batch_set_on_hand(inv_batch* batch, const inv_set_on_hand_request* request,
                                      char** errptr);
INV_API int32_t inv_batch_set_policy(inv_batch* batch, uint64_t item, const inv_item_policy* policy,
                                     const uint64_t* expected_version, char** errptr);
INV_API int32_t inv_batch_reserve(inv_batch* batch, const inv_reserve_request* request,
                                  char** errptr);
INV_API int32_t inv_batch_reserve_lines(inv_batch* batch, const inv_reserve_lines_request* request,
                                        char** errptr);
INV_API int32_t inv_batch_confirm(inv_batch* batch, uint64_t reservation, char** errptr);
/* quantities may be NULL when quantity_count is 0 (a full confirmation). */
INV_API int32_t inv_batch_confirm_partial(inv_batch* batch, uint64_t reservation,
                                          const inv_reserve_line* quantities, size_t quantity_count,
                                          char** errptr);
INV_API int32_t inv_batch_release(inv_batch* batch, uint64_t reservation, char** errptr);
INV_API int32_t inv_batch_extend(inv_batch* batch, uint64_t reservation, int64_t ttl_ms,
                                 char** errptr);
INV_API int32_t inv_batch_transfer(inv_batch* batch, const inv_transfer_request* request,
                                   char** errptr);

/* The outcome of one batch operation (inventory::OperationResult). */
typedef struct inv_operation_result {
  int32_t code;                  /* INV_OK or the operation's error. */
  const char* message;           /* Status::to_string(): "ok" or "insufficient_stock: ...". */
  const inv_stock_level* levels; /* adjust, set_on_hand, set_policy, transfer (from, to). */
  size_t level_count;
  uint64_t reservation;  /* reserve: the new reservation. */
  int64_t expires_at_ms; /* reserve, extend: the expiry. */
} inv_operation_result;

typedef struct inv_batch_result {
  const inv_operation_result* results; /* One per operation, in batch order. */
  size_t count;
} inv_batch_result;
INV_API void inv_batch_result_destroy(inv_batch_result* result);

/* Applies `batch` (policy: INV_BATCH_*). With ALL_OR_NOTHING a failure returns the first failing
 * operation's code, writes its index to failed_index_out (may be NULL; -1 when no operation is to
 * blame) and applies nothing. With PER_OPERATION the call succeeds and each result carries its own
 * code. result_out may be NULL. */
INV_API int32_t inv_batch_apply(inv_engine* engine, const inv_write_options* options,
                                const inv_batch* batch, int32_t policy,
                                inv_batch_result** result_out, int32_t* failed_index_out,
                                char** errptr);

/* ---- Change feed, audit and metrics ---- */

typedef struct inv_quantities {
  int64_t on_hand;
  int64_t reserved;
  int64_t available;
} inv_quantities;

/* inventory::Event. Strings are never NULL (empty when unset). */
typedef struct inv_event {
  uint64_t sequence;
  uint64_t change; /* Sequence of the first event of the same atomic change. */
  int32_t type;    /* INV_EVENT_* */
  uint64_t item;
  uint64_t reservation;
  const char* product_id;
  const char* location_id;
  inv_quantities before;
  inv_quantities after;
  int64_t delta;
  uint64_t version;
  const char* reason;
  const char* reference;
  const char* actor;
  const char* request_id;
  int64_t occurred_at_ms;
  int64_t recorded_at_ms;
} inv_event;

/* inventory::EventFilter; empty arrays (count 0) match everything. */
typedef struct inv_event_filter {
  const int32_t* types; /* INV_EVENT_* */
  size_t type_count;
  const char* const* location_ids;
  size_t location_id_count;
} inv_event_filter;

/* A page of events owned by the library (inventory::ChangesPage). Free with
 * inv_event_page_destroy. */
typedef struct inv_event_page {
  const inv_event* events;
  size_t count;
  uint64_t next_after;      /* Pass as `after` to continue. */
  uint64_t head;            /* Last durable sequence when read (0 for history). */
  uint64_t trimmed_through; /* Nonzero: the events after `after` were trimmed. */
} inv_event_page;
INV_API void inv_event_page_destroy(inv_event_page* page);

/* Up to `limit` durable events with sequence > after that match filter (may be NULL).
 * Errors: invalid_argument (limit), not_supported (in-memory engine), corruption, io_error. */
INV_API int32_t inv_changes_since(inv_engine* engine, uint64_t after, uint32_t limit,
                                  const inv_event_filter* filter, inv_event_page** page_out,
                                  char** errptr);

/* inventory::HistoryRequest. Start from inv_history_request_init. */
typedef struct inv_history_request {
  uint64_t item;
  uint64_t after;
  bool has_until;
  uint64_t until;
  bool has_since;
  int64_t since_ms;
  uint32_t limit; /* Default: 100. */
} inv_history_request;
INV_API void inv_history_request_init(inv_history_request* request);
/* An item's audit trail, oldest first (next_after is the last event's sequence). */
INV_API int32_t inv_history(inv_engine* engine, const inv_history_request* request,
                            inv_event_page** page_out, char** errptr);

/* inventory::Explanation, owned by the library. Free with inv_explanation_destroy. */
typedef struct inv_hold {
  uint64_t reservation;
  int64_t quantity;
  const char* reference;
  int64_t created_at_ms;
  int64_t expires_at_ms;
} inv_hold;
typedef struct inv_explanation {
  inv_stock_level level;
  const inv_hold* holds; /* Active holds on the item, oldest first. */
  size_t hold_count;
  int64_t held;
  int64_t reservable;
  const char* summary;
} inv_explanation;
INV_API void inv_explanation_destroy(inv_explanation* explanation);
INV_API int32_t inv_explain(inv_engine* engine, uint64_t item, inv_explanation** explanation_out,
                            char** errptr);

/* The engine's metrics in the Prometheus text format; *text_out is malloc()ed, free it with
 * inv_free. */
INV_API int32_t inv_metrics_prometheus(inv_engine* engine, char** text_out, char** errptr);

/* ---- Observers ---- */

/* An observer as a vtable. `events` (and every string it points to) is valid only during the
 * call. on_gap and destroy may be NULL; on_events may not. Calls come from the subscription's
 * dispatcher thread, one at a time, in sequence order; returning from on_events acknowledges the
 * batch. on_gap(after, last): events after `after` through `last` were trimmed and will never
 * arrive. destroy(state) is called exactly once, after the last callback, when the library no
 * longer needs `state` (at or after inv_subscription_destroy, on any thread). If inv_subscribe
 * fails, destroy is not called and the caller keeps `state`. The vtable struct itself is copied. */
typedef struct inv_observer {
  void* state;
  void (*on_events)(void* state, const inv_event* events, size_t count);
  void (*on_gap)(void* state, uint64_t after, uint64_t last);
  void (*destroy)(void* state);
} inv_observer;

/* inventory::SubscribeOptions. Start from inv_subscribe_options_init. */
typedef struct inv_subscribe_options {
  bool has_after; /* Deliver events with sequence > after. Default: only new events. */
  uint64_t after;
  const char* cursor; /* Durable cursor name, or NULL. A stored cursor wins over `after`. */
  inv_event_filter filter;
  uint32_t max_batch; /* Most events per on_events call. Default: 1,000. */
} inv_subscribe_options;
INV_API void inv_subscribe_options_init(inv_subscribe_options* options);

typedef struct inv_subscription inv_subscription;

/* Starts delivering events to `observer` on its own thread. options may be NULL (defaults).
 * Errors: invalid_argument, already_exists (cursor in use), not_supported (in-memory engine). */
INV_API int32_t inv_subscribe(inv_engine* engine, const inv_observer* observer,
                              const inv_subscribe_options* options,
                              inv_subscription** subscription_out, char** errptr);
/* Stops delivery, waits for a running callback to return, then frees the subscription. Must not
 * be called from inside its own observer's callback. NULL: no-op. */
INV_API void inv_subscription_destroy(inv_subscription* subscription);
/* Last sequence the observer acknowledged; 0 for NULL. */
INV_API uint64_t inv_subscription_cursor(const inv_subscription* subscription);
/* Forgets the stored durable cursor `name` of a consumer gone for good, so that it no longer
 * holds the retained log; a later subscribe with the name starts afresh. Destroy its
 * subscription first. Errors: invalid_argument, not_found (no such cursor),
 * failed_precondition (a live subscription uses it), not_supported (in-memory engine). */
INV_API int32_t inv_drop_cursor(inv_engine* engine, const char* name, char** errptr);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INVENTORY_C_H_ */
