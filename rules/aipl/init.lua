-- AIPL stage of one customer row (model.md section 8):
--   L loyal:      bought in the window and repurchased (orders >= repurchase_orders), or
--                 member level >= loyal_level, or left a positive review or a share
--   P purchased:  bought in the window (last order at most window_days ago)
--   I interested: no purchase in the window, but visits, favourites, carts or follows
--   A aware:      exposed only
-- Columns read: recency_days, orders, member_level, reviews, shares, visits_30d, favorites,
-- carts, follows. An empty field is nil and counts as none.
local M = {}

local function engaged(row)
  return (row.visits_30d or 0) > 0 or (row.favorites or 0) > 0
      or (row.carts or 0) > 0 or (row.follows or 0) > 0
end

function M.stage(row, params)
  local recency = row.recency_days
  local bought = recency ~= nil and recency <= params.window_days
  if (bought and (row.orders or 0) >= params.repurchase_orders)
      or (row.member_level or 0) >= params.loyal_level
      or (row.reviews or 0) > 0 or (row.shares or 0) > 0 then
    return "L"
  end
  if bought then return "P" end
  if engaged(row) then return "I" end
  return "A"
end

return M
