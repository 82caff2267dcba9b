-- expect 4: tests/hostile/table-insert-len.lua: instruction limit (1e7 steps) exceeded
-- __len makes table.insert shift 2^50 slots in C
table.insert(setmetatable({}, {__len = function() return 2^50 end}), 1, 0)
