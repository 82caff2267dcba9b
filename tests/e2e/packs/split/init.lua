-- The budget split evenly over every channel and period (the plans using it have no caps).
local M = {}

function M.even(plan, budget, params)
  local alloc = mplan.allocation(plan)
  local chans = plan:channels()
  local share = budget / (#chans * plan.periods)
  for _, ch in ipairs(chans) do
    for t = 1, plan.periods do
      alloc:set(ch.id, t, share)
    end
  end
  return alloc
end

return M
