-- expect 4: tests/hostile/loop-tostring.lua: instruction limit (1e7 steps) exceeded
-- the error object's __tostring loops when mplan turns it into a message
error(setmetatable({}, {__tostring = function() while true do end end}))
