-- expect 4: tests/hostile/weak-keys-rawset.lua:5: weak tables (__mode) are not allowed in rule scripts
-- ... or with rawset, past any __newindex
local mt = {}
local t = setmetatable({}, mt)
rawset(mt, "__mode", "k")
