local M = {}
function M.focus(plan, params)
  local event = plan:period(1).event  -- nil: no events in this plan
  if event > 0 then return end
end
return M
