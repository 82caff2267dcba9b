-- event-rhythm: phases, the strategy and the allocator, with numbers worked out by hand.
local pack = require("init")

local function near(got, want, tol, what)
  assert(math.abs(got - want) <= tol, string.format("%s: got %.9g, want %.9g", what, got, want))
end

-- Four weeks from Monday 2027-01-04 around an outbreak on 18-24 January: week 1
-- (4-10 Jan) is storage, week 2 warm-up, week 3 the outbreak, week 4 (25-31 Jan) review.
-- Lift 1 and no storage deferral (defer: 0) keep every response as its curve says. One channel per test: CHANNELS.
local function event_plan(channels)
  return test.plan([[
mplan: 1
store: {name: Test store, currency: USD}
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 10000}
events:
  - name: Sale
    outbreak: 2027-01-18..2027-01-24
    phases: {storage: 1w, warmup: 1w, review: 1w}
    lift: 1
    defer: {storage: 0, warmup: 0}
channels:
]] .. channels)
end

local PHASES = { "storage", "warmup", "outbreak", "review" }

-- 1. Split over periods. Outbreak: 0.5 of 10000 = 5000. The other 5000 by weights
--    storage 1.5, warm-up 2, review 0.5 (sum 4): 1875, 2500, 625. One linear channel
--    takes each period's target whole.
do
  local plan = event_plan("  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}}\n")
  for t, phase in ipairs(PHASES) do
    assert(plan:period(t).phase == phase, "week " .. t .. " is " .. plan:period(t).phase)
  end
  local alloc = pack.phase_weighted(plan, plan.allocatable, test.params())
  local want = { 1875, 2500, 5000, 625 }
  for t = 1, 4 do
    near(alloc:get("ads", t), want[t], 1e-6, "week " .. t)
  end
  assert(test.check(plan, alloc))
end

-- 2. The strategy, then the allocator. ads is a paid purchase channel: phase_focus scales
--    it by outbreak_focus 1.2 in week 3 (100 spent returns 2 * 100 * 1.2 = 240) and
--    switches it off in review. Its review target (625) has nowhere to go in week 4, so it
--    goes to the best cell anywhere: week 3, where the marginal return is 2.4 against 2
--    elsewhere. Weeks: 1875, 2500, 5625, 0.
--    content is an interest channel of kind self: storage_focus 1.2 in weeks 1 and 2
--    (100 returns 1 * 100 * 1.2 = 120), untouched in week 3, and not paused in review.
do
  local plan = event_plan([[
  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}}
  - {id: content, kind: self, stage: interest, response: {curve: linear, roas: 1}}
]])
  local params = test.params()
  pack.phase_focus(plan, params)
  local ads, content = plan:channel("ads"), plan:channel("content")
  near(ads:response(100, 1), 200, 1e-9, "ads week 1")
  near(ads:response(100, 3), 240, 1e-9, "ads outbreak")
  near(content:response(100, 1), 120, 1e-9, "content storage")
  near(content:response(100, 2), 120, 1e-9, "content warm-up")
  near(content:response(100, 3), 100, 1e-9, "content outbreak")
  assert(ads:active(3) and not ads:active(4), "ads paused in review only")
  assert(content:active(4), "self-operated content keeps running in review")

  -- With both channels in the plan, each week's target goes to the channel with the
  -- higher marginal return: ads (2 or 2.4) everywhere but review, where only content
  -- runs and takes the 625.
  local alloc = pack.phase_weighted(plan, plan.allocatable, params)
  local want_ads = { 1875, 2500, 5000, 0 }
  for t = 1, 4 do
    near(alloc:get("ads", t), want_ads[t], 1e-6, "ads week " .. t)
  end
  near(alloc:get("content", 4), 625, 1e-6, "content in review")
  assert(test.check(plan, alloc))
end

do
  local plan = event_plan("  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}}\n")
  pack.phase_focus(plan, test.params())
  local alloc = pack.phase_weighted(plan, plan.allocatable, test.params())
  local want = { 1875, 2500, 5625, 0 }
  for t = 1, 4 do
    near(alloc:get("ads", t), want[t], 1e-6, "paused review, week " .. t)
  end
  assert(test.check(plan, alloc))
end

-- 3. hold_purchase keeps paid purchase channels off until the outbreak.
do
  local plan = event_plan("  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}}\n")
  pack.phase_focus(plan, test.params { hold_purchase = true, pause_paid_in_review = false })
  local ads = plan:channel("ads")
  assert(not ads:active(1) and not ads:active(2) and ads:active(3) and ads:active(4))
end

-- 4. Within a period, equal marginal returns. One normal week, 400 to spend:
--    a: r(x) = 1000 x / (x + 100), r'(x) = 100000 / (x + 100)^2; b: ROAS 1.5.
--    r'(x) = 1.5 at x + 100 = sqrt(100000 / 1.5) = 258.199, so a = 158.199, b = 241.801.
--    1000 slices of 0.4 land within one slice of it.
do
  local plan = test.plan [[
mplan: 1
store: {name: Test store, currency: USD}
horizon: {start: 2027-01-04, periods: 1, period: week}
budget: {total: 400}
channels:
  - {id: a, kind: paid, response: {curve: hill, beta: 1000, k: 100, s: 1}}
  - {id: b, kind: paid, response: {curve: linear, roas: 1.5}}
]]
  local alloc = pack.phase_weighted(plan, 400, test.params { steps = 1000 })
  near(alloc:get("a", 1), 158.199, 0.4, "a")
  near(alloc:get("b", 1), 241.801, 0.4, "b")
  assert(test.check(plan, alloc))
end

-- 5. Minimums come out of the periods they land in. ads must spend 6000 in total and is
--    capped at 3000 a week: the min goes to its best weeks first, all equal (marginal 2),
--    so the earliest: week 1 takes 3000 (cap), week 2 takes 3000 (cap). Targets beyond
--    the mins: week 1 1875 - 3000 -> 0, week 2 2500 - 3000 -> 0, week 3 5000, week 4 625;
--    these 5625 are more than the 4000 left after the min, so each is scaled by 4000/5625:
--    week 3 wants 3555.56 but its cap stops it at 3000, week 4 gets 444.44. The 555.56
--    week 3 could not take go to the only cell with room left, week 4: 1000 in all.
do
  local plan = event_plan("  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}, min: 6000, cap: 3000}\n")
  local alloc = pack.phase_weighted(plan, plan.allocatable, test.params())
  near(alloc:get("ads", 1), 3000, 1e-6, "week 1")
  near(alloc:get("ads", 2), 3000, 1e-6, "week 2")
  near(alloc:get("ads", 3), 3000, 1e-6, "week 3")
  near(alloc:get("ads", 4), 1000, 1e-6, "week 4")
  assert(test.check(plan, alloc))
end
