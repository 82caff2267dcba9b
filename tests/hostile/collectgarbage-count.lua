-- expect 4: tests/hostile/collectgarbage-count.lua:6: count is the call's own
-- collectgarbage('count') showed the whole state's heap (mplan's library, other packs'
-- memory); now it counts what this call holds beyond its start: about nothing here.
local kib = collectgarbage("count")
assert(kib < 16, "collectgarbage('count') sees " .. kib .. " KiB")
error("count is the call's own")
