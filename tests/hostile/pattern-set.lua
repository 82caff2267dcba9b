-- expect 4: tests/hostile/pattern-set.lua: instruction limit (1e7 steps) exceeded
-- a set of a million members, scanned at each of 4096 positions: 4e9 comparisons a call
local set = "[" .. ("a"):rep(1 << 20) .. "b]"
local s = ("c"):rep(4096)
return s:find(set)
