-- expect 4: tests/hostile/mem-concat.lua: memory limit (64 MiB) exceeded
local s = 'x'
while true do s = s .. s end
