// RSS per item and per active reservation of an in-memory engine: the figures of docs/firmware.md
// (the commands are there). Not built by CMake.
#include <cstdio>
#include <string>

#include "inventory/engine.h"

#include <unistd.h>
using namespace inventory;

static long rss_kib() {  // Resident set size, from /proc/self/statm (pages).
  long size = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr || std::fscanf(f, "%ld %ld", &size, &resident) != 2) return -1;
  std::fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main() {
  constexpr int kLocations = 100, kProducts = 1000, kReservations = 100000;
  Options options;
  options.durability = Durability::none;
  options.limits.items_max = 1'000'000;
  const long before_open = rss_kib();
  auto engine = Engine::open(options, "").value();
  const long opened = rss_kib();
  std::string id;
  for (int l = 0; l < kLocations; ++l) {
    id = "loc-" + std::to_string(l);
    if (!engine->upsert_location({}, {.location = {.id = id, .name = id}}).ok()) return 1;
  }
  for (int p = 0; p < kProducts; ++p) {
    id = "prod-" + std::to_string(p);
    if (!engine->upsert_product({}, {.product = {.id = id, .sku = id, .name = id}}).ok()) return 1;
  }
  std::vector<ItemId> items(kProducts * kLocations);  // Touched before the baseline.
  items.clear();
  const long catalog = rss_kib();
  std::string product, location;
  for (int p = 0; p < kProducts; ++p) {
    for (int l = 0; l < kLocations; ++l) {
      product = "prod-" + std::to_string(p);
      location = "loc-" + std::to_string(l);
      auto info = engine->upsert_item({}, {.product_id = product, .location_id = location});
      if (!info.ok()) return 1;
      items.push_back(info->level.item);
      if (!engine->adjust({}, {.item = items.back(), .delta = Quantity{10}, .reason = "stock"})
               .ok())
        return 1;
    }
  }
  const long with_items = rss_kib();
  for (int r = 0; r < kReservations; ++r) {
    if (!engine
             ->reserve({}, ReserveRequest{.item = items[static_cast<std::size_t>(r)],
                                          .quantity = Quantity{1}})
             .ok())
      return 1;
  }
  const long with_reservations = rss_kib();
  const double items_n = static_cast<double>(items.size());
  std::printf(
      "rss KiB: start %ld, open (items_max 1e6) %ld, +%d locations +%d products %ld, "
      "+%zu items %ld, +%d reservations %ld\n",
      before_open, opened, kLocations, kProducts, catalog, items.size(), with_items, kReservations,
      with_reservations);
  std::printf(
      "open: %ld KiB; per item (catalog entry + slot + stock): %.0f bytes; "
      "per active reservation: %.0f bytes\n",
      opened - before_open, (with_items - catalog) * 1024.0 / items_n,
      (with_reservations - with_items) * 1024.0 / kReservations);
  return 0;
}
