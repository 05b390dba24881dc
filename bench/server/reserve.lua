-- wrk: POST /v1/reservations of 1 unit of one of ITEMS products at wh-1, expiring after 2 s
-- (so that active reservations stay well under the engine's limit).
local items = tonumber(os.getenv("INVENTORY_ITEMS") or "100")
local counter = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("INVENTORY_KEY")
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"lines":[{"productId":"p-%d","locationId":"wh-1","quantity":1}],"ttlSeconds":2}',
    counter % items)
  return wrk.format(nil, "/v1/reservations", nil, body)
end
