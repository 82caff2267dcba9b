return {alloc = function(plan, budget)
  local t = {}
  while true do t[#t + 1] = plan:channels() end
end}
