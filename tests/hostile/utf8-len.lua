-- expect 4: tests/hostile/utf8-len.lua: instruction limit (1e7 steps) exceeded
-- utf8.len walks 4 MiB in C as one instruction: charged per byte, three calls end it
local s = ("a"):rep(1 << 22)
while true do utf8.len(s) end
