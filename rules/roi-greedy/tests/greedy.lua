-- roi-greedy: each case worked out slice by slice by hand.
local pack = require("init")

local function near(got, want, what)
  assert(math.abs(got - want) < 1e-6, string.format("%s: got %.9g, want %.9g", what, got, want))
end

-- A one-week plan with two channels and no reserve, so the allocatable budget is the total.
local function plan_of(total, periods, channels)
  return test.plan(string.format([[
mplan: 1
store: {name: Test store, currency: USD}
horizon: {start: 2027-01-04, periods: %d, period: week}
budget: {total: %g}
channels:
%s]], periods, total, channels))
end

-- 1. Diminishing returns. a: hill beta 1000, k 100, s 1, so r(x) = 1000 x / (x + 100):
--    r(100) = 500, r(200) = 666.67, r(300) = 750. b: linear, ROAS 1.5.
--    Budget 400 in 4 slices of 100:
--      slice 1: a gains 500 (5.0 per unit) > b 1.5        -> a
--      slice 2: a gains 166.67 (1.67) > 1.5               -> a
--      slice 3: a gains 83.33 (0.83) < 1.5                -> b
--      slice 4: the same                                  -> b
--    a = 200, b = 200.
do
  local plan = plan_of(400, 1, [[
  - {id: a, kind: paid, response: {curve: hill, beta: 1000, k: 100, s: 1}}
  - {id: b, kind: paid, response: {curve: linear, roas: 1.5}}
]])
  local alloc = pack.greedy(plan, plan.allocatable, test.params { steps = 4 })
  near(alloc:get("a", 1), 200, "a")
  near(alloc:get("b", 1), 200, "b")
  assert(test.check(plan, alloc))
end

-- 2. Carry-over. a: ROAS 2, theta 0.5; b: ROAS 2.5, theta 0; both capped at 100 a week,
--    two weeks, budget 200 in 2 slices.
--    Without carry-over each week stands alone: b (2.5) beats a (2) twice; ties between
--    weeks go to the earlier one: b = 100 in week 1, 100 in week 2, a = 0.
--    With carry-over a slice of a in week 1 also returns 0.5 * 2 = 1 per unit in week 2:
--    3.0 per unit > b's 2.5, so a takes week 1 (then its cap is reached). Slice 2: a in
--    week 2 returns 2, b in week 1 2.5 -> b week 1. a = (100, 0), b = (100, 0).
do
  local plan = plan_of(200, 2, [[
  - {id: a, kind: paid, response: {curve: linear, roas: 2}, theta: 0.5, cap: 100}
  - {id: b, kind: paid, response: {curve: linear, roas: 2.5}, cap: 100}
]])
  local alloc = pack.greedy(plan, 200, test.params { steps = 2 })
  near(alloc:get("a", 1) + alloc:get("a", 2), 0, "a without carry-over")
  near(alloc:get("b", 1), 100, "b week 1")
  near(alloc:get("b", 2), 100, "b week 2")

  alloc = pack.greedy(plan, 200, test.params { steps = 2, carryover = true })
  near(alloc:get("a", 1), 100, "a week 1 with carry-over")
  near(alloc:get("a", 2), 0, "a week 2 with carry-over")
  near(alloc:get("b", 1), 100, "b week 1 with carry-over")
  near(alloc:get("b", 2), 0, "b week 2 with carry-over")
  assert(test.check(plan, alloc))
end

-- 3. Minimums first. a: ROAS 1 with min 300; b: ROAS 3. Budget 500 in slices of 100.
--    a's 300 is placed before anything competes; the other 200 go to b (3 > 1).
--    Without the min, b would take all 500.
do
  local plan = plan_of(500, 1, [[
  - {id: a, kind: paid, response: {curve: linear, roas: 1}, min: 300}
  - {id: b, kind: paid, response: {curve: linear, roas: 3}}
]])
  local alloc = pack.greedy(plan, 500, test.params { steps = 5 })
  near(alloc:get("a", 1), 300, "a meets its min")
  near(alloc:get("b", 1), 200, "b gets the rest")
  assert(test.check(plan, alloc))
end

-- 4. min_roas stops early. a alone, r(x) = 1000 x / (x + 100), slices of 100 out of 1000:
--    gains 500 (5.0), 166.67 (1.67), 83.33 (0.83 < 1: stop). a = 200, 800 left unspent.
do
  local plan = plan_of(1000, 1, [[
  - {id: a, kind: paid, response: {curve: hill, beta: 1000, k: 100, s: 1}}
]])
  local alloc = pack.greedy(plan, 1000, test.params { steps = 10, min_roas = 1 })
  near(alloc:get("a", 1), 200, "a stops at ROAS 1")
end

-- 5. Caps, inactive periods and fixed channels. Two weeks, the second an outbreak (lift 1,
--    so responses are unchanged). a: ROAS 3, active only in the outbreak, cap 150;
--    b: ROAS 1; kol: fixed spend 50 in week 1, which the allocator must leave alone.
--    Allocatable: 250 - 50 = 200, slices of 100:
--      slice 1: a week 2 (3.0)                         -> a(2) = 100
--      slice 2: a week 2 has room 50 only, still 3.0   -> a(2) = 150
--      slice 3: the last 50; a is full -> b week 1     -> b(1) = 50
do
  local plan = test.plan [[
mplan: 1
store: {name: Test store, currency: USD}
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 250}
events:
  - {name: Sale, outbreak: 2027-01-11..2027-01-17, phases: {}, lift: 1}
channels:
  - {id: a, kind: paid, response: {curve: linear, roas: 3}, cap: 150, active: [outbreak]}
  - {id: b, kind: paid, response: {curve: linear, roas: 1}}
  - {id: kol, kind: self, response: {curve: linear, roas: 1}, spend: [50, 0]}
]]
  near(plan.allocatable, 200, "allocatable")
  local alloc = pack.greedy(plan, plan.allocatable, test.params { steps = 2 })
  near(alloc:get("a", 1), 0, "a inactive in week 1")
  near(alloc:get("a", 2), 150, "a capped in week 2")
  near(alloc:get("b", 1), 50, "b week 1")
  near(alloc:get("b", 2), 0, "b week 2")
  near(alloc:get("kol", 1), 50, "kol keeps its fixed spend")
  assert(test.check(plan, alloc))
end

-- 6. A min the caps cannot reach is an error naming the channel, not a bad allocation.
do
  local plan = plan_of(500, 1, [[
  - {id: a, kind: paid, response: {curve: linear, roas: 1}, min: 300, cap: 200}
]])
  local ok, msg = pcall(pack.greedy, plan, 500, test.params())
  assert(not ok and msg:find("channel 'a' cannot reach its min 300.00", 1, true), msg)
end
