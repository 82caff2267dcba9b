-- aipl: every stage and every way into L, worked out by hand with the default params
-- (window_days 365, repurchase_orders 2, loyal_level 3).
local aipl = require("init")
local p = test.params()
local function stage(row) return aipl.stage(row, p) end

-- Exposed only: A. Empty fields arrive as nil.
assert(stage({}) == "A")
assert(stage({visits_30d = 0, favorites = 0, carts = 0, follows = 0}) == "A")
-- Any engagement without a purchase in the window: I.
assert(stage({visits_30d = 3}) == "I")
assert(stage({favorites = 1}) == "I")
assert(stage({carts = 2}) == "I")
assert(stage({follows = 1}) == "I")
-- Bought once 30 days ago: P. Bought once 366 days ago: outside the window, so I or A.
assert(stage({recency_days = 30, orders = 1}) == "P")
assert(stage({recency_days = 365, orders = 1}) == "P")
assert(stage({recency_days = 366, orders = 1, visits_30d = 1}) == "I")
assert(stage({recency_days = 366, orders = 5}) == "A")
-- L: repurchased in the window, member level >= 3, or a review or a share.
assert(stage({recency_days = 10, orders = 2}) == "L")
assert(stage({member_level = 3}) == "L")
assert(stage({member_level = 2, recency_days = 10, orders = 1}) == "P")
assert(stage({reviews = 1}) == "L")
assert(stage({shares = 1}) == "L")

-- Thresholds are params: a 30-day window and repurchase at 3 orders.
local q = test.params{window_days = 30, repurchase_orders = 3}
assert(aipl.stage({recency_days = 31, orders = 1}, q) == "A")
assert(aipl.stage({recency_days = 20, orders = 2}, q) == "P")
assert(aipl.stage({recency_days = 20, orders = 3}, q) == "L")

-- Exports carry text where a number belongs (n/a, -, N/A, 空, a blank): missing, like an
-- empty field, never an error.
for _, v in ipairs({"n/a", "-", "N/A", "空", " "}) do
  assert(stage({recency_days = 30, orders = v}) == "P", v)
  assert(stage({recency_days = v, orders = 3, visits_30d = 1}) == "I", v)
  assert(stage({member_level = v, reviews = v, shares = v, visits_30d = v}) == "A", v)
  assert(stage({recency_days = 10, orders = 2, favorites = v}) == "L", v)
end
