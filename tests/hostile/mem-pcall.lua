-- expect 4: tests/hostile/mem-pcall.lua: memory limit (64 MiB) exceeded
-- the memory limit is sticky: catching the failure and allocating again keeps failing
local keep = {}
while true do pcall(function() keep[#keep + 1] = ('x'):rep(1000):rep(1000) end) end
