-- expect 4: tests/hostile/loop-coroutine-resume.lua: instruction limit (1e7 steps) exceeded
-- resume reports a coroutine's error as a value: each new coroutine must not restart the count
while true do coroutine.resume(coroutine.create(function() while true do end end)) end
