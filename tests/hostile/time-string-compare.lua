-- expect 4: tests/hostile/time-string-compare.lua: time limit (
-- few instructions, each a 16 MiB memcmp: the clock, not the step count, stops it
local a = ('x'):rep(4096):rep(4096)
local b = ('x'):rep(4096):rep(4096)
while true do local _ = a == b end
