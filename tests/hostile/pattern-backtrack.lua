-- expect 4: tests/hostile/pattern-backtrack.lua: instruction limit (1e7 steps) exceeded
-- Lua's matcher backtracks in C, unseen by the count hook; mplan's counts every step
return (('a'):rep(100000)):find('.-.-.-.-b')
