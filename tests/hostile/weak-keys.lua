-- expect 4: tests/hostile/weak-keys.lua:7: weak tables (__mode) are not allowed in rule scripts
-- A chain of ephemerons (each value holds the next table's key) costs the collector's atomic
-- phase quadratic time in C, where no limit can stop it: 50,000 links stall it for minutes.
local tables, first = {}, {}
local prev = first
for i = 1, 50000 do
  local t = setmetatable({}, {__mode = "k"})
  local key = {}
  t[prev] = key
  tables[i] = t
  prev = key
end
collectgarbage()
