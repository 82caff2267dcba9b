-- expect 4: tests/hostile/weak-keys-later.lua:5: weak tables (__mode) are not allowed in rule scripts
-- __mode added to a metatable after it is set
local mt = {}
local t = setmetatable({}, mt)
mt.__mode = "k"
