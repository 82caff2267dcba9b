-- expect 4: tests/hostile/loop-sort-comparator.lua: instruction limit (1e7 steps) exceeded
table.sort({3, 2, 1}, function() while true do end end)
