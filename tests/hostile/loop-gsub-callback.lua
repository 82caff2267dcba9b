-- expect 4: tests/hostile/loop-gsub-callback.lua: instruction limit (1e7 steps) exceeded
return (('x'):rep(100)):gsub('.', function() while true do end end)
