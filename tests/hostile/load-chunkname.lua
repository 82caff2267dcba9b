-- expect 4: [load "@rules/event-rhythm/init.lua"]:1: attempt to call a nil value
-- a chunk name of the script's own choosing cannot pass for another pack's file
local f = load("undefined_fn()", "@rules/event-rhythm/init.lua", "t", {})
f()
