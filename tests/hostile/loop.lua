-- expect 4: tests/hostile/loop.lua: instruction limit (1e7 steps) exceeded
while true do end
