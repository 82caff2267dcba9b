-- expect 4: tests/hostile/pattern-gmatch.lua: instruction limit (1e7 steps) exceeded
for w in (('a'):rep(50000)):gmatch('(a*)*b') do end
