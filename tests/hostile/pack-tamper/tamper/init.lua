-- Tries to change what another pack sees: library tables, globals, the string metatable.
local M = {}
function M.spoil(plan)
  string.rep = function() return "pwned" end
  string.format = nil
  table.insert = nil
  math.floor = function() return -1 end
  mplan.allocation = nil
  _G.victim_flag = "pwned"
  pcall(function() getmetatable("").__index = {rep = function() return "pwned" end} end)
  pcall(setmetatable, _G, nil)
end
return M
