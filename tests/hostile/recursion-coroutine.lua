-- expect 4: C stack overflow
local function f() return coroutine.wrap(f)() end
return f()
