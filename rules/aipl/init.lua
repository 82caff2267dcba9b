-- AIPL stage of one customer row (docs/model.md section 8):
--   L loyal:      bought in the window and repurchased (orders >= repurchase_orders), or
--                 member level >= loyal_level, or left a positive review or a share
--   P purchased:  bought in the window (last order at most window_days ago)
--   I interested: no purchase in the window, but visits, favourites, carts or follows
--   A aware:      everyone else: exposed only, and lapsed buyers (last order before the
--                 window, not engaged since)
-- Columns read: recency_days, orders, member_level, reviews, shares, visits_30d, favorites,
-- carts, follows. An empty field is nil and counts as none; so does text where a number
-- belongs (n/a, -, N/A, 空: what shop back-ends export for "no value").
local M = {}

-- The number in a field, or nil for an empty field or text.
local function num(v)
  if math.type(v) then return v end
  return nil
end

local function engaged(row)
  return (num(row.visits_30d) or 0) > 0 or (num(row.favorites) or 0) > 0
      or (num(row.carts) or 0) > 0 or (num(row.follows) or 0) > 0
end

function M.stage(row, params)
  local recency = num(row.recency_days)
  local bought = recency ~= nil and recency <= params.window_days
  if (bought and (num(row.orders) or 0) >= params.repurchase_orders)
      or (num(row.member_level) or 0) >= params.loyal_level
      or (num(row.reviews) or 0) > 0 or (num(row.shares) or 0) > 0 then
    return "L"
  end
  if bought then return "P" end
  if engaged(row) then return "I" end
  return "A"
end

return M
