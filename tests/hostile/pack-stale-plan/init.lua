-- a strategy keeps the plan object; the allocator (a later call) uses it
local kept
return {
  keep = function(plan) kept = plan end,
  alloc = function(plan, budget) return {p4p = {kept.periods, 0, 0, 0}} end,
}
