-- expect 4: tests/hostile/mem-table.lua: memory limit (64 MiB) exceeded
local t = {}
for i = 1, 1e9 do t[i] = {i} end
