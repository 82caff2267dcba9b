-- expect 4: tests/hostile/loop-close.lua: instruction limit (1e7 steps) exceeded
-- a to-be-closed variable whose __close loops while the error unwinds
local guard <close> = setmetatable({}, {__close = function() while true do end end})
error('unwind')
