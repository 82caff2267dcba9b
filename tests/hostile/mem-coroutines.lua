-- expect 4: tests/hostile/mem-coroutines.lua: memory limit (64 MiB) exceeded
local all = {}
while true do all[#all + 1] = coroutine.create(function() end) end
