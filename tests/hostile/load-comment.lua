-- expect 4: tests/hostile/load-comment.lua: instruction limit (1e7 steps) exceeded
-- the lexer skips a 4 MiB comment in C: load is charged per byte of its chunk
local s = "--" .. ("x"):rep(1 << 22)
while true do load(s) end
