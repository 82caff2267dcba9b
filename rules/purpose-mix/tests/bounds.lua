-- purpose-mix: bounds from the purpose, worked out by hand.
local pack = require("init")

local function near(got, want, what)
  assert(math.abs(got - want) < 1e-6, string.format("%s: got %.9g, want %.9g", what, got, want))
end

local function plan_of(purpose, channels)
  return test.plan(string.format([[
mplan: 1
store: {name: Test store, currency: USD}
%s
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 10300}
channels:
  - {id: decoration, kind: basic, cost: {fixed: 75}}
%s]], purpose, channels))
end

-- Conversion: basic 0.10, paid 0.55, event 0.25, self 0.10. The plan has two paid
-- channels, one self-operated and a basic one with a fixed cost only (75 a week: 300 over
-- four weeks, so 10300 - 300 = 10000 to allocate). Basic has no channel to allocate and
-- event none at all, so paid and self share the budget as 0.55 : 0.10, i.e. 11/13 and 2/13.
--   paid part per channel: 10000 * 11/13 / 2 = 55000/13 = 4230.769
--     min 0.75 of it = 41250/13 = 3173.077, max 1.25 of it = 68750/13 = 5288.462
--   self part: 10000 * 2/13 = 20000/13 = 1538.462: min 15000/13, max 25000/13.
--   p2 has its own max 4000, which stays (below 5288.46).
do
  local plan = plan_of("purpose: conversion", [[
  - {id: p1, kind: paid, response: {curve: linear, roas: 2}}
  - {id: p2, kind: paid, response: {curve: linear, roas: 2}, max: 4000}
  - {id: live, kind: self, response: {curve: linear, roas: 2}}
]])
  near(plan.allocatable, 10000, "allocatable")
  pack.bounds(plan, test.params())
  local p1, p2, live = plan:channel("p1"), plan:channel("p2"), plan:channel("live")
  near(p1.min, 41250 / 13, "p1 min")
  near(p1.max, 68750 / 13, "p1 max")
  near(p2.min, 41250 / 13, "p2 min")
  near(p2.max, 4000, "p2 keeps its own max")
  near(live.min, 15000 / 13, "live min")
  near(live.max, 25000 / 13, "live max")
  -- The bounds leave room for the whole budget: the built-in optimum is accepted.
  assert(test.check(plan, assert(mplan.equalize(plan, plan.allocatable))))
end

-- Params override the purpose's table: paid_share 0.9 and band 0 with self's 0.10 from
-- the table: paid 0.9/1.0 of 10000 over two channels, exactly 4500 each; self 1000.
do
  local plan = plan_of("purpose: conversion", [[
  - {id: p1, kind: paid, response: {curve: linear, roas: 2}}
  - {id: p2, kind: paid, response: {curve: linear, roas: 2}}
  - {id: live, kind: self, response: {curve: linear, roas: 2}}
]])
  pack.bounds(plan, test.params { paid_share = 0.9, band = 0 })
  near(plan:channel("p1").min, 4500, "p1 min")
  near(plan:channel("p1").max, 4500, "p1 max")
  near(plan:channel("live").min, 1000, "live min")
end

-- Where the plan's bounds and the purpose's cannot both hold, the plan's stay: p1's max
-- 1000 is below its purpose min 3173.08, so p1 keeps min 0 and max 1000. A min the caps
-- cannot reach is lowered: p2 may spend at most 500 a week over 4 weeks = 2000 < 3173.08.
do
  local plan = plan_of("purpose: conversion", [[
  - {id: p1, kind: paid, response: {curve: linear, roas: 2}, max: 1000}
  - {id: p2, kind: paid, response: {curve: linear, roas: 2}, cap: 500}
  - {id: live, kind: self, response: {curve: linear, roas: 2}}
]])
  pack.bounds(plan, test.params())
  near(plan:channel("p1").min, 0, "p1 min kept")
  near(plan:channel("p1").max, 1000, "p1 max kept")
  near(plan:channel("p2").min, 2000, "p2 min lowered to what its caps reach")
  near(plan:channel("p2").max, 68750 / 13, "p2 max")
end

-- Brand: self 0.40, paid 0.25 -> self 0.4/0.65 of 10000 = 80000/13 = 6153.85 for the one
-- self channel: min 60000/13, max 100000/13.
do
  local plan = plan_of("purpose: brand", [[
  - {id: p1, kind: paid, response: {curve: linear, roas: 2}}
  - {id: live, kind: self, response: {curve: linear, roas: 2}}
]])
  pack.bounds(plan, test.params())
  near(plan:channel("live").min, 60000 / 13, "live min")
  near(plan:channel("live").max, 100000 / 13, "live max")
  near(plan:channel("p1").min, 0.75 * 10000 * 0.25 / 0.65, "p1 min")
end

-- Without a purpose nothing changes.
do
  local plan = plan_of("", "  - {id: p1, kind: paid, response: {curve: linear, roas: 2}}\n")
  pack.bounds(plan, test.params())
  near(plan:channel("p1").min, 0, "p1 min")
  assert(plan:channel("p1").max == math.huge, "p1 max")
end
