local pack = require("init")
local params = test.params()
-- 120 paid, 45 refunded: 75 net; no refund column value: the revenue.
assert(pack.net_revenue({ revenue = 120, refund = 45 }, params) == 75)
assert(pack.net_revenue({ revenue = 80 }, params) == 80)
-- The store keeps 10% of a refund of 50: 100 - 45 = 55.
assert(pack.net_revenue({ revenue = 100, refund = 50 }, test.params{ fee_kept = 0.1 }) == 55)
