-- AIPL stage per customer with plain lua5.4: read lines, split, tonumber, the same rule and
-- per-label count, sums and non-empty counts of every numeric column as mplan segment.
-- usage: lua5.4 aipl.lua FILE   (the benchmark file has no quoted fields)
local params = {window_days = 365, repurchase_orders = 2, loyal_level = 3}

local function stage(row, p)
  local recency = row.recency_days
  local bought = recency ~= nil and recency <= p.window_days
  if (bought and (row.orders or 0) >= p.repurchase_orders)
      or (row.member_level or 0) >= p.loyal_level
      or (row.reviews or 0) > 0 or (row.shares or 0) > 0 then
    return "L"
  end
  if bought then return "P" end
  if (row.visits_30d or 0) > 0 or (row.favorites or 0) > 0
      or (row.carts or 0) > 0 or (row.follows or 0) > 0 then return "I" end
  return "A"
end

local lines = io.lines(arg[1])
local names = {}
for name in lines():gmatch("[^,]+") do names[#names + 1] = name end
local numeric = {}
for _, n in ipairs({"recency_days", "orders", "gmv", "visits_30d", "favorites", "carts",
                    "follows", "member_level", "reviews", "shares"}) do numeric[n] = true end
local count, sum, n = {}, {}, {}
local row = {}
for line in lines do
  local i = 1
  for field in (line .. ","):gmatch("([^,]*),") do
    local name = names[i]
    if field == "" then row[name] = nil
    elseif numeric[name] then row[name] = tonumber(field)
    else row[name] = field end
    i = i + 1
  end
  local l = stage(row, params)
  if not count[l] then count[l], sum[l], n[l] = 0, {}, {} end
  count[l] = count[l] + 1
  local s, c = sum[l], n[l]
  for name in pairs(numeric) do
    local v = row[name]
    if v then s[name] = (s[name] or 0) + v; c[name] = (c[name] or 0) + 1 end
  end
end
for l, k in pairs(count) do
  local out = {l, k}
  for _, name in ipairs(names) do
    if numeric[name] then
      out[#out + 1] = string.format("%.17g", sum[l][name] or 0)
      out[#out + 1] = n[l][name] or 0
    end
  end
  print(table.concat(out, ","))
end
