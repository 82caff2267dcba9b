-- event-rhythm: plan around a platform event the way campaigns are run on the platform.
--
-- Before an event's outbreak come storage ("water storage": favourites, carts, followers)
-- and warm-up; after it comes review. Analysts build interest first, convert in the
-- outbreak, and stop paying for traffic once the event is over. Two hooks:
--   phase_focus     (strategy)  leans channels towards the phase they serve
--   phase_weighted  (allocator) splits the budget over periods by phase, then across
--                               channels within each period by marginal return

local M = {}

local function is_paid(ch)
  return ch.kind == "paid"
end

-- Stage (AIPL) of the channel as the phase sees it: awareness and interest channels build
-- interest; purchase channels convert. Loyalty channels (CRM, member care) are left alone.
local function builds_interest(ch)
  return ch.stage == "awareness" or ch.stage == "interest"
end

local function converts(ch)
  return ch.stage == "purchase"
end

-- Strategy. In storage and warm-up periods, interest-building channels get their demand
-- multiplier scaled by storage_focus; in outbreak periods purchase channels get
-- outbreak_focus. With pause_paid_in_review, paid channels are switched off in review
-- periods; with hold_purchase, paid purchase channels stay off until the outbreak.
-- A factor of 1 leaves a channel as the plan has it.
function M.phase_focus(plan, params)
  for t = 1, plan.periods do
    local phase = plan:period(t).phase
    for _, ch in ipairs(plan:channels()) do
      if phase == "storage" or phase == "warmup" then
        if builds_interest(ch) and params.storage_focus ~= 1 then
          ch:scale_lift(t, params.storage_focus)
        end
        if params.hold_purchase and converts(ch) and is_paid(ch) then
          ch:set_active(t, false)
        end
      elseif phase == "outbreak" then
        if converts(ch) and params.outbreak_focus ~= 1 then
          ch:scale_lift(t, params.outbreak_focus)
        end
      elseif phase == "review" then
        if params.pause_paid_in_review and is_paid(ch) then
          ch:set_active(t, false)
        end
      end
    end
  end
end

-- ---- allocator ----

-- Weight of each non-outbreak phase; outbreak periods share outbreak_share of the budget.
local function phase_weight(phase, params)
  return params[phase .. "_weight"]
end

-- The budget each period should get: outbreak periods split outbreak_share of it evenly,
-- every other period gets the rest in proportion to its phase weight. A plan without an
-- outbreak (or without other periods, or with all weights 0) puts everything where it can.
local function period_targets(plan, budget, params)
  local outbreak, weight_sum = 0, 0
  for t = 1, plan.periods do
    local phase = plan:period(t).phase
    if phase == "outbreak" then
      outbreak = outbreak + 1
    else
      weight_sum = weight_sum + phase_weight(phase, params)
    end
  end
  local share = params.outbreak_share
  if outbreak == 0 then
    share = 0
  elseif weight_sum == 0 then
    share = 1
  end
  if outbreak == 0 and weight_sum == 0 then
    error("every phase weight is 0 and the plan has no outbreak: no period may spend")
  end
  local targets = {}
  for t = 1, plan.periods do
    local phase = plan:period(t).phase
    if phase == "outbreak" then
      targets[t] = budget * share / outbreak
    else
      targets[t] = budget * (1 - share) * phase_weight(phase, params) / weight_sum
    end
  end
  return targets
end

-- Spend state of one channel the allocator decides (channels the plan fixes are skipped).
local function new_state(plan, ch)
  local s = { ch = ch, spend = {}, total = 0 }
  for t = 1, plan.periods do
    s.spend[t] = 0
  end
  return s
end

local function room(s, t)
  if not s.ch:active(t) then
    return 0
  end
  return math.max(0, math.min(s.ch.cap - s.spend[t], s.ch.max - s.total))
end

-- Spread `amount` over the cells (pairs {state, t}) in `steps` slices, each slice to the
-- cell with the highest marginal return ch:marginal at the middle of the slice. Equal
-- marginal returns are where a concave budget split is best, and small slices approach
-- them. Returns what could not be placed (every cell full).
local function fill(cells, amount, steps)
  local slice = amount / steps
  local eps = 1e-9 * math.max(amount, 1)
  while amount > eps do
    local best, best_amount, best_m
    for _, cell in ipairs(cells) do
      local s, t = cell[1], cell[2]
      local a = math.min(slice, amount, room(s, t))
      if a > 0 then
        local m = s.ch:marginal(s.spend[t] + a / 2, t)
        if not best_m or m > best_m then
          best, best_amount, best_m = cell, a, m
        end
      end
    end
    if not best then
      break
    end
    local s, t = best[1], best[2]
    s.spend[t] = s.spend[t] + best_amount
    s.total = s.total + best_amount
    amount = amount - best_amount
  end
  return amount
end

-- Allocator. 1) each channel's `min` goes to its best periods; 2) each period gets its
-- phase target (less what the minimums already put there), split across the channels
-- active in it by marginal return; 3) budget a period could not use (no active channel,
-- caps reached) goes to the best cells anywhere.
function M.phase_weighted(plan, budget, params)
  local T = plan.periods
  local states = {}
  for _, ch in ipairs(plan:channels()) do
    if not ch.fixed then
      states[#states + 1] = new_state(plan, ch)
    end
  end

  local left = budget
  for _, s in ipairs(states) do
    if s.ch.min > 0 then
      if s.ch.min > left then
        error(string.format("the minimums need more than the budget %.2f (channel '%s')", budget, s.ch.id))
      end
      local cells = {}
      for t = 1, T do
        cells[#cells + 1] = { s, t }
      end
      if fill(cells, s.ch.min, params.steps) > 1e-9 * math.max(s.ch.min, 1) then
        error(string.format("channel '%s' cannot reach its min %.2f within its caps and active periods",
          s.ch.id, s.ch.min))
      end
      left = left - s.ch.min
    end
  end

  -- What each period still wants beyond the minimums placed in it, scaled down when the
  -- minimums took more than their share of the budget.
  local targets, want, placed = period_targets(plan, budget, params), {}, 0
  for t = 1, T do
    local in_t = 0
    for _, s in ipairs(states) do
      in_t = in_t + s.spend[t]
    end
    want[t] = math.max(0, targets[t] - in_t)
    placed = placed + want[t]
  end
  local scale = placed > left and left / placed or 1

  local unplaced = 0
  for t = 1, T do
    local cells = {}
    for _, s in ipairs(states) do
      cells[#cells + 1] = { s, t }
    end
    local amount = want[t] * scale
    left = left - amount
    unplaced = unplaced + fill(cells, amount, params.steps)
  end

  left = left + unplaced
  if left > 1e-9 * math.max(budget, 1) then
    local cells = {}
    for _, s in ipairs(states) do
      for t = 1, T do
        cells[#cells + 1] = { s, t }
      end
    end
    fill(cells, left, params.steps)
  end

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
