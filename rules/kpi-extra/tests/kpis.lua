-- kpi-extra: every KPI on a forecast worked out by hand.
local pack = require("init")
local params = test.params()

local function near(got, want, what)
  assert(got ~= nil, what .. ": got nil")
  assert(math.abs(got - want) < 1e-9, string.format("%s: got %.12g, want %.12g", what, got, want))
end

-- What a KPI hook receives, built the way mplan builds it: the plan's total KPIs with
-- by_channel, by_period and margin beside them.
local function totals(plan, alloc)
  local f = mplan.forecast(plan, alloc)
  local t = {}
  for k, v in pairs(f.total) do
    t[k] = v
  end
  t.by_channel, t.by_period, t.margin = f.by_channel, f.by_period, plan.margin
  return t
end

-- One week, margin 0.30, organic GMV 500. ads (paid, ROAS 3, AOV 50, 40% new) gets 600;
-- live (self-operated, ROAS 2, AOV 40, 10% new) gets 400.
--   ads:  GMV 1800, orders 1800/50 = 36, new 36 * 0.4 = 14.4
--   live: GMV  800, orders  800/40 = 20, new 20 * 0.1 = 2
--   total: GMV 1800 + 800 + 500 = 3100, spend 1000, orders 56, new customers 16.4
local plan = test.plan [[
mplan: 1
store: {name: Test store, currency: USD}
horizon: {start: 2027-01-04, periods: 1, period: week}
budget: {total: 1000}
margin: 0.30
baseline: {gmv: 500}
channels:
  - {id: ads, kind: paid, response: {curve: linear, roas: 3}, funnel: {aov: 50, cvr: 0.02, ctr: 0.01, new_share: 0.4}}
  - {id: live, kind: self, response: {curve: linear, roas: 2}, funnel: {aov: 40, cvr: 0.05, ctr: 0.02, new_share: 0.1}}
]]
local alloc = mplan.allocation(plan)
alloc:set("ads", 1, 600)
alloc:set("live", 1, 400)
local t = totals(plan, alloc)
near(t.gmv, 3100, "total GMV")

near(pack.gross_profit(t, params), 3100 * 0.30 - 1000, "gross profit") -- -70
near(pack.break_even_roas(t, params), 1 / 0.30, "break-even ROAS")  -- 3.33
near(pack.cpa(t, params), 1000 / 56, "CPA")                          -- 17.86
near(pack.new_customer_share(t, params), 16.4 / 56, "new-customer share")
near(pack.channel_gmv_share(t, params), 2600 / 3100, "channel GMV share")

-- paid_share from channels' kinds: 600 of 1000 is paid.
local with_kinds = {
  spend = 1000,
  by_channel = { ads = { kind = "paid", spend = 600 }, live = { kind = "self", spend = 400 } },
}
near(pack.paid_share(with_kinds, params), 0.6, "paid share")
-- Without a kind it refuses to guess.
local ok, msg = pcall(pack.paid_share, { spend = 1000, by_channel = { ads = { spend = 600 } } }, params)
assert(not ok and msg:find("channel 'ads' has none", 1, true), msg)

-- Absent, never made up: no margin, nothing spent, no orders, no GMV.
local bare = { spend = 0, gmv = 0, orders = 0, new_customers = 0, by_channel = {} }
assert(pack.gross_profit(bare, params) == nil)
assert(pack.break_even_roas(bare, params) == nil)
assert(pack.break_even_roas({ margin = 0 }, params) == nil)
assert(pack.paid_share(bare, params) == nil)
assert(pack.cpa(bare, params) == nil)
assert(pack.new_customer_share(bare, params) == nil)
assert(pack.channel_gmv_share(bare, params) == nil)
