/* Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
 *
 * Goal: the C API (inventory/c.h) is valid C99, and every function works, returns the C++ status
 * code on error, names a NULL argument, and frees what it hands out (run it under ASan).
 * Method: a plain C program (compiled with -std=c99 -pedantic -Werror). It opens a journaled
 * engine in a mkdtemp() directory with a manual clock, drives the catalog, every stock
 * operation, reservations, batches, the change feed and a C observer (waited for with a bounded
 * poll loop), reopens and verifies the directory, and checks every error path it can reach.
 * Exits 0 when every check passes; prints each failed check. */

#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, nanosleep */

#include "inventory/c.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;
static int checks = 0;
static char* err = NULL; /* Every call in this file passes &err. */

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Runs `call`, checks its code against `expected` and the errptr convention (NULL on success, a
 * message on failure), then frees the message. */
#define EXPECT(expected, call) expect_code((expected), (call), #call, __FILE__, __LINE__, NULL)
/* As EXPECT(INV_INVALID_ARGUMENT, call), and the message names the field or argument `name`. */
#define EXPECT_INVALID(name, call) \
  expect_code(INV_INVALID_ARGUMENT, (call), #call, __FILE__, __LINE__, "field: " name)

static void expect_code(int32_t expected, int32_t actual, const char* call, const char* file,
                        int line, const char* needle) {
  ++checks;
  if (actual != expected) {
    fprintf(stderr, "%s:%d: %s returned %s (%s), expected %s\n", file, line, call,
            inv_status_name(actual), err != NULL ? err : "no message", inv_status_name(expected));
    ++failures;
  } else if (expected == INV_OK && err != NULL) {
    fprintf(stderr, "%s:%d: %s succeeded but left a message: %s\n", file, line, call, err);
    ++failures;
  } else if (expected != INV_OK && err == NULL) {
    fprintf(stderr, "%s:%d: %s failed without a message\n", file, line, call);
    ++failures;
  } else if (needle != NULL && strstr(err, needle) == NULL) {
    fprintf(stderr, "%s:%d: %s: message \"%s\" does not contain \"%s\"\n", file, line, call, err,
            needle);
    ++failures;
  }
  inv_free(err);
  err = NULL;
}

/* ---- A manual clock, shared with the engine's threads ---- */

static pthread_mutex_t clock_mutex = PTHREAD_MUTEX_INITIALIZER;
static int64_t clock_now = 1700000000000;

static int64_t manual_now(void* state) {
  int64_t now;
  (void)state;
  pthread_mutex_lock(&clock_mutex);
  now = clock_now;
  pthread_mutex_unlock(&clock_mutex);
  return now;
}

static void advance_clock(int64_t ms) {
  pthread_mutex_lock(&clock_mutex);
  clock_now += ms;
  pthread_mutex_unlock(&clock_mutex);
}

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

static int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* ---- A C observer ---- */

typedef struct recorder {
  pthread_mutex_t mutex;
  uint64_t last_sequence;
  size_t events;
  size_t batches;
  int out_of_order;
  int saw_mug; /* An event about product p-1 at wh-1 with available set. */
} recorder;

static pthread_mutex_t destroyed_mutex = PTHREAD_MUTEX_INITIALIZER;
static int recorders_destroyed = 0;

static void recorder_on_events(void* state, const inv_event* events, size_t count) {
  recorder* r = (recorder*)state;
  size_t i;
  pthread_mutex_lock(&r->mutex);
  for (i = 0; i < count; ++i) {
    if (events[i].sequence <= r->last_sequence) r->out_of_order = 1;
    r->last_sequence = events[i].sequence;
    if (strcmp(events[i].product_id, "p-1") == 0 && strcmp(events[i].location_id, "wh-1") == 0 &&
        events[i].type == INV_EVENT_STOCK_ADJUSTED && events[i].after.available > 0) {
      r->saw_mug = 1;
    }
  }
  r->events += count;
  ++r->batches;
  pthread_mutex_unlock(&r->mutex);
}

static void recorder_on_gap(void* state, uint64_t after, uint64_t last) {
  (void)state;
  fprintf(stderr, "unexpected gap %llu..%llu\n", (unsigned long long)after,
          (unsigned long long)last);
}

static void recorder_destroy(void* state) {
  recorder* r = (recorder*)state;
  pthread_mutex_destroy(&r->mutex);
  free(r);
  pthread_mutex_lock(&destroyed_mutex);
  ++recorders_destroyed;
  pthread_mutex_unlock(&destroyed_mutex);
}

static int destroyed_count(void) {
  int n;
  pthread_mutex_lock(&destroyed_mutex);
  n = recorders_destroyed;
  pthread_mutex_unlock(&destroyed_mutex);
  return n;
}

static recorder* recorder_new(void) {
  recorder* r = (recorder*)calloc(1, sizeof(recorder));
  pthread_mutex_init(&r->mutex, NULL);
  return r;
}

static inv_observer recorder_vtable(recorder* r) {
  inv_observer vtable;
  vtable.state = r;
  vtable.on_events = recorder_on_events;
  vtable.on_gap = recorder_on_gap;
  vtable.destroy = recorder_destroy;
  return vtable;
}

/* ---- Tests ---- */

static void test_names_and_null_handles(void) {
  inv_options options;
  inv_write_options write_options;
  inv_history_request history;
  inv_subscribe_options subscribe;

  CHECK(strcmp(inv_status_name(INV_OK), "ok") == 0);
  CHECK(strcmp(inv_status_name(INV_INSUFFICIENT_STOCK), "insufficient_stock") == 0);
  CHECK(strcmp(inv_status_name(INV_FAILED_PRECONDITION), "failed_precondition") == 0);
  CHECK(strcmp(inv_status_name(14), "unknown") == 0);
  CHECK(strcmp(inv_status_name(-1), "unknown") == 0);
  CHECK(strcmp(inv_event_type_name(INV_EVENT_STOCK_ADJUSTED), "stock.adjusted") == 0);
  CHECK(strcmp(inv_event_type_name(INV_EVENT_RESERVATION_RESERVED), "reservation.reserved") == 0);
  CHECK(strcmp(inv_event_type_name(0), "unknown") == 0);
  CHECK(strcmp(inv_event_type_name(22), "unknown") == 0);
  CHECK(strcmp(inv_reservation_state_name(INV_RESERVATION_EXPIRED), "expired") == 0);
  CHECK(strcmp(inv_reservation_state_name(0), "unknown") == 0);
  CHECK(strcmp(inv_version(), "0.1.0") == 0);

  /* Destroying NULL is a no-op for every handle and result. */
  inv_free(NULL);
  inv_close(NULL);
  inv_batch_destroy(NULL);
  inv_batch_result_destroy(NULL);
  inv_product_list_destroy(NULL);
  inv_location_list_destroy(NULL);
  inv_item_list_destroy(NULL);
  inv_reservation_destroy(NULL);
  inv_event_page_destroy(NULL);
  inv_explanation_destroy(NULL);
  inv_subscription_destroy(NULL);
  CHECK(inv_subscription_cursor(NULL) == 0);
  CHECK(inv_batch_size(NULL) == 0);
  inv_options_init(NULL);
  inv_write_options_init(NULL);
  inv_history_request_init(NULL);
  inv_subscribe_options_init(NULL);

  inv_options_init(&options);
  CHECK(options.create_if_missing);
  CHECK(!options.error_if_exists);
  CHECK(options.durability == INV_DURABILITY_SYNC);
  CHECK(options.expiry_interval_ms == 1000);
  CHECK(options.clock_now_ms == NULL);
  CHECK(options.limits.items_max == (1u << 20));
  CHECK(options.limits.ttl_default_ms == 15 * 60 * 1000);
  CHECK(options.limits.page_size_max == 1000);
  inv_write_options_init(&write_options);
  CHECK(write_options.durability == INV_DURABILITY_DEFAULT);
  CHECK(write_options.idempotency_key == NULL);
  CHECK(!write_options.has_occurred_at);
  inv_history_request_init(&history);
  CHECK(history.limit == 100);
  inv_subscribe_options_init(&subscribe);
  CHECK(subscribe.max_batch == 1000);
  CHECK(!subscribe.has_after);

  /* errptr may be NULL: the code still comes back. */
  CHECK(inv_get(NULL, 1, NULL, NULL) == INV_INVALID_ARGUMENT);
}

/* Every engine call with engine == NULL, and the other required pointers. */
static void test_null_arguments(inv_engine* engine) {
  inv_stock_level level;
  inv_product product;
  inv_location location;
  inv_adjust_request adjust;
  inv_set_on_hand_request count;
  inv_reserve_request reserve;
  inv_reserve_lines_request lines;
  inv_transfer_request transfer;
  inv_item_policy policy;
  inv_history_request history;
  inv_observer observer;
  inv_verify_report report;
  inv_reserve_line line;
  inv_product_list* products = NULL;
  inv_location_list* locations = NULL;
  inv_item_list* items = NULL;
  inv_reservation* reservation = NULL;
  inv_event_page* page = NULL;
  inv_explanation* explanation = NULL;
  inv_subscription* subscription = NULL;
  inv_batch* batch = NULL;
  inv_engine* opened = NULL;
  uint64_t id = 0;
  char* text = NULL;

  memset(&product, 0, sizeof product);
  memset(&location, 0, sizeof location);
  memset(&adjust, 0, sizeof adjust);
  memset(&count, 0, sizeof count);
  memset(&reserve, 0, sizeof reserve);
  memset(&lines, 0, sizeof lines);
  memset(&transfer, 0, sizeof transfer);
  memset(&policy, 0, sizeof policy);
  memset(&line, 0, sizeof line);
  inv_history_request_init(&history);
  observer = recorder_vtable(NULL);

  EXPECT_INVALID("path", inv_open(NULL, NULL, &opened, &err));
  EXPECT_INVALID("engine_out", inv_open(NULL, "", NULL, &err));
  EXPECT_INVALID("path", inv_verify(NULL, NULL, &report, &err));
  EXPECT_INVALID("report_out", inv_verify(NULL, "x", NULL, &err));

  EXPECT_INVALID("engine", inv_upsert_product(NULL, NULL, &product, 0, NULL, NULL, &err));
  EXPECT_INVALID("product", inv_upsert_product(engine, NULL, NULL, 0, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_remove_product(NULL, NULL, "p", false, &err));
  EXPECT_INVALID("product_id", inv_remove_product(engine, NULL, NULL, false, &err));
  EXPECT_INVALID("engine", inv_get_product(NULL, "p", &products, &err));
  EXPECT_INVALID("product_id", inv_get_product(engine, NULL, &products, &err));
  EXPECT_INVALID("product_out", inv_get_product(engine, "p", NULL, &err));
  EXPECT_INVALID("engine", inv_find_product_by_sku(NULL, "s", &products, &err));
  EXPECT_INVALID("sku", inv_find_product_by_sku(engine, NULL, &products, &err));
  EXPECT_INVALID("product_out", inv_find_product_by_sku(engine, "s", NULL, &err));
  EXPECT_INVALID("engine", inv_list_products(NULL, NULL, 10, &products, &err));
  EXPECT_INVALID("page_out", inv_list_products(engine, NULL, 10, NULL, &err));

  EXPECT_INVALID("engine", inv_upsert_location(NULL, NULL, &location, 0, NULL, NULL, &err));
  EXPECT_INVALID("location", inv_upsert_location(engine, NULL, NULL, 0, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_remove_location(NULL, NULL, "l", false, &err));
  EXPECT_INVALID("location_id", inv_remove_location(engine, NULL, NULL, false, &err));
  EXPECT_INVALID("engine", inv_get_location(NULL, "l", &locations, &err));
  EXPECT_INVALID("location_id", inv_get_location(engine, NULL, &locations, &err));
  EXPECT_INVALID("location_out", inv_get_location(engine, "l", NULL, &err));
  EXPECT_INVALID("engine", inv_list_locations(NULL, NULL, 10, &locations, &err));
  EXPECT_INVALID("page_out", inv_list_locations(engine, NULL, 10, NULL, &err));

  EXPECT_INVALID("engine", inv_upsert_item(NULL, NULL, "p", "l", NULL, NULL, NULL, &err));
  EXPECT_INVALID("product_id", inv_upsert_item(engine, NULL, NULL, "l", NULL, NULL, NULL, &err));
  EXPECT_INVALID("location_id", inv_upsert_item(engine, NULL, "p", NULL, NULL, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_upsert_item_v2(NULL, NULL, "p", "l", NULL, INV_UPSERT_CREATE_ONLY,
                                              NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_remove_item(NULL, NULL, 1, false, &err));
  EXPECT_INVALID("engine", inv_find_item(NULL, "p", "l", &id, &err));
  EXPECT_INVALID("product_id", inv_find_item(engine, NULL, "l", &id, &err));
  EXPECT_INVALID("location_id", inv_find_item(engine, "p", NULL, &id, &err));
  EXPECT_INVALID("item_out", inv_find_item(engine, "p", "l", NULL, &err));
  EXPECT_INVALID("engine", inv_get_item(NULL, 1, &items, &err));
  EXPECT_INVALID("item_out", inv_get_item(engine, 1, NULL, &err));
  EXPECT_INVALID("engine", inv_list_items(NULL, NULL, NULL, 10, &items, &err));
  EXPECT_INVALID("page_out", inv_list_items(engine, NULL, NULL, 10, NULL, &err));

  EXPECT_INVALID("engine", inv_get(NULL, 1, &level, &err));
  EXPECT_INVALID("level_out", inv_get(engine, 1, NULL, &err));
  EXPECT_INVALID("engine", inv_adjust(NULL, NULL, &adjust, NULL, &err));
  EXPECT_INVALID("request", inv_adjust(engine, NULL, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_set_on_hand(NULL, NULL, &count, NULL, &err));
  EXPECT_INVALID("request", inv_set_on_hand(engine, NULL, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_set_policy(NULL, NULL, 1, &policy, NULL, NULL, &err));
  EXPECT_INVALID("policy", inv_set_policy(engine, NULL, 1, NULL, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_reserve(NULL, NULL, &reserve, &id, &err));
  EXPECT_INVALID("request", inv_reserve(engine, NULL, NULL, &id, &err));
  EXPECT_INVALID("reservation_out", inv_reserve(engine, NULL, &reserve, NULL, &err));
  EXPECT_INVALID("engine", inv_reserve_lines(NULL, NULL, &lines, &id, &err));
  EXPECT_INVALID("request", inv_reserve_lines(engine, NULL, NULL, &id, &err));
  EXPECT_INVALID("reservation_out", inv_reserve_lines(engine, NULL, &lines, NULL, &err));
  lines.line_count = 2; /* lines.lines is NULL. */
  EXPECT_INVALID("lines", inv_reserve_lines(engine, NULL, &lines, &id, &err));
  lines.line_count = 0;
  EXPECT_INVALID("engine", inv_confirm(NULL, NULL, 1, &err));
  EXPECT_INVALID("engine", inv_confirm_partial(NULL, NULL, 1, &line, 1, &err));
  EXPECT_INVALID("quantities", inv_confirm_partial(engine, NULL, 1, NULL, 1, &err));
  EXPECT_INVALID("quantity_count", inv_confirm_partial(engine, NULL, 1, &line, 0, &err));
  EXPECT_INVALID("engine", inv_release(NULL, NULL, 1, &err));
  EXPECT_INVALID("engine", inv_extend(NULL, NULL, 1, 0, NULL, &err));
  EXPECT_INVALID("engine", inv_get_reservation(NULL, 1, &reservation, &err));
  EXPECT_INVALID("reservation_out", inv_get_reservation(engine, 1, NULL, &err));
  EXPECT_INVALID("engine", inv_transfer(NULL, NULL, &transfer, NULL, NULL, &err));
  EXPECT_INVALID("request", inv_transfer(engine, NULL, NULL, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_expire_due(NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_check_invariants(NULL, &err));
  EXPECT_INVALID("engine", inv_sync(NULL, &err));
  EXPECT_INVALID("engine", inv_checkpoint(NULL, &err));

  EXPECT_INVALID("batch_out", inv_batch_create(NULL, &err));
  EXPECT(INV_OK, inv_batch_create(&batch, &err));
  EXPECT_INVALID("batch", inv_batch_clear(NULL, &err));
  EXPECT_INVALID("batch", inv_batch_adjust(NULL, &adjust, &err));
  EXPECT_INVALID("request", inv_batch_adjust(batch, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_set_on_hand(NULL, &count, &err));
  EXPECT_INVALID("request", inv_batch_set_on_hand(batch, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_set_policy(NULL, 1, &policy, NULL, &err));
  EXPECT_INVALID("policy", inv_batch_set_policy(batch, 1, NULL, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_reserve(NULL, &reserve, &err));
  EXPECT_INVALID("request", inv_batch_reserve(batch, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_reserve_lines(NULL, &lines, &err));
  EXPECT_INVALID("request", inv_batch_reserve_lines(batch, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_confirm(NULL, 1, &err));
  EXPECT_INVALID("batch", inv_batch_confirm_partial(NULL, 1, &line, 1, &err));
  EXPECT_INVALID("quantities", inv_batch_confirm_partial(batch, 1, NULL, 1, &err));
  EXPECT_INVALID("batch", inv_batch_release(NULL, 1, &err));
  EXPECT_INVALID("batch", inv_batch_extend(NULL, 1, 0, &err));
  EXPECT_INVALID("batch", inv_batch_transfer(NULL, &transfer, &err));
  EXPECT_INVALID("request", inv_batch_transfer(batch, NULL, &err));
  CHECK(inv_batch_size(batch) == 0); /* Nothing was added by the failed calls. */
  EXPECT_INVALID("engine", inv_batch_apply(NULL, NULL, batch, 0, NULL, NULL, &err));
  EXPECT_INVALID("batch", inv_batch_apply(engine, NULL, NULL, 0, NULL, NULL, &err));
  inv_batch_destroy(batch);

  EXPECT_INVALID("engine", inv_changes_since(NULL, 0, 10, NULL, &page, &err));
  EXPECT_INVALID("page_out", inv_changes_since(engine, 0, 10, NULL, NULL, &err));
  EXPECT_INVALID("engine", inv_history(NULL, &history, &page, &err));
  EXPECT_INVALID("request", inv_history(engine, NULL, &page, &err));
  EXPECT_INVALID("page_out", inv_history(engine, &history, NULL, &err));
  EXPECT_INVALID("engine", inv_explain(NULL, 1, &explanation, &err));
  EXPECT_INVALID("explanation_out", inv_explain(engine, 1, NULL, &err));
  EXPECT_INVALID("engine", inv_metrics_prometheus(NULL, &text, &err));
  EXPECT_INVALID("text_out", inv_metrics_prometheus(engine, NULL, &err));

  EXPECT_INVALID("engine", inv_subscribe(NULL, &observer, NULL, &subscription, &err));
  EXPECT_INVALID("observer", inv_subscribe(engine, NULL, NULL, &subscription, &err));
  EXPECT_INVALID("subscription_out", inv_subscribe(engine, &observer, NULL, NULL, &err));
  observer.on_events = NULL;
  EXPECT_INVALID("observer.on_events", inv_subscribe(engine, &observer, NULL, &subscription, &err));
  CHECK(destroyed_count() == 0); /* A failed subscribe leaves the state with the caller. */
  EXPECT_INVALID("engine", inv_drop_cursor(NULL, "c", &err));
  EXPECT_INVALID("name", inv_drop_cursor(engine, NULL, &err));

  /* Nothing was written through the out-parameters. */
  CHECK(products == NULL && locations == NULL && items == NULL && reservation == NULL);
  CHECK(page == NULL && explanation == NULL && subscription == NULL && opened == NULL);
  CHECK(text == NULL && id == 0);
}

static void test_open_errors(const char* dir) {
  inv_options options;
  inv_engine* engine = NULL;
  char missing[4096];

  inv_options_init(&options);
  options.durability = 7;
  EXPECT_INVALID("options.durability", inv_open(&options, "", &engine, &err));
  options.durability = INV_DURABILITY_SYNC;
  EXPECT(INV_INVALID_ARGUMENT, inv_open(&options, "", &engine, &err)); /* sync needs a path */
  options.durability = INV_DURABILITY_NONE;
  options.limits.items_max = 0;
  EXPECT(INV_INVALID_ARGUMENT, inv_open(&options, "", &engine, &err));
  CHECK(engine == NULL);

  inv_options_init(&options);
  options.create_if_missing = false;
  snprintf(missing, sizeof missing, "%s/missing", dir);
  EXPECT(INV_NOT_FOUND, inv_open(&options, missing, &engine, &err));
  CHECK(engine == NULL);
}

/* An in-memory engine: no change feed. */
static void test_in_memory(void) {
  inv_options options;
  inv_engine* engine = NULL;
  inv_event_page* page = NULL;
  inv_subscription* subscription = NULL;
  recorder* r = recorder_new();
  inv_observer observer = recorder_vtable(r);

  inv_options_init(&options);
  options.durability = INV_DURABILITY_NONE;
  options.expiry_interval_ms = 0;
  EXPECT(INV_OK, inv_open(&options, "", &engine, &err));
  CHECK(engine != NULL);
  EXPECT(INV_NOT_SUPPORTED, inv_changes_since(engine, 0, 10, NULL, &page, &err));
  EXPECT(INV_NOT_SUPPORTED, inv_subscribe(engine, &observer, NULL, &subscription, &err));
  EXPECT(INV_NOT_SUPPORTED, inv_drop_cursor(engine, "c", &err));
  CHECK(destroyed_count() == 0);
  CHECK(subscription == NULL);
  EXPECT(INV_OK, inv_sync(engine, &err));
  inv_close(engine);
  recorder_destroy(r); /* Still ours: subscribe failed. */
  CHECK(destroyed_count() == 1);
  pthread_mutex_lock(&destroyed_mutex);
  recorders_destroyed = 0;
  pthread_mutex_unlock(&destroyed_mutex);
}

typedef struct ids {
  uint64_t mug_wh;    /* p-1 at wh-1 */
  uint64_t mug_store; /* p-1 at store-1 */
  uint64_t cup_wh;    /* p-2 at wh-1 */
} ids;

static void test_catalog(inv_engine* engine, ids* out) {
  inv_write_options wo;
  inv_attribute attributes[2];
  inv_product product;
  inv_location location;
  inv_product_list* products = NULL;
  inv_location_list* locations = NULL;
  inv_item_list* items = NULL;
  inv_item_filter filter;
  inv_item_policy policy;
  inv_stock_level level;
  uint64_t version = 0;
  uint64_t stale = 12345;
  uint64_t found = 0;
  char* cursor = NULL;

  inv_write_options_init(&wo);
  wo.actor = "catalog-admin";

  memset(&location, 0, sizeof location);
  location.id = "wh-1";
  location.name = "Main warehouse";
  location.type = INV_LOCATION_WAREHOUSE;
  attributes[0].key = "city";
  attributes[0].value = "Lyon";
  location.attributes = attributes;
  location.attribute_count = 1;
  EXPECT(INV_OK, inv_upsert_location(engine, &wo, &location, INV_UPSERT_CREATE_OR_REPLACE, NULL,
                                     &version, &err));
  CHECK(version != 0);
  EXPECT(INV_ALREADY_EXISTS,
         inv_upsert_location(engine, &wo, &location, INV_UPSERT_CREATE_ONLY, NULL, NULL, &err));
  EXPECT(INV_VERSION_CONFLICT,
         inv_upsert_location(engine, &wo, &location, INV_UPSERT_REPLACE_ONLY, &stale, NULL, &err));
  EXPECT_INVALID("mode", inv_upsert_location(engine, &wo, &location, 9, NULL, NULL, &err));
  location.type = 9;
  EXPECT_INVALID("location.type", inv_upsert_location(engine, &wo, &location, 0, NULL, NULL, &err));
  location.type = INV_LOCATION_STORE;
  location.attributes = NULL;
  EXPECT_INVALID("location.attributes",
                 inv_upsert_location(engine, &wo, &location, 0, NULL, NULL, &err));
  location.attribute_count = 0;
  location.id = "store-1";
  location.name = "Store";
  EXPECT(INV_OK, inv_upsert_location(engine, NULL, &location, 0, NULL, NULL, &err));
  location.id = "tmp-1";
  EXPECT(INV_OK, inv_upsert_location(engine, NULL, &location, 0, NULL, NULL, &err));

  EXPECT(INV_OK, inv_get_location(engine, "wh-1", &locations, &err));
  CHECK(locations->count == 1);
  CHECK(strcmp(locations->items[0].name, "Main warehouse") == 0);
  CHECK(locations->items[0].type == INV_LOCATION_WAREHOUSE);
  CHECK(locations->items[0].attribute_count == 1);
  CHECK(strcmp(locations->items[0].attributes[0].value, "Lyon") == 0);
  CHECK(locations->items[0].created_at_ms == 1700000000000);
  CHECK(locations->next_cursor == NULL);
  inv_location_list_destroy(locations);
  EXPECT(INV_NOT_FOUND, inv_get_location(engine, "nowhere", &locations, &err));
  EXPECT(INV_OK, inv_list_locations(engine, NULL, 2, &locations, &err));
  CHECK(locations->count == 2);
  CHECK(locations->next_cursor != NULL);
  cursor = locations->next_cursor != NULL ? strdup(locations->next_cursor) : NULL;
  inv_location_list_destroy(locations);
  EXPECT(INV_OK, inv_list_locations(engine, cursor, 2, &locations, &err));
  CHECK(locations->count == 1);
  CHECK(locations->next_cursor == NULL);
  free(cursor);
  inv_location_list_destroy(locations);
  EXPECT(INV_INVALID_ARGUMENT, inv_list_locations(engine, NULL, 0, &locations, &err));
  EXPECT(INV_OK, inv_remove_location(engine, NULL, "tmp-1", false, &err));
  EXPECT(INV_NOT_FOUND, inv_remove_location(engine, NULL, "tmp-1", false, &err));

  memset(&product, 0, sizeof product);
  product.id = "p-1";
  product.sku = "MUG-RED";
  product.name = "Red mug";
  product.price_amount_minor = 1299;
  product.price_currency = "EUR";
  attributes[0].key = "colour";
  attributes[0].value = "red";
  attributes[1].key = "size";
  attributes[1].value = "L";
  product.attributes = attributes;
  product.attribute_count = 2;
  EXPECT(INV_OK, inv_upsert_product(engine, &wo, &product, 0, NULL, &version, &err));
  EXPECT(INV_OK, inv_upsert_product(engine, &wo, &product, INV_UPSERT_REPLACE_ONLY, &version,
                                    &version, &err));
  EXPECT(INV_VERSION_CONFLICT,
         inv_upsert_product(engine, &wo, &product, INV_UPSERT_REPLACE_ONLY, &stale, NULL, &err));
  product.price_currency = "euros";
  EXPECT(INV_INVALID_ARGUMENT, inv_upsert_product(engine, &wo, &product, 0, NULL, NULL, &err));
  product.price_currency = "EUR";
  product.id = "p-2";
  EXPECT(INV_ALREADY_EXISTS, inv_upsert_product(engine, &wo, &product, 0, NULL, NULL, &err));
  product.sku = "CUP-BLUE";
  product.name = "Blue cup";
  product.attributes = NULL;
  product.attribute_count = 0;
  EXPECT(INV_OK, inv_upsert_product(engine, &wo, &product, 0, NULL, NULL, &err));
  product.id = "p-tmp";
  product.sku = "TMP";
  EXPECT(INV_OK, inv_upsert_product(engine, &wo, &product, 0, NULL, NULL, &err));

  EXPECT(INV_OK, inv_get_product(engine, "p-1", &products, &err));
  CHECK(products->count == 1);
  CHECK(strcmp(products->items[0].sku, "MUG-RED") == 0);
  CHECK(strcmp(products->items[0].price_currency, "EUR") == 0);
  CHECK(products->items[0].price_amount_minor == 1299);
  CHECK(products->items[0].attribute_count == 2);
  CHECK(strcmp(products->items[0].attributes[1].key, "size") == 0);
  CHECK(products->items[0].version == version);
  CHECK(strcmp(products->items[0].description, "") == 0);
  inv_product_list_destroy(products);
  EXPECT(INV_NOT_FOUND, inv_get_product(engine, "p-9", &products, &err));
  EXPECT(INV_OK, inv_find_product_by_sku(engine, "CUP-BLUE", &products, &err));
  CHECK(strcmp(products->items[0].id, "p-2") == 0);
  inv_product_list_destroy(products);
  EXPECT(INV_NOT_FOUND, inv_find_product_by_sku(engine, "NOPE", &products, &err));
  EXPECT(INV_OK, inv_list_products(engine, "", 2, &products, &err));
  CHECK(products->count == 2);
  CHECK(strcmp(products->items[0].id, "p-1") == 0);
  cursor = products->next_cursor != NULL ? strdup(products->next_cursor) : NULL;
  CHECK(cursor != NULL);
  inv_product_list_destroy(products);
  EXPECT(INV_OK, inv_list_products(engine, cursor, 2, &products, &err));
  CHECK(products->count == 1 && strcmp(products->items[0].id, "p-tmp") == 0);
  CHECK(products->next_cursor == NULL);
  inv_product_list_destroy(products);
  free(cursor);
  EXPECT(INV_INVALID_ARGUMENT, inv_list_products(engine, NULL, 100000, &products, &err));

  /* Items. */
  memset(&policy, 0, sizeof policy);
  policy.low_stock_threshold = 3;
  EXPECT(INV_OK, inv_upsert_item(engine, &wo, "p-1", "wh-1", &policy, NULL, &level, &err));
  out->mug_wh = level.item;
  CHECK(level.item != 0 && level.on_hand == 0 && level.policy.low_stock_threshold == 3);
  EXPECT(INV_OK, inv_upsert_item(engine, &wo, "p-1", "store-1", NULL, NULL, &level, &err));
  out->mug_store = level.item;
  EXPECT(INV_OK, inv_upsert_item(engine, &wo, "p-2", "wh-1", NULL, NULL, &level, &err));
  out->cup_wh = level.item;
  EXPECT(INV_VERSION_CONFLICT,
         inv_upsert_item(engine, &wo, "p-2", "wh-1", NULL, &stale, NULL, &err));
  EXPECT(INV_NOT_FOUND, inv_upsert_item(engine, &wo, "p-9", "wh-1", NULL, NULL, NULL, &err));
  EXPECT(INV_OK, inv_upsert_item(engine, &wo, "p-tmp", "wh-1", NULL, NULL, NULL, &err));
  /* create_only leaves an existing item (and its policy) alone; replace_only creates nothing. */
  EXPECT(INV_ALREADY_EXISTS, inv_upsert_item_v2(engine, &wo, "p-1", "wh-1", NULL,
                                                INV_UPSERT_CREATE_ONLY, NULL, &level, &err));
  EXPECT(INV_OK, inv_get(engine, out->mug_wh, &level, &err));
  CHECK(level.policy.low_stock_threshold == 3);
  EXPECT(INV_NOT_FOUND, inv_upsert_item_v2(engine, &wo, "p-2", "store-1", NULL,
                                           INV_UPSERT_REPLACE_ONLY, NULL, NULL, &err));
  EXPECT_INVALID("mode",
                 inv_upsert_item_v2(engine, &wo, "p-2", "store-1", NULL, 7, NULL, NULL, &err));
  EXPECT(INV_OK, inv_find_item(engine, "p-1", "store-1", &found, &err));
  CHECK(found == out->mug_store);
  EXPECT(INV_NOT_FOUND, inv_find_item(engine, "p-2", "store-1", &found, &err));
  EXPECT(INV_OK, inv_get_item(engine, out->mug_wh, &items, &err));
  CHECK(items->count == 1);
  CHECK(strcmp(items->items[0].product_id, "p-1") == 0);
  CHECK(strcmp(items->items[0].location_id, "wh-1") == 0);
  CHECK(items->items[0].level.item == out->mug_wh);
  inv_item_list_destroy(items);
  EXPECT(INV_NOT_FOUND, inv_get_item(engine, 999999, &items, &err));

  memset(&filter, 0, sizeof filter);
  filter.location_id = "wh-1";
  EXPECT(INV_OK, inv_list_items(engine, &filter, NULL, 100, &items, &err));
  CHECK(items->count == 3);
  inv_item_list_destroy(items);
  filter.product_id = "p-1";
  EXPECT(INV_OK, inv_list_items(engine, &filter, NULL, 100, &items, &err));
  CHECK(items->count == 1 && items->items[0].level.item == out->mug_wh);
  inv_item_list_destroy(items);
  EXPECT(INV_OK, inv_list_items(engine, NULL, NULL, 1, &items, &err));
  CHECK(items->count == 1 && items->next_cursor != NULL);
  inv_item_list_destroy(items);

  /* Removing a product drops its items. */
  EXPECT(INV_OK, inv_remove_product(engine, &wo, "p-tmp", false, &err));
  EXPECT(INV_NOT_FOUND, inv_remove_product(engine, &wo, "p-tmp", false, &err));
  EXPECT(INV_NOT_FOUND, inv_find_item(engine, "p-tmp", "wh-1", &found, &err));
}

static int64_t available(inv_engine* engine, uint64_t item) {
  inv_stock_level level;
  memset(&level, 0, sizeof level);
  EXPECT(INV_OK, inv_get(engine, item, &level, &err));
  return level.available;
}

static void test_stock(inv_engine* engine, const ids* id) {
  inv_write_options wo;
  inv_adjust_request adjust;
  inv_set_on_hand_request count;
  inv_reserve_request reserve;
  inv_reserve_lines_request cart;
  inv_reserve_line lines[2];
  inv_transfer_request transfer;
  inv_item_policy policy;
  inv_stock_level level, from, to;
  inv_reservation* reservation = NULL;
  uint64_t hold = 0, again = 0, multi = 0, expired = 0, temporary = 0;
  int64_t expires_at = 0;

  inv_write_options_init(&wo);
  memset(&adjust, 0, sizeof adjust);
  adjust.item = id->mug_wh;
  adjust.delta = 10;
  adjust.reason = "restock";
  adjust.reference = "po-1";
  EXPECT(INV_OK, inv_adjust(engine, &wo, &adjust, &level, &err));
  CHECK(level.on_hand == 10 && level.available == 10 && level.reserved == 0);
  adjust.delta = -100;
  EXPECT(INV_INSUFFICIENT_STOCK, inv_adjust(engine, &wo, &adjust, NULL, &err));
  adjust.delta = 0;
  EXPECT(INV_INVALID_ARGUMENT, inv_adjust(engine, &wo, &adjust, NULL, &err));
  adjust.item = 424242;
  adjust.delta = 1;
  EXPECT(INV_NOT_FOUND, inv_adjust(engine, &wo, &adjust, NULL, &err));
  adjust.item = id->cup_wh;
  adjust.delta = 5;
  EXPECT(INV_OK, inv_adjust(engine, NULL, &adjust, NULL, &err));
  EXPECT(INV_NOT_FOUND, inv_get(engine, 424242, &level, &err));
  wo.durability = 5;
  EXPECT_INVALID("options.durability", inv_adjust(engine, &wo, &adjust, NULL, &err));
  wo.durability = INV_DURABILITY_BUFFERED;
  EXPECT(INV_OK, inv_adjust(engine, &wo, &adjust, NULL, &err));
  wo.durability = INV_DURABILITY_DEFAULT;
  CHECK(available(engine, id->cup_wh) == 10);

  /* set_on_hand: a count, optionally compare-and-set on the version. */
  EXPECT(INV_OK, inv_get(engine, id->mug_store, &level, &err));
  memset(&count, 0, sizeof count);
  count.item = id->mug_store;
  count.on_hand = 4;
  count.has_expected_version = true;
  count.expected_version = level.version + 7;
  EXPECT(INV_VERSION_CONFLICT, inv_set_on_hand(engine, &wo, &count, NULL, &err));
  count.expected_version = level.version;
  EXPECT(INV_OK, inv_set_on_hand(engine, &wo, &count, &level, &err));
  CHECK(level.on_hand == 4);

  /* set_policy */
  memset(&policy, 0, sizeof policy);
  policy.safety_stock = 1;
  policy.low_stock_threshold = 3;
  EXPECT(INV_OK, inv_set_policy(engine, &wo, id->mug_wh, &policy, NULL, &level, &err));
  CHECK(level.policy.safety_stock == 1);
  policy.safety_stock = -1;
  EXPECT(INV_INVALID_ARGUMENT, inv_set_policy(engine, &wo, id->mug_wh, &policy, NULL, NULL, &err));
  policy.safety_stock = 0;
  EXPECT(INV_OK, inv_set_policy(engine, &wo, id->mug_wh, &policy, &level.version, NULL, &err));
  EXPECT(INV_VERSION_CONFLICT,
         inv_set_policy(engine, &wo, id->mug_wh, &policy, &level.version, NULL, &err));

  /* reserve and confirm (full), with an idempotency key and the audit fields. */
  memset(&reserve, 0, sizeof reserve);
  reserve.item = id->mug_wh;
  reserve.quantity = 2;
  reserve.ttl_ms = 15 * 60 * 1000;
  reserve.reference = "cart-42";
  wo.idempotency_key = "checkout-42";
  wo.actor = "alice";
  wo.request_id = "req-1";
  wo.has_occurred_at = true;
  wo.occurred_at_ms = 1600000000000;
  EXPECT(INV_OK, inv_reserve(engine, &wo, &reserve, &hold, &err));
  EXPECT(INV_OK, inv_reserve(engine, &wo, &reserve, &again, &err)); /* A retry. */
  CHECK(again == hold);
  CHECK(available(engine, id->mug_wh) == 8); /* Held once. */
  reserve.quantity = 3;
  EXPECT(INV_IDEMPOTENCY_MISMATCH, inv_reserve(engine, &wo, &reserve, &again, &err));
  inv_write_options_init(&wo);
  EXPECT(INV_OK, inv_get_reservation(engine, hold, &reservation, &err));
  CHECK(reservation->id == hold);
  CHECK(reservation->state == INV_RESERVATION_ACTIVE);
  CHECK(reservation->line_count == 1);
  CHECK(reservation->lines[0].item == id->mug_wh && reservation->lines[0].quantity == 2);
  CHECK(strcmp(reservation->reference, "cart-42") == 0);
  CHECK(reservation->expires_at_ms - reservation->created_at_ms == 15 * 60 * 1000);
  inv_reservation_destroy(reservation);
  EXPECT(INV_OK, inv_confirm(engine, &wo, hold, &err));
  EXPECT(INV_RESERVATION_NOT_ACTIVE, inv_confirm(engine, &wo, hold, &err));
  EXPECT(INV_NOT_FOUND, inv_confirm(engine, &wo, 777777, &err));
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &level, &err));
  CHECK(level.on_hand == 8 && level.reserved == 0);
  reserve.quantity = 100;
  EXPECT(INV_INSUFFICIENT_STOCK, inv_reserve(engine, &wo, &reserve, &again, &err));
  reserve.quantity = 0;
  EXPECT(INV_INVALID_ARGUMENT, inv_reserve(engine, &wo, &reserve, &again, &err));

  /* A cart of two lines, confirmed in part: the rest is released. */
  lines[0].item = id->mug_wh;
  lines[0].quantity = 3;
  lines[1].item = id->cup_wh;
  lines[1].quantity = 4;
  memset(&cart, 0, sizeof cart);
  cart.lines = lines;
  cart.line_count = 2;
  cart.reference = "cart-43";
  EXPECT(INV_OK, inv_reserve_lines(engine, &wo, &cart, &multi, &err));
  CHECK(available(engine, id->mug_wh) == 5 && available(engine, id->cup_wh) == 6);
  lines[1].quantity = 1000;
  EXPECT(INV_INSUFFICIENT_STOCK, inv_reserve_lines(engine, &wo, &cart, &again, &err));
  cart.line_count = 0;
  EXPECT(INV_INVALID_ARGUMENT, inv_reserve_lines(engine, &wo, &cart, &again, &err));
  lines[0].quantity = 1; /* Confirm 1 of the 3 mugs, 0 cups. */
  lines[1].quantity = 0;
  EXPECT(INV_OK, inv_confirm_partial(engine, &wo, multi, lines, 2, &err));
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &level, &err));
  CHECK(level.on_hand == 7 && level.reserved == 0);
  CHECK(available(engine, id->cup_wh) == 10);
  EXPECT(INV_RESERVATION_NOT_ACTIVE, inv_confirm_partial(engine, &wo, multi, lines, 1, &err));

  /* release and extend */
  reserve.quantity = 1;
  reserve.ttl_ms = 2000;
  EXPECT(INV_OK, inv_reserve(engine, &wo, &reserve, &hold, &err));
  EXPECT(INV_OK, inv_extend(engine, &wo, hold, 60000, &expires_at, &err));
  CHECK(expires_at == manual_now(NULL) + 60000);
  EXPECT(INV_INVALID_ARGUMENT, inv_extend(engine, &wo, hold, 1, NULL, &err)); /* < ttl_min */
  EXPECT(INV_OK, inv_release(engine, &wo, hold, &err));
  EXPECT(INV_RESERVATION_NOT_ACTIVE, inv_release(engine, &wo, hold, &err));
  EXPECT(INV_RESERVATION_NOT_ACTIVE, inv_extend(engine, &wo, hold, 0, NULL, &err));
  EXPECT(INV_OK, inv_get_reservation(engine, hold, &reservation, &err));
  CHECK(reservation->state == INV_RESERVATION_RELEASED);
  inv_reservation_destroy(reservation);
  EXPECT(INV_NOT_FOUND, inv_get_reservation(engine, 888888, &reservation, &err));

  /* Expiry by the manual clock. */
  EXPECT(INV_OK, inv_reserve(engine, &wo, &reserve, &temporary, &err));
  EXPECT(INV_OK, inv_expire_due(engine, &expired, &err));
  CHECK(expired == 0);
  advance_clock(3000);
  EXPECT(INV_OK, inv_expire_due(engine, &expired, &err));
  CHECK(expired == 1);
  EXPECT(INV_OK, inv_expire_due(engine, NULL, &err));
  EXPECT(INV_RESERVATION_NOT_ACTIVE, inv_confirm(engine, &wo, temporary, &err));
  CHECK(available(engine, id->mug_wh) == 7);

  /* transfer between two items of one product */
  memset(&transfer, 0, sizeof transfer);
  transfer.from = id->mug_wh;
  transfer.to = id->mug_store;
  transfer.quantity = 2;
  transfer.reason = "replenish store";
  EXPECT(INV_OK, inv_transfer(engine, &wo, &transfer, &from, &to, &err));
  CHECK(from.on_hand == 5 && to.on_hand == 6);
  EXPECT(INV_OK, inv_transfer(engine, &wo, &transfer, NULL, NULL, &err));
  transfer.to = id->cup_wh; /* Another product. */
  EXPECT(INV_INVALID_ARGUMENT, inv_transfer(engine, &wo, &transfer, NULL, NULL, &err));
  transfer.to = id->mug_store;
  transfer.quantity = 1000;
  EXPECT(INV_INSUFFICIENT_STOCK, inv_transfer(engine, &wo, &transfer, NULL, NULL, &err));
  CHECK(available(engine, id->mug_wh) == 3 && available(engine, id->mug_store) == 8);

  EXPECT(INV_OK, inv_check_invariants(engine, &err));
  EXPECT(INV_OK, inv_sync(engine, &err));
  EXPECT(INV_OK, inv_checkpoint(engine, &err));
}

static void test_batches(inv_engine* engine, const ids* id) {
  inv_batch* batch = NULL;
  inv_batch_result* result = NULL;
  inv_adjust_request adjust;
  inv_set_on_hand_request count;
  inv_reserve_request reserve;
  inv_reserve_lines_request cart;
  inv_reserve_line lines[2];
  inv_transfer_request transfer;
  inv_item_policy policy;
  inv_stock_level before, after;
  uint64_t r1 = 0, r2 = 0, r3 = 0, r4 = 0;
  int32_t failed_index = 99;

  /* Stock both warehouse items to 20 first. */
  memset(&count, 0, sizeof count);
  count.item = id->mug_wh;
  count.on_hand = 20;
  EXPECT(INV_OK, inv_set_on_hand(engine, NULL, &count, NULL, &err));
  count.item = id->cup_wh;
  EXPECT(INV_OK, inv_set_on_hand(engine, NULL, &count, NULL, &err));

  memset(&reserve, 0, sizeof reserve);
  reserve.item = id->mug_wh;
  reserve.quantity = 2;
  EXPECT(INV_OK, inv_reserve(engine, NULL, &reserve, &r1, &err));
  EXPECT(INV_OK, inv_reserve(engine, NULL, &reserve, &r2, &err));
  EXPECT(INV_OK, inv_reserve(engine, NULL, &reserve, &r3, &err));
  EXPECT(INV_OK, inv_reserve(engine, NULL, &reserve, &r4, &err));

  EXPECT(INV_OK, inv_batch_create(&batch, &err));
  CHECK(batch != NULL && inv_batch_size(batch) == 0);
  EXPECT(INV_INVALID_ARGUMENT, inv_batch_apply(engine, NULL, batch, INV_BATCH_ALL_OR_NOTHING,
                                               &result, NULL, &err)); /* Empty. */

  /* One of every kind, all or nothing. */
  memset(&adjust, 0, sizeof adjust);
  adjust.item = id->cup_wh;
  adjust.delta = 5;
  EXPECT(INV_OK, inv_batch_adjust(batch, &adjust, &err)); /* 0 */
  count.item = id->mug_store;
  count.on_hand = 9;
  EXPECT(INV_OK, inv_batch_set_on_hand(batch, &count, &err)); /* 1 */
  memset(&policy, 0, sizeof policy);
  policy.low_stock_threshold = 2;
  EXPECT(INV_OK, inv_batch_set_policy(batch, id->mug_store, &policy, NULL, &err)); /* 2 */
  reserve.item = id->cup_wh;
  reserve.quantity = 1;
  reserve.ttl_ms = 60000;
  EXPECT(INV_OK, inv_batch_reserve(batch, &reserve, &err)); /* 3 */
  lines[0].item = id->mug_wh;
  lines[0].quantity = 1;
  lines[1].item = id->cup_wh;
  lines[1].quantity = 1;
  memset(&cart, 0, sizeof cart);
  cart.lines = lines;
  cart.line_count = 2;
  EXPECT(INV_OK, inv_batch_reserve_lines(batch, &cart, &err)); /* 4 */
  EXPECT(INV_OK, inv_batch_confirm(batch, r1, &err));          /* 5 */
  lines[0].quantity = 1;
  EXPECT(INV_OK, inv_batch_confirm_partial(batch, r2, lines, 1, &err)); /* 6 */
  EXPECT(INV_OK, inv_batch_release(batch, r3, &err));                   /* 7 */
  EXPECT(INV_OK, inv_batch_extend(batch, r4, 120000, &err));            /* 8 */
  memset(&transfer, 0, sizeof transfer);
  transfer.from = id->mug_wh;
  transfer.to = id->mug_store;
  transfer.quantity = 1;
  EXPECT(INV_OK, inv_batch_transfer(batch, &transfer, &err)); /* 9 */
  cart.lines = NULL;
  EXPECT_INVALID("lines", inv_batch_reserve_lines(batch, &cart, &err));
  CHECK(inv_batch_size(batch) == 10);
  EXPECT_INVALID("policy", inv_batch_apply(engine, NULL, batch, 5, &result, NULL, &err));

  EXPECT(INV_OK, inv_batch_apply(engine, NULL, batch, INV_BATCH_ALL_OR_NOTHING, &result,
                                 &failed_index, &err));
  CHECK(failed_index == 99); /* Untouched on success. */
  CHECK(result != NULL && result->count == 10);
  if (result != NULL && result->count == 10) {
    size_t i;
    for (i = 0; i < result->count; ++i) {
      CHECK(result->results[i].code == INV_OK);
      CHECK(strcmp(result->results[i].message, "ok") == 0);
    }
    CHECK(result->results[0].level_count == 1 && result->results[0].levels[0].on_hand == 25);
    CHECK(result->results[1].levels[0].on_hand == 9);
    CHECK(result->results[2].levels[0].policy.low_stock_threshold == 2);
    CHECK(result->results[3].reservation != 0 && result->results[3].expires_at_ms != 0);
    CHECK(result->results[4].reservation != 0);
    CHECK(result->results[5].level_count == 0);
    CHECK(result->results[8].expires_at_ms == manual_now(NULL) + 120000);
    CHECK(result->results[9].level_count == 2);
    CHECK(result->results[9].levels[1].item == id->mug_store);
    CHECK(result->results[9].levels[1].on_hand == 10);
  }
  inv_batch_result_destroy(result);
  result = NULL;
  /* mug_wh: 20 - 2 (r1) - 1 (r2 part) - 1 (transfer) = 16 on hand; held: cart 1 + r4 2. */
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &after, &err));
  CHECK(after.on_hand == 16 && after.reserved == 3);

  /* A failing all-or-nothing batch applies nothing and names the operation. */
  EXPECT(INV_OK, inv_batch_clear(batch, &err));
  CHECK(inv_batch_size(batch) == 0);
  adjust.item = id->mug_wh;
  adjust.delta = 1;
  EXPECT(INV_OK, inv_batch_adjust(batch, &adjust, &err));
  reserve.item = id->mug_wh;
  reserve.quantity = 1000;
  reserve.ttl_ms = 0;
  EXPECT(INV_OK, inv_batch_reserve(batch, &reserve, &err));
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &before, &err));
  EXPECT(INV_INSUFFICIENT_STOCK, inv_batch_apply(engine, NULL, batch, INV_BATCH_ALL_OR_NOTHING,
                                                 &result, &failed_index, &err));
  CHECK(failed_index == 1);
  CHECK(result == NULL);
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &after, &err));
  CHECK(after.on_hand == before.on_hand && after.version == before.version);

  /* The same batch per operation: the first applies, the second fails on its own. */
  EXPECT(INV_OK,
         inv_batch_apply(engine, NULL, batch, INV_BATCH_PER_OPERATION, &result, NULL, &err));
  CHECK(result != NULL && result->count == 2);
  if (result != NULL && result->count == 2) {
    CHECK(result->results[0].code == INV_OK);
    CHECK(result->results[1].code == INV_INSUFFICIENT_STOCK);
    CHECK(strstr(result->results[1].message, "insufficient_stock") != NULL);
    CHECK(result->results[1].level_count == 0 && result->results[1].reservation == 0);
  }
  inv_batch_result_destroy(result);
  EXPECT(INV_OK, inv_batch_apply(engine, NULL, batch, INV_BATCH_PER_OPERATION, NULL, NULL, &err));
  EXPECT(INV_OK, inv_get(engine, id->mug_wh, &after, &err));
  CHECK(after.on_hand == before.on_hand + 2);
  inv_batch_destroy(batch);
  EXPECT(INV_OK, inv_check_invariants(engine, &err));
}

static void test_feed(inv_engine* engine, const ids* id, uint64_t* head_out) {
  inv_event_page* page = NULL;
  inv_event_filter filter;
  inv_history_request history;
  inv_explanation* explanation = NULL;
  int32_t types[1];
  const char* locations[1];
  char* text = NULL;
  size_t i;
  int saw_alice = 0;
  uint64_t after = 0, head = 0;

  EXPECT(INV_OK, inv_sync(engine, &err));
  EXPECT(INV_OK, inv_changes_since(engine, 0, 1000, NULL, &page, &err));
  CHECK(page != NULL && page->count > 20);
  if (page != NULL) {
    for (i = 0; i < page->count; ++i) {
      const inv_event* e = &page->events[i];
      CHECK(e->sequence == i + 1);
      CHECK(e->product_id != NULL && e->reason != NULL && e->actor != NULL);
      if (e->type == INV_EVENT_RESERVATION_RESERVED && strcmp(e->actor, "alice") == 0) {
        saw_alice = 1;
        CHECK(strcmp(e->request_id, "req-1") == 0);
        CHECK(e->occurred_at_ms == 1600000000000);
        CHECK(e->reservation != 0 && e->item == id->mug_wh);
        CHECK(e->before.available - e->after.available == 2);
        CHECK(strcmp(e->reference, "cart-42") == 0);
      }
    }
    head = page->head;
    CHECK(page->next_after == page->events[page->count - 1].sequence);
    CHECK(page->trimmed_through == 0);
  }
  CHECK(saw_alice);
  inv_event_page_destroy(page);
  page = NULL;

  /* Paging and filters. */
  EXPECT(INV_OK, inv_changes_since(engine, 0, 5, NULL, &page, &err));
  CHECK(page->count == 5 && page->next_after == 5);
  after = page->next_after;
  inv_event_page_destroy(page);
  EXPECT(INV_OK, inv_changes_since(engine, after, 5, NULL, &page, &err));
  CHECK(page->count == 5 && page->events[0].sequence == 6);
  inv_event_page_destroy(page);
  memset(&filter, 0, sizeof filter);
  types[0] = INV_EVENT_RESERVATION_EXPIRED;
  filter.types = types;
  filter.type_count = 1;
  EXPECT(INV_OK, inv_changes_since(engine, 0, 1000, &filter, &page, &err));
  CHECK(page->count == 1 && page->events[0].type == INV_EVENT_RESERVATION_EXPIRED);
  inv_event_page_destroy(page);
  locations[0] = "store-1";
  filter.type_count = 0;
  filter.location_ids = locations;
  filter.location_id_count = 1;
  EXPECT(INV_OK, inv_changes_since(engine, 0, 1000, &filter, &page, &err));
  CHECK(page->count > 0);
  for (i = 0; i < page->count; ++i) {
    CHECK(strcmp(page->events[i].location_id, "store-1") == 0);
  }
  inv_event_page_destroy(page);
  page = NULL;
  types[0] = 99;
  filter.type_count = 1;
  EXPECT_INVALID("filter.types[0]", inv_changes_since(engine, 0, 10, &filter, &page, &err));
  filter.types = NULL;
  EXPECT_INVALID("filter.types", inv_changes_since(engine, 0, 10, &filter, &page, &err));
  EXPECT(INV_INVALID_ARGUMENT, inv_changes_since(engine, 0, 0, NULL, &page, &err));
  CHECK(page == NULL);

  /* History: the audit trail of one item. */
  inv_history_request_init(&history);
  history.item = id->mug_store;
  EXPECT(INV_OK, inv_history(engine, &history, &page, &err));
  CHECK(page->count >= 3);
  for (i = 0; i < page->count; ++i) CHECK(page->events[i].item == id->mug_store);
  if (page->count > 0) CHECK(page->next_after == page->events[page->count - 1].sequence);
  inv_event_page_destroy(page);
  history.limit = 0;
  EXPECT(INV_INVALID_ARGUMENT, inv_history(engine, &history, &page, &err));

  /* Explain */
  EXPECT(INV_OK, inv_explain(engine, id->mug_wh, &explanation, &err));
  CHECK(explanation->level.item == id->mug_wh);
  CHECK(explanation->hold_count == 2); /* The cart line and r4. */
  CHECK(explanation->held == explanation->level.reserved);
  CHECK(explanation->summary != NULL && explanation->summary[0] != '\0');
  if (explanation->hold_count > 0) CHECK(explanation->holds[0].reservation != 0);
  inv_explanation_destroy(explanation);
  explanation = NULL;
  EXPECT(INV_NOT_FOUND, inv_explain(engine, 31337, &explanation, &err));
  CHECK(explanation == NULL);

  /* Metrics */
  EXPECT(INV_OK, inv_metrics_prometheus(engine, &text, &err));
  CHECK(text != NULL && strstr(text, "inventory_operations_total") != NULL);
  CHECK(text != NULL && strstr(text, "# TYPE inventory_journal_sync_seconds histogram") != NULL);
  inv_free(text);
  *head_out = head;
}

static void test_observer(inv_engine* engine, const ids* id, uint64_t head) {
  recorder* r = recorder_new();
  recorder* second = recorder_new();
  inv_observer observer = recorder_vtable(r);
  inv_observer duplicate = recorder_vtable(second);
  inv_subscribe_options options;
  inv_subscription* subscription = NULL;
  inv_subscription* other = NULL;
  inv_adjust_request adjust;
  int waited;
  int done = 0;

  inv_subscribe_options_init(&options);
  options.has_after = true;
  options.after = 0;
  options.cursor = "c-test";
  options.max_batch = 7;
  EXPECT(INV_OK, inv_subscribe(engine, &observer, &options, &subscription, &err));
  CHECK(subscription != NULL);
  EXPECT(INV_ALREADY_EXISTS, inv_subscribe(engine, &duplicate, &options, &other, &err));
  CHECK(other == NULL);
  options.cursor = "bad cursor!";
  EXPECT(INV_INVALID_ARGUMENT, inv_subscribe(engine, &duplicate, &options, &other, &err));
  recorder_destroy(second); /* Both failed: still ours. */
  CHECK(destroyed_count() == 1);

  /* One more change after subscribing, then wait (bounded) for everything to arrive. */
  memset(&adjust, 0, sizeof adjust);
  adjust.item = id->mug_wh;
  adjust.delta = 1;
  EXPECT(INV_OK, inv_adjust(engine, NULL, &adjust, NULL, &err));
  for (waited = 0; waited < 10000 && !done; waited += 5) {
    pthread_mutex_lock(&r->mutex);
    done = r->last_sequence > head;
    pthread_mutex_unlock(&r->mutex);
    if (!done) sleep_ms(5);
  }
  CHECK(done);
  pthread_mutex_lock(&r->mutex);
  CHECK(!r->out_of_order);
  CHECK(r->saw_mug);
  CHECK(r->events >= head + 1);
  CHECK(r->batches >= r->events / 7);
  pthread_mutex_unlock(&r->mutex);
  for (waited = 0; waited < 10000 && inv_subscription_cursor(subscription) <= head; waited += 5) {
    sleep_ms(5);
  }
  CHECK(inv_subscription_cursor(subscription) > head);
  EXPECT(INV_FAILED_PRECONDITION, inv_drop_cursor(engine, "c-test", &err)); /* Still live. */
  inv_subscription_destroy(subscription);
  EXPECT(INV_INVALID_ARGUMENT, inv_drop_cursor(engine, "bad cursor!", &err));
  EXPECT(INV_NOT_FOUND, inv_drop_cursor(engine, "c-never", &err));
  /* A stored cursor the test drops: it exists until then, and only once. */
  options.cursor = "c-dropped";
  other = NULL;
  observer = recorder_vtable(recorder_new());
  EXPECT(INV_OK, inv_subscribe(engine, &observer, &options, &other, &err));
  inv_subscription_destroy(other);
  EXPECT(INV_OK, inv_drop_cursor(engine, "c-dropped", &err));
  EXPECT(INV_NOT_FOUND, inv_drop_cursor(engine, "c-dropped", &err));
  /* The state is released at or after inv_subscription_destroy; inv_close checks the rest. */
}

int main(void) {
  char dir_template[] = "/tmp/inventory-c-api-XXXXXX";
  char data[4200];
  const char* dir = mkdtemp(dir_template);
  inv_options options;
  inv_engine* engine = NULL;
  inv_verify_report report;
  inv_stock_level level;
  ids id;
  uint64_t head = 0;

  if (dir == NULL) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(data, sizeof data, "%s/data", dir);
  memset(&id, 0, sizeof id);

  test_names_and_null_handles();
  test_open_errors(dir);
  test_in_memory();

  inv_options_init(&options);
  options.expiry_interval_ms = 0; /* The test calls inv_expire_due. */
  options.clock_now_ms = manual_now;
  options.limits.items_max = 1024;
  options.limits.reservations_max = 1024;
  EXPECT(INV_OK, inv_open(&options, data, &engine, &err));
  if (engine == NULL) return 1;
  test_null_arguments(engine);
  test_catalog(engine, &id);
  test_stock(engine, &id);
  test_batches(engine, &id);
  test_feed(engine, &id, &head);
  test_observer(engine, &id, head);
  EXPECT(INV_OK, inv_get(engine, id.mug_wh, &level, &err));
  inv_close(engine);
  engine = NULL;
  CHECK(destroyed_count() == 3); /* The two subscribed recorders, each exactly once. */

  /* error_if_exists refuses an existing directory; verify, then reopen it. */
  options.error_if_exists = true;
  EXPECT(INV_ALREADY_EXISTS, inv_open(&options, data, &engine, &err));
  options.error_if_exists = false;
  EXPECT(INV_OK, inv_verify(&options, data, &report, &err));
  CHECK(report.items == 3);
  CHECK(report.reservations_active == 3);
  CHECK(report.last_sequence > head);
  CHECK(strlen(report.chain_head) == 64);
  EXPECT(INV_OK, inv_open(&options, data, &engine, &err));
  if (engine != NULL) {
    inv_stock_level reopened;
    EXPECT(INV_OK, inv_get(engine, id.mug_wh, &reopened, &err));
    CHECK(reopened.on_hand == level.on_hand && reopened.reserved == level.reserved);
    CHECK(reopened.version == level.version);
    /* Removing a location with stock needs force. */
    EXPECT(INV_FAILED_PRECONDITION, inv_remove_location(engine, NULL, "store-1", false, &err));
    EXPECT(INV_FAILED_PRECONDITION, inv_remove_item(engine, NULL, id.mug_store, false, &err));
    EXPECT(INV_OK, inv_remove_item(engine, NULL, id.mug_store, true, &err));
    EXPECT(INV_NOT_FOUND, inv_remove_item(engine, NULL, id.mug_store, true, &err));
    EXPECT(INV_OK, inv_remove_location(engine, NULL, "store-1", true, &err));
    EXPECT(INV_OK, inv_check_invariants(engine, &err));
    inv_close(engine);
  }

  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures != 0) {
    fprintf(stderr, "c_api_test: %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("c_api_test: all %d checks passed\n", checks);
  return 0;
}
