-- expect 4: tests/hostile/string-rep-empty.lua: instruction limit (1e7 steps) exceeded
-- an empty string repeated 2^62 times allocates nothing but loops in C
return string.rep('', 2^62)
