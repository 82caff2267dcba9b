-- expect 4: tests/hostile/recursion.lua: memory limit (64 MiB) exceeded
local function f() return 1 + f() end
return f()
