-- roi-greedy: a greedy allocator, written to be read by pack authors.
--
-- The idea: cut the budget into `steps` equal slices and hand out one slice at a time,
-- each to the channel and period where it adds the most GMV right now. Because every
-- response curve flattens as spend grows (diminishing returns), the best place for the
-- next slice moves around, and the result spreads the budget the way an analyst would
-- by hand with a spreadsheet of marginal ROAS.
--
-- It is simple and transparent, not optimal: mplan's built-in `equalize` finds the true
-- optimum for concave curves. Use this pack to learn how an allocator is written, to
-- explain an allocation step by step, or as the start of your own rules.
--
-- An allocator receives the plan, the budget to spend (the plan's allocatable budget B)
-- and the pack's params, and returns an allocation. mplan checks the answer against
-- every constraint (min, max, cap, active periods, budget) and rejects a violating one
-- with a message naming channel, period and constraint, so this code must respect them.

local M = {}

-- A channel whose spend the plan fixes (`spend:` or `cost:`) is not ours to decide.
local function decided_by_allocator(ch)
  return not ch.fixed
end

-- How much more channel `ch` may spend in period t, given its spend so far.
-- The per-period cap and the total max both limit it; an inactive period takes nothing.
local function room(ch, t, spend, total)
  if not ch:active(t) then
    return 0
  end
  return math.max(0, math.min(ch.cap - spend[t], ch.max - total))
end

-- The GMV that `amount` more spend in period t adds.
--
-- Without carry-over (the default) a period stands alone: the gain is the response at the
-- new spend minus the response at the old one, read straight off the channel's curve.
--
-- With carry-over (params.carryover = true) spend keeps working: a share theta of this
-- period's adstock reaches the next period, theta^2 the one after, and so on (docs/model.md 3).
-- So the gain is summed over this and every later period, each at its own adstock level.
-- This favours spending early in channels with a high theta, which is how storage and
-- warm-up spend pays off in an event's outbreak.
local function gain(ch, t, amount, spend, adstock, T, carryover)
  if not carryover then
    return ch:response(spend[t] + amount, t) - ch:response(spend[t], t)
  end
  local sum, extra = 0, amount
  for u = t, T do
    sum = sum + ch:response(adstock[u] + extra, u) - ch:response(adstock[u], u)
    extra = extra * ch.theta
  end
  return sum
end

-- Adstock of every period from the spend: a[t] = x[t] + theta * a[t-1] (docs/model.md 3).
local function adstock_of(ch, spend, T)
  local a, prev = {}, 0
  for t = 1, T do
    prev = spend[t] + ch.theta * prev
    a[t] = prev
  end
  return a
end

-- Book `amount` to channel state `s` in period t.
local function place(s, t, amount, T)
  s.spend[t] = s.spend[t] + amount
  s.total = s.total + amount
  s.adstock = adstock_of(s.ch, s.spend, T)
end

-- The best next step among the given channel states: the channel and period whose next
-- slice (at most `step`, less where room is short) returns the most GMV per unit spent.
-- Returns state, period, amount and that return (the step's marginal ROAS), or nil when
-- no channel has room left.
local function best_step(states, step, T, carryover)
  local best, best_t, best_amount, best_roas
  for _, s in ipairs(states) do
    for t = 1, T do
      local amount = math.min(step, room(s.ch, t, s.spend, s.total))
      if amount > 0 then
        local roas = gain(s.ch, t, amount, s.spend, s.adstock, T, carryover) / amount
        -- Strictly better only: ties go to the earlier channel and period, so the
        -- answer does not depend on anything but the plan.
        if not best_roas or roas > best_roas then
          best, best_t, best_amount, best_roas = s, t, amount, roas
        end
      end
    end
  end
  return best, best_t, best_amount, best_roas
end

function M.greedy(plan, budget, params)
  local T = plan.periods
  local step = budget / params.steps
  local carryover = params.carryover
  -- Leftovers smaller than this are rounding, not budget.
  local eps = 1e-9 * math.max(budget, 1)

  -- One state per channel the allocator decides: its spend per period, total, adstock.
  local states = {}
  for _, ch in ipairs(plan:channels()) do
    if decided_by_allocator(ch) then
      local spend = {}
      for t = 1, T do
        spend[t] = 0
      end
      states[#states + 1] = { ch = ch, spend = spend, total = 0, adstock = adstock_of(ch, spend, T) }
    end
  end
  local left = budget

  -- 1. Minimums first: they are commitments (a contract, a platform's minimum spend),
  --    so each channel with a `min` gets it before anyone competes for the rest. Within
  --    the channel the slices still go to its best periods.
  for _, s in ipairs(states) do
    while s.ch.min - s.total > eps do
      local want = math.min(step, s.ch.min - s.total)
      if want > left + eps then
        error(string.format("the minimums need more than the budget %.2f (channel '%s')", budget, s.ch.id))
      end
      local _, t, amount = best_step({ s }, want, T, carryover)
      if not t then
        error(string.format("channel '%s' cannot reach its min %.2f within its caps and active periods",
          s.ch.id, s.ch.min))
      end
      place(s, t, amount, T)
      left = left - amount
    end
  end

  -- 2. The rest, one slice at a time, to the best channel and period. Stop early when
  --    no channel has room, or when the best slice would return less than min_roas per
  --    unit spent (0 by default: any GMV is worth buying; set it to 1/margin to stop
  --    where spend no longer pays for itself).
  while left > eps do
    local s, t, amount, roas = best_step(states, math.min(step, left), T, carryover)
    if not s or roas <= params.min_roas then
      break
    end
    place(s, t, amount, T)
    left = left - amount
  end

  -- 3. Hand the answer back as an allocation (channels left out spend nothing).
  local alloc = mplan.allocation(plan)
  for _, s in ipairs(states) do
    for t = 1, T do
      if s.spend[t] > 0 then
        alloc:set(s.ch.id, t, s.spend[t])
      end
    end
  end
  return alloc
end

return M
