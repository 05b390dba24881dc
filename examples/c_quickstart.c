/* Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
 *
 * Quickstart in C (the C API, inventory/c.h): open an engine, stock one item, hold two units
 * for a cart, confirm the sale. The same steps as quickstart.cc. */
#include "inventory/c.h"

#include <stdio.h>

/* Prints the failed step and its message; returns 1 for main. */
static int fail(const char* step, int32_t code, char* message) {
  fprintf(stderr, "%s: %s\n", step, message != NULL ? message : inv_status_name(code));
  inv_free(message);
  return 1;
}

int main(void) {
  inv_options options;
  inv_engine* engine = NULL;
  inv_location location = {0};
  inv_product product = {0};
  inv_adjust_request restock = {0};
  inv_reserve_request hold_request = {0};
  inv_stock_level level;
  uint64_t mug = 0;
  uint64_t hold = 0;
  char* err = NULL;
  int32_t code;

  inv_options_init(&options);
  options.durability = INV_DURABILITY_NONE; /* In memory; pass a directory to journal. */
  if ((code = inv_open(&options, "", &engine, &err)) != INV_OK) return fail("open", code, err);

  location.id = "wh-1";
  location.name = "Main warehouse";
  product.id = "p-1";
  product.sku = "MUG-RED";
  product.name = "Red mug";
  product.price_amount_minor = 1299;
  product.price_currency = "EUR";
  (void)inv_upsert_location(engine, NULL, &location, INV_UPSERT_CREATE_OR_REPLACE, NULL, NULL,
                            NULL);
  (void)inv_upsert_product(engine, NULL, &product, INV_UPSERT_CREATE_OR_REPLACE, NULL, NULL, NULL);
  (void)inv_upsert_item(engine, NULL, "p-1", "wh-1", NULL, NULL, &level, NULL);
  mug = level.item;
  restock.item = mug;
  restock.delta = 10;
  restock.reason = "restock";
  (void)inv_adjust(engine, NULL, &restock, NULL, NULL);

  hold_request.item = mug;
  hold_request.quantity = 2;
  hold_request.ttl_ms = 15 * 60 * 1000;
  hold_request.reference = "cart-42";
  if ((code = inv_reserve(engine, NULL, &hold_request, &hold, &err)) != INV_OK) {
    inv_close(engine);
    return fail("reserve", code, err); /* e.g. insufficient_stock: the message says why. */
  }
  if ((code = inv_confirm(engine, NULL, hold, &err)) != INV_OK) {
    inv_close(engine);
    return fail("confirm", code, err);
  }
  if ((code = inv_get(engine, mug, &level, &err)) != INV_OK) {
    inv_close(engine);
    return fail("get", code, err);
  }
  printf("on_hand %lld, reserved %lld, available %lld\n", (long long)level.on_hand,
         (long long)level.reserved, (long long)level.available);
  inv_close(engine);
  return level.on_hand == 8 ? 0 : 1;
}
