-- expect 4: tests/hostile/pattern-plain.lua: instruction limit (1e7 steps) exceeded
-- a plain find that compares 10000 bytes at each of a million positions
return (('a'):rep(1000000)):find(('a'):rep(10000) .. 'b', 1, true)
