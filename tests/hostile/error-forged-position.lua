-- expect 4: tests/hostile/error-forged-position.lua:3: rules/event-rhythm/init.lua:41: broken
-- an error text that starts with another file's "file:line:" does not move the blame there
error("rules/event-rhythm/init.lua:41: broken", 0)
