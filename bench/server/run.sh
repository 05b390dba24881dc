#!/usr/bin/env bash
# inventory-server under wrk on loopback: GET one item, POST adjust, POST reservation, with the
# server's default sync durability (every acknowledged change fsynced). The client and the
# server share the machine's cores, as they would on one host.
#
# Usage: bench/server/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#   defaults: build/release, 10 s, 64 connections; data in /tmp/inv-bench/server (a real disk:
#   /dev/shm would make fsync free).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-10}
connections=${3:-64}
threads=$(nproc)
data=/tmp/inv-bench/server
key=bench-admin-key-0123456789abcdef
items=100
command -v wrk > /dev/null || { echo "wrk is not installed (cmake/install_deps.sh --tests)"; exit 1; }
rm -rf "$data"
mkdir -p "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/examples/server/inventory-server" --data "$data" --listen "127.0.0.1:$port" \
  --bootstrap-admin-key "$key" --rate-limit 0 --no-access-log > "$data.out" 2> "$data.err" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$data.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"
auth="Authorization: Bearer $key"
json="Content-Type: application/json"
curl -sf -H "$auth" -H "$json" -d '{"locationId":"wh-1","name":"Main"}' "$url/v1/locations" > /dev/null
for i in $(seq 0 $((items - 1))); do
  curl -sf -H "$auth" -H "$json" -d "{\"productId\":\"p-$i\",\"sku\":\"SKU-$i\",\"name\":\"P $i\"}" \
    "$url/v1/products" > /dev/null
  curl -sf -H "$auth" -H "$json" \
    -d "{\"productId\":\"p-$i\",\"locationId\":\"wh-1\",\"adjustment\":1000000000,\"reason\":\"seed\"}" \
    "$url/v1/inventory" > /dev/null
done
item=$(curl -sf -H "$auth" "$url/v1/inventory?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["inventoryId"])')
export INVENTORY_KEY=$key INVENTORY_ITEMS=$items
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "wrk -t$threads -c$connections -d${seconds}s, server --threads $(nproc), durability sync"
for case in "GET /v1/inventory/{id}|get_item.lua|/v1/inventory/$item" \
            "POST /v1/inventory (adjust)|adjust.lua|/" \
            "POST /v1/reservations|reserve.lua|/"; do
  IFS='|' read -r name script path <<< "$case"
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "bench/server/$script" "$url$path")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr "\n" " " || true)
  printf '%-32s %10s req/s  p50 %-8s p99 %-8s %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
done
curl -sf "$url/metrics" | grep -E '^inventory_journal_sync|^inventory_http_requests_total' | head -20 > "$data.metrics" || true
