-- expect 4: tests/hostile/loop-xpcall-handler.lua: instruction limit (1e7 steps) exceeded
-- the message handler itself loops
while true do xpcall(error, function() while true do end end) end
