-- expect 4: tests/hostile/loop-coroutine-wrap.lua: instruction limit (1e7 steps) exceeded
local spin = coroutine.wrap(function() while true do coroutine.yield() end end)
while true do spin() end
