-- purpose-mix: keep the budget mix across the four dimensions of store operation (basic,
-- paid, event, self-operated) in line with the plan's purpose, the way an annual plan
-- fixes a composition before anyone optimises inside it.
--
-- Strategy `bounds`: each kind gets a share of the allocatable budget, from the table
-- below for plan.purpose or from the pack's params. The share is split evenly over the
-- kind's channels, and each channel may spend between (1 - band) and (1 + band) times its
-- part. The optimiser then decides within those bounds. A plan's own min and max stay
-- hard limits: the new bounds only narrow them.

local M = {}

local KINDS = { "basic", "paid", "event", "self" }

-- Default shares by purpose (each row sums to 1):
--   exposure    reach new buyers: paid traffic and self-operated content (live, short video)
--   conversion  turn traffic into orders: paid search and event promotions
--   brand       build the store's name: self-operated content and store basics
--   retention   bring buyers back: self-operated CRM and events for members
local SHARES = {
  exposure   = { basic = 0.10, paid = 0.45, event = 0.15, self = 0.30 },
  conversion = { basic = 0.10, paid = 0.55, event = 0.25, self = 0.10 },
  brand      = { basic = 0.20, paid = 0.25, event = 0.15, self = 0.40 },
  retention  = { basic = 0.15, paid = 0.20, event = 0.25, self = 0.40 },
}

-- The shares to use: a param (basic_share, ...) overrides the purpose's default; a param
-- of -1 (the default) means "from the purpose".
local function shares_for(purpose, params)
  local row, shares = SHARES[purpose], {}
  for _, kind in ipairs(KINDS) do
    local p = params[kind .. "_share"]
    shares[kind] = p >= 0 and p or row[kind]
  end
  return shares
end

-- Most the channel can spend over the horizon: its cap in each period it is active.
local function reachable(plan, ch)
  local sum = 0
  for t = 1, plan.periods do
    if ch:active(t) then
      sum = sum + ch.cap
    end
  end
  return sum
end

local function format_bound(x)
  return x == math.huge and "none" or string.format("%.2f", x)
end

function M.bounds(plan, params)
  if not SHARES[plan.purpose] then
    mplan.log("the plan has no purpose: bounds left as they are")
    return
  end
  local shares = shares_for(plan.purpose, params)

  -- Channels the allocator decides, by kind. Only kinds with such channels share the
  -- budget: their shares are scaled up to sum to 1, so nothing is reserved for a kind
  -- the plan does not have.
  local by_kind, present = {}, 0
  for _, kind in ipairs(KINDS) do
    by_kind[kind] = {}
  end
  for _, ch in ipairs(plan:channels()) do
    if not ch.fixed then
      table.insert(by_kind[ch.kind], ch)
    end
  end
  for _, kind in ipairs(KINDS) do
    if #by_kind[kind] > 0 then
      present = present + shares[kind]
    end
  end
  if present <= 0 then
    mplan.log("no channel of a kind with a positive share: bounds left as they are")
    return
  end

  for _, kind in ipairs(KINDS) do
    local chans = by_kind[kind]
    for _, ch in ipairs(chans) do
      local part = plan.allocatable * shares[kind] / present / #chans
      -- A min the caps cannot reach would make the plan infeasible: lower it to what
      -- the caps allow (never below the plan's own min).
      local lo = math.max(ch.min, math.min(part * (1 - params.band), reachable(plan, ch)))
      local hi = math.min(ch.max, part * (1 + params.band))
      if lo > hi then
        -- The plan's own bounds and the purpose disagree; the plan wins.
        mplan.log("channel '%s': purpose bounds %.2f..%.2f miss the plan's %s..%s; keeping the plan's",
          ch.id, part * (1 - params.band), part * (1 + params.band), format_bound(ch.min), format_bound(ch.max))
      else
        ch:set_bounds { min = lo, max = hi }
      end
    end
  end
end

return M
