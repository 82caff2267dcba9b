-- expect 4: tests/hostile/weak-keys.lua:6: weak tables (__mode) are not allowed in rule scripts
-- A chain of ephemerons (each value is the next entry's key) costs the collector's atomic
-- phase superlinear time in C, where no limit can stop it: with lua5.4, one collection of
-- 200,000 links takes 0.7 s, of 800,000 links 5 s; 512 MiB holds millions.
local first = {}
local t = setmetatable({}, {__mode = "k"})
local prev = first
for i = 1, 400000 do
  local k = {}
  t[prev] = k
  prev = k
end
collectgarbage()
