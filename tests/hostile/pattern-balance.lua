-- expect 4: tests/hostile/pattern-balance.lua: instruction limit (1e7 steps) exceeded
return (('('):rep(200000)):find('%b()')
