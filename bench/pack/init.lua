-- Hooks timed by bench/hook.sh.
local M = {}

-- The cheapest segmenter: what remains is the cost of calling it.
function M.stage(row, params)
  return "A"
end

-- Spend where the marginal GMV is the same everywhere, as a pack author might write it
-- (carry-over ignored): for a level lambda, each cell spends x with marginal(x) = lambda
-- (bisection), and lambda is bisected until the budget is spent.
local function spend_at(ch, t, lambda, cap)
  if ch:marginal(0, t) <= lambda then return 0 end
  local lo, hi = 0, cap
  for _ = 1, 40 do
    local mid = (lo + hi) / 2
    if ch:marginal(mid, t) > lambda then lo = mid else hi = mid end
  end
  return lo
end

function M.marginal(plan, budget, params)
  local chs, T = {}, plan.periods
  for _, ch in ipairs(plan:channels()) do
    if not ch.fixed then chs[#chs + 1] = ch end
  end
  local function total(lambda, out)
    local sum = 0
    for _, ch in ipairs(chs) do
      for t = 1, T do
        local x = ch:active(t) and spend_at(ch, t, lambda, budget) or 0
        if out then out:set(ch, t, x) end
        sum = sum + x
      end
    end
    return sum
  end
  local lo, hi = 0, 1000
  for _ = 1, 30 do
    local mid = (lo + hi) / 2
    if total(mid) > budget then lo = mid else hi = mid end
  end
  local alloc = mplan.allocation(plan)
  total(hi, alloc)
  return alloc
end

return M
