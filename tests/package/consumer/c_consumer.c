/* Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
 *
 * Package consumer for the C API (inventory::c): the quickstart path in C99, built against an
 * installed or vendored inventory. Exits 0 on success. */
#include "inventory/c.h"

#include <stdio.h>
#include <string.h>

static int fail(const char* step, char* message) {
  fprintf(stderr, "c_consumer: %s failed: %s\n", step, message != NULL ? message : "?");
  inv_free(message);
  return 1;
}

int main(void) {
  inv_options options;
  inv_engine* engine = NULL;
  inv_location location = {0};
  inv_product product = {0};
  inv_adjust_request restock = {0};
  inv_reserve_request request = {0};
  inv_stock_level level;
  uint64_t hold = 0;
  char* err = NULL;
  int ok;

  inv_options_init(&options);
  options.durability = INV_DURABILITY_NONE;
  if (inv_open(&options, "", &engine, &err) != INV_OK) return fail("open", err);
  location.id = "wh-1";
  location.name = "Main warehouse";
  product.id = "p-1";
  product.sku = "MUG-RED";
  product.name = "Red mug";
  if (inv_upsert_location(engine, NULL, &location, 0, NULL, NULL, &err) != INV_OK ||
      inv_upsert_product(engine, NULL, &product, 0, NULL, NULL, &err) != INV_OK ||
      inv_upsert_item(engine, NULL, "p-1", "wh-1", NULL, NULL, &level, &err) != INV_OK) {
    inv_close(engine);
    return fail("catalog", err);
  }
  restock.item = level.item;
  restock.delta = 10;
  request.item = level.item;
  request.quantity = 2;
  if (inv_adjust(engine, NULL, &restock, NULL, &err) != INV_OK ||
      inv_reserve(engine, NULL, &request, &hold, &err) != INV_OK ||
      inv_confirm(engine, NULL, hold, &err) != INV_OK ||
      inv_get(engine, request.item, &level, &err) != INV_OK) {
    inv_close(engine);
    return fail("stock", err);
  }
  inv_close(engine);
  ok = level.on_hand == 8 && level.reserved == 0 && strcmp(inv_version(), "") != 0;
  printf("c_consumer: inventory %s %s (on_hand %lld)\n", inv_version(), ok ? "ok" : "WRONG",
         (long long)level.on_hand);
  return ok ? 0 : 1;
}
