-- expect 4: tests/hostile/packsize.lua: instruction limit (1e7 steps) exceeded
-- string.packsize walks a 3 MiB format in C
local f = ("i16"):rep(1 << 20)
while true do string.packsize(f) end
