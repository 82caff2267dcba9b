-- Checks its world is intact, then returns a negative spend on purpose: the run must fail
-- with that message (and not with one of the asserts below).
local M = {}
function M.alloc(plan, budget)
  assert(("ab"):rep(2) == "abab", "string methods were changed")
  assert(string.rep("x", 3) == "xxx" and string.format("%d", 7) == "7", "string table was changed")
  assert(table.insert and math.floor(1.5) == 1, "library tables were changed")
  assert(mplan.allocation, "mplan was changed")
  assert(rawget(_G, "victim_flag") == nil, "globals leaked between packs")
  local a = mplan.allocation(plan)
  return {p4p = {-1, 0, 0, 0}}
end
return M
