-- expect 4: tests/hostile/loop-pcall.lua: instruction limit (1e7 steps) exceeded
-- catching the limit error and trying again does not help
while true do pcall(function() while true do end end) end
