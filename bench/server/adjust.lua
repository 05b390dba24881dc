-- wrk: POST /v1/inventory, +1 on one of ITEMS products at wh-1 (sync durability by default).
local items = tonumber(os.getenv("INVENTORY_ITEMS") or "100")
local counter = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("INVENTORY_KEY")
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"productId":"p-%d","locationId":"wh-1","adjustment":1,"reason":"bench"}', counter % items)
  return wrk.format(nil, "/v1/inventory", nil, body)
end
