-- expect 4: tests/hostile/table-move.lua: instruction limit (1e7 steps) exceeded
return table.move({}, 1, 2^50, 2)
